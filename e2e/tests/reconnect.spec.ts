// The WebSocket drops (the agent is killed and comes back on the same port and data): the UI
// shows a banner, reconnects by itself and resumes from its last revision, without a reload.
import { test, expect } from '@playwright/test';
import { startAgent } from './agent.ts';
import { login, openTab, restAdd, rowWhere } from './ui.ts';

test('connection lost: banner, automatic reconnect, changes made meanwhile appear, no reload', async ({
  page,
  request,
}) => {
  const first = await startAgent();
  let second: Awaited<ReturnType<typeof startAgent>> | undefined;
  try {
    await login(page, first.agent);
    await openTab(page, 'Peers');
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

    await first.kill();
    const banner = page.getByText(/Connection to the router lost/);
    await expect(banner).toBeVisible();
    await expect(page.getByText('reconnecting…', { exact: true })).toBeVisible();

    const port = new URL(first.agent.url).port;
    second = await startAgent({ dataDir: first.agent.dataDir, listen: `127.0.0.1:${port}` });
    // Someone changes the configuration right after the restart, before the browser is back.
    await restAdd(request, second.agent, 'ip/ipsec/peer', { name: 'while-away', address: '203.0.113.9/32' });

    await expect(page.getByText('connected', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(banner).toBeHidden();
    await expect(rowWhere(page, 'name', 'while-away')).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  } finally {
    second?.kill();
    first.stop();
  }
});

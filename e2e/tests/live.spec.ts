// Two admins at once: the second browser session sees the first one's changes as they happen
// (config.changes over the WebSocket), without reloading. Live views are pushed, never polled.
import { test, expect } from './agent.ts';
import { STATISTICS_COUNTERS } from '@ipsec/schema';
import { cell, entryDialog, fill, answer, login, newSession, ok, openTab, rowWhere, rows, tool } from './ui.ts';

test('a second session sees adds, disables, comments and removes live, without reload', async ({
  page,
  agent,
  browser,
}) => {
  await login(page, agent);
  const other = await newSession(browser, agent);
  await openTab(page, 'Peers');
  await openTab(other, 'Peers');
  await other.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await expect(rows(other)).toHaveCount(0);

  // add in the first session
  await tool(page, 'Add').click();
  const dlg = entryDialog(page);
  await fill(dlg, 'Name', 'branch-7');
  await fill(dlg, 'Address', '2001:db8:7::1/128');
  await ok(dlg);
  const seen = rowWhere(other, 'name', 'branch-7');
  await expect(cell(seen, 'address')).toHaveText('2001:db8:7::1/128');
  await expect(cell(seen, 'profile')).toHaveText('default');
  await expect(cell(seen, 'flags')).toHaveText('');
  await expect(other.getByText(/rev \d+ · admin: add ip\/ipsec\/peer/)).toBeVisible();

  // disable
  const mine = rowWhere(page, 'name', 'branch-7');
  await cell(mine, 'address').click();
  await tool(page, 'Disable').click();
  await expect(cell(seen, 'flags')).toHaveText('X');
  await expect(seen).toHaveClass(/row-disabled/);

  // comment
  await tool(page, 'Comment').click();
  await answer(page, 'Comment (Peers)', 'seen live');
  await expect(cell(seen, 'comment')).toHaveText('seen live');

  // an entry dialog open in the other session follows too, and says when the entry is gone
  await seen.dblclick();
  const otherDlg = entryDialog(other);
  await expect(otherDlg).toHaveAccessibleName('IPsec Peer <branch-7>');
  await expect(otherDlg.getByText('disabled · ;;; seen live')).toBeVisible();

  // remove
  await tool(page, 'Remove').click();
  await answer(page, 'Remove');
  await expect(rows(page)).toHaveCount(0);
  await expect(otherDlg.getByText('This entry no longer exists')).toBeVisible();
  await otherDlg.getByRole('button', { name: 'Cancel' }).click();
  await expect(rows(other)).toHaveCount(0);

  // the same page all along
  expect(await other.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  await other.context().close();
});

test('Active Peers, Installed SAs and Statistics are pushed by the agent, never polled', async ({ page, agent }) => {
  const sent: string[] = [];
  const requests: string[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
  await login(page, agent);
  page.on('request', (r) => requests.push(r.url()));

  await openTab(page, 'Statistics');
  await expect(page.getByTestId('statistics-summary')).toHaveText('All counters are zero.');
  const counters = page.getByRole('table', { name: 'Statistics' }).getByRole('row');
  await expect(counters).toHaveCount(STATISTICS_COUNTERS.length); // the manual's 25 and our 9 for IKE
  await expect(counters.filter({ hasText: /^In No States/ })).toContainText('0');
  await expect(counters.filter({ hasText: /^IKE In No States/ })).toContainText('0');

  await openTab(page, 'Active Peers');
  await expect(page.getByText(/^No active peers\./)).toBeVisible();
  await openTab(page, 'Installed SAs');
  await expect(page.getByText(/^No installed SAs\./)).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Rate' })).toBeVisible();
  const watches = sent.filter((f) => f.includes('live.watch')).length;
  expect(watches).toBeGreaterThanOrEqual(3); // one subscription per live tab opened

  // Idle on a live tab: nothing goes out (the WebSocket keep-alive is 30 s; the 2 s polling is gone).
  const before = sent.length;
  await page.waitForTimeout(3000);
  expect(sent.slice(before)).toEqual([]);
  expect(requests).toEqual([]);
});

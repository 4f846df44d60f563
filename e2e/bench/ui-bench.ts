// pnpm bench:ui - the cost of watching 10,000 installed SAs whose counters change every second.
// A real agent (in this process) holds 10,000 SAs in its live state and moves every counter once a
// second; a real Chromium shows the Installed SAs tab. Measured over a window of updates:
//   - WebSocket bytes per update (CDP Network.webSocketFrameReceived)
//   - main-thread busy time per update (CDP Performance.getMetrics TaskDuration)
// A benchmark prints figures; it asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { startAgent } from '../../apps/agent/src/server.ts';

const SAS = Number(process.env.BENCH_SAS ?? 10_000);
const WINDOW_S = Number(process.env.BENCH_SECONDS ?? 20);
const PASSWORD = 'bench-admin-password';
const repo = join(import.meta.dirname, '..', '..');

const dataDir = mkdtempSync(join(tmpdir(), 'ipsec-bench-ui-'));
const agent = await startAgent({
  dataDir,
  port: 0,
  adminPassword: PASSWORD,
  webRoot: join(repo, 'apps', 'web', 'dist'),
});
const live = agent.services.live;
const now = Date.now();
for (let i = 1; i <= SAS; i++) {
  live.sas.set(i, {
    id: i,
    spi: `0x${(0xc0000000 + i).toString(16)}`,
    'src-address': `192.0.2.${(i % 250) + 1}`,
    'dst-address': `198.51.100.${(i % 250) + 1}`,
    AH: false,
    ESP: true,
    'enc-algorithm': 'aes-256-gcm',
    'enc-key-size': 256,
    'auth-algorithm': '',
    'enc-key': 'ab'.repeat(36),
    'auth-key': '',
    'current-bytes': 0,
    'current-packets': 0,
    'add-lifetime': '27m/30m',
    addtime: new Date(now).toISOString(),
    'expires-at': now + 1_620_000,
    replay: 128,
    state: 'mature',
    'hw-aead': false,
  });
}
// Every SA carries traffic: every counter moves every second, the worst case for the UI.
const traffic = setInterval(() => {
  for (const sa of live.sas.values()) {
    sa['current-bytes'] = Number(sa['current-bytes']) + 1400 * (1 + (Number(sa.id) % 7));
    sa['current-packets'] = Number(sa['current-packets']) + 1 + (Number(sa.id) % 7);
  }
}, 1000);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  const frames: { at: number; bytes: number }[] = [];
  cdp.on('Network.webSocketFrameReceived', (e) =>
    frames.push({ at: Date.now(), bytes: Buffer.byteLength(e.response.payloadData) }),
  );

  await page.goto(`${agent.url}/`);
  await page.getByLabel('Login').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByText('connected', { exact: true }).waitFor();
  await page.goto(`${agent.url}/#/ip/ipsec/installed-sas`);
  await page
    .getByText(`${SAS.toLocaleString('en-US')} items`)
    .or(page.getByText(`${SAS} items`))
    .first()
    .waitFor({ timeout: 60_000 });
  await page.waitForTimeout(3000); // first full snapshot rendered, rates running

  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(metrics.map((m) => [m.name, m.value])) as Record<string, number>;
  };
  if (process.env.BENCH_PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const before = await metric();
  const start = Date.now();
  const firstFrame = frames.length;
  await page.waitForTimeout(WINDOW_S * 1000);
  const after = await metric();
  if (process.env.BENCH_PROFILE) {
    // Where the main thread goes: self time by function, top 12.
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map<string, number>();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas ?? [];
    (profile.samples ?? []).forEach((id, i) => {
      const n = byId.get(id)!;
      const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    console.log('\nself time (ms) by function:');
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
      console.log(`  ${v.toFixed(0).padStart(7)}  ${k}`);
  }
  const window = frames.slice(firstFrame).filter((f) => f.bytes > 100); // updates, not pings
  const updates = window.length;
  const busyMs = (after.TaskDuration! - before.TaskDuration!) * 1000;
  const scriptMs = (after.ScriptDuration! - before.ScriptDuration!) * 1000;
  const bytes = window.reduce((a, f) => a + f.bytes, 0);
  const seconds = (Date.now() - start) / 1000;

  console.log(
    `\nUI benchmark: ${SAS.toLocaleString('en-US')} installed SAs, every counter changing every second, ${seconds.toFixed(1)} s window`,
  );
  console.log(`  updates received            ${updates} (${(updates / seconds).toFixed(2)}/s)`);
  console.log(
    `  WebSocket bytes per update  ${Math.round(bytes / Math.max(1, updates)).toLocaleString('en-US')} B (` +
      `${(bytes / seconds / 1024).toFixed(0)} KiB/s)`,
  );
  console.log(
    `  main-thread busy per update ${(busyMs / Math.max(1, updates)).toFixed(1)} ms (of which script ` +
      `${(scriptMs / Math.max(1, updates)).toFixed(1)} ms)`,
  );
  console.log(`  main-thread busy share      ${((busyMs / (seconds * 1000)) * 100).toFixed(1)} %`);
  console.log(`  JS heap used                ${((after.JSHeapUsedSize ?? 0) / 1048576).toFixed(1)} MiB`);
} finally {
  clearInterval(traffic);
  await browser.close();
  await agent.close();
  rmSync(dataDir, { recursive: true, force: true });
}

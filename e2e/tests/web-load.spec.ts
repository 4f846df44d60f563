// What a browser downloads: the built UI served precompressed, the login page without the desktop's code, and each
// window's code fetched when it is first opened. Sizes are the bytes on the wire, printed for the README's table.
import type { Page, Response } from '@playwright/test';
import { test, expect } from './agent.ts';
import { login } from './ui.ts';

/** Every script and stylesheet the page fetches from now on, with its encoding and size on the wire. */
function recordAssets(page: Page) {
  const assets: { path: string; encoding: string; bytes: number }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (r: Response) => {
    const path = new URL(r.url()).pathname;
    if (!/\.(js|css)$/.test(path)) return;
    pending.push(
      r
        .request()
        .sizes()
        .then((s) => {
          assets.push({ path, encoding: r.headers()['content-encoding'] ?? 'identity', bytes: s.responseBodySize });
        }),
    );
  });
  return { assets, settled: () => Promise.all(pending) };
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const total = (xs: { bytes: number }[]) => xs.reduce((s, x) => s + x.bytes, 0);

test('the login page comes compressed and small; each window loads its own code when opened', async ({
  page,
  agent,
}) => {
  const rec = recordAssets(page);
  await page.goto(`${agent.url}/`);
  await expect(page.getByRole('button', { name: 'Connect' })).toBeVisible();
  await rec.settled();
  const loginPage = [...rec.assets];
  expect(loginPage.length).toBeGreaterThan(0);
  // files under 1 KiB are not precompressed (the build skips them: headers would outweigh the gain)
  for (const a of loginPage) if (a.bytes >= 1024) expect(a.encoding, a.path).toMatch(/^(br|gzip)$/);
  expect(loginPage.filter((a) => a.encoding === 'br').length).toBeGreaterThan(0);
  // the login page carries neither the desktop, the schema nor the data grid
  expect(loginPage.map((a) => a.path).join(' ')).not.toMatch(/Desktop|IpsecWindow|WizardWindow/);
  expect(total(loginPage)).toBeLessThan(300 * 1024);

  await login(page, agent);
  await expect(page.getByRole('tab', { name: 'Policies' })).toBeVisible();
  await rec.settled();
  const desktop = rec.assets.slice(loginPage.length);
  expect(desktop.map((a) => a.path).join(' ')).toMatch(/Desktop.*IpsecWindow|IpsecWindow.*Desktop/s);
  expect(desktop.map((a) => a.path).join(' ')).not.toMatch(/WizardWindow/);

  const before = rec.assets.length;
  await page.goto(`${agent.url}/#/wizard/road-warrior`);
  await expect(page.getByText('Road Warrior Wizard').first()).toBeVisible();
  await rec.settled();
  expect(
    rec.assets
      .slice(before)
      .map((a) => a.path)
      .join(' '),
  ).toMatch(/WizardWindow/);
  console.log(
    `web load on the wire: login page ${kib(total(loginPage))} (${loginPage.length} files), ` +
      `then the desktop with Policies ${kib(total(desktop))} (${desktop.length} files)`,
  );
});

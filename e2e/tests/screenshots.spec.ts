// Full-window screenshots of every IPsec tab, Settings, Log and System > Users with a realistic
// configuration (the manual's Site 1 plus IPv6 and road-warrior entries), saved to
// test-results/screenshots/<name>.png for review. Also checks that no address or prefix is cut off.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './agent.ts';
import { entryDialog, grid, ipsecWindow, login, openTab, restAdd, rows } from './ui.ts';

const DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

const TABS: [string, string, number][] = [
  ['Policies', 'policies', 4],
  ['Proposals', 'proposals', 3],
  ['Groups', 'groups', 1],
  ['Peers', 'peers', 3],
  ['Identities', 'identities', 3],
  ['Profiles', 'profiles', 2],
  ['Active Peers', 'active-peers', 0],
  ['Mode Configs', 'mode-configs', 2],
  ['Installed SAs', 'installed-sas', 0],
  ['Keys', 'keys', 1],
  ['Users', 'ipsec-users', 1],
  ['Statistics', 'statistics', -1],
];

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(DIR, `${name}.png`), animations: 'disabled' });
}

/** No cell whose text is wider than the cell (DataGrid would cut it with an ellipsis). */
async function expectNothingCut(page: Page, what: string): Promise<void> {
  const cut = await grid(page).evaluate((g) =>
    Array.from(g.querySelectorAll<HTMLElement>('.MuiDataGrid-cell'))
      .filter((c) => c.scrollWidth > c.clientWidth + 1)
      .map((c) => `${c.dataset.field}=${c.textContent}`),
  );
  expect(cut, `${what}: truncated cells`).toEqual([]);
}

test("screenshots of every window with the manual's Site 1 configuration", async ({ page, agent, request }) => {
  mkdirSync(DIR, { recursive: true });
  // Site 1 of the manual, as site1.spec enters it through the dialogs
  await restAdd(request, agent, 'ip/ipsec/profile', {
    name: 'ike1-site2',
    'dh-group': 'modp2048',
    'enc-algorithm': 'aes-128',
  });
  await restAdd(request, agent, 'ip/ipsec/proposal', {
    name: 'ike1-site2',
    'enc-algorithms': 'aes-128-cbc',
    'pfs-group': 'modp2048',
  });
  await restAdd(request, agent, 'ip/ipsec/peer', {
    name: 'ike1-site2',
    address: '192.168.80.1/32',
    profile: 'ike1-site2',
  });
  await restAdd(request, agent, 'ip/ipsec/identity', { peer: 'ike1-site2', secret: 'thisisnotasecurepsk' });
  await restAdd(request, agent, 'ip/ipsec/policy', {
    'src-address': '10.1.202.0/24',
    'dst-address': '10.1.101.0/24',
    tunnel: 'yes',
    action: 'encrypt',
    proposal: 'ike1-site2',
    peer: 'ike1-site2',
  });
  // IPv6 site and a road-warrior responder: long addresses, lists, a disabled and a commented entry
  await restAdd(request, agent, 'ip/ipsec/proposal', {
    name: 'v6-gcm',
    'enc-algorithms': 'aes-256-gcm,aes-128-gcm',
    'auth-algorithms': 'null',
    'pfs-group': 'ecp384',
    lifetime: '8h',
  });
  await restAdd(request, agent, 'ip/ipsec/peer', {
    name: 'dc-frankfurt-v6',
    address: '2001:db8:ffff:1234:5678:9abc:def0:1/128',
    'local-address': '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1',
    'exchange-mode': 'ike2',
  });
  await restAdd(request, agent, 'certificate', {
    name: 'fra-cert',
    'common-name': 'vpn.fra.example.net',
    'subject-alt-name': 'DNS:vpn.fra.example.net',
    'key-type': 'ecdsa',
    'key-size': 'prime256v1',
  });
  await restAdd(request, agent, 'ip/ipsec/identity', {
    peer: 'dc-frankfurt-v6',
    'auth-method': 'digital-signature',
    certificate: 'fra-cert',
    'remote-id': 'fqdn:vpn.fra.example.net',
  });
  await restAdd(request, agent, 'ip/ipsec/policy', {
    'src-address': '2001:db8:ffff:a000::/52',
    'dst-address': '2001:db8:eeee:b000:1234::/80',
    tunnel: 'yes',
    proposal: 'v6-gcm',
    peer: 'dc-frankfurt-v6',
    level: 'unique',
    comment: 'IPv6 to Frankfurt',
  });
  await restAdd(request, agent, 'ip/ipsec/peer', {
    name: 'road-warriors',
    address: '0.0.0.0/0',
    passive: 'yes',
    'exchange-mode': 'ike2',
    disabled: 'yes',
  });
  await restAdd(request, agent, 'ip/pool', { name: 'rw-pool', ranges: '192.168.77.2-192.168.77.254' });
  await restAdd(request, agent, 'ip/ipsec/mode-config', {
    name: 'rw-clients',
    'address-pool': 'rw-pool',
    'split-include': '10.1.0.0/16,172.16.0.0/12',
    'static-dns': '10.1.0.53',
    'system-dns': 'no',
  });
  await restAdd(request, agent, 'ip/ipsec/identity', {
    peer: 'road-warriors',
    'auth-method': 'pre-shared-key-xauth',
    secret: 'rw-psk-secret',
    username: 'rw',
    password: 'rw-password',
    'mode-config': 'rw-clients',
    'generate-policy': 'port-strict',
  });
  await restAdd(request, agent, 'ip/ipsec/policy', {
    'src-address': '10.1.0.0/16',
    'dst-address': '172.16.0.0/12',
    action: 'discard',
    peer: '',
    disabled: 'yes',
  });
  await restAdd(request, agent, 'ip/ipsec/user', { name: 'alice', password: 'alice-secret', address: '192.168.77.10' });
  await restAdd(request, agent, 'ip/ipsec/key', { name: 'site1-rsa', 'key-size': '1024' });

  await login(page, agent);
  for (const [title, name, count] of TABS) {
    await openTab(page, title);
    if (count >= 0) await expect(rows(page)).toHaveCount(count);
    else await expect(page.getByTestId('statistics-summary')).toHaveText('All counters are zero.');
    if (count > 0) await expectNothingCut(page, title);
    await shot(page, `ipsec-${name}`);
  }

  await test.step('dialogs: policy, identity (Authentication tab), profile (Encryption tab), Settings', async () => {
    const dlg = entryDialog(page);
    await openTab(page, 'Policies');
    await rows(page).nth(1).dblclick();
    await expect(dlg).toHaveAccessibleName('IPsec Policy <*2>');
    await shot(page, 'dialog-policy');
    await dlg.getByRole('button', { name: 'Cancel' }).click();

    await openTab(page, 'Identities');
    await rows(page).nth(2).dblclick();
    await dlg.getByRole('tab', { name: 'Authentication' }).click();
    await expect(dlg.getByRole('textbox', { name: 'Username' })).toHaveValue('rw');
    await shot(page, 'dialog-identity-xauth');
    await dlg.getByRole('button', { name: 'Cancel' }).click();

    await openTab(page, 'Profiles');
    await rows(page).nth(1).dblclick();
    await dlg.getByRole('tab', { name: 'Encryption' }).click();
    await shot(page, 'dialog-profile-encryption');
    await dlg.getByRole('button', { name: 'Cancel' }).click();

    // mode config: a client (responder=no) shows only what a client uses, a responder its server fields
    await openTab(page, 'Mode Configs');
    await rows(page).nth(0).dblclick();
    await expect(dlg).toHaveAccessibleName('IPsec Mode Config <request-only>');
    await expect(dlg.getByRole('combobox', { name: 'Address Pool' })).toHaveCount(0);
    await expect(dlg.getByRole('textbox', { name: 'Src. Address List' })).toBeVisible();
    await dlg.getByRole('checkbox', { name: 'Responder' }).check();
    await expect(dlg.getByRole('combobox', { name: 'Address Pool' })).toBeVisible();
    await expect(dlg.getByRole('textbox', { name: 'Src. Address List' })).toHaveCount(0);
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await rows(page).nth(1).dblclick();
    await expect(dlg.getByRole('combobox', { name: 'Address Pool' })).toHaveText('rw-pool');
    await shot(page, 'dialog-mode-config-responder');
    await dlg.getByRole('button', { name: 'Cancel' }).click();

    await ipsecWindow(page).getByRole('button', { name: 'Settings' }).click();
    await expect(dlg).toHaveAccessibleName('IPsec Settings');
    await shot(page, 'ipsec-settings');
    await dlg.getByRole('button', { name: 'Cancel' }).click();
  });

  await test.step('dark theme', async () => {
    await openTab(page, 'Policies');
    await page.getByRole('button', { name: 'Toggle theme' }).click();
    await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(18, 20, 23)');
    await expectNothingCut(page, 'Policies (dark)');
    await page.mouse.move(600, 500); // no tooltip over the window title
    await shot(page, 'ipsec-policies-dark');
    await page.getByRole('button', { name: 'Toggle theme' }).click();
    await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(233, 236, 239)');
  });

  const menu = page.getByRole('navigation', { name: 'Menu' });
  await menu.getByRole('link', { name: 'Log' }).click();
  await expect(page.getByRole('log')).toContainText('config changed by admin');
  await shot(page, 'log');

  await menu.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('region', { name: 'Users' }).getByRole('row').filter({ hasText: 'admin' })).toHaveCount(
    1,
  );
  await shot(page, 'system-users');

  await menu.getByRole('link', { name: 'Certificates' }).click();
  const certs = page.getByRole('region', { name: 'Certificates' });
  await expect(certs.locator('.MuiDataGrid-row')).toHaveCount(1);
  await shot(page, 'system-certificates');
});

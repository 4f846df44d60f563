// Wizards > Road Warrior: step-by-step checks (the schema's zod steps, errors on the field),
// Cancel sends nothing, the review's preview (objects by menu, compatibility warnings) and Finish
// (one transaction), then the created entries in the IPsec window and a client profile download.
// Screenshots of every step (1280x800 and 768x1024) go to test-results/screenshots/wizard-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import { test, expect, ADMIN, type RunningAgent } from './agent.ts';
import { cell, ipsecWindow, login, newSession, openTab, rowWhere, rows } from './ui.ts';

const DIR = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const SERVER = 'vpn.example.net';
const USERS = [
  { name: 'alice', password: 'alice-Pass-1234' },
  { name: 'bob', password: 'bob-Pass-56789' },
];

const wizard = (page: Page) => page.getByRole('region', { name: 'Road Warrior Wizard' });
const heading = (page: Page) => wizard(page).getByRole('heading', { level: 2 });
const next = (page: Page) => wizard(page).getByRole('button', { name: 'Next >' });

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  await page.mouse.move(1, 1); // no tooltip or hover state in the picture
  await page.screenshot({ path: join(DIR, `${name}.png`), animations: 'disabled' });
}

/** What REST shows of the menus a wizard writes to (to compare before/after). */
async function restState(request: APIRequestContext, agent: RunningAgent): Promise<string> {
  const auth = { Authorization: `Basic ${Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString('base64')}` };
  const menus = [
    'ip/ipsec/peer',
    'ip/ipsec/identity',
    'ip/ipsec/mode-config',
    'ip/ipsec/policy',
    'ip/ipsec/profile',
    'ip/ipsec/proposal',
    'ip/ipsec/user',
    'ip/pool',
    'certificate',
  ];
  const out: Record<string, unknown> = {};
  for (const m of menus) {
    const res = await request.get(`${agent.url}/rest/${m}`, { headers: auth });
    expect(res.ok(), `GET /rest/${m}`).toBe(true);
    out[m] = await res.json();
  }
  return JSON.stringify(out);
}

async function openWizard(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Road Warrior' }).click();
  await expect(page).toHaveURL(/#\/wizard\/road-warrior\/authentication$/);
  await expect(heading(page)).toHaveText('1. Authentication');
}

async function expectStep(page: Page, title: string, slug: string): Promise<void> {
  await expect(heading(page)).toHaveText(title);
  await expect(page).toHaveURL(new RegExp(`#/wizard/road-warrior/${slug}$`));
}

/** Steps 1-2: EAP with the two users, the server's name. */
async function authAndServer(page: Page, shots?: string): Promise<void> {
  const w = wizard(page);
  await w.getByRole('radio', { name: /Username and password/ }).check();
  await w.getByRole('textbox', { name: 'User 1 name' }).fill(USERS[0]!.name);
  await w.getByLabel('User 1 password', { exact: true }).fill(USERS[0]!.password);
  await w.getByRole('button', { name: 'Add user' }).click();
  await w.getByRole('textbox', { name: 'User 2 name' }).fill(USERS[1]!.name);
  await w.getByLabel('User 2 password', { exact: true }).fill(USERS[1]!.password);
  if (shots) await shot(page, `${shots}-1-authentication`);
  await next(page).click();
  await expectStep(page, '2. Server address', 'server');
  await w.getByRole('textbox', { name: 'Server address' }).fill(SERVER);
  if (shots) await shot(page, `${shots}-2-server`);
  await next(page).click();
  await expectStep(page, '3. Client address pool', 'pool');
}

/** Steps 3-6: pool, DNS, a split network, every platform. */
async function poolToClients(page: Page, shots?: string): Promise<void> {
  const w = wizard(page);
  await w.getByRole('textbox', { name: 'Range 1' }).fill('10.77.0.10-10.77.0.200');
  if (shots) await shot(page, `${shots}-3-pool`);
  await next(page).click();
  await expectStep(page, '4. DNS', 'dns');
  await w.getByRole('radio', { name: /These servers/ }).check();
  await w.getByRole('textbox', { name: 'DNS server 1' }).fill('10.1.0.53');
  if (shots) await shot(page, `${shots}-4-dns`);
  await next(page).click();
  await expectStep(page, '5. Tunnelled traffic', 'networks');
  await w.getByRole('radio', { name: /Split tunnel/ }).check();
  await w.getByRole('textbox', { name: 'Network 1' }).fill('10.1.0.0/16');
  if (shots) await shot(page, `${shots}-5-networks`);
  await next(page).click();
  await expectStep(page, '6. Client platforms', 'clients');
  for (const c of ['Windows', 'macOS', 'iOS', 'Android', 'Linux'])
    await expect(w.getByRole('checkbox', { name: new RegExp(`^${c}`) })).toBeChecked();
  if (shots) await shot(page, `${shots}-6-clients`);
}

test('a bad value stays on its step with the error under the field', async ({ page, agent }) => {
  await login(page, agent);
  await openWizard(page);
  const w = wizard(page);

  // step 1: Next with an empty user row names the row's fields
  await next(page).click();
  await expectStep(page, '1. Authentication', 'authentication');
  await expect(w.getByText('add at least one user (name and password) for EAP-MSCHAPv2')).toBeVisible();
  await w.getByRole('textbox', { name: 'User 1 name' }).fill('alice');
  await w.getByLabel('User 1 password', { exact: true }).fill('short');
  await next(page).click();
  await expectStep(page, '1. Authentication', 'authentication');
  await expect(w.getByLabel('User 1 password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(w.getByText('must be at least 8 characters')).toBeVisible();

  // a later step cannot be reached by URL before the earlier ones are valid
  await page.goto(`${agent.url}/#/wizard/road-warrior/dns`);
  await expectStep(page, '1. Authentication', 'authentication');

  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Road Warrior' }).click();
  await w.getByRole('textbox', { name: 'User 1 name' }).fill('alice');
  await w.getByLabel('User 1 password', { exact: true }).fill('long-enough-pw');
  await next(page).click();
  await expectStep(page, '2. Server address', 'server');
  await w.getByRole('textbox', { name: 'Server address' }).fill('not a host');
  await next(page).click();
  await expectStep(page, '2. Server address', 'server');
  await expect(w.getByText('"not a host" is neither an IP address nor a fully qualified DNS name')).toBeVisible();
  await w.getByRole('textbox', { name: 'Server address' }).fill('203.0.113.5');
  await next(page).click();

  // step 3: the pool's bad address is named under that range, and Next does not advance
  await expectStep(page, '3. Client address pool', 'pool');
  const range = w.getByRole('textbox', { name: 'Range 1' });
  await range.fill('10.0.0.300');
  await next(page).click();
  await expectStep(page, '3. Client address pool', 'pool');
  await expect(range).toHaveAttribute('aria-invalid', 'true');
  await expect(range).toBeFocused();
  const err = w.getByRole('alert').filter({ hasText: '10.0.0.300' });
  await expect(err).toBeVisible();
  // the error sits right under the input it is about
  const [inBox, errBox] = [await range.boundingBox(), await err.boundingBox()];
  expect(errBox!.y).toBeGreaterThan(inBox!.y);
  expect(errBox!.y - (inBox!.y + inBox!.height)).toBeLessThan(30);
  await shot(page, 'wizard-error-pool');

  // fixing it clears the error and Next goes on
  await range.fill('10.0.0.10-10.0.0.99');
  await expect(range).toHaveAttribute('aria-invalid', 'false');
  await next(page).click();
  await expectStep(page, '4. DNS', 'dns');
});

test('Cancel midway sends nothing: the configuration is unchanged', async ({ page, agent, request }) => {
  await login(page, agent);
  const before = await restState(request, agent);
  await openWizard(page);
  await authAndServer(page);
  await poolToClients(page);
  await wizard(page).getByRole('button', { name: 'Cancel' }).click();
  const dlg = page.getByRole('dialog', { name: 'Cancel wizard' });
  await expect(dlg).toContainText('Nothing has been changed on the router');
  await dlg.getByRole('button', { name: 'OK' }).click();
  await expect(page).toHaveURL(/#\/ip\/ipsec\/peers$/);
  await expect(rows(page)).toHaveCount(0);
  expect(await restState(request, agent)).toBe(before);

  // the draft is gone: the wizard starts over
  await openWizard(page);
  await expect(wizard(page).getByRole('textbox', { name: 'User 1 name' })).toHaveValue('');
});

test('admin runs the wizard: EAP, two users, a split network; review, Finish, entries and profiles', async ({
  page,
  agent,
  request,
}) => {
  await login(page, agent);
  await openWizard(page);
  await authAndServer(page, 'wizard');
  await poolToClients(page, 'wizard');
  await next(page).click();
  await expectStep(page, '7. Review', 'review');
  const w = wizard(page);

  await test.step('review: every object grouped by menu, secrets masked, warnings with their fix', async () => {
    const objects = w.getByTestId('wizard-object');
    await expect(w.getByRole('region', { name: 'IP > IPsec > Peers' }).getByTestId('wizard-object')).toHaveCount(1);
    await expect(w.getByRole('region', { name: 'IP > IPsec > Peers' })).toContainText('name=rw');
    await expect(w.getByRole('region', { name: 'IP > IPsec > Identities' })).toContainText('auth-method=eap-radius');
    await expect(w.getByRole('region', { name: 'IP > IPsec > Identities' })).toContainText(`my-id=fqdn:${SERVER}`);
    await expect(w.getByRole('region', { name: 'IP > IPsec > Mode Configs' })).toContainText(
      'split-include=10.1.0.0/16',
    );
    await expect(w.getByRole('region', { name: 'IP > Pool' })).toContainText('ranges=10.77.0.10-10.77.0.200');
    await expect(w.getByRole('region', { name: 'System > Certificates' }).getByTestId('wizard-object')).toHaveCount(2);
    const users = w.getByRole('region', { name: 'IP > IPsec > Users' });
    await expect(users.getByTestId('wizard-object')).toHaveCount(2);
    await expect(users).toContainText('password=********');
    expect(await objects.count()).toBeGreaterThanOrEqual(10);
    for (const u of USERS) await expect(page.locator('body')).not.toContainText(u.password);

    const warnings = w.getByTestId('wizard-warning');
    await expect(warnings.filter({ hasText: 'Windows always ignores the networks sent by split-include' })).toHaveCount(
      1,
    );
    await expect(warnings.filter({ hasText: 'Windows always ignores' })).toContainText('Fix:');
    // a warning's fix leads to the step holding its field
    const dnsWarning = warnings.filter({ hasText: 'uses the DNS servers' }).first();
    await expect(dnsWarning).toContainText('Change in 4. DNS');
    await shot(page, 'wizard-7-review');
    await dnsWarning.getByRole('button', { name: 'Change in 4. DNS' }).click();
    await expectStep(page, '4. DNS', 'dns');
    await w.getByRole('tab', { name: 'Review' }).click();
    await expectStep(page, '7. Review', 'review');
  });

  // nothing stored before Finish
  const peerBefore = await request.get(`${agent.url}/rest/ip/ipsec/peer`, {
    headers: { Authorization: `Basic ${Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString('base64')}` },
  });
  expect(await peerBefore.json()).toEqual([]);

  await w.getByRole('button', { name: 'Finish' }).click();
  await expect(page).toHaveURL(/#\/wizard\/road-warrior\/done\/rw$/);
  await expect(heading(page)).toHaveText('Road warrior “rw” is set up');

  await test.step('downloads: one link per profile; the Linux swanctl.conf names the server', async () => {
    const files = w.getByRole('region', { name: 'Client profiles' });
    // the Apple profiles are listed under macOS and under iOS
    await expect(files.getByRole('link', { name: 'rw-alice.mobileconfig' })).toHaveCount(2);
    for (const f of [
      'rw-ca.crt',
      'rw.ps1',
      'rw-alice.mobileconfig',
      'rw-bob.sswan',
      'rw-alice.swanctl.conf',
      'rw-bob.swanctl.conf',
    ]) {
      await expect(files.getByRole('link', { name: f }).first()).toBeVisible();
    }
    await shot(page, 'wizard-8-downloads');
    const link = files.getByRole('link', { name: 'rw-alice.swanctl.conf' });
    const href = await link.getAttribute('href');
    const res = await page.request.get(new URL(href!, agent.url).toString());
    expect(res.ok()).toBe(true);
    const conf = await res.text();
    expect(conf).toContain(SERVER);
    expect(conf).toMatch(/remote_addrs\s*=\s*"vpn\.example\.net"/);
    // a click downloads it too (fetched with the session cookie)
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('rw-alice.swanctl.conf');
  });

  await test.step('the IPsec window shows the created peer, identity, mode config, users; IP > Pool the pool', async () => {
    await w.getByRole('link', { name: 'IPsec Peers' }).click();
    await expect(ipsecWindow(page)).toBeVisible();
    await expect(cell(rowWhere(page, 'name', 'rw'), 'exchange-mode')).toHaveText('ike2');
    await openTab(page, 'Identities');
    await expect(cell(rowWhere(page, 'peer', 'rw'), 'auth-method')).toHaveText('eap-radius');
    await expect(cell(rowWhere(page, 'peer', 'rw'), 'mode-config')).toHaveText('rw-conf');
    await openTab(page, 'Mode Configs');
    await expect(cell(rowWhere(page, 'name', 'rw-conf'), 'address-pool')).toHaveText('rw-pool');
    await openTab(page, 'Users');
    await expect(rowWhere(page, 'name', 'alice')).toHaveCount(1);
    await expect(rowWhere(page, 'name', 'bob')).toHaveCount(1);
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Pool' }).click();
    const pools = page.getByRole('region', { name: 'Pools' });
    await expect(pools.locator('.MuiDataGrid-row').filter({ hasText: 'rw-pool' })).toContainText(
      '10.77.0.10-10.77.0.200',
    );
  });

  await test.step('the same setup again is refused at review, naming the step to change', async () => {
    await openWizard(page);
    await authAndServer(page);
    await poolToClients(page);
    await next(page).click();
    const problems = w.getByTestId('wizard-problems');
    await expect(problems).toContainText('already exists');
    await expect(w.getByRole('button', { name: 'Finish' })).toBeDisabled();
    await problems.getByRole('button', { name: 'Change in 2. Server' }).first().click();
    await expectStep(page, '2. Server address', 'server');
    await expect(w.getByRole('textbox', { name: 'Name prefix' })).toHaveAttribute('aria-invalid', 'true');
  });
});

test('768x1024: every step fits the width (screenshots), certificate and PSK variants', async ({ page, agent }) => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await login(page, agent);
  await openWizard(page);
  const w = wizard(page);
  const fits = async (what: string) => {
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(over, `${what}: page wider than the viewport`).toBeLessThanOrEqual(0);
  };

  await w.getByRole('radio', { name: /Client certificates/ }).check();
  await w.getByRole('textbox', { name: 'Certificate 1' }).fill('alice-laptop');
  await w.getByRole('button', { name: 'Add certificate' }).click();
  await w.getByRole('textbox', { name: 'Certificate 2' }).fill('bob phone');
  await w.getByLabel('Export passphrase', { exact: true }).fill('short');
  await next(page).click();
  await expect(w.getByRole('textbox', { name: 'Certificate 2' })).toHaveAttribute('aria-invalid', 'true');
  await expect(w.getByLabel('Export passphrase', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await fits('certificates with errors');
  await shot(page, 'wizard-tablet-1-certificates-errors');

  await w.getByRole('radio', { name: /Pre-shared key/ }).check();
  await w.getByRole('button', { name: 'Generate Pre-shared key' }).click();
  await expect(w.getByRole('textbox', { name: 'Pre-shared key' })).toHaveValue(/^.{32}$/);
  await shot(page, 'wizard-tablet-1-psk');

  await w.getByRole('radio', { name: /Username and password/ }).check();
  await w.getByRole('textbox', { name: 'User 1 name' }).fill('carol');
  await w.getByLabel('User 1 password', { exact: true }).fill('carol-Pass-9876');
  await fits('authentication');
  await shot(page, 'wizard-tablet-1-authentication');
  await next(page).click();
  await w.getByRole('textbox', { name: 'Server address' }).fill('198.51.100.7');
  await w.getByRole('textbox', { name: 'Name prefix' }).fill('tablet');
  await fits('server');
  await shot(page, 'wizard-tablet-2-server');
  await next(page).click();
  await w.getByRole('textbox', { name: 'Range 1' }).fill('10.88.0.0/24');
  await shot(page, 'wizard-tablet-3-pool');
  await next(page).click();
  await shot(page, 'wizard-tablet-4-dns');
  await next(page).click();
  await w.getByRole('radio', { name: /Split tunnel/ }).check();
  await w.getByRole('textbox', { name: 'Network 1' }).fill('10.1.0.0/16');
  await w.getByRole('button', { name: 'Add network' }).click();
  await w.getByRole('textbox', { name: 'Network 2' }).fill('172.16.0.0/12');
  await fits('networks');
  await shot(page, 'wizard-tablet-5-networks');
  await next(page).click();
  await w.getByRole('checkbox', { name: 'Choose the algorithms myself' }).check();
  await w.getByRole('group', { name: 'Phase 2 encryption' }).getByRole('checkbox', { name: 'aes-256-gcm' }).check();
  await fits('clients');
  await shot(page, 'wizard-tablet-6-clients');
  await next(page).click();
  await expectStep(page, '7. Review', 'review');
  await expect(w.getByTestId('wizard-object').first()).toBeVisible();
  // two split networks: Apple clients take only the first one
  await expect(
    w.getByTestId('wizard-warning').filter({ hasText: 'accepts only the first split-include network' }),
  ).toHaveCount(2);
  await fits('review');
  await shot(page, 'wizard-tablet-7-review');
  await w.getByRole('button', { name: 'Finish' }).click();
  await expect(heading(page)).toHaveText('Road warrior “tablet” is set up');
  await fits('downloads');
  await shot(page, 'wizard-tablet-8-downloads');
});

test('a read user sees no wizard and cannot finish one', async ({ page, agent, browser }) => {
  const READER = { name: 'wizard-reader', password: 'read-only-pass-2' };
  await login(page, agent);
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Users' }).click();
  const users = page.getByRole('region', { name: 'Users' });
  await users.getByRole('button', { name: 'Add' }).click();
  const dlg = page.getByRole('dialog', { name: 'New User' });
  await dlg.getByRole('textbox', { name: 'Name', exact: true }).fill(READER.name);
  await dlg.getByRole('combobox', { name: 'Group', exact: true }).click();
  await page.getByRole('listbox').getByRole('option', { name: 'read', exact: true }).click();
  await dlg.getByLabel('Password', { exact: true }).fill(READER.password);
  await dlg.getByRole('button', { name: 'OK' }).click();
  await expect(dlg).toBeHidden();

  const ro = await newSession(browser, agent, READER);
  const menu = ro.getByRole('navigation', { name: 'Menu' });
  await expect(menu.getByRole('link', { name: 'IPsec' })).toBeVisible();
  await expect(menu.getByText('Wizards')).toHaveCount(0);
  await expect(menu.getByRole('link', { name: 'Road Warrior' })).toHaveCount(0);
  await expect(menu.getByRole('link', { name: 'Site to Site' })).toHaveCount(0);
  for (const slug of ['road-warrior/authentication', 'road-warrior/review', 'site-to-site']) {
    await ro.goto(`${agent.url}/#/wizard/${slug}`);
    await expect(ro.getByText('The wizards create configuration: they need group write or full.')).toBeVisible();
    await expect(ro.getByRole('button', { name: /Finish|Next/ })).toHaveCount(0);
  }
  await ro.context().close();
});

test("site to site: the manual's Site 1, the other end's RouterOS script", async ({ page, agent }) => {
  await login(page, agent);
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Site to Site' }).click();
  const w = page.getByRole('region', { name: 'Site to Site Wizard' });
  const h = w.getByRole('heading', { level: 2 });
  const nxt = w.getByRole('button', { name: 'Next >' });
  await expect(h).toHaveText('1. Tunnel');
  await w.getByRole('textbox', { name: 'Local address' }).fill('192.168.90.1');
  await w.getByRole('textbox', { name: 'Remote address' }).fill('192.168.90.1');
  await nxt.click();
  await expect(h).toHaveText('1. Tunnel');
  await expect(w.getByRole('textbox', { name: 'Remote address' })).toHaveAttribute('aria-invalid', 'true');
  await expect(w.getByText("is this router's own address")).toBeVisible();
  await w.getByRole('textbox', { name: 'Remote address' }).fill('192.168.80.1');
  await w.getByRole('textbox', { name: 'Name' }).fill('ike1-site2');
  await shot(page, 'wizard-s2s-1-tunnel');
  await nxt.click();
  await expect(h).toHaveText('2. Networks');
  await w.getByRole('textbox', { name: 'Local network 1' }).fill('10.1.202.0/24');
  await w.getByRole('textbox', { name: 'Remote network 1' }).fill('10.1.101.0/24');
  await shot(page, 'wizard-s2s-2-networks');
  await nxt.click();
  await expect(h).toHaveText('3. Pre-shared key');
  await w.getByLabel('Pre-shared key', { exact: true }).fill('thisisnotasecurepsk');
  await nxt.click();
  await expect(h).toHaveText('4. Algorithms');
  await nxt.click();
  await expect(h).toHaveText('5. Review');
  await expect(w.getByRole('region', { name: 'IP > IPsec > Peers' })).toContainText('address=192.168.80.1/32');
  await expect(w.getByRole('region', { name: 'IP > IPsec > Identities' })).toContainText('secret=********');
  await expect(w.getByRole('region', { name: 'IP > IPsec > Policies' })).toContainText('src-address=10.1.202.0/24');
  await expect(w.getByTestId('wizard-warning').filter({ hasText: 'masquerade' })).toHaveCount(1);
  await expect(page.locator('body')).not.toContainText('thisisnotasecurepsk');
  const ikev1 = w.getByTestId('wizard-warning').filter({ hasText: 'is IKEv1, for peers that cannot do IKEv2' });
  await expect(ikev1).toHaveCount(0);
  await shot(page, 'wizard-s2s-5-review');
  // main (IKEv1) is a choice for old peers, with a warning about what it costs; its link goes back to step 1.
  const back = w.getByRole('button', { name: '< Back' });
  for (const title of ['4. Algorithms', '3. Pre-shared key', '2. Networks', '1. Tunnel']) {
    await back.click();
    await expect(h).toHaveText(title);
  }
  const mode = w.getByRole('combobox', { name: 'Exchange mode' });
  await mode.click();
  await page.getByRole('listbox').getByRole('option', { name: 'main (IKEv1)' }).click();
  for (const title of ['2. Networks', '3. Pre-shared key', '4. Algorithms', '5. Review']) {
    await nxt.click();
    await expect(h).toHaveText(title);
  }
  await expect(w.getByRole('region', { name: 'IP > IPsec > Peers' })).toContainText('exchange-mode=main');
  await expect(ikev1).toHaveCount(1);
  await expect(ikev1).toContainText('does not yet rekey SAs before their lifetime ends');
  await ikev1.getByRole('button', { name: 'Change in 1. Tunnel' }).click();
  await expect(h).toHaveText('1. Tunnel');
  await mode.click();
  await page.getByRole('listbox').getByRole('option', { name: 'ike2' }).click();
  for (let i = 0; i < 4; i++) await nxt.click();
  await expect(h).toHaveText('5. Review');
  await expect(w.getByRole('region', { name: 'IP > IPsec > Peers' })).toContainText('exchange-mode=ike2');
  await expect(ikev1).toHaveCount(0);
  await w.getByRole('button', { name: 'Finish' }).click();
  await expect(h).toHaveText('Site to site “ike1-site2” is set up');
  const link = w.getByRole('link', { name: 'ike1-site2-remote.rsc' });
  await expect(link).toBeVisible();
  await shot(page, 'wizard-s2s-6-downloads');
  const res = await page.request.get(new URL((await link.getAttribute('href'))!, agent.url).toString());
  expect(res.ok()).toBe(true);
  const script = await res.text();
  expect(script).toContain('address=192.168.90.1/32');
  expect(script).toContain('src-address=10.1.101.0/24 dst-address=10.1.202.0/24');

  await w.getByRole('link', { name: 'IPsec Peers' }).click();
  await expect(cell(rowWhere(page, 'name', 'ike1-site2'), 'address')).toHaveText('192.168.80.1/32');
  await openTab(page, 'Policies');
  await expect(rowWhere(page, 'dst-address', '10.1.101.0/24')).toHaveCount(1);
});

test('certificate authentication: client certificates made at Finish, the .p12 downloads with the export passphrase', async ({
  page,
  agent,
}) => {
  await login(page, agent);
  await openWizard(page);
  const w = wizard(page);
  await w.getByRole('radio', { name: /Client certificates/ }).check();
  await w.getByRole('textbox', { name: 'Certificate 1' }).fill('alice-laptop');
  await w.getByLabel('Export passphrase', { exact: true }).fill('p12-Passphrase-1');
  await next(page).click();
  await w.getByRole('textbox', { name: 'Server address' }).fill('203.0.113.9');
  await w.getByRole('textbox', { name: 'Name prefix' }).fill('certs');
  await next(page).click();
  await w.getByRole('textbox', { name: 'Range 1' }).fill('10.99.0.0/24');
  for (let i = 0; i < 4; i++) await next(page).click();
  await expectStep(page, '7. Review', 'review');
  await expect(w.getByRole('region', { name: 'System > Certificates' }).getByTestId('wizard-object')).toHaveCount(3);
  await expect(w.getByRole('region', { name: 'System > Certificates' })).toContainText('signed by certs-ca at finish');
  await expect(w.getByTestId('wizard-warning').filter({ hasText: 'PKCS#12' })).toContainText(
    'Change in 1. Authentication',
  );
  await expect(page.locator('body')).not.toContainText('p12-Passphrase-1');
  await w.getByRole('button', { name: 'Finish' }).click();
  await expect(heading(page)).toHaveText('Road warrior “certs” is set up');

  const files = w.getByRole('region', { name: 'Client profiles' });
  await expect(w.getByLabel('Export passphrase', { exact: true })).toBeVisible();
  const p12 = files.getByRole('link', { name: 'certs-alice-laptop.p12' });
  await expect(p12).toBeVisible();
  const res = await page.request.get(new URL((await p12.getAttribute('href'))!, agent.url).toString());
  expect(res.ok(), await res.text().catch(() => '')).toBe(true);
  expect(res.headers()['content-type']).toBe('application/x-pkcs12');
  // a click fetches it with the passphrase typed here
  await w.getByLabel('Export passphrase', { exact: true }).fill('another-Pass-22');
  const [download] = await Promise.all([page.waitForEvent('download'), p12.click()]);
  expect(download.suggestedFilename()).toBe('certs-alice-laptop.p12');
  await shot(page, 'wizard-certificates-downloads');

  await w.getByRole('link', { name: 'Certificates' }).click();
  const certs = page.getByRole('region', { name: 'Certificates' });
  for (const name of ['certs-ca', 'certs-server', 'certs-alice-laptop']) {
    await expect(
      certs
        .locator('.MuiDataGrid-row')
        .filter({ has: page.locator('[data-field="name"]', { hasText: new RegExp(`^${name}$`) }) }),
    ).toHaveCount(1);
  }
});

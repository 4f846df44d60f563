// System > Certificates in the browser: admin adds a CA in the dialog, signs a server certificate with
// it (Sign), exports it (Export downloads the file); a read user sees the table but no Import, Sign or
// Export, and never key material.
import { readFileSync } from 'node:fs';
import { test, expect } from './agent.ts';
import { ok, fill, login, newSession, restAdd } from './ui.ts';

const READER = { name: 'cert-reader', password: 'read-only-pass-2' };

test('certificates: add a CA, sign, export as a download; read users only look', async ({
  page,
  agent,
  browser,
  request,
}) => {
  await login(page, agent);
  const win = page.getByRole('region', { name: 'Certificates' });
  const row = (name: string) =>
    win.getByRole('row').filter({ has: page.locator('[data-field="name"]', { hasText: new RegExp(`^${name}$`) }) });

  await test.step('open System > Certificates and add a CA in the entry dialog', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Certificates' }).click();
    await expect(win).toBeVisible();
    await win.getByRole('button', { name: 'Add', exact: true }).click();
    const dlg = page.getByRole('dialog', { name: 'New Certificate' });
    await fill(dlg, 'Name', 'ca');
    await fill(dlg, 'Common Name', 'ui-ca');
    await ok(dlg);
    await expect(row('ca').locator('[data-field="flags"]')).toHaveText('KAT');
    await expect(row('ca').locator('[data-field="issuer"]')).toHaveText('CN=ui-ca');
  });

  await test.step('sign server1 with the CA (Sign)', async () => {
    await restAdd(request, agent, 'certificate', {
      name: 'server1',
      'common-name': '2.2.2.2',
      'subject-alt-name': 'IP:2.2.2.2',
      'key-usage': 'tls-server,digital-signature',
    });
    await row('server1').locator('[data-field="name"]').click();
    await win.getByRole('button', { name: 'Sign', exact: true }).click();
    const dlg = page.getByRole('dialog', { name: 'Sign <server1>' });
    await expect(dlg.getByRole('combobox', { name: 'CA' })).toHaveText('ca');
    await dlg.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect(dlg).toBeHidden();
    await expect(row('server1').locator('[data-field="issuer"]')).toHaveText('CN=ui-ca');
    await expect(row('server1').locator('[data-field="flags"]')).toHaveText('KI');
  });

  await test.step('export server1 as PEM: the browser downloads cert_export_server1.crt', async () => {
    await win.getByRole('button', { name: 'Export', exact: true }).click();
    const dlg = page.getByRole('dialog', { name: 'Export <server1>' });
    const download = page.waitForEvent('download');
    await dlg.getByRole('button', { name: 'Export', exact: true }).click();
    const d = await download;
    expect(d.suggestedFilename()).toBe('cert_export_server1.crt');
    expect(readFileSync(await d.path(), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  await test.step('the entry dialog shows the status; key material only as "(set)"/"unchanged"', async () => {
    await row('server1').locator('[data-field="name"]').dblclick();
    const dlg = page.getByRole('dialog', { name: 'Certificate <server1>' });
    await expect(dlg).toBeVisible();
    expect(await page.content()).not.toMatch(/BEGIN (CERTIFICATE|PRIVATE KEY)/);
    await dlg.getByRole('button', { name: 'Cancel', exact: true }).click();
  });

  await test.step('a read user: the table, no Import/Sign/Export/Add', async () => {
    await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Users' }).click();
    const users = page.getByRole('region', { name: 'Users' });
    await users.getByRole('button', { name: 'Add' }).click();
    const dlg = page.getByRole('dialog', { name: 'New User' });
    await fill(dlg, 'Name', READER.name);
    await fill(dlg, 'Password', READER.password);
    await dlg.getByRole('button', { name: 'OK' }).click();
    await expect(dlg).toBeHidden();
    const ro = await newSession(browser, agent, READER);
    await ro.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Certificates' }).click();
    const w = ro.getByRole('region', { name: 'Certificates' });
    await expect(w.getByRole('row')).toHaveCount(3); // header + 2
    await expect(w.getByRole('button', { name: /^(Add|Import|Sign|Export|Remove)$/ })).toHaveCount(0);
    expect(await ro.content()).not.toMatch(/BEGIN (CERTIFICATE|PRIVATE KEY)/);
  });
});

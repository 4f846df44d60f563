// IP > Pool: a plain menu in its own window (the generic table and dialog), and mode config's
// address-pool offering the pools by name.
import { test, expect } from './agent.ts';
import { cell, choose, fill, login, ok, openTab, rowWhere } from './ui.ts';

test('IP > Pool: add a pool through its dialog, then pick it in a mode config', async ({ page, agent }) => {
  await login(page, agent);
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Pool' }).click();
  const win = page.getByRole('region', { name: 'Pools' });
  await expect(win).toBeVisible();
  await expect(page).toHaveURL(/#\/ip\/pool$/);

  await win.getByRole('button', { name: 'Add', exact: true }).click();
  const dlg = page.getByRole('dialog');
  await fill(dlg, 'Name', 'rw-pool');
  await fill(dlg, 'Ranges', '192.168.77.2-192.168.77.254');
  await ok(dlg);
  const row = win
    .locator('.MuiDataGrid-row')
    .filter({ has: page.locator('[data-field="name"]', { hasText: 'rw-pool' }) });
  await expect(cell(row, 'ranges')).toHaveText('192.168.77.2-192.168.77.254');

  // a bad range is refused inline, naming the field, and nothing is saved
  await win.getByRole('button', { name: 'Add', exact: true }).click();
  await fill(dlg, 'Name', 'bad');
  await fill(dlg, 'Ranges', '10.0.0.9-10.0.0.1');
  await dlg.getByRole('button', { name: 'OK', exact: true }).click();
  await expect(dlg.getByText(/start|after|before/i).first()).toBeVisible();
  await dlg.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(win.locator('.MuiDataGrid-row')).toHaveCount(1);

  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'IPsec' }).click();
  await openTab(page, 'Mode Configs');
  await page.getByRole('region', { name: 'IPsec' }).getByRole('button', { name: 'Add', exact: true }).click();
  const mc = page.getByRole('dialog');
  await fill(mc, 'Name', 'rw-conf');
  await choose(mc, 'Address Pool', 'rw-pool');
  await ok(mc);
  await expect(cell(rowWhere(page, 'name', 'rw-conf'), 'address-pool')).toHaveText('rw-pool');
});

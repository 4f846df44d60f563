// Page helpers for the WinBox-style UI: log in, IPsec tabs, entry dialogs, table rows and cells.
// Locators go by role and accessible name (what a user sees), plus DataGrid's data-field per cell.
import { expect, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';
import { ADMIN, type RunningAgent } from './agent.ts';

export interface Login {
  name: string;
  password: string;
}

export async function login(page: Page, agent: RunningAgent, user: Login = ADMIN): Promise<void> {
  await page.goto(`${agent.url}/`);
  await page.getByLabel('Login').fill(user.name);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByText('connected', { exact: true })).toBeVisible();
}

/** A second, independent browser session (own cookies, own WebSocket). */
export async function newSession(browser: Browser, agent: RunningAgent, user: Login = ADMIN): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  await login(page, agent, user);
  return page;
}

export const ipsecWindow = (page: Page) => page.getByRole('region', { name: 'IPsec' });

export async function openTab(page: Page, title: string): Promise<void> {
  const tab = ipsecWindow(page).getByRole('tab', { name: title, exact: true });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

/** The open entry dialog (title "New IPsec Peer", "IPsec Peer <x>", "IPsec Settings"). */
export const entryDialog = (page: Page) => page.getByRole('dialog', { name: /IPsec/ });

/** Table toolbar button of the IPsec window (Add, Remove, Enable, Disable, Comment, Copy, ...). */
export const tool = (page: Page, name: string) => ipsecWindow(page).getByRole('button', { name, exact: true });

export const grid = (page: Page) => ipsecWindow(page).getByRole('grid');

/** Data rows (not the header row) of the visible table. */
export const rows = (page: Page) => grid(page).locator('.MuiDataGrid-row');

/** The row whose cell `field` shows exactly `value`. */
export function rowWhere(page: Page, field: string, value: string): Locator {
  return rows(page).filter({
    has: page.locator(`[data-field="${field}"]`, { hasText: new RegExp(`^${escape(value)}$`) }),
  });
}

export const cell = (row: Locator, field: string) => row.locator(`[data-field="${field}"]`);

/** Asserts the row's cells show these texts (RouterOS-printed values). */
export async function expectCells(row: Locator, cells: Record<string, string>): Promise<void> {
  for (const [field, text] of Object.entries(cells)) await expect(cell(row, field), field).toHaveText(text);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---------------------------------------------------------------------------------- dialog fields

export async function fill(dlg: Locator, label: string, value: string): Promise<void> {
  await dlg.getByRole('textbox', { name: label, exact: true }).fill(value);
}

export async function choose(dlg: Locator, label: string, option: string): Promise<void> {
  await dlg.getByRole('combobox', { name: label, exact: true }).click();
  await dlg.page().getByRole('listbox').getByRole('option', { name: option, exact: true }).click();
  await expect(dlg.getByRole('combobox', { name: label, exact: true })).toHaveText(option);
}

export async function check(dlg: Locator, label: string, on: boolean): Promise<void> {
  await dlg.getByRole('checkbox', { name: label, exact: true }).setChecked(on);
}

/** Sets an enum-list (a group of checkboxes) to exactly these values. */
export async function checkOnly(dlg: Locator, group: string, values: string[]): Promise<void> {
  const box = dlg.getByRole('group', { name: group, exact: true });
  const state = await box.evaluate((el) =>
    Array.from(el.querySelectorAll('label')).map((l) => ({
      name: (l.textContent ?? '').trim(),
      on: Boolean(l.querySelector('input')?.checked),
    })),
  );
  expect(state.map((s) => s.name)).toEqual(expect.arrayContaining(values));
  for (const { name, on } of state) {
    if (on !== values.includes(name)) await box.getByRole('checkbox', { name, exact: true }).setChecked(!on);
  }
  for (const name of values) await expect(box.getByRole('checkbox', { name, exact: true })).toBeChecked();
}

export async function dialogTab(dlg: Locator, name: string): Promise<void> {
  const t = dlg.getByRole('tab', { name, exact: true });
  await t.click();
  await expect(t).toHaveAttribute('aria-selected', 'true');
}

/** Presses OK and waits for the dialog to close (it stays open, with the errors, when refused). */
export async function ok(dlg: Locator): Promise<void> {
  await dlg.getByRole('button', { name: 'OK', exact: true }).click();
  await expect(dlg).toBeHidden();
}

/** Answers the confirm / prompt dialog (title e.g. "Remove", "Comment (Policies)"). */
export async function answer(page: Page, title: string | RegExp, text?: string): Promise<void> {
  const d = page.getByRole('dialog', { name: title });
  await expect(d).toBeVisible();
  if (text !== undefined) await d.getByRole('textbox').fill(text);
  await d.getByRole('button', { name: 'OK', exact: true }).click();
  await expect(d).toBeHidden();
}

/** Every secret string must be absent from the DOM: markup, attributes and live input values. */
export async function expectNoSecretsInDom(page: Page, secrets: string[]): Promise<void> {
  const html = await page.content();
  const values = await page.evaluate(() =>
    Array.from(document.querySelectorAll('input, textarea'))
      .map((e) => (e as HTMLInputElement).value)
      .join('\n'),
  );
  const text = await page.evaluate(() => document.body.innerText);
  for (const s of secrets) {
    expect(html, `secret "${s}" in the page markup`).not.toContain(s);
    expect(values, `secret "${s}" in an input`).not.toContain(s);
    expect(text, `secret "${s}" in the page text`).not.toContain(s);
  }
}

// ---------------------------------------------------------------------------------- REST seeding

/** Adds an entry through the agent's RouterOS REST API (HTTP Basic, as `curl -u` would). */
export async function restAdd(
  request: APIRequestContext,
  agent: RunningAgent,
  path: string,
  body: Record<string, string>,
): Promise<void> {
  const res = await request.put(`${agent.url}/rest/${path}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString('base64')}` },
    data: body,
  });
  expect(res.ok(), `PUT /rest/${path}: ${await res.text()}`).toBe(true);
}

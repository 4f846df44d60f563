// System > Terminal: RouterOS commands typed in xterm.js with Tab completion; the peer it adds appears in another
// session's Peers list live. A read user's terminal prints but any change is refused.
import { test, expect } from './agent.ts';
import { newSession, openTab, rowWhere, cell, login } from './ui.ts';

const terminal = (page: import('@playwright/test').Page) => page.getByTestId('terminal');

test('Terminal: Tab completion, a peer added there shows up in the Peers list live', async ({
  page,
  browser,
  agent,
}) => {
  const other = await newSession(browser, agent);
  await openTab(other, 'Peers');

  await login(page, agent);
  await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Terminal' }).click();
  await expect(page).toHaveURL(/#\/system\/terminal$/);
  const term = terminal(page);
  await expect(term).toContainText('] > ');
  await term.click();

  await page.keyboard.type('/ip ips');
  await page.keyboard.press('Tab');
  await page.keyboard.type('pe');
  await page.keyboard.press('Tab');
  await expect(term).toContainText('/ip ipsec peer ');
  await page.keyboard.press('Enter');
  await expect(term).toContainText('/ip ipsec peer> ');

  await page.keyboard.type('add name=term-peer address=10.9.9.9/32 exch');
  await page.keyboard.press('Tab');
  await page.keyboard.type('ike2');
  await expect(term).toContainText('exchange-mode=ike2');
  await page.keyboard.press('Enter');

  const row = rowWhere(other, 'name', 'term-peer');
  await expect(row).toHaveCount(1);
  await expect(cell(row, 'exchange-mode')).toHaveText('ike2');

  await page.keyboard.type('print count-only where name=term-peer');
  await page.keyboard.press('Enter');
  await expect(term).toContainText(/count-only where name=term-peer\s*1/);

  // an error names line and column, and nothing is stored
  await page.keyboard.type('add name=bad-peer exchange-mode=ikev9');
  await page.keyboard.press('Enter');
  await expect(term).toContainText('line 1, column 19: exchange-mode');
  await expect(rowWhere(other, 'name', 'bad-peer')).toHaveCount(0);
  await other.context().close();
});

// The RouterOS manual's "Site to Site IPsec (IKEv1) tunnel", Site 1, entered entirely through the
// dialogs, then edited, disabled, enabled, commented, copied, removed and restored with undo.
import { hostname } from 'node:os';
import { test, expect, ADMIN } from './agent.ts';
import {
  answer,
  cell,
  check,
  checkOnly,
  choose,
  dialogTab,
  entryDialog,
  expectCells,
  expectNoSecretsInDom,
  fill,
  login,
  ok,
  openTab,
  rowWhere,
  rows,
  tool,
} from './ui.ts';

const PSK = 'thisisnotasecurepsk';

test.describe.configure({ mode: 'serial' });

test("enter Site 1 of the manual's site-to-site IKEv1 tunnel through the dialogs", async ({ page, agent, request }) => {
  await login(page, agent);
  const dlg = entryDialog(page);
  // the router's identity (the agent's host name), not the browser's idea of it
  await expect(page.getByTestId('device')).toHaveText(`admin@${hostname()}`);
  await expect(page.getByTestId('window-identity')).toHaveText(hostname());
  await expect(page).toHaveTitle(`admin@${hostname()} - IPsec WinBox`);

  await test.step('profile ike1-site2: dh-group=modp2048 enc-algorithm=aes-128', async () => {
    await openTab(page, 'Profiles');
    await tool(page, 'Add').click();
    await expect(dlg).toHaveAccessibleName('New IPsec Profile');
    await fill(dlg, 'Name', 'ike1-site2');
    await dialogTab(dlg, 'Encryption');
    await checkOnly(dlg, 'DH Group', ['modp2048']);
    await checkOnly(dlg, 'Encr. Algorithm', ['aes-128']);
    await ok(dlg);
    await expectCells(rowWhere(page, 'name', 'ike1-site2'), {
      flags: '',
      'hash-algorithm': 'sha1',
      'enc-algorithm': 'aes-128',
      'dh-group': 'modp2048',
      lifetime: '1d',
      'dpd-interval': '2m',
    });
  });

  await test.step('proposal ike1-site2: enc-algorithms=aes-128-cbc pfs-group=modp2048', async () => {
    await openTab(page, 'Proposals');
    await tool(page, 'Add').click();
    await fill(dlg, 'Name', 'ike1-site2');
    await checkOnly(dlg, 'Encr. Algorithms', ['aes-128-cbc']);
    await choose(dlg, 'PFS Group', 'modp2048');
    await ok(dlg);
    await expectCells(rowWhere(page, 'name', 'ike1-site2'), {
      flags: '',
      'auth-algorithms': 'sha1',
      'enc-algorithms': 'aes-128-cbc',
      lifetime: '30m',
      'pfs-group': 'modp2048',
    });
    // the built-in proposal keeps its * flag
    await expect(cell(rowWhere(page, 'name', 'default'), 'flags')).toHaveText('*');
  });

  await test.step('peer ike1-site2: address=192.168.80.1/32 profile=ike1-site2', async () => {
    await openTab(page, 'Peers');
    await tool(page, 'Add').click();
    await fill(dlg, 'Name', 'ike1-site2');
    await fill(dlg, 'Address', '192.168.80.1/32');
    await choose(dlg, 'Profile', 'ike1-site2');
    await ok(dlg);
    await expectCells(rowWhere(page, 'name', 'ike1-site2'), {
      flags: '',
      address: '192.168.80.1/32',
      'local-address': '',
      profile: 'ike1-site2',
      'exchange-mode': 'main',
      passive: 'no',
    });
  });

  await test.step('identity: peer=ike1-site2 secret=thisisnotasecurepsk', async () => {
    await openTab(page, 'Identities');
    await tool(page, 'Add').click();
    await choose(dlg, 'Peer', 'ike1-site2');
    await dialogTab(dlg, 'Authentication');
    await expect(dlg.getByRole('combobox', { name: 'Auth Method' })).toHaveText('pre-shared-key');
    // WinBox shows only what the auth method uses: a secret, no certificate
    await expect(dlg.getByRole('combobox', { name: 'Certificate', exact: true })).toHaveCount(0);
    await choose(dlg, 'Auth Method', 'digital-signature');
    await expect(dlg.getByRole('textbox', { name: 'Secret' })).toHaveCount(0);
    // a choice of System > Certificates entries (none here yet)
    await expect(dlg.getByRole('combobox', { name: 'Certificate', exact: true })).toHaveCount(1);
    await choose(dlg, 'Auth Method', 'pre-shared-key');
    await expect(dlg.getByRole('combobox', { name: 'Certificate', exact: true })).toHaveCount(0);
    await fill(dlg, 'Secret', PSK);
    await ok(dlg);
    await expectCells(rowWhere(page, 'peer', 'ike1-site2'), {
      'auth-method': 'pre-shared-key',
      'my-id': 'auto',
      'remote-id': 'auto',
      'mode-config': 'none',
      'generate-policy': 'no',
    });
    await expect(rows(page)).toHaveCount(1);
    // what was sent: the fields shown, the secret as (set); not the hidden certificate
    await expect(page.getByText(/^rev \d+ · admin: add ip\/ipsec\/identity \*1 /)).toHaveText(
      /peer=ike1-site2 secret=\(set\)$/,
    );
    const identities = (await (
      await request.get(`${agent.url}/rest/ip/ipsec/identity`, { headers: basicAuth() })
    ).json()) as Record<string, string>[];
    expect(identities).toHaveLength(1);
    expect(identities[0]).toMatchObject({
      peer: 'ike1-site2',
      'auth-method': 'pre-shared-key',
      certificate: '',
      secret: '********',
    });
  });

  await test.step('policy: 10.1.202.0/24 -> 10.1.101.0/24 tunnel=yes action=encrypt proposal=ike1-site2 peer=ike1-site2', async () => {
    await openTab(page, 'Policies');
    await tool(page, 'Add').click();
    await choose(dlg, 'Peer', 'ike1-site2');
    await check(dlg, 'Tunnel', true);
    await fill(dlg, 'Src. Address', '10.1.202.0/24');
    await fill(dlg, 'Dst. Address', '10.1.101.0/24');
    await expect(dlg.getByRole('combobox', { name: 'Action' })).toHaveText('encrypt');
    await choose(dlg, 'Proposal', 'ike1-site2');
    await ok(dlg);
    const policy = rowWhere(page, 'src-address', '10.1.202.0/24');
    await expectCells(policy, {
      flags: '',
      '#': '1',
      peer: 'ike1-site2',
      tunnel: 'yes',
      'dst-address': '10.1.101.0/24',
      'src-port': 'any',
      'dst-port': 'any',
      protocol: 'all',
      action: 'encrypt',
      level: 'require',
      'ph2-count': '0',
    });
    await expectCells(rowWhere(page, 'src-address', '::/0'), { flags: 'T*', '#': '0' });
    // proposal is not a default column: check it in the dialog
    await policy.dblclick();
    await expect(dlg).toHaveAccessibleName(/^IPsec Policy/);
    await expect(dlg.getByRole('combobox', { name: 'Proposal' })).toHaveText('ike1-site2');
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await expect(dlg).toBeHidden();
  });

  await test.step('the pre-shared key is nowhere in the page', async () => {
    await openTab(page, 'Identities');
    await rowWhere(page, 'peer', 'ike1-site2').dblclick();
    await expect(dlg).toHaveAccessibleName('IPsec Identity <ike1-site2>');
    await dialogTab(dlg, 'Authentication');
    const secret = dlg.getByRole('textbox', { name: 'Secret' });
    await expect(secret).toHaveValue('');
    await expect(secret).toHaveAttribute('placeholder', 'unchanged');
    await expectNoSecretsInDom(page, [PSK]);
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await expectNoSecretsInDom(page, [PSK]);
  });
});

test('edit, disable, enable, comment, copy and remove; cross-reference errors inline; undo', async ({
  page,
  agent,
  request,
}) => {
  await login(page, agent);
  const dlg = entryDialog(page);
  const policy = rowWhere(page, 'src-address', '10.1.202.0/24');

  await test.step('edit: level=unique', async () => {
    await openTab(page, 'Policies');
    await policy.dblclick();
    await choose(dlg, 'Level', 'unique');
    await ok(dlg);
    await expect(cell(policy, 'level')).toHaveText('unique');
  });

  await test.step('disable: X flag, greyed; enable again', async () => {
    await cell(policy, 'peer').click();
    await tool(page, 'Disable').click();
    await expect(cell(policy, 'flags')).toHaveText('X');
    await expect(policy).toHaveClass(/row-disabled/);
    await expect(cell(policy, 'peer')).toHaveCSS('color', 'rgba(0, 0, 0, 0.38)');
    await tool(page, 'Enable').click();
    await expect(cell(policy, 'flags')).toHaveText('');
    await expect(policy).not.toHaveClass(/row-disabled/);
  });

  await test.step('comment', async () => {
    await tool(page, 'Comment').click();
    await answer(page, 'Comment (Policies)', 'to site 2 (manual example)');
    await expect(cell(policy, 'comment')).toHaveText('to site 2 (manual example)');
  });

  await test.step('copy a peer: the agent names the copy, only changed fields are sent', async () => {
    await openTab(page, 'Peers');
    await cell(rowWhere(page, 'name', 'ike1-site2'), 'address').click();
    await tool(page, 'Copy').click();
    await expect(dlg).toHaveAccessibleName('New IPsec Peer');
    await expect(dlg.getByRole('textbox', { name: 'Name' })).toHaveValue('ike1-site2-copy');
    await fill(dlg, 'Address', '192.168.80.2/32');
    await ok(dlg);
    await expect(page.getByText(/^rev \d+ · admin: add ip\/ipsec\/peer \*2/)).toHaveText(
      / \*2 address=192\.168\.80\.2\/32$/,
    );
    await expectCells(rowWhere(page, 'name', 'ike1-site2-copy'), {
      address: '192.168.80.2/32',
      profile: 'ike1-site2',
      'exchange-mode': 'main',
    });
    await expectCells(rowWhere(page, 'name', 'ike1-site2'), { address: '192.168.80.1/32' });
  });

  await test.step('removing the profile the peers use is refused inline and changes nothing', async () => {
    await openTab(page, 'Profiles');
    await rowWhere(page, 'name', 'ike1-site2').dblclick();
    await expect(dlg).toHaveAccessibleName('IPsec Profile <ike1-site2>');
    await dlg.getByRole('button', { name: 'Remove' }).click();
    await answer(page, 'Remove');
    await expect(dlg.getByRole('alert')).toContainText(
      'cannot remove "ike1-site2": used by peer *1 (profile), peer *2 (profile)',
    );
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await expect(dlg).toBeHidden();
    await expect(rowWhere(page, 'name', 'ike1-site2')).toHaveCount(1);
  });

  await test.step('a peer whose profile was removed meanwhile (by another admin) is refused inline; nothing is saved', async () => {
    await openTab(page, 'Profiles');
    await cell(rowWhere(page, 'name', 'ike1-site2'), 'hash-algorithm').click();
    await tool(page, 'Copy').click();
    await expect(dlg.getByRole('textbox', { name: 'Name' })).toHaveValue('ike1-site2-copy');
    await ok(dlg);
    await expect(rowWhere(page, 'name', 'ike1-site2-copy')).toHaveCount(1);

    await openTab(page, 'Peers');
    await rowWhere(page, 'name', 'ike1-site2-copy').dblclick();
    await choose(dlg, 'Profile', 'ike1-site2-copy');
    // another admin removes that profile through the RouterOS REST API while the dialog is open
    const auth = basicAuth();
    const profiles = (await (await request.get(`${agent.url}/rest/ip/ipsec/profile`, { headers: auth })).json()) as {
      '.id': string;
      name: string;
    }[];
    const copy = profiles.find((p) => p.name === 'ike1-site2-copy')!;
    expect((await request.delete(`${agent.url}/rest/ip/ipsec/profile/${copy['.id']}`, { headers: auth })).ok()).toBe(
      true,
    );

    await dlg.getByRole('button', { name: 'OK', exact: true }).click();
    await expect(dlg.getByText('profile "ike1-site2-copy" does not exist')).toBeVisible();
    await expect(dlg).toBeVisible();
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await expect(dlg).toBeHidden();
    await expect(cell(rowWhere(page, 'name', 'ike1-site2-copy'), 'profile')).toHaveText('ike1-site2');
  });

  await test.step('remove the copied peer, then undo brings it back', async () => {
    const copy = rowWhere(page, 'name', 'ike1-site2-copy');
    await cell(copy, 'address').click();
    await tool(page, 'Remove').click();
    await answer(page, 'Remove');
    await expect(copy).toHaveCount(0);
    await expect(rows(page)).toHaveCount(1);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expectCells(copy, { address: '192.168.80.2/32', profile: 'ike1-site2' });
    await expect(rows(page)).toHaveCount(2);
  });
});

function basicAuth(): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${ADMIN.name}:${ADMIN.password}`).toString('base64')}` };
}

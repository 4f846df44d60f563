// Issue #6 end to end: an admin runs the Road Warrior wizard in the browser against our agent running in
// a network namespace of its own (IKE and the userspace ESP data plane on), downloads the Linux swanctl.conf,
// the CA and the client's .p12 through the browser, and real strongSwan road warriors in two other
// namespaces connect with exactly those files: one with the client certificate, one with EAP-MSCHAPv2 (a
// second wizard run: the wizard sets up one authentication method per run; both setups' passive peers answer
// every address and each client lands on its own). Each gets an address from its pool and the DNS server,
// and reaches the split network (a LAN host and a DNS server behind the agent) from its virtual IP through
// the tunnel. IPsec > Active Peers in the browser lists both with who they are and their dynamic addresses
// (screenshot: test-results/screenshots/roadwarrior-active-peers.png).
//
// Topology (all namespaces made and removed here): server 192.0.2.1 (bridge) + LAN 10.1.0.1 -> LAN host
// 10.1.0.2 (and 10.1.0.53, the DNS server); clients 192.0.2.2 (certificate) and 192.0.2.3 (EAP) on the
// server's bridge. Root only (namespaces, charon); skipped otherwise.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { RoadWarriorClient } from '../interop/charon-rw.ts';
import { RoadWarriorNet, sh } from '../interop/netns.ts';
import { dnsLookup, dnsServer, ping } from '../interop/traffic.ts';
import { until } from '../interop/wait.ts';
import type { RunningAgent } from './agent.ts';
import { AGENT_ADMIN, NetnsAgent, canUseNetns } from './netns-agent.ts';
import { cell, ipsecWindow, login, openTab, rowWhere, rows } from './ui.ts';

const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const SERVER = '192.0.2.1';
const SPLIT = '10.1.0.0/24';
const DNS = '10.1.0.53';
const INTRANET = { name: 'intranet.rw.test', address: '10.1.0.80' };
const CERT = {
  setup: 'rw',
  client: 'alice',
  pool: '10.10.10.10-10.10.10.50',
  first: '10.10.10.10',
  passphrase: 'alice-p12-Export-77',
};
const EAP = {
  setup: 'rweap',
  user: 'bob',
  password: 'bob-EAP-Secret-2468',
  pool: '10.10.10.60-10.10.10.99',
  first: '10.10.10.60',
};

test.skip(!canUseNetns(), 'needs root: network namespaces and charon');
test.describe.configure({ mode: 'serial' });

let net: RoadWarriorNet;
let agent: NetnsAgent;
let running: RunningAgent;
let dns: Awaited<ReturnType<typeof dnsServer>> | undefined;
const clients: RoadWarriorClient[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  net = new RoadWarriorNet(2);
  net.up(); // down() in afterAll removes what up() made, also when it failed halfway
  sh('ip', ['-n', net.lan!.ns, 'addr', 'add', `${DNS}/32`, 'dev', 'lo']);
  dns = await dnsServer(net.lan!.ns, DNS, INTRANET.address);
  agent = new NetnsAgent(net.server.ns);
  running = await agent.start();
});

test.afterAll(async () => {
  for (const c of clients) c.cleanup();
  dns?.stop();
  await agent?.stop();
  net?.down();
});

// On failure: the agent's and each charon's log, as files next to the test's other results.
test.afterEach(async ({}, info) => {
  if (info.status === info.expectedStatus) return;
  const logs: [string, string][] = [
    ['agent.log', agent?.output.slice(-50_000) ?? ''],
    ...clients.map((c) => [`charon-${c.host.addr}.log`, c.logTail(50_000)] as [string, string]),
  ];
  for (const [name, text] of logs) {
    const path = info.outputPath(name);
    writeFileSync(path, text);
    await info.attach(name, { path, contentType: 'text/plain' });
  }
});

// ------------------------------------------------------------------------------------ the wizard

const wizard = (page: Page) => page.getByRole('region', { name: 'Road Warrior Wizard' });
const heading = (page: Page) => wizard(page).getByRole('heading', { level: 2 });

async function next(page: Page, title: string): Promise<void> {
  await wizard(page).getByRole('button', { name: 'Next >' }).click();
  await expect(heading(page)).toHaveText(title);
}

/** Steps 2-7 after the authentication: server, pool, DNS, split network, Linux only, review. */
async function serverToReview(page: Page, name: string, pool: string): Promise<void> {
  const w = wizard(page);
  await next(page, '2. Server address');
  await w.getByRole('textbox', { name: 'Server address' }).fill(SERVER);
  await w.getByRole('textbox', { name: 'Name prefix' }).fill(name);
  await next(page, '3. Client address pool');
  await w.getByRole('textbox', { name: 'Range 1' }).fill(pool);
  await next(page, '4. DNS');
  await w.getByRole('radio', { name: /These servers/ }).check();
  await w.getByRole('textbox', { name: 'DNS server 1' }).fill(DNS);
  await next(page, '5. Tunnelled traffic');
  await w.getByRole('radio', { name: /Split tunnel/ }).check();
  await w.getByRole('textbox', { name: 'Network 1' }).fill(SPLIT);
  await next(page, '6. Client platforms');
  for (const c of ['Windows', 'macOS', 'iOS', 'Android', 'Linux'])
    await w.getByRole('checkbox', { name: new RegExp(`^${c}`) }).setChecked(c === 'Linux');
  await next(page, '7. Review');
  await expect(w.getByRole('region', { name: 'IP > IPsec > Mode Configs' })).toContainText(`split-include=${SPLIT}`);
  await expect(w.getByRole('region', { name: 'IP > IPsec > Mode Configs' })).toContainText(`static-dns=${DNS}`);
  await expect(w.getByRole('region', { name: 'IP > Pool' })).toContainText(`ranges=${pool}`);
}

async function finish(page: Page, name: string): Promise<void> {
  await wizard(page).getByRole('button', { name: 'Finish' }).click();
  await expect(page).toHaveURL(new RegExp(`#/wizard/road-warrior/done/${name}$`));
  await expect(heading(page)).toHaveText(`Road warrior “${name}” is set up`);
}

/** Click a profile link; the browser downloads it (Playwright's download API); its bytes. */
async function download(page: Page, filename: string): Promise<Buffer> {
  const link = wizard(page)
    .getByRole('region', { name: 'Client profiles' })
    .getByRole('link', { name: filename, exact: true })
    .first();
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(dl.suggestedFilename()).toBe(filename);
  const file = test.info().outputPath('downloads', filename);
  mkdirSync(join(file, '..'), { recursive: true });
  await dl.saveAs(file);
  return readFileSync(file);
}

/** The connection (and child) name of a downloaded swanctl.conf: "swanctl --initiate --child <name>". */
const childOf = (conf: string) => /swanctl --initiate --child (\S+)/.exec(conf)?.[1];

// ------------------------------------------------------------------------------------ the clients

/**
 * Install a downloaded Linux profile as its own header says ("Save as /etc/swanctl/conf.d/<x>.conf, with:",
 * "<file> -> /etc/swanctl/<dir>/"), in the client's swanctl directory; `conf` has its secret filled in.
 * Returns the files it moved, as "<file> -> <dir>".
 */
function installProfile(c: RoadWarriorClient, conf: string, downloaded: Record<string, Buffer>): string[] {
  const saveAs = /^# Save as \/etc\/swanctl\/conf\.d\/([^\s,]+)/m.exec(conf)?.[1];
  expect(saveAs, 'the profile says where it goes').toBeTruthy();
  // file names are written as swanctl.conf strings (quoted), as everywhere in the file
  const moves = [...conf.matchAll(/^#\s+"?([^"\s]+)"? -> \/etc\/swanctl\/(x509ca|x509|private|pkcs12)\/$/gm)].map(
    (m) => ({
      name: m[1]!,
      dir: m[2] as 'x509ca' | 'pkcs12',
    }),
  );
  for (const m of moves) expect(downloaded[m.name], `${m.name} (named by the profile) was downloaded`).toBeTruthy();
  c.install([
    { dir: 'conf.d', name: saveAs!, content: conf },
    ...moves.map((m) => ({ ...m, content: downloaded[m.name]! })),
  ]);
  return moves.map((m) => `${m.name} -> ${m.dir}`);
}

/** swanctl --load-all and --initiate as the profile says; the virtual IP from the pool, the DNS server, the routes. */
async function connect(c: RoadWarriorClient, conf: string, pool: { first: string }): Promise<string> {
  await c.start();
  const child = childOf(conf);
  expect(child, 'the profile says how to start it').toBeTruthy();
  expect(c.loadAll()).toMatch(new RegExp(`loaded connection '${child}'`));
  expect(c.initiate(child!)).toMatch(/initiate completed successfully/);
  const vip = await until(`a virtual IP in ${c.host.ns}`, () => c.virtualIp());
  expect(vip).toBe(pool.first);
  expect(c.log()).toMatch(new RegExp(`installing new virtual IP ${vip.replace(/\./g, '\\.')}`));
  // the DNS server arrived by mode config: charon's resolve plugin installed it
  expect(c.dnsServers()).toEqual([DNS]);
  expect(c.log()).toMatch(new RegExp(`installing DNS server ${DNS.replace(/\./g, '\\.')}`));
  expect(c.listSas()).toMatch(
    new RegExp(`local\\s+${vip.replace(/\./g, '\\.')}/32\\s+remote\\s+${SPLIT.replace(/\./g, '\\.')}`),
  );
  return vip;
}

/** From the virtual IP through the tunnel: ping the LAN host, resolve a name with the DNS server it was given. */
async function throughTunnel(c: RoadWarriorClient, vip: string): Promise<void> {
  expect(ping(c.host.ns, net.lan!.addr, { count: 3, from: vip })).toEqual({ sent: 3, received: 3 });
  expect(await dnsLookup(c.host.ns, c.dnsServers()[0]!, INTRANET.name, vip)).toEqual([INTRANET.address]);
  expect(dns!.queries()).toContain(vip);
  // the client's own address does not reach the split network: it is the tunnel that does
  expect(ping(c.host.ns, net.lan!.addr, { count: 1, from: c.host.addr }).received).toBe(0);
  await until(`our ESP SAs with ${c.host.addr} to count the traffic`, async () => {
    const sas = ((await agent.process.rest('GET', 'ip/ipsec/installed-sa')).json as any[]).filter(
      (s) => s['src-address'] === c.host.addr || s['dst-address'] === c.host.addr,
    );
    return sas.length === 2 && sas.every((s) => Number(s['current-packets']) >= 4) ? true : undefined;
  });
}

// ------------------------------------------------------------------------------------ the test

test(
  'wizard in the browser -> downloaded Linux profiles -> strongSwan road warriors (certificate, EAP) reach the ' +
    'split network; Active Peers shows both',
  async ({ page }) => {
    test.setTimeout(240_000);
    const files: Record<string, Buffer> = {};

    await login(page, running, AGENT_ADMIN);

    await test.step('wizard run 1: client certificate "alice", Linux profile, CA and .p12 downloaded', async () => {
      await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Road Warrior' }).click();
      await expect(heading(page)).toHaveText('1. Authentication');
      const w = wizard(page);
      await w.getByRole('radio', { name: /Client certificates/ }).check();
      await w.getByRole('textbox', { name: 'Certificate 1' }).fill(CERT.client);
      await w.getByLabel('Export passphrase', { exact: true }).fill(CERT.passphrase);
      await serverToReview(page, CERT.setup, CERT.pool);
      await expect(w.getByRole('region', { name: 'IP > IPsec > Identities' })).toContainText(
        'auth-method=digital-signature',
      );
      await finish(page, CERT.setup);
      for (const f of [
        `${CERT.setup}-ca.crt`,
        `${CERT.setup}-${CERT.client}.p12`,
        `${CERT.setup}-${CERT.client}.swanctl.conf`,
      ])
        files[f] = await download(page, f);
    });

    await test.step(
      'wizard run 2: EAP-MSCHAPv2 user "bob", a second passive peer beside "rw" (same phase 1 algorithms: no ' +
        'warning)',
      async () => {
        await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Road Warrior' }).click();
        await expect(heading(page)).toHaveText('1. Authentication');
        const w = wizard(page);
        await w.getByRole('radio', { name: /Username and password/ }).check();
        await w.getByRole('textbox', { name: 'User 1 name' }).fill(EAP.user);
        await w.getByLabel('User 1 password', { exact: true }).fill(EAP.password);
        await serverToReview(page, EAP.setup, EAP.pool);
        await expect(w.getByRole('region', { name: 'IP > IPsec > Identities' })).toContainText(
          'auth-method=eap-radius',
        );
        // Two passive peers for every address with the same phase 1 algorithms: only this setup uses EAP, so at
        // IKE_AUTH the engine moves EAP clients (no AUTH payload) to it and the review has nothing to warn about.
        await expect(w.getByTestId('wizard-object').first()).toBeVisible();
        await expect(
          w.getByTestId('wizard-warning').filter({ hasText: `peer "${CERT.setup}" also answers IKEv2` }),
        ).toHaveCount(0);
        await finish(page, EAP.setup);
        for (const f of [`${EAP.setup}-ca.crt`, `${EAP.setup}-${EAP.user}.swanctl.conf`])
          files[f] = await download(page, f);
      },
    );

    await test.step(
      'certificate road warrior: the downloaded swanctl.conf, CA and .p12 in charon; pool address, DNS, split ' +
        'network',
      async () => {
        const conf = files[`${CERT.setup}-${CERT.client}.swanctl.conf`]!.toString();
        expect(conf).toContain(`remote_addrs = "${SERVER}"`); // values are quoted (profiles/text.ts sw)
        expect(conf).toMatch(/auth = pubkey/);
        // The profile leaves the .p12's passphrase for the user to fill in; so do we.
        expect(conf).toContain('secret = "<passphrase of the .p12 file>"');
        const c = new RoadWarriorClient(net.clients[0]!);
        clients.push(c);
        const filled = conf.replace('<passphrase of the .p12 file>', CERT.passphrase);
        expect(installProfile(c, filled, files)).toEqual([
          `${CERT.setup}-ca.crt -> x509ca`,
          `${CERT.setup}-${CERT.client}.p12 -> pkcs12`,
        ]);
        const vip = await connect(c, filled, CERT);
        expect(c.log()).toMatch(
          new RegExp(`authentication of '${SERVER.replace(/\./g, '\\.')}' with RSA\\S* successful`),
        );
        await throughTunnel(c, vip);
      },
    );

    await test.step(
      'EAP-MSCHAPv2 road warrior: the downloaded swanctl.conf and CA, user name and password; pool address, DNS, ' +
        'split network',
      async () => {
        const conf = files[`${EAP.setup}-${EAP.user}.swanctl.conf`]!.toString();
        expect(conf).toMatch(/auth = eap-mschapv2/);
        expect(conf).toContain(`secret = "<password of ${EAP.user}>"`);
        expect(conf).not.toContain(EAP.password);
        const c = new RoadWarriorClient(net.clients[1]!, { eap: true });
        clients.push(c);
        const filled = conf.replace(`<password of ${EAP.user}>`, EAP.password);
        expect(installProfile(c, filled, files)).toEqual([`${EAP.setup}-ca.crt -> x509ca`]);
        const vip = await connect(c, filled, EAP);
        expect(c.log()).toMatch(/EAP method EAP_MSCHAPV2 succeeded, MSK established/);
        await throughTunnel(c, vip);
      },
    );

    await test.step(
      'IPsec > Active Peers in the browser: ' + 'both road warriors with their dynamic addresses',
      async () => {
        await page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'IPsec' }).click();
        // the two wizard setups: passive peers answering every address
        await openTab(page, 'Peers');
        for (const name of [CERT.setup, EAP.setup])
          await expect(cell(rowWhere(page, 'name', name), 'address')).toHaveText('0.0.0.0/0');
        await openTab(page, 'Active Peers');
        await expect(rows(page)).toHaveCount(2);
        const cert = rowWhere(page, 'remote-address', net.clients[0]!.addr);
        const eap = rowWhere(page, 'remote-address', net.clients[1]!.addr);
        await expect(cell(cert, 'dynamic-address')).toHaveText(CERT.first);
        await expect(cell(eap, 'dynamic-address')).toHaveText(EAP.first);
        await expect(cell(cert, 'state')).toHaveText('established');
        await expect(cell(eap, 'state')).toHaveText('established');
        // ID: who each authenticated as (the certificate's identity; the EAP user)
        await expect(cell(cert, 'remote-id')).toHaveText(`fqdn:${CERT.client}`);
        await expect(cell(eap, 'remote-id')).toHaveText(EAP.user);
        // and each reached its own wizard setup's peer (the same fact over REST: the peer is not a column)
        const peers = (await agent.process.rest('GET', 'ip/ipsec/active-peers')).json as Record<string, string>[];
        expect(peers.map((p) => [p['remote-address'], p.peer, p['dynamic-address']]).sort()).toEqual([
          [net.clients[0]!.addr, CERT.setup, CERT.first],
          [net.clients[1]!.addr, EAP.setup, EAP.first],
        ]);
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.mouse.move(1, 1);
        await ipsecWindow(page).screenshot({
          path: join(SCREENSHOTS, 'roadwarrior-active-peers.png'),
          animations: 'disabled',
        });
      },
    );

    await test.step('Installed SAs and Statistics come from the running userspace data plane', async () => {
      await openTab(page, 'Installed SAs');
      await expect(rows(page)).toHaveCount(4); // in and out for each road warrior
      await expect(ipsecWindow(page).getByTestId('dataplane')).toHaveText(/Data plane: userspace ESP \(ipsec0\)/);
      await page.mouse.move(1, 1);
      await ipsecWindow(page).screenshot({
        path: join(SCREENSHOTS, 'roadwarrior-installed-sas.png'),
        animations: 'disabled',
      });
      await openTab(page, 'Statistics');
      await expect(ipsecWindow(page).getByTestId('statistics-dataplane')).toHaveText(
        /userspace ESP on ipsec0 \(userspace ESP on ipsec0: XFRM policies work, ESP SAs refused/,
      );
    });
  },
);

// Interop: our agent as a road-warrior server (the objects the wizard makes, set up by hand over REST; one
// passive peer with two identities, digital-signature and eap-radius, as RouterOS serves both kinds), two
// strongSwan road warriors in namespaces of their own: one with a client certificate (PKCS#12 from the agent's
// export), one with EAP-MSCHAPv2. Each gets a pool address and the DNS server by mode config, reaches the split
// network behind the server (a LAN host, a DNS server there) from its virtual IP through the tunnel: userspace
// ESP on our TUN device, charon's kernel-libipsec. The browser version (the wizard, its downloads) is
// e2e/tests/roadwarrior.spec.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { RoadWarriorClient } from './charon-rw.ts';
import { RoadWarriorNet, canUseNetns, sh } from './netns.ts';
import { dnsLookup, dnsServer, ping } from './traffic.ts';
import { until } from './wait.ts';

const skip = !canUseNetns();
const P12_PASS = 'rw-interop-p12-pass';
const BOB_PASS = 'bob-interop-Secret-2';
const DNS = '10.1.0.53';
let net: RoadWarriorNet;
let agent: AgentInNetns;
let dns: Awaited<ReturnType<typeof dnsServer>> | undefined;
const clients: RoadWarriorClient[] = [];

async function post(path: string, body: Record<string, unknown>): Promise<any> {
  const r = await agent.rest('POST', path, body);
  if (r.status !== 200) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** What the road-warrior wizard creates (manual: "Road Warrior setup using IKEv2"), plus an EAP identity on the same peer. */
async function configureServer(): Promise<void> {
  const rsa = { 'key-type': 'rsa', 'key-size': '2048' };
  await agent.add('certificate', {
    name: 'rw-ca',
    'common-name': 'rw-ca',
    ...rsa,
    'days-valid': '3650',
    trusted: 'yes',
  });
  await agent.add('certificate', {
    name: 'rw-server',
    'common-name': net.server.addr,
    'subject-alt-name': `IP:${net.server.addr}`,
    ...rsa,
    'days-valid': '825',
  });
  await agent.add('certificate', {
    name: 'rw-alice',
    'common-name': 'alice',
    'subject-alt-name': 'DNS:alice',
    ...rsa,
    'days-valid': '825',
  });
  await post('certificate/sign', { number: 'rw-server', ca: 'rw-ca' });
  await post('certificate/sign', { number: 'rw-alice', ca: 'rw-ca' });
  await agent.add('ip/pool', { name: 'rw-pool', ranges: '10.10.10.10-10.10.10.50' });
  await agent.add('ip/ipsec/mode-config', {
    name: 'rw-conf',
    responder: 'yes',
    'address-pool': 'rw-pool',
    'split-include': '10.1.0.0/24',
    'system-dns': 'no',
    'static-dns': DNS,
  });
  await agent.add('ip/ipsec/policy/group', { name: 'rw-policies' });
  await agent.add('ip/ipsec/proposal', {
    name: 'rw',
    'enc-algorithms': 'aes-256-cbc,aes-128-cbc',
    'auth-algorithms': 'sha256,sha1',
    'pfs-group': 'none',
  });
  await agent.add('ip/ipsec/profile', {
    name: 'rw',
    'enc-algorithm': 'aes-256,aes-128',
    'hash-algorithm': 'sha256',
    'dh-group': 'modp2048,ecp256',
  });
  await agent.add('ip/ipsec/peer', {
    name: 'rw',
    'exchange-mode': 'ike2',
    passive: 'yes',
    profile: 'rw',
    'send-initial-contact': 'no',
  });
  await agent.add('ip/ipsec/policy', {
    group: 'rw-policies',
    template: 'yes',
    'src-address': '0.0.0.0/0',
    'dst-address': '10.10.10.0/26',
    proposal: 'rw',
  });
  const identity = {
    peer: 'rw',
    certificate: 'rw-server',
    'my-id': `address:${net.server.addr}`,
    'remote-id': 'auto',
    'generate-policy': 'port-strict',
    'mode-config': 'rw-conf',
    'policy-template-group': 'rw-policies',
  };
  await agent.add('ip/ipsec/identity', { ...identity, 'auth-method': 'digital-signature' });
  await agent.add('ip/ipsec/identity', { ...identity, 'auth-method': 'eap-radius' });
  await agent.add('ip/ipsec/user', { name: 'bob', password: BOB_PASS });
}

/** The client's swanctl.conf, as the wizard's Linux profile writes it (auth lines differ). */
function clientConf(local: string, remote: string, secrets: string): string {
  return `connections {
  rw {
    version = 2
    remote_addrs = ${net.server.addr}
    vips = 0.0.0.0
    proposals = aes256-aes128-sha256-modp2048-ecp256
    local { ${local} }
    remote { auth = pubkey
             id = "${net.server.addr}"
             ${remote} }
    children { rw { remote_ts = 10.1.0.0/24
                    esp_proposals = aes256-aes128-sha256-sha1
                    start_action = none } }
  }
}
secrets { ${secrets} }
`;
}

async function connect(c: RoadWarriorClient, conf: string): Promise<string> {
  await c.start();
  expect(c.load(conf)).toMatch(/loaded connection 'rw'/);
  expect(c.initiate('rw')).toMatch(/initiate completed successfully/);
  return until(`a virtual IP in ${c.host.ns}`, () => c.virtualIp());
}

/** Ping and a DNS lookup through the tunnel from the virtual IP; the ESP counters of our side move. */
async function throughTunnel(c: RoadWarriorClient, vip: string): Promise<void> {
  expect(ping(c.host.ns, net.lan!.addr, { count: 3, from: vip })).toEqual({ sent: 3, received: 3 });
  expect(await dnsLookup(c.host.ns, c.dnsServers()[0]!, 'intranet.rw.test', vip)).toEqual(['10.1.0.80']);
  expect(dns!.queries()).toContain(vip);
  // without the tunnel's source address the split network is not reachable (nothing routes it)
  expect(ping(c.host.ns, net.lan!.addr, { count: 1, from: c.host.addr }).received).toBe(0);
  // our ESP SAs with this client carried it, both ways: 3 echoes and the DNS query (counters refresh once a second)
  await until(`our SAs with ${c.host.addr} to count the traffic`, async () => {
    const sas = ((await agent.rest('GET', 'ip/ipsec/installed-sa')).json as any[]).filter(
      (s) => s['src-address'] === c.host.addr || s['dst-address'] === c.host.addr,
    );
    return sas.length === 2 && sas.every((s) => Number(s['current-packets']) >= 4) ? true : undefined;
  });
}

describe.skipIf(skip)(
  'road warriors (strongSwan) against our agent: pool, DNS, split network through userspace ESP',
  () => {
    beforeAll(async () => {
      net = new RoadWarriorNet(2);
      net.up(); // down() in afterAll removes what up() made, also when it failed halfway
      sh('ip', ['-n', net.lan!.ns, 'addr', 'add', `${DNS}/32`, 'dev', 'lo']);
      dns = await dnsServer(net.lan!.ns, DNS, '10.1.0.80');
      agent = new AgentInNetns(net.server.ns);
      await agent.start();
      await configureServer();
    });
    afterAll(() => {
      for (const c of clients) c.cleanup();
      dns?.stop();
      agent?.cleanup();
      net?.down();
    });
    const dump = (c: RoadWarriorClient) =>
      `--- agent output ---\n${agent.output.slice(-6000)}\n--- charon ${c.host.ns} ---\n${c.logTail()}`;

    it('certificate client (PKCS#12 from the agent): pool address, DNS, ping and DNS to the split network', async () => {
      const c = new RoadWarriorClient(net.clients[0]!);
      clients.push(c);
      const ca = (await post('certificate/export-certificate', { number: 'rw-ca' })).files;
      const p12 = (
        await post('certificate/export-certificate', {
          number: 'rw-alice',
          type: 'pkcs12',
          'export-passphrase': P12_PASS,
        })
      ).files;
      c.install([
        { dir: 'x509ca', name: 'rw-ca.crt', content: ca[0].content },
        { dir: 'pkcs12', name: 'rw-alice.p12', content: Buffer.from(p12[0].content, 'base64') },
      ]);
      try {
        const vip = await connect(
          c,
          clientConf(
            'auth = pubkey\n id = "alice"',
            'cacerts = rw-ca.crt',
            `pkcs12-rw { file = rw-alice.p12\n secret = "${P12_PASS}" }`,
          ),
        );
        expect(vip).toBe('10.10.10.10');
        expect(c.dnsServers()).toEqual([DNS]);
        expect(c.log()).toMatch(/installing new virtual IP 10\.10\.10\.10/);
        expect(c.listSas()).toMatch(/remote\s+10\.1\.0\.0\/24/);
        await throughTunnel(c, vip);
      } catch (e) {
        console.log(dump(c));
        throw e;
      }
    }, 90_000);

    it('EAP-MSCHAPv2 client: the next pool address, DNS, ping and DNS to the split network; Active Peers lists both', async () => {
      const c = new RoadWarriorClient(net.clients[1]!, { eap: true });
      clients.push(c);
      const ca = (await post('certificate/export-certificate', { number: 'rw-ca' })).files;
      c.install([{ dir: 'x509ca', name: 'rw-ca.crt', content: ca[0].content }]);
      try {
        const vip = await connect(
          c,
          clientConf(
            'auth = eap-mschapv2\n eap_id = "bob"',
            'cacerts = rw-ca.crt',
            `eap-rw { id = "bob"\n secret = "${BOB_PASS}" }`,
          ),
        );
        expect(vip).toBe('10.10.10.11');
        expect(c.dnsServers()).toEqual([DNS]);
        expect(c.log()).toMatch(/EAP method EAP_MSCHAPV2 succeeded, MSK established/);
        await throughTunnel(c, vip);
        const peers = await until('both in Active Peers', async () => {
          const list = (await agent.rest('GET', 'ip/ipsec/active-peers')).json as any[];
          return list.filter((p) => p.state === 'established').length === 2 ? list : undefined;
        });
        expect(peers.map((p) => [p['remote-address'], p['remote-id'], p['dynamic-address']]).sort()).toEqual([
          [net.clients[0]!.addr, 'fqdn:alice', '10.10.10.10'],
          [net.clients[1]!.addr, 'bob', '10.10.10.11'],
        ]);
      } catch (e) {
        console.log(dump(c));
        throw e;
      }
    }, 90_000);
  },
);

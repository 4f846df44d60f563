// IKEv1 interop (issue #13, first milestone): our agent and a real strongSwan (charon, `version = 1`) in network
// namespaces, main mode with a pre-shared key and quick mode in tunnel mode, each side initiating, with a strong
// suite (AES-256/SHA-256/modp2048, ESP with PFS) and the TP-Link-style weak one (3DES/MD5/modp1024, ESP 3DES/MD5
// without PFS, 8 h lifetimes). Traffic between the LAN hosts behind each gateway must pass both ways through the
// tunnel (our userspace ESP on a TUN device, charon's kernel-libipsec; both need ESP in UDP, so NAT-T is forced on
// both sides), and Active Peers must show the IKE SA as ike1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { TwoHosts, canUseNetns, type LanHost } from './netns.ts';
import { ping } from './traffic.ts';
import { until } from './wait.ts';

const PSK = 'ikev1-interop-psk-4242';

interface Suite {
  name: string;
  charonIke: string;
  charonEsp: string;
  profile: Record<string, unknown>;
  proposal: Record<string, unknown>;
  /** charon's --list-sas shows the negotiated algorithms so. */
  expectIke: RegExp;
  expectEsp: RegExp;
}

const SUITES: Suite[] = [
  {
    name: 'AES-256/SHA-256/modp2048, ESP AES-256/SHA-256 with PFS modp2048',
    charonIke: 'aes256-sha256-modp2048',
    charonEsp: 'aes256-sha256-modp2048',
    profile: { 'enc-algorithm': 'aes-256', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048' },
    proposal: { 'enc-algorithms': 'aes-256-cbc', 'auth-algorithms': 'sha256', 'pfs-group': 'modp2048' },
    expectIke: /AES_CBC-256\/HMAC_SHA2_256_128\/PRF_HMAC_SHA2_256\/MODP_2048/,
    expectEsp: /ESP:AES_CBC-256\/HMAC_SHA2_256_128\/MODP_2048/,
  },
  {
    name: 'TP-Link: 3DES/MD5/modp1024, ESP 3DES/MD5 without PFS, lifetime 28800',
    charonIke: '3des-md5-modp1024',
    charonEsp: '3des-md5',
    profile: { 'enc-algorithm': '3des', 'hash-algorithm': 'md5', 'dh-group': 'modp1024', lifetime: '8h' },
    proposal: { 'enc-algorithms': '3des', 'auth-algorithms': 'md5', 'pfs-group': 'none', lifetime: '8h' },
    expectIke: /3DES_CBC\/HMAC_MD5_96\/PRF_HMAC_MD5\/MODP_1024/,
    expectEsp: /ESP:3DES_CBC\/HMAC_MD5_96/,
  },
];

/** charon's side (host b): connection "ours", IKEv1, LAN B <-> LAN A; ESP in UDP (kernel-libipsec needs it). */
function charonConf(hosts: TwoHosts, s: Suite): string {
  return `connections {
  ours {
    version = 1
    local_addrs = ${hosts.b.addr}
    remote_addrs = ${hosts.a.addr}
    encap = yes
    proposals = ${s.charonIke}
    rekey_time = 8h
    local { auth = psk
            id = ${hosts.b.addr} }
    remote { auth = psk
             id = ${hosts.a.addr} }
    children { net { local_ts = 10.2.0.0/24
                     remote_ts = 10.1.0.0/24
                     esp_proposals = ${s.charonEsp}
                     rekey_time = 8h } }
  }
}
secrets { ike-ours { id-a = ${hosts.a.addr}
                     id-b = ${hosts.b.addr}
                     secret = "${PSK}" } }
`;
}

const skip = !canUseNetns();
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;
let lanA: LanHost;
let lanB: LanHost;

async function setUp(s: Suite, weInitiate: boolean): Promise<string> {
  charon = new Charon(hosts.b.ns);
  agent = new AgentInNetns(hosts.a.ns);
  await charon.start();
  charon.load(charonConf(hosts, s));
  await agent.start();
  await agent.add('ip/ipsec/profile', { name: 'v1', ...s.profile });
  await agent.add('ip/ipsec/proposal', { name: 'v1', ...s.proposal });
  await agent.add('ip/ipsec/peer', {
    name: 'strongswan',
    address: `${hosts.b.addr}/32`,
    'local-address': hosts.a.addr,
    'exchange-mode': 'main',
    profile: 'v1',
    passive: weInitiate ? 'no' : 'yes',
  });
  await agent.add('ip/ipsec/identity', { peer: 'strongswan', secret: PSK });
  await agent.add('ip/ipsec/policy', {
    peer: 'strongswan',
    tunnel: 'yes',
    'src-address': '10.1.0.0/24',
    'dst-address': '10.2.0.0/24',
    proposal: 'v1',
  });
  if (!weInitiate)
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(
      /initiate completed successfully/,
    );
  return until(
    'charon to install the IPsec SA',
    () => {
      const text = charon.listSas();
      return /INSTALLED/.test(text) ? text : undefined;
    },
    25_000,
  );
}

describe.skipIf(skip)('IKEv1 interop with strongSwan: main mode PSK + quick mode', () => {
  beforeEach(() => {
    hosts = new TwoHosts().up().withLanHosts();
    lanA = hosts.lanA!;
    lanB = hosts.lanB!;
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail')
      console.log(
        `--- agent output ---\n${agent?.output.slice(-6000)}\n--- charon log ---\n${charon?.log().slice(-6000)}`,
      );
    agent?.cleanup();
    charon?.cleanup();
    hosts.down();
  });

  for (const s of SUITES)
    for (const weInitiate of [false, true])
      it(`${s.name}: ${weInitiate ? 'we initiate' : 'charon initiates'}, ping both ways`, async () => {
        const started = Date.now();
        const sas = await setUp(s, weInitiate);
        console.log(`${s.name} (${weInitiate ? 'we' : 'charon'} initiating): up in ${Date.now() - started} ms`);
        expect(sas).toMatch(/IKEv1/);
        expect(sas).toMatch(s.expectIke);
        expect(sas).toMatch(s.expectEsp);
        expect(ping(lanA.ns, lanB.addr, { count: 5 })).toEqual({ sent: 5, received: 5 });
        expect(ping(lanB.ns, lanA.addr, { count: 5 })).toEqual({ sent: 5, received: 5 });
        const peers = (await agent.rest('GET', 'ip/ipsec/active-peers')).json as Record<string, string>[];
        expect(peers).toHaveLength(1);
        expect(peers[0]).toMatchObject({
          'exchange-mode': 'ike1',
          state: 'established',
          'remote-address': hosts.b.addr,
        });
        const installed = (await agent.rest('GET', 'ip/ipsec/installed-sa')).json as unknown[];
        expect(installed).toHaveLength(2);
      }, 90_000);
});

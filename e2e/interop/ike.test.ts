// Interop: our agent's IKEv2 engine against a real strongSwan (charon) in namespaces this test
// creates. Success is what an admin would check: `swanctl --list-sas` on charon shows the IKE SA
// ESTABLISHED and the CHILD_SA INSTALLED with the expected algorithms, and our Active Peers and
// Installed SAs agree.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { TwoHosts, canUseNetns, sh } from './netns.ts';
import { until } from './wait.ts';
import { PSK, charonPskConf, configurePskAgent } from './charon-psk.ts';

interface Suite {
  name: string;
  /** Our profile and proposal (RouterOS names). */
  profile: Record<string, unknown>;
  proposal: Record<string, unknown>;
  /** charon's proposals (strongSwan names). */
  ike: string;
  esp: string;
  /** What `swanctl --list-sas` must show. */
  expectIke: RegExp;
  expectEsp: RegExp;
  ourEnc: string;
}

const SUITES: Suite[] = [
  {
    name: 'AES-GCM-16-256 / PRF-SHA384 / ECP384',
    profile: {
      'enc-algorithm': 'aes-256-gcm',
      'hash-algorithm': 'sha384',
      'prf-algorithm': 'sha384',
      'dh-group': 'ecp384',
    },
    proposal: { 'enc-algorithms': 'aes-256-gcm', 'auth-algorithms': 'null', 'pfs-group': 'none' },
    ike: 'aes256gcm16-prfsha384-ecp384',
    esp: 'aes256gcm16',
    expectIke: /AES_GCM_16-256\/PRF_HMAC_SHA2_384\/ECP_384/,
    expectEsp: /ESP:AES_GCM_16-256/,
    ourEnc: 'aes-256-gcm',
  },
  {
    name: 'AES-CBC-128 / SHA256 / MODP2048',
    profile: { 'enc-algorithm': 'aes-128', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048' },
    proposal: { 'enc-algorithms': 'aes-128-cbc', 'auth-algorithms': 'sha256', 'pfs-group': 'modp2048' },
    ike: 'aes128-sha256-modp2048',
    esp: 'aes128-sha256-modp2048',
    expectIke: /AES_CBC-128\/HMAC_SHA2_256_128\/PRF_HMAC_SHA2_256\/MODP_2048/,
    expectEsp: /ESP:AES_CBC-128\/HMAC_SHA2_256_128/,
    ourEnc: 'aes-128-cbc',
  },
  {
    name: 'ChaCha20-Poly1305 / X25519',
    profile: { 'enc-algorithm': 'chacha20poly1305', 'hash-algorithm': 'sha256', 'dh-group': 'curve25519' },
    proposal: { 'enc-algorithms': 'chacha20poly1305', 'auth-algorithms': 'null', 'pfs-group': 'none' },
    ike: 'chacha20poly1305-prfsha256-x25519',
    esp: 'chacha20poly1305',
    expectIke: /CHACHA20_POLY1305\/PRF_HMAC_SHA2_256\/CURVE_25519/,
    expectEsp: /ESP:CHACHA20_POLY1305/,
    ourEnc: 'chacha20poly1305',
  },
];

const skip = !canUseNetns();
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;

const charonConf = (s: Suite) => charonPskConf(hosts, { ike: s.ike, esp: s.esp });

/** The agent side of one suite: profile, proposal, peer, identity, policy, all through REST. */
const configureAgent = (s: Suite, passive: boolean) =>
  configurePskAgent(agent, hosts, { passive, profile: s.profile, proposal: s.proposal });

describe.skipIf(skip)('IKEv2 interop with strongSwan', () => {
  // Fresh namespaces for every case: nothing one case leaves behind can touch the next.
  beforeEach(() => {
    hosts = new TwoHosts().up();
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      console.log(
        `--- agent output ---\n${agent.output.slice(-6000)}\n--- charon log ---\n${charon.log().slice(-6000)}`,
      );
    }
    agent.cleanup();
    charon.cleanup();
    hosts.down();
  });

  for (const s of SUITES) {
    for (const direction of ['charon initiates', 'we initiate'] as const) {
      it(`${s.name}: ${direction}`, async () => {
        charon = new Charon(hosts.b.ns);
        agent = new AgentInNetns(hosts.a.ns);
        await charon.start();
        charon.load(charonConf(s));
        await agent.start();
        await configureAgent(s, direction === 'charon initiates');
        if (direction === 'charon initiates') {
          const out = charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15']);
          expect(out).toMatch(/initiate completed successfully/);
        }
        const sas = await until('charon to list the SAs', () => {
          const text = charon.listSas();
          return /ESTABLISHED/.test(text) && /INSTALLED/.test(text) ? text : undefined;
        });
        expect(sas).toMatch(s.expectIke);
        expect(sas).toMatch(s.expectEsp);
        expect(sas).toMatch(new RegExp(`remote '${hosts.a.addr}' @ ${hosts.a.addr}\\[4500\\]`)); // encap: NAT-T port
        expect(sas).toContain(`${hosts.b.lan}/32`);

        const peers = await until('our Active Peers', async () => {
          const r = await agent.rest('GET', 'ip/ipsec/active-peers');
          return r.json.find((p: any) => p.state === 'established') ? r.json : undefined;
        });
        expect(peers[0]).toMatchObject({
          'remote-id': `address:${hosts.b.addr}`,
          'remote-address': hosts.b.addr,
          side: direction === 'we initiate' ? 'initiator' : 'responder',
          'ph2-total': '1',
          'natt-peer': 'true',
        });
        const installed = (await agent.rest('GET', 'ip/ipsec/installed-sa')).json;
        expect(installed).toHaveLength(2);
        expect(installed.map((x: any) => x['enc-algorithm'])).toEqual([s.ourEnc, s.ourEnc]);
        // the SPIs charon shows are ours
        for (const sa of installed) expect(sas).toContain(sa.spi.slice(2));
        // the agent's own log (what an operator's journal keeps) never carries the secret
        expect(agent.output).toContain('established');
        expect(agent.output).not.toContain(PSK);
      }, 60_000);
    }
  }

  it('garbage on UDP 500 and 4500 is counted in Statistics (ike-...) and the established SA is unharmed', async () => {
    const s = SUITES[0]!;
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    await charon.start();
    charon.load(charonConf(s));
    await agent.start();
    await configureAgent(s, true);
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(/initiate completed/);

    // From charon's host: 3 bytes (too short for a header) to each port, and a well-formed INFORMATIONAL header
    // for IKE SPIs nobody has. On 4500 IKE follows the 4-byte non-ESP marker (RFC 3948).
    const header = Buffer.alloc(28);
    header.fill(0x5a, 0, 16); // SPIi, SPIr
    header.writeUInt8(0x20, 17); // version 2.0
    header.writeUInt8(37, 18); // INFORMATIONAL
    header.writeUInt32BE(28, 24);
    const datagrams: [number, Buffer][] = [
      [500, Buffer.from([1, 2, 3])],
      [4500, Buffer.from([0, 0, 0, 0, 1, 2, 3])],
      [500, header],
    ];
    const sender = `const d = require('node:dgram').createSocket('udp4');
      const list = ${JSON.stringify(datagrams.map(([port, b]) => [port, b.toString('hex')]))};
      let left = list.length;
      for (const [port, hex] of list) d.send(Buffer.from(hex, 'hex'), port, '${hosts.a.addr}', () => --left || d.close());`;
    sh(process.execPath, ['-e', sender], { ns: hosts.b.ns });

    const stats = await until('the IKE drop counters', async () => {
      const r = (await agent.rest('GET', 'ip/ipsec/statistics')).json;
      return Number(r['ike-in-length-errors']) >= 2 && Number(r['ike-in-no-states']) >= 1 ? r : undefined;
    });
    expect(Number(stats['ike-in-length-errors'])).toBe(2);
    expect(Number(stats['ike-in-no-states'])).toBe(1);
    expect(Number(stats['ike-in-integrity-errors'])).toBe(0);
    expect(charon.listSas()).toMatch(/ESTABLISHED/);
    const peers = (await agent.rest('GET', 'ip/ipsec/active-peers')).json;
    expect(peers.map((p: any) => p.state)).toEqual(['established']);
  }, 60_000);
});

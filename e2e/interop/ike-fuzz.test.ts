// The live agent's UDP 500/4500 under a few thousand hostile datagrams from another namespace: mutations of real
// IKE_SA_INIT requests (made by our engine), random bytes, well-formed headers with random fields, and ESP-in-UDP for
// the established SA's SPI and random ones. Afterwards the agent still answers REST, the established SA is unharmed,
// a new IKE SA comes up, and Statistics counted the drops (ike-*).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IkeEngine, type IkeConfig } from '../../packages/ike/src/index.ts';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { charonPskConf, configurePskAgent } from './charon-psk.ts';
import { TwoHosts, canUseNetns, sh } from './netns.ts';
import { until } from './wait.ts';

const skip = !canUseNetns();
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;

/** Deterministic randomness (xorshift32), so a failing run can be replayed from its seed. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { int, bytes, pick };
}
type Rng = ReturnType<typeof prng>;

/** IKE_SA_INIT requests as an initiator at `local` towards the agent sends them, one per DH group. */
function realSaInits(target: string, local: string): Buffer[] {
  return (['modp2048', 'ecp256', 'curve25519'] as const).map((dh) => {
    const config: IkeConfig = {
      peers: [{ name: 'agent', address: target, 'exchange-mode': 'ike2', profile: 'p', 'local-address': local }],
      profiles: [
        {
          name: 'p',
          'hash-algorithm': 'sha256',
          'enc-algorithm': ['aes-128'],
          'dh-group': [dh],
          'dpd-interval': 'disable-dpd',
        } as never,
      ],
      proposals: [
        { name: 'esp', 'auth-algorithms': ['sha256'], 'enc-algorithms': ['aes-128-cbc'], 'pfs-group': 'none' } as never,
      ],
      identities: [
        { peer: 'agent', 'auth-method': 'pre-shared-key', secret: 'fuzz', 'my-id': 'fqdn:fuzz', 'remote-id': 'auto' },
      ] as never,
      policies: [],
    };
    const engine = new IkeEngine({ config, random: (n) => new Uint8Array(randomBytes(n)), now: () => Date.now() });
    const sent = engine.command({ type: 'initiate', peer: 'agent' }).find((a) => a.type === 'send');
    if (!sent || sent.type !== 'send') throw new Error(`no IKE_SA_INIT for ${dh}`);
    return Buffer.from(sent.data);
  });
}

/** One mutation of a real message: what a broken or hostile peer sends. */
function mutate(rng: Rng, original: Buffer): Buffer {
  const m = Buffer.from(original);
  switch (rng.int(8)) {
    case 0: // a few bit flips
      for (let i = rng.int(8) + 1; i > 0; i--) m[rng.int(m.length)]! ^= 1 << rng.int(8);
      return m;
    case 1: // cut short
      return m.subarray(0, rng.int(m.length));
    case 2: // a run of random bytes
      return Buffer.concat([
        m.subarray(0, rng.int(m.length)),
        rng.bytes(rng.int(64) + 1),
        m.subarray(rng.int(m.length)),
      ]);
    case 3: // the header's length field lies
      m.writeUInt32BE(rng.pick([0, 1, 27, 28, m.length - 1, m.length + 1, 0xffffffff, rng.int(2 ** 32)]), 24);
      return m;
    case 4: // a payload's length lies (generic payload header right after the IKE header, then anywhere)
      m.writeUInt16BE(rng.pick([0, 1, 3, 4, 0xffff, rng.int(0x10000)]), rng.pick([30, 28 + rng.int(m.length - 30)]));
      return m;
    case 5: // next-payload, version, exchange type or flags changed
      m[rng.pick([16, 17, 18, 19, 28])] = rng.int(256);
      return m;
    case 6: // SPIs zeroed or random
      (rng.int(2) ? Buffer.alloc(16) : rng.bytes(16)).copy(m, 0);
      return m;
    default: // trailing garbage
      return Buffer.concat([m, rng.bytes(rng.int(200) + 1)]);
  }
}

const NON_ESP_MARKER = Buffer.alloc(4);

/** ESP in UDP (RFC 3948): SPI, sequence number, then ciphertext and ICV that authenticate nothing. */
function esp(rng: Rng, spi: number): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(spi, 0);
  head.writeUInt32BE(rng.int(2 ** 32), 4);
  return Buffer.concat([head, rng.bytes(rng.int(160))]);
}

/** The datagrams of one run: [port, bytes], mixed. */
function datagrams(seed: number, inits: Buffer[], inboundSpi: number, count: number): [number, Buffer][] {
  const rng = prng(seed);
  const out: [number, Buffer][] = [];
  for (let i = 0; i < count; i++) {
    switch (rng.int(6)) {
      case 0:
        out.push([500, mutate(rng, rng.pick(inits))]);
        break;
      case 1:
        out.push([4500, Buffer.concat([NON_ESP_MARKER, mutate(rng, rng.pick(inits))])]);
        break;
      case 2:
        out.push([rng.pick([500, 4500]), rng.bytes(rng.int(600))]);
        break;
      case 3: {
        // a header that parses, for SPIs and exchanges nobody has
        const h = Buffer.concat([
          rng.bytes(16),
          Buffer.from([rng.int(256), 0x20, rng.pick([34, 35, 36, 37])]),
          rng.bytes(9),
        ]);
        h[19] = rng.pick([0x08, 0x20, 0x28]);
        h.writeUInt32BE(28, 24);
        out.push([500, h]);
        break;
      }
      case 4:
        out.push([4500, esp(rng, inboundSpi)]);
        break;
      default:
        out.push([4500, esp(rng, rng.int(2 ** 32 - 1) + 1)]);
    }
  }
  return out;
}

/** Send them from the namespace `ns`, paced so that the socket buffers, not the pacing, decide what arrives. */
function sendFrom(ns: string, to: string, list: [number, Buffer][], dir: string): void {
  const file = join(dir, 'fuzz.json');
  writeFileSync(file, JSON.stringify(list.map(([port, b]) => [port, b.toString('hex')])));
  const sender = `const d = require('node:dgram').createSocket('udp4');
    const list = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'));
    let i = 0;
    const burst = () => {
      for (let n = 0; n < 20 && i < list.length; n++, i++) d.send(Buffer.from(list[i][1], 'hex'), list[i][0], '${to}');
      if (i < list.length) setTimeout(burst, 2); else setTimeout(() => d.close(), 200);
    };
    burst();`;
  sh(process.execPath, ['-e', sender], { ns });
}

const ikeDrops = (stats: Record<string, string>) =>
  Object.entries(stats)
    .filter(([k]) => k.startsWith('ike-'))
    .reduce((sum, [, v]) => sum + Number(v), 0);

describe.skipIf(skip)('IKE/ESP fuzz against the live agent', () => {
  beforeAll(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    await charon.start();
    charon.load(charonPskConf(hosts));
    await agent.start();
    await configurePskAgent(agent, hosts, { passive: true });
  }, 60_000);
  afterAll(() => {
    agent?.cleanup();
    charon?.cleanup();
    hosts?.down();
  });

  it('3000 hostile datagrams on 500/4500: REST answers, the SA is unharmed, a new one comes up, drops counted', async () => {
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(/initiate completed/);
    const installed = (await agent.rest('GET', 'ip/ipsec/installed-sa')).json as {
      spi: string;
      'dst-address': string;
    }[];
    const inbound = installed.find((sa) => sa['dst-address'] === hosts.a.addr);
    expect(inbound).toBeDefined();
    const before = (await agent.rest('GET', 'ip/ipsec/statistics')).json as Record<string, string>;

    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const list = datagrams(seed, realSaInits(hosts.a.addr, hosts.b.addr), Number(inbound!.spi), 3000);
    const started = Date.now();
    sendFrom(hosts.b.ns, hosts.a.addr, list, agent.dir);
    expect(Date.now() - started, 'sending took too long').toBeLessThan(30_000);

    // the agent still answers, and counted what it dropped
    const after = await until('the IKE drop counters to move', async () => {
      const r = await agent.rest('GET', 'ip/ipsec/statistics');
      return r.status === 200 && ikeDrops(r.json) > ikeDrops(before) + 100
        ? (r.json as Record<string, string>)
        : undefined;
    });
    console.log(`fuzz seed ${seed}: ike-* drops ${ikeDrops(before)} -> ${ikeDrops(after)}`);

    // the established SA is unharmed
    expect(charon.listSas()).toMatch(/ESTABLISHED/);
    const peers = (await agent.rest('GET', 'ip/ipsec/active-peers')).json as {
      state: string;
      'remote-address': string;
    }[];
    expect(peers.filter((p) => p['remote-address'] === hosts.b.addr).map((p) => p.state)).toContain('established');

    // and a new IKE SA still comes up
    charon.swanctl(['--terminate', '--ike', 'ours', '--timeout', '10']);
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(/initiate completed/);
    expect(charon.listSas()).toMatch(/ESTABLISHED/);
    expect((await agent.rest('GET', 'ip/ipsec/proposal')).status).toBe(200);
  }, 90_000);
});

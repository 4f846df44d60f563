// IKEv1 main mode (PSK) and quick mode between two engines on the manual clock of world.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action, IkeConfig, IkeStateAction, SendAction } from '../src/index.ts';
import { A, B, configs, pair } from './world.ts';

function v1(
  over: { profile?: object; proposal?: object; secretB?: string; a?: Partial<IkeConfig>; b?: Partial<IkeConfig> } = {},
) {
  const cfg = configs(over);
  cfg.a.peers = cfg.a.peers.map((p) => ({ ...p, 'exchange-mode': 'main' }));
  cfg.b.peers = cfg.b.peers.map((p) => ({ ...p, 'exchange-mode': 'main' }));
  // IKEv1 cannot narrow (RFC 2409 5.5: the responder takes the IDs or refuses): B's policy covers A's /16
  cfg.b.policies = cfg.b.policies?.map((p) => ({ ...p, 'src-address': '10.2.0.0/16' }));
  return cfg;
}

const states = (n: ReturnType<typeof pair>, side: 'a' | 'b') =>
  n.log.filter((l) => l.side === side && l.action.type === 'ikeSaState').map((l) => l.action as IkeStateAction);

describe('IKEv1 main mode + quick mode, engine to engine', () => {
  for (const [name, profile, proposal] of [
    [
      'AES-256/SHA256/modp2048, ESP AES-256/SHA256',
      { 'enc-algorithm': ['aes-256'], 'hash-algorithm': 'sha256', 'dh-group': ['modp2048'] },
      { 'enc-algorithms': ['aes-256-cbc'], 'auth-algorithms': ['sha256'] },
    ],
    [
      'TP-Link: 3DES/MD5/modp1024, ESP 3DES/MD5, 28800 s',
      { 'enc-algorithm': ['3des'], 'hash-algorithm': 'md5', 'dh-group': ['modp1024'], lifetime: 28800 },
      { 'enc-algorithms': ['3des'], 'auth-algorithms': ['md5'], lifetime: 28800 },
    ],
    [
      'AES-128/SHA1/ecp256 with PFS modp1536',
      { 'enc-algorithm': ['aes-128'], 'hash-algorithm': 'sha1', 'dh-group': ['ecp256'] },
      { 'enc-algorithms': ['aes-128-cbc'], 'auth-algorithms': ['sha1'], 'pfs-group': 'modp1536' },
    ],
  ] as const) {
    it(`establishes phase 1 and 2: ${name}`, () => {
      const n = pair(v1({ profile, proposal }));
      n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
      const ia = n.installs('a');
      const ib = n.installs('b');
      expect(ia).toHaveLength(1);
      expect(ib).toHaveLength(1);
      const a = ia[0]!;
      const b = ib[0]!;
      // the two ends agree: each one's outbound is the other's inbound, keys included
      expect(a.outbound.spi).toBe(b.inbound.spi);
      expect(a.inbound.spi).toBe(b.outbound.spi);
      expect(Buffer.from(a.outbound.encKey).toString('hex')).toBe(Buffer.from(b.inbound.encKey).toString('hex'));
      expect(Buffer.from(a.outbound.integKey!).toString('hex')).toBe(Buffer.from(b.inbound.integKey!).toString('hex'));
      expect(Buffer.from(a.inbound.encKey).toString('hex')).not.toBe(Buffer.from(a.outbound.encKey).toString('hex'));
      expect(a.outbound.encAlgorithm).toBe(proposal['enc-algorithms'][0]);
      expect(a.outbound.integAlgorithm).toBe(proposal['auth-algorithms'][0]);
      expect(a.outbound.encKey.length).toBe(
        proposal['enc-algorithms'][0] === 'aes-128-cbc' ? 16 : proposal['enc-algorithms'][0] === '3des' ? 24 : 32,
      );
      expect(a.mode).toBe('tunnel');
      expect(a.tsLocal).toEqual([
        { start: '10.1.0.0', end: '10.1.255.255', protocol: 0, startPort: 0, endPort: 65535 },
      ]);
      expect(b.tsLocal).toEqual(a.tsRemote);
      expect(b.tsRemote).toEqual(a.tsLocal);
      expect(a.lifetime).toBe('lifetime' in proposal ? proposal.lifetime : 1800);
      expect(a.outbound.src).toBe(A.address);
      expect(b.outbound.src).toBe(B.address);
      // Active Peers: established IKEv1 SAs, with the peer's authenticated identity
      const sa = states(n, 'a').at(-1)!;
      expect(sa).toMatchObject({ state: 'established', version: 1, remoteId: 'fqdn:b.example', initiator: true });
      expect(states(n, 'b').at(-1)).toMatchObject({ state: 'established', version: 1, remoteId: 'fqdn:a.example' });
      expect(n.a.list()[0]).toMatchObject({ state: 'established', peer: 'to-b' });
      expect(n.b.list()[0]!.children).toHaveLength(1);
      // exactly 6 + 3 datagrams
      expect(n.log.filter((l) => l.action.type === 'send')).toHaveLength(9);
    });
  }

  it('NAT-T (RFC 3947): with forced encapsulation both float to 4500 and ESP goes in UDP', () => {
    const n = pair(v1(), { a: { forceEncap: true } });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const ports = n.log
      .filter((l) => l.action.type === 'send')
      .map((l) => (l.action as { to: { port: number } }).to.port);
    expect(ports).toEqual([500, 500, 500, 500, 4500, 4500, 4500, 4500, 4500]);
    expect(n.installs('a')[0]!.encap).toEqual({ localPort: 4500, remotePort: 4500 });
    expect(n.installs('b')[0]!.encap).toEqual({ localPort: 4500, remotePort: 4500 });
    expect(n.events('b').join('\n')).toMatch(/NAT detected \(peer\)/);
  });

  it('without NAT nothing floats and ESP is plain', () => {
    const n = pair(v1());
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('a')[0]!.encap).toBeUndefined();
    expect(
      n.log
        .filter((l) => l.action.type === 'send')
        .every((l) => (l.action as { to: { port: number } }).to.port === 500),
    ).toBe(true);
  });

  it('a wrong pre-shared key fails phase 1 on the responder and installs nothing', () => {
    const n = pair(v1({ secretB: 'wrong horse' }));
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('a')).toHaveLength(0);
    expect(n.installs('b')).toHaveLength(0);
    expect(n.events('b').join('\n')).toMatch(/wrong pre-shared key/);
    expect(n.events('b').join('\n')).not.toMatch(/horse/);
  });

  it('no common phase 1 proposal is logged with both sides', () => {
    const n = pair(v1());
    n.b.setConfig({
      ...v1().b,
      profiles: [{ name: 'p', 'enc-algorithm': ['3des'], 'hash-algorithm': 'sha1', 'dh-group': ['modp1024'] }],
    });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.events('b').join('\n')).toMatch(
      /no suitable proposal found: peer offers aes-256\/sha256\/ecp256\/86400s; we accept 3des\/sha1\/modp1024/,
    );
    // the initiator gives up after its retransmissions: "phase1 negotiation failed due to time up"
    for (let i = 0; i < 8; i++) n.advance(45_000);
    expect(n.events('a').join('\n')).toMatch(/phase1 negotiation failed due to time up/);
    expect(n.a.list()).toHaveLength(0);
  });

  it('retransmits a lost message and the responder answers repeats with its last answer', () => {
    let dropped = 0;
    // lose the responder's 6th message once (the 6th datagram on the wire)
    const n = pair(v1(), { drop: (_s, i) => i === 5 && ++dropped === 1 });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('a')).toHaveLength(0);
    n.advance(4_000);
    expect(n.installs('a')).toHaveLength(1);
    expect(n.installs('b')).toHaveLength(1);
    expect(dropped).toBe(1);
  });

  it('phase 2 proposal mismatch is refused and logged', () => {
    const n = pair(v1());
    const b = v1().b;
    n.b.setConfig({
      ...b,
      proposals: [{ name: 'esp', 'enc-algorithms': ['3des'], 'auth-algorithms': ['sha1'], 'pfs-group': 'none' }],
    });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('b')).toHaveLength(0);
    expect(n.events('b').join('\n')).toMatch(
      /no suitable proposal found for phase 2: peer offers aes-256-cbc\/sha256\/1800s/,
    );
  });

  it('phase 2 lifetime expiry removes the SA; terminate removes the ISAKMP SA', () => {
    const n = pair(v1({ proposal: { lifetime: 600 } }));
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('a')).toHaveLength(1);
    n.advance(600_000);
    expect(n.log.filter((l) => l.side === 'a' && l.action.type === 'deleteSa')).toHaveLength(1);
    n.deliver('a', n.a.command({ type: 'terminate', peer: 'to-b' }));
    expect(n.a.list()).toHaveLength(0);
  });

  it('terminate sends DELETE for the IPsec SA and the ISAKMP SA: the peer removes both', () => {
    const n = pair(v1());
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.b.list()[0]!.children).toHaveLength(1);
    n.deliver('a', n.a.command({ type: 'terminate', peer: 'to-b' }));
    const deleted = n.log.filter((l) => l.side === 'b' && l.action.type === 'deleteSa').map((l) => l.action);
    expect(deleted).toMatchObject([{ reason: 'deleted by peer', inboundSpi: n.installs('a')[0]!.outbound.spi }]);
    expect(n.b.list()).toHaveLength(0);
    expect(states(n, 'b').at(-1)).toMatchObject({ state: 'dead' });
  });

  it('an IKEv1 packet for an ike2-only responder is logged plainly', () => {
    const cfg = v1();
    cfg.b.peers = cfg.b.peers.map((p) => ({ ...p, 'exchange-mode': 'ike2' }));
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.events('b').join('\n')).toMatch(
      /peer 192\.0\.2\.1 speaks IKEv1 \(main mode\).*peer from-a is set to ike2/,
    );
  });

  it('mutated IKEv1 messages never throw inside the engine (no internal error), established or fresh', () => {
    const cfg = () => v1({ proposal: { 'pfs-group': 'modp1024' } });
    const seedRun = pair(cfg(), { a: { forceEncap: true } });
    seedRun.deliver('a', seedRun.a.command({ type: 'initiate', peer: 'to-b' }));
    const corpus = seedRun.log.filter((l) => l.action.type === 'send').map((l) => l.action as SendAction);
    expect(corpus).toHaveLength(9);
    // the same seeds give the same cookies and keys: mutations of the real messages reach decryption and the hashes
    const established = pair(cfg(), { a: { forceEncap: true } });
    established.deliver('a', established.a.command({ type: 'initiate', peer: 'to-b' }));
    const fresh = pair(cfg(), { a: { forceEncap: true } });
    fc.assert(
      fc.property(
        fc.nat(corpus.length - 1),
        fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (pick, flips) => {
          const s = corpus[pick]!;
          const data = s.data.slice();
          for (const [at, v] of flips) data[at % data.length] = v;
          const out: Action[] = [];
          for (const n of [established, fresh]) {
            const target = s.from.address === A.address ? n.b : n.a;
            out.push(...target.datagram({ from: s.from, to: s.to, data }));
          }
          for (const a of out) if (a.type === 'event') expect(a.message).not.toMatch(/internal error/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

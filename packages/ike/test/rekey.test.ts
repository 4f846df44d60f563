// IKE SA rekeying (RFC 7296 1.3.2, 2.18), simultaneous rekeys (2.8), COOKIE as responder (2.6),
// fragmentation (RFC 7383), mode config (CP, 3.15), DPD failures and INITIAL_CONTACT, engine to engine.
import { formatTsRange } from '../src/ts.ts';
import { describe, expect, it } from 'vitest';
import type { Action, IkeEngine, InstallSaAction, SendAction } from '../src/index.ts';
import { hex } from '../src/util/bytes.ts';
import { configs, pair } from './world.ts';

const sends = (acts: Action[]) => acts.filter((a): a is SendAction => a.type === 'send');

function expectMatchingChild(ia: InstallSaAction, ib: InstallSaAction) {
  expect(ia.outbound.spi).toBe(ib.inbound.spi);
  expect(ia.inbound.spi).toBe(ib.outbound.spi);
  expect(hex(ia.outbound.encKey)).toBe(hex(ib.inbound.encKey));
  expect(hex(ia.inbound.encKey)).toBe(hex(ib.outbound.encKey));
}

/** Both engines hold exactly one established IKE SA, the same one, with the same CHILD_SAs. */
function expectOneSharedSa(a: IkeEngine, b: IkeEngine, children = 1) {
  const la = a.list();
  const lb = b.list();
  expect(la.map((s) => s.state)).toEqual(['established']);
  expect(lb.map((s) => s.state)).toEqual(['established']);
  expect(la[0]!.spiI).toBe(lb[0]!.spiI);
  expect(la[0]!.spiR).toBe(lb[0]!.spiR);
  expect(la[0]!.initiator).toBe(!lb[0]!.initiator);
  expect(la[0]!.children.length).toBe(children);
  expect(lb[0]!.children.length).toBe(children);
  for (const c of la[0]!.children)
    expect(lb[0]!.children.some((d) => d.spiIn === c.spiOut && d.spiOut === c.spiIn)).toBe(true);
}

describe('IKE SA rekey', () => {
  for (const who of ['a', 'b'] as const) {
    it(`rekeyed by the ${who === 'a' ? 'original initiator' : 'original responder'}: CHILD_SAs move, old SA deleted, new SA works`, () => {
      const n = pair(configs({ profile: { 'dh-group': ['ecp256', 'modp2048'] }, proposal: { 'pfs-group': 'ecp256' } }));
      n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
      const before = n.a.list()[0]!;
      const eng = who === 'a' ? n.a : n.b;
      n.deliver(who, eng.command({ type: 'rekey-ike', ikeSa: eng.list()[0]!.id }));
      expectOneSharedSa(n.a, n.b);
      const after = n.a.list()[0]!;
      expect(after.id).not.toBe(before.id);
      expect(after.spiI).not.toBe(before.spiI);
      expect(after.initiator).toBe(who === 'a');
      expect(after.children[0]!.spiIn).toBe(before.children[0]!.spiIn); // same ESP SAs, not reinstalled
      expect(n.log.filter((l) => l.action.type === 'deleteSa')).toEqual([]);
      const moved = n.log.filter((l) => l.action.type === 'ikeSaRekeyed').map((l) => l.action);
      expect(moved).toHaveLength(2);
      expect(moved[0]).toMatchObject({ replaces: before.id, children: [before.children[0]!.id] });
      // The new SA carries traffic: a CHILD_SA rekey with PFS and a DPD on it.
      n.deliver('a', n.a.command({ type: 'rekey-child', ikeSa: after.id, child: after.children[0]!.id }));
      const ia = n.installs('a');
      const ib = n.installs('b');
      expect(ia).toHaveLength(2);
      expectMatchingChild(ia[1]!, ib[1]!);
      expect(ia[1]!.ikeSa).toBe(after.id);
      expectOneSharedSa(n.a, n.b);
      n.deliver('b', n.b.command({ type: 'dpd', ikeSa: n.b.list()[0]!.id }));
      expectOneSharedSa(n.a, n.b);
      // and a second IKE rekey from the other side
      const other = who === 'a' ? n.b : n.a;
      n.deliver(who === 'a' ? 'b' : 'a', other.command({ type: 'rekey-ike', ikeSa: other.list()[0]!.id }));
      expectOneSharedSa(n.a, n.b);
    });
  }

  it('soft lifetime: rekeyed at 85-90% of the profile lifetime, repeatedly, without losing CHILD_SAs', () => {
    const n = pair(configs({ profile: { lifetime: 1000 }, proposal: { lifetime: 100_000 } }));
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const first = n.a.list()[0]!.id;
    n.advance(849_000);
    expect(n.a.list()[0]!.id).toBe(first);
    n.advance(51_000);
    expectOneSharedSa(n.a, n.b);
    expect(n.a.list()[0]!.id).not.toBe(first);
    for (let i = 0; i < 5; i++) n.advance(900_000);
    expectOneSharedSa(n.a, n.b);
    expect(n.log.filter((l) => l.action.type === 'ikeSaRekeyed').length).toBeGreaterThanOrEqual(12);
    expect(n.log.filter((l) => l.action.type === 'deleteSa')).toEqual([]);
    expect(
      n
        .events('a')
        .concat(n.events('b'))
        .some((e) => e.includes('hard lifetime')),
    ).toBe(false);
  });

  it('simultaneous IKE SA rekey: one new SA survives on both sides with the CHILD_SAs (2.8.2)', () => {
    const losers = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const n = pair(configs({ proposal: { 'pfs-group': 'ecp256' } }), { seeds: [10 + seed, 20 + seed] });
      n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
      const ra = sends(n.a.command({ type: 'rekey-ike', ikeSa: n.a.list()[0]!.id }));
      const rb = sends(n.b.command({ type: 'rekey-ike', ikeSa: n.b.list()[0]!.id }));
      expect(ra).toHaveLength(1);
      expect(rb).toHaveLength(1);
      const bAnswers = n.b.datagram({ from: ra[0]!.from, to: ra[0]!.to, data: ra[0]!.data });
      const aAnswers = n.a.datagram({ from: rb[0]!.from, to: rb[0]!.to, data: rb[0]!.data });
      // Which answer lands first alternates: the other side then sees the winner's Delete before its own answer.
      if (seed % 2) {
        n.deliver('a', aAnswers);
        n.deliver('b', bAnswers);
      } else {
        n.deliver('b', bAnswers);
        n.deliver('a', aAnswers);
      }
      for (let i = 0; i < 40; i++) n.advance(10_000); // redundant SAs nobody deleted time out
      expectOneSharedSa(n.a, n.b);
      expect(n.log.filter((l) => l.action.type === 'deleteSa')).toEqual([]);
      expect(
        n
          .events('a')
          .concat(n.events('b'))
          .some((e) => e.includes('IKE SA rekey collision')),
      ).toBe(true);
      const all = n.events('a').concat(n.events('b'));
      if (all.some((e) => e.includes('ours has the lowest nonce'))) losers.add('lost');
      if (all.some((e) => e.includes('ours wins'))) losers.add('won');
      // the survivor works
      n.deliver(
        'a',
        n.a.command({ type: 'rekey-child', ikeSa: n.a.list()[0]!.id, child: n.a.list()[0]!.children[0]!.id }),
      );
      expectOneSharedSa(n.a, n.b);
    }
    expect([...losers].sort()).toEqual(['lost', 'won']); // both resolutions exercised
  });

  it('simultaneous CHILD_SA rekey: exactly one new CHILD_SA survives on both sides (2.8.1)', () => {
    const losers = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const n = pair(configs({ proposal: { 'pfs-group': 'ecp256' } }), { seeds: [30 + seed, 40 + seed] });
      n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
      const sa = n.a.list()[0]!;
      const sb = n.b.list()[0]!;
      const ra = sends(n.a.command({ type: 'rekey-child', ikeSa: sa.id, child: sa.children[0]!.id }));
      const rb = sends(n.b.command({ type: 'rekey-child', ikeSa: sb.id, child: sb.children[0]!.id }));
      const bAnswers = n.b.datagram({ from: ra[0]!.from, to: ra[0]!.to, data: ra[0]!.data });
      const aAnswers = n.a.datagram({ from: rb[0]!.from, to: rb[0]!.to, data: rb[0]!.data });
      n.deliver('b', bAnswers);
      n.deliver('a', aAnswers);
      n.advance(1000);
      expectOneSharedSa(n.a, n.b);
      expect(n.a.list()[0]!.children[0]!.spiIn).not.toBe(sa.children[0]!.spiIn);
      for (const side of ['a', 'b'] as const)
        if (n.events(side).some((e) => e.includes('has the lowest nonce and goes'))) losers.add(side);
    }
    expect([...losers].sort()).toEqual(['a', 'b']);
  });

  it('CHILD_SA request during an IKE SA rekey gets TEMPORARY_FAILURE and is retried', () => {
    const n = pair(configs({ proposal: { lifetime: 600 } }));
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const ra = sends(n.a.command({ type: 'rekey-ike', ikeSa: n.a.list()[0]!.id }));
    const sb = n.b.list()[0]!;
    const rb = sends(n.b.command({ type: 'rekey-child', ikeSa: sb.id, child: sb.children[0]!.id }));
    const aAnswers = n.a.datagram({ from: rb[0]!.from, to: rb[0]!.to, data: rb[0]!.data });
    n.deliver('a', aAnswers);
    n.deliver('b', n.b.datagram({ from: ra[0]!.from, to: ra[0]!.to, data: ra[0]!.data }));
    expect(n.events('b').some((e) => e.includes('TEMPORARY_FAILURE'))).toBe(true);
    for (let i = 0; i < 10; i++) n.advance(1000);
    expectOneSharedSa(n.a, n.b);
  });
});

describe('responder protections and options', () => {
  it('asks for a COOKIE above the half-open threshold; a cookie-carrying initiator gets through', () => {
    // threshold 0: every IKE_SA_INIT needs a cookie
    const n = pair(configs(), { b: { cookieThreshold: 0 } });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.events('a').some((e) => e.includes('asked for a COOKIE'))).toBe(true);
    expect(n.events('b').some((e) => e.includes('asking 192.0.2.1 for a COOKIE'))).toBe(true);
    expectOneSharedSa(n.a, n.b);
    // no state is kept for cookie-less requests: a flood leaves nothing behind
    const n2 = pair(configs(), { b: { cookieThreshold: 0 } });
    for (let i = 0; i < 20; i++) {
      const init = sends(n2.a.command({ type: 'initiate', peer: 'to-b' }))[0];
      if (init) n2.b.datagram({ from: init.from, to: init.to, data: init.data });
      n2.a.command({ type: 'terminate' });
    }
    expect(n2.b.list()).toEqual([]);
    // a wrong cookie is refused with a fresh COOKIE, again without state
    const init = sends(n2.a.command({ type: 'initiate', peer: 'to-b' }))[0]!;
    const forged = init.data.slice();
    const answer = sends(n2.b.datagram({ from: { address: '192.0.2.77', port: 500 }, to: init.to, data: forged }));
    expect(answer).toHaveLength(1);
    expect(n2.b.list()).toEqual([]);
  });

  it('the half-open table (cookie threshold, maxHalfOpen) lets go of an SA at IKE_AUTH and at the half-open timeout', () => {
    const halfOpen = (e: IkeEngine) => (e as unknown as { halfOpen: Map<string, unknown> }).halfOpen.size;
    const n = pair();
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expectOneSharedSa(n.a, n.b);
    expect(halfOpen(n.b)).toBe(0);
    const n2 = pair();
    for (let i = 0; i < 3; i++) {
      const init = sends(n2.a.command({ type: 'initiate', peer: 'to-b' }))[0]!;
      n2.b.datagram({ from: init.from, to: init.to, data: init.data });
      n2.a.command({ type: 'terminate' });
    }
    expect(n2.b.list().map((s) => s.state)).toEqual(['init-done', 'init-done', 'init-done']);
    expect(halfOpen(n2.b)).toBe(3);
    n2.advance(31_000);
    expect(n2.b.list()).toEqual([]);
    expect(halfOpen(n2.b)).toBe(0);
  });

  it('fragments a large IKE_AUTH and reassembles it (RFC 7383)', () => {
    const policies = Array.from({ length: 1 }, () => ({
      peer: 'to-b',
      tunnel: true,
      'src-address': '10.1.0.0/16',
      'dst-address': '10.2.0.0/16',
      proposal: 'esp',
    }));
    // many ESP algorithms make the SA payload of IKE_AUTH large
    const big = {
      'enc-algorithms': [
        'aes-256-cbc',
        'aes-192-cbc',
        'aes-128-cbc',
        'aes-256-ctr',
        'aes-192-ctr',
        'aes-128-ctr',
        '3des',
        'aes-256-gcm',
        'aes-128-gcm',
        'aes-192-gcm',
      ],
      'auth-algorithms': ['sha256', 'sha1', 'sha512', 'sha384', 'md5'],
    };
    const cfg = configs({ proposal: big, a: { policies } });
    const n = pair(cfg, { a: { fragmentSize: 300 }, b: { fragmentSize: 300 } });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expectOneSharedSa(n.a, n.b);
    const authSends = n.log.filter((l) => l.side === 'a' && l.action.type === 'send').slice(1);
    expect(authSends.length).toBeGreaterThan(1);
    for (const s of authSends) expect((s.action as SendAction).data.length).toBeLessThanOrEqual(300 - 28);
    expect(n.events('a').some((e) => e.includes('fragments'))).toBe(true);
  });

  it('a peer that stops answering is dead after dpd-maximum-failures retransmissions at dpd-interval', () => {
    let cut = false;
    const n = pair(configs({ profile: { 'dpd-interval': 2, 'dpd-maximum-failures': 2 } }), { drop: () => cut });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    cut = true;
    let t = 0;
    while (n.a.list().length && t < 60_000) {
      n.advance(500);
      t += 500;
    }
    expect(n.a.list()).toEqual([]);
    expect(t).toBeLessThanOrEqual(8_500);
    expect(n.log.filter((l) => l.side === 'a' && l.action.type === 'deleteSa')).toHaveLength(1);
  });

  it('INITIAL_CONTACT from a restarted peer removes the SAs we still hold for it', () => {
    const cfg = configs();
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const old = n.b.list()[0]!.id;
    // A restarts: a fresh engine with the same config
    const n2 = pair(cfg);
    const init = n2.a.command({ type: 'initiate', peer: 'to-b' });
    // route A2 <-> B by hand
    let q: { side: 'a' | 'b'; acts: Action[] }[] = [{ side: 'a', acts: init }];
    while (q.length) {
      const { side, acts } = q.shift()!;
      const next: typeof q = [];
      for (const s of sends(acts))
        next.push({
          side: side === 'a' ? 'b' : 'a',
          acts: (side === 'a' ? n.b : n2.a).datagram({ from: s.from, to: s.to, data: s.data }),
        });
      q = q.concat(next);
    }
    expect(n.b.list().map((s) => s.id)).not.toContain(old);
    expect(n.b.list()).toHaveLength(1);
    expect(n2.a.list()[0]!.state).toBe('established');
  });
});

/** A asks for mode config (request-only, any inner address to 10.2.0.0/16); B answers with mode config "rw" (to be set). */
function modeConfigConfigs() {
  const cfg = configs();
  cfg.a.identities = [{ ...cfg.a.identities![0]!, 'mode-config': 'request-only' }];
  cfg.a.policies = [
    { peer: 'to-b', tunnel: true, 'src-address': '0.0.0.0/0', 'dst-address': '10.2.0.0/16', proposal: 'esp' },
  ];
  cfg.b.identities = [{ ...cfg.b.identities![0]!, 'mode-config': 'rw' }];
  cfg.b.policies = [
    { peer: 'from-a', tunnel: true, 'src-address': '10.2.0.0/24', 'dst-address': '10.99.0.0/24', proposal: 'esp' },
  ];
  return cfg;
}

describe('mode config (CP)', () => {
  it('responder hands out address, DNS and split-include; the initiator (request-only) accepts; TSi narrowed to the address', () => {
    const cfg = modeConfigConfigs();
    cfg.b.modeConfigs = [
      {
        name: 'rw',
        responder: true,
        address: '10.99.0.7',
        'static-dns': ['10.2.0.53'],
        'split-include': ['10.2.0.0/24'],
      },
    ];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]!.virtualIp).toBe('10.99.0.7');
    expect(n.b.list()[0]!.virtualIp).toBe('10.99.0.7');
    expect(n.events('a').some((e) => e.includes('dns 10.2.0.53') && e.includes('split-include 10.2.0.0/24'))).toBe(
      true,
    );
    const [ia] = n.installs('a');
    expect(ia!.tsLocal.map(formatTsRange)).toEqual(['10.99.0.7-10.99.0.7']);
    expect(ia!.tsRemote.map(formatTsRange)).toEqual(['10.2.0.0-10.2.0.255']);
    const state = n.log.find(
      (l) => l.side === 'b' && l.action.type === 'ikeSaState' && l.action.state === 'established',
    )!.action;
    expect(state).toMatchObject({ virtualIp: '10.99.0.7' });
  });

  it("system-dns hands out the router's own DNS servers when static-dns is empty; split-dns goes as INTERNAL_DNS_DOMAIN", () => {
    const cfg = modeConfigConfigs();
    cfg.b.modeConfigs = [
      {
        name: 'rw',
        responder: true,
        address: '10.99.0.7',
        'system-dns': true,
        'split-dns': ['corp.example', 'lab.example'],
      },
    ];
    cfg.b.systemDns = ['10.2.0.53', '2001:db8::53'];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(
      n
        .events('a')
        .some((e) => e.includes('dns 10.2.0.53,2001:db8::53') && e.includes('split-dns corp.example,lab.example')),
    ).toBe(true);
    // static-dns wins over system-dns
    cfg.b.modeConfigs = [
      { name: 'rw', responder: true, address: '10.99.0.7', 'system-dns': true, 'static-dns': ['10.2.0.99'] },
    ];
    const m = pair(cfg);
    m.deliver('a', m.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(m.events('a').some((e) => e.includes('dns 10.2.0.99') && !e.includes('10.2.0.53'))).toBe(true);
  });

  it('address-pool naming a pool that does not exist: clear error, INTERNAL_ADDRESS_FAILURE, no CHILD_SA', () => {
    const cfg = configs();
    cfg.a.identities = [{ ...cfg.a.identities![0]!, 'mode-config': 'request-only' }];
    cfg.b.identities = [{ ...cfg.b.identities![0]!, 'mode-config': 'rw' }];
    cfg.b.modeConfigs = [{ name: 'rw', responder: true, 'address-pool': 'pool1' }];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.events('b').some((e) => e.includes('address-pool=pool1: pool pool1 does not exist'))).toBe(true);
    expect(n.installs('a')).toEqual([]);
    expect(n.events('a').some((e) => e.includes('INTERNAL_ADDRESS_FAILURE (36)'))).toBe(true);
  });
});

// IP > Pool leases for mode config (address-pool), engine to engine: one responder, several road warriors.
import { formatTsRange } from '../src/ts.ts';
import { describe, expect, it } from 'vitest';
import { err, ok } from '@ipsec/schema';
import {
  AddressLeases,
  IkeEngine,
  type Action,
  type IkeConfig,
  type InstallSaAction,
  type PoolConfig,
} from '../src/index.ts';
import { seededRandom } from './helpers.ts';
import { B } from './world.ts';

const profile = {
  name: 'p',
  'hash-algorithm': 'sha256',
  'enc-algorithm': ['aes-256'],
  'dh-group': ['ecp256'],
  'dpd-interval': 'disable-dpd',
  lifetime: 3600,
} as const;
const proposal = {
  name: 'esp',
  'auth-algorithms': ['sha256'],
  'enc-algorithms': ['aes-256-cbc'],
  'pfs-group': 'none',
} as const;

function server(pools: PoolConfig[], pool = 'rw-pool'): IkeConfig {
  return {
    peers: [{ name: 'rw', address: '0.0.0.0/0', 'exchange-mode': 'ike2', profile: 'p', passive: true }],
    profiles: [profile as never],
    proposals: [proposal as never],
    identities: [
      {
        peer: 'rw',
        'auth-method': 'pre-shared-key',
        secret: 'correct horse',
        'my-id': 'fqdn:b.example',
        'remote-id': 'auto',
        'mode-config': 'rw',
      },
    ],
    policies: [
      { peer: 'rw', tunnel: true, 'src-address': '10.2.0.0/24', 'dst-address': '10.99.0.0/24', proposal: 'esp' },
    ],
    modeConfigs: [{ name: 'rw', responder: true, 'address-pool': pool }],
    pools,
  };
}

function client(n: number, id = `fqdn:c${n}.example`): IkeConfig {
  return {
    peers: [
      {
        name: 'to-b',
        address: B.address,
        'exchange-mode': 'ike2',
        profile: 'p',
        'local-address': `192.0.2.${n}`,
        'send-initial-contact': false,
      },
    ],
    profiles: [profile as never],
    proposals: [proposal as never],
    identities: [
      {
        peer: 'to-b',
        'auth-method': 'pre-shared-key',
        secret: 'correct horse',
        'my-id': id,
        'remote-id': 'fqdn:b.example',
        'mode-config': 'request-only',
      },
    ],
    policies: [
      { peer: 'to-b', tunnel: true, 'src-address': '0.0.0.0/0', 'dst-address': '10.2.0.0/24', proposal: 'esp' },
    ],
  };
}

/** A responder B and road warriors 192.0.2.1.. on one in-memory network with a shared clock. */
function world(pools: PoolConfig[], clients: number, pool?: string, ids: Record<number, string> = {}) {
  const clock = { t: 1_000_000 };
  const b = new IkeEngine({ config: server(pools, pool), random: seededRandom(100), now: () => clock.t });
  const cs = Array.from(
    { length: clients },
    (_, i) => new IkeEngine({ config: client(i + 1, ids[i + 1]), random: seededRandom(i + 1), now: () => clock.t }),
  );
  const log: { who: number; action: Action }[] = []; // who: 0 = B, i = client i
  const deliver = (who: number, actions: Action[]) => {
    const queue: [number, Action[]][] = [[who, actions]];
    while (queue.length) {
      const [w, acts] = queue.shift()!;
      for (const act of acts) {
        log.push({ who: w, action: act });
        if (act.type !== 'send') continue;
        const to = act.to.address === B.address ? 0 : Number(act.to.address.split('.')[3]);
        const engine = to === 0 ? b : cs[to - 1]!;
        queue.push([to, engine.datagram({ from: act.from, to: act.to, data: act.data })]);
      }
    }
  };
  return {
    b,
    cs,
    log,
    connect: (i: number) => deliver(i, cs[i - 1]!.command({ type: 'initiate', peer: 'to-b' })),
    drop: (i: number) => deliver(i, cs[i - 1]!.command({ type: 'terminate', peer: 'to-b' })),
    advance(ms: number) {
      clock.t += ms;
      deliver(0, b.tick(clock.t));
      cs.forEach((c, i) => deliver(i + 1, c.tick(clock.t)));
    },
    vip: (i: number) => cs[i - 1]!.list().find((s) => s.state === 'established')?.virtualIp,
    events: (who: number) =>
      log
        .filter((l) => l.who === who && l.action.type === 'event')
        .map((l) => (l.action as { message: string }).message),
    installs: (who: number) =>
      log.filter((l) => l.who === who && l.action.type === 'installSa').map((l) => l.action as InstallSaAction),
  };
}

describe('mode config address-pool (IP > Pool leases)', () => {
  it('two clients get different addresses, the first free ones; CHILD_SA selectors are narrowed to them', () => {
    const w = world([{ name: 'rw-pool', ranges: ['10.99.0.10-10.99.0.12'] }], 2);
    w.connect(1);
    w.connect(2);
    expect(w.vip(1)).toBe('10.99.0.10');
    expect(w.vip(2)).toBe('10.99.0.11');
    expect(
      w.b
        .list()
        .map((s) => s.virtualIp)
        .sort(),
    ).toEqual(['10.99.0.10', '10.99.0.11']);
    expect(w.installs(1)[0]!.tsLocal.map(formatTsRange)).toEqual(['10.99.0.10-10.99.0.10']);
    expect(w.installs(2)[0]!.tsLocal.map(formatTsRange)).toEqual(['10.99.0.11-10.99.0.11']);
    expect(
      w.events(0).some((e) => e.endsWith('mode config rw: leased 10.99.0.10 from pool rw-pool for fqdn:c1.example')),
    ).toBe(true);
  });

  it('a released address is reused: the first free one goes to the next client', () => {
    const w = world([{ name: 'rw-pool', ranges: ['10.99.0.10', '10.99.0.11-10.99.0.20'] }], 3);
    w.connect(1);
    w.connect(2);
    w.drop(1);
    expect(w.b.list().filter((s) => s.state !== 'dead')).toHaveLength(1);
    expect(w.events(0).some((e) => e.includes('pool lease 10.99.0.10 released'))).toBe(true);
    w.connect(3);
    expect(w.vip(3)).toBe('10.99.0.10');
    expect(w.vip(2)).toBe('10.99.0.11');
  });

  it('the same identity keeps its address on a new IKE SA while the old one lives, and across IKE SA rekeys', () => {
    // client 3 is client 1's identity on another machine (a laptop and a phone with the same certificate)
    const w = world([{ name: 'rw-pool', ranges: ['10.99.0.10-10.99.0.20'] }], 3, undefined, { 3: 'fqdn:c1.example' });
    w.connect(1);
    w.connect(2);
    // Rekey every IKE SA (85-90% of 3600 s), twice: the addresses stay, no lease is released.
    for (let i = 0; i < 2; i++) w.advance(3300_000);
    expect(w.log.filter((l) => l.who === 0 && l.action.type === 'ikeSaRekeyed').length).toBeGreaterThanOrEqual(2);
    expect(w.vip(1)).toBe('10.99.0.10');
    expect(w.vip(2)).toBe('10.99.0.11');
    expect(
      w.b
        .list()
        .filter((s) => s.state === 'established')
        .map((s) => s.virtualIp)
        .sort(),
    ).toEqual(['10.99.0.10', '10.99.0.11']);
    expect(w.events(0).some((e) => e.includes('released'))).toBe(false);
    // A second IKE SA of client 1 (same identity) while the first lives: the same address, not a new one.
    w.connect(3);
    expect(w.vip(3)).toBe('10.99.0.10');
    expect(w.vip(1)).toBe('10.99.0.10');
    expect(w.events(0).some((e) => e.includes('kept 10.99.0.10 from pool rw-pool for fqdn:c1.example'))).toBe(true);
  });

  it('exhaustion: next-pool first, then INTERNAL_ADDRESS_FAILURE with a clear log line and no CHILD_SA', () => {
    const w = world(
      [
        { name: 'rw-pool', ranges: ['10.99.0.10'], 'next-pool': 'spare' },
        { name: 'spare', ranges: ['2001:db8::1-2001:db8::9', '10.99.0.200/31'], 'next-pool': 'rw-pool' }, // a loop back: harmless
      ],
      4,
    );
    for (const i of [1, 2, 3, 4]) w.connect(i);
    expect([1, 2, 3].map(w.vip)).toEqual(['10.99.0.10', '10.99.0.200', '10.99.0.201']);
    expect(w.vip(4)).toBeUndefined();
    expect(
      w
        .events(0)
        .some((e) =>
          e.endsWith(
            'mode config rw: address-pool=rw-pool: pool rw-pool (1 leased), then spare (2 leased) has no free ' +
              'IPv4 address; no address for the peer (INTERNAL_ADDRESS_FAILURE)',
          ),
        ),
    ).toBe(true);
    expect(w.installs(4)).toEqual([]);
    expect(w.events(4).some((e) => e.includes('INTERNAL_ADDRESS_FAILURE (36)'))).toBe(true);
  });
});

describe('AddressLeases', () => {
  const pools = [{ name: 'p', ranges: ['10.0.0.0/24'] }];
  it("reserved addresses (a user's fixed address) are never leased", () => {
    const l = new AddressLeases();
    const reserved = new Set(['10.0.0.1', '10.0.0.2']);
    expect(l.acquire(pools, 'p', 'x', 1, reserved)).toEqual(ok({ address: '10.0.0.3', pool: 'p', reused: false }));
    expect(l.acquire(pools, 'p', 'y', 2, reserved)).toEqual(ok({ address: '10.0.0.4', pool: 'p', reused: false }));
  });
  it('a prefix skips the network address; an unknown pool is an error; memory is one lease per holder', () => {
    const l = new AddressLeases();
    expect(l.acquire(pools, 'p', 'x', 1)).toEqual(ok({ address: '10.0.0.1', pool: 'p', reused: false }));
    expect(l.acquire(pools, 'nope', 'y', 2)).toEqual(err('pool nope does not exist'));
    for (let i = 0; i < 1000; i++) {
      expect(l.acquire(pools, 'p', `c${i}`, 100 + i)).not.toHaveProperty('error');
      l.release(100 + i);
    }
    expect(l.list()).toEqual([{ address: '10.0.0.1', pool: 'p', owner: 'x', ikeSas: [1] }]);
    l.adopt(1, 7);
    expect(l.release(1)).toBeUndefined();
    expect(l.release(7)).toBe('10.0.0.1');
    expect(l.list()).toEqual([]);
  });
});

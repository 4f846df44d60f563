// Two in-memory engines with a deterministic clock, shared by the engine and robustness tests.
import {
  IkeEngine,
  type Action,
  type EngineOptions,
  type IkeConfig,
  type InstallSaAction,
  type SendAction,
} from '../src/index.ts';
import { seededRandom } from './helpers.ts';

export const A = { address: '192.0.2.1', port: 500 };
export const B = { address: '198.51.100.2', port: 500 };

export function configs(
  over: { a?: Partial<IkeConfig>; b?: Partial<IkeConfig>; profile?: object; proposal?: object; secretB?: string } = {},
) {
  const profile = {
    name: 'p',
    'hash-algorithm': 'sha256',
    'enc-algorithm': ['aes-256'],
    'dh-group': ['ecp256'],
    'dpd-interval': 'disable-dpd',
    ...over.profile,
  } as const;
  const proposal = {
    name: 'esp',
    'auth-algorithms': ['sha256'],
    'enc-algorithms': ['aes-256-cbc'],
    'pfs-group': 'none',
    ...over.proposal,
  } as const;
  const a: IkeConfig = {
    peers: [{ name: 'to-b', address: B.address, 'exchange-mode': 'ike2', profile: 'p', 'local-address': A.address }],
    profiles: [profile as never],
    proposals: [proposal as never],
    identities: [
      {
        peer: 'to-b',
        'auth-method': 'pre-shared-key',
        secret: 'correct horse',
        'my-id': 'fqdn:a.example',
        'remote-id': 'fqdn:b.example',
      },
    ],
    policies: [
      { peer: 'to-b', tunnel: true, 'src-address': '10.1.0.0/16', 'dst-address': '10.2.0.0/16', proposal: 'esp' },
    ],
    ...over.a,
  };
  const b: IkeConfig = {
    peers: [{ name: 'from-a', address: '0.0.0.0/0', 'exchange-mode': 'ike2', profile: 'p', passive: true }],
    profiles: [profile as never],
    proposals: [proposal as never],
    identities: [
      {
        peer: 'from-a',
        'auth-method': 'pre-shared-key',
        secret: over.secretB ?? 'correct horse',
        'my-id': 'fqdn:b.example',
        'remote-id': 'fqdn:a.example',
      },
    ],
    policies: [
      { peer: 'from-a', tunnel: true, 'src-address': '10.2.0.0/24', 'dst-address': '10.1.0.0/16', proposal: 'esp' },
    ],
    ...over.b,
  };
  return { a, b };
}

/** Two engines wired through an in-memory network with a shared deterministic clock. */
export function pair(
  cfg = configs(),
  opts: {
    drop?: (s: SendAction, n: number) => boolean;
    a?: Partial<EngineOptions>;
    b?: Partial<EngineOptions>;
    start?: number;
    seeds?: [number, number];
  } = {},
) {
  const clock = { t: opts.start ?? 1_000_000 };
  const a = new IkeEngine({ config: cfg.a, random: seededRandom(opts.seeds?.[0] ?? 1), now: () => clock.t, ...opts.a });
  const b = new IkeEngine({ config: cfg.b, random: seededRandom(opts.seeds?.[1] ?? 2), now: () => clock.t, ...opts.b });
  const log: { side: 'a' | 'b'; action: Action }[] = [];
  let sent = 0;
  const deliver = (side: 'a' | 'b', actions: Action[]) => {
    const queue: ['a' | 'b', Action[]][] = [[side, actions]];
    while (queue.length) {
      const [s, acts] = queue.shift()!;
      for (const act of acts) {
        log.push({ side: s, action: act });
        if (act.type !== 'send') continue;
        if (opts.drop?.(act, sent++)) continue;
        const target = s === 'a' ? b : a;
        queue.push([s === 'a' ? 'b' : 'a', target.datagram({ from: act.from, to: act.to, data: act.data })]);
      }
    }
  };
  return {
    a,
    b,
    clock,
    log,
    deliver,
    advance(ms: number) {
      clock.t += ms;
      deliver('a', a.tick(clock.t));
      deliver('b', b.tick(clock.t));
    },
    installs: (side: 'a' | 'b') =>
      log.filter((l) => l.side === side && l.action.type === 'installSa').map((l) => l.action as InstallSaAction),
    events: (side: 'a' | 'b') =>
      log
        .filter((l) => l.side === side && l.action.type === 'event')
        .map((l) => (l.action as { message: string }).message),
  };
}

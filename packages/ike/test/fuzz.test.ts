import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { IkeEngine, parseMessage, serializeMessage, type SendAction } from '../src/index.ts';
import { parseChain } from '../src/codec/payload.ts';
import { seededRandom } from './helpers.ts';
import { A, B, configs, pair } from './world.ts';

/** B as a road-warrior responder: generate-policy from a template, mode config. */
function roadWarriorConfigs() {
  const cfg = configs();
  cfg.a.identities = [{ ...cfg.a.identities![0]!, 'mode-config': 'request-only' }];
  cfg.a.policies = [
    { peer: 'to-b', tunnel: true, 'src-address': '0.0.0.0/0', 'dst-address': '10.2.0.0/16', proposal: 'esp' },
  ];
  cfg.b.identities = [
    { ...cfg.b.identities![0]!, 'mode-config': 'rw', 'generate-policy': 'port-strict', 'policy-template-group': 'g' },
  ];
  cfg.b.policies = [
    {
      peer: '',
      template: true,
      group: 'g',
      'src-address': '10.2.0.0/24',
      'dst-address': '10.99.0.0/24',
      proposal: 'esp',
    },
  ];
  cfg.b.modeConfigs = [{ name: 'rw', responder: true, address: '10.99.0.7' }];
  return cfg;
}

/** Real messages from a full exchange (INIT, AUTH, CREATE_CHILD_SA, INFORMATIONAL) as mutation seeds. */
function corpus(): Uint8Array[] {
  const n = pair(configs({ profile: { 'dpd-interval': 30 }, proposal: { 'pfs-group': 'ecp256', lifetime: 600 } }));
  n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
  n.advance(540_000);
  n.deliver('a', n.a.command({ type: 'terminate', peer: 'to-b' }));
  // The road-warrior pair of the engine test, replayed with the same seeds: its messages carry that pair's SPIs
  // and keys, so mutations reach decryption, fragment reassembly and the CHILD_SA paths with a generated policy.
  const rw = pair(roadWarriorConfigs(), { seeds: [5, 6] });
  rw.deliver('a', rw.a.command({ type: 'initiate', peer: 'to-b' }));
  const sa = rw.b.list()[0]!;
  rw.deliver('b', rw.b.command({ type: 'rekey-child', ikeSa: sa.id, child: sa.children[0]!.id }));
  rw.deliver('a', rw.a.command({ type: 'rekey-ike', ikeSa: rw.a.list()[0]!.id }));
  rw.deliver('a', rw.a.command({ type: 'terminate', peer: 'to-b' }));
  return [...n.log, ...rw.log].filter((l) => l.action.type === 'send').map((l) => (l.action as SendAction).data);
}

const seeds = corpus();

const mutated = fc
  .record({
    seed: fc.nat({ max: seeds.length - 1 }),
    ops: fc.array(
      fc.oneof(
        fc.record({ k: fc.constant('flip' as const), at: fc.nat(), v: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ k: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({ k: fc.constant('insert' as const), at: fc.nat(), b: fc.uint8Array({ maxLength: 16 }) }),
        fc.record({ k: fc.constant('len' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 0xffff }) }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ seed: seed_, ops }) => {
    let b = seeds[seed_]!.slice();
    for (const op of ops) {
      const at = b.length ? op.at % b.length : 0;
      if (op.k === 'flip') b[at] = (b[at] ?? 0) ^ op.v;
      else if (op.k === 'cut') b = b.slice(0, at);
      else if (op.k === 'insert') b = new Uint8Array([...b.subarray(0, at), ...op.b, ...b.subarray(at)]);
      else if (at + 1 < b.length) {
        b[at] = op.v >> 8;
        b[at + 1] = op.v & 0xff;
      }
    }
    // Always a real change: an unchanged seed is an authentic message of the pairs below, not garbage.
    const seed = seeds[seed_]!;
    if (b.length === seed.length && b.every((x, i) => x === seed[i])) b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 1;
    return b;
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated, mutated);

/** Random and mutated messages generated in this file; at least 100,000 per run. */
let generated = 0;
const counted = anyBytes.map((b) => {
  generated++;
  return b;
});

describe('robustness (property tests)', () => {
  afterAll(() => {
    expect(generated).toBeGreaterThanOrEqual(100_000);
  });

  it('the parser never throws and re-serializes what it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(counted, (b) => {
        const r = parseMessage(b);
        if (r.ok) {
          accepted++;
          expect(serializeMessage(r.value).length).toBe(b.length);
        }
      }),
      { numRuns: 55_000, seed: 7 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('payload chains parse or fail with ParseError only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.uint8Array({ maxLength: 200 }), (first, b) => {
        generated++;
        try {
          parseChain(b, first);
        } catch (e) {
          expect((e as Error).constructor.name).toBe('ParseError');
        }
      }),
      { numRuns: 25_000, seed: 8 },
    );
  });

  it('engines never throw on random/mutated datagrams, and state stays bounded', () => {
    const clock = { t: 0 };
    const responder = new IkeEngine({
      config: configs().b,
      random: seededRandom(9),
      now: () => clock.t,
      maxHalfOpen: 200,
    });
    // established pairs (one with a generated policy), to exercise the encrypted paths with valid SPIs
    const n = pair();
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const rw = pair(roadWarriorConfigs(), { seeds: [5, 6] });
    rw.deliver('a', rw.a.command({ type: 'initiate', peer: 'to-b' }));
    // Established SAs as they stand (new half-open ones from mutated IKE_SA_INITs are expected and expire).
    const snapshot = (e: IkeEngine) => JSON.stringify(e.list().filter((s) => s.state === 'established'));
    const before = [n.a, n.b, rw.a, rw.b].map(snapshot);
    expect(rw.log.filter((l) => l.action.type === 'policyAdded')).toHaveLength(1);
    const engines = [responder, n.a, n.b, rw.a, rw.b];
    let runs = 0;
    fc.assert(
      fc.property(counted, fc.boolean(), (b, to4500) => {
        runs++;
        clock.t += 10;
        const port = to4500 ? 4500 : 500;
        const data = to4500 ? new Uint8Array([0, 0, 0, 0, ...b]) : b;
        for (const e of engines) {
          const out = e.datagram({ from: { address: A.address, port }, to: { address: B.address, port }, data });
          expect(out[out.length - 1]?.type).toBe('nextTimer');
          // garbage never removes a generated policy or an SA
          expect(out.some((a) => a.type === 'policyRemoved' || a.type === 'deleteSa')).toBe(false);
        }
        if (runs % 1000 === 0) {
          responder.tick(clock.t);
          for (const e of [n.a, n.b, rw.a, rw.b]) expect(e.list().length).toBeLessThanOrEqual(1001); // maxHalfOpen + the SA
        }
        expect(responder.list().length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 20_000, seed: 9 },
    );
    // The established SAs are exactly as they were (state, SPIs, CHILD_SAs, selectors).
    expect([n.a, n.b, rw.a, rw.b].map(snapshot)).toEqual(before);
    // The garbage is counted: every engine dropped most of it, each datagram under one reason at most.
    for (const e of engines) {
      const s = e.statistics();
      const dropped = Object.values(s).reduce((a, b) => a + b, 0);
      expect(dropped).toBeGreaterThan(runs / 2);
      expect(dropped).toBeLessThanOrEqual(runs);
      for (const reason of ['in-length-errors', 'in-header-errors', 'in-no-states'] as const)
        expect(s[reason]).toBeGreaterThan(0);
    }
    // Mutations of the pairs' own messages reach their SAs and are refused there.
    for (const e of [n.b, rw.a, rw.b]) expect(e.statistics()['in-integrity-errors']).toBeGreaterThan(0);
    for (const e of [n.a, n.b, rw.a, rw.b]) {
      expect(e.statistics()['in-sequence-errors']).toBeGreaterThan(0);
      expect(e.statistics()['in-state-mismatches']).toBeGreaterThan(0);
    }
    // Everything half-open expires; the established pairs stay, with the generated policy.
    responder.tick(clock.t + 31_000);
    expect(responder.list().length).toBe(0);
    n.advance(31_000);
    rw.advance(31_000);
    for (const e of [n.a, n.b, rw.a, rw.b]) expect(e.list().map((s) => s.state)).toEqual(['established']);
    expect([n.a, n.b, rw.a, rw.b].map(snapshot)).toEqual(before);
    expect(rw.log.filter((l) => l.action.type === 'policyRemoved')).toEqual([]);
  });
});

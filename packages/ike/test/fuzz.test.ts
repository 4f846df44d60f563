import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IkeEngine, parseMessage, serializeMessage, type SendAction } from '../src/index.ts';
import { parseChain } from '../src/codec/payload.ts';
import { seededRandom } from './helpers.ts';
import { A, B, configs, pair } from './world.ts';

/** Real messages from a full exchange (INIT, AUTH, CREATE_CHILD_SA, INFORMATIONAL) as mutation seeds. */
function corpus(): Uint8Array[] {
  const n = pair(configs({ profile: { 'dpd-interval': 30 }, proposal: { 'pfs-group': 'ecp256', lifetime: 600 } }));
  n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
  n.advance(540_000);
  n.deliver('a', n.a.command({ type: 'terminate', peer: 'to-b' }));
  return n.log.filter((l) => l.action.type === 'send').map((l) => (l.action as SendAction).data);
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
  .map(({ seed, ops }) => {
    let b = seeds[seed]!.slice();
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
    return b;
  });

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated, mutated);

describe('robustness (property tests)', () => {
  it('the parser never throws and re-serializes what it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(anyBytes, (b) => {
        const r = parseMessage(b);
        if (r.ok) {
          accepted++;
          expect(serializeMessage(r.value).length).toBe(b.length);
        }
      }),
      { numRuns: 25_000, seed: 7 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('payload chains parse or fail with ParseError only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.uint8Array({ maxLength: 200 }), (first, b) => {
        try {
          parseChain(b, first);
        } catch (e) {
          expect((e as Error).constructor.name).toBe('ParseError');
        }
      }),
      { numRuns: 20_000, seed: 8 },
    );
  });

  it('engines never throw on random/mutated datagrams, and state stays bounded', () => {
    const clock = { t: 0 };
    const responder = new IkeEngine({ config: configs().b, random: seededRandom(9), now: () => clock.t, maxHalfOpen: 200 });
    // an established pair, to exercise the encrypted paths with valid SPIs
    const n = pair();
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    let runs = 0;
    fc.assert(
      fc.property(anyBytes, fc.boolean(), (b, to4500) => {
        runs++;
        clock.t += 10;
        const port = to4500 ? 4500 : 500;
        const data = to4500 ? new Uint8Array([0, 0, 0, 0, ...b]) : b;
        for (const e of [responder, n.a, n.b]) {
          const out = e.datagram({ from: { address: A.address, port }, to: { address: B.address, port }, data });
          expect(out[out.length - 1]?.type).toBe('nextTimer');
        }
        if (runs % 1000 === 0) responder.tick(clock.t);
        expect(responder.list().length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 20_000, seed: 9 },
    );
    // Everything half-open expires.
    responder.tick(clock.t + 31_000);
    expect(responder.list().length).toBe(0);
    expect(n.a.list().length).toBeLessThanOrEqual(1);
  });
});

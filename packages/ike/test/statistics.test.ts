// Dropped datagrams are counted by reason, and the SA they claim to belong to is unharmed.
import { describe, expect, it } from 'vitest';
import {
  ExchangeType,
  Flags,
  IkeEngine,
  NotifyType,
  PayloadType,
  serializeMessage,
  type IkeStatistics,
  type SendAction,
} from '../src/index.ts';
import type { Payload } from '../src/codec/payload.ts';
import { notify } from '../src/codec/payloads/notify.ts';
import { emptyStatistics } from '../src/statistics.ts';
import { seededRandom } from './helpers.ts';
import { A, B, configs, pair } from './world.ts';

function established() {
  const n = pair();
  n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
  const sends = n.log.filter((l) => l.action.type === 'send').map((l) => l.action as SendAction);
  return { n, sends };
}

/** The counters that moved, and by how much. */
function moved(before: IkeStatistics, after: IkeStatistics): Partial<IkeStatistics> {
  const out: Partial<IkeStatistics> = {};
  for (const k of Object.keys(after) as (keyof IkeStatistics)[])
    if (after[k] !== before[k]) out[k] = after[k] - before[k];
  return out;
}

function feed(e: IkeEngine, data: Uint8Array, port = 500) {
  return e.datagram({ from: { address: A.address, port }, to: { address: B.address, port }, data });
}

describe('dropped datagram statistics', () => {
  it('start at zero', () => {
    const { n } = established();
    expect(Object.values(n.b.statistics()).every((v) => v === 0)).toBe(true);
  });

  it('count each kind of garbage under its reason, leaving the established SA as it was', () => {
    const { n, sends } = established();
    const snapshot = JSON.stringify(n.b.list());
    const auth = sends[2]!.data; // A's IKE_AUTH request: the right SPIs, message ID 1, encrypted
    const before = n.b.statistics();

    feed(n.b, new Uint8Array([0, 0]), 4500); // shorter than the non-ESP marker
    feed(n.b, new Uint8Array(10)); // shorter than an IKE header
    const longer = auth.slice();
    longer[27] = (longer[27] ?? 0) + 1; // header length one more than the datagram
    feed(n.b, longer);
    const v1 = auth.slice();
    v1[17] = 0x10; // IKE major version 1
    feed(n.b, v1);
    const unknown = auth.slice();
    unknown[8] = (unknown[8] ?? 0) ^ 0xff; // SPIr (B's own) of no IKE SA
    feed(n.b, unknown);
    const otherPeer = auth.slice();
    otherPeer[0] = (otherPeer[0] ?? 0) ^ 0xff; // B's SPI, but another initiator SPI
    feed(n.b, otherPeer);
    const tampered = auth.slice();
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1; // ICV no longer matches
    const id2 = tampered.slice();
    id2[23] = 2; // message ID 2: the window expects 2 next, so this reaches decryption
    feed(n.b, id2);
    const old = auth.slice();
    old[23] = 0; // message ID 0: long answered, not the last request
    feed(n.b, old);
    const reflected = sends[3]!.data.slice(); // B's own IKE_AUTH response, reflected back
    reflected[19] = 0x28; // as if A answered: a response to no request of B's
    feed(n.b, reflected);

    expect(moved(before, n.b.statistics())).toEqual({
      'in-length-errors': 3,
      'in-header-errors': 1,
      'in-no-states': 1,
      'in-state-mismatches': 1,
      'in-integrity-errors': 1,
      'in-sequence-errors': 2,
    });
    expect(JSON.stringify(n.b.list())).toBe(snapshot);
  });

  it('count IKE_SA_INITs refused for a wrong COOKIE, a missing nonce or the half-open limit', () => {
    const init = (payloads: Payload[]) =>
      serializeMessage({
        spiI: new Uint8Array(8).fill(7),
        spiR: new Uint8Array(8),
        exchange: ExchangeType.IKE_SA_INIT,
        flags: Flags.INITIATOR,
        messageId: 0,
        payloads,
      });
    const nonce: Payload = { type: PayloadType.NONCE, data: new Uint8Array(32).fill(1) };
    const cookies = new IkeEngine({ config: configs().b, random: seededRandom(3), cookieThreshold: 0 });
    const asked = feed(cookies, init([notify(NotifyType.COOKIE, new Uint8Array(33).fill(9)), nonce]));
    expect(asked.some((a) => a.type === 'send')).toBe(true); // a wrong COOKIE is answered with the right one
    feed(cookies, init([]));
    expect(moved(emptyStatistics(), cookies.statistics())).toEqual({ 'in-cookie-errors': 1, 'in-header-errors': 1 });
    const full = new IkeEngine({ config: configs().b, random: seededRandom(4), maxHalfOpen: 0 });
    expect(feed(full, init([nonce])).some((a) => a.type === 'send')).toBe(false);
    expect(moved(emptyStatistics(), full.statistics())).toEqual({ 'in-no-resources': 1 });
  });

  it('are a copy: callers cannot change them', () => {
    const { n } = established();
    const s = n.b.statistics();
    s['in-no-states'] = 99;
    expect(n.b.statistics()['in-no-states']).toBe(0);
  });
});

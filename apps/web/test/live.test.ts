import { describe, expect, it } from 'vitest';
import { applyDelta, counterRates, rowRates, type LiveDelta, type LiveSnapshot } from '../src/api/live.ts';

const full = (over: Partial<LiveDelta> = {}): LiveDelta => ({
  at: 10_000,
  full: true,
  peers: [{ id: 1, state: 'established' }],
  sas: { set: [{ id: 7, spi: 'c0ffee', 'current-bytes': 100, 'current-packets': 1 }], counters: [], removed: [] },
  statistics: { 'in-errors': 0, 'out-errors': 2 },
  dataplane: { backend: 'userspace', reason: 'no XFRM', device: 'ipsec0' },
  ...over,
});

describe('applyDelta', () => {
  it('takes a full message as the whole state', () => {
    const snap = applyDelta(undefined, full());
    expect(snap).toEqual({
      at: 10_000,
      peers: [{ id: 1, state: 'established' }],
      sas: [{ id: 7, spi: 'c0ffee', 'current-bytes': 100, 'current-packets': 1 }],
      statistics: { 'in-errors': 0, 'out-errors': 2 },
      dataplane: { backend: 'userspace', reason: 'no XFRM', device: 'ipsec0' },
    });
  });

  it('applies counters, new rows and removals, keeping untouched rows and lists as they were', () => {
    const first = applyDelta(
      undefined,
      full({ sas: { set: [{ id: 7 }, { id: 8, spi: 'a' }], counters: [], removed: [] } }),
    );
    const next = applyDelta(first, {
      at: 11_000,
      full: false,
      sas: { set: [{ id: 9, spi: 'b' }], counters: [[7, 500, 5]], removed: [8] },
    });
    expect(next.sas).toEqual([
      { id: 7, 'current-bytes': 500, 'current-packets': 5 },
      { id: 9, spi: 'b' },
    ]);
    expect(next.peers).toBe(first.peers);
    expect(next.dataplane).toBe(first.dataplane);
    expect(next.at).toBe(11_000);
  });

  it('merges changed statistics into the previous ones', () => {
    const first = applyDelta(undefined, full());
    const next = applyDelta(first, { at: 11_000, full: false, statistics: { 'in-errors': 3 } });
    expect(next.statistics).toEqual({ 'in-errors': 3, 'out-errors': 2 });
  });

  it('a data plane of null means none; an absent one means unchanged', () => {
    const first = applyDelta(undefined, full());
    expect(applyDelta(first, { at: 11_000, full: false }).dataplane).toEqual(first.dataplane);
    expect(applyDelta(first, { at: 11_000, full: false, dataplane: null }).dataplane).toBeNull();
  });

  it('counts expires-in down from expires-at by the agent clock, never below 0', () => {
    const sas = { set: [{ id: 7, 'expires-at': 70_500 }, { id: 8 }], counters: [], removed: [] };
    const snap = applyDelta(undefined, full({ at: 10_000, sas }));
    expect(snap.sas).toEqual([{ id: 7, 'expires-at': 70_500, 'expires-in': 60 }, { id: 8 }]);
    expect(applyDelta(snap, { at: 80_000, full: false }).sas[0]!['expires-in']).toBe(0);
  });

  it('a full message after others starts over', () => {
    const first = applyDelta(undefined, full());
    const again = applyDelta(first, full({ at: 20_000, sas: { set: [], counters: [], removed: [] }, peers: [] }));
    expect(again.sas).toEqual([]);
    expect(again.peers).toEqual([]);
  });
});

describe('rates', () => {
  const snap = (at: number, bytes: number, stats: Record<string, number>): LiveSnapshot => ({
    at,
    peers: [],
    sas: [{ id: 7, 'current-bytes': bytes }],
    statistics: stats,
    dataplane: null,
  });

  it('per second between consecutive snapshots', () => {
    const w = { prev: snap(1000, 100, { a: 10 }), cur: snap(3000, 2100, { a: 14, b: 1 }), idle: false };
    expect(rowRates(w, 'sas', 'current-bytes')).toEqual(new Map([[7, 1000]]));
    expect(counterRates(w)).toEqual({ a: 2, b: 0.5 });
  });

  it('0 when idle, on the first snapshot, or when a counter went backwards (reset)', () => {
    const prev = snap(1000, 5000, { a: 10 });
    const cur = snap(2000, 100, { a: 4 });
    expect(rowRates({ prev, cur, idle: false }, 'sas', 'current-bytes')).toEqual(new Map([[7, 0]]));
    expect(counterRates({ prev, cur, idle: false })).toEqual({ a: 0 });
    expect(counterRates({ prev: snap(1000, 0, { a: 1 }), cur: snap(2000, 0, { a: 9 }), idle: true })).toEqual({ a: 0 });
    expect(rowRates({ cur, idle: false }, 'sas', 'current-bytes')).toEqual(new Map([[7, 0]]));
    expect(rowRates({ idle: true }, 'sas', 'current-bytes')).toEqual(new Map());
    expect(counterRates({ idle: true })).toEqual({});
  });
});

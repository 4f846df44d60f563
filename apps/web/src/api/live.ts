// Active Peers, Installed SAs and Statistics from the agent's live.watch subscription: the whole
// state once, then once a second only what changed (SA counters as [id, bytes, packets]). This
// module folds the deltas back into snapshots; the browser never polls, and rates come from the
// difference between consecutive snapshots.
import { useEffect, useState } from 'react';
import { messageOf, trpc, type RouterOutputs, type Yielded } from './trpc.ts';

/** One message of live.watch (apps/agent/src/live/watch.ts). */
export type LiveDelta = Yielded<RouterOutputs['live']['watch']>;
/** An Active Peers row. */
export type PeerRow = NonNullable<LiveDelta['peers']>[number];
/** An Installed SAs row (current-bytes and current-packets as the last counters said). */
export type SaRow = NonNullable<LiveDelta['sas']>['set'][number];
/** The agent's data plane: which backend protects traffic and why. */
export type DataPlaneInfo = NonNullable<LiveDelta['dataplane']>;

export interface LiveSnapshot {
  /** Agent clock, ms. */
  at: number;
  peers: PeerRow[];
  sas: SaRow[];
  statistics: NonNullable<LiveDelta['statistics']>;
  /** null = no data plane. */
  dataplane: DataPlaneInfo | null;
}

export interface LiveWatch {
  cur?: LiveSnapshot;
  prev?: LiveSnapshot;
  /** No new snapshot for a while: nothing is moving, so every rate is 0. */
  idle: boolean;
  error?: string;
}

/** After this long without a delta the counters have not moved (the agent sends every second while they do). */
export const IDLE_MS = 2500;

/** The next snapshot: `prev` with `d` applied. Rows that did not change keep their identity. */
export function applyDelta(prev: LiveSnapshot | undefined, d: LiveDelta): LiveSnapshot {
  const base: LiveSnapshot = d.full || !prev ? { at: d.at, peers: [], sas: [], statistics: {}, dataplane: null } : prev;
  let sas = base.sas;
  if (d.sas) {
    const byId = new Map<number, SaRow>(d.full ? [] : sas.map((r) => [r.id, r]));
    for (const id of d.sas.removed) byId.delete(id);
    for (const row of d.sas.set) byId.set(row.id, row);
    for (const [id, bytes, packets] of d.sas.counters) {
      const row = byId.get(id);
      if (row) byId.set(id, { ...row, 'current-bytes': bytes, 'current-packets': packets });
    }
    sas = [...byId.values()];
  }
  return {
    at: d.at,
    peers: d.peers ?? base.peers,
    sas: sas.map((r) => {
      const expiresAt = r['expires-at'];
      return typeof expiresAt === 'number'
        ? { ...r, 'expires-in': Math.max(0, Math.floor((expiresAt - d.at) / 1000)) }
        : r;
    }),
    statistics: { ...base.statistics, ...(d.statistics ?? {}) },
    dataplane: d.dataplane !== undefined ? d.dataplane : base.dataplane,
  };
}

export function useLiveWatch(): LiveWatch {
  const [state, setState] = useState<LiveWatch>({ idle: true });
  useEffect(() => {
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const sub = trpc().live.watch.subscribe(undefined, {
      onData: (delta) => {
        setState((s) => ({ prev: s.cur, cur: applyDelta(s.cur, delta), idle: false }));
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => setState((s) => ({ ...s, idle: true })), IDLE_MS);
      },
      onError: (e) => setState((s) => ({ ...s, error: messageOf(e) })),
    });
    return () => {
      clearTimeout(idleTimer);
      sub.unsubscribe();
    };
  }, []);
  return state;
}

/** Per-second change of `prop` for rows present in both snapshots (by id). */
export function rowRates(w: LiveWatch, list: 'peers' | 'sas', prop: string): Map<number, number> {
  const out = new Map<number, number>();
  const { prev, cur } = w;
  if (!cur) return out;
  for (const row of cur[list]) out.set(row.id, 0);
  if (w.idle || !prev || cur.at <= prev.at) return out;
  const secs = (cur.at - prev.at) / 1000;
  const before = new Map(prev[list].map((r) => [r.id, r[prop]]));
  for (const row of cur[list]) {
    const a = before.get(row.id);
    const b = row[prop];
    if (typeof a === 'number' && typeof b === 'number' && b >= a) out.set(row.id, (b - a) / secs);
  }
  return out;
}

/** Per-second change of every statistics counter (0 when idle or counters were reset). */
export function counterRates(w: LiveWatch): Record<string, number> {
  const out: Record<string, number> = {};
  const { prev, cur } = w;
  if (!cur) return out;
  for (const k of Object.keys(cur.statistics)) out[k] = 0;
  if (w.idle || !prev || cur.at <= prev.at) return out;
  const secs = (cur.at - prev.at) / 1000;
  for (const [k, b] of Object.entries(cur.statistics)) {
    const a = prev.statistics[k] ?? 0;
    if (b >= a) out[k] = (b - a) / secs;
  }
  return out;
}

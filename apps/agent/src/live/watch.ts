// What a watching browser is sent: the whole live state once, then once a second only what
// changed. Counters of SAs travel as compact [id, bytes, packets] triples, so 10,000 SAs whose
// counters all move cost a few hundred kB a second, not a full table.
import type { LiveState } from './live-state.ts';

export type LiveRow = { id: number; [prop: string]: unknown };

export interface LiveDelta {
  at: number;
  /** True on the first message: `peers`, `sas.set` and `statistics` are then complete. */
  full: boolean;
  /** The whole Active Peers list, when anything in it changed (it is small). */
  peers?: LiveRow[];
  sas?: {
    /** New SAs and SAs whose non-counter properties changed: whole rows. */
    set: LiveRow[];
    /** [id, current-bytes, current-packets] of SAs whose counters moved. */
    counters: [number, number, number][];
    removed: number[];
  };
  /** Statistics counters that changed (all of them when full). */
  statistics?: Record<string, number>;
  /** Which data plane protects the traffic and why (null: none); sent when full or when it changes. */
  dataplane?: { backend: 'kernel' | 'userspace'; reason: string; device?: string } | null;
}

interface Sent {
  row: object;
  bytes: number;
  packets: number;
}

/** Per-subscriber memory of what was sent; `next()` returns the delta or null if nothing moved. */
export class LiveDiff {
  private sas = new Map<number, Sent>();
  private peersJson = '';
  private dataplaneJson = '';
  private stats: Record<string, number> = {};
  private first = true;

  constructor(
    private readonly live: LiveState,
    /** Rows as this subscriber may see them (SA keys only for full users). */
    private readonly visible: (row: LiveRow) => LiveRow,
  ) {}

  next(now = Date.now()): LiveDelta | null {
    const full = this.first;
    this.first = false;
    const delta: LiveDelta = { at: now, full };
    let changed = full;

    const peers = [...this.live.peers.values()] as LiveRow[];
    const peersJson = JSON.stringify(peers);
    if (full || peersJson !== this.peersJson) {
      delta.peers = peers;
      this.peersJson = peersJson;
      changed = true;
    }

    const set: LiveRow[] = [];
    const counters: [number, number, number][] = [];
    const removed: number[] = [];
    for (const [id, row] of this.live.sas) {
      const bytes = Number(row['current-bytes'] ?? 0);
      const packets = Number(row['current-packets'] ?? 0);
      const sent = this.sas.get(id);
      if (!sent || sent.row !== row) set.push(this.visible(row as LiveRow));
      else if (sent.bytes !== bytes || sent.packets !== packets) counters.push([id, bytes, packets]);
      else continue;
      this.sas.set(id, { row, bytes, packets });
    }
    for (const id of this.sas.keys()) {
      if (!this.live.sas.has(id)) {
        removed.push(id);
        this.sas.delete(id);
      }
    }
    if (full || set.length || counters.length || removed.length) {
      delta.sas = { set, counters, removed };
      changed = true;
    }

    const dataplaneJson = JSON.stringify(this.live.dataplane ?? null);
    if (full || dataplaneJson !== this.dataplaneJson) {
      delta.dataplane = this.live.dataplane ?? null;
      this.dataplaneJson = dataplaneJson;
      changed = true;
    }

    const stats: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.live.statistics)) {
      if (full || this.stats[k] !== v) stats[k] = v;
      this.stats[k] = v;
    }
    if (Object.keys(stats).length) {
      delta.statistics = stats;
      changed = true;
    }
    return changed ? delta : null;
  }
}

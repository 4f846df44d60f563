// Entries that services add at run time (RouterOS flag D): policies generated for a road warrior's CHILD_SA,
// and the live status of stored policies (active, ph2-state, ph2-count). Never stored in SQLite: they exist
// while their SA does. Ids start at DYNAMIC_ID_BASE so they never collide with stored ones; users cannot change
// or remove them. Changes are announced (coalesced) for the config.changes stream.
import { EventEmitter } from 'node:events';
import type { MenuName } from '@ipsec/schema';

/** First id of dynamic entries (*40000000): stored ids count up from 1 and never get there. */
export const DYNAMIC_ID_BASE = 0x4000_0000;

export const isDynamicId = (id: number) => id >= DYNAMIC_ID_BASE;

export interface DynamicEntry {
  id: number;
  menu: MenuName;
  /** Menu properties (as a stored entry's values). */
  values: Record<string, unknown>;
  /** Read-only properties (dynamic=true and the live status). */
  status: Record<string, unknown>;
}

export interface PolicyLive {
  active: boolean;
  'ph2-state': 'no-phase2' | 'established' | 'expired';
  'ph2-count': number;
  /** Endpoints of the SAs serving it (the latest CHILD_SA's). */
  'sa-src-address'?: string;
  'sa-dst-address'?: string;
}

export interface DynamicChange {
  menu: MenuName;
  id: number;
  /** 'added'/'removed': a dynamic entry; 'status': a stored entry's live status changed. */
  kind: 'added' | 'removed' | 'status';
}

const COALESCE_MS = 100;

export class DynamicEntries extends EventEmitter<{ change: [DynamicChange[]] }> {
  private readonly entries = new Map<MenuName, Map<number, DynamicEntry>>();
  private readonly policies = new Map<number, PolicyLive>();
  private pending = new Map<string, DynamicChange>();
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    super();
    this.setMaxListeners(0);
  }

  list(menu: MenuName): DynamicEntry[] {
    return [...(this.entries.get(menu)?.values() ?? [])];
  }

  get(menu: MenuName, id: number): DynamicEntry | undefined {
    return this.entries.get(menu)?.get(id);
  }

  add(entry: DynamicEntry): void {
    let m = this.entries.get(entry.menu);
    if (!m) this.entries.set(entry.menu, (m = new Map()));
    m.set(entry.id, entry);
    this.changed({ menu: entry.menu, id: entry.id, kind: 'added' });
  }

  /** Change a dynamic entry's status (e.g. its ph2-count). */
  update(menu: MenuName, id: number, status: Record<string, unknown>): void {
    const e = this.get(menu, id);
    if (!e) return;
    Object.assign(e.status, status);
    this.changed({ menu, id, kind: 'added' });
  }

  remove(menu: MenuName, id: number): void {
    if (this.entries.get(menu)?.delete(id)) this.changed({ menu, id, kind: 'removed' });
  }

  /** Live status of a stored policy, or undefined when no SA ever served it. */
  policyLive(id: number): PolicyLive | undefined {
    return this.policies.get(id);
  }

  setPolicyLive(id: number, live: PolicyLive | undefined): void {
    if (live) this.policies.set(id, live);
    else this.policies.delete(id);
    this.changed({ menu: 'policy', id, kind: 'status' });
  }

  /** Everything goes (the engine stopped). */
  clear(): void {
    for (const [menu, m] of this.entries) for (const id of m.keys()) this.changed({ menu, id, kind: 'removed' });
    this.entries.clear();
    for (const id of this.policies.keys()) this.changed({ menu: 'policy', id, kind: 'status' });
    this.policies.clear();
  }

  private changed(c: DynamicChange): void {
    const key = `${c.menu}|${c.id}`;
    this.pending.set(key, c); // the last word counts: presenting looks at the entry as it is now
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), COALESCE_MS);
    this.timer.unref();
  }

  /** Emit what changed since the last flush (also called by tests). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.size) return;
    const list = [...this.pending.values()];
    this.pending = new Map();
    this.emit('change', list);
  }
}

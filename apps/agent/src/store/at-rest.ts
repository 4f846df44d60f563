// How an entry's values are written to SQLite: every secret field (meta.secret: PSKs, EAP/XAuth passwords, private
// keys...) sealed by the SecretBox, in `entries` and in the undo history (`revisions`). Old secrets leave the undo
// history once superseded for longer than the undo window: they become `{ pruned: true }`.
import { SECRET_PLACEHOLDER, err, getMenu, ok, type Result } from '@ipsec/schema';
import { isSealed, type SecretBox } from './secret-box.ts';

/** How long an old secret stays in the undo history after it was replaced (then undo of that change is refused). */
export const UNDO_WINDOW_MS = 7 * 24 * 3600_000;

type Values = Record<string, unknown>;

/** A change as the revisions table holds it (config-store's Change, whatever its values). */
export interface ChangeRecord {
  menu: string;
  id: number;
  before: { values: Values } | null;
  after: { values: Values } | null;
}

interface Pruned {
  pruned: true;
}

function isPruned(value: unknown): value is Pruned {
  return typeof value === 'object' && value !== null && (value as Pruned).pruned === true;
}

function secretFields(menu: string): string[] {
  const def = getMenu(menu);
  return def ? Object.keys(def.fields).filter((p) => def.fields[p]!.meta.secret) : [];
}

/** `values` as written: each non-empty secret sealed. Counts the secrets it sealed in `sealed`, if given. */
export function sealValues(box: SecretBox, menu: string, values: Values, sealed = { count: 0 }): Values {
  const out = { ...values };
  for (const p of secretFields(menu)) {
    const v = out[p];
    if (typeof v === 'string' && v !== '') {
      out[p] = box.seal(v);
      sealed.count++;
    }
  }
  return out;
}

/** Stored values back to clear text; a pruned secret reads as the placeholder and sets `pruned`. */
export function openValues(box: SecretBox, menu: string, stored: Values, pruned = { found: false }): Result<Values> {
  const out = { ...stored };
  for (const p of secretFields(menu)) {
    const v = out[p];
    if (isPruned(v)) {
      out[p] = SECRET_PLACEHOLDER;
      pruned.found = true;
    } else if (isSealed(v)) {
      const opened = box.unseal(v);
      if (!opened.ok) return opened;
      out[p] = opened.value;
    }
  }
  return ok(out);
}

function mapChanges<C extends ChangeRecord>(changes: C[], f: (change: C, values: Values) => Values): C[] {
  return changes.map((c) => ({
    ...c,
    before: c.before && { ...c.before, values: f(c, c.before.values) },
    after: c.after && { ...c.after, values: f(c, c.after.values) },
  }));
}

export function sealChanges<C extends ChangeRecord>(box: SecretBox, changes: C[], sealed = { count: 0 }): C[] {
  return mapChanges(changes, (c, values) => sealValues(box, c.menu, values, sealed));
}

/** A revision's changes in clear text, and whether some secret in them was pruned (then it cannot be replayed). */
export function openChanges<C extends ChangeRecord>(
  box: SecretBox,
  changes: C[],
): Result<{ changes: C[]; pruned: boolean }> {
  const pruned = { found: false };
  let failed: string | undefined;
  const opened = mapChanges(changes, (c, values) => {
    const r = openValues(box, c.menu, values, pruned);
    if (r.ok) return r.value;
    failed = r.error;
    return values;
  });
  return failed === undefined ? ok({ changes: opened, pruned: pruned.found }) : err(failed);
}

/** A revision row as pruning reads it: when it was made and its changes as stored (secrets sealed). */
export interface RevisionRow {
  rev: number;
  at: number;
  changes: ChangeRecord[];
}

/**
 * The rows whose changes hold a secret replaced more than UNDO_WINDOW_MS before `now` and not current again, with
 * those secrets pruned. `current(menu, id, field)` is the entry's value now (undefined once the entry is gone).
 */
export function pruneSecrets(
  box: SecretBox,
  rows: RevisionRow[],
  current: (menu: string, id: number, field: string) => unknown,
  now: number,
): Result<RevisionRow[]> {
  const clear = (v: unknown): Result<string | undefined> =>
    isSealed(v) ? box.unseal(v) : ok(typeof v === 'string' ? v : undefined);
  const slot = (menu: string, id: number, field: string, value: string) => JSON.stringify([menu, id, field, value]);

  // When each secret value was last replaced (rows come in revision order).
  const replacedAt = new Map<string, number>();
  for (const row of rows) {
    for (const c of row.changes) {
      for (const p of secretFields(c.menu)) {
        const before = clear(c.before?.values[p]);
        const after = clear(c.after?.values[p]);
        if (!before.ok) return before;
        if (!after.ok) return after;
        if (before.value && before.value !== after.value) replacedAt.set(slot(c.menu, c.id, p, before.value), row.at);
      }
    }
  }
  const cutoff = now - UNDO_WINDOW_MS;
  const stale = (menu: string, id: number, field: string, value: unknown): boolean => {
    const v = clear(value);
    if (!v.ok || !v.value || v.value === current(menu, id, field)) return false;
    return (replacedAt.get(slot(menu, id, field, v.value)) ?? Infinity) < cutoff;
  };

  const changed: RevisionRow[] = [];
  for (const row of rows) {
    let touched = false;
    const changes = mapChanges(row.changes, (c, values) => {
      let out = values;
      for (const p of secretFields(c.menu)) {
        if (!stale(c.menu, c.id, p, values[p])) continue;
        out = { ...out, [p]: { pruned: true } satisfies Pruned };
        touched = true;
      }
      return out;
    });
    if (touched) changed.push({ ...row, changes });
  }
  return ok(changed);
}

// The configuration: every IPsec menu's entries, kept in memory and in SQLite.
// A write is a batch of operations applied to a draft, validated as a whole (packages/schema),
// then committed in one SQLite transaction as one revision. Nothing half-applied ever exists.
import { EventEmitter } from 'node:events';
import {
  CONFIG_MENUS,
  ConfigError,
  MENU_NAMES,
  SECRET_PLACEHOLDER,
  applyInput,
  checkConfig,
  defaults,
  formatId,
  getMenu,
  referencesTo,
  type AnyEntry,
  type Config,
  type ConfigIssue,
  type Entry,
  type MenuDef,
  type MenuName,
  type MenuValues,
} from '@ipsec/schema';
import { UNDO_WINDOW_MS, openChanges, openValues, pruneSecrets, sealChanges, sealValues } from './at-rest.ts';
import type { Db } from './db.ts';
import type { SecretBox } from './secret-box.ts';

export interface StoredEntry<M extends MenuName = MenuName> extends Entry<M> {
  /** Built-in default entry (RouterOS "*" flag): cannot be removed or renamed. */
  builtin: boolean;
}

/** An entry as the store holds it, whatever its menu: values that applyInput made with that menu's schemas. */
interface HeldEntry {
  id: number;
  values: Record<string, unknown>;
  builtin: boolean;
}

export type Op =
  | { op: 'add'; menu: MenuName; values: Record<string, unknown>; copyFrom?: number }
  | { op: 'set'; menu: MenuName; id: number; values: Record<string, unknown> }
  | { op: 'remove'; menu: MenuName; id: number }
  /** Move `ids` (keeping their order) before entry `before`, or to the end. Ordered menus only. */
  | { op: 'move'; menu: MenuName; ids: number[]; before?: number };

interface EntryState {
  values: Record<string, unknown>;
  position: number;
  builtin: boolean;
}

export interface Change {
  menu: MenuName;
  id: number;
  before: EntryState | null;
  after: EntryState | null;
}

/** What subscribers receive: the entries as they are after the revision (null = removed). */
export interface ChangeEvent {
  rev: number;
  at: number;
  user: string;
  kind: 'change' | 'undo' | 'redo';
  summary: string;
  changes: { menu: MenuName; id: number; entry: AnyEntry | null; position: number }[];
}

export interface Revision {
  rev: number;
  at: number;
  user: string;
  kind: string;
  target: number | null;
  summary: string;
  undone: number;
}

/**
 * Per-menu work the store cannot do by itself, e.g. generating RSA keys for the Keys menu: an entry's new values
 * (and its values before, null when added) to the values to store. Throws ConfigError to refuse them.
 */
export type MenuHooks = {
  [M in MenuName]?: (values: MenuValues<M>, before: MenuValues<M> | null) => MenuValues<M>;
};

type Draft = Map<MenuName, HeldEntry[]>;

/** How often a commit looks for secrets to prune from the undo history. */
const PRUNE_EVERY_MS = 3600_000;

export class ConfigStore extends EventEmitter<{ change: [ChangeEvent] }> {
  private entries: Draft = new Map();
  private nextIds = new Map<MenuName, number>();
  private rev = 0;
  private prunedAt = 0;

  constructor(
    private readonly db: Db,
    /** Seals the secrets written to SQLite (at-rest.ts). */
    private readonly box: SecretBox,
    private readonly hooks: MenuHooks = {},
  ) {
    super();
    this.setMaxListeners(0);
    this.load();
    this.pruneSecrets(Date.now());
    this.seedBuiltins();
  }

  revision(): number {
    return this.rev;
  }

  list<M extends MenuName>(menu: M): readonly StoredEntry<M>[] {
    return typed<M>(this.entries.get(menu) ?? []);
  }

  get<M extends MenuName>(menu: M, id: number): StoredEntry<M> | undefined {
    return this.list(menu).find((e) => e.id === id);
  }

  config(): Config {
    return configOf(this.entries);
  }

  /**
   * Apply a batch atomically. Returns the new revision and the ids of added entries, in order. With `baseRev`, the
   * batch was planned on that revision (a script's ids of entries it adds): any other revision now is refused.
   */
  apply(user: string, ops: Op[], summary?: string, baseRev?: number): { rev: number; added: number[] } {
    if (baseRev !== undefined && baseRev !== this.rev)
      throw new ConfigError([
        {
          menu: 'config',
          message: `the configuration changed (revision ${baseRev} -> ${this.rev}) while this batch was prepared; nothing was stored, run it again`,
        },
      ]);
    if (ops.length === 0) return { rev: this.rev, added: [] };
    const { draft, nextIds, added, lines } = this.planDraft(ops);
    const rev = this.commit(user, 'change', null, summary ?? lines.join('; '), draft, nextIds);
    return { rev, added };
  }

  /**
   * The configuration `ops` would make, checked exactly as apply checks it (ConfigError otherwise), and the ids
   * its adds would get; nothing is stored. A script sees the configuration through this between its commands.
   */
  plan(ops: Op[]): { config: Config; added: number[] } {
    const { draft, added } = this.planDraft(ops);
    return { config: configOf(draft), added };
  }

  private planDraft(ops: Op[]): { draft: Draft; nextIds: Map<MenuName, number>; added: number[]; lines: string[] } {
    const draft = this.cloneDraft();
    const nextIds = new Map(this.nextIds);
    const added: number[] = [];
    const removedNames: { menu: MenuDef; id: number; name: string }[] = [];
    const lines: string[] = [];

    for (const op of ops) {
      const menu = getMenu(op.menu);
      if (!menu) throw new ConfigError([{ menu: String(op.menu), message: 'no such menu' }]);
      const list = draft.get(op.menu)!;
      const find = (id: number): HeldEntry => {
        const e = list.find((x) => x.id === id);
        if (!e) throw new ConfigError([{ menu: menu.name, id, message: `no such item ${formatId(id)}` }]);
        return e;
      };
      switch (op.op) {
        case 'add': {
          if (menu.single) throw new ConfigError([{ menu: menu.name, message: 'has no entries to add; use set' }]);
          let base = defaults(menu);
          if (op.copyFrom !== undefined) {
            const src = find(op.copyFrom);
            base = structuredClone(src.values);
            if (menu.key) base[menu.key] = uniqueCopyName(list, menu.key, String(src.values[menu.key]));
          }
          let values = applyInput(menu, base, op.values);
          values = this.prepare(op.menu, values, null);
          const id = nextIds.get(op.menu) ?? 1;
          nextIds.set(op.menu, id + 1);
          list.push({ id, values, builtin: false });
          added.push(id);
          lines.push(`add ${menu.path} ${formatId(id)}${describe(menu, values, op.values)}`);
          break;
        }
        case 'set': {
          const cur = find(op.id);
          let values = applyInput(menu, cur.values, op.values, op.id);
          values = this.prepare(op.menu, values, cur.values);
          if (menu.key && cur.builtin && values[menu.key] !== cur.values[menu.key]) {
            throw new ConfigError([
              { menu: menu.name, id: op.id, field: menu.key, message: 'a default entry cannot be renamed' },
            ]);
          }
          list[list.indexOf(cur)] = { ...cur, values };
          if (menu.key && values[menu.key] !== cur.values[menu.key])
            renameReferences(draft, menu, String(cur.values[menu.key]), String(values[menu.key]));
          lines.push(`set ${menu.path} ${formatId(op.id)}${describe(menu, values, op.values)}`);
          break;
        }
        case 'remove': {
          if (menu.single) throw new ConfigError([{ menu: menu.name, message: 'cannot be removed' }]);
          const cur = find(op.id);
          if (cur.builtin)
            throw new ConfigError([{ menu: menu.name, id: op.id, message: 'a default entry cannot be removed' }]);
          list.splice(list.indexOf(cur), 1);
          if (menu.key) removedNames.push({ menu, id: op.id, name: String(cur.values[menu.key]) });
          lines.push(`remove ${menu.path} ${formatId(op.id)}`);
          break;
        }
        case 'move': {
          if (!menu.ordered) throw new ConfigError([{ menu: menu.name, message: 'entries have no order to move' }]);
          const moving = op.ids.map(find);
          const rest = list.filter((e) => !moving.includes(e));
          let at = rest.length;
          if (op.before !== undefined) {
            if (op.ids.includes(op.before))
              throw new ConfigError([
                { menu: menu.name, id: op.before, message: 'cannot move an entry before itself' },
              ]);
            at = rest.indexOf(find(op.before));
          }
          rest.splice(at, 0, ...moving);
          list.splice(0, list.length, ...rest);
          lines.push(
            `move ${menu.path} ${op.ids.map(formatId).join(',')}${op.before !== undefined ? ` before ${formatId(op.before)}` : ' to end'}`,
          );
          break;
        }
      }
    }

    // An entry still named by another cannot go: say who uses it.
    const config = configOf(draft);
    const inUse: ConfigIssue[] = [];
    for (const r of removedNames) {
      const users = referencesTo(config, r.menu.name, r.name);
      if (users.length) {
        inUse.push({
          menu: r.menu.name,
          id: r.id,
          message: `cannot remove "${r.name}": used by ${users.map((u) => `${u.menu} ${formatId(u.id)} (${u.field})`).join(', ')}`,
        });
      }
    }
    if (inUse.length) throw new ConfigError(inUse);
    const issues = checkConfig(config);
    if (issues.length) throw new ConfigError(issues);
    return { draft, nextIds, added, lines };
  }

  /** RouterOS /undo: revert the newest change that is not undone yet. */
  undo(user: string): { rev: number; undid: number } {
    const target = this.db
      .prepare(`SELECT rev, changes FROM revisions WHERE kind = 'change' AND undone = 0 ORDER BY rev DESC LIMIT 1`)
      .get() as { rev: number; changes: string } | undefined;
    if (!target) throw new ConfigError([{ menu: 'undo', message: 'nothing to undo' }]);
    const changes = this.replayable('undo', target.rev, target.changes)
      .map((c) => ({ ...c, before: c.after, after: c.before }))
      .reverse();
    const rev = this.replay(user, 'undo', target.rev, changes, `undo revision ${target.rev}`);
    this.db.prepare('UPDATE revisions SET undone = 1 WHERE rev = ?').run(target.rev);
    return { rev, undid: target.rev };
  }

  /** RouterOS /redo: re-apply the most recently undone change (until a new change is made). */
  redo(user: string): { rev: number; redid: number } {
    const target = this.db
      .prepare(
        `SELECT r.rev, r.changes FROM revisions r JOIN revisions u ON u.target = r.rev AND u.kind = 'undo'
                WHERE r.undone = 1 ORDER BY u.rev DESC LIMIT 1`,
      )
      .get() as { rev: number; changes: string } | undefined;
    if (!target) throw new ConfigError([{ menu: 'redo', message: 'nothing to redo' }]);
    const changes = this.replayable('redo', target.rev, target.changes);
    const rev = this.replay(user, 'redo', target.rev, changes, `redo revision ${target.rev}`);
    this.db.prepare('UPDATE revisions SET undone = 0 WHERE rev = ?').run(target.rev);
    return { rev, redid: target.rev };
  }

  history(limit = 100): Revision[] {
    return this.db
      .prepare('SELECT rev, at, user, kind, target, summary, undone FROM revisions ORDER BY rev DESC LIMIT ?')
      .all(limit) as Revision[];
  }

  /** Events after `since`, rebuilt from the revisions table; null if `since` is in the future. */
  eventsSince(since: number): ChangeEvent[] | null {
    if (since > this.rev) return null;
    const rows = this.db
      .prepare('SELECT rev, at, user, kind, summary, changes FROM revisions WHERE rev > ? ORDER BY rev')
      .all(since) as {
      rev: number;
      at: number;
      user: string;
      kind: ChangeEvent['kind'];
      summary: string;
      changes: string;
    }[];
    return rows.map((r) => toEvent(r.rev, r.at, r.user, r.kind, r.summary, this.openRevision(r.changes).changes));
  }

  /**
   * Secrets replaced more than UNDO_WINDOW_MS before `now` leave the undo history (then undoing the change that
   * replaced them is refused). Runs at start and at most hourly with a commit.
   */
  pruneSecrets(now: number): void {
    this.prunedAt = now;
    const rows = this.db
      .prepare(`SELECT rev, at, changes FROM revisions WHERE changes LIKE '%"sealed":%' ORDER BY rev`)
      .all() as { rev: number; at: number; changes: string }[];
    const held = (menu: string, id: number) => this.entries.get(menu as MenuName)?.find((e) => e.id === id);
    const current = (menu: string, id: number, field: string) => held(menu, id)?.values[field];
    const pruned = pruneSecrets(
      this.box,
      rows.map((r) => ({ rev: r.rev, at: r.at, changes: JSON.parse(r.changes) as Change[] })),
      current,
      now,
    );
    if (!pruned.ok) throw new Error(pruned.error);
    const set = this.db.prepare('UPDATE revisions SET changes = ? WHERE rev = ?');
    this.db.transaction(() => {
      for (const r of pruned.value) set.run(JSON.stringify(r.changes), r.rev);
    })();
  }

  // ------------------------------------------------------------------------------------------
  /** A revision's changes in clear text; a key that does not open them is a broken installation, not an input. */
  private openRevision(stored: string): { changes: Change[]; pruned: boolean } {
    const opened = openChanges(this.box, JSON.parse(stored) as Change[]);
    if (!opened.ok) throw new Error(opened.error);
    return opened.value;
  }

  /** The changes of `target` to undo or redo, refused if the undo window pruned a secret they would restore. */
  private replayable(kind: 'undo' | 'redo', target: number, stored: string): Change[] {
    const { changes, pruned } = this.openRevision(stored);
    if (pruned)
      throw new ConfigError([
        {
          menu: kind,
          message: `cannot ${kind} revision ${target}: a secret it would restore was replaced more than ${UNDO_WINDOW_MS / 86_400_000} days ago and was removed from the undo history`,
        },
      ]);
    return changes;
  }

  /** The menu's hook, if it has one; `values` and `before` are `menu`'s (applyInput made them). */
  private prepare(
    menu: MenuName,
    values: Record<string, unknown>,
    before: Record<string, unknown> | null,
  ): Record<string, unknown> {
    type AnyHook = (values: Record<string, unknown>, before: Record<string, unknown> | null) => Record<string, unknown>;
    const hook = this.hooks[menu] as AnyHook | undefined;
    return hook ? hook(values, before) : values;
  }

  private replay(user: string, kind: 'undo' | 'redo', target: number, changes: Change[], summary: string): number {
    const draft = this.cloneDraft();
    for (const c of changes) {
      const list = draft.get(c.menu)!;
      const i = list.findIndex((e) => e.id === c.id);
      if (i >= 0) list.splice(i, 1);
    }
    const back = changes.filter((c) => c.after).sort((a, b) => a.after!.position - b.after!.position);
    for (const c of back) {
      const list = draft.get(c.menu)!;
      const entry = { id: c.id, values: c.after!.values, builtin: c.after!.builtin };
      if (getMenu(c.menu)!.ordered) list.splice(Math.min(c.after!.position, list.length), 0, entry);
      else {
        list.push(entry);
        list.sort((a, b) => a.id - b.id);
      }
    }
    const issues = checkConfig(configOf(draft));
    if (issues.length)
      throw new ConfigError([{ menu: kind, message: `cannot ${kind} revision ${target} now` }, ...issues]);
    return this.commit(user, kind, target, summary, draft, this.nextIds);
  }

  private commit(
    user: string,
    kind: ChangeEvent['kind'],
    target: number | null,
    summary: string,
    draft: Draft,
    nextIds: Map<MenuName, number>,
  ): number {
    const changes = diff(this.entries, draft);
    if (changes.length === 0) return this.rev;
    const at = Date.now();
    const rev = this.rev + 1;
    const upsert = this.db.prepare(
      'INSERT OR REPLACE INTO entries (menu, id, position, builtin, data) VALUES (?, ?, ?, ?, ?)',
    );
    const del = this.db.prepare('DELETE FROM entries WHERE menu = ? AND id = ?');
    this.db.transaction(() => {
      for (const c of changes) {
        if (c.after) {
          const data = JSON.stringify(sealValues(this.box, c.menu, c.after.values));
          upsert.run(c.menu, c.id, c.after.position, c.after.builtin ? 1 : 0, data);
        } else del.run(c.menu, c.id);
      }
      const setId = this.db.prepare('INSERT OR REPLACE INTO id_counters (menu, next_id) VALUES (?, ?)');
      for (const [m, n] of nextIds) if (this.nextIds.get(m) !== n) setId.run(m, n);
      if (kind === 'change') this.db.prepare('UPDATE revisions SET undone = 2 WHERE undone = 1').run();
      this.db
        .prepare('INSERT INTO revisions (rev, at, user, kind, target, summary, changes) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(rev, at, user, kind, target, summary, JSON.stringify(sealChanges(this.box, changes)));
      this.db
        .prepare('INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)')
        .run(at, user, `config ${kind}`, `revision ${rev}: ${summary}`);
    })();
    // Only after the commit succeeded does memory follow.
    this.entries = draft;
    this.nextIds = new Map(nextIds);
    this.rev = rev;
    this.emit('change', toEvent(rev, at, user, kind, summary, changes));
    if (at - this.prunedAt > PRUNE_EVERY_MS) this.pruneSecrets(at);
    return rev;
  }

  private cloneDraft(): Draft {
    return new Map(MENU_NAMES.map((m) => [m, [...this.list(m)]]));
  }

  private load(): void {
    for (const m of MENU_NAMES) this.entries.set(m, []);
    const rows = this.db.prepare('SELECT menu, id, builtin, data FROM entries ORDER BY menu, position, id').all() as {
      menu: MenuName;
      id: number;
      builtin: number;
      data: string;
    }[];
    for (const r of rows) {
      const menu = getMenu(r.menu);
      if (!menu) continue;
      const stored = openValues(this.box, r.menu, JSON.parse(r.data) as Record<string, unknown>);
      if (!stored.ok) throw new Error(stored.error);
      // Entries written by an older version get new properties' defaults.
      this.entries
        .get(r.menu)!
        .push({ id: r.id, values: { ...defaults(menu), ...stored.value }, builtin: r.builtin === 1 });
    }
    for (const r of this.db.prepare('SELECT menu, next_id FROM id_counters').all() as {
      menu: MenuName;
      next_id: number;
    }[]) {
      this.nextIds.set(r.menu, r.next_id);
    }
    this.rev = (this.db.prepare('SELECT MAX(rev) AS rev FROM revisions').get() as { rev: number | null }).rev ?? 0;
  }

  /** The built-in entries exist from first start (default proposal, profile, group, template, ...). */
  private seedBuiltins(): void {
    if (this.rev > 0) return;
    const draft = this.cloneDraft();
    const nextIds = new Map(this.nextIds);
    for (const menu of CONFIG_MENUS as readonly MenuDef[]) {
      const name = menu.name as MenuName;
      const seeds = menu.single ? [{}] : menu.builtins;
      for (const seed of seeds) {
        const id = nextIds.get(name) ?? 1;
        nextIds.set(name, id + 1);
        draft.get(name)!.push({ id, values: applyInput(menu, defaults(menu), seed), builtin: !menu.single });
      }
    }
    this.commit('system', 'change', null, 'initial default configuration', draft, nextIds);
    // The defaults are not something to undo.
    this.db.prepare('UPDATE revisions SET undone = 2 WHERE rev = ?').run(this.rev);
  }
}

/**
 * The store's edge, where stored values get their menu's type (asserted here, and for the hooks in prepare()): every
 * entry was written through applyInput with its menu's zod field schemas, or loaded over its menu's defaults, and is
 * kept under its menu's name.
 */
function typed<M extends MenuName>(entries: HeldEntry[]): StoredEntry<M>[] {
  return entries as StoredEntry[] as StoredEntry<M>[];
}

function configOf(draft: Draft): Config {
  const config: Partial<Record<MenuName, StoredEntry[]>> = {};
  for (const m of MENU_NAMES) config[m] = typed([...(draft.get(m) ?? [])]);
  return config as Config;
}

function diff(before: Draft, after: Draft): Change[] {
  const out: Change[] = [];
  for (const m of MENU_NAMES) {
    const menu = getMenu(m)!;
    const oldList = before.get(m) ?? [];
    const newList = after.get(m) ?? [];
    const pos = (i: number, e: HeldEntry) => (menu.ordered ? i : e.id);
    const oldById = new Map(oldList.map((e, i) => [e.id, { e, position: pos(i, e) }]));
    const newIds = new Set<number>();
    newList.forEach((e, i) => {
      newIds.add(e.id);
      const old = oldById.get(e.id);
      const position = pos(i, e);
      if (old && old.e === e && old.position === position) return;
      out.push({
        menu: m,
        id: e.id,
        before: old ? { values: old.e.values, position: old.position, builtin: old.e.builtin } : null,
        after: { values: e.values, position, builtin: e.builtin },
      });
    });
    for (const [id, old] of oldById) {
      if (!newIds.has(id))
        out.push({
          menu: m,
          id,
          before: { values: old.e.values, position: old.position, builtin: old.e.builtin },
          after: null,
        });
    }
  }
  return out;
}

function toEvent(
  rev: number,
  at: number,
  user: string,
  kind: ChangeEvent['kind'],
  summary: string,
  changes: Change[],
): ChangeEvent {
  return {
    rev,
    at,
    user,
    kind,
    summary,
    changes: changes.map((c) => ({
      menu: c.menu,
      id: c.id,
      entry: c.after ? { id: c.id, values: c.after.values, builtin: c.after.builtin } : null,
      position: c.after?.position ?? -1,
    })),
  };
}

function renameReferences(draft: Draft, target: MenuDef, from: string, to: string): void {
  for (const m of CONFIG_MENUS as readonly MenuDef[]) {
    const refFields = Object.entries(m.fields)
      .filter(([, f]) => f.kind === 'ref' && f.ref?.menu === target.name)
      .map(([p]) => p);
    if (!refFields.length) continue;
    const list = draft.get(m.name as MenuName)!;
    list.forEach((e, i) => {
      if (refFields.some((p) => e.values[p] === from)) {
        const values = { ...e.values };
        for (const p of refFields) if (values[p] === from) values[p] = to;
        list[i] = { ...e, values };
      }
    });
  }
}

function uniqueCopyName(list: readonly HeldEntry[], key: string, name: string): string {
  const taken = new Set(list.map((e) => e.values[key]));
  for (let n = 1; ; n++) {
    const candidate = `${name}-copy${n > 1 ? n : ''}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** " name=x address=y" for the audit summary: the properties the user gave, secrets as "(set)". */
function describe(menu: MenuDef, values: Record<string, unknown>, input: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const prop of Object.keys(input)) {
    const field = menu.fields[prop];
    if (!field) continue;
    if (field.meta.secret) {
      if (input[prop] !== SECRET_PLACEHOLDER) parts.push(`${prop}=(set)`);
      continue;
    }
    parts.push(`${prop}=${field.print(values[prop])}`);
  }
  return parts.length ? ` ${parts.join(' ')}` : '';
}

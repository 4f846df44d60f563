// The RouterOS verbs (print/get/add/set/remove/enable/disable/comment/move) over the store, with
// permissions. Both the tRPC router and the REST API call this: one behaviour, two transports.
import { ConfigError, getMenu, type MenuName } from '@ipsec/schema';
import { canWrite, isFull, type User } from '../auth/users.ts';
import type { LiveState } from '../live/live-state.ts';
import type { LiveRow } from '../live/watch.ts';
import type { ConfigStore, Op } from '../store/config-store.ts';
import { publicKeyPem } from '../store/key-hooks.ts';
import { presentDynamic, presentEntry, presentMenu, type ApiEntry } from './present.ts';
import { isDynamicId } from '../live/dynamic-entries.ts';

export class ForbiddenError extends Error {}
export class NotFoundError extends Error {}

export class ConfigService {
  constructor(
    readonly store: ConfigStore,
    private readonly live: LiveState,
    private readonly audit: (user: string, action: string, detail: string) => void,
  ) {}

  print(menu: MenuName): { rev: number; items: ApiEntry[] } {
    return { rev: this.store.revision(), items: presentMenu(this.store.config(), menu, this.live.dynamic) };
  }

  get(menu: MenuName, id: number): ApiEntry {
    if (isDynamicId(id)) {
      const d = this.live.dynamic.get(menu, id);
      if (!d) throw new NotFoundError(`${menu}: no such item`);
      return presentDynamic(getMenu(menu)!, d);
    }
    const e = this.store.get(menu, id);
    if (!e) throw new NotFoundError(`${menu}: no such item`);
    return presentEntry(getMenu(menu)!, e, this.store.config(), this.live.dynamic);
  }

  apply(user: User, ops: Op[], summary?: string): { rev: number; added: number[] } {
    requireWrite(user);
    refuseDynamic(ops);
    const result = this.store.apply(user.name, ops, summary);
    this.live.log(['system', 'info'], `config changed by ${user.name} (revision ${result.rev})`);
    return result;
  }

  add(user: User, menu: MenuName, values: Record<string, unknown>, copyFrom?: number): ApiEntry {
    const { added } = this.apply(user, [{ op: 'add', menu, values, ...(copyFrom !== undefined ? { copyFrom } : {}) }]);
    return this.get(menu, added[0]!);
  }

  set(user: User, menu: MenuName, ids: number[], values: Record<string, unknown>): ApiEntry[] {
    if (getMenu(menu)!.single) ids = [this.store.list(menu)[0]!.id];
    this.apply(user, ids.map((id) => ({ op: 'set' as const, menu, id, values })));
    return ids.map((id) => this.get(menu, id));
  }

  remove(user: User, menu: MenuName, ids: number[]): void {
    this.apply(user, ids.map((id) => ({ op: 'remove' as const, menu, id })));
  }

  move(user: User, menu: MenuName, ids: number[], before?: number): void {
    this.apply(user, [{ op: 'move', menu, ids, ...(before !== undefined ? { before } : {}) }]);
  }

  undo(user: User) {
    requireWrite(user);
    return this.store.undo(user.name);
  }

  redo(user: User) {
    requireWrite(user);
    return this.store.redo(user.name);
  }

  /** Keys > export-pub-key: the public half only; audited. */
  exportPublicKey(user: User, id: number): string {
    const e = this.store.get('key', id);
    if (!e) throw new NotFoundError('key: no such item');
    this.audit(user.name, 'key export-pub-key', String(e.values.name));
    return publicKeyPem(String(e.values['private-key-pem']));
  }

  killConnections(user: User): number {
    requireWrite(user);
    const n = this.live.killConnections();
    this.live.log(['ipsec', 'info'], `kill-connections by ${user.name}: ${n} peer(s)`);
    return n;
  }

  flushSas(user: User): number {
    requireWrite(user);
    const n = this.live.flushSas();
    this.live.log(['ipsec', 'info'], `installed-sa flush by ${user.name}: ${n} SA(s)`);
    return n;
  }

  /** Installed SAs as REST and queries show them: keys only for full users, expires-in now. */
  installedSas(user: User): Record<string, unknown>[] {
    const now = Date.now();
    return [...this.live.sas.values()].map((sa) => {
      const { 'expires-at': expiresAt, ...row } = this.visibleSa(user, sa as LiveRow);
      return typeof expiresAt === 'number' ? { ...row, 'expires-in': Math.max(0, Math.floor((expiresAt - now) / 1000)) } : row;
    });
  }

  /** An SA row as `user` may see it: the keys only for group full. */
  visibleSa(user: User, sa: LiveRow): LiveRow {
    return isFull(user) ? sa : { ...sa, 'enc-key': '', 'auth-key': '' };
  }
}

/** Dynamic entries (generated policies) live with their SA: no set, remove, move or copy. */
export function refuseDynamic(ops: Op[]): void {
  const issues = ops.flatMap((op) => {
    const ids = op.op === 'move' ? [...op.ids, ...(op.before !== undefined ? [op.before] : [])] : op.op === 'add' ? (op.copyFrom !== undefined ? [op.copyFrom] : []) : [op.id];
    const verb = op.op === 'add' ? 'copied' : op.op === 'move' ? 'moved' : op.op === 'remove' ? 'removed' : 'changed';
    return ids.filter(isDynamicId).map((id) => ({ menu: op.menu, id, message: `dynamic entry (added at run time${op.menu === 'policy' ? ' by generate-policy for an IKE SA' : ''}): it cannot be ${verb}; it goes away with its SA` }));
  });
  if (issues.length) throw new ConfigError(issues);
}

export function requireWrite(user: User): void {
  if (!canWrite(user)) throw new ForbiddenError(`user ${user.name} (group ${user.group}) may not change the configuration`);
}

export function requireFull(user: User): void {
  if (!isFull(user)) throw new ForbiddenError(`user ${user.name} (group ${user.group}) needs group full for this`);
}

export { ConfigError };

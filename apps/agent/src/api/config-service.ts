// The RouterOS verbs (print/get/add/set/remove/enable/disable/comment/move) over the store, with
// permissions. Both the tRPC router and the REST API call this: one behaviour, two transports.
import { ConfigError, formatId, getMenu, parseId, plainText, type MenuName } from '@ipsec/schema';
import { canWrite, isFull, type User } from '../auth/users.ts';
import type { IpsecCommands, LiveState } from '../live/live-state.ts';
import type { LiveRow } from '../live/watch.ts';
import type { ConfigStore, Op, StoredEntry } from '../store/config-store.ts';
import {
  certInfo,
  chainOf,
  exportCertificate,
  keyMatches,
  readImport,
  signValues,
  type ExportType,
  type ExportedFiles,
} from '../store/certificates.ts';
import { prepareNewKeys, publicKeyPem } from '../store/key-hooks.ts';
import { presentDynamic, presentEntry, presentMenu, type ApiEntry } from './present.ts';
import { isDynamicId } from '../live/dynamic-entries.ts';

export class ForbiddenError extends Error {}
export class NotFoundError extends Error {}

export class ConfigService {
  constructor(
    readonly store: ConfigStore,
    private readonly live: LiveState,
    private readonly audit: (user: string, action: string, detail: string) => void,
    private readonly ipsec: IpsecCommands,
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

  /** `baseRev`: the revision the ops were planned on (ConfigStore.apply refuses them on any other). */
  async apply(user: User, ops: Op[], summary?: string, baseRev?: number): Promise<{ rev: number; added: number[] }> {
    requireWrite(user);
    refuseDynamic(ops);
    const text = plainText(summary ?? '');
    if (!text.ok) throw new ConfigError([{ menu: 'config', field: 'summary', message: text.error }]);
    // Keys and certificates added without PEM get their key pairs first (async crypto, off the event loop).
    const prepared = await prepareNewKeys(this.store, ops);
    const result = this.store.apply(user.name, prepared, summary, baseRev);
    this.live.log(['system', 'info'], `config changed by ${user.name} (revision ${result.rev})`);
    return result;
  }

  async add(user: User, menu: MenuName, values: Record<string, unknown>, copyFrom?: number): Promise<ApiEntry> {
    const { added } = await this.apply(user, [
      { op: 'add', menu, values, ...(copyFrom !== undefined ? { copyFrom } : {}) },
    ]);
    return this.get(menu, added[0]!);
  }

  async set(user: User, menu: MenuName, ids: number[], values: Record<string, unknown>): Promise<ApiEntry[]> {
    if (getMenu(menu)!.single) ids = [this.store.list(menu)[0]!.id];
    await this.apply(
      user,
      ids.map((id) => ({ op: 'set' as const, menu, id, values })),
    );
    return ids.map((id) => this.get(menu, id));
  }

  async remove(user: User, menu: MenuName, ids: number[]): Promise<void> {
    await this.apply(
      user,
      ids.map((id) => ({ op: 'remove' as const, menu, id })),
    );
  }

  async move(user: User, menu: MenuName, ids: number[], before?: number): Promise<void> {
    await this.apply(user, [{ op: 'move', menu, ids, ...(before !== undefined ? { before } : {}) }]);
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
    this.audit(user.name, 'key export-pub-key', e.values.name);
    return publicKeyPem(e.values['private-key-pem']);
  }

  // ---------------------------------------------------------------------------------- certificates
  /** A certificate entry by id or name. */
  certificate(ref: number | string): StoredEntry<'certificate'> {
    const list = this.store.list('certificate');
    const e =
      typeof ref === 'number'
        ? list.find((c) => c.id === ref)
        : (list.find((c) => c.values.name === ref) ?? list.find((c) => c.id === parseId(ref)));
    if (!e) throw new NotFoundError(`certificate: no such item (${typeof ref === 'number' ? formatId(ref) : ref})`);
    return e;
  }

  /** RouterOS `/certificate sign <cert> [ca=<ca>]`: re-issue with the same key, signed by `ca` or self-signed. */
  async sign(user: User, ref: number | string, ca?: string): Promise<ApiEntry> {
    requireWrite(user);
    const cert = this.certificate(ref);
    const issuer = ca ? this.certificate(ca) : undefined;
    const values = await signValues(cert, issuer);
    await this.apply(
      user,
      [{ op: 'set', menu: 'certificate', id: cert.id, values }],
      `sign certificate ${formatId(cert.id)} ${cert.values.name}${issuer ? ` ca=${issuer.values.name}` : ' (self-signed)'}`,
    );
    return this.get('certificate', cert.id);
  }

  /**
   * RouterOS `/certificate import`: PEM (certificates, a key, encrypted with `passphrase` or not) or
   * base64 PKCS#12. The certificate with the key is named `name`, others name_1, name_2...; certificates
   * already here are skipped; a lone key is attached to the certificate it belongs to.
   */
  async importCertificates(
    user: User,
    input: { name: string; content: string; passphrase?: string; trusted?: boolean },
  ): Promise<ApiEntry[]> {
    requireWrite(user);
    const { certs, orphanKey } = await readImport(input.content, input.passphrase ?? '');
    const existing = this.store.list('certificate');
    const ops: Op[] = [];
    const touched: number[] = [];
    if (orphanKey) {
      const owner = existing.find((e) => keyMatches(e.values['certificate-pem'], orphanKey));
      if (!owner)
        throw new ConfigError([
          {
            menu: 'certificate',
            message: 'the private key belongs to no certificate here; import it together with its certificate',
          },
        ]);
      ops.push({ op: 'set', menu: 'certificate', id: owner.id, values: { 'private-key-pem': orphanKey } });
      touched.push(owner.id);
    }
    let n = 0;
    for (const c of certs) {
      const same = existing.find(
        (e) => e.values['certificate-pem'] && certInfo(e.values['certificate-pem']).fingerprint === c.fingerprint,
      );
      if (same) {
        if (c.privateKey && !same.values['private-key-pem']) {
          ops.push({ op: 'set', menu: 'certificate', id: same.id, values: { 'private-key-pem': c.privateKey } });
          touched.push(same.id);
        }
        continue;
      }
      const name = n === 0 ? input.name : `${input.name}_${n}`;
      n++;
      ops.push({
        op: 'add',
        menu: 'certificate',
        values: {
          name,
          'certificate-pem': c.certificate,
          'private-key-pem': c.privateKey,
          trusted: input.trusted ?? c.ca,
        },
      });
    }
    const { added } = await this.apply(
      user,
      ops,
      `import certificate ${input.name}: ${certs.length} certificate(s)` +
        `${certs.some((c) => c.privateKey) || orphanKey ? ' and a private key' : ''}`,
    );
    return [...touched, ...added].map((id) => this.get('certificate', id));
  }

  /** RouterOS `/certificate export-certificate`: group full only, audited. Private keys only encrypted. */
  async exportCertificate(
    user: User,
    ref: number | string,
    type: ExportType = 'pem',
    passphrase = '',
  ): Promise<ExportedFiles> {
    requireFull(user);
    const cert = this.certificate(ref);
    const all = this.store
      .list('certificate')
      .map((e) => e.values['certificate-pem'])
      .filter(Boolean);
    const out = await exportCertificate(
      cert.values,
      type,
      passphrase,
      type === 'pkcs12' ? chainOf(cert.values['certificate-pem'], all) : [],
    );
    const withKey =
      out.files.some((f) => f.name.endsWith('.key')) || (type === 'pkcs12' && cert.values['private-key-pem'] !== '');
    this.audit(
      user.name,
      'certificate export',
      `${cert.values.name} type=${type}${withKey ? ' with private key' : ''}`,
    );
    this.live.log(
      ['system', 'info'],
      `certificate ${cert.values.name} exported (${type}${withKey ? ', with private key' : ''}) by ${user.name}`,
    );
    return out;
  }

  killConnections(user: User): number {
    requireWrite(user);
    const n = this.ipsec.killConnections();
    this.live.log(['ipsec', 'info'], `kill-connections by ${user.name}: ${n} peer(s)`);
    return n;
  }

  flushSas(user: User): number {
    requireWrite(user);
    const n = this.ipsec.flushSas();
    this.live.log(['ipsec', 'info'], `installed-sa flush by ${user.name}: ${n} SA(s)`);
    return n;
  }

  /** Installed SAs as REST and queries show them: keys only for full users, expires-in now. */
  installedSas(user: User): Record<string, unknown>[] {
    const now = Date.now();
    return [...this.live.sas.values()].map((sa) => {
      const { 'expires-at': expiresAt, ...row } = this.visibleSa(user, sa as LiveRow);
      return typeof expiresAt === 'number'
        ? { ...row, 'expires-in': Math.max(0, Math.floor((expiresAt - now) / 1000)) }
        : row;
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
    const ids =
      op.op === 'move'
        ? [...op.ids, ...(op.before !== undefined ? [op.before] : [])]
        : op.op === 'add'
          ? op.copyFrom !== undefined
            ? [op.copyFrom]
            : []
          : [op.id];
    const verb = op.op === 'add' ? 'copied' : op.op === 'move' ? 'moved' : op.op === 'remove' ? 'removed' : 'changed';
    return ids.filter(isDynamicId).map((id) => ({
      menu: op.menu,
      id,
      message:
        `dynamic entry (added at run time${op.menu === 'policy' ? ' by generate-policy for an IKE SA' : ''}): it ` +
        `cannot be ${verb}; it goes away with its SA`,
    }));
  });
  if (issues.length) throw new ConfigError(issues);
}

export function requireWrite(user: User): void {
  if (!canWrite(user))
    throw new ForbiddenError(`user ${user.name} (group ${user.group}) may not change the configuration`);
}

export function requireFull(user: User): void {
  if (!isFull(user)) throw new ForbiddenError(`user ${user.name} (group ${user.group}) needs group full for this`);
}

export { ConfigError };

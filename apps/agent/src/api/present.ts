// How entries leave the agent: secrets replaced by a placeholder, read-only status computed,
// typed for tRPC and as RouterOS strings for REST. Every outgoing entry passes through here.
import {
  SECRET_PLACEHOLDER,
  formatId,
  getMenu,
  prefixLength,
  type AnyEntry,
  type Config,
  type Entry,
  type Field,
  type MenuDef,
  type MenuName,
} from '@ipsec/schema';
import { certInfoOrNone, issuedBy } from '../store/certificates.ts';
import type { DynamicEntries, DynamicEntry } from '../live/dynamic-entries.ts';

export interface ApiEntry {
  '.id': string;
  id: number;
  [prop: string]: unknown;
}

export function presentEntry(menu: MenuDef, entry: AnyEntry, config: Config, dynamic?: DynamicEntries): ApiEntry {
  const out: ApiEntry = { '.id': formatId(entry.id), id: entry.id };
  for (const [prop, field] of Object.entries(menu.fields)) {
    const v = entry.values[prop];
    out[prop] = field.meta.secret ? (v ? SECRET_PLACEHOLDER : '') : v;
  }
  Object.assign(out, statusOf(menu, entry, config));
  if (menu.name === 'policy' && !entry.values.template) {
    const live = dynamic?.policyLive(entry.id);
    if (live) Object.assign(out, live);
  }
  return out;
}

/** A run-time entry (flag D): its values and status as they are; secrets masked like stored ones. */
export function presentDynamic(menu: MenuDef, entry: DynamicEntry): ApiEntry {
  const out: ApiEntry = { '.id': formatId(entry.id), id: entry.id };
  for (const [prop, field] of Object.entries(menu.fields)) {
    const v = entry.values[prop] ?? field.default;
    out[prop] = field.meta.secret ? (v ? SECRET_PLACEHOLDER : '') : v;
  }
  for (const [prop, field] of Object.entries(menu.status)) out[prop] = field.default;
  Object.assign(out, entry.status, { dynamic: true });
  return out;
}

/** Stored entries in order, then the dynamic ones (RouterOS lists generated policies after the configured). */
export function presentMenu(config: Config, name: MenuName, dynamic?: DynamicEntries): ApiEntry[] {
  const menu = getMenu(name)!;
  const stored = config[name].map((e) => presentEntry(menu, e, config, dynamic));
  const dyn = dynamic?.list(name) ?? [];
  return dyn.length ? [...stored, ...dyn.map((e) => presentDynamic(menu, e))] : stored;
}

/** Read-only properties derived from the configuration (live ones come from the engine). */
function statusOf(menu: MenuDef, entry: AnyEntry, config: Config): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (const [prop, field] of Object.entries(menu.status)) s[prop] = field.default;
  if ('default' in menu.status) s.default = entry.builtin === true;
  // `entry` is one of `menu`'s: its values are that menu's.
  const derive = STATUS[menu.name as MenuName] as ((e: AnyEntry, config: Config) => object) | undefined;
  return { ...s, ...derive?.(entry, config) };
}

/** The status each menu derives from an entry (and the rest of the configuration). */
const STATUS: { [M in MenuName]?: (e: Entry<M>, config: Config) => Record<string, unknown> } = {
  peer: ({ values: v }) => ({ responder: v.passive }),
  key: ({ values: v }) => ({ 'private-key': v['private-key-pem'].includes('PRIVATE KEY'), rsa: true }),
  certificate({ values: v }, config) {
    const pem = v['certificate-pem'];
    const info = certInfoOrNone(pem);
    if (!info) return {};
    const now = Date.now();
    const privateKey = v['private-key-pem'] !== '';
    const issuer = issuedBy(pem, config.certificate);
    const expired = info.notAfter.getTime() < now;
    return {
      issuer: info.issuer,
      'serial-number': info.serial,
      fingerprint: info.fingerprint,
      'invalid-before': printDate(info.notBefore),
      'invalid-after': printDate(info.notAfter),
      'expires-after': Math.max(0, Math.floor((info.notAfter.getTime() - now) / 1000)),
      'private-key': privateKey,
      ca: info.ca,
      'issued-by': issuer,
      expired,
      flags:
        `${privateKey ? 'K' : ''}${info.ca ? 'A' : ''}${issuer && issuer !== v.name ? 'I' : ''}` +
        `${v.trusted ? 'T' : ''}${expired ? 'E' : ''}`,
    };
  },
  policy({ id, values: v }, config) {
    if (v.template) return {};
    const s: Record<string, unknown> = {};
    const peer = config.peer.find((p) => p.values.name === v.peer);
    if (peer) {
      const addr = peer.values.address;
      const host = addr.includes('/') && prefixLength(addr) === (addr.includes(':') ? 128 : 32);
      s['sa-dst-address'] = host ? addr.split('/')[0] : addr.includes('/') ? '::' : addr;
      s['sa-src-address'] = peer.values['local-address'] || '::';
    }
    // The manual: a policy is invalid when an earlier one has the same src-address and dst-address.
    const list = config.policy;
    const me = list.findIndex((p) => p.id === id);
    const dup = list
      .slice(0, me)
      .find(
        (p) =>
          !p.values.template &&
          !p.values.disabled &&
          p.values['src-address'] === v['src-address'] &&
          p.values['dst-address'] === v['dst-address'] &&
          p.values.protocol === v.protocol &&
          p.values['src-port'] === v['src-port'] &&
          p.values['dst-port'] === v['dst-port'],
      );
    if (dup && !v.disabled) {
      s.invalid = true;
      s['invalid-reason'] = `duplicate of policy ${formatId(dup.id)}`;
    }
    return s;
  },
};

/** RouterOS REST prints every value as a string; booleans as "true"/"false". */
export function printValue(field: Field | undefined, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null || value === undefined) return '';
  if (field && field.kind !== 'secret') return field.print(value);
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

export function printEntry(menu: MenuDef, e: ApiEntry): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [prop, value] of Object.entries(e)) {
    if (prop === 'id') continue;
    out[prop] = printValue(menu.fields[prop] ?? menu.status[prop], value);
  }
  return out;
}

/** RouterOS date-time: 2025-11-23 17:40:00 (UTC). */
function printDate(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

// Turning user input into valid entries, and checking a whole configuration: names unique,
// references resolve, per-menu rules hold. Pure functions: the agent runs them inside its
// transaction, the UI runs them for inline messages.
import { z } from 'zod';
import { nullAlgorithmIssues } from './algorithms.ts';
import { SECRET_PLACEHOLDER, type Field } from './fields.ts';
import {
  CONFIG_MENUS,
  EC_CURVES,
  RSA_KEY_SIZES,
  getMenu,
  type MenuDef,
  type MenuName,
  type MenuValues,
  type PolicyValues,
  type Values,
} from './menus.ts';
import { familyOf, isHostname, prefixLength, secretBytes } from './units.ts';

/** An entry of menu `M`. */
export interface Entry<M extends MenuName = MenuName> {
  /** Internal number; RouterOS shows it as ".id" = "*" + hex. */
  id: number;
  values: MenuValues<M>;
  /** A built-in default entry (RouterOS "*" flag): cannot be removed or renamed. */
  builtin?: boolean;
}

/** An entry of any menu, read property by property (code that works the same on every menu). */
export interface AnyEntry {
  id: number;
  values: Readonly<Record<string, unknown>>;
  builtin?: boolean;
}

/** A whole configuration: every config menu's entries (ordered menus in policy order). */
export type Config = { [M in MenuName]: Entry<M>[] };

/** Every menu's entries, read property by property: what the checks that work on any menu take (a Config is one). */
export type AnyConfig = { readonly [M in MenuName]: readonly AnyEntry[] };

/** The entries of the menu named `name`, read property by property. */
export function entriesOf(config: AnyConfig, name: string): readonly AnyEntry[] {
  return config[name as MenuName] ?? [];
}

export interface ConfigIssue {
  menu: string;
  /** Entry the issue is about, if any. */
  id?: number;
  /** RouterOS property name. */
  field?: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('; '));
    this.name = 'ConfigError';
  }
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.id !== undefined ? `${i.menu} ${formatId(i.id)}` : i.menu;
  return i.field ? `${where}: ${i.field}: ${i.message}` : `${where}: ${i.message}`;
}

export const formatId = (id: number): string => `*${id.toString(16).toUpperCase()}`;
export function parseId(text: string): number | undefined {
  const m = /^\*([0-9a-fA-F]{1,8})$/.exec(text.trim());
  return m ? parseInt(m[1]!, 16) : undefined;
}

export function defaults<M extends MenuDef>(menu: M): Values<M['fields']> {
  const out: Record<string, unknown> = {};
  for (const [prop, field] of Object.entries(menu.fields)) out[prop] = structuredClone(field.default);
  return out as Values<M['fields']>; // every field's default is of the field's type
}

function parseField(menu: MenuDef, prop: string, field: Field, raw: unknown, id?: number): unknown {
  const r = (field.schema as z.ZodType).safeParse(raw);
  if (r.success) return r.data;
  const msg = r.error.issues[0]?.message ?? 'invalid value';
  throw new ConfigError([{ menu: menu.name, id, field: prop, message: msg }]);
}

/**
 * Apply `input` (typed values or RouterOS text) over `base` (defaults for add, the current values for
 * set) and return the new values. Unknown and read-only properties are errors that name them;
 * a secret sent back as the placeholder keeps its value.
 */
export function applyInput<M extends MenuDef>(
  menu: M,
  base: Values<M['fields']>,
  input: Record<string, unknown>,
  id?: number,
): Values<M['fields']> {
  const out: Record<string, unknown> = { ...base };
  const issues: ConfigIssue[] = [];
  for (const [prop, raw] of Object.entries(input)) {
    if (prop.startsWith('.') || raw === undefined) continue; // ".id", ".about": REST bookkeeping
    // Own properties only: "constructor" or "__proto__" must not find Object.prototype's.
    const field = Object.hasOwn(menu.fields, prop) ? menu.fields[prop] : undefined;
    if (!field) {
      issues.push({
        menu: menu.name,
        id,
        field: prop,
        message: Object.hasOwn(menu.status, prop)
          ? 'is read-only'
          : `unknown property (known: ${Object.keys(menu.fields).join(', ')})`,
      });
      continue;
    }
    if (field.meta.secret && raw === SECRET_PLACEHOLDER) continue;
    try {
      out[prop] = parseField(menu, prop, field, raw, id);
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return out as Values<M['fields']>; // each property came from `base` or through its field's schema
}

/**
 * What applyInput takes from a transport: an object of properties, passed through as it came (a zod record would
 * rebuild it and silently drop an own "__proto__" key instead of letting applyInput name it).
 */
export const inputProperties = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'must be an object of properties',
);

type Complain = (field: string, message: string) => void;
const PORT_PROTOCOLS = ['tcp', 'udp', 'udp-lite', 'sctp', 'dccp', '6', '17', '132', '33', '136'];

/** Per-entry rules the manual states, by menu; they name the field to fix. */
const ENTRY_RULES: { [M in MenuName]?: (v: MenuValues<M>, add: Complain) => void } = {
  // A generated policy shown in a dialog also carries its `dynamic` status flag.
  policy(v: PolicyValues & { dynamic?: boolean }, add) {
    const src = v['src-address'];
    const dst = v['dst-address'];
    if (familyOf(src) !== familyOf(dst) && !(v.template && prefixLength(src) === 0 && prefixLength(dst) === 0)) {
      add('dst-address', `is IPv${familyOf(dst)} but src-address is IPv${familyOf(src)}`);
    }
    for (const p of ['src-port', 'dst-port'] as const) {
      if (v[p] !== 'any' && !PORT_PROTOCOLS.includes(v.protocol))
        add(p, `only applies with protocol tcp, udp, sctp, dccp or udp-lite (protocol is ${v.protocol})`);
    }
    if (!v.template && v.action === 'encrypt' && v.peer === '' && !v.dynamic) {
      add('peer', 'is required for action=encrypt (which peer should establish the SAs?)');
    }
  },
  proposal(v, add) {
    for (const i of nullAlgorithmIssues(v['enc-algorithms'], v['auth-algorithms']))
      add(i.field === 'enc' ? 'enc-algorithms' : 'auth-algorithms', i.message);
  },
  identity(v, add) {
    const m = v['auth-method'];
    if ((m === 'pre-shared-key' || m === 'pre-shared-key-xauth') && v.secret === '')
      add('secret', `is required for auth-method=${m}`);
    const key = secretBytes(v.secret);
    if (!key.ok) add('secret', key.error);
    if (m === 'digital-signature' && v.certificate === '')
      add('certificate', 'is required for auth-method=digital-signature');
    if (m === 'rsa-key' && v.key === '') add('key', 'is required for auth-method=rsa-key');
    if ((m === 'eap' || m === 'pre-shared-key-xauth') && v.username === '' && v['eap-methods'][0] !== 'eap-tls') {
      add('username', `is required for auth-method=${m}`);
    }
    if (v['match-by'] === 'certificate' && v['remote-certificate'] === '')
      add('remote-certificate', 'is required for match-by=certificate');
  },
  certificate(v, add) {
    const rsa = (RSA_KEY_SIZES as readonly string[]).includes(v['key-size']);
    if (v['key-type'] === 'rsa' && !rsa)
      add('key-size', `${v['key-size']} is an ECDSA curve; with key-type=rsa use ${RSA_KEY_SIZES.join(', ')}`);
    if (v['key-type'] === 'ecdsa' && rsa)
      add('key-size', `${v['key-size']} is an RSA size; with key-type=ecdsa use ${EC_CURVES.join(', ')}`);
    if (v['private-key-pem'] !== '' && v['certificate-pem'] === '')
      add('certificate-pem', 'is required with a private key');
  },
  'mode-config'(v, add) {
    if (v['static-dns'].length > 0 && v['system-dns'])
      add('static-dns', 'cannot be used together with system-dns=yes; set system-dns=no');
    if (v['src-address-list'] !== '' && v.responder) add('src-address-list', 'is only available with responder=no');
    if (v.address !== '' && v['address-pool'] !== '') add('address', 'give either address or address-pool, not both');
  },
  pool(v, add) {
    if (v.ranges.length === 0) add('ranges', 'is required (e.g. 192.168.77.2-192.168.77.254)');
    if (v['next-pool'] !== '' && v['next-pool'] === v.name) add('next-pool', 'cannot be the pool itself');
  },
  peer(v, add) {
    const a = v.address;
    if (!a.includes('/') && !isHostname(a)) add('address', 'must be a prefix or a DNS name');
    if (v['local-address'] !== '' && a.includes('/') && familyOf(a) !== familyOf(v['local-address'])) {
      add('local-address', `is IPv${familyOf(v['local-address'])} but address is IPv${familyOf(a)}`);
    }
  },
};

/** Per-entry rules the manual states; the issues name the field to fix. `values` are `menu`'s (applyInput made them). */
export function checkEntry(menu: MenuDef, values: Readonly<Record<string, unknown>>, id?: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add: Complain = (field, message) => issues.push({ menu: menu.name, id, field, message });
  for (const [prop, field] of Object.entries(menu.fields)) {
    if (field.meta.required && (values[prop] === '' || values[prop] === undefined)) add(prop, 'is required');
  }
  const rules = ENTRY_RULES[menu.name as MenuName] as ((v: typeof values, add: Complain) => void) | undefined;
  rules?.(values, add);
  return issues;
}

export interface Reference {
  menu: MenuName;
  id: number;
  field: string;
}

/** Entries whose ref fields name `name` in `target` menu. */
export function referencesTo(config: AnyConfig, target: string, name: string): Reference[] {
  const out: Reference[] = [];
  for (const m of CONFIG_MENUS as readonly MenuDef[]) {
    for (const [prop, field] of Object.entries(m.fields)) {
      if (field.kind !== 'ref' || field.ref?.menu !== target) continue;
      for (const e of entriesOf(config, m.name))
        if (e.values[prop] === name) out.push({ menu: m.name as MenuName, id: e.id, field: prop });
    }
  }
  return out;
}

/** Whole-configuration check: per-entry rules, unique names, references that resolve. */
export function checkConfig(config: AnyConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const m of CONFIG_MENUS as readonly MenuDef[]) {
    const entries = entriesOf(config, m.name);
    if (m.key) {
      const seen = new Map<string, number>();
      for (const e of entries) {
        const n = e.values[m.key] as string;
        if (seen.has(n))
          issues.push({
            menu: m.name,
            id: e.id,
            field: m.key,
            message: `"${n}" is already used by ${formatId(seen.get(n)!)}`,
          });
        else seen.set(n, e.id);
      }
    }
    for (const e of entries) {
      issues.push(...checkEntry(m, e.values, e.id));
      for (const [prop, field] of Object.entries(m.fields)) {
        if (field.kind !== 'ref' || !field.ref) continue;
        const v = e.values[prop] as string;
        if (v === '' || field.ref.specials.includes(v)) continue;
        const target = getMenu(field.ref.menu)!;
        const exists = entriesOf(config, target.name).some((t) => t.values[target.key ?? 'name'] === v);
        if (!exists)
          issues.push({
            menu: m.name,
            id: e.id,
            field: prop,
            message: `${target.title.toLowerCase().replace(/s$/, '')} "${v}" does not exist`,
          });
      }
      // The certificate this side signs with needs its private key (secrets arrive masked but non-empty).
      if (m.name === 'identity' && e.values.certificate && e.values['auth-method'] === 'digital-signature') {
        const cert = entriesOf(config, 'certificate').find((c) => c.values.name === e.values.certificate);
        if (cert && !cert.values['private-key-pem'])
          issues.push({
            menu: m.name,
            id: e.id,
            field: 'certificate',
            message: `certificate "${e.values.certificate}" has no private key to sign with`,
          });
      }
    }
  }
  return issues;
}

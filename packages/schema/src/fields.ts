// Field kinds: one zod schema per kind that accepts both the typed value (tRPC, UI) and RouterOS
// text (REST, CLI-style "yes", "30m", "aes-128,aes-256") and yields the canonical typed value,
// plus the printer back to RouterOS text and the metadata the UI builds its widgets from.
import { z } from 'zod';
import {
  ValueError,
  parseAddress,
  parseBool,
  parseList,
  parsePrefix,
  parsePrefixOrHost,
  parseTime,
  printBool,
  printList,
  printTime,
} from './units.ts';

export type Tab = 'General' | 'Advanced' | 'Encryption' | 'Authentication' | 'Status';

export type FieldKind =
  | 'name'
  | 'string'
  | 'bool'
  | 'int'
  | 'time'
  | 'enum'
  | 'enum-list'
  | 'prefix'
  | 'prefix-or-host'
  | 'address'
  | 'address-list'
  | 'prefix-list'
  | 'string-list'
  | 'port'
  | 'protocol'
  | 'ref'
  | 'secret'
  | 'id';

export interface FieldMeta {
  label: string;
  tab: Tab;
  help: string;
  /** Write-only: never printed, replaced by SECRET_PLACEHOLDER when set. */
  secret?: boolean;
  required?: boolean;
  /** Set by the agent, never by a user (flags, counters, state). */
  readOnly?: boolean;
}

export interface Field<Out = unknown> {
  kind: FieldKind;
  schema: z.ZodType<Out>;
  default: Out;
  print(value: Out): string;
  meta: FieldMeta;
  /** enum / enum-list / id: the allowed words. */
  values?: readonly string[];
  /** ref: the menu whose `name` this field holds, and words allowed besides a name. */
  ref?: { menu: string; specials: readonly string[] };
  min?: number;
  max?: number;
  /** time fields that also take a word, like dpd-interval=disable-dpd. */
  word?: string;
}

/** What print/get/REST show instead of a secret that is set. Sending it back means "unchanged". */
export const SECRET_PLACEHOLDER = '********';

type MetaIn = Partial<FieldMeta> & { help: string };

const ACRONYMS: Record<string, string> = {
  dh: 'DH', dpd: 'DPD', id: 'ID', ipsec: 'IPsec', nat: 'NAT', pfs: 'PFS', sa: 'SA', eap: 'EAP', prf: 'PRF',
  dns: 'DNS', rx: 'RX', tx: 'TX', ph2: 'PH2', natt: 'NAT-T', spi: 'SPI', hw: 'HW', aead: 'AEAD', rsa: 'RSA',
  xauth: 'XAuth', dst: 'Dst.', src: 'Src.',
};

/** "dpd-maximum-failures" -> "DPD Maximum Failures" (WinBox labels). */
export function labelOf(property: string): string {
  return property
    .split('-')
    .map((w) => ACRONYMS[w] ?? w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

function meta(m: MetaIn): FieldMeta {
  return { label: '', tab: 'General', ...m };
}

function issue(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/** A string schema whose transform may throw ValueError; the message becomes the issue. */
function textual<Out>(parse: (s: string) => Out) {
  return (s: string, ctx: z.RefinementCtx): Out => {
    try {
      return parse(s);
    } catch (e) {
      if (e instanceof ValueError) return issue(ctx, e.message);
      throw e;
    }
  };
}

const NAME_RE = /^[^\s,"'\\=]([^,"'\\=]{0,62}[^\s,"'\\=])?$/;

export const f = {
  name(m: MetaIn = { help: 'Unique name of this entry.' }): Field<string> {
    return {
      kind: 'name',
      schema: z.string().trim().regex(NAME_RE, 'must be 1-64 characters without commas, quotes, "=" or outer spaces'),
      default: '',
      print: (v) => v,
      meta: meta({ required: true, ...m }),
    };
  },
  string(m: MetaIn, max = 255): Field<string> {
    return { kind: 'string', schema: z.string().max(max, `must be at most ${max} characters`), default: '', print: (v) => v, meta: meta(m) };
  },
  bool(def: boolean, m: MetaIn): Field<boolean> {
    return {
      kind: 'bool',
      schema: z.union([z.boolean(), z.string().transform(textual(parseBool))]),
      default: def,
      print: printBool,
      meta: meta(m),
    };
  },
  int(def: number, min: number, max: number, m: MetaIn): Field<number> {
    const range = z.number().int(`must be a whole number`).min(min, `must be ${min}..${max}`).max(max, `must be ${min}..${max}`);
    return {
      kind: 'int',
      schema: z.union([range, z.string().trim().regex(/^\d+$/, `must be a whole number ${min}..${max}`).transform(Number).pipe(range)]),
      default: def,
      print: (v) => String(v),
      meta: meta(m),
      min,
      max,
    };
  },
  /** Seconds. `word` is an extra literal such as "disable-dpd" (stored as the word itself). */
  time<W extends string | undefined = undefined>(def: W extends string ? number | W : number, m: MetaIn, word?: W): Field<W extends string ? number | W : number> {
    const seconds = z.number().int('must be whole seconds').nonnegative('must not be negative');
    const text = z.string().transform(textual((s): number | string => (word && s.trim() === word ? word : parseTime(s))));
    return {
      kind: 'time',
      schema: z.union([seconds, text]) as unknown as z.ZodType<W extends string ? number | W : number>,
      default: def,
      print: (v) => (typeof v === 'number' ? printTime(v) : String(v)),
      meta: meta(m),
      ...(word ? { word } : {}),
    };
  },
  enum<const V extends readonly [string, ...string[]]>(values: V, def: V[number], m: MetaIn): Field<V[number]> {
    return {
      kind: 'enum',
      schema: z.string().trim().pipe(z.enum(values as unknown as [V[number], ...V[number][]], { error: () => `must be one of: ${values.join(', ')}` })) as unknown as z.ZodType<V[number]>,
      default: def,
      print: (v) => v,
      meta: meta(m),
      values,
    };
  },
  enumList<const V extends readonly [string, ...string[]]>(values: V, def: V[number][], m: MetaIn, opts: { allowEmpty?: boolean } = {}): Field<V[number][]> {
    const one = z.enum(values as unknown as [V[number], ...V[number][]], { error: (i) => `"${String(i.input)}" is not one of: ${values.join(', ')}` });
    let list = z.array(one).refine((xs) => new Set(xs).size === xs.length, 'lists a value twice');
    if (!opts.allowEmpty) list = list.refine((xs) => xs.length > 0, 'must list at least one value');
    return {
      kind: 'enum-list',
      schema: z.union([z.array(z.string()), z.string().transform(parseList)]).pipe(list) as unknown as z.ZodType<V[number][]>,
      default: def,
      print: printList,
      meta: meta(m),
      values,
    };
  },
  prefix(def: string, m: MetaIn): Field<string> {
    return { kind: 'prefix', schema: z.string().transform(textual(parsePrefix)), default: def, print: (v) => v, meta: meta(m) };
  },
  prefixOrHost(def: string, m: MetaIn): Field<string> {
    return { kind: 'prefix-or-host', schema: z.string().transform(textual(parsePrefixOrHost)), default: def, print: (v) => v, meta: meta(m) };
  },
  /** An address; '' means unset. */
  address(m: MetaIn): Field<string> {
    return {
      kind: 'address',
      schema: z.string().transform(textual((s) => (s.trim() === '' ? '' : parseAddress(s)))),
      default: '',
      print: (v) => v,
      meta: meta(m),
    };
  },
  addressList(m: MetaIn): Field<string[]> {
    return {
      kind: 'address-list',
      schema: z.union([z.array(z.string()), z.string().transform(parseList)]).transform(textual((xs: string[]) => xs.map(parseAddress))) as unknown as z.ZodType<string[]>,
      default: [],
      print: printList,
      meta: meta(m),
    };
  },
  prefixList(m: MetaIn): Field<string[]> {
    return {
      kind: 'prefix-list',
      schema: z.union([z.array(z.string()), z.string().transform(parseList)]).transform(textual((xs: string[]) => xs.map(parsePrefix))) as unknown as z.ZodType<string[]>,
      default: [],
      print: printList,
      meta: meta(m),
    };
  },
  stringList(m: MetaIn): Field<string[]> {
    return {
      kind: 'string-list',
      schema: z.union([z.array(z.string().trim().min(1).max(255)), z.string().transform(parseList)]) as unknown as z.ZodType<string[]>,
      default: [],
      print: printList,
      meta: meta(m),
    };
  },
  /** "any" or 0..65535 */
  port(m: MetaIn): Field<number | 'any'> {
    const num = z.number().int().min(0, 'must be any or 0..65535').max(65535, 'must be any or 0..65535');
    return {
      kind: 'port',
      schema: z.union([
        num,
        z.literal('any'),
        z.string().trim().regex(/^\d+$/, 'must be any or 0..65535').transform(Number).pipe(num),
      ]) as unknown as z.ZodType<number | 'any'>,
      default: 'any',
      print: (v) => String(v),
      meta: meta(m),
      min: 0,
      max: 65535,
    };
  },
  /** The name of an entry of another menu, or one of `specials` (e.g. "none"). '' = unset. */
  ref(menu: string, def: string, m: MetaIn, specials: readonly string[] = []): Field<string> {
    return { kind: 'ref', schema: z.string().trim(), default: def, print: (v) => v, meta: meta(m), ref: { menu, specials } };
  },
  secret(m: MetaIn): Field<string> {
    return { kind: 'secret', schema: z.string().max(1024, 'must be at most 1024 characters'), default: '', print: () => SECRET_PLACEHOLDER, meta: meta({ secret: true, ...m }) };
  },
  /** IKE identity: "auto" or a word, or "type:value" (my-id=fqdn:vpn.example.com). */
  id(types: readonly string[], words: readonly string[], def: string, m: MetaIn): Field<string> {
    return {
      kind: 'id',
      schema: z.string().trim().transform(textual((s) => {
        if (words.includes(s)) return s;
        const colon = s.indexOf(':');
        const type = colon < 0 ? s : s.slice(0, colon);
        if (!types.includes(type)) throw new ValueError(`must be ${words.join(', ')} or type:value with type ${types.join(', ')}`);
        const value = s.slice(colon + 1);
        if (colon < 0 || value === '') throw new ValueError(`"${type}" needs a value, e.g. ${type}:...`);
        if (type === 'address') return `address:${parseAddress(value)}`;
        return `${type}:${value}`;
      })),
      default: def,
      print: (v) => v,
      meta: meta(m),
      values: [...words, ...types],
    };
  },
  protocol(m: MetaIn): Field<string> {
    return {
      kind: 'protocol',
      schema: z.string().trim().transform(textual((s) => {
        if (s in IP_PROTOCOLS) return s;
        if (/^\d+$/.test(s) && Number(s) <= 255) return s;
        throw new ValueError(`"${s}" is not a protocol name (${Object.keys(IP_PROTOCOLS).slice(0, 8).join(', ')}, ...) or number 0..255`);
      })),
      default: 'all',
      print: (v) => v,
      meta: meta(m),
      values: Object.keys(IP_PROTOCOLS),
    };
  },
  /** Read-only, agent-computed values (flags, counters). Typed loosely: the agent owns them. */
  status<T>(kind: FieldKind, def: T, m: MetaIn, print: (v: T) => string = (v) => String(v)): Field<T> {
    return { kind, schema: z.any() as z.ZodType<T>, default: def, print, meta: meta({ tab: 'Status', readOnly: true, ...m }) };
  },
};

/** IP protocol names RouterOS accepts, with their numbers. */
export const IP_PROTOCOLS: Record<string, number> = {
  all: -1, icmp: 1, igmp: 2, ggp: 3, 'ip-encap': 4, st: 5, tcp: 6, egp: 8, pup: 12, udp: 17, hmp: 20,
  'xns-idp': 22, rdp: 27, 'iso-tp4': 29, dccp: 33, xtp: 36, ddp: 37, 'idpr-cmtp': 38, ipv6: 41,
  'ipv6-route': 43, 'ipv6-frag': 44, rsvp: 46, gre: 47, esp: 50, ah: 51, icmpv6: 58, 'ipv6-nonxt': 59,
  'ipv6-opts': 60, vrrp: 112, pim: 103, l2tp: 115, sctp: 132, 'udp-lite': 136, ospf: 89, etherip: 97,
  encap: 98, rspf: 73, vmtp: 81,
};

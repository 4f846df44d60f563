// Field kinds: one zod schema per kind that accepts both the typed value (tRPC, UI) and RouterOS
// text (REST, CLI-style "yes", "30m", "aes-128,aes-256") and yields the canonical typed value,
// plus the printer back to RouterOS text and the metadata the UI builds its widgets from.
import { z } from 'zod';
import { err, ok, type Result } from './result.ts';
import {
  ValueError,
  parseAddress,
  parseBool,
  parseList,
  parsePrefix,
  parsePrefixOrHost,
  parseRange,
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
  /** Only relevant while another field has one of these values (dialogs hide it otherwise). */
  when?: { field: string; in: readonly unknown[] };
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
  dh: 'DH',
  dpd: 'DPD',
  id: 'ID',
  ipsec: 'IPsec',
  nat: 'NAT',
  pfs: 'PFS',
  sa: 'SA',
  eap: 'EAP',
  prf: 'PRF',
  ike: 'IKE',
  dns: 'DNS',
  rx: 'RX',
  tx: 'TX',
  ph2: 'PH2',
  natt: 'NAT-T',
  spi: 'SPI',
  hw: 'HW',
  aead: 'AEAD',
  rsa: 'RSA',
  xauth: 'XAuth',
  dst: 'Dst.',
  src: 'Src.',
  enc: 'Encr.',
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

/** Turns a parser that throws ValueError into a zod schema whose issue carries that message. */
function schemaOf<Out>(parse: (raw: unknown) => Out): z.ZodType<Out> {
  return z.unknown().transform((raw, ctx) => {
    try {
      return parse(raw);
    } catch (e) {
      if (e instanceof ValueError) return issue(ctx, e.message);
      throw e;
    }
  }) as unknown as z.ZodType<Out>;
}

/**
 * Control characters: C0 (NUL, TAB, CR, LF, ESC...), DEL, C1, and the Unicode line and paragraph separators. No name,
 * ID, comment or other text value holds one, so none can become a new line (or a terminal escape) in a log line, a
 * RouterOS export or a generated client file. Secrets are the one exception: PEM text is made of lines.
 */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A UTF-16 surrogate without its partner: no character at all, stored or sent it turns into U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `s` as a text value, or why it is none: the one rule for names and text values (no control characters). */
export function plainText(s: string): Result<string> {
  const lone = LONE_SURROGATE.exec(s);
  if (lone) return err(`must be valid Unicode text (a lone surrogate at position ${lone.index + 1})`);
  const control = CONTROL_CHARACTER.exec(s);
  if (!control) return ok(s);
  const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return err(`must not contain control characters (U+${code} at position ${control.index + 1})`);
}

/** The text every field kind but `secret` reads its input from: a string without control characters. */
function text(raw: unknown, what: string): string {
  if (typeof raw !== 'string') throw new ValueError(`must be ${what}`);
  const checked = plainText(raw);
  if (!checked.ok) throw new ValueError(checked.error);
  return checked.value;
}

/** More items than any list of a menu needs (pool ranges, split networks, DNS names...). */
const LIST_MAX = 1000;

/** A list given as an array or as RouterOS "a,b,c". */
function list(raw: unknown, what: string): string[] {
  const xs = Array.isArray(raw)
    ? raw.map((x) => text(x, what).trim())
    : parseList(text(raw, `${what} or a comma-separated list`));
  if (xs.length > LIST_MAX) throw new ValueError(`must list at most ${LIST_MAX} items`);
  return xs;
}

/** The longest time any timer or lifetime takes: 100 years, in seconds. */
export const TIME_MAX = 100 * 365 * 86400;

function intIn(raw: unknown, min: number, max: number, what = `a whole number ${min}..${max}`): number {
  const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(text(raw, what)) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ValueError(`must be ${what}`);
  return n;
}

const NAME_RE = /^[^\s,"'\\=]([^,"'\\=]{0,62}[^\s,"'\\=])?$/;

export const f = {
  name(m: MetaIn = { help: 'Unique name of this entry.' }): Field<string> {
    return {
      kind: 'name',
      schema: schemaOf((raw) => {
        const s = text(raw, 'a name').trim();
        if (!NAME_RE.test(s))
          throw new ValueError('must be 1-64 characters without commas, quotes, "=" or outer spaces');
        return s;
      }),
      default: '',
      print: (v) => v,
      meta: meta({ required: true, ...m }),
    };
  },
  string(m: MetaIn, max = 255): Field<string> {
    return {
      kind: 'string',
      schema: schemaOf((raw) => {
        const s = text(raw, 'text');
        if (s.length > max) throw new ValueError(`must be at most ${max} characters`);
        return s;
      }),
      default: '',
      print: (v) => v,
      meta: meta(m),
    };
  },
  bool(def: boolean, m: MetaIn): Field<boolean> {
    return {
      kind: 'bool',
      schema: schemaOf((raw) => (typeof raw === 'boolean' ? raw : parseBool(text(raw, 'yes or no')))),
      default: def,
      print: printBool,
      meta: meta(m),
    };
  },
  int(def: number, min: number, max: number, m: MetaIn): Field<number> {
    return {
      kind: 'int',
      schema: schemaOf((raw) => intIn(raw, min, max)),
      default: def,
      print: (v) => String(v),
      meta: meta(m),
      min,
      max,
    };
  },
  /**
   * Seconds. `word` is an extra literal such as "disable-dpd" (stored as the word itself); the value type takes it
   * from `word` alone (NoInfer), not from the default nor from where the field is used.
   */
  time<const W extends string = never>(def: number | NoInfer<W>, m: MetaIn, word?: W): Field<number | NoInfer<W>> {
    type Out = number | W;
    const what = word ? `a time such as 30m, 1d, 8h30m or ${word}` : 'a time such as 30m, 1d, 8h30m';
    return {
      kind: 'time',
      schema: schemaOf((raw): Out => {
        const s = typeof raw === 'number' ? raw : text(raw, what);
        if (word && typeof s === 'string' && s.trim() === word) return word as Out;
        const seconds = typeof s === 'number' ? s : parseTime(s);
        if (!Number.isInteger(seconds) || seconds < 0) throw new ValueError('must be whole, non-negative seconds');
        if (seconds > TIME_MAX) throw new ValueError(`must be at most 100 years (${printTime(TIME_MAX)})`);
        return seconds as Out;
      }),
      default: def,
      print: (v) => (typeof v === 'number' ? printTime(v) : String(v)),
      meta: meta(m),
      ...(word ? { word } : {}),
    };
  },
  enum<const V extends readonly [string, ...string[]]>(values: V, def: V[number], m: MetaIn): Field<V[number]> {
    return {
      kind: 'enum',
      schema: schemaOf((raw) => {
        const s = (typeof raw === 'number' ? String(raw) : text(raw, `one of: ${values.join(', ')}`)).trim();
        if (!values.includes(s)) throw new ValueError(`"${s}" is not one of: ${values.join(', ')}`);
        return s as V[number];
      }),
      default: def,
      print: (v) => v,
      meta: meta(m),
      values,
    };
  },
  enumList<const V extends readonly [string, ...string[]]>(
    values: V,
    def: V[number][],
    m: MetaIn,
    opts: { allowEmpty?: boolean } = {},
  ): Field<V[number][]> {
    return {
      kind: 'enum-list',
      schema: schemaOf((raw) => {
        const xs = list(raw, 'a list of values');
        for (const x of xs) if (!values.includes(x)) throw new ValueError(`"${x}" is not one of: ${values.join(', ')}`);
        if (new Set(xs).size !== xs.length) throw new ValueError('lists a value twice');
        if (!opts.allowEmpty && xs.length === 0) throw new ValueError('must list at least one value');
        return xs as V[number][];
      }),
      default: def,
      print: printList,
      meta: meta(m),
      values,
    };
  },
  prefix(def: string, m: MetaIn): Field<string> {
    return {
      kind: 'prefix',
      schema: schemaOf((raw) => parsePrefix(text(raw, 'an IP prefix'))),
      default: def,
      print: (v) => v,
      meta: meta(m),
    };
  },
  prefixOrHost(def: string, m: MetaIn): Field<string> {
    return {
      kind: 'prefix-or-host',
      schema: schemaOf((raw) => parsePrefixOrHost(text(raw, 'an IP prefix or DNS name'))),
      default: def,
      print: (v) => v,
      meta: meta(m),
    };
  },
  /** An address; '' means unset. */
  address(m: MetaIn): Field<string> {
    return {
      kind: 'address',
      schema: schemaOf((raw) => {
        const s = text(raw, 'an IP address').trim();
        return s === '' ? '' : parseAddress(s);
      }),
      default: '',
      print: (v) => v,
      meta: meta(m),
    };
  },
  addressList(m: MetaIn): Field<string[]> {
    return {
      kind: 'address-list',
      schema: schemaOf((raw) => list(raw, 'IP addresses').map(parseAddress)),
      default: [],
      print: printList,
      meta: meta(m),
    };
  },
  prefixList(m: MetaIn): Field<string[]> {
    return {
      kind: 'prefix-list',
      schema: schemaOf((raw) => list(raw, 'IP prefixes').map(parsePrefix)),
      default: [],
      print: printList,
      meta: meta(m),
    };
  },
  stringList(m: MetaIn): Field<string[]> {
    return {
      kind: 'string-list',
      schema: schemaOf((raw) => {
        const xs = list(raw, 'names');
        for (const x of xs) if (x === '' || x.length > 255) throw new ValueError('items must be 1-255 characters');
        return xs;
      }),
      default: [],
      print: printList,
      meta: meta(m),
    };
  },
  /** X.509 subjectAltName entries in RouterOS/OpenSSL form: IP:2.2.2.2, DNS:vpn.example.com, email:a@b.c. */
  altNames(m: MetaIn): Field<string[]> {
    return {
      kind: 'string-list',
      schema: schemaOf((raw) => {
        const xs = list(raw, 'subject alternative names');
        return xs.map((x) => {
          const colon = x.indexOf(':');
          const type = colon < 0 ? '' : x.slice(0, colon).trim();
          const value = colon < 0 ? '' : x.slice(colon + 1).trim();
          const t = { ip: 'IP', dns: 'DNS', email: 'email' }[type.toLowerCase()];
          if (!t || value === '') throw new ValueError(`"${x}" must be IP:address, DNS:name or email:address`);
          if (t === 'IP') return `IP:${parseAddress(value)}`;
          if (
            t === 'DNS' &&
            !/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62})?)*\.?$/.test(value)
          )
            throw new ValueError(`"${value}" is not a DNS name`);
          if (t === 'email' && !/^[^@\s]+@[^@\s]+$/.test(value))
            throw new ValueError(`"${value}" is not an e-mail address`);
          return `${t}:${value}`;
        });
      }),
      default: [],
      print: printList,
      meta: meta(m),
    };
  },
  /** /ip pool ranges: "a.b.c.d-e.f.g.h", single addresses or prefixes, IPv4 or IPv6 (start <= end, one family each). */
  ranges(m: MetaIn): Field<string[]> {
    return {
      kind: 'string-list',
      schema: schemaOf((raw) => {
        const xs = list(raw, 'address ranges').map(parseRange);
        if (xs.length === 0) throw new ValueError('must list at least one range');
        return xs;
      }),
      default: [],
      print: printList,
      meta: meta({ required: true, ...m }),
    };
  },
  /** "any" or 0..65535 */
  port(m: MetaIn): Field<number | 'any'> {
    return {
      kind: 'port',
      schema: schemaOf((raw) => (raw === 'any' ? 'any' : intIn(raw, 0, 65535, 'any or a port 0..65535'))),
      default: 'any',
      print: (v) => String(v),
      meta: meta(m),
      min: 0,
      max: 65535,
    };
  },
  /** The name of an entry of another menu, or one of `specials` (e.g. "none"). '' = unset. */
  ref(menu: string, def: string, m: MetaIn, specials: readonly string[] = []): Field<string> {
    return {
      kind: 'ref',
      schema: schemaOf((raw) => {
        const s = text(raw, `the name of a ${menu}`).trim();
        if (s.length > 64) throw new ValueError('must be at most 64 characters (the longest name)');
        return s;
      }),
      default: def,
      print: (v) => v,
      meta: meta(m),
      ref: { menu, specials },
    };
  },
  secret(m: MetaIn): Field<string> {
    return {
      kind: 'secret',
      schema: schemaOf((raw) => {
        // Not text(): a PEM secret is made of lines.
        if (typeof raw !== 'string') throw new ValueError('must be text');
        if (raw.length > 8192) throw new ValueError('must be at most 8192 characters');
        return raw;
      }),
      default: '',
      print: () => SECRET_PLACEHOLDER,
      meta: meta({ secret: true, ...m }),
    };
  },
  /** IKE identity: a word such as "auto", or "type:value" (my-id=fqdn:vpn.example.com). */
  id(types: readonly string[], words: readonly string[], def: string, m: MetaIn): Field<string> {
    return {
      kind: 'id',
      schema: schemaOf((raw) => {
        const s = text(raw, 'an ID').trim();
        if (s.length > 255) throw new ValueError('must be at most 255 characters');
        if (words.includes(s)) return s;
        const colon = s.indexOf(':');
        const type = colon < 0 ? s : s.slice(0, colon);
        if (!types.includes(type))
          throw new ValueError(`must be ${words.join(', ')} or type:value with type ${types.join(', ')}`);
        const value = s.slice(colon + 1);
        if (colon < 0 || value === '') throw new ValueError(`"${type}" needs a value, e.g. ${type}:...`);
        if (type === 'address') return `address:${parseAddress(value)}`;
        return `${type}:${value}`;
      }),
      default: def,
      print: (v) => v,
      meta: meta(m),
      values: [...words, ...types],
    };
  },
  protocol(m: MetaIn): Field<string> {
    return {
      kind: 'protocol',
      schema: schemaOf((raw) => {
        const s = (typeof raw === 'number' ? String(raw) : text(raw, 'a protocol')).trim();
        if (s in IP_PROTOCOLS) return s;
        if (/^\d+$/.test(s) && Number(s) <= 255) return s;
        throw new ValueError(
          `"${s}" is not a protocol name (${Object.keys(IP_PROTOCOLS).slice(0, 8).join(', ')}, ...) or number 0..255`,
        );
      }),
      default: 'all',
      print: (v) => v,
      meta: meta(m),
      values: Object.keys(IP_PROTOCOLS),
    };
  },
  /** Read-only, agent-computed values (flags, counters). */
  status<T>(kind: FieldKind, def: T, m: MetaIn, print: (v: T) => string = (v) => String(v)): Field<T> {
    return {
      kind,
      schema: z.any() as z.ZodType<T>,
      default: def,
      print,
      meta: meta({ tab: 'Status', readOnly: true, ...m }),
    };
  },
};

/** IP protocol names RouterOS accepts, with their numbers. */
export const IP_PROTOCOLS: Record<string, number> = {
  all: -1,
  icmp: 1,
  igmp: 2,
  ggp: 3,
  'ip-encap': 4,
  st: 5,
  tcp: 6,
  egp: 8,
  pup: 12,
  udp: 17,
  hmp: 20,
  'xns-idp': 22,
  rdp: 27,
  'iso-tp4': 29,
  dccp: 33,
  xtp: 36,
  ddp: 37,
  'idpr-cmtp': 38,
  ipv6: 41,
  'ipv6-route': 43,
  'ipv6-frag': 44,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  vrrp: 112,
  pim: 103,
  l2tp: 115,
  sctp: 132,
  'udp-lite': 136,
  ospf: 89,
  etherip: 97,
  encap: 98,
  rspf: 73,
  vmtp: 81,
};

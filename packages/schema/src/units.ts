// RouterOS value formats: time, addresses, prefixes, yes/no, hex secrets.
// Every function here is pure and runs in the browser and in the agent alike.
// Parsers return a canonical value or throw a ValueError whose message reads well after
// "field 'x': " (the field name is added by the caller).

import { err, ok, type Result } from './result.ts';

export class ValueError extends Error {}

// ---------------------------------------------------------------- time
// Accepts: "30m", "1d", "8h30m", "1w2d3h4m5s", "1d 00:00:00", "00:30:00", "12:30", "90" (seconds),
// "500ms" is rounded down to whole seconds (RouterOS keeps ms only for display).
const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

export function parseTime(text: string): number {
  const s = text.trim().toLowerCase();
  if (s === '') throw new ValueError('time is empty');
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0;
  let rest = s;
  // optional trailing clock "hh:mm:ss" or "hh:mm", possibly after units ("1d 00:00:00")
  const clock = /(?:^|\s+)(\d{1,3}):(\d{2})(?::(\d{2}))?$/.exec(rest);
  if (clock) {
    const [, h, m, sec] = clock;
    if (Number(m) > 59 || (sec !== undefined && Number(sec) > 59))
      throw new ValueError(`"${text}" is not a valid time`);
    total += Number(h) * 3600 + Number(m) * 60 + Number(sec ?? 0);
    rest = rest.slice(0, clock.index).trim();
  }
  if (rest !== '') {
    const re = /(\d+)(ms|w|d|h|m|s)/gy;
    let consumed = 0;
    let seen = '';
    for (let mt = re.exec(rest); mt; mt = re.exec(rest)) {
      const unit = mt[2]!;
      if (seen.includes(unit)) throw new ValueError(`"${text}" repeats unit ${unit}`);
      seen += unit;
      if (unit !== 'ms') total += Number(mt[1]) * UNIT_SECONDS[unit]!;
      consumed = re.lastIndex;
    }
    if (consumed !== rest.length)
      throw new ValueError(`"${text}" is not a valid time (use e.g. 30m, 1d, 8h30m, 1d 00:00:00)`);
  }
  return total;
}

export function printTime(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = Math.floor(seconds);
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

// ---------------------------------------------------------------- yes/no
export function parseBool(text: string): boolean {
  const s = text.trim().toLowerCase();
  if (s === 'yes' || s === 'true') return true;
  if (s === 'no' || s === 'false') return false;
  throw new ValueError(`"${text}" is not yes or no`);
}
export const printBool = (b: boolean): string => (b ? 'yes' : 'no');

// ---------------------------------------------------------------- lists
export function parseList(text: string): string[] {
  const s = text.trim();
  if (s === '') return [];
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}
export const printList = (xs: readonly (string | number)[]): string => xs.join(',');

// ---------------------------------------------------------------- addresses
export type Family = 4 | 6;

function parseIpv4Bytes(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIpv6Bytes(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const group = (part: string): number[] | null => {
    if (part === '') return [];
    const words: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIpv4Bytes(it);
        if (!v4) return null;
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        words.push(parseInt(it, 16));
      }
    }
    return words;
  };
  const head = group(halves[0]!);
  const tail = halves.length === 2 ? group(halves[1]!) : [];
  if (!head || !tail) return null;
  let words: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    if (head.length !== 8) return null;
    words = head;
  }
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

export function parseIpBytes(text: string): { family: Family; bytes: number[] } | null {
  const v4 = parseIpv4Bytes(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6Bytes(text);
  if (v6) return { family: 6, bytes: v6 };
  return null;
}

/** RFC 5952 text form: lower case, longest zero run (>1 group) compressed. */
export function formatIpBytes(family: Family, bytes: readonly number[]): string {
  if (family === 4) return bytes.join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

export function familyOf(addressOrPrefix: string): Family {
  return addressOrPrefix.includes(':') ? 6 : 4;
}

export function parseAddress(text: string): string {
  const ip = parseIpBytes(text.trim());
  if (!ip) throw new ValueError(`"${text}" is not an IPv4 or IPv6 address`);
  return formatIpBytes(ip.family, ip.bytes);
}

/** A prefix "a.b.c.d/len" (a bare address means a host prefix). Host bits are cleared, as RouterOS does. */
export function parsePrefix(text: string): string {
  const s = text.trim();
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || addr === undefined) throw new ValueError(`"${text}" is not an IP prefix`);
  const ip = parseIpBytes(addr);
  if (!ip) throw new ValueError(`"${text}" is not an IPv4 or IPv6 prefix`);
  const max = ip.family === 4 ? 32 : 128;
  let bits = max;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len) || Number(len) > max)
      throw new ValueError(`"${text}" has a prefix length outside 0..${max}`);
    bits = Number(len);
  }
  const masked = ip.bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  return `${formatIpBytes(ip.family, masked)}/${bits}`;
}

export function prefixLength(prefix: string): number {
  return Number(prefix.split('/')[1]);
}

/** Does `prefix` contain `address`? Both canonical. */
export function prefixContains(prefix: string, address: string): boolean {
  const [net, lenText] = prefix.split('/');
  const a = parseIpBytes(net!);
  const b = parseIpBytes(address);
  if (!a || !b || a.family !== b.family) return false;
  const bits = Number(lenText);
  for (let i = 0; i < a.bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((a.bytes[i]! & mask) !== (b.bytes[i]! & mask)) return false;
  }
  return true;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?)*\.?$/;

/** Peer address: an IP prefix, or a DNS name resolved at connect time (seed 000, GRE-over-IPsec example). */
export function parsePrefixOrHost(text: string): string {
  const s = text.trim();
  if (/^[0-9.]+(\/\d+)?$/.test(s) || s.includes(':')) return parsePrefix(s);
  if (HOSTNAME.test(s)) return s.toLowerCase();
  throw new ValueError(`"${text}" is neither an IP prefix nor a DNS name`);
}

export function isHostname(s: string): boolean {
  return HOSTNAME.test(s) && !/^[0-9.]+$/.test(s);
}

// ---------------------------------------------------------------- secrets
/** RouterOS: a secret starting with 0x is hex. The key bytes the secret stands for, or why it stands for none. */
export function secretBytes(secret: string): Result<Uint8Array> {
  if (!/^0x/i.test(secret)) return ok(new TextEncoder().encode(secret));
  const hex = secret.slice(2);
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex))
    return err('a secret starting with 0x must be an even number of hex digits');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return ok(out);
}

// ---------------------------------------------------------------- address ranges (/ip pool ranges)
export interface IpRange {
  family: Family;
  start: bigint;
  end: bigint;
}

function bytesToBig(bytes: readonly number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** The address with number `n` in `family`, canonical text. */
export function formatIpNumber(family: Family, n: bigint): string {
  const len = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = len - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return formatIpBytes(family, bytes);
}

/** The number of a (canonical or not) address, undefined if it is none. */
export function ipNumber(text: string): { family: Family; n: bigint } | undefined {
  const ip = parseIpBytes(text.trim());
  return ip ? { family: ip.family, n: bytesToBig(ip.bytes) } : undefined;
}

/**
 * Bounds of a pool range: "a-b" (same family, a <= b), a single address, or a prefix (for an IPv4 prefix
 * shorter than /31 the network and broadcast addresses are left out).
 */
export function rangeBounds(text: string): IpRange {
  const s = text.trim();
  const dash = s.indexOf('-');
  if (dash >= 0) {
    const a = ipNumber(s.slice(0, dash));
    const b = ipNumber(s.slice(dash + 1));
    if (!a || !b) throw new ValueError(`"${text}" is not a range of two addresses (a.b.c.d-e.f.g.h)`);
    if (a.family !== b.family) throw new ValueError(`"${text}" mixes IPv${a.family} and IPv${b.family}`);
    if (a.n > b.n) throw new ValueError(`"${text}" starts after it ends`);
    return { family: a.family, start: a.n, end: b.n };
  }
  if (s.includes('/')) {
    const p = parsePrefix(s);
    const [addr] = p.split('/');
    const base = ipNumber(addr!)!;
    const bits = base.family === 4 ? 32 : 128;
    const host = BigInt(bits - prefixLength(p));
    const end = base.n + (1n << host) - 1n;
    if (base.family === 4 && host >= 2n) return { family: 4, start: base.n + 1n, end: end - 1n };
    return { family: base.family, start: base.n, end };
  }
  const a = ipNumber(s);
  if (!a) throw new ValueError(`"${text}" is not an address, a range a.b.c.d-e.f.g.h or a prefix`);
  return { family: a.family, start: a.n, end: a.n };
}

/** Canonical text of a pool range: "a-b", a single address, or a prefix. */
export function parseRange(text: string): string {
  const s = text.trim();
  const r = rangeBounds(s);
  if (s.includes('/')) return parsePrefix(s);
  if (r.start === r.end && !s.includes('-')) return formatIpNumber(r.family, r.start);
  return `${formatIpNumber(r.family, r.start)}-${formatIpNumber(r.family, r.end)}`;
}

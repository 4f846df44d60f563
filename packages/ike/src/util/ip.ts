// IPv4/IPv6 addresses as bytes and prefixes <-> address ranges. Text parsing and the RFC 5952 text form are
// the schema's (packages/schema/src/units.ts); this file only adapts them to Uint8Array.
import { formatIpBytes, parseIpBytes } from '@ipsec/schema';

/** Address text -> 4 or 16 bytes. An IPv6 zone ("fe80::1%eth0", as sockets report link-local peers) is ignored. */
export function parseIp(s: string): Uint8Array | undefined {
  const zone = s.includes(':') ? s.indexOf('%') : -1;
  const ip = parseIpBytes(zone >= 0 ? s.slice(0, zone) : s);
  return ip ? Uint8Array.from(ip.bytes) : undefined;
}

/** 4 or 16 bytes -> canonical text (RFC 5952 for IPv6: the longest zero run compressed). */
export function formatIp(b: Uint8Array): string {
  return formatIpBytes(b.length === 4 ? 4 : 6, Array.from(b));
}

export interface Range {
  start: Uint8Array;
  end: Uint8Array;
}

/** "10.0.0.0/24", "::/0" or a bare address -> inclusive address range. */
export function prefixRange(s: string): Range | undefined {
  const [addr = '', len] = s.trim().split('/');
  const a = parseIp(addr);
  if (!a) return undefined;
  const bits = len === undefined ? a.length * 8 : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > a.length * 8) return undefined;
  const start = a.slice();
  const end = a.slice();
  for (let i = 0; i < a.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    start[i] = (a[i] as number) & mask;
    end[i] = ((a[i] as number) & mask) | (~mask & 0xff);
  }
  return { start, end };
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

export function inRange(ip: Uint8Array, r: Range): boolean {
  return ip.length === r.start.length && compareBytes(ip, r.start) >= 0 && compareBytes(ip, r.end) <= 0;
}

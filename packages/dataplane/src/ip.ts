// Small address helpers: text <-> 16-byte xfrm_address_t, prefixes, ranges to prefixes. Text parsing and the
// RFC 5952 text form are the schema's (packages/schema/src/units.ts); this file adapts them to Buffers.
import { isIPv4, isIPv6 } from 'node:net';
import { formatIpBytes, formatIpNumber, ipNumber, parseIpBytes, type Family } from '@ipsec/schema';

export type { Family };

export function familyOf(addr: string): Family {
  if (isIPv4(addr)) return 4;
  if (isIPv6(addr)) return 6;
  throw new Error(`not an IP address: ${addr}`);
}

/** Address as bytes (4 or 16). */
export function addrBytes(addr: string): Buffer {
  const ip = parseIpBytes(addr);
  if (!ip) throw new Error(`not an IP address: ${addr}`);
  return Buffer.from(ip.bytes);
}

/** Canonical text of the first 4 (IPv4) or 16 bytes of `b`. */
export function formatAddr(b: Uint8Array, family: Family): string {
  return formatIpBytes(family, Array.from(b.subarray(0, family === 4 ? 4 : 16)));
}

export interface Prefix {
  family: Family;
  addr: string;
  len: number;
}

/** "10.0.0.0/24", "2001:db8::/32", or a bare address (full length). */
export function parsePrefix(text: string): Prefix {
  const [a, l] = text.split('/') as [string, string | undefined];
  const family = familyOf(a);
  const max = family === 4 ? 32 : 128;
  const len = l === undefined ? max : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > max) throw new Error(`bad prefix length: ${text}`);
  return { family, addr: a, len };
}

/** The smallest list of prefixes covering exactly start..end (inclusive). */
export function rangeToPrefixes(start: string, end: string): Prefix[] {
  const lo0 = ipNumber(start);
  const hi = ipNumber(end);
  if (!lo0 || !hi) throw new Error(`not an IP address range: ${start}-${end}`);
  const family = lo0.family;
  if (hi.family !== family) throw new Error(`mixed families: ${start}-${end}`);
  const bits = family === 4 ? 32 : 128;
  const out: Prefix[] = [];
  let lo = lo0.n;
  while (lo <= hi.n) {
    let size = 0; // host bits
    while (size < bits) {
      const block = 1n << BigInt(size + 1);
      if (lo % block !== 0n || lo + block - 1n > hi.n) break;
      size++;
    }
    out.push({ family, addr: formatIpNumber(family, lo), len: bits - size });
    lo += 1n << BigInt(size);
  }
  return out;
}

/** Port ranges as (port, mask) pairs, as XFRM selectors match them. 0-65535 is one pair (0, 0). */
export function portRangeToMasks(start: number, end: number): { port: number; mask: number }[] {
  if (start === 0 && end === 65535) return [{ port: 0, mask: 0 }];
  const out: { port: number; mask: number }[] = [];
  let lo = start;
  while (lo <= end) {
    let size = 0;
    while (size < 16 && lo % (1 << (size + 1)) === 0 && lo + (1 << (size + 1)) - 1 <= end) size++;
    out.push({ port: lo, mask: (0xffff << size) & 0xffff });
    lo += 1 << size;
  }
  return out;
}

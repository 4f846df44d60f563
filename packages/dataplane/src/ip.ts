// Small address helpers: text <-> 16-byte xfrm_address_t, prefixes, ranges to prefixes.
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export function familyOf(addr: string): Family {
  if (isIPv4(addr)) return 4;
  if (isIPv6(addr)) return 6;
  throw new Error(`not an IP address: ${addr}`);
}

/** Address as bytes (4 or 16). */
export function addrBytes(addr: string): Buffer {
  if (isIPv4(addr)) return Buffer.from(addr.split('.').map(Number));
  if (!isIPv6(addr)) throw new Error(`not an IP address: ${addr}`);
  let text = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 && v4[1]) {
    const b = addrBytes(v4[1]);
    text = text.slice(0, -v4[1].length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? (text.split('::') as [string, string]) : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function formatAddr(b: Uint8Array, family: Family): string {
  if (family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
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

function toBig(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function fromBig(v: bigint, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The smallest list of prefixes covering exactly start..end (inclusive). */
export function rangeToPrefixes(start: string, end: string): Prefix[] {
  const family = familyOf(start);
  if (familyOf(end) !== family) throw new Error(`mixed families: ${start}-${end}`);
  const bits = family === 4 ? 32 : 128;
  const bytes = bits / 8;
  let lo = toBig(addrBytes(start));
  const hi = toBig(addrBytes(end));
  const out: Prefix[] = [];
  while (lo <= hi) {
    let size = 0; // host bits
    while (size < bits) {
      const block = 1n << BigInt(size + 1);
      if (lo % block !== 0n || lo + block - 1n > hi) break;
      size++;
    }
    out.push({ family, addr: formatAddr(fromBig(lo, bytes), family), len: bits - size });
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

// IPv4/IPv6 text <-> bytes and prefixes <-> address ranges.
import { isIPv4, isIPv6 } from 'node:net';

export function parseIp(s: string): Uint8Array | undefined {
  if (isIPv4(s)) return new Uint8Array(s.split('.').map(Number));
  if (!isIPv6(s)) return undefined;
  let text = s;
  const out = new Uint8Array(16);
  // embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4 && v4[1]) {
    const b = v4[1].split('.').map(Number);
    tail = [((b[0] as number) << 8) | (b[1] as number), ((b[2] as number) << 8) | (b[3] as number)];
    text = text.slice(0, text.length - v4[1].length) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined ? [] : rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...Array(fill).fill('0'), ...r].map((g) => parseInt(g as string, 16));
  if (tail.length) groups.splice(6, 2, ...tail);
  groups.forEach((g, i) => {
    out[2 * i] = (g >> 8) & 0xff;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] as number) << 8) | (b[i + 1] as number)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
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

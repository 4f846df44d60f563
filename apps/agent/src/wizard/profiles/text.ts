// Small helpers the profile writers share: stable UUIDs, quoting for each file format.
import { createHash } from 'node:crypto';

/** A UUID derived from `parts`: a profile downloaded again replaces the one installed, instead of adding a second. */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5 layout (name-based)
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`.toUpperCase();
}

/** PowerShell single-quoted string. */
export const ps = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** swanctl.conf (strongswan.conf syntax) double-quoted string. */
export const sw = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** RouterOS CLI double-quoted string ($ starts a variable there). */
export const ros = (s: string) =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$').replace(/\?/g, '\\?')}"`;

/** DER bytes of the first PEM block. */
export const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

// RouterOS flag letters of an entry: X disabled, D dynamic, I invalid, A active, T template, * default.
import type { ApiEntry } from '../api/config.ts';

export const FLAG_LEGEND: [string, string][] = [
  ['X', 'disabled'],
  ['D', 'dynamic'],
  ['I', 'invalid'],
  ['A', 'active'],
  ['T', 'template'],
  ['*', 'default'],
];

/** System > Certificates: the agent computes its flags (status `flags`). */
export const CERT_FLAG_LEGEND: [string, string][] = [
  ['K', 'private key'],
  ['A', 'authority (CA)'],
  ['I', 'issued by a CA here'],
  ['T', 'trusted'],
  ['E', 'expired'],
];

export function flagsOf(e: ApiEntry): string {
  let s = '';
  if (typeof e.flags === 'string') return e.flags;
  if (e.disabled === true) s += 'X';
  if (e.dynamic === true) s += 'D';
  if (e.invalid === true) s += 'I';
  if (e.active === true) s += 'A';
  if (e.template === true) s += 'T';
  if (e.default === true) s += '*';
  return s;
}

export function flagTitle(flags: string, legend: [string, string][] = FLAG_LEGEND): string {
  return legend
    .filter(([l]) => flags.includes(l))
    .map(([, n]) => n)
    .join(', ');
}

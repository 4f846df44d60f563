// RouterOS flag letters of an entry: X disabled, D dynamic, I invalid, A active, T template, * default.
import type { ApiEntry } from '../api/config.ts';

export const FLAG_LEGEND: [string, string][] = [
  ['X', 'disabled'], ['D', 'dynamic'], ['I', 'invalid'], ['A', 'active'], ['T', 'template'], ['*', 'default'],
];

export function flagsOf(e: ApiEntry): string {
  let s = '';
  if (e.disabled === true) s += 'X';
  if (e.dynamic === true) s += 'D';
  if (e.invalid === true) s += 'I';
  if (e.active === true) s += 'A';
  if (e.template === true) s += 'T';
  if (e.default === true) s += '*';
  return s;
}

export function flagTitle(flags: string): string {
  return FLAG_LEGEND.filter(([l]) => flags.includes(l)).map(([, n]) => n).join(', ');
}

// Between API values and what tables and dialog widgets show: RouterOS text via field.print,
// editable text for time/int/port/lists, secrets never shown.
import { SECRET_PLACEHOLDER, type Field } from '@ipsec/schema';
import type { DataPlaneInfo } from '../api/live.ts';

const NUMBER = new Intl.NumberFormat();
/** "1,234,567": one shared formatter (Number#toLocaleString builds one per call, too slow for live tables). */
export const formatCount = (n: number): string => NUMBER.format(n);

/** "0 B/s", "512 B/s", "12.3 kB/s", "1.05 MB/s". */
export function formatByteRate(bps: number): string {
  if (bps < 1000) return `${Math.round(bps)} B/s`;
  const units = ['kB/s', 'MB/s', 'GB/s', 'TB/s'];
  let v = bps / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(v >= 10 ? 1 : 2)} ${units[i]}`;
}

/** "3/s", "0.5/s": events per second. */
export function formatCountRate(r: number): string {
  return `${r >= 10 ? Math.round(r) : Number(r.toFixed(1))}/s`;
}

/** RouterOS text of a value for tables. Secrets print as nothing. */
export function printCell(field: Field | undefined, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field?.meta.secret) return '';
  if (!field) return Array.isArray(value) ? value.join(',') : String(value);
  try {
    return field.print(value);
  } catch {
    return String(value);
  }
}

export type Draft = Record<string, unknown>;

/** A field's edit form: booleans and lists of choices stay typed, everything else is text. */
export function toDraft(field: Field, value: unknown): unknown {
  switch (field.kind) {
    case 'bool':
      return Boolean(value);
    case 'enum-list':
      return Array.isArray(value) ? [...value] : [];
    case 'secret':
      return ''; // never prefilled; placeholder shows whether one is set
    default:
      return value === undefined || value === null ? '' : printCell(field, value);
  }
}

export const secretIsSet = (value: unknown) =>
  value === SECRET_PLACEHOLDER || (typeof value === 'string' && value !== '');

export function sameDraft(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** Which data plane protects traffic, in a line an admin can act on (the reason is the probe's finding). */
export function dataPlaneText(info: DataPlaneInfo | null): string {
  if (!info) return 'Data plane: none (no traffic is protected)';
  return info.backend === 'kernel'
    ? `Data plane: kernel XFRM (${info.reason})`
    : `Data plane: userspace ESP on ${info.device ?? 'TUN'} (${info.reason})`;
}

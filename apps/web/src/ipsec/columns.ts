// Column widths from what the cells hold: every column is as wide as its widest value (and its
// header), never narrower than its kind needs, so addresses and prefixes are never cut off.
// Only the last visible column stretches to fill the window, as in WinBox.
import type { GridColDef, GridValidRowModel } from '@mui/x-data-grid';
import type { Field, FieldKind } from '@ipsec/schema';
import { formatCount, printCell } from '../fields/format.ts';
import { FONT_FAMILY } from '../shell/theme.ts';

const CELL_FONT = `13px ${FONT_FAMILY}`;
const HEADER_FONT = `600 13px ${FONT_FAMILY}`;
/** Cell padding (10px each side) and a little slack for font differences. */
const CELL_PAD = 23;
/** Header padding and the column separator (the sort arrow may cover the end of a long title on hover). */
const HEADER_PAD = 22;

let ctx: CanvasRenderingContext2D | null | undefined;
export function textWidth(text: string, font: string): number {
  if (ctx === undefined) ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return text.length * 8;
  ctx.font = font;
  return ctx.measureText(text).width;
}

/** Narrowest sensible width per field kind (values may make the column wider). */
export function minWidthOf(kind: FieldKind | 'flags' | 'index'): number {
  switch (kind) {
    case 'flags':
    case 'index':
      return 36;
    case 'bool':
      return 56;
    case 'int':
    case 'port':
    case 'time':
    case 'protocol':
      return 60;
    case 'enum':
      return 64;
    case 'prefix':
    case 'prefix-or-host':
    case 'address':
      return 150;
    case 'address-list':
    case 'prefix-list':
      return 150;
    case 'enum-list':
    case 'string-list':
      return 110;
    default:
      return 80;
  }
}

/** Addresses are never cut; other long texts (lists, comments) stop growing here. */
const MAX_WIDTH = 360;
const UNCAPPED: readonly string[] = ['prefix', 'prefix-or-host', 'address', 'address-list', 'prefix-list'];

export interface SizedColumn<R extends GridValidRowModel> {
  col: GridColDef<R>;
  kind: FieldKind | 'flags' | 'index';
  /** The text a row shows in this column. */
  text: (row: R) => string;
  /** Room for something drawn beside the text (a sparkline), in px. */
  extraPx?: number;
}

/** The table column of a schema field: RouterOS text, numbers right-aligned with separators. */
export function fieldColumn<R extends GridValidRowModel>(
  prop: string,
  field: Field,
  kind: FieldKind = field.kind,
): SizedColumn<R> {
  const numeric = field.kind === 'int';
  return {
    kind,
    text: (row) => {
      const value: unknown = row[prop];
      return numeric && typeof value === 'number' ? formatCount(value) : printCell(field, value);
    },
    col: {
      field: prop,
      headerName: field.meta.label,
      description: field.meta.help,
      type: numeric ? 'number' : 'string',
      align: numeric ? 'right' : 'left',
      headerAlign: numeric ? 'right' : 'left',
      valueGetter: (_v: unknown, row: R) => (numeric ? row[prop] : printCell(field, row[prop])),
    },
  };
}

/**
 * Widths for `cols` from `rows`. The last visible column flexes (its fitted width is its minimum);
 * widths the user set by dragging win.
 */
export function sizeColumns<R extends GridValidRowModel>(
  cols: SizedColumn<R>[],
  rows: readonly R[],
  visible: Record<string, boolean>,
  userWidths: Record<string, number> = {},
): GridColDef<R>[] {
  const shown = cols.filter((c) => visible[c.col.field] !== false);
  const last = shown[shown.length - 1]?.col.field;
  return cols.map(({ col, kind, text, extraPx = 0 }) => {
    let cell = 0;
    for (const t of widestCandidates(rows, text)) cell = Math.max(cell, textWidth(t, CELL_FONT));
    const head = col.headerName ? textWidth(col.headerName, HEADER_FONT) + HEADER_PAD : 0;
    let width = Math.ceil(Math.max(minWidthOf(kind), cell + CELL_PAD + extraPx, head));
    if (!UNCAPPED.includes(kind)) width = Math.min(width, Math.max(MAX_WIDTH, minWidthOf(kind)));
    const user = userWidths[col.field];
    if (user !== undefined) return { ...col, width: user, flex: undefined, minWidth: 30 };
    if (col.field === last) return { ...col, flex: 1, minWidth: width };
    return { ...col, width, flex: undefined, minWidth: Math.min(width, minWidthOf(kind)) };
  });
}

/**
 * Measuring every cell of 10,000 live rows every second would own the main thread. Small tables
 * measure every cell; big ones only the longest texts by length (cheap to find), so the widest
 * address is still measured and never cut.
 */
const MEASURE_ALL = 400;
const LONGEST = 24;
function widestCandidates<R>(rows: readonly R[], text: (r: R) => string): string[] {
  const all = rows.map(text);
  if (all.length <= MEASURE_ALL) return all;
  let minLen = 0;
  const top: string[] = [];
  for (const t of all) {
    if (top.length >= LONGEST && t.length <= minLen) continue;
    top.push(t);
    if (top.length > LONGEST) {
      top.sort((a, b) => b.length - a.length);
      top.length = LONGEST;
      minLen = top[top.length - 1]!.length;
    }
  }
  return top;
}

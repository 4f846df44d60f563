// `/export` as RouterOS v7 prints it: a header comment, then one block per menu ("/ip ipsec peer" and its add/set
// lines), in an order where every entry comes after the entries it names, so the output imports as it is.
// compact (default): only values that differ from the defaults; verbose: every value; terse: each command on one
// line with its menu path; secrets only with show-sensitive (v7 hides them by default).
import {
  CONFIG_MENUS,
  applyInput,
  defaults,
  type AnyEntry,
  type Config,
  type Field,
  type MenuDef,
  type MenuName,
} from '@ipsec/schema';

export interface ExportOptions {
  /** Only menus at or under this path ("ip/ipsec"); '' = everything. */
  under: string;
  verbose: boolean;
  terse: boolean;
  showSensitive: boolean;
  now: Date;
}

/** Menus in the order an import needs them: each after the menus its references point to. */
const EXPORT_ORDER: MenuName[] = [
  'certificate',
  'pool',
  'key',
  'mode-config',
  'policy-group',
  'profile',
  'peer',
  'proposal',
  'identity',
  'policy',
  'settings',
  'user',
];

/** RouterOS exports lines up to this width, continued with "\" and four spaces. */
const WRAP_AT = 80;

/** Characters that need no quotes in a value (RouterOS quotes anything else, and empty values). */
const BARE = /^[A-Za-z0-9._:/@,*+!%^~-]+$/;

/** A value as RouterOS script text: bare when it can be, else quoted with `\` escapes (`$`, `?`, `"`, `\`, controls). */
export function quoteValue(text: string): string {
  if (BARE.test(text)) return text;
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\' || ch === '$' || ch === '?') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The script text of a field's value. */
function scriptValue(field: Field, value: unknown): string {
  if (field.meta.secret) return String(value);
  return field.print(value);
}

export function exportConfig(config: Config, opts: ExportOptions): string {
  const stamp = opts.now.toISOString().slice(0, 19).replace('T', ' ');
  const out: string[] = [`# ${stamp} by IPsec WinBox (RouterOS 7 export format)`, '# software id = none', '#'];
  for (const name of EXPORT_ORDER) {
    const menu = CONFIG_MENUS.find((m) => m.name === name) as MenuDef;
    if (opts.under !== '' && menu.path !== opts.under && !menu.path.startsWith(`${opts.under}/`)) continue;
    const lines = menuLines(menu, config[name] as readonly AnyEntry[], opts);
    if (lines.length === 0) continue;
    const path = `/${menu.path.replaceAll('/', ' ')}`;
    if (opts.terse) out.push(...lines.map((l) => `${path} ${l}`));
    else out.push(path, ...lines.map(wrap));
  }
  return `${out.join('\n')}\n`;
}

/** The add/set lines of one menu. */
function menuLines(menu: MenuDef, entries: readonly AnyEntry[], opts: ExportOptions): string[] {
  const lines: string[] = [];
  // What an entry is where the import runs: a built-in one as the agent seeds it, an added one as add makes it.
  const added = defaults(menu) as Record<string, unknown>;
  const seeded = menu.builtins[0] ? applyInput(menu, defaults(menu), menu.builtins[0]) : added;
  const props = (e: AnyEntry, skip: (prop: string) => boolean): string[] =>
    Object.entries(menu.fields)
      .filter(([prop, field]) => {
        if (skip(prop)) return false;
        if (field.meta.secret && !opts.showSensitive) return false;
        const value = e.values[prop];
        if (field.meta.secret && value === '') return false;
        const base = (e.builtin ? seeded : added)[prop];
        return opts.verbose || scriptValue(field, value) !== scriptValue(field, base);
      })
      // RouterOS sorts the properties of an exported line by name.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([prop, field]) => `${prop}=${quoteValue(scriptValue(field, e.values[prop]))}`);

  if (menu.single) {
    const e = entries[0];
    const p = e ? props(e, () => false) : [];
    if (p.length) lines.push(`set ${p.join(' ')}`);
    return lines;
  }
  // A pool may name a pool that comes later (or one naming it back): that next-pool is set once both exist.
  const later: string[] = [];
  const defined = new Set<string>();
  for (const e of entries) {
    const deferred = (prop: string) =>
      menu.name === 'pool' && prop === 'next-pool' && e.values[prop] !== '' && !defined.has(String(e.values[prop]));
    if (e.builtin) {
      // A built-in entry exists on every agent: only its changes are exported.
      const p = props(e, (prop) => prop === menu.key || deferred(prop));
      if (p.length) lines.push(`set [ find default=yes ] ${p.join(' ')}`);
    } else {
      lines.push(`add ${props(e, deferred).join(' ')}`.trimEnd());
    }
    if (menu.key) defined.add(String(e.values[menu.key]));
    if (deferred('next-pool'))
      later.push(
        `set [ find name=${quoteValue(String(e.values.name))} ] next-pool=${quoteValue(String(e.values['next-pool']))}`,
      );
  }
  return [...lines, ...later];
}

/** A long line broken between properties, continued with "\" like RouterOS's export. */
function wrap(line: string): string {
  if (line.length <= WRAP_AT) return line;
  const words = splitOutsideQuotes(line);
  const rows: string[] = [];
  let cur = '';
  for (const w of words) {
    const candidate = cur === '' ? w : `${cur} ${w}`;
    if (candidate.length > WRAP_AT - 2 && cur !== '') {
      rows.push(cur);
      cur = `    ${w}`;
    } else cur = candidate;
  }
  rows.push(cur);
  return rows.join(' \\\n');
}

/** Words of an export line: spaces inside "..." do not split. */
function splitOutsideQuotes(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && quoted) {
      cur += ch + (line[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ' ' && !quoted) {
      if (cur !== '') words.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') words.push(cur);
  return words;
}

// Tab completion for the Terminal, from the same menu tree and commands the interpreter runs, the schema's
// property names and value sets, and the names of entries that exist: the line so far in, what may follow out.
import { getMenu, type Config, type MenuDef, type MenuName } from '@ipsec/schema';
import { ROOT, byPrefix, commandsAt, type MenuNode } from './run.ts';

export interface Completion {
  /** The word being completed, as typed (the options replace it). */
  word: string;
  /** Whole words that fit, sorted; a property ends in "=". */
  options: string[];
}

const PRINT_OPTIONS = ['detail', 'terse', 'count-only', 'where'];
const EXPORT_OPTIONS = ['verbose', 'terse', 'compact', 'hide-sensitive', 'show-sensitive'];

/** What can complete the last word of `line`, typed in menu `cwd`. */
export function complete(line: string, cwd: readonly string[], config: Config): Completion {
  const words = line.split(/\s+/);
  const word = words.pop() ?? '';
  let node = ROOT;
  let i = 0;
  if (words[0]?.startsWith('/') || (words.length === 0 && word.startsWith('/'))) {
    if (words.length) words[0] = words[0]!.slice(1);
  } else node = at(cwd) ?? ROOT;
  let command: string | undefined;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '') continue;
    if (w === '..') {
      node = node.parent ?? ROOT;
      continue;
    }
    const child = byPrefix(w, node.children.keys());
    if (child && child !== 'ambiguous') {
      node = node.children.get(child)!;
      continue;
    }
    const cmd = byPrefix(w, commandsAt(node));
    if (cmd && cmd !== 'ambiguous') command = cmd;
    break;
  }
  const typed = word.startsWith('/') && words.length === 0 ? word.slice(1) : word;
  const fit = (xs: Iterable<string>) => ({
    word: typed,
    options: [...new Set(xs)].filter((x) => x.startsWith(typed)).sort(),
  });
  if (command === undefined) return fit([...node.children.keys(), ...commandsAt(node)]);
  const menu = node.menu;
  if (command === 'export') return fit(EXPORT_OPTIONS);
  if (!menu) return fit(command === 'print' ? PRINT_OPTIONS : []);
  const eq = typed.indexOf('=');
  if (eq > 0) {
    const prop = typed.slice(0, eq);
    const values = valuesOf(menu, prop, config);
    return {
      word: typed,
      options: values
        .map((v) => `${prop}=${v}`)
        .filter((x) => x.startsWith(typed))
        .sort(),
    };
  }
  const props = Object.keys(menu.fields).map((p) => `${p}=`);
  const names = menu.key
    ? config[menu.name as MenuName].map((e) => String((e.values as Record<string, unknown>)[menu.key!]))
    : [];
  if (command === 'print') return fit([...PRINT_OPTIONS, ...props]);
  if (command === 'add') return fit([...props, 'copy-from=', ...(menu.ordered ? ['place-before='] : [])]);
  return fit([...props, ...names, '[ find ]']);
}

function at(path: readonly string[]): MenuNode | undefined {
  let node: MenuNode | undefined = ROOT;
  for (const seg of path) node = node?.children.get(seg);
  return node;
}

/** A property's possible values: its value set, yes/no, or the names of the entries it may refer to. */
function valuesOf(menu: MenuDef, prop: string, config: Config): string[] {
  const field = menu.fields[prop];
  if (!field) return [];
  if (field.kind === 'bool') return ['yes', 'no'];
  if (field.values) return [...field.values];
  if (field.ref) {
    const target = getMenu(field.ref.menu);
    const names = target
      ? config[target.name as MenuName].map((e) => String((e.values as Record<string, unknown>).name))
      : [];
    return [...field.ref.specials, ...names];
  }
  if (field.word) return [field.word];
  return [];
}

// The RouterOS script evaluator over the agent's menus. Each command runs against the configuration as the commands
// before it left it (ConfigStore.plan: the store's own checks, nothing stored), so `[ find ]`, print and the next
// command see earlier adds, and an error is the command's, with its line, column and property. At the end all the
// commands are one batch: one revision (Undo takes it back), or nothing at all.
import {
  CONFIG_MENUS,
  ConfigError,
  SECRET_PLACEHOLDER,
  VIEWS,
  formatId,
  getMenu,
  parseBool,
  parseId,
  type Config,
  type ConfigIssue,
  type MenuDef,
  type MenuName,
  type ViewDef,
} from '@ipsec/schema';
import { err, ok, type Result } from '@ipsec/schema';
import { canWrite, isFull, type User } from '../auth/users.ts';
import { ForbiddenError } from '../api/config-service.ts';
import { presentMenu, printValue, type ApiEntry } from '../api/present.ts';
import type { Services } from '../api/router.ts';
import type { Op } from '../store/config-store.ts';
import { MAX_NEW_KEYS, prepareNewKeys } from '../store/key-hooks.ts';
import { signValues } from '../store/certificates.ts';
import { exportConfig, quoteValue } from './export.ts';
import {
  formatScriptError,
  parseScript,
  type Arg,
  type Pos,
  type ScriptError,
  type Statement,
  type Word,
} from './parse.ts';

/** Changes one script may make: as many as one tRPC batch (config.batch). */
export const MAX_SCRIPT_CHANGES = 1000;

/** What a variable or a command yields: text, or the entries `find` (or `add`) returned. */
type Value = string | { ids: number[] };

export interface ScriptOptions {
  /** Commands on menus this agent lacks are skipped with a warning instead of failing the script. */
  skipUnknownMenus?: boolean;
  /** Run every command and check everything, but store nothing (RouterOS `/import dry-run`). */
  dryRun?: boolean;
  /** Where relative paths start, and :global variables: kept by a terminal between its commands. */
  session?: ScriptSession;
  now?: Date;
}

export interface ScriptSession {
  cwd: string[];
  globals: Map<string, Value>;
}

export interface ScriptOutcome {
  /** What print, export and :put wrote. */
  output: string;
  warnings: string[];
  /** The revision the script made; undefined when it changed nothing (or was a dry run). */
  rev: number | undefined;
}

// ------------------------------------------------------------------------------------- the menu tree
export interface MenuNode {
  name: string;
  path: string[];
  parent?: MenuNode;
  children: Map<string, MenuNode>;
  menu?: MenuDef;
  view?: ViewDef;
}

function buildTree(): MenuNode {
  const root: MenuNode = { name: '', path: [], children: new Map() };
  const place = (path: string): MenuNode => {
    let node = root;
    for (const seg of path.split('/')) {
      let child = node.children.get(seg);
      if (!child) {
        child = { name: seg, path: [...node.path, seg], parent: node, children: new Map() };
        node.children.set(seg, child);
      }
      node = child;
    }
    return node;
  };
  for (const m of CONFIG_MENUS as readonly MenuDef[]) place(m.path).menu = m;
  for (const v of VIEWS) place(v.path).view = v;
  return root;
}
export const ROOT = buildTree();

const MENU_PATHS = [...(CONFIG_MENUS as readonly MenuDef[]).map((m) => `/${m.path.replaceAll('/', ' ')}`)];

/** Where a command runs: a node of the tree, or a path the agent does not have (kept to name it and to skip). */
type Location = { known: true; node: MenuNode } | { known: false; path: string[] };

const pathText = (loc: Location) => `/${(loc.known ? loc.node.path : loc.path).join(' ')}`;

/** RouterOS takes any unambiguous prefix of a menu, command or property name. */
export function byPrefix(word: string, names: Iterable<string>): string | undefined | 'ambiguous' {
  const all = [...names];
  if (all.includes(word)) return word;
  const found = all.filter((n) => n.startsWith(word));
  if (found.length === 1) return found[0];
  return found.length > 1 ? 'ambiguous' : undefined;
}

const ENTRY_COMMANDS = [
  'add',
  'set',
  'remove',
  'enable',
  'disable',
  'comment',
  'move',
  'print',
  'export',
  'find',
  'get',
];
const SINGLE_COMMANDS = ['set', 'print', 'export', 'get'];
const VIEW_COMMANDS = ['print'];
const DIR_COMMANDS = ['export'];
/** Words that end a path of a menu the agent lacks (`/ip firewall nat add ...`). */
const ANY_COMMAND = new Set([...ENTRY_COMMANDS, 'unset', 'reset', 'import', 'monitor']);

export function commandsAt(node: MenuNode): string[] {
  if (node.menu?.single) return SINGLE_COMMANDS;
  if (node.menu) return [...ENTRY_COMMANDS, ...(node.menu.name === 'certificate' ? ['sign'] : [])];
  if (node.view) return VIEW_COMMANDS;
  return DIR_COMMANDS;
}

class Stop {
  constructor(readonly error: ScriptError) {}
}
function stop(pos: Pos, message: string, property?: string): never {
  throw new Stop({ line: pos.line, col: pos.col, message, ...(property !== undefined ? { property } : {}) });
}

/** The plain text of a word that is one unquoted piece (a menu or command word), else undefined. */
function bare(word: Word): string | undefined {
  const [p, ...more] = word.pieces;
  return p?.kind === 'text' && !p.quoted && more.length === 0 ? p.text : undefined;
}

/**
 * Run a script as `user`. Errors that are the script's (syntax, values, missing entries, unknown menus) are err()s
 * naming line and column; a read user's change is a ForbiddenError, like every other refused write.
 */
export async function runScript(
  src: string,
  services: Services,
  user: User,
  opts: ScriptOptions = {},
): Promise<Result<ScriptOutcome, ScriptError>> {
  const parsed = parseScript(src);
  if (!parsed.ok) return parsed;
  const run = new Run(services, user, opts);
  try {
    for (const st of parsed.value) await run.statement(st, run.cwd, true);
    return ok(await run.finish());
  } catch (e) {
    if (e instanceof Stop) return err(e.error);
    throw e;
  }
}

export { formatScriptError };

class Run {
  readonly cwd: Location;
  private readonly locals = new Map<string, Value>();
  private readonly globals: Map<string, Value>;
  private readonly output: string[] = [];
  private readonly warnings: string[] = [];
  /** Entry ids by the numbers the last print of each menu showed. */
  private readonly numbers = new Map<string, number[]>();
  private readonly ops: Op[] = [];
  private config: Config;
  private addedSoFar = 0;
  private newKeys = 0;
  private readonly baseRev: number;
  private readonly session: ScriptSession | undefined;
  private location: Location;

  constructor(
    private readonly s: Services,
    private readonly user: User,
    private readonly opts: ScriptOptions,
  ) {
    this.session = opts.session;
    this.globals = opts.session?.globals ?? new Map();
    this.location = this.resolveStart(opts.session?.cwd ?? []);
    this.cwd = this.location;
    this.baseRev = s.config.store.revision();
    this.config = s.config.store.config();
  }

  private resolveStart(path: string[]): Location {
    let node = ROOT;
    for (const seg of path) {
      const next = node.children.get(seg);
      if (!next) return { known: true, node: ROOT };
      node = next;
    }
    return { known: true, node };
  }

  async finish(): Promise<ScriptOutcome> {
    if (this.session) this.session.cwd = this.location.known ? this.location.node.path : [];
    let rev: number | undefined;
    if (this.ops.length > 0 && !this.opts.dryRun) {
      try {
        const before = this.s.config.store.revision();
        const applied = await this.s.config.apply(this.user, this.ops, undefined, this.baseRev);
        rev = applied.rev === before ? undefined : applied.rev;
      } catch (e) {
        if (e instanceof ConfigError) stop({ line: 1, col: 1 }, e.message);
        throw e;
      }
    }
    const text = this.output.join('');
    return { output: text, warnings: this.warnings, rev };
  }

  // ----------------------------------------------------------------------------------- statements
  /** Run one statement at `here`; `top` statements may change the current menu (a line that is only a path). */
  async statement(st: Statement, here: Location, top: boolean): Promise<Value> {
    const first = st.args[0]!;
    const firstWord = first.name === undefined ? bare(first.value) : undefined;
    if (!st.absolute && firstWord?.startsWith(':')) return this.colonCommand(firstWord, st);

    let loc: Location = st.absolute ? { known: true, node: ROOT } : top ? this.location : here;
    let i = 0;
    for (; i < st.args.length; i++) {
      const a = st.args[i]!;
      const word = a.name === undefined ? bare(a.value) : undefined;
      if (word === undefined || word === '') break;
      if (word === '..') {
        loc = loc.known
          ? { known: true, node: loc.node.parent ?? ROOT }
          : loc.path.length > 1
            ? { known: false, path: loc.path.slice(0, -1) }
            : this.resolveStart([]);
        continue;
      }
      if (!loc.known) {
        if (ANY_COMMAND.has(word)) break;
        loc = { known: false, path: [...loc.path, word] };
        continue;
      }
      const child = byPrefix(word, loc.node.children.keys());
      if (child === 'ambiguous') stop(a.pos, `"${word}" is ambiguous here (${pathText(loc)})`);
      if (child !== undefined) {
        loc = { known: true, node: loc.node.children.get(child)! };
        continue;
      }
      const isCommand = byPrefix(word, commandsAt(loc.node));
      if (isCommand !== undefined) break;
      if (loc.node.menu || loc.node.view || ANY_COMMAND.has(word))
        stop(a.pos, `${pathText(loc)}: no such command "${word}" (commands here: ${commandsAt(loc.node).join(', ')})`);
      loc = { known: false, path: [...loc.node.path, word] };
    }

    if (i === st.args.length) {
      // Only a path: the menu the next lines run in.
      if (!loc.known && !this.opts.skipUnknownMenus) this.unknownMenu(st.pos, loc);
      if (top) this.location = loc;
      else stop(st.pos, 'a path alone is not a command');
      return '';
    }
    if (!loc.known) {
      if (!this.opts.skipUnknownMenus) this.unknownMenu(st.pos, loc);
      this.warnings.push(
        `line ${st.pos.line}: skipped ${pathText(loc)} ${bare(st.args[i]!.value) ?? ''}: no such menu in this agent`.trimEnd(),
      );
      return '';
    }
    const cmdArg = st.args[i]!;
    const cmdWord = cmdArg.name === undefined ? bare(cmdArg.value) : undefined;
    if (cmdWord === undefined) stop(cmdArg.pos, `${pathText(loc)}: expected a command, not a property or value`);
    const cmd = byPrefix(cmdWord, commandsAt(loc.node));
    if (cmd === undefined || cmd === 'ambiguous')
      stop(
        cmdArg.pos,
        `${pathText(loc)}: ${cmd === 'ambiguous' ? `"${cmdWord}" is ambiguous` : `no such command "${cmdWord}"`} ` +
          `(commands here: ${commandsAt(loc.node).join(', ')})`,
      );
    const args = st.args.slice(i + 1);
    const node = loc.node;
    if (cmd === 'export') return this.export(node, args, cmdArg.pos);
    if (node.view) return this.printView(node.view, args);
    return this.menuCommand(node.menu!, cmd, args, cmdArg.pos);
  }

  private unknownMenu(pos: Pos, loc: Location): never {
    return stop(
      pos,
      `${pathText(loc)}: no such menu in this agent (it has ${MENU_PATHS.join(', ')}); ` +
        'set skip-unknown-menus to skip such commands with a warning',
    );
  }

  private async colonCommand(word: string, st: Statement): Promise<Value> {
    const args = st.args.slice(1);
    const pos = st.args[0]!.pos;
    switch (word) {
      case ':local':
      case ':global':
      case ':set': {
        const nameArg = args[0];
        const name = nameArg && nameArg.name === undefined ? bare(nameArg.value) : undefined;
        if (!name || !/^[A-Za-z0-9_]+$/.test(name)) stop(nameArg?.pos ?? pos, `${word} needs a variable name`);
        const valueArg = args[1];
        const value = valueArg ? await this.value(valueArg.value) : '';
        if (args.length > 2) stop(args[2]!.pos, `${word} takes a name and one value (quote values with spaces)`);
        if (word === ':local') this.locals.set(name, value);
        else if (word === ':global') this.globals.set(name, value);
        else if (this.locals.has(name)) this.locals.set(name, value);
        else if (this.globals.has(name)) this.globals.set(name, value);
        else stop(nameArg!.pos, `variable $${name} is not defined (declare it with :local or :global)`);
        return '';
      }
      case ':put': {
        const parts: string[] = [];
        for (const a of args) parts.push(asText(await this.value(a.value)));
        this.output.push(`${parts.join(' ')}\n`);
        return '';
      }
    }
    return stop(pos, `unknown command "${word}" (scripts here take :local, :global, :set and :put)`);
  }

  // ----------------------------------------------------------------------------------- values
  private async value(word: Word): Promise<Value> {
    if (word.pieces.length === 1) {
      const p = word.pieces[0]!;
      if (p.kind === 'var') return this.variable(p.name, p.pos);
      if (p.kind === 'sub') return this.statement(p.statement, this.current ?? this.location, false);
    }
    let text = '';
    for (const p of word.pieces) {
      if (p.kind === 'text') text += p.text;
      else if (p.kind === 'var') text += asText(this.variable(p.name, p.pos));
      else text += asText(await this.statement(p.statement, this.current ?? this.location, false));
    }
    return text;
  }

  /** The menu a nested `[ command ]` runs in: the one of the command it is part of (else the current menu). */
  private current: Location | undefined;

  private variable(name: string, pos: Pos): Value {
    const v = this.locals.get(name) ?? this.globals.get(name);
    if (v === undefined) return stop(pos, `variable $${name} is not defined (declare it with :local or :global)`);
    return v;
  }

  private async text(word: Word): Promise<string> {
    return asText(await this.value(word));
  }

  // ----------------------------------------------------------------------------------- menu commands
  private async menuCommand(menu: MenuDef, cmd: string, args: Arg[], pos: Pos): Promise<Value> {
    const saved = this.current;
    this.current = { known: true, node: nodeOf(menu) };
    try {
      switch (cmd) {
        case 'print':
          return await this.print(menu, args);
        case 'find':
          return { ids: (await this.select(menu, args, true)).map((e) => e.id) };
        case 'get':
          return await this.get(menu, args, pos);
        case 'add':
          return await this.add(menu, args, pos);
        case 'set':
          return await this.set(menu, args, pos);
        case 'remove':
        case 'enable':
        case 'disable':
        case 'comment':
          return await this.simple(menu, cmd, args, pos);
        case 'move':
          return await this.move(menu, args, pos);
        case 'sign':
          return await this.sign(menu, args, pos);
      }
      return stop(pos, `${cmd}: not available`);
    } finally {
      this.current = saved;
    }
  }

  /** Entries of `menu` as print shows them (typed values and status, secrets masked), in order. */
  private entries(menu: MenuDef): ApiEntry[] {
    return presentMenu(this.config, menu.name as MenuName, this.s.live.dynamic);
  }

  /** Entries matching `where` conditions (or, for find, `name=x` conditions given directly). */
  private async select(menu: MenuDef, args: Arg[], isFind: boolean): Promise<ApiEntry[]> {
    let conds = args;
    const w = args.findIndex((a) => a.name === undefined && bare(a.value) === 'where');
    if (w >= 0) conds = args.slice(w + 1);
    else if (!isFind) conds = [];
    return this.filter(menu, this.entries(menu), conds);
  }

  /** `a=x and b!=y or c` : OR of AND groups, left to right; a bare property means "is yes", `!prop` "is no". */
  private async filter(menu: MenuDef, rows: ApiEntry[], conds: Arg[]): Promise<ApiEntry[]> {
    if (conds.length === 0) return rows;
    const groups: { prop: string; op: '=' | '!='; text: string; pos: Pos }[][] = [[]];
    for (const c of conds) {
      const word = c.name === undefined ? bare(c.value) : undefined;
      if (word === 'and') continue;
      if (word === 'or') {
        groups.push([]);
        continue;
      }
      if (c.name !== undefined) {
        groups.at(-1)!.push({ prop: c.name, op: c.op ?? '=', text: await this.text(c.value), pos: c.pos });
      } else if (word !== undefined && word !== '') {
        const negated = word.startsWith('!');
        groups
          .at(-1)!
          .push({ prop: negated ? word.slice(1) : word, op: negated ? '!=' : '=', text: 'yes', pos: c.pos });
      } else stop(c.pos, 'expected a condition such as name=x');
    }
    const checks = groups.map((g) =>
      g.map((c) => {
        const prop = this.property(menu, c.prop, c.pos, true);
        const field = menu.fields[prop] ?? menu.status[prop];
        if (field?.meta.secret) stop(c.pos, 'a secret cannot be searched for', prop);
        const wanted = canonical(menu, prop, c.text);
        return (e: ApiEntry) => (canonicalOf(menu, prop, e[prop]) === wanted) === (c.op === '=');
      }),
    );
    return rows.filter((e) => checks.some((g) => g.every((check) => check(e))));
  }

  /** A property name as typed (or its unambiguous prefix) as the menu calls it; unknown names go on as typed. */
  private property(menu: MenuDef, name: string, pos: Pos, withStatus: boolean): string {
    const names = [...Object.keys(menu.fields), ...(withStatus ? Object.keys(menu.status) : [])];
    const found = byPrefix(name, names);
    if (found === 'ambiguous') stop(pos, `is ambiguous (${names.filter((n) => n.startsWith(name)).join(', ')})`, name);
    if (found === undefined && withStatus) stop(pos, `unknown property (known: ${names.join(', ')})`, name);
    return found ?? name;
  }

  /** The ids a command's positional target names: numbers from the last print, *ids, names, or a find's result. */
  private async targets(menu: MenuDef, arg: Arg | undefined, pos: Pos, what: string): Promise<number[]> {
    if (!arg) return stop(pos, `${what}: which item? give a number from print, a name, *id or [ find ... ]`);
    const v = await this.value(arg.value);
    const list = this.config[menu.name as MenuName];
    if (typeof v !== 'string') {
      // RouterOS does nothing on an empty [ find ]; a guide's typo would pass unseen, so it is said.
      if (v.ids.length === 0) this.warnings.push(`line ${arg.pos.line}: ${what}: no ${menu.path} item matched`);
      return v.ids;
    }
    const ids: number[] = [];
    for (const item of v
      .split(/[,;]/)
      .map((x) => x.trim())
      .filter(Boolean)) {
      const id = parseId(item);
      if (id !== undefined) {
        if (!list.some((e) => e.id === id) && !this.s.live.dynamic.get(menu.name as MenuName, id))
          stop(arg.pos, `${menu.path}: no such item ${item}`);
        ids.push(id);
      } else if (/^\d+$/.test(item)) {
        const shown = this.numbers.get(menu.name);
        if (!shown) stop(arg.pos, `${menu.path}: item number ${item} means nothing before a print in this script`);
        const n = shown[Number(item)];
        if (n === undefined) stop(arg.pos, `${menu.path}: no item number ${item} in the last print`);
        ids.push(n);
      } else if (menu.key) {
        const e = list.find((x) => (x.values as Record<string, unknown>)[menu.key!] === item);
        if (!e) stop(arg.pos, `${menu.path}: no such item "${item}"`);
        ids.push(e.id);
      } else stop(arg.pos, `${menu.path}: "${item}" is not a number from print, an *id or [ find ... ]`);
    }
    return ids;
  }

  /** Named property values of a command (names expanded), minus the ones the command reads itself. */
  private async properties(
    menu: MenuDef,
    args: Arg[],
    own: readonly string[],
  ): Promise<{ values: Record<string, unknown>; own: Map<string, Arg>; positional: Arg[]; at: Map<string, Pos> }> {
    const values: Record<string, unknown> = {};
    const mine = new Map<string, Arg>();
    const positional: Arg[] = [];
    const at = new Map<string, Pos>();
    for (const a of args) {
      if (a.name === undefined) {
        positional.push(a);
        continue;
      }
      if (a.op === '!=') stop(a.pos, '"!=" is only for where conditions', a.name);
      if (own.includes(a.name)) {
        mine.set(a.name, a);
        continue;
      }
      const prop = this.property(menu, a.name, a.pos, false);
      if (Object.hasOwn(values, prop)) stop(a.pos, 'is given twice', prop);
      const v = await this.value(a.value);
      values[prop] = asText(v);
      at.set(prop, a.pos);
    }
    return { values, own: mine, positional, at };
  }

  private async add(menu: MenuDef, args: Arg[], pos: Pos): Promise<Value> {
    this.requireWrite(pos);
    const { values, own, positional, at } = await this.properties(menu, args, ['copy-from', 'place-before']);
    if (positional[0])
      stop(positional[0].pos, `add takes only property=value ("${bare(positional[0].value) ?? '[ ... ]'}" is neither)`);
    const copy = own.get('copy-from');
    const before = own.get('place-before');
    if (before && !menu.ordered) stop(before.pos, `${menu.path} entries have no order`, 'place-before');
    const copyFrom = copy ? (await this.targets(menu, copy, copy.pos, 'copy-from'))[0] : undefined;
    const op: Op = { op: 'add', menu: menu.name as MenuName, values, ...(copyFrom !== undefined ? { copyFrom } : {}) };
    const [id] = await this.plan([op], pos, at);
    if (before) {
      const [target] = await this.targets(menu, before, before.pos, 'place-before');
      await this.plan([{ op: 'move', menu: menu.name as MenuName, ids: [id!], before: target! }], before.pos, at);
    }
    return { ids: [id!] };
  }

  private async set(menu: MenuDef, args: Arg[], pos: Pos): Promise<Value> {
    this.requireWrite(pos);
    const { values, own, positional, at } = await this.properties(menu, args, ['numbers']);
    let ids: number[];
    if (menu.single) {
      if (positional[0]) stop(positional[0].pos, `${menu.path} has one entry: set takes only property=value`);
      ids = [this.config[menu.name as MenuName][0]!.id];
    } else {
      if (positional.length > 1) stop(positional[1]!.pos, 'set takes one list of items, then property=value');
      ids = await this.targets(menu, own.get('numbers') ?? positional[0], pos, 'set');
    }
    if (Object.keys(values).length === 0) stop(pos, 'set: nothing to change (give property=value)');
    await this.plan(
      ids.map((id) => ({ op: 'set' as const, menu: menu.name as MenuName, id, values })),
      pos,
      at,
    );
    return '';
  }

  private async simple(menu: MenuDef, cmd: string, args: Arg[], pos: Pos): Promise<Value> {
    this.requireWrite(pos);
    const { own, positional } = await this.properties(menu, args, ['numbers', 'comment']);
    const ids = await this.targets(menu, own.get('numbers') ?? positional[0], pos, cmd);
    const name = menu.name as MenuName;
    let ops: Op[];
    if (cmd === 'remove') ops = ids.map((id) => ({ op: 'remove', menu: name, id }));
    else {
      let values: Record<string, unknown>;
      if (cmd === 'comment') {
        const given = own.get('comment')?.value ?? positional[1]?.value;
        if (!given) stop(pos, 'comment: give the text as comment="..."');
        if (!('comment' in menu.fields)) stop(pos, `${menu.path} entries have no comment`, 'comment');
        values = { comment: await this.text(given) };
      } else {
        if (!('disabled' in menu.fields)) stop(pos, `${menu.path} entries cannot be ${cmd}d`, 'disabled');
        values = { disabled: cmd === 'disable' ? 'yes' : 'no' };
      }
      ops = ids.map((id) => ({ op: 'set', menu: name, id, values }));
    }
    await this.plan(ops, pos, new Map());
    return '';
  }

  private async move(menu: MenuDef, args: Arg[], pos: Pos): Promise<Value> {
    this.requireWrite(pos);
    if (!menu.ordered) stop(pos, `${menu.path} entries have no order to move`);
    const { own, positional } = await this.properties(menu, args, ['numbers', 'destination']);
    const ids = await this.targets(menu, own.get('numbers') ?? positional[0], pos, 'move');
    const dest = own.get('destination') ?? positional[1];
    const before = dest ? (await this.targets(menu, dest, dest.pos, 'destination'))[0] : undefined;
    await this.plan(
      [{ op: 'move', menu: menu.name as MenuName, ids, ...(before !== undefined ? { before } : {}) }],
      pos,
      new Map(),
    );
    return '';
  }

  /** /certificate sign <cert> [ca=<ca>]: re-issued now (the key exists already), stored with the rest. */
  private async sign(menu: MenuDef, args: Arg[], pos: Pos): Promise<Value> {
    this.requireWrite(pos);
    const { own, positional } = await this.properties(menu, args, ['ca', 'ca-crl-host', 'name', 'numbers']);
    const [id] = await this.targets(menu, own.get('numbers') ?? positional[0], pos, 'sign');
    const list = this.config.certificate;
    const cert = list.find((e) => e.id === id)!;
    let ca: (typeof list)[number] | undefined;
    const caArg = own.get('ca');
    if (caArg) {
      const name = await this.text(caArg.value);
      ca = list.find((e) => e.values.name === name);
      if (!ca) stop(caArg.pos, `certificate "${name}" does not exist`, 'ca');
    }
    if (own.has('ca-crl-host'))
      this.warnings.push(`line ${pos.line}: sign: ca-crl-host ignored (this agent publishes no CRL)`);
    try {
      const values = await signValues(cert, ca);
      await this.plan([{ op: 'set', menu: 'certificate', id: cert.id, values }], pos, new Map());
    } catch (e) {
      if (e instanceof ConfigError) this.configStop(e, pos, new Map());
      throw e;
    }
    return '';
  }

  private async get(menu: MenuDef, args: Arg[], pos: Pos): Promise<Value> {
    const { own, positional } = await this.properties(menu, args, ['number', 'value-name']);
    const rows = this.entries(menu);
    let row: ApiEntry | undefined;
    let propArg: Arg | undefined = own.get('value-name');
    if (menu.single) {
      row = rows[0];
      propArg ??= positional[0];
    } else {
      const [id] = await this.targets(menu, own.get('number') ?? positional[0], pos, 'get');
      row = rows.find((e) => e.id === id);
      propArg ??= positional[1];
    }
    if (!propArg) stop(pos, 'get: which property?');
    const prop = this.property(menu, await this.text(propArg.value), propArg.pos, true);
    return printValue(menu.fields[prop] ?? menu.status[prop], row?.[prop]);
  }

  // ----------------------------------------------------------------------------------- print and export
  private async print(menu: MenuDef, args: Arg[]): Promise<Value> {
    const flags = new Set<string>();
    const whereAt = args.findIndex((a) => a.name === undefined && bare(a.value) === 'where');
    for (const a of whereAt >= 0 ? args.slice(0, whereAt) : args) {
      const w = a.name === undefined ? bare(a.value) : undefined;
      const opt = w && byPrefix(w, ['detail', 'terse', 'count-only', 'without-paging', 'brief', 'status', 'stats']);
      if (!opt || opt === 'ambiguous') stop(a.pos, `print: unknown option "${a.name ?? w ?? ''}"`);
      flags.add(opt);
    }
    const rows = await this.select(menu, args, false);
    this.numbers.set(
      menu.name,
      rows.map((r) => r.id),
    );
    if (flags.has('count-only')) {
      this.output.push(`${rows.length}\n`);
      return String(rows.length);
    }
    // status/stats: every property with the status ones, as detail shows them.
    const detail = flags.has('detail') || flags.has('status') || flags.has('stats');
    this.output.push(printRows(menu, rows, detail ? 'detail' : flags.has('terse') ? 'terse' : 'table'));
    return '';
  }

  private printView(view: ViewDef, args: Arg[]): Value {
    if (args.length) stop(args[0]!.pos, `${view.path}: print takes no options here`);
    const rows: Record<string, unknown>[] =
      view.name === 'statistics'
        ? [this.s.live.statistics as unknown as Record<string, unknown>]
        : view.name === 'active-peers'
          ? [...this.s.live.peers.values()]
          : this.s.config.installedSas(this.user);
    const lines = rows.map(
      (r, n) =>
        `${String(n).padStart(2)}  ${Object.entries(view.fields)
          .map(([k, f]) => `${k}=${quoteValue(printValue(f, r[k]))}`)
          .join(' ')}`,
    );
    this.output.push(lines.length ? `${lines.join('\n')}\n` : '');
    return '';
  }

  private export(node: MenuNode, args: Arg[], pos: Pos): Value {
    const flags = new Set<string>();
    for (const a of args) {
      const w = a.name === undefined ? bare(a.value) : undefined;
      if (a.name === 'file') stop(a.pos, 'this agent stores no files: the export is the output', 'file');
      const opt = w && byPrefix(w, ['verbose', 'terse', 'compact', 'hide-sensitive', 'show-sensitive']);
      if (!opt || opt === 'ambiguous') stop(a.pos, `export: unknown option "${a.name ?? w ?? ''}"`);
      flags.add(opt);
    }
    // Secrets (PSKs, passwords, private keys) leave the agent only to group full, on request, audited: as
    // certificate export-certificate, never through print, get or a plain export.
    const showSensitive = flags.has('show-sensitive');
    if (showSensitive) {
      if (!isFull(this.user))
        throw new ForbiddenError(
          `line ${pos.line}, column ${pos.col}: export show-sensitive: user ${this.user.name} (group ${this.user.group}) needs group full to see secrets`,
        );
      const what = `/${node.path.join(' ')}`;
      this.s.users.audit(this.user.name, 'export show-sensitive', what);
      this.s.live.log(['system', 'info'], `export with secrets (${what}) by ${this.user.name}`);
    }
    this.output.push(
      exportConfig(this.config, {
        under: node.path.join('/'),
        verbose: flags.has('verbose'),
        terse: flags.has('terse'),
        showSensitive,
        now: this.opts.now ?? new Date(),
      }),
    );
    return '';
  }

  // ----------------------------------------------------------------------------------- changes
  private requireWrite(pos: Pos): void {
    if (!canWrite(this.user))
      throw new ForbiddenError(
        `line ${pos.line}, column ${pos.col}: user ${this.user.name} (group ${this.user.group}) may not change the configuration (print and export only)`,
      );
  }

  /**
   * Plan `ops` after the script's earlier ones: keys generated now (so sign and print see them), then the store's
   * whole check. Returns the ids the ops add. A refusal stops the script at `pos`, naming the property.
   */
  private async plan(ops: Op[], pos: Pos, at: Map<string, Pos>): Promise<number[]> {
    // Each command is checked against the whole configuration: a bound keeps one script's work bounded.
    if (this.ops.length + ops.length > MAX_SCRIPT_CHANGES)
      stop(pos, `a script makes at most ${MAX_SCRIPT_CHANGES} changes (as one batch does); split it`);
    // Each check replays the script so far against the whole configuration (tens of ms on a large one): let the
    // event loop serve IKE, the API and the live views between commands, so a long script stalls nothing.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const view = {
        get: (menu: 'key', id: number) => this.config[menu].find((e) => e.id === id),
        list: (menu: 'certificate') => this.config[menu],
      };
      const prepared = await prepareNewKeys(view, ops);
      const pem = (op: Op | undefined) => (op && 'values' in op ? op.values['private-key-pem'] : undefined);
      this.newKeys += prepared.filter((op, i) => pem(op) && !pem(ops[i])).length;
      if (this.newKeys > MAX_NEW_KEYS)
        stop(pos, `at most ${MAX_NEW_KEYS} keys or certificates are generated per script`);
      const planned = this.s.config.store.plan([...this.ops, ...prepared]);
      this.ops.push(...prepared);
      this.config = planned.config;
      const added = planned.added.slice(this.addedSoFar);
      this.addedSoFar = planned.added.length;
      return added;
    } catch (e) {
      if (e instanceof ConfigError) this.configStop(e, pos, at);
      throw e;
    }
  }

  private configStop(e: ConfigError, pos: Pos, at: Map<string, Pos>): never {
    const [first, ...more] = e.issues as [ConfigIssue, ...ConfigIssue[]];
    const where = first.field !== undefined ? at.get(first.field) : undefined;
    const menu = getMenu(first.menu);
    const subject = `${menu ? `/${menu.path.replaceAll('/', ' ')}` : first.menu}${first.id !== undefined ? ` ${formatId(first.id)}` : ''}`;
    const rest = more.length
      ? ` (and ${more.length} more: ${more.map((i) => `${i.field ?? i.menu}: ${i.message}`).join('; ')})`
      : '';
    return stop(where ?? pos, `${subject}: ${first.message}${rest}`, first.field);
  }
}

function nodeOf(menu: MenuDef): MenuNode {
  let node = ROOT;
  for (const seg of menu.path.split('/')) node = node.children.get(seg)!;
  return node;
}

function asText(v: Value): string {
  return typeof v === 'string' ? v : v.ids.map(formatId).join(';');
}

/** A condition's value as comparable text: parsed by the property's field when it can be (1d = 24h), else as given. */
function canonical(menu: MenuDef, prop: string, text: string): string {
  const field = menu.fields[prop] ?? menu.status[prop];
  if (!field) return text;
  if (field.kind === 'bool') {
    try {
      return String(parseBool(text));
    } catch {
      return text;
    }
  }
  if (menu.fields[prop]) {
    const r = field.schema.safeParse(text);
    if (r.success) return JSON.stringify(r.data);
  }
  return text;
}

function canonicalOf(menu: MenuDef, prop: string, value: unknown): string {
  const field = menu.fields[prop] ?? menu.status[prop];
  if (!field) return String(value);
  if (field.kind === 'bool') return String(Boolean(value));
  if (menu.fields[prop]) return JSON.stringify(value);
  return printValue(field, value);
}

// ------------------------------------------------------------------------------------- print output
const FLAG_LETTERS: [string, string, string][] = [
  ['disabled', 'X', 'disabled'],
  ['dynamic', 'D', 'dynamic'],
  ['invalid', 'I', 'invalid'],
  ['active', 'A', 'active'],
  ['template', 'T', 'template'],
  ['default', '*', 'default'],
];

function flagsOf(menu: MenuDef, e: ApiEntry): string {
  return FLAG_LETTERS.filter(([prop]) => (prop in menu.fields || prop in menu.status) && e[prop] === true)
    .map(([, letter]) => letter)
    .join('');
}

/** print as RouterOS v7 shows it: a Flags legend, then a table, or one entry per line (terse) or block (detail). */
export function printRows(menu: MenuDef, rows: ApiEntry[], style: 'table' | 'detail' | 'terse'): string {
  const legend = FLAG_LETTERS.filter(([prop]) => prop in menu.fields || prop in menu.status)
    .map(([, l, word]) => `${l} - ${word.toUpperCase()}`)
    .join('; ');
  const out: string[] = [];
  if (legend && style !== 'terse') out.push(`Flags: ${legend}`);
  const value = (e: ApiEntry, prop: string) => cliValue(menu, prop, e[prop]);
  const props = Object.keys(menu.fields).filter((p) => !FLAG_LETTERS.some(([f]) => f === p) && p !== 'comment');
  if (style === 'table') {
    const cols = menu.columns;
    const cells = rows.map((e) => cols.map((c) => value(e, c)));
    const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
    const numWidth = Math.max(1, String(rows.length - 1).length) + 4;
    out.push(`Columns: ${cols.map((c) => c.toUpperCase()).join(', ')}`);
    out.push(`${'#'.padEnd(numWidth)}${cols.map((c, i) => c.toUpperCase().padEnd(widths[i]!)).join('  ')}`.trimEnd());
    rows.forEach((e, n) => {
      if (e.comment) out.push(`;;; ${String(e.comment)}`);
      const lead = `${n} ${flagsOf(menu, e)}`.padEnd(numWidth);
      out.push(`${lead}${cells[n]!.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd());
    });
  } else {
    rows.forEach((e, n) => {
      const lead = `${String(n).padStart(2)} ${flagsOf(menu, e).padEnd(2)}`;
      const shown = [...props, ...Object.keys(menu.status).filter((p) => !FLAG_LETTERS.some(([f]) => f === p))];
      const pairs = shown.map(
        (p) => `${p}=${style === 'detail' ? detailValue(menu, p, value(e, p)) : quoteValue(value(e, p))}`,
      );
      if (style === 'terse')
        out.push(`${lead} ${e.comment ? `comment=${quoteValue(String(e.comment))} ` : ''}${pairs.join(' ')}`);
      else {
        if (e.comment) out.push(`${lead} ;;; ${String(e.comment)}`);
        out.push(`${e.comment ? ' '.repeat(lead.length) : lead} ${pairs.join(' ')}`, '');
      }
    });
  }
  return `${out.join('\n')}\n`;
}

/** A value as the CLI prints it: yes/no, times as 1d2h, secrets masked (REST prints booleans as true/false). */
function cliValue(menu: MenuDef, prop: string, v: unknown): string {
  const field = menu.fields[prop] ?? menu.status[prop];
  if (v === undefined || v === null) return '';
  if (!field) return String(v);
  if (field.meta.secret) return v ? SECRET_PLACEHOLDER : '';
  return field.print(v);
}

/** detail print quotes text values (name="x"), as RouterOS does. */
function detailValue(menu: MenuDef, prop: string, text: string): string {
  const kind = menu.fields[prop]?.kind;
  return kind === 'name' || kind === 'string' || kind === 'ref'
    ? `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
    : text;
}

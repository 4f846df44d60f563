// RouterOS CLI syntax (what /import and the terminal take) into statements: words made of pieces, each piece with
// its line and column. Menu-blind: which words are menus, commands or values is the evaluator's business, as in
// RouterOS, where `/ip ipsec peer add` and `peer add` only differ by where they run.
// Never throws on input: anything malformed is an err() naming the line and column.
import { err, ok, type Result } from '@ipsec/schema';

export interface Pos {
  line: number;
  col: number;
}

/** One part of a word: literal text, a `$variable`, or a `[ command ]` whose result is spliced in. */
export type Piece =
  | { kind: 'text'; text: string; quoted: boolean; pos: Pos }
  | { kind: 'var'; name: string; pos: Pos }
  | { kind: 'sub'; statement: Statement; pos: Pos };

/** Pieces with no space between them: `name="a b"$x` is one word. */
export interface Word {
  pieces: Piece[];
  pos: Pos;
}

/**
 * A word as a command reads it: `name=value` (op "="), `name!=value` (op "!=", in where), or a bare `value`.
 * `name` is set only when the word starts with unquoted text holding "=".
 */
export interface Arg {
  name?: string;
  op?: '=' | '!=';
  value: Word;
  pos: Pos;
}

/** One command line; `absolute` when it starts with "/" (then the first path word lost its slash). */
export interface Statement {
  absolute: boolean;
  args: Arg[];
  pos: Pos;
}

export interface ScriptError {
  line: number;
  col: number;
  message: string;
  /** The property the error is about, if any. */
  property?: string;
}

export function formatScriptError(e: ScriptError): string {
  return `line ${e.line}, column ${e.col}: ${e.property ? `${e.property}: ` : ''}${e.message}`;
}

/** Longest script accepted (a full export of a large configuration is well below this). */
export const MAX_SCRIPT_LENGTH = 1 << 20;
/** Deepest nesting of `[ ... ]`: enough for any real script, bounded so recursion stays small. */
const MAX_DEPTH = 16;

type Token =
  | { t: 'text'; text: string; quoted: boolean; pos: Pos; glued: boolean }
  | { t: 'var'; name: string; pos: Pos; glued: boolean }
  | { t: 'open' | 'close' | 'end'; pos: Pos; glued: boolean };

class Fail {
  constructor(readonly error: ScriptError) {}
}

const SINGLE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  _: ' ',
  '"': '"',
  '\\': '\\',
  $: '$',
  '?': '?',
  '[': '[',
  ']': ']',
  '{': '{',
  '}': '}',
  ';': ';',
  '=': '=',
  ' ': ' ',
};

const VAR_NAME = /[A-Za-z0-9_]/;
const WORD_STOP = new Set([' ', '\t', '\r', '\n', ';', '[', ']', '"', '$', '{', '}']);

/** Tokens of the whole text; `\` + line end joins lines (RouterOS continuation) and `#` starts a comment line. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let col = 1;
  let glued = false;
  let atStatementStart = true;
  const pos = (): Pos => ({ line, col });
  const advance = (n = 1) => {
    for (let k = 0; k < n; k++) {
      if (src[i] === '\n') {
        line++;
        col = 1;
      } else col++;
      i++;
    }
  };
  const fail = (message: string, at: Pos = pos()): never => {
    throw new Fail({ ...at, message });
  };
  /**
   * `\` followed by a line end (optionally with spaces before it): the line goes on, after the next line's
   * indentation (RouterOS's export breaks even inside a value: `comment=\` then `    "text"`).
   */
  const continuation = (): boolean => {
    if (src[i] !== '\\') return false;
    let j = i + 1;
    while (src[j] === ' ' || src[j] === '\t') j++;
    if (src[j] === '\r') j++;
    if (src[j] !== '\n' && j < src.length) return false;
    j = Math.min(j + 1, src.length);
    while (src[j] === ' ' || src[j] === '\t') j++;
    advance(j - i);
    return true;
  };
  /** The character an escape stands for; `i` is just after the backslash. */
  const escape = (): string => {
    const at = pos();
    const c = src[i];
    if (c === undefined) return fail('a backslash at the end of the script escapes nothing', at);
    if (/[0-9A-F]/.test(c) && /[0-9A-F]/.test(src[i + 1] ?? '')) {
      const code = parseInt(src.slice(i, i + 2), 16);
      advance(2);
      return String.fromCharCode(code);
    }
    const single = Object.hasOwn(SINGLE_ESCAPES, c) ? SINGLE_ESCAPES[c] : undefined;
    if (single === undefined) return fail(`unknown escape \\${c}`, { line: at.line, col: at.col - 1 });
    advance();
    return single;
  };
  const varName = (): string => {
    // `$name` or `$"any name"`.
    if (src[i] === '"') {
      advance();
      let name = '';
      while (i < src.length && src[i] !== '"' && src[i] !== '\n') {
        name += src[i];
        advance();
      }
      if (src[i] !== '"') fail('unterminated $"variable name"');
      advance();
      return name;
    }
    let name = '';
    while (i < src.length && VAR_NAME.test(src[i]!)) {
      name += src[i];
      advance();
    }
    if (name === '') fail('"$" must be followed by a variable name (write \\$ for a dollar sign)');
    return name;
  };
  const push = (tok: Token) => {
    out.push(tok);
    glued = true;
    atStatementStart = false;
  };

  while (i < src.length) {
    const c = src[i]!;
    if (continuation()) continue;
    if (c === ' ' || c === '\t' || c === '\r') {
      advance();
      glued = false;
      continue;
    }
    if (c === '\n' || c === ';') {
      out.push({ t: 'end', pos: pos(), glued });
      advance();
      glued = false;
      atStatementStart = true;
      continue;
    }
    if (c === '#' && atStatementStart) {
      while (i < src.length && src[i] !== '\n') advance();
      continue;
    }
    if (c === '{' || c === '}') fail('blocks in { } are not supported');
    if (c === '[' || c === ']') {
      push({ t: c === '[' ? 'open' : 'close', pos: pos(), glued });
      advance();
      continue;
    }
    if (c === '$') {
      const at = pos();
      const wasGlued = glued;
      advance();
      push({ t: 'var', name: varName(), pos: at, glued: wasGlued });
      continue;
    }
    if (c === '"') {
      // A quoted string: text and $variables as pieces of one word; escapes resolved; a raw line end is an error.
      const start = pos();
      let first = true;
      const emit = (tok: Token) => {
        out.push({ ...tok, glued: first ? glued : true });
        first = false;
      };
      advance();
      let text = '';
      let textPos = start; // a value's column is its opening quote's
      for (;;) {
        if (i >= src.length) fail('unterminated string (a " is missing)', start);
        const d = src[i]!;
        if (d === '"') {
          advance();
          break;
        }
        if (d === '\n') fail('unterminated string: a line ends inside "..." (write \\n for a line break)', start);
        if (d === '\\') {
          if (continuation()) continue;
          advance();
          text += escape();
          continue;
        }
        if (d === '$') {
          if (text !== '') emit({ t: 'text', text, quoted: true, pos: textPos, glued: true });
          text = '';
          const at = pos();
          advance();
          emit({ t: 'var', name: varName(), pos: at, glued: true });
          textPos = pos();
          continue;
        }
        text += d;
        advance();
      }
      // "" still makes an (empty) text piece, so `name=""` has a value.
      if (text !== '' || first) emit({ t: 'text', text, quoted: true, pos: textPos, glued: true });
      glued = true;
      atStatementStart = false;
      continue;
    }
    // Unquoted text up to a space or a special character; backslash escapes.
    const at = pos();
    let text = '';
    while (i < src.length && !WORD_STOP.has(src[i]!)) {
      if (src[i] === '\\') {
        if (continuation()) break;
        advance();
        text += escape();
        continue;
      }
      text += src[i];
      advance();
    }
    push({ t: 'text', text, quoted: false, pos: at, glued });
  }
  out.push({ t: 'end', pos: pos(), glued: false });
  return out;
}

/** Statements of a script; `[ ... ]` nested as pieces. */
export function parseScript(src: string): Result<Statement[], ScriptError> {
  if (typeof src !== 'string') return err({ line: 1, col: 1, message: 'the script must be text' });
  if (src.length > MAX_SCRIPT_LENGTH)
    return err({ line: 1, col: 1, message: `the script is longer than ${MAX_SCRIPT_LENGTH} characters` });
  try {
    const tokens = tokenize(src);
    const p = { tokens, i: 0 };
    const statements: Statement[] = [];
    while (p.i < tokens.length) {
      const s = statement(p, 0);
      const next = tokens[p.i];
      if (next?.t === 'close') throw new Fail({ ...next.pos, message: 'a "]" without its "["' });
      p.i++; // the end token
      if (s) statements.push(s);
    }
    return ok(statements);
  } catch (e) {
    if (e instanceof Fail) return err(e.error);
    throw e;
  }
}

interface Cursor {
  tokens: Token[];
  i: number;
}

/** Words until the end of the line (or the "]" closing a nested command, left for the caller). */
function statement(p: Cursor, depth: number): Statement | undefined {
  const words: Word[] = [];
  for (;;) {
    const tok = p.tokens[p.i]!;
    if (tok.t === 'end' || tok.t === 'close') break;
    const pieces: Piece[] = [];
    const pos = tok.pos;
    do {
      const cur = p.tokens[p.i]!;
      if (cur.t === 'text') pieces.push({ kind: 'text', text: cur.text, quoted: cur.quoted, pos: cur.pos });
      else if (cur.t === 'var') pieces.push({ kind: 'var', name: cur.name, pos: cur.pos });
      else if (cur.t === 'open') {
        if (depth >= MAX_DEPTH) throw new Fail({ ...cur.pos, message: `"[ ]" nested deeper than ${MAX_DEPTH}` });
        p.i++;
        // Inside brackets, line ends are spaces (a long [ find ... ] may wrap).
        while (p.tokens[p.i]?.t === 'end' && p.i < p.tokens.length - 1) p.i++;
        const inner = statement(p, depth + 1);
        const close = p.tokens[p.i]!;
        if (close.t !== 'close') throw new Fail({ ...cur.pos, message: 'a "[" without its "]"' });
        if (!inner) throw new Fail({ ...cur.pos, message: 'empty "[ ]"' });
        pieces.push({ kind: 'sub', statement: inner, pos: cur.pos });
      } else break;
      p.i++;
    } while (p.tokens[p.i]!.glued && p.tokens[p.i]!.t !== 'end' && p.tokens[p.i]!.t !== 'close');
    words.push({ pieces, pos });
    // Line ends inside brackets: keep reading the nested command.
    if (depth > 0) while (p.tokens[p.i]?.t === 'end' && p.i < p.tokens.length - 1) p.i++;
  }
  if (words.length === 0) return undefined;
  const first = words[0]!;
  const lead = first.pieces[0];
  let absolute = false;
  if (lead?.kind === 'text' && !lead.quoted && lead.text.startsWith('/')) {
    absolute = true;
    const rest = lead.text.replace(/^\/+/, '');
    // "/ip/ipsec/peer" (v7's slash form) is the path "ip ipsec peer".
    const parts = rest.split('/').filter((x) => x !== '');
    const col = lead.pos.col + (lead.text.length - rest.length);
    const pathWords: Word[] = [];
    let offset = 0;
    for (const part of parts) {
      const at = { line: lead.pos.line, col: col + rest.indexOf(part, offset) };
      offset = rest.indexOf(part, offset) + part.length;
      pathWords.push({ pieces: [{ kind: 'text', text: part, quoted: false, pos: at }], pos: at });
    }
    if (first.pieces.length > 1) {
      // "/ip$x": unusual; keep the remaining pieces as one more word.
      pathWords.push({ pieces: first.pieces.slice(1), pos: first.pieces[1]!.pos });
    }
    words.splice(0, 1, ...pathWords);
  }
  return { absolute, args: words.map(toArg), pos: first.pos };
}

/** `name=value` / `name!=value` when the word starts with unquoted text holding "="; a bare value otherwise. */
function toArg(word: Word): Arg {
  const lead = word.pieces[0];
  if (lead?.kind === 'text' && !lead.quoted) {
    const eq = lead.text.indexOf('=');
    if (eq > 0) {
      let name = lead.text.slice(0, eq);
      let op: Arg['op'] = '=';
      if (name.endsWith('!')) {
        name = name.slice(0, -1);
        op = '!=';
      }
      const restText = lead.text.slice(eq + 1);
      const rest: Piece[] = [];
      if (restText !== '' || word.pieces.length === 1)
        rest.push({
          kind: 'text',
          text: restText,
          quoted: false,
          pos: { line: lead.pos.line, col: lead.pos.col + eq + 1 },
        });
      rest.push(...word.pieces.slice(1));
      if (name !== '')
        return {
          name,
          op,
          value: { pieces: rest, pos: rest[0]?.pos ?? { line: lead.pos.line, col: lead.pos.col + eq + 1 } },
          pos: word.pos,
        };
    }
  }
  return { value: word, pos: word.pos };
}

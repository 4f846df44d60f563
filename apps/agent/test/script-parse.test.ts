// The RouterOS script parser: words, quoting and escapes, continuation, comments, nested [ ], positions of every
// piece, and errors that name line and column. It never throws, whatever the input (property test).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScript, type Arg, type Piece, type Statement } from '../src/script/parse.ts';

function parsed(src: string): Statement[] {
  const r = parseScript(src);
  if (!r.ok) throw new Error(`unexpected parse error: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** An arg as text: name, op and the value's pieces (text as is, $var, [..]). */
function show(a: Arg): string {
  const piece = (p: Piece): string =>
    p.kind === 'text' ? p.text : p.kind === 'var' ? `$${p.name}` : `[${p.statement.args.map(show).join(' ')}]`;
  const v = a.value.pieces.map(piece).join('');
  return a.name !== undefined ? `${a.name}${a.op}${v}` : v;
}

describe('parseScript', () => {
  it('splits lines into statements of words, absolute paths losing their slash', () => {
    const s = parsed('/ip ipsec peer\nadd address=10.0.0.1/32 name=p1\n');
    expect(s).toHaveLength(2);
    expect(s[0]!.absolute).toBe(true);
    expect(s[0]!.args.map(show)).toEqual(['ip', 'ipsec', 'peer']);
    expect(s[1]!.absolute).toBe(false);
    expect(s[1]!.args.map(show)).toEqual(['add', 'address=10.0.0.1/32', 'name=p1']);
    expect(s[1]!.args[2]!.name).toBe('name');
  });

  it('takes the v7 slash form of a path', () => {
    expect(parsed('/ip/ipsec/peer print')[0]!.args.map(show)).toEqual(['ip', 'ipsec', 'peer', 'print']);
  });

  it('gives every word and value its line and column', () => {
    const [st] = parsed('# comment line\n  add name="a b" comment=x');
    expect(st!.pos).toEqual({ line: 2, col: 3 });
    expect(st!.args[1]!.pos).toEqual({ line: 2, col: 7 });
    expect(st!.args[1]!.value.pieces[0]!.pos).toEqual({ line: 2, col: 12 });
    expect(st!.args[2]!.value.pos).toEqual({ line: 2, col: 26 });
  });

  it('resolves escapes in quoted and bare text', () => {
    const [st] = parsed(String.raw`add a="x\"y" b="l1\nl2" c="back\\slash" d="\$notvar" e=\$ f="\41\_B"`);
    const values = st!.args.slice(1).map((a) => (a.value.pieces[0] as { text: string }).text);
    expect(values).toEqual(['x"y', 'l1\nl2', 'back\\slash', '$notvar', '$', 'A B']);
  });

  it('keeps the seed guide secret with \\$ escapes as one text', () => {
    const [st] = parsed(String.raw`add peer=sts-peer secret="2KuSY2%QKt\$\$gs8V9nrERD@V8zAuh\$3S"`);
    expect(show(st!.args[2]!)).toBe('secret=2KuSY2%QKt$$gs8V9nrERD@V8zAuh$3S');
  });

  it('joins a line ending in a backslash with the next (export wrapping)', () => {
    const s = parsed('add address=1.2.3.4/32 \\\n    name=p1 \\\r\n    profile=x\nprint');
    expect(s).toHaveLength(2);
    expect(s[0]!.args.map(show)).toEqual(['add', 'address=1.2.3.4/32', 'name=p1', 'profile=x']);
    expect(s[0]!.args[3]!.pos).toEqual({ line: 3, col: 5 });
  });

  it('separates statements with ";" and skips # comment lines and blank lines', () => {
    const s = parsed('# header\n\n/ip pool; add name=a ranges=10.0.0.1-10.0.0.9 ;print\n   # indented comment\n');
    expect(s.map((x) => x.args.map(show).join(' '))).toEqual([
      'ip pool',
      'add name=a ranges=10.0.0.1-10.0.0.9',
      'print',
    ]);
  });

  it('keeps # inside a word (not a comment there)', () => {
    expect(parsed('add secret=ab#cd')[0]!.args.map(show)).toEqual(['add', 'secret=ab#cd']);
  });

  it('parses [ find ... ] as a nested statement, also across lines, and $variables', () => {
    const [st] = parsed('set [ find where name="x" and disabled!=yes ] comment=$c');
    const sub = st!.args[1]!.value.pieces[0]!;
    expect(sub.kind).toBe('sub');
    if (sub.kind !== 'sub') return;
    expect(sub.statement.args.map(show)).toEqual(['find', 'where', 'name=x', 'and', 'disabled!=yes']);
    expect(sub.statement.args[4]!.op).toBe('!=');
    expect(show(st!.args[2]!)).toBe('comment=$c');
    const [multi] = parsed('set [ find\n  name=x ] comment=y');
    expect(multi!.args.map(show)).toEqual(['set', '[find name=x]', 'comment=y']);
  });

  it('interpolates $var inside quotes as a piece', () => {
    const [st] = parsed('add comment="peer $name here"');
    expect(st!.args[1]!.value.pieces.map((p) => p.kind)).toEqual(['text', 'var', 'text']);
  });

  it('keeps an empty quoted value as an empty text', () => {
    const [st] = parsed('set 0 comment=""');
    expect(st!.args[2]!.value.pieces).toMatchObject([{ kind: 'text', text: '' }]);
  });

  it.each([
    ['add name="abc', 1, 10, 'unterminated'],
    ['add\nname="a\nb"', 2, 6, 'line ends inside'],
    ['add name=\\q', 1, 10, 'unknown escape \\q'],
    ['set [ find name=x', 1, 5, 'without its "]"'],
    ['print ]', 1, 7, 'without its "["'],
    ['add name=$', 1, 11, 'variable name'],
    ['add x={ a }', 1, 7, 'blocks'],
    ['set [ ] x=1', 1, 5, 'empty'],
  ])('refuses %j at line %i column %i', (src, line, col, message) => {
    const r = parseScript(src);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ line, col });
    expect(r.error.message).toContain(message);
  });

  it('bounds nesting depth', () => {
    const deep = `${'[ '.repeat(40)}find${' ]'.repeat(40)}`;
    const r = parseScript(`set ${deep} x=1`);
    expect(r.ok).toBe(false);
  });

  it('never throws: any string is a Result (property test)', () => {
    const alphabet = fc.constantFrom(...'/ \t\n\r\\"$[]{};#=!abc:*0,.'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: alphabet, maxLength: 200 })), (src) => {
        const r = parseScript(src);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) {
          expect(r.error.line).toBeGreaterThanOrEqual(1);
          expect(r.error.col).toBeGreaterThanOrEqual(1);
          expect(r.error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

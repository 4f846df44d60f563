// The Terminal's line editor: typing, editing in the middle, history, Ctrl-C, pasted lines, and the prompt.
import { describe, expect, it } from 'vitest';
import {
  LineEditor,
  completeWith,
  exportCommand,
  promptOf,
  terminalText,
  type EditorAction,
} from '../src/system/terminal.ts';

const runs = (a: EditorAction[]) => a.flatMap((x) => ('run' in x ? [x.run] : []));
const echo = (a: EditorAction[]) => a.flatMap((x) => ('write' in x ? [x.write] : [])).join('');

describe('promptOf', () => {
  it('prints the menu as RouterOS does', () => {
    expect(promptOf('admin', 'gw1', ['ip', 'ipsec'])).toBe('[admin@gw1] /ip ipsec> ');
    expect(promptOf('admin', 'gw1', [])).toBe('[admin@gw1] > ');
  });
});

describe('LineEditor', () => {
  it('echoes what is typed and runs the line on Enter', () => {
    const e = new LineEditor();
    const a = e.input('/ip ipsec peer print\r');
    expect(echo(a)).toBe('/ip ipsec peer print\r\n');
    expect(runs(a)).toEqual(['/ip ipsec peer print']);
  });

  it('edits in the middle of the line (left, insert, backspace)', () => {
    const e = new LineEditor();
    e.input('pint');
    e.input('\x1b[D\x1b[D\x1b[D'); // cursor after "p"
    e.input('r');
    expect(e.current()).toBe('print');
    e.input('\x1b[C\x1b[C\x1b[C\x7f'); // to the end, erase "t"
    expect(e.current()).toBe('prin');
    expect(runs(e.input('t\r'))).toEqual(['print']);
  });

  it('walks the history with up and down, keeping the line being typed', () => {
    const e = new LineEditor();
    e.input('one\r');
    e.input('two\r');
    e.input('thr');
    e.input('\x1b[A');
    expect(e.current()).toBe('two');
    e.input('\x1b[A');
    expect(e.current()).toBe('one');
    e.input('\x1b[A'); // nothing older
    expect(e.current()).toBe('one');
    e.input('\x1b[B\x1b[B');
    expect(e.current()).toBe('thr');
    expect(runs(e.input('\x1b[A\r'))).toEqual(['two']);
  });

  it('Ctrl-C drops the line; a paste of several lines runs each', () => {
    const e = new LineEditor();
    e.input('half a command');
    expect(runs(e.input('\x03'))).toEqual(['']);
    expect(e.current()).toBe('');
    expect(runs(e.input('/ip ipsec\r\nprofile print\r\n'))).toEqual(['/ip ipsec', 'profile print']);
  });

  it('ignores other control keys', () => {
    const e = new LineEditor();
    expect(echo(e.input('a\x01\x02b'))).toBe('ab');
  });
});

it('turns script output into terminal lines', () => {
  expect(terminalText('a\nb\r\n')).toBe('a\r\nb\r\n');
});

it('builds the export command from the Script window options', () => {
  expect(exportCommand({ showSensitive: false, verbose: false })).toBe('/export');
  expect(exportCommand({ showSensitive: true, verbose: true })).toBe('/export verbose show-sensitive');
});

describe('Tab', () => {
  it('asks to complete the line up to the cursor, and inserts what comes back', () => {
    const e = new LineEditor();
    const typed: EditorAction[] = [...'/ip ips'].map((c) => ({ write: c }));
    expect(e.input('/ip ips\t')).toEqual([...typed, { complete: '/ip ips' }]);
    e.insert('ec ');
    expect(e.current()).toBe('/ip ipsec ');
    expect(e.redraw()).toBe('/ip ipsec ');
  });

  it('completes one option, extends several to their common start, lists them otherwise', () => {
    expect(completeWith('ips', ['ipsec'])).toEqual({ insert: 'ec ', list: [] });
    expect(completeWith('exch', ['exchange-mode='])).toEqual({ insert: 'ange-mode=', list: [] });
    expect(completeWith('p', ['peer', 'policy', 'profile', 'proposal'])).toEqual({
      insert: '',
      list: ['peer', 'policy', 'profile', 'proposal'],
    });
    expect(completeWith('pro', ['profile', 'proposal'])).toEqual({ insert: '', list: ['profile', 'proposal'] });
    expect(completeWith('pfs-group=modp1', ['pfs-group=modp1024', 'pfs-group=modp1536'])).toEqual({
      insert: '',
      list: ['pfs-group=modp1024', 'pfs-group=modp1536'],
    });
    expect(completeWith('x', ['xauth-a', 'xauth-b'])).toEqual({ insert: 'auth-', list: [] });
    expect(completeWith('zz', [])).toEqual({ insert: '', list: [] });
  });
});

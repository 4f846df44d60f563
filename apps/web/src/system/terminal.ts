// The Terminal's line editing, apart from xterm.js so it is tested without a DOM: keystrokes (as the terminal
// delivers them, escape sequences and all) in, text to echo and whole lines to run out. RouterOS console keys:
// left/right move, up/down walk the history, backspace, Ctrl-C drops the line, Enter runs it, Tab asks the agent
// what may follow (completeWith applies its answer).

/** `[admin@router] /ip ipsec> ` as RouterOS prints its prompt (`[admin@router] > ` at the top). */
export function promptOf(user: string, identity: string, cwd: readonly string[]): string {
  return `[${user}@${identity}] ${cwd.length ? `/${cwd.join(' ')}` : ''}> `;
}

export type EditorAction = { write: string } | { run: string } | { complete: string };

const HISTORY_MAX = 200;

export class LineEditor {
  private line = '';
  private cursor = 0;
  private readonly history: string[] = [];
  /** Where up/down is in the history; history.length = the line being typed. */
  private at = 0;
  private typed = '';

  /** Keystrokes (or a paste) to actions, in order. */
  input(data: string): EditorAction[] {
    const out: EditorAction[] = [];
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (c === '\x1b' && data[i + 1] === '[') {
        const key = data[i + 2];
        i += 2;
        if (key === 'A') out.push(...this.recall(-1));
        else if (key === 'B') out.push(...this.recall(1));
        else if (key === 'C' && this.cursor < this.line.length) {
          this.cursor++;
          out.push({ write: '\x1b[C' });
        } else if (key === 'D' && this.cursor > 0) {
          this.cursor--;
          out.push({ write: '\x1b[D' });
        }
        continue;
      }
      if (c === '\r' || c === '\n') {
        if (c === '\n' && data[i - 1] === '\r') continue; // CR LF from a paste: one line end
        const line = this.line;
        if (line.trim() !== '' && this.history.at(-1) !== line) {
          this.history.push(line);
          if (this.history.length > HISTORY_MAX) this.history.shift();
        }
        this.line = '';
        this.cursor = 0;
        this.at = this.history.length;
        this.typed = '';
        out.push({ write: '\r\n' }, { run: line });
        continue;
      }
      if (c === '\x7f' || c === '\b') {
        if (this.cursor === 0) continue;
        const rest = this.line.slice(this.cursor);
        this.line = this.line.slice(0, this.cursor - 1) + rest;
        this.cursor--;
        out.push({ write: `\b${rest} \b${'\b'.repeat(rest.length)}` });
        continue;
      }
      if (c === '\t') {
        out.push({ complete: this.line.slice(0, this.cursor) });
        continue;
      }
      if (c === '\x03') {
        this.line = '';
        this.cursor = 0;
        this.at = this.history.length;
        out.push({ write: '^C\r\n' }, { run: '' });
        continue;
      }
      if (c < ' ' || c === '\x7f') continue; // other control keys: nothing
      const rest = this.line.slice(this.cursor);
      this.line = this.line.slice(0, this.cursor) + c + rest;
      this.cursor++;
      out.push({ write: c + rest + '\b'.repeat(rest.length) });
    }
    return out;
  }

  /** The line being edited (for tests and completion). */
  current(): string {
    return this.line;
  }

  /** Text put in at the cursor (a completion), echoed. */
  insert(text: string): EditorAction[] {
    return text === '' ? [] : this.input(text.replace(/[\x00-\x1f\x7f]/g, ''));
  }

  /** The line as typed so far, to write again after a list of completions. */
  redraw(): string {
    return this.line + '\b'.repeat(this.line.length - this.cursor);
  }

  private recall(step: -1 | 1): EditorAction[] {
    const next = this.at + step;
    if (next < 0 || next > this.history.length) return [];
    if (this.at === this.history.length) this.typed = this.line;
    this.at = next;
    const shown = next === this.history.length ? this.typed : this.history[next]!;
    // Back to the line's start, clear to its end, write the recalled one.
    const erase = `${'\b'.repeat(this.cursor)}\x1b[K`;
    this.line = shown;
    this.cursor = shown.length;
    return [{ write: erase + shown }];
  }
}

/** Script output as the terminal wants it: CR LF line ends. */
export const terminalText = (text: string) => text.replace(/\r?\n/g, '\r\n');

/** The /export command the Script window's options make. */
export function exportCommand(o: { showSensitive: boolean; verbose: boolean }): string {
  return `/export${o.verbose ? ' verbose' : ''}${o.showSensitive ? ' show-sensitive' : ''}`;
}

/**
 * What Tab does with the agent's options for `word`: one option completes it (and a space after a whole word),
 * several extend it to their common start, or, when that adds nothing, are listed.
 */
export function completeWith(word: string, options: readonly string[]): { insert: string; list: string[] } {
  if (options.length === 0) return { insert: '', list: [] };
  if (options.length === 1) {
    const only = options[0]!;
    return { insert: only.slice(word.length) + (only.endsWith('=') ? '' : ' '), list: [] };
  }
  let common = options[0]!;
  for (const o of options) while (!o.startsWith(common)) common = common.slice(0, -1);
  return common.length > word.length
    ? { insert: common.slice(word.length), list: [] }
    : { insert: '', list: [...options] };
}

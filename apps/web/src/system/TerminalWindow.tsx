// System > Terminal: the RouterOS console in xterm.js. Each line runs on the agent as a script (script.run) in the
// terminal's current menu, which the agent hands back; output as RouterOS prints it, errors in red, warnings in
// yellow; Tab completes menus, commands, properties, values and entry names (script.complete). Read users can
// print and export; a change is refused by the agent.
import { useEffect, useRef } from 'react';
import { Box } from '@mui/material';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { messageOf, trpc } from '../api/trpc.ts';
import { deviceName, useSession } from '../shell/session.ts';
import { Window } from '../shell/Window.tsx';
import { LineEditor, completeWith, promptOf, terminalText } from './terminal.ts';

const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

export function TerminalWindow() {
  const { user } = useSession();
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const term = new Terminal({ cursorBlink: true, fontSize: 13, convertEol: false, scrollback: 5000 });
    term.open(box.current!);
    const editor = new LineEditor();
    let cwd: string[] = [];
    let busy = false;
    const pending: string[] = [];
    const prompt = () => term.write(promptOf(user.name, deviceName(user), cwd));

    const run = async (line: string) => {
      busy = true;
      try {
        if (line.trim() !== '') {
          const r = await trpc().script.run.mutate({ script: line, cwd });
          if (r.ok) {
            term.write(terminalText(r.output));
            for (const w of r.warnings) term.write(`${YELLOW}${terminalText(w)}${RESET}\r\n`);
            cwd = r.cwd;
          } else term.write(`${RED}${terminalText(r.message)}${RESET}\r\n`);
        }
      } catch (e) {
        term.write(`${RED}${terminalText(messageOf(e))}${RESET}\r\n`);
      }
      busy = false;
      prompt();
      const next = pending.shift();
      if (next !== undefined) void run(next);
    };

    term.writeln('IPsec WinBox terminal: RouterOS commands for the IPsec menus, /ip pool and /certificate.');
    prompt();
    // Keys typed while a completion is on its way wait for it, so they land after what it inserts.
    let completing = false;
    const held: string[] = [];
    const tab = async (before: string) => {
      completing = true;
      try {
        const { word, options } = await trpc().script.complete.query({ line: before, cwd });
        const { insert, list } = completeWith(word, options);
        for (const a of editor.insert(insert)) if ('write' in a) term.write(a.write);
        if (list.length) {
          term.write(`\r\n${list.join('  ')}\r\n`);
          prompt();
          term.write(editor.redraw());
        }
      } catch {
        // no completion: the line stays as it is
      }
      completing = false;
      while (held.length && !completing) keys(held.shift()!);
    };
    const keys = (data: string) => {
      if (completing) {
        held.push(data);
        return;
      }
      for (const action of editor.input(data)) {
        if ('write' in action) term.write(action.write);
        else if ('complete' in action) void tab(action.complete);
        else if (busy) pending.push(action.run);
        else void run(action.run);
      }
    };
    const sub = term.onData(keys);
    term.focus();
    return () => {
      sub.dispose();
      term.dispose();
    };
  }, [user]);

  return (
    <Window title="Terminal">
      <Box ref={box} data-testid="terminal" sx={{ flex: 1, minHeight: 0, bgcolor: '#000', p: 0.5 }} />
    </Window>
  );
}

// kill -9 in the middle of a stream of writes: after a restart the store opens, passes SQLite's
// integrity check, and every change the agent acknowledged is there.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, rest, withTimeout } from './harness.ts';

const agentDir = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'ipsec-durability-'));
const children: ChildProcess[] = [];

function startChild(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', '--data', dataDir, '--listen', '127.0.0.1:0', '--no-ike'],
    {
      cwd: agentDir,
      env: { ...process.env, ADMIN_PASSWORD, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return withTimeout(
    new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /open (http:\/\/[^\s/]+)\//.exec(out);
        if (m) resolve({ child, url: m[1]! });
      });
      child.once('exit', (code) => reject(new Error(`agent exited early (${code}): ${out}`)));
    }),
    30_000,
    'agent start',
  );
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('durability', () => {
  it('every acknowledged change survives kill -9', async () => {
    const { child, url } = await startChild();
    const acked: string[] = [];
    let stop = false;
    // Four writers in parallel, each adding users until the agent dies under them.
    const writer = async (w: number) => {
      for (let i = 0; !stop && i < 10_000; i++) {
        const name = `w${w}-${i}`;
        try {
          const r = await rest(url, 'PUT', 'ip/ipsec/user', { name, password: 'x-secret', comment: `writer ${w}` });
          if (r.status === 201) acked.push(name);
        } catch {
          return; // connection refused/reset: the agent is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await withTimeout(
      (async () => {
        while (acked.length < 150) await new Promise((r) => setTimeout(r, 10));
      })(),
      60_000,
      '150 acknowledged writes',
    );
    child.kill('SIGKILL');
    const died = new Promise((r) => child.once('exit', r));
    await died;
    stop = true;
    await Promise.all(writers);
    expect(acked.length).toBeGreaterThanOrEqual(150);

    const db = new Database(join(dataDir, 'agent.sqlite'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const again = await startChild();
    const users = (await rest(again.url, 'GET', 'ip/ipsec/user')).json as { name: string }[];
    const names = new Set(users.map((u) => u.name));
    const lost = acked.filter((n) => !names.has(n));
    expect(lost).toEqual([]);
    // and the store still takes writes
    expect(
      (await rest(again.url, 'PUT', 'ip/ipsec/user', { name: 'after-restart', password: 'x-secret' })).status,
    ).toBe(201);
    again.child.kill('SIGTERM');
  }, 120_000);
});

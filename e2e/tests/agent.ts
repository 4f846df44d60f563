// A real agent for the browser tests: a child process with a fresh data directory, serving the
// built web UI on a loopback port. Stopped by PID when the worker ends. The IKE engine is off
// (--no-ike): these tests drive the UI and the API, and must not compete for UDP 500/4500.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from '@playwright/test';

export const ADMIN = { name: 'admin', password: 'e2e-admin-password' };
const repo = join(import.meta.dirname, '..', '..');
const agentDir = join(repo, 'apps', 'agent');

export interface RunningAgent {
  url: string;
  dataDir: string;
}

export interface AgentProcess {
  agent: RunningAgent;
  /** SIGKILL by PID and remove the data directory. */
  stop: () => void;
  /** SIGKILL by PID, keeping the data directory (to start again on it). */
  kill: () => Promise<void>;
}

/** Start an agent: fresh data and port by default; `dataDir`/`listen` restart one where it was. */
export async function startAgent(opts: { dataDir?: string; listen?: string } = {}): Promise<AgentProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ipsec-e2e-'));
  const args = [
    '--import',
    'tsx',
    'src/main.ts',
    '--data',
    dataDir,
    '--listen',
    opts.listen ?? '127.0.0.1:0',
    '--no-ike',
    '--web',
    join(repo, 'apps', 'web', 'dist'),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: agentDir,
    env: { ...process.env, ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`agent did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/[^\s/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`agent exited (${code}): ${out}`)));
  });
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const kill = async () => {
    if (running()) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    }
  };
  return {
    agent: { url, dataDir },
    kill,
    stop: () => {
      if (running()) process.kill(child.pid!, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `agent`: a fresh agent (empty data directory) for each test file. The worker keeps the current
 * file's agent and replaces it when the next file starts, so the tests of one file share it
 * (in order) and no file sees another's configuration or users.
 */
interface AgentSlot {
  file?: string;
  running?: AgentProcess;
}

export const test = base.extend<{ agent: RunningAgent }, { agentSlot: AgentSlot }>({
  agentSlot: [
    async ({}, use) => {
      const slot: AgentSlot = {};
      await use(slot);
      slot.running?.stop();
    },
    { scope: 'worker' },
  ],
  agent: async ({ agentSlot: slot }, use, testInfo) => {
    if (slot.file !== testInfo.file || !slot.running) {
      slot.running?.stop();
      slot.running = undefined;
      slot.running = await startAgent();
      slot.file = testInfo.file;
    }
    await use(slot.running.agent);
  },
});

export { expect } from '@playwright/test';

// Our agent as a process inside a test namespace, IKE on the namespace's addresses, its API on a
// unix socket the test reaches from outside. Stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaled } from './wait.ts';

const repo = join(import.meta.dirname, '..', '..');
const agentDir = join(repo, 'apps', 'agent');
const PASSWORD = 'interop-admin-pw';
/** The agent's admin user (ADMIN_PASSWORD on its fresh data directory): for REST, and for a browser logging in. */
export const AGENT_ADMIN = { name: 'admin', password: PASSWORD } as const;

export class AgentInNetns {
  readonly dir = mkdtempSync(join(tmpdir(), 'ipsec-interop-agent-'));
  readonly socket = join(this.dir, 'api.sock');
  private child?: ChildProcess;
  output = '';

  /** `args`: extra command line flags (e.g. --dataplane off). */
  constructor(
    readonly ns: string,
    private readonly args: string[] = [],
  ) {}

  /** Start (again, on the same data directory after stop()). */
  async start(): Promise<void> {
    const from = this.output.length;
    this.child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.ns,
        process.execPath,
        '--import',
        'tsx',
        'src/main.ts',
        '--data',
        join(this.dir, 'data'),
        '--listen',
        `unix:${this.socket}`,
        ...this.args,
      ],
      {
        cwd: agentDir,
        env: { ...process.env, ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: process.env.AGENT_LOG_LEVEL ?? 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    // generous: in the emulated kernel VM (scripts/kernel-vm.sh) loading the agent takes far longer than here
    for (let i = 0; i < scaled(1200); i++) {
      if (this.output.includes('agent is running', from)) return;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`agent did not start in ${this.ns}: ${this.output}`);
  }

  /** RouterOS REST over the unix socket. */
  rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          socketPath: this.socket,
          // a connection per request: a kept-alive one the agent closes after 5 s idle fails the next request with
          // EPIPE when its close is seen too late (the emulated kernel VM is slow enough for that)
          agent: false,
          method,
          path: `/rest/${path}`,
          auth: `admin:${PASSWORD}`,
          headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }

  async add(path: string, body: Record<string, unknown>): Promise<any> {
    const r = await this.rest('PUT', path, body);
    if (r.status !== 201) throw new Error(`PUT ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  /** The agent's PID (`ip netns exec` execs it, so the child is the agent itself). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGKILL by default (nothing cleaned up); SIGTERM lets the agent clean up, and this waits until it exited. */
  stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null) return Promise.resolve();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(child.pid, signal);
    } catch {
      return Promise.resolve(); // it exited meanwhile
    }
    return exited;
  }

  cleanup(): void {
    void this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

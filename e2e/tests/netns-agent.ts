// Our agent inside a test-made network namespace (IKE on the namespace's addresses, its data plane on a
// TUN device there), reached by the browser through a small TCP -> unix-socket proxy on 127.0.0.1 in the
// root namespace: the agent's API listens on a unix socket (AgentInNetns), which the root namespace can
// open although the agent's network is elsewhere. The proxy copies bytes both ways, so HTTP, the session
// cookie and the tRPC WebSocket pass unchanged (same Host and Origin: the agent's same-origin check holds).
// Everything is stopped by PID and removed by stop().
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { AGENT_ADMIN, AgentInNetns } from '../interop/agent-in-netns.ts';
import { canUseNetns } from '../interop/netns.ts';
import type { RunningAgent } from './agent.ts';

export { AGENT_ADMIN, canUseNetns };

export interface UnixProxy {
  url: string;
  close: () => Promise<void>;
}

/** Listen on 127.0.0.1:<free port> and relay every connection to the unix socket `path`. */
export async function unixSocketProxy(path: string): Promise<UnixProxy> {
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(path);
    open.add(client);
    open.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('proxy: no TCP address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        open.clear();
        server.close(() => resolve());
      }),
  };
}

/** The agent in namespace `ns` (IKE and data plane on), and the browser's way in. */
export class NetnsAgent {
  readonly process: AgentInNetns;
  private proxy?: UnixProxy;

  constructor(readonly ns: string) {
    this.process = new AgentInNetns(ns);
  }

  async start(): Promise<RunningAgent> {
    await this.process.start();
    this.proxy = await unixSocketProxy(this.process.socket);
    return { url: this.proxy.url, dataDir: this.process.dir };
  }

  /** The agent's log so far (for a failure report). */
  get output(): string {
    return this.process.output;
  }

  async stop(): Promise<void> {
    await this.proxy?.close();
    this.process.cleanup();
  }
}

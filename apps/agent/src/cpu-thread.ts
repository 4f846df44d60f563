// CPU-heavy pure JavaScript (node-forge's PKCS#12) off the event loop: the exported functions of one module run on
// a worker thread of their own, so IKE, the API and the live views keep answering meanwhile. node:crypto's async
// calls (key generation, scrypt) need none of this; they already run on libuv's pool.
import { Worker } from 'node:worker_threads';
import { ConfigError, type ConfigIssue } from '@ipsec/schema';

type Api = Record<string, (...args: never[]) => unknown>;
/** What the worker posts back for call `id`. */
export type Reply = { id: number; value: unknown } | { id: number; error: { message: string; issues?: ConfigIssue[] } };

export class CpuThread<A extends Api> {
  private worker?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** `moduleUrl`: the module whose exports run on the thread (its own import.meta.url). */
  constructor(private readonly moduleUrl: string) {}

  call<K extends keyof A & string>(fn: K, ...args: Parameters<A[K]>): Promise<Awaited<ReturnType<A[K]>>> {
    const id = this.nextId++;
    const worker = this.started();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, fn, args });
      worker.ref(); // a call in flight keeps the process up; an idle thread does not
    });
  }

  /** Stop the thread (it starts again on the next call). */
  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // The thread starts from plain JS that registers tsx (the agent runs its TypeScript sources directly).
    const worker = new Worker(new URL('./cpu-thread-main.mjs', import.meta.url), {
      workerData: { moduleUrl: this.moduleUrl },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('value' in reply) p.resolve(reply.value);
      else p.reject(reply.error.issues ? new ConfigError(reply.error.issues) : new Error(reply.error.message));
    });
    // A thread that dies fails what it had in hand; the next call starts a new one.
    const died = (e: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`CPU thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

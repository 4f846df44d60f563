// Reading packets from a non-blocking file descriptor (TUN device, raw socket) without blocking the event loop:
// poll(2) with a short timeout runs through koffi's async mode (a libuv threadpool thread, calling back on the main
// thread); the queued packets are then drained with non-blocking read(2)s on the main thread, up to a batch at a
// time. The poll timeout bounds how long stop() waits: an fd is never closed under a pending poll (closing an fd
// another thread is blocked on does not wake that thread).
import { readSync } from 'node:fs';
import koffi from 'koffi';

const POLLIN = 0x0001;
/** Packets read per wake-up before polling again (lets other events in between). */
const BATCH = 256;

type PollFn = ((fds: Buffer, n: number, timeout: number) => number) & {
  async: (fds: Buffer, n: number, timeout: number, cb: (err: unknown, res: number) => void) => void;
};

let pollFn: PollFn | undefined;
const poll = (): PollFn =>
  (pollFn ??= koffi.load('libc.so.6').func('int poll(uint8_t *fds, unsigned long nfds, int timeout)') as PollFn);

export class FdReader {
  private stopped = false;
  private running?: Promise<void>;
  private readonly buf: Buffer;
  private readonly pollfd = Buffer.alloc(8);
  readonly stats = { packets: 0, bytes: 0, errors: 0 };

  /** `onPacket` gets a view of the read buffer, valid only during the call. */
  constructor(
    private readonly fd: number,
    private readonly onPacket: (packet: Buffer) => void,
    opts: { maxPacket?: number; pollMs?: number } = {},
  ) {
    this.buf = Buffer.allocUnsafe(opts.maxPacket ?? 65535);
    this.pollMs = opts.pollMs ?? 100;
    this.pollfd.writeInt32LE(fd, 0);
    this.pollfd.writeInt16LE(POLLIN, 4);
  }

  private readonly pollMs: number;

  start(): void {
    // never an unhandled rejection (it would end the process): a failing poll stops this reader, counted
    this.running ??= this.loop().catch(() => {
      this.stats.errors++;
    });
  }

  private pollOnce(): Promise<number> {
    return new Promise((resolve, reject) =>
      poll().async(this.pollfd, 1, this.pollMs, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const r = await this.pollOnce();
      if (this.stopped) break;
      // Under load the queue refills while we work: keep draining (yielding to other events between batches)
      // and go back to the slower threadpool poll only once it is empty.
      if (r > 0) while (this.drain() && !this.stopped) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Read up to a batch of queued packets; true when the batch was full (more may be waiting). */
  private drain(): boolean {
    for (let i = 0; i < BATCH && !this.stopped; i++) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') this.stats.errors++;
        return false;
      }
      if (n <= 0) return false;
      this.stats.packets++;
      this.stats.bytes += n;
      try {
        this.onPacket(this.buf.subarray(0, n));
      } catch {
        this.stats.errors++; // one bad packet (or a socket closing under it) does not stop the reader
      }
    }
    return true;
  }

  /** Stop reading; resolves once no poll is pending on the fd (at most pollMs), so the caller may close it. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }
}

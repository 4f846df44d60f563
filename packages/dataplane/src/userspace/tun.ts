// A TUN device (IFF_TUN | IFF_NO_PI: one whole IPv4/IPv6 packet per read/write) from Node, through koffi.
//
// Not blocking the event loop: the fd is opened O_NONBLOCK. Waiting for a packet is poll(2) with a short timeout,
// called through koffi's async mode (it runs on a libuv threadpool thread and calls back on the main thread); reads
// are then non-blocking read(2)s on the main thread, draining whatever is queued. Writes are non-blocking writes on
// the main thread (a TUN write hands the packet to the kernel's stack and does not wait). The poll timeout bounds how
// long close() waits for the pending poll to come back before closing the fd (closing an fd another thread is
// blocked on does not wake that thread, so we never close under a pending poll).
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import koffi from 'koffi';
import { inNetns } from '../kernel/sys.ts';

const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const IFNAMSIZ = 16;
const POLLIN = 0x0001;

type PollFn = ((fds: Buffer, n: number, timeout: number) => number) & {
  async: (fds: Buffer, n: number, timeout: number, cb: (err: unknown, res: number) => void) => void;
};

let libc: { ioctl: (fd: number, req: number, arg: Buffer) => number; poll: PollFn } | undefined;

function lib() {
  if (!libc) {
    const l = koffi.load('libc.so.6');
    libc = {
      ioctl: l.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)') as (fd: number, req: number, arg: Buffer) => number,
      poll: l.func('int poll(uint8_t *fds, unsigned long nfds, int timeout)') as PollFn,
    };
  }
  return libc;
}

export interface TunOptions {
  /** Interface name (at most 15 bytes); the kernel picks one for a pattern like "tun%d". */
  name: string;
  /** Create it inside /run/netns/<netns> (the device belongs to the namespace the fd was opened in). */
  netns?: string;
  /** Largest packet read (default 65535). */
  mtu?: number;
  /** poll(2) timeout in ms: how long close() may wait (default 100). */
  pollMs?: number;
}

export class Tun {
  private closed = false;
  private polling?: Promise<void>;
  private readonly buf: Buffer;
  private readonly pollMs: number;
  private readonly pollfd = Buffer.alloc(8);
  private listener?: (packet: Buffer) => void;
  /** Packets read / written, and errors seen (read errors stop nothing; write errors are returned). */
  readonly stats = { rxPackets: 0, rxBytes: 0, txPackets: 0, txBytes: 0, txErrors: 0, rxErrors: 0 };

  private constructor(readonly fd: number, readonly name: string, opts: TunOptions) {
    this.buf = Buffer.allocUnsafe(opts.mtu ?? 65535);
    this.pollMs = opts.pollMs ?? 100;
    this.pollfd.writeInt32LE(fd, 0);
    this.pollfd.writeInt16LE(POLLIN, 4);
  }

  /** Open /dev/net/tun and attach it to interface `name` (created if needed; it starts down, without addresses). */
  static open(opts: TunOptions): Tun {
    if (Buffer.byteLength(opts.name) >= IFNAMSIZ) throw new Error(`interface name too long: ${opts.name}`);
    return inNetns(opts.netns, () => {
      const fd = openSync('/dev/net/tun', constants.O_RDWR | constants.O_NONBLOCK);
      try {
        const ifr = Buffer.alloc(40); // struct ifreq
        ifr.write(opts.name, 0);
        ifr.writeUInt16LE(IFF_TUN | IFF_NO_PI, IFNAMSIZ);
        if (lib().ioctl(fd, TUNSETIFF, ifr) !== 0) throw new Error(`TUNSETIFF ${opts.name} failed: errno ${koffi.errno()}`);
        const end = ifr.indexOf(0);
        return new Tun(fd, ifr.toString('latin1', 0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end), opts);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
    });
  }

  /**
   * Start delivering packets (one IP packet each) to `listener`. The Buffer is a view of the read buffer, valid only
   * during the call (no copy per packet): copy it to keep it.
   */
  start(listener: (packet: Buffer) => void): void {
    if (this.closed) throw new Error('TUN closed');
    this.listener = listener;
    if (!this.polling) this.polling = this.loop();
  }

  private pollOnce(): Promise<number> {
    return new Promise((resolve, reject) => lib().poll.async(this.pollfd, 1, this.pollMs, (err, res) => (err ? reject(err) : resolve(res))));
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const r = await this.pollOnce();
      if (this.closed) break;
      if (r > 0) this.drain();
    }
  }

  /** Read everything queued now (non-blocking). */
  private drain(): void {
    for (let i = 0; i < 256 && !this.closed; i++) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') this.stats.rxErrors++;
        return;
      }
      if (n <= 0) return;
      this.stats.rxPackets++;
      this.stats.rxBytes += n;
      this.listener?.(this.buf.subarray(0, n));
    }
  }

  /** Hand one IP packet to the kernel as if received on the interface. False when the kernel refused it. */
  write(packet: Uint8Array): boolean {
    if (this.closed) return false;
    try {
      writeSync(this.fd, packet);
      this.stats.txPackets++;
      this.stats.txBytes += packet.length;
      return true;
    } catch {
      this.stats.txErrors++;
      return false;
    }
  }

  /** Stop reading, wait for the pending poll (at most pollMs), close the fd (the interface goes away with it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.polling?.catch(() => undefined);
    closeSync(this.fd);
  }
}

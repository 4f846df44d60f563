// A TUN device (IFF_TUN | IFF_NO_PI: one whole IPv4/IPv6 packet per read/write) from Node, through koffi.
//
// The fd is opened O_NONBLOCK; FdReader polls it off the event loop and drains it in batches. Writes are
// non-blocking writes on the main thread (a TUN write hands the packet to the kernel's stack and does not wait).
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import koffi from 'koffi';
import { inNetns } from '../kernel/sys.ts';
import { FdReader } from './fd-reader.ts';

const TUNSETIFF = 0x400454ca;
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000;
const IFNAMSIZ = 16;

let ioctl: ((fd: number, req: number, arg: Buffer) => number) | undefined;
const lib = () =>
  (ioctl ??= koffi.load('libc.so.6').func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)') as (
    fd: number,
    req: number,
    arg: Buffer,
  ) => number);
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
  private reader?: FdReader;
  private readonly mtu: number;
  private readonly pollMs: number;
  private readonly tx = { txPackets: 0, txBytes: 0, txErrors: 0 };

  private constructor(
    readonly fd: number,
    readonly name: string,
    opts: TunOptions,
  ) {
    this.mtu = opts.mtu ?? 65535;
    this.pollMs = opts.pollMs ?? 100;
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
        if (lib()(fd, TUNSETIFF, ifr) !== 0) throw new Error(`TUNSETIFF ${opts.name} failed: errno ${koffi.errno()}`);
        const end = ifr.indexOf(0);
        return new Tun(fd, ifr.toString('latin1', 0, end < 0 || end > IFNAMSIZ ? IFNAMSIZ : end), opts);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
    });
  }

  /** Packets read (as the reader counts them), written and refused. */
  get stats(): { rxPackets: number; rxBytes: number; txPackets: number; txBytes: number; txErrors: number } {
    return { rxPackets: this.reader?.stats.packets ?? 0, rxBytes: this.reader?.stats.bytes ?? 0, ...this.tx };
  }

  /**
   * Start delivering packets (one IP packet each) to `listener`. The Buffer is a view of the read buffer, valid only
   * during the call (no copy per packet): copy it to keep it.
   */
  start(listener: (packet: Buffer) => void): void {
    if (this.closed) throw new Error('TUN closed');
    if (this.reader) return;
    this.reader = new FdReader(this.fd, listener, { maxPacket: this.mtu, pollMs: this.pollMs });
    this.reader.start();
  }

  /** Hand one IP packet to the kernel as if received on the interface. False when the kernel refused it. */
  write(packet: Uint8Array): boolean {
    if (this.closed) return false;
    try {
      writeSync(this.fd, packet);
      this.tx.txPackets++;
      this.tx.txBytes += packet.length;
      return true;
    } catch {
      this.tx.txErrors++;
      return false;
    }
  }

  /** Stop reading, wait for the pending poll (at most pollMs), close the fd (the interface goes away with it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader?.stop();
    closeSync(this.fd);
  }
}

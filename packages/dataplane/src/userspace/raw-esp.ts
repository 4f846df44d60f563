// Raw ESP (IP protocol 50, RFC 4303 without UDP encapsulation) for the userspace data plane: a raw socket per
// address family, through koffi. Where the kernel has no ESP of its own, incoming ESP still reaches a raw socket
// (and with one open the kernel sends no "protocol unreachable"). Sending needs no IP header of ours: the kernel
// adds it (protocol 50, source address by routing).
import { closeSync } from 'node:fs';
import koffi from 'koffi';
import { inNetns, setsockoptInt } from '../kernel/sys.ts';
import { addrBytes } from '../ip.ts';
import { AF_INET, AF_INET6, IPPROTO_ESP } from '../xfrm/constants.ts';
import { FdReader } from './fd-reader.ts';

const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVBUFFORCE = 33;
/** Receive buffer of the raw sockets: room for bursts while the event loop is busy (root may exceed rmem_max). */
const RCVBUF = 4 << 20;

interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  sendto: (fd: number, buf: Uint8Array, len: number, flags: number, addr: Buffer, addrLen: number) => number;
}
let libc: Libc | undefined;
function lib(): Libc {
  if (!libc) {
    const l = koffi.load('libc.so.6');
    libc = {
      socket: l.func('int socket(int domain, int type, int protocol)') as Libc['socket'],
      sendto: l.func(
        'long sendto(int fd, const uint8_t *buf, unsigned long len, int flags, const uint8_t *addr, uint32_t addrlen)',
      ) as Libc['sendto'],
    };
  }
  return libc;
}

/** struct sockaddr_in / sockaddr_in6 for `address` (port 0: raw sockets have none). */
function sockaddr(address: string): Buffer {
  const bytes = addrBytes(address);
  if (bytes.length === 4) {
    const sa = Buffer.alloc(16);
    sa.writeUInt16LE(AF_INET, 0);
    bytes.copy(sa, 4);
    return sa;
  }
  const sa = Buffer.alloc(28);
  sa.writeUInt16LE(AF_INET6, 0);
  bytes.copy(sa, 8);
  return sa;
}

export class RawEsp {
  private readonly readers: FdReader[] = [];
  private readonly addrCache = new Map<string, Buffer>();
  readonly stats = { txPackets: 0, txErrors: 0 };

  private constructor(
    private readonly fd4: number,
    private readonly fd6: number | undefined,
  ) {}

  /** Open the raw ESP sockets (IPv4, and IPv6 when the host has it) in `netns` or ours. Needs CAP_NET_RAW. */
  static open(netns?: string): RawEsp {
    return inNetns(netns, () => {
      const l = lib();
      const fd4 = l.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
      if (fd4 < 0) throw new Error(`raw ESP socket refused: errno ${koffi.errno()}`);
      const fd6 = l.socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ESP);
      for (const fd of [fd4, fd6]) if (fd >= 0) setsockoptInt(fd, SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF); // best effort
      return new RawEsp(fd4, fd6 >= 0 ? fd6 : undefined);
    });
  }

  /**
   * Deliver received ESP to `listener` as SPI..ICV (the IPv4 header, which raw IPv4 sockets include, is cut off;
   * IPv6 raw sockets give the payload alone). A view, valid only during the call.
   */
  start(listener: (esp: Buffer) => void): void {
    if (this.readers.length) return;
    this.readers.push(
      new FdReader(this.fd4, (p) => {
        const hlen = (p[0]! & 0x0f) * 4;
        if (p.length > hlen) listener(p.subarray(hlen));
      }),
    );
    if (this.fd6 !== undefined) this.readers.push(new FdReader(this.fd6, listener));
    for (const r of this.readers) r.start();
  }

  /** Send one ESP packet (SPI..ICV) to `dst`. False when the kernel refused it (no route, buffer full). */
  send(dst: string, esp: Uint8Array): boolean {
    let sa = this.addrCache.get(dst);
    if (!sa) {
      sa = sockaddr(dst);
      if (this.addrCache.size > 4096) this.addrCache.clear();
      this.addrCache.set(dst, sa);
    }
    const fd = sa.length === 16 ? this.fd4 : this.fd6;
    const ok = fd !== undefined && lib().sendto(fd, esp, esp.length, 0, sa, sa.length) >= 0;
    if (ok) this.stats.txPackets++;
    else this.stats.txErrors++;
    return ok;
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.stop()));
    closeSync(this.fd4);
    if (this.fd6 !== undefined) closeSync(this.fd6);
  }
}

// libc calls the `netlink` package does not offer: setns (open a socket inside a named network namespace)
// and setsockopt(NETLINK_EXT_ACK) so the kernel explains its refusals ("Requested type not found").
import { openSync, closeSync, readdirSync, readlinkSync, readFileSync } from 'node:fs';
import koffi from 'koffi';

const CLONE_NEWNET = 0x40000000;

let libc:
  | {
      setns: (fd: number, type: number) => number;
      setsockopt: (fd: number, level: number, name: number, val: Buffer, len: number) => number;
    }
  | undefined;

function lib() {
  if (!libc) {
    const l = koffi.load('libc.so.6');
    libc = {
      setns: l.func('int setns(int fd, int nstype)') as (fd: number, type: number) => number,
      setsockopt: l.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)') as (
        fd: number,
        level: number,
        name: number,
        val: Buffer,
        len: number,
      ) => number,
    };
  }
  return libc;
}

/**
 * Run `fn` with the calling (main) thread inside network namespace `name` (/run/netns/<name>, as `ip netns add` makes
 * them), then come back. Sockets created by `fn` stay in that namespace. Synchronous on purpose: nothing else runs
 * on this thread meanwhile.
 */
export function inNetns<T>(name: string | undefined, fn: () => T): T {
  if (!name) return fn();
  const l = lib();
  const home = openSync('/proc/thread-self/ns/net', 'r');
  const target = openSync(`/run/netns/${name}`, 'r');
  try {
    if (l.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns(${name}) failed: errno ${koffi.errno()}`);
    try {
      return fn();
    } finally {
      // eslint-disable-next-line no-unsafe-finally -- a thread left in the wrong namespace must not go on quietly
      if (l.setns(home, CLONE_NEWNET) !== 0) throw new Error(`setns back failed: errno ${koffi.errno()}`);
    }
  } finally {
    closeSync(target);
    closeSync(home);
  }
}

/**
 * The file descriptor of our netlink socket bound to `port` for `protocol`, found through /proc (the `netlink`
 * package does not expose it). Call from inside the socket's namespace: /proc/thread-self/net is per namespace.
 */
export function findNetlinkFd(protocol: number, port: number): number | undefined {
  let inode: string | undefined;
  for (const line of readFileSync('/proc/thread-self/net/netlink', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    if (f.length >= 10 && Number(f[1]) === protocol && Number(f[2]) >>> 0 === port >>> 0) inode = f[9];
  }
  return inode ? fdOfSocket(inode) : undefined;
}

/** Our file descriptor of the socket with this inode (/proc/self/fd links read "socket:[INODE]"). */
function fdOfSocket(inode: string): number | undefined {
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${inode}]`) return Number(fd);
    } catch {
      // fd closed meanwhile
    }
  }
  return undefined;
}

export function setsockoptBytes(fd: number, level: number, name: number, value: Buffer): boolean {
  return lib().setsockopt(fd, level, name, value, value.length) === 0;
}

/**
 * The file descriptor of our UDP socket bound to `address`:`port`, found through /proc/net/udp{,6} (node:dgram does
 * not expose it). IPv4 only when `address` is IPv4.
 */
export function findUdpFd(address: string, port: number): number | undefined {
  const v6 = address.includes(':');
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const line of readFileSync(v6 ? '/proc/thread-self/net/udp6' : '/proc/thread-self/net/udp', 'utf8')
    .split('\n')
    .slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    if (f.length >= 10 && f[1] === `${procAddr(address)}:${hexPort}`) inode = f[9];
  }
  return inode ? fdOfSocket(inode) : undefined;
}

/** An address as /proc/net/udp prints it: IPv4 as one little-endian word, IPv6 as four. */
function procAddr(address: string): string {
  if (!address.includes(':'))
    return Buffer.from(address.split('.').map(Number).reverse()).toString('hex').toUpperCase();
  const full = address.split('::');
  const head = full[0] ? full[0].split(':') : [];
  const tail = full.length > 1 && full[1] ? full[1].split(':') : [];
  const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail].map((g) =>
    Number.parseInt(g, 16),
  );
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  let out = '';
  for (let i = 0; i < 16; i += 4)
    out += Buffer.from(bytes.subarray(i, i + 4))
      .reverse()
      .toString('hex');
  return out.toUpperCase();
}

export function setsockoptInt(fd: number, level: number, name: number, value: number): boolean {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  return lib().setsockopt(fd, level, name, v, 4) === 0;
}

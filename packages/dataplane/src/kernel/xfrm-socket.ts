// A NETLINK_XFRM socket: our framing (requests, ACKs, dumps, errors) over the `netlink` package's raw socket.
import { constants as osConstants } from 'node:os';
import { RawNetlinkSocket } from 'netlink';
import { decodeNlError, decodeNlMsgs, encodeNlMsg, type NlMsg } from '../xfrm/codec.ts';
import {
  NETLINK_EXT_ACK,
  NETLINK_XFRM,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  SOL_NETLINK,
} from '../xfrm/constants.ts';
import { findNetlinkFd, inNetns, setsockoptInt } from './sys.ts';

const ERRNO_NAMES = new Map(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));

/** The kernel refused a request: errno (positive), its name, and the extended ack text when there was one. */
export class XfrmError extends Error {
  constructor(
    readonly op: string,
    readonly errno: number,
    readonly kernelMessage: string | undefined,
  ) {
    super(`${op}: ${kernelMessage ?? ERRNO_NAMES.get(errno) ?? `errno ${errno}`} (${ERRNO_NAMES.get(errno) ?? errno})`);
    this.name = 'XfrmError';
  }
  get code(): string {
    return ERRNO_NAMES.get(this.errno) ?? String(this.errno);
  }
}

interface Pending {
  op: string;
  dump: boolean;
  msgs: NlMsg[];
  resolve: (m: NlMsg[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface XfrmSocketOptions {
  /** Network namespace name (/run/netns/<name>) to open the socket in; default: ours. */
  netns?: string;
  /** Multicast groups (XFRMNLGRP_*) to join. */
  groups?: number[];
  /** Per-request timeout, ms. */
  timeout?: number;
}

export class XfrmSocket {
  private readonly raw: RawNetlinkSocket;
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(m: NlMsg) => void>();
  /** Whether the kernel will explain errors (NETLINK_EXT_ACK set). */
  readonly extAck: boolean;
  private closed = false;

  constructor(private readonly opts: XfrmSocketOptions = {}) {
    const made = inNetns(opts.netns, () => {
      const raw = new RawNetlinkSocket(NETLINK_XFRM, { recvBufferSize: 1 << 20, sendBufferSize: 1 << 18 });
      const fd = findNetlinkFd(NETLINK_XFRM, raw.address().port);
      const extAck = fd !== undefined && setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      return { raw, extAck };
    });
    this.raw = made.raw;
    this.extAck = made.extAck;
    for (const g of opts.groups ?? []) this.raw.addMembership(g);
    this.raw.on('message', (buf) => this.receive(buf));
    this.raw.on('error', (e) => this.failAll(e));
    if (!opts.groups?.length) this.raw.unref();
  }

  get port(): number {
    return this.raw.address().port;
  }

  /** Unsolicited messages (multicast ACQUIRE/EXPIRE/...). */
  onMessage(fn: (m: NlMsg) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Send one request; resolves with the answer messages (none for a plain ACK), rejects with XfrmError. */
  request(
    op: string,
    type: number,
    payload: Uint8Array,
    opts: { dump?: boolean; flags?: number } = {},
  ): Promise<NlMsg[]> {
    if (this.closed) return Promise.reject(new Error('xfrm socket closed'));
    const seq = (this.seq = (this.seq + 1) >>> 0 || 1);
    const flags = NLM_F_REQUEST | NLM_F_ACK | (opts.dump ? NLM_F_DUMP : 0) | (opts.flags ?? 0);
    const msg = encodeNlMsg({ type, flags, seq, pid: this.port, payload });
    return new Promise<NlMsg[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        this.updateRef();
        reject(new Error(`${op}: no answer from the kernel in ${this.opts.timeout ?? 5000} ms`));
      }, this.opts.timeout ?? 5000);
      this.pending.set(seq, { op, dump: !!opts.dump, msgs: [], resolve, reject, timer });
      this.updateRef();
      this.raw.send(msg, {}, (err) => {
        if (err) this.settle(seq, err);
      });
    });
  }

  private updateRef(): void {
    if (this.opts.groups?.length || this.closed) return;
    if (this.pending.size) this.raw.ref();
    else this.raw.unref();
  }

  private settle(seq: number, result: Error | NlMsg[]): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    this.updateRef();
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }

  private receive(buf: Buffer): void {
    let msgs: NlMsg[];
    try {
      msgs = decodeNlMsgs(buf);
    } catch {
      return;
    }
    for (const m of msgs) {
      const p = m.seq !== 0 ? this.pending.get(m.seq) : undefined;
      if (!p) {
        for (const l of this.listeners) l(m);
        continue;
      }
      if (m.type === NLMSG_ERROR) {
        const e = decodeNlError(m);
        this.settle(m.seq, e.errno === 0 ? p.msgs : new XfrmError(p.op, e.errno, e.message));
      } else if (m.type === NLMSG_DONE) {
        const err = m.payload.length >= 4 ? -m.payload.readInt32LE(0) | 0 : 0;
        this.settle(m.seq, err ? new XfrmError(p.op, err, undefined) : p.msgs);
      } else {
        p.msgs.push({ ...m, payload: Buffer.from(m.payload) });
      }
    }
  }

  private failAll(e: Error): void {
    for (const seq of [...this.pending.keys()]) this.settle(seq, e);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('xfrm socket closed'));
    this.raw.close();
  }
}

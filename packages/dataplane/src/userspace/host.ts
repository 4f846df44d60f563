// The userspace data plane at work: cleartext packets the kernel routes into our TUN device are looked up in the
// SPD and leave ESP-protected, in UDP (RFC 3948) through the caller's NAT-T socket or as raw ESP (IP protocol 50)
// when the SA has no encapsulation; ESP arriving either way is decapsulated, checked against the inbound policy and
// written back into the TUN for the kernel to deliver.
//
// The UDP socket is not ours: IKE and ESP share port 4500 (the non-ESP marker tells them apart), so the owner of
// the socket (the agent's IKE service) hands us ESP payloads and gives us a way to send.
import type { StatCounter } from '@ipsec/schema';
import type { UserspaceDataPlane } from './backend.ts';
import type { RawEsp } from './raw-esp.ts';
import type { Tun } from './tun.ts';

export interface UdpEndpoint {
  address: string;
  port: number;
}

/** Sends one UDP datagram from a local endpoint (bound by the socket owner) to a peer. */
export type UdpSend = (from: UdpEndpoint, to: UdpEndpoint, data: Uint8Array) => void;

export interface UserspaceHostOptions {
  /** How often lifetimes are checked (ms, default 1000). */
  lifetimeCheckMs?: number;
  /** Raw ESP sockets, for SAs without UDP encapsulation; without them such SAs cannot carry traffic. */
  raw?: RawEsp;
}

export class UserspaceHost {
  private lifetimeTimer?: NodeJS.Timeout;
  /** Packets the kernel routed into the TUN that no policy claimed (they cannot go back: they would loop). */
  private readonly hostStats: Partial<Record<StatCounter, number>> = {};
  private readonly from: UdpEndpoint = { address: '', port: 0 };
  private readonly to: UdpEndpoint = { address: '', port: 0 };

  constructor(
    readonly backend: UserspaceDataPlane,
    readonly tun: Tun,
    private readonly send: UdpSend,
    private readonly opts: UserspaceHostOptions = {},
  ) {}

  start(): void {
    this.tun.start((p) => this.fromTun(p));
    this.opts.raw?.start((esp) => this.fromEsp(esp));
    this.lifetimeTimer = setInterval(() => this.backend.checkLifetimes(), this.opts.lifetimeCheckMs ?? 1000);
    this.lifetimeTimer.unref();
  }

  private count(c: StatCounter): void {
    this.hostStats[c] = (this.hostStats[c] ?? 0) + 1;
  }

  /** The Statistics menu: the backend's counters plus the host's own. */
  statistics(): Partial<Record<StatCounter, number>> {
    const out = this.backend.statistics();
    for (const [k, v] of Object.entries(this.hostStats) as [StatCounter, number][]) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  /** One cleartext packet from the TUN. */
  fromTun(packet: Buffer): void {
    const r = this.backend.processOutbound(packet);
    if (r.action === 'clear') return this.count('out-no-states'); // routed to us, but no policy: drop
    if (r.action === 'drop') return;
    const sa = r.sa;
    if (!r.esp) return this.count('out-state-mode-errors'); // transport mode: not carried through the TUN
    if (!sa.encap) {
      if (!this.opts.raw?.send(sa.dst, r.esp)) this.count('out-errors');
      return;
    }
    this.from.address = sa.src;
    this.from.port = sa.encap.sport;
    this.to.address = sa.dst;
    this.to.port = sa.encap.dport;
    this.send(this.from, this.to, r.esp);
  }

  /** One ESP packet (SPI..ICV) that arrived in UDP on the NAT-T port, or as raw ESP. */
  fromEsp(payload: Uint8Array): void {
    const r = this.backend.processInbound(payload);
    if (r.action === 'deliver' && !this.tun.write(r.packet)) this.count('in-errors');
  }

  async close(): Promise<void> {
    clearInterval(this.lifetimeTimer);
    await this.tun.close();
    await this.opts.raw?.close();
    await this.backend.close();
  }
}

// The userspace data plane at work: cleartext packets the kernel routes into our TUN device are looked up in the
// SPD and leave ESP-protected, in UDP (RFC 3948) through the caller's NAT-T socket or as raw ESP (IP protocol 50)
// when the SA has no encapsulation; ESP arriving either way is decapsulated, checked against the inbound policy and
// written back into the TUN for the kernel to deliver.
//
// The UDP socket is not ours: IKE and ESP share port 4500 (the non-ESP marker tells them apart), so the owner of
// the socket (the agent's IKE service) hands us ESP payloads and gives us a way to send. Protected destinations are
// routed into the TUN as their policies come and go.
import { ok, type Result, type StatCounter } from '@ipsec/schema';
import type {
  Capability,
  DataPlaneEvent,
  HostedDataPlane,
  PolicyInfo,
  PolicyKey,
  PolicySpec,
  SaCounters,
  SaInfo,
  SaKey,
  SaSpec,
} from '../types.ts';
import type { UserspaceDataPlane } from './backend.ts';
import type { RawEsp } from './raw-esp.ts';
import { intoDevice, PolicyRoutes } from '../policy-routes.ts';
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

export class UserspaceHost implements HostedDataPlane {
  readonly udpOnly: boolean;
  /** Our ESP runs on the CPU. */
  readonly hardwareAead = false;
  private lifetimeTimer?: NodeJS.Timeout;
  private readonly listeners = new Set<(e: DataPlaneEvent) => void>();
  private readonly routes: PolicyRoutes;
  /** Packets the kernel routed into the TUN that no policy claimed (they cannot go back: they would loop). */
  private readonly hostStats: Partial<Record<StatCounter, number>> = {};
  private readonly from: UdpEndpoint = { address: '', port: 0 };
  private readonly to: UdpEndpoint = { address: '', port: 0 };

  constructor(
    readonly backend: UserspaceDataPlane,
    readonly tun: Tun,
    private readonly send: UdpSend,
    private readonly opts: UserspaceHostOptions = {},
  ) {
    this.udpOnly = opts.raw === undefined;
    this.routes = new PolicyRoutes(intoDevice(tun.name), (e) => this.emit(e));
    backend.onEvent((e) => this.emit(e));
  }

  get capability(): Capability {
    return this.backend.capability;
  }

  private emit(e: DataPlaneEvent): void {
    for (const l of this.listeners) l(e);
  }

  onEvent(listener: (e: DataPlaneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  installSa(sa: SaSpec): Promise<void> {
    return this.backend.installSa(sa);
  }

  updateSa(sa: SaSpec): Promise<void> {
    return this.backend.updateSa(sa);
  }

  deleteSa(key: SaKey): Promise<void> {
    return this.backend.deleteSa(key);
  }

  async installPolicy(p: PolicySpec): Promise<void> {
    await this.backend.installPolicy(p);
    await this.routes.installed(p);
  }

  async removePolicy(key: PolicyKey): Promise<void> {
    try {
      await this.backend.removePolicy(key);
    } finally {
      await this.routes.removed(key); // a policy the backend no longer had still gives its route back
    }
  }

  listPolicies(): Promise<PolicyInfo[]> {
    return this.backend.listPolicies();
  }

  listSas(): Promise<SaInfo[]> {
    return this.backend.listSas();
  }

  counters(key: SaKey): Promise<SaCounters | undefined> {
    return this.backend.counters(key);
  }

  /** Nothing to prepare: we read ESP from the NAT-T socket ourselves (receiveEsp) and have no kernel policies. */
  ikeSocketBound(): Result<void, string[]> {
    return ok(undefined);
  }

  receiveEsp(payload: Uint8Array): void {
    this.fromEsp(payload);
  }

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
    await this.routes.clear();
    this.listeners.clear();
    await this.tun.close();
    await this.opts.raw?.close();
    await this.backend.close();
  }
}

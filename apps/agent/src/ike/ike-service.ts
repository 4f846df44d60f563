// Runs the sans-IO IKE engine (packages/ike) for real: datagrams from the UDP sockets, timers, configuration from
// the store (changes apply live), and the engine's actions handed to the module that owns each: the sockets (send),
// Active Peers, the Policies menu's live status, the data plane (CHILD_SAs and their Installed SAs rows), the Log.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import {
  IkeEngine,
  type Action,
  type Datagram,
  type DeleteSaAction,
  type IkeConfig,
  type IkeStateAction,
  type InstallSaAction,
  type SendAction,
} from '@ipsec/ike';
import {
  formatId,
  ikeStatCounter,
  parsePrefix,
  prefixContains,
  prefixLength,
  type IkeDropReason,
  type MenuName,
} from '@ipsec/schema';
import type { DataPlaneService } from '../dataplane/dataplane-service.ts';
import type { IpsecCommands, LiveState } from '../live/live-state.ts';
import type { ConfigStore } from '../store/config-store.ts';
import { ActivePeers } from './active-peers.ts';
import { PolicyStatus } from './policy-status.ts';
import type { UdpSockets } from './udp-sockets.ts';

export interface IkeServiceOptions {
  /** UDP ports for IKE and NAT-T (RouterOS: 500 and 4500). */
  ports?: [number, number];
  /** How often non-passive peers with policies are brought up if they are down (ms). */
  keepUpMs?: number;
}

const enabled = (e: { values: Record<string, unknown> }) => !e.values.disabled;
/** The longest wait between tries for a peer that keeps failing. */
const RETRY_MAX_MS = 10 * 60_000;

/** The store's entries as the engine's config: the schema's values as they are (already carrying every default). */
export function engineConfig(store: ConfigStore): IkeConfig {
  const values = <M extends MenuName>(m: M) =>
    store
      .list(m)
      .filter(enabled)
      .map((e) => e.values);
  return {
    peers: values('peer'),
    profiles: values('profile'),
    proposals: values('proposal'),
    identities: values('identity'),
    policies: store
      .list('policy')
      .filter(enabled)
      .map((e) => ({ ...e.values, id: e.id })), // ids: CHILD_SAs per policy
    modeConfigs: store.list('mode-config').map((e) => e.values),
    // System > Certificates: PEM, private key (ours), trusted (CAs that vouch for peers).
    certificates: store.list('certificate').map(({ values: c }) => ({
      name: c.name,
      certificate: c['certificate-pem'],
      ...(c['private-key-pem'] ? { 'private-key': c['private-key-pem'] } : {}),
      trusted: c.trusted,
    })),
    // IP > Pool: ranges mode configs with address-pool lease client addresses from.
    pools: store.list('pool').map((e) => e.values),
    // IPsec Users: checked locally for EAP-MSCHAPv2 clients of identities with auth-method=eap-radius
    users: values('user'),
    systemDns: systemDnsServers(),
  };
}

export class IkeService implements IpsecCommands {
  private readonly engine: IkeEngine;
  private readonly peers: ActivePeers;
  private readonly policies: PolicyStatus;
  private readonly ports: readonly [number, number];
  private timer?: NodeJS.Timeout;
  private keepUp?: NodeJS.Timeout;
  private readonly statisticsTimer: NodeJS.Timeout;
  private warnedNoDns = '';
  private closed = false;
  /**
   * Peers whose IKE SAs we start keep failing (refused, unanswered): each failure doubles the wait before the
   * keep-up round tries again, from one round up to RETRY_MAX_MS, as RouterOS and charon back off instead of tripping
   * the remote's half-open limits. An established IKE SA or a configuration change starts over.
   */
  private readonly retry = new Map<string, { failures: number; nextAt: number }>();
  private readonly everEstablished = new Set<number>();
  private readonly keepUpMs: number;
  private readonly onChange = () => {
    this.retry.clear();
    this.apply(this.engine.setConfig(this.config()));
    this.bringUpPeers(); // a new peer with policies comes up now, not at the next keep-up round
  };

  constructor(
    private readonly store: ConfigStore,
    private readonly live: LiveState,
    private readonly sockets: UdpSockets,
    /** Where CHILD_SAs go (and their Installed SAs rows). */
    private readonly dataplane: DataPlaneService,
    opts: Pick<IkeServiceOptions, 'keepUpMs'> = {},
  ) {
    this.ports = sockets.ports;
    this.peers = new ActivePeers(live, this.ports);
    this.policies = new PolicyStatus(live.dynamic);
    this.engine = new IkeEngine({
      config: this.config(),
      random: (n) => new Uint8Array(randomBytes(n)),
      now: () => Date.now(),
      // without raw ESP sockets our userspace ESP travels only in UDP: always encapsulate (as if behind a NAT)
      forceEncap: dataplane.udpOnly,
    });
    store.on('change', this.onChange);
    this.keepUpMs = opts.keepUpMs ?? 5000;
    this.keepUp = setInterval(() => this.bringUpPeers(), this.keepUpMs);
    this.keepUp.unref();
    // the engine's drop counters into Statistics at the cadence the browser is sent them, not per datagram
    this.statisticsTimer = setInterval(() => this.copyStatistics(), 1000);
    this.statisticsTimer.unref();
  }

  private copyStatistics(): void {
    for (const [reason, n] of Object.entries(this.engine.statistics()) as [IkeDropReason, number][])
      this.live.statistics[ikeStatCounter(reason)] = n;
  }

  /** The engine's configuration; says so in the Log when mode configs want system DNS servers this host has none of. */
  private config(): IkeConfig {
    const cfg = engineConfig(this.store);
    const wanting = (cfg.modeConfigs ?? [])
      .filter((m) => m.responder !== false && m['system-dns'] && !m['static-dns']?.length)
      .map((m) => m.name);
    const missing = wanting.length && !cfg.systemDns?.length ? wanting.join(',') : '';
    if (missing && missing !== this.warnedNoDns)
      this.live.log(
        ['ipsec', 'warning'],
        `mode config ${missing}: system-dns=yes, but this host has no DNS server a client could reach (only ` +
          `loopback in resolv.conf); set static-dns`,
      );
    this.warnedNoDns = missing;
    return cfg;
  }

  /** The sockets are bound: bring up the peers that should be up. */
  start(): void {
    this.bringUpPeers();
  }

  /** An IKE datagram from the sockets. */
  received(d: Datagram): void {
    this.peers.received(d.data, this.sockets.isNatt(d.to.port));
    this.apply(this.engine.datagram(d));
  }

  /** Each action to the module that owns what it changes. */
  private apply(actions: Action[]): void {
    if (this.closed) return;
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          this.send(a);
          break;
        case 'ikeSaState':
          this.peers.state(a);
          this.backOff(a);
          break;
        case 'ikeSaRekeyed':
          this.peers.rekeyed(a);
          void this.dataplane.ikeSaRekeyed(a);
          break;
        case 'installSa':
          this.childUp(a);
          break;
        case 'deleteSa':
          this.childDown(a);
          break;
        case 'policyAdded':
          this.policies.added(a);
          break;
        case 'policyRemoved':
          this.policies.removed(a);
          break;
        case 'event':
          this.live.log(['ipsec', a.level], a.message);
          break;
        case 'nextTimer':
          this.wakeAt(a.at);
          break;
      }
    }
  }

  private send(a: SendAction): void {
    if (!this.sockets.send(a.from, a.to, a.data))
      return this.live.log(
        ['ipsec', 'error'],
        `no socket bound on ${a.from.address}:${a.from.port} to reach ${a.to.address}:${a.to.port}`,
      );
    this.peers.sent(a.data, this.sockets.isNatt(a.from.port));
  }

  private childUp(a: InstallSaAction): void {
    this.peers.childAdded(a.ikeSa, a.child);
    this.policies.childUp(a);
    void this.dataplane.installChild(a);
  }

  private childDown(a: DeleteSaAction): void {
    this.peers.childRemoved(a.ikeSa, a.child);
    this.policies.childDown(a);
    void this.dataplane.removeChild(a);
  }

  private wakeAt(at: number | null): void {
    clearTimeout(this.timer);
    if (at === null) return;
    this.timer = setTimeout(() => this.apply(this.engine.tick(Date.now())), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private backOff(a: IkeStateAction): void {
    if (a.state === 'established') {
      this.everEstablished.add(a.ikeSa);
      this.retry.delete(a.peer);
      return;
    }
    if (a.state !== 'dead') return;
    const wasUp = this.everEstablished.delete(a.ikeSa);
    if (wasUp || !a.initiator) return;
    const failures = (this.retry.get(a.peer)?.failures ?? 0) + 1;
    const wait = Math.min(this.keepUpMs * 2 ** (failures - 1), RETRY_MAX_MS);
    this.retry.set(a.peer, { failures, nextAt: Date.now() + wait });
    this.live.log(
      ['ipsec', 'info'],
      `peer ${a.peer}: ${failures} failed attempt${failures > 1 ? 's' : ''} in a row; next try in ${Math.round(wait / 1000)} s`,
    );
  }

  /** Traffic hit a policy without SAs (ACQUIRE): bring up its peer now, as RouterOS does. */
  acquire(policyId: number): void {
    const peer = this.store.list('policy').find((p) => p.id === policyId)?.values.peer;
    if (!peer) return;
    // An IKE SA that is up (a passive peer's too) negotiates the CHILD_SAs it lacks; a peer that is down comes up.
    if (this.engine.list().some((s) => s.peer === peer && s.state === 'established'))
      this.apply(this.engine.command({ type: 'initiate', peer }));
    else this.bringUpPeers(peer, true);
  }

  /** The data plane dropped an SA of this CHILD_SA (hard lifetime): delete the CHILD_SA with the peer too. */
  deleteChild(child: number): void {
    const ikeSa = this.peers.ikeSaOf(child);
    if (ikeSa !== undefined) this.apply(this.engine.command({ type: 'delete-child', ikeSa, child }));
  }

  /**
   * RouterOS: a non-passive peer with policies establishes phase 1 and 2 by itself and keeps phase 1 up. With
   * `acquire` (traffic hit its policy) an established peer also gets the CHILD_SAs it lacks (after a flush).
   */
  private bringUpPeers(only?: string, acquire = false): void {
    const up = new Set(
      this.engine
        .list()
        .filter((s) => !acquire || s.state !== 'established')
        .map((s) => s.peer),
    );
    const policies = this.store
      .list('policy')
      .filter((p) => enabled(p) && !p.values.template && p.values.action === 'encrypt');
    for (const peer of this.store.list('peer')) {
      const v = peer.values;
      if (only !== undefined && v.name !== only) continue;
      if (!enabled(peer) || v.passive || up.has(v.name)) continue;
      if (!acquire && Date.now() < (this.retry.get(v.name)?.nextAt ?? 0)) continue;
      if (!policies.some((p) => p.values.peer === v.name)) continue;
      if (v['exchange-mode'] !== 'ike2' && v['exchange-mode'] !== 'main') {
        this.live.log(
          ['ipsec', 'warning'],
          `peer ${v.name}: exchange-mode=${v['exchange-mode']} (IKEv1) is not supported yet; use main or ike2`,
        );
        continue;
      }
      const local = this.localFor(v.address, v['local-address']);
      if (!local) {
        this.live.log(
          ['ipsec', 'error'],
          `peer ${v.name} ${formatId(peer.id)}: no local address to reach ${v.address}; set local-address`,
        );
        continue;
      }
      this.apply(
        this.engine.command({ type: 'initiate', peer: v.name, local: { address: local, port: this.ports[0] } }),
      );
    }
  }

  /** The peer's local-address, else a bound address on the same subnet as the peer, else none. */
  private localFor(peerAddress: string, localAddress: string): string | undefined {
    if (localAddress) return localAddress;
    const remote = peerAddress.split('/')[0]!;
    const candidates = localInterfaceNets();
    return candidates.find((c) => prefixContains(c.net, remote))?.address;
  }

  /**
   * Installed SAs "flush": every CHILD_SA is deleted with the peer (INFORMATIONAL DELETE), IKE SAs stay; peers with
   * policies negotiate fresh ones when traffic asks for them (ACQUIRE). Returns the number of SAs (two per CHILD_SA).
   */
  flushSas(): number {
    let n = 0;
    for (const { ikeSa, child } of this.peers.children()) {
      this.apply(this.engine.command({ type: 'delete-child', ikeSa, child }));
      n += 2;
    }
    return n;
  }

  killConnections(): number {
    const n = this.engine.list().length;
    this.apply(this.engine.command({ type: 'terminate' }));
    return n;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.keepUp);
    clearInterval(this.statisticsTimer);
    this.store.off('change', this.onChange);
    this.live.dynamic.clear(); // no engine, no SAs: generated policies and live policy status go
  }
}

/**
 * This machine's DNS servers, without loopback stubs a client could not reach: /etc/resolv.conf, or behind a
 * systemd-resolved stub (127.0.0.53) the upstream servers it uses (/run/systemd/resolve/resolv.conf).
 */
export function systemDnsServers(text?: string): string[] {
  if (text !== undefined) return nameservers(text);
  for (const file of ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf']) {
    try {
      const found = nameservers(readFileSync(file, 'utf8'));
      if (found.length) return found;
    } catch {
      // no such file: try the next
    }
  }
  return [];
}

function nameservers(conf: string): string[] {
  const out: string[] = [];
  for (const line of conf.split('\n')) {
    const m = /^\s*nameserver\s+([0-9a-fA-F.:]+)/.exec(line);
    if (m && !m[1]!.startsWith('127.') && m[1] !== '::1') out.push(m[1]!);
  }
  return out;
}

function localInterfaceNets(): { address: string; net: string }[] {
  const out: { address: string; net: string }[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.internal || (i.family === 'IPv6' && i.address.startsWith('fe80'))) continue;
      out.push({
        address: i.address,
        net: i.cidr ? parsePrefix(i.cidr) : `${i.address}/${i.family === 'IPv4' ? 32 : 128}`,
      });
    }
  }
  // most specific first
  return out.sort((a, b) => prefixLength(b.net) - prefixLength(a.net));
}

// Runs the sans-IO IKE engine (packages/ike) for real: UDP sockets on 500/4500 for every local
// address, timers, configuration from the store (changes apply live), and the engine's actions
// turned into Active Peers, Installed SAs and log lines.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { esp, kernelCipher } from '@ipsec/dataplane';
import { IkeEngine, type Action, type IkeConfig } from '@ipsec/ike';
import { formatId, parsePrefix, prefixContains, prefixLength, type MenuName } from '@ipsec/schema';
import type { LiveState, LogTopic } from '../live/live-state.ts';
import type { LiveRow } from '../live/watch.ts';
import { DYNAMIC_ID_BASE } from '../live/dynamic-entries.ts';
import { logger } from '../log.ts';
import type { ConfigStore } from '../store/config-store.ts';
import type { DataPlaneService } from '../dataplane/dataplane-service.ts';

export interface IkeServiceOptions {
  /** UDP ports for IKE and NAT-T (RouterOS: 500 and 4500). */
  ports?: [number, number];
  /** How often non-passive peers with policies are brought up if they are down (ms). */
  keepUpMs?: number;
  /** Where CHILD_SAs are installed and ESP goes; without one, SAs are negotiated but protect nothing. */
  dataplane?: DataPlaneService;
}

interface PeerRow {
  id: number;
  ikeSa: number;
  peer: string;
  /** Initiator SPI (hex): how datagrams find their row without a scan. */
  spiI: string;
  side: 'initiator' | 'responder';
  state: string;
  local: { address: string; port: number };
  remote: { address: string; port: number };
  establishedAt?: number;
  lastSeen: number;
  rx: { bytes: number; packets: number };
  tx: { bytes: number; packets: number };
  children: Set<number>;
  /** Mode config address (assigned to the peer, or to us). */
  virtualIp?: string;
  /** Who the peer authenticated as: its IKE ID, or the EAP user. */
  remoteId?: string;
  eapUser?: string;
}

const enabled = (e: { values: Record<string, unknown> }) => !e.values.disabled;

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

export class IkeService {
  private readonly engine: IkeEngine;
  private readonly sockets = new Map<string, Socket>(); // "address|port"
  private timer?: NodeJS.Timeout;
  private keepUp?: NodeJS.Timeout;
  private readonly peers = new Map<number, PeerRow>(); // by IKE SA id
  private readonly bySpi = new Map<string, PeerRow>(); // by initiator SPI (hex)
  /** CHILD_SA id -> the stored policy id or the dynamic policy ids it serves (ph2-count). */
  private readonly childPolicies = new Map<number, { stored?: number; dynamic: number[] }>();
  private readonly storedCount = new Map<number, number>();
  private readonly ports: [number, number];
  private readonly dataplane?: DataPlaneService;
  private warnedNoDns = '';
  private closed = false;
  private readonly onChange = () => {
    this.apply(this.engine.setConfig(this.config()));
    this.bringUpPeers(); // a new peer with policies comes up now, not at the next keep-up round
  };

  constructor(
    private readonly store: ConfigStore,
    private readonly live: LiveState,
    opts: IkeServiceOptions = {},
  ) {
    this.ports = opts.ports ?? [500, 4500];
    this.dataplane = opts.dataplane;
    this.engine = new IkeEngine({
      config: this.config(),
      random: (n) => new Uint8Array(randomBytes(n)),
      now: () => Date.now(),
      // without raw ESP sockets our userspace ESP travels only in UDP: always encapsulate (as if behind a NAT)
      forceEncap: opts.dataplane?.udpOnly ?? false,
    });
    if (this.dataplane) {
      this.dataplane.sendUdp = (from, to, data) => {
        if (!this.closed) this.sockets.get(`${from.address}|${from.port}`)?.send(data, to.port, to.address);
      };
      this.dataplane.onAcquire = (policyId) => this.acquire(policyId);
      this.dataplane.onHardExpire = (child) => this.deleteChild(child);
    }
    store.on('change', this.onChange);
    live.killConnections = () => this.killConnections();
    live.flushSas = () => this.flushSas();
    this.keepUp = setInterval(() => this.bringUpPeers(), opts.keepUpMs ?? 5000);
    this.keepUp.unref();
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
        `mode config ${missing}: system-dns=yes, but this host has no DNS server a client could reach (only loopback in resolv.conf); set static-dns`,
      );
    this.warnedNoDns = missing;
    return cfg;
  }

  /** Bind a socket per local address and port. Failures (e.g. port 500 without root) are logged, not fatal. */
  async start(): Promise<void> {
    const addrs = localAddresses();
    for (const address of addrs) for (const port of this.ports) await this.bind(address, port);
    const bound = [...this.sockets.keys()].map((k) => k.replace('|', ':'));
    this.live.log(
      ['ipsec', 'info'],
      bound.length ? `IKE listening on ${bound.join(', ')}` : 'IKE could not bind any UDP socket',
    );
    this.bringUpPeers();
  }

  private bind(address: string, port: number): Promise<void> {
    return new Promise((resolve) => {
      const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
      socket.once('error', (e) => {
        this.live.log(['ipsec', 'error'], `cannot bind UDP ${address}:${port}: ${e.message}`);
        socket.close();
        resolve();
      });
      socket.bind({ address, port, exclusive: true }, () => {
        socket.removeAllListeners('error');
        socket.on('error', (e) => logger.warn({ err: e.message, address, port }, 'IKE socket error'));
        socket.on('message', (data, rinfo) =>
          this.received(data, { address: rinfo.address, port: rinfo.port }, { address, port }),
        );
        this.sockets.set(`${address}|${port}`, socket);
        this.dataplane?.ikeSocketBound(address, port, port === this.ports[1]);
        resolve();
      });
    });
  }

  private received(data: Buffer, from: { address: string; port: number }, to: { address: string; port: number }): void {
    if (to.port === this.ports[1]) {
      // RFC 3948: on the NAT-T port a non-zero first word is an ESP SPI, a lone 0xff a keepalive, a zero marker IKE
      const kind = esp.classifyUdpPayload(data);
      if (kind === 'keepalive') return;
      if (kind === 'esp') return void this.dataplane?.receiveEsp(data);
    }
    const row = this.bySpi.get(ikeSpiOf(data, to.port === this.ports[1]));
    if (row) {
      row.lastSeen = Date.now();
      row.rx.bytes += data.length;
      row.rx.packets += 1;
    }
    this.apply(this.engine.datagram({ from, to, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }));
  }

  private apply(actions: Action[]): void {
    if (this.closed) return;
    for (const a of actions) {
      switch (a.type) {
        case 'send': {
          const socket = this.sockets.get(`${a.from.address}|${a.from.port}`);
          if (!socket) {
            this.live.log(
              ['ipsec', 'error'],
              `no socket bound on ${a.from.address}:${a.from.port} to reach ${a.to.address}:${a.to.port}`,
            );
            break;
          }
          socket.send(a.data, a.to.port, a.to.address);
          const row = this.bySpi.get(ikeSpiOf(a.data, a.from.port === this.ports[1]));
          if (row) {
            row.tx.bytes += a.data.length;
            row.tx.packets += 1;
          }
          break;
        }
        case 'ikeSaState': {
          let row = this.peers.get(a.ikeSa);
          if (a.state === 'dead') {
            if (row) this.bySpi.delete(row.spiI);
            this.peers.delete(a.ikeSa);
            this.live.peers.delete(a.ikeSa);
            break;
          }
          if (!row) {
            row = {
              id: a.ikeSa,
              ikeSa: a.ikeSa,
              peer: a.peer,
              spiI: a.spiI,
              side: a.initiator ? 'initiator' : 'responder',
              state: a.state,
              local: a.local,
              remote: a.remote,
              lastSeen: Date.now(),
              rx: { bytes: 0, packets: 0 },
              tx: { bytes: 0, packets: 0 },
              children: new Set(),
            };
            this.peers.set(a.ikeSa, row);
            this.bySpi.set(a.spiI, row);
            this.live.peers.set(a.ikeSa, this.activePeer(row));
          }
          row.state = a.state;
          row.peer = a.peer; // IKE_AUTH may pick another peer on the same address by the initiator's identity
          // replaced by its rekeyed successor, only waiting for the Delete
          if (a.state === 'rekeyed') this.live.peers.delete(a.ikeSa);
          row.local = a.local;
          row.remote = a.remote;
          if (a.virtualIp) row.virtualIp = a.virtualIp;
          if (a.remoteId) row.remoteId = a.remoteId;
          if (a.eapUser) row.eapUser = a.eapUser;
          if (a.state === 'established' && !row.establishedAt) row.establishedAt = Date.now();
          break;
        }
        case 'installSa': {
          const now = Date.now();
          const aead = !a.inbound.integAlgorithm;
          for (const [dir, d] of [
            ['in', a.inbound],
            ['out', a.outbound],
          ] as const) {
            this.live.sas.set(d.spi, {
              id: d.spi,
              spi: `0x${d.spi.toString(16).padStart(8, '0')}`,
              direction: dir,
              'src-address': d.src,
              'dst-address': d.dst,
              AH: false,
              ESP: true,
              'enc-algorithm': d.encAlgorithm,
              'enc-key-size': kernelCipher(d.encAlgorithm).keyBytes * 8, // the key without its salt
              'auth-algorithm': aead ? '' : d.integAlgorithm,
              'enc-key': Buffer.from(d.encKey).toString('hex'),
              'auth-key': d.integKey ? Buffer.from(d.integKey).toString('hex') : '',
              'current-bytes': 0,
              'current-packets': 0,
              'add-lifetime': `${Math.floor(a.lifetime * 0.9)}s/${a.lifetime}s`,
              addtime: new Date(now).toISOString(),
              'expires-at': now + a.lifetime * 900, // soft lifetime: when the rekey starts
              replay: 128,
              state: 'mature',
              'hw-aead': false,
              ikeSa: a.ikeSa,
              child: a.child,
            });
          }
          this.peers.get(a.ikeSa)?.children.add(a.child);
          this.countChild(a.child, a.policyId, a.generatedPolicies ?? [], {
            'sa-src-address': a.outbound.src,
            'sa-dst-address': a.outbound.dst,
          });
          void this.dataplane?.installChild(a);
          break;
        }
        case 'policyAdded':
          this.live.dynamic.add({
            id: DYNAMIC_ID_BASE + a.policy,
            menu: 'policy',
            values: {
              peer: a.peer,
              tunnel: a.tunnel,
              'src-address': a.srcAddress,
              'src-port': a.srcPort,
              'dst-address': a.dstAddress,
              'dst-port': a.dstPort,
              protocol: a.protocol,
              template: false,
              group: a.group,
              action: 'encrypt',
              level: a.level,
              'ipsec-protocols': 'esp',
              proposal: a.proposal,
              disabled: false,
              comment: '',
            },
            status: {
              active: true,
              'ph2-state': 'established',
              'ph2-count': 0,
              'sa-src-address': a.saSrc,
              'sa-dst-address': a.saDst,
            },
          });
          break;
        case 'policyRemoved':
          this.live.dynamic.remove('policy', DYNAMIC_ID_BASE + a.policy);
          break;
        case 'ikeSaRekeyed': {
          // The IKE SA was rekeyed: the same peer and CHILD_SAs now live under the new IKE SA id.
          const from = this.peers.get(a.replaces);
          const to = this.peers.get(a.ikeSa);
          if (from && to) {
            to.side = from.side;
            if (from.establishedAt) to.establishedAt = from.establishedAt;
            to.rx = from.rx;
            to.tx = from.tx;
            to.virtualIp ??= from.virtualIp;
            to.remoteId ??= from.remoteId;
            to.eapUser ??= from.eapUser;
            from.children.clear();
            from.rx = { bytes: 0, packets: 0 };
            from.tx = { bytes: 0, packets: 0 };
          }
          if (to) for (const c of a.children) to.children.add(c);
          for (const sa of this.live.sas.values()) if (sa.ikeSa === a.replaces) sa.ikeSa = a.ikeSa;
          break;
        }
        case 'deleteSa': {
          this.live.sas.delete(a.inboundSpi);
          this.live.sas.delete(a.outboundSpi);
          this.peers.get(a.ikeSa)?.children.delete(a.child);
          this.uncountChild(a.child, a.reason);
          void this.dataplane?.removeChild(a);
          break;
        }
        case 'event': {
          const topics: LogTopic[] =
            a.level === 'error'
              ? ['ipsec', 'error']
              : a.level === 'debug'
                ? ['ipsec', 'debug']
                : a.level === 'warning'
                  ? ['ipsec', 'warning']
                  : ['ipsec', 'info'];
          this.live.log(topics, a.message);
          break;
        }
        case 'nextTimer': {
          clearTimeout(this.timer);
          if (a.at !== null) {
            this.timer = setTimeout(() => this.apply(this.engine.tick(Date.now())), Math.max(0, a.at - Date.now()));
            this.timer.unref();
          }
          break;
        }
      }
    }
  }

  /** ph2-count/ph2-state/active of the policy a new CHILD_SA serves. */
  private countChild(
    child: number,
    stored: number | undefined,
    dynamic: number[],
    ends: { 'sa-src-address': string; 'sa-dst-address': string },
  ): void {
    this.childPolicies.set(child, { ...(stored !== undefined ? { stored } : {}), dynamic });
    if (stored !== undefined) {
      const n = (this.storedCount.get(stored) ?? 0) + 1;
      this.storedCount.set(stored, n);
      this.live.dynamic.setPolicyLive(stored, { active: true, 'ph2-state': 'established', 'ph2-count': n, ...ends });
    }
    for (const d of dynamic) this.bumpDynamic(d, +1);
  }

  private uncountChild(child: number, reason: string): void {
    const p = this.childPolicies.get(child);
    if (!p) return;
    this.childPolicies.delete(child);
    if (p.stored !== undefined) {
      const n = Math.max(0, (this.storedCount.get(p.stored) ?? 1) - 1);
      if (n) this.storedCount.set(p.stored, n);
      else this.storedCount.delete(p.stored);
      // RouterOS ph2-state: expired once the SA ran out without a successor, else no-phase2.
      const last = this.live.dynamic.policyLive(p.stored);
      this.live.dynamic.setPolicyLive(p.stored, {
        active: n > 0,
        'ph2-state': n > 0 ? 'established' : reason.includes('lifetime') ? 'expired' : 'no-phase2',
        'ph2-count': n,
        ...(n > 0 && last?.['sa-src-address']
          ? { 'sa-src-address': last['sa-src-address'], 'sa-dst-address': last['sa-dst-address'] }
          : {}),
      });
    }
    for (const d of p.dynamic) this.bumpDynamic(d, -1);
  }

  private bumpDynamic(policy: number, by: number): void {
    const e = this.live.dynamic.get('policy', DYNAMIC_ID_BASE + policy);
    if (!e) return;
    const n = Math.max(0, Number(e.status['ph2-count'] ?? 0) + by);
    this.live.dynamic.update('policy', e.id, {
      'ph2-count': n,
      active: n > 0,
      'ph2-state': n > 0 ? 'established' : 'no-phase2',
    });
  }

  /**
   * The Active Peers row of an IKE SA, as the manual lists it: a view whose getters read the live
   * bookkeeping, so counters, uptime and last-seen are current whenever anyone reads them (REST,
   * the watch stream) and nothing is rebuilt per datagram.
   */
  private activePeer(p: PeerRow): LiveRow {
    const natt = () => p.remote.port !== this.ports[0] || p.local.port === this.ports[1];
    const view = { id: p.id };
    const props: Record<string, () => unknown> = {
      'remote-id': () => (p.side === 'responder' && p.eapUser) || p.remoteId || '',
      peer: () => p.peer,
      state: () => p.state,
      side: () => p.side,
      responder: () => p.side === 'responder',
      'local-address': () => p.local.address,
      'remote-address': () => p.remote.address,
      port: () => p.remote.port,
      'natt-peer': natt,
      uptime: () => (p.establishedAt ? Math.floor((Date.now() - p.establishedAt) / 1000) : 0),
      'last-seen': () => Math.floor((Date.now() - p.lastSeen) / 1000),
      'rx-bytes': () => p.rx.bytes,
      'tx-bytes': () => p.tx.bytes,
      'rx-packets': () => p.rx.packets,
      'tx-packets': () => p.tx.packets,
      'ph2-total': () => p.children.size,
      'dynamic-address': () => p.virtualIp ?? '',
      'exchange-mode': () => 'ike2',
    };
    for (const [k, get] of Object.entries(props)) Object.defineProperty(view, k, { get, enumerable: true });
    return view;
  }

  /** Traffic hit a policy without SAs (ACQUIRE): bring up its peer now, as RouterOS does. */
  private acquire(policyId: number): void {
    const policy = this.store.list('policy').find((p) => p.id === policyId);
    if (policy?.values.peer) this.bringUpPeers(String(policy.values.peer), true);
  }

  /** The data plane dropped an SA of this CHILD_SA (hard lifetime): delete the CHILD_SA with the peer too. */
  private deleteChild(child: number): void {
    const row = [...this.peers.values()].find((p) => p.children.has(child));
    if (row) this.apply(this.engine.command({ type: 'delete-child', ikeSa: row.ikeSa, child }));
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
      if (!policies.some((p) => p.values.peer === v.name)) continue;
      if (v['exchange-mode'] !== 'ike2') {
        this.live.log(
          ['ipsec', 'warning'],
          `peer ${v.name}: exchange-mode=${v['exchange-mode']} (IKEv1) is not supported yet; use ike2`,
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
    for (const row of this.peers.values()) {
      for (const child of [...row.children]) {
        this.apply(this.engine.command({ type: 'delete-child', ikeSa: row.ikeSa, child }));
        n += 2;
      }
    }
    return n;
  }

  killConnections(): number {
    const n = this.engine.list().length;
    this.apply(this.engine.command({ type: 'terminate' }));
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.keepUp);
    this.store.off('change', this.onChange);
    this.live.dynamic.clear(); // no engine, no SAs: generated policies and live policy status go
    this.live.sas.clear();
    await Promise.all([...this.sockets.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sockets.clear();
  }
}

/** The initiator SPI of an IKE datagram (after the 4-byte non-ESP marker on the NAT-T port). */
function ikeSpiOf(data: Uint8Array, natt: boolean): string {
  const off = natt ? 4 : 0;
  return data.length >= off + 8 ? Buffer.from(data.buffer, data.byteOffset + off, 8).toString('hex') : '';
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

function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family === 'IPv6' && i.address.startsWith('fe80')) continue;
      out.push(i.address);
    }
  }
  return out;
}

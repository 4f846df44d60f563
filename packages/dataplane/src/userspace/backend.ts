// The userspace backend: the DataPlane interface over our SPD (spd.ts) and ESP SAs (../esp), with the packet path
// as functions of one packet (processOutbound / processInbound) and SA lifetimes (checkLifetimes). The TUN device
// and the UDP socket are plumbed in by host.ts. Errors reuse XfrmError with the errno the kernel would give, so
// callers treat both backends alike (EEXIST on a duplicate SA, ESRCH on a missing one, ENOENT on a missing policy).
import type { StatCounter } from '@ipsec/schema';
import { EspInbound, EspSa, transportEncap, tunnelEncap } from '../esp/index.ts';
import { addrBytes, formatAddr } from '../ip.ts';
import { XfrmError } from '../kernel/xfrm-socket.ts';
import type {
  Capability,
  DataPlane,
  DataPlaneEvent,
  PolicyInfo,
  PolicyKey,
  PolicySpec,
  PolicyTemplate,
  SaCounters,
  SaInfo,
  SaKey,
  SaSpec,
} from '../types.ts';
import { CompiledSelector, packetFields, Spd, templateMatchesSa, type PacketFields, type SpdPolicy } from './spd.ts';

const EEXIST = 17;
const ESRCH = 3;
const ENOENT = 2;

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface SaEntry {
  spec: SaSpec;
  esp: EspSa;
  addTime: number;
  useTime: number;
  /** Install order: the newest SA serving a template wins (as the kernel prefers the youngest state). */
  order: number;
  selector?: CompiledSelector;
  /** spec.src / spec.dst as bytes (transport-mode SAs are matched to packet addresses per packet). */
  srcBytes: Buffer;
  dstBytes: Buffer;
  /** The soft lifetime was reported (once). */
  softExpired: boolean;
}

function saKeyString(spi: number, dst: string): string {
  return `${spi >>> 0}@${addrBytes(dst).toString('hex')}`;
}

export type OutboundResult =
  /** Send `packet` in clear (no policy, bypass, or level use without an SA). */
  | { action: 'clear'; packet: Uint8Array }
  /**
   * Tunnel mode: `esp` is SPI..ICV, to go to `sa.dst` as IP protocol 50 or in UDP (sa.encap).
   * Transport mode: `ip` is the whole packet with ESP inserted.
   */
  | { action: 'esp'; sa: SaSpec; esp?: Buffer; ip?: Buffer }
  | { action: 'drop'; counter: StatCounter; reason: string };

export type InboundResult =
  /** The inner (tunnel) or restored (transport) IP packet, accepted by the inbound policy. */
  { action: 'deliver'; packet: Buffer; sa: SaSpec } | { action: 'drop'; counter: StatCounter; reason: string };

export interface UserspaceBackendOptions {
  capability?: Capability;
  /** Seconds an acquire is held before the same traffic may trigger another (net.core.xfrm_acq_expires; default 30). */
  acquireExpires?: number;
}

export class UserspaceDataPlane implements DataPlane {
  readonly capability: Capability;
  readonly spd = new Spd();
  readonly inbound = new EspInbound();
  private readonly sas = new Map<string, SaEntry>();
  /** Outbound SAs by reqid, oldest first: a template finds its SA without scanning every SA. */
  private readonly outByReqid = new Map<number, SaEntry[]>();
  private readonly findOutboundSa = (t: PolicyTemplate, f: PacketFields) => this.outboundSa(t, f);
  /** Inbound ESP state -> its entry (the per-packet lookup after the SPI demultiplexing). */
  private readonly byEsp = new Map<EspSa, SaEntry>();
  private readonly listeners = new Set<(e: DataPlaneEvent) => void>();
  /** Pending acquires by (policy, template, endpoints): expiry time in ms. */
  private readonly acquires = new Map<string, number>();
  private readonly acquireMs: number;
  private order = 0;
  private acquireSeq = 0;
  private readonly outStats: Partial<Record<StatCounter, number>> = {};

  constructor(opts: UserspaceBackendOptions = {}) {
    this.capability = opts.capability ?? { backend: 'userspace', reason: 'userspace ESP' };
    this.acquireMs = (opts.acquireExpires ?? 30) * 1000;
  }

  private emit(e: DataPlaneEvent): void {
    for (const l of this.listeners) l(e);
  }

  private count(c: StatCounter): void {
    this.outStats[c] = (this.outStats[c] ?? 0) + 1;
  }

  /** The Statistics menu counters (STAT_COUNTERS names) from the SPD, the inbound SA table and the output path. */
  statistics(): Partial<Record<StatCounter, number>> {
    const out: Partial<Record<StatCounter, number>> = {};
    for (const s of [this.spd.stats, this.inbound.stats, this.outStats])
      for (const [k, v] of Object.entries(s) as [StatCounter, number][]) out[k] = (out[k] ?? 0) + v;
    return out;
  }

  private find(key: SaKey): SaEntry | undefined {
    const e = this.sas.get(saKeyString(key.spi, key.dst));
    if (e && key.src !== undefined && !addrBytes(key.src).equals(e.srcBytes)) return undefined;
    return e;
  }

  async installSa(sa: SaSpec): Promise<void> {
    const k = saKeyString(sa.spi, sa.dst);
    if (this.sas.has(k)) throw new XfrmError(`add SA 0x${sa.spi.toString(16)}`, EEXIST, undefined);
    this.put(sa, new EspSa(sa), nowSeconds(), 0);
  }

  private unindex(e: SaEntry): void {
    this.byEsp.delete(e.esp);
    const list = this.outByReqid.get(e.spec.reqid);
    if (!list) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.outByReqid.delete(e.spec.reqid);
  }

  private put(spec: SaSpec, esp: EspSa, addTime: number, useTime: number): void {
    const entry: SaEntry = {
      spec: { ...spec },
      esp,
      addTime,
      useTime,
      order: this.order++,
      selector: spec.selector ? new CompiledSelector(spec.selector) : undefined,
      srcBytes: addrBytes(spec.src),
      dstBytes: addrBytes(spec.dst),
      softExpired: false,
    };
    this.sas.set(saKeyString(spec.spi, spec.dst), entry);
    this.byEsp.set(esp, entry);
    if (spec.direction !== 'in') {
      const list = this.outByReqid.get(spec.reqid) ?? [];
      list.push(entry);
      this.outByReqid.set(spec.reqid, list);
    }
    if (spec.direction !== 'out') this.inbound.add(esp, spec.mode);
    // A pending acquire for this SA's reqid is answered.
    for (const k of [...this.acquires.keys()]) if (k.split('|')[1] === String(spec.reqid)) this.acquires.delete(k);
  }

  /** Keeps the SA's sequence numbers, replay window and counters unless the keys or algorithms change. */
  async updateSa(sa: SaSpec): Promise<void> {
    const old = this.find({ spi: sa.spi, dst: sa.dst, protocol: 'esp' });
    if (!old) throw new XfrmError(`update SA 0x${sa.spi.toString(16)}`, ESRCH, undefined);
    const o = old.spec;
    const sameCrypto =
      o.encAlgorithm === sa.encAlgorithm &&
      Buffer.from(o.encKey).equals(Buffer.from(sa.encKey)) &&
      o.integAlgorithm === sa.integAlgorithm &&
      Buffer.from(o.integKey ?? []).equals(Buffer.from(sa.integKey ?? [])) &&
      o.esn === sa.esn &&
      o.replayWindow === sa.replayWindow;
    this.inbound.remove(sa.spi);
    this.unindex(old);
    this.put(sa, sameCrypto ? old.esp : new EspSa(sa), old.addTime, old.useTime);
  }

  async deleteSa(key: SaKey): Promise<void> {
    const e = this.find(key);
    if (!e) throw new XfrmError(`delete SA 0x${key.spi.toString(16)}`, ESRCH, undefined);
    this.sas.delete(saKeyString(key.spi, key.dst));
    this.unindex(e);
    if (this.inbound.sas.get(key.spi >>> 0)?.sa === e.esp) this.inbound.remove(key.spi);
  }

  async installPolicy(p: PolicySpec): Promise<void> {
    this.spd.install(p);
  }

  async removePolicy(key: PolicyKey): Promise<void> {
    if (!this.spd.remove(key))
      throw new XfrmError(`delete policy ${key.selector.src}->${key.selector.dst} ${key.dir}`, ENOENT, undefined);
  }

  async listPolicies(): Promise<PolicyInfo[]> {
    return this.spd.list().map((p) => ({
      selector: { ...p.selector },
      dir: p.dir,
      priority: p.priority,
      action: p.action,
      templates: p.templates.map((t) => ({ ...t })),
      index: p.index,
      counters: { ...p.counters },
    }));
  }

  private saCounters(e: SaEntry): SaCounters {
    const c = e.esp.counters;
    return {
      bytes: c.bytes,
      packets: c.packets,
      addTime: e.addTime,
      useTime: e.useTime,
      replayDropped: c.replayDropped,
      integrityFailed: c.integrityFailed,
    };
  }

  async listSas(): Promise<SaInfo[]> {
    return [...this.sas.values()].map((e) => ({
      spi: e.spec.spi >>> 0,
      src: e.spec.src,
      dst: e.spec.dst,
      protocol: 'esp' as const,
      mode: e.spec.mode,
      reqid: e.spec.reqid,
      enc: e.spec.encAlgorithm,
      auth: e.spec.integAlgorithm,
      encap: e.spec.encap ? { ...e.spec.encap } : undefined,
      replayWindow: e.spec.replayWindow,
      esn: e.spec.esn,
      larval: false,
      counters: this.saCounters(e),
    }));
  }

  async counters(key: SaKey): Promise<SaCounters | undefined> {
    const e = this.find(key);
    return e && this.saCounters(e);
  }

  onEvent(listener: (e: DataPlaneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.sas.clear();
    this.byEsp.clear();
    this.outByReqid.clear();
    this.inbound.sas.clear();
    this.acquires.clear();
  }

  /**
   * Soft and hard lifetimes by time (since the SA was added), bytes and packets, checked by the host once a second:
   * soft emits `expire` once (rekey now), hard emits `expire` and removes the SA (as the kernel does).
   */
  checkLifetimes(now = nowSeconds()): void {
    for (const [k, e] of this.sas) {
      const l = e.spec.lifetime;
      if (!l) continue;
      const c = e.esp.counters;
      const over = (sec?: number, bytes?: number, packets?: number) =>
        (sec !== undefined && sec > 0 && now - e.addTime >= sec) ||
        (bytes !== undefined && bytes > 0 && c.bytes >= bytes) ||
        (packets !== undefined && packets > 0 && c.packets >= packets);
      const hard = over(l.hardSeconds, l.hardBytes, l.hardPackets);
      if (!hard && (e.softExpired || !over(l.softSeconds, l.softBytes, l.softPackets))) continue;
      e.softExpired = true;
      if (hard) {
        this.sas.delete(k);
        this.unindex(e);
        if (this.inbound.sas.get(e.spec.spi >>> 0)?.sa === e.esp) this.inbound.remove(e.spec.spi);
      }
      this.emit({
        type: 'expire',
        hard,
        spi: e.spec.spi >>> 0,
        src: e.spec.src,
        dst: e.spec.dst,
        reqid: e.spec.reqid,
        counters: this.saCounters(e),
      });
    }
  }

  /** The newest outbound SA serving template `t` for this packet. */
  private outboundSa(t: PolicyTemplate, f: PacketFields): SaEntry | undefined {
    let best: SaEntry | undefined;
    for (const e of t.reqid !== 0 ? (this.outByReqid.get(t.reqid) ?? []) : this.sas.values()) {
      if (e.spec.direction === 'in' || !templateMatchesSa(t, e.spec)) continue;
      if (e.spec.mode === 'transport' && (!e.dstBytes.equals(f.dst) || !e.srcBytes.equals(f.src))) continue;
      if (e.selector && !e.selector.matches(f)) continue;
      if (!best || e.order > best.order) best = e;
    }
    return best;
  }

  private acquire(policy: SpdPolicy, t: PolicyTemplate, f: PacketFields): void {
    const ends =
      t.mode === 'tunnel' ? `${t.src ?? ''}>${t.dst ?? ''}` : `${f.src.toString('hex')}>${f.dst.toString('hex')}`;
    const key = `${policy.index}|${t.reqid}|${ends}`;
    const now = Date.now();
    if ((this.acquires.get(key) ?? 0) > now) return;
    this.acquires.set(key, now + this.acquireMs);
    const bits = f.family === 4 ? 32 : 128;
    this.emit({
      type: 'acquire',
      packet: {
        src: `${formatAddr(f.src, f.family)}/${bits}`,
        dst: `${formatAddr(f.dst, f.family)}/${bits}`,
        protocol: f.protocol,
        ...(f.srcPort !== undefined ? { srcPort: f.srcPort } : {}),
        ...(f.dstPort !== undefined ? { dstPort: f.dstPort } : {}),
      },
      policy: { selector: { ...policy.selector }, dir: policy.dir, index: policy.index, priority: policy.priority },
      template: { ...t },
      seq: ++this.acquireSeq,
    });
  }

  /** One IP packet leaving (read from the TUN): what to send. Emits `acquire` (once per acquireExpires) as needed. */
  processOutbound(packet: Uint8Array): OutboundResult {
    const f = packetFields(packet);
    if (!f) {
      this.count('out-errors');
      return { action: 'drop', counter: 'out-errors', reason: 'not an IP packet' };
    }
    const d = this.spd.lookupOutbound(packet, this.findOutboundSa, f);
    switch (d.verdict) {
      case 'no-policy':
      case 'bypass':
      case 'pass':
        return { action: 'clear', packet };
      case 'discard':
        return { action: 'drop', counter: 'out-policy-blocked', reason: 'policy discards' };
      case 'acquire':
        this.acquire(d.policy, d.template, f);
        this.count('out-no-states');
        return { action: 'drop', counter: 'out-no-states', reason: `no SA for reqid ${d.template.reqid}: acquire` };
      case 'encrypt': {
        if (d.sas.length !== 1) {
          this.count('out-bundle-errors');
          return { action: 'drop', counter: 'out-bundle-errors', reason: 'SA bundles are not implemented' };
        }
        const e = d.sas[0]!;
        const r = e.spec.mode === 'tunnel' ? tunnelEncap(e.esp, packet) : transportEncap(e.esp, packet);
        if (!r.ok) {
          this.count(r.counter);
          return { action: 'drop', counter: r.counter, reason: r.reason };
        }
        e.useTime = nowSeconds();
        return e.spec.mode === 'tunnel'
          ? { action: 'esp', sa: e.spec, esp: r.packet }
          : { action: 'esp', sa: e.spec, ip: r.packet };
      }
    }
  }

  /**
   * One ESP packet arriving: `pkt` is SPI..ICV (UDP payload, or raw ESP with the outer header stripped), or with
   * `transportIp` the whole IP packet (transport-mode SAs need it). Decapsulates, then checks the inbound policy.
   */
  processInbound(pkt: Uint8Array, transportIp = false): InboundResult {
    const r = this.inbound.receive(pkt, transportIp);
    if (!r.ok) return { action: 'drop', counter: r.counter, reason: r.reason };
    const e = this.byEsp.get(r.sa);
    if (!e) return { action: 'drop', counter: 'in-no-states', reason: 'SA gone' };
    e.useTime = nowSeconds();
    const check = this.spd.checkInbound(r.payload, e.spec, 'in');
    if (!check.ok) return { action: 'drop', counter: check.counter, reason: 'inbound policy check' };
    return { action: 'deliver', packet: r.payload, sa: e.spec };
  }
}

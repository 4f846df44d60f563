// The agent's data plane: whichever backend it was handed (packages/dataplane's openDataPlane), fed from the config
// (stored policies -> SPD, in policy order) and from the IKE engine (CHILD_SAs -> SAs, generated policies). It owns
// the Installed SAs rows (what was installed, with the backend's counters) and the Statistics menu, and announces
// what the backend reports back: traffic wanting an SA ('acquire') and SAs gone before IKE replaced them
// ('hardExpire'). Without a backend (--dataplane off, or none could be opened) SAs are negotiated, shown, and
// protect nothing.
import { EventEmitter } from 'node:events';
import type { DeleteSaAction, IkeSaRekeyedAction, InstallSaAction } from '@ipsec/ike';
import {
  CHILD_REQID_BASE,
  policiesFromConfig,
  policiesFromInstallSa,
  policyKeyText,
  policyPriority,
  reqidOfPolicy,
  saSpecsFromInstallSa,
  type DataPlaneEvent,
  type HostedDataPlane,
  type PolicySpec,
  type SaKey,
  type TunnelEnds,
} from '@ipsec/dataplane';
import type { PeerValues, PolicyValues, StatCounter } from '@ipsec/schema';
import type { LiveState } from '../live/live-state.ts';
import { installedSaRow } from '../live/rows.ts';
import type { ConfigStore } from '../store/config-store.ts';

/** Generated (dynamic) policies come after every configured one, as in RouterOS. */
const GENERATED_PRIORITY = policyPriority(0, 100_000);

interface ChildRecord {
  reqid: number;
  sas: SaKey[];
  /** Policies this CHILD_SA installed (generated ones only; stored policies are installed from the config). */
  policies: PolicySpec[];
}

export interface DataPlaneServiceEvents {
  /** Traffic hit a stored policy without SAs. */
  acquire: [policyId: number];
  /** An SA of this CHILD_SA ran out before IKE replaced it (its hard lifetime is IKE's plus a grace period). */
  hardExpire: [child: number];
  /** The stored policy this CHILD_SA was negotiated for was removed or disabled: its SAs protect nothing now. */
  policyRemoved: [child: number];
}

export class DataPlaneService extends EventEmitter<DataPlaneServiceEvents> {
  private readonly children = new Map<number, ChildRecord>();
  private readonly childBySpi = new Map<number, number>();
  /** Installed stored policies by key, and which CHILD_SA owns each generated policy key. */
  private storedPolicies = new Map<string, PolicySpec>();
  private readonly generatedOwner = new Map<string, number>();
  /** Tunnel ends of stored policies, by reqid, as their CHILD_SAs ran (for ends the peer's config leaves open). */
  private readonly learnedEnds = new Map<number, TunnelEnds>();
  private countersTimer?: NodeJS.Timeout;
  private closed = false;
  /** Backend answers come asynchronously: every change to the data plane runs in this one queue, in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly onChange = () => void this.syncPolicies();

  constructor(
    private readonly store: ConfigStore,
    private readonly live: LiveState,
    private readonly plane?: HostedDataPlane,
  ) {
    super();
  }

  /** Announce the backend, install the configured policies, start reading counters. */
  async start(warnings: readonly string[] = []): Promise<void> {
    for (const w of warnings) this.live.log(['ipsec', 'warning'], `data plane: ${w}`);
    if (!this.plane) return;
    this.plane.onEvent((e) => this.event(e));
    this.live.dataplane = this.plane.capability;
    this.live.log(['ipsec', 'info'], `data plane: ${this.plane.capability.reason}`);
    this.store.on('change', this.onChange);
    await this.enqueue(() => this.clearLeftovers());
    await this.syncPolicies();
    this.countersTimer = setInterval(() => void this.refreshCounters(), 1000);
    this.countersTimer.unref();
  }

  /** ESP can only travel in UDP here: IKE must always encapsulate. */
  get udpOnly(): boolean {
    return this.plane?.udpOnly ?? false;
  }

  /** A new IKE socket: whatever the backend needs from it. */
  ikeSocketBound(address: string, port: number, natt: boolean): void {
    const r = this.plane?.ikeSocketBound(address, port, natt);
    if (r && !r.ok)
      for (const p of r.error) this.live.log(['ipsec', 'error'], `data plane: IKE socket ${address}:${port}: ${p}`);
  }

  /** An ESP payload from the NAT-T socket. */
  receiveEsp(payload: Uint8Array): void {
    this.plane?.receiveEsp(payload);
  }

  // ------------------------------------------------------------------------------------------ stored policies

  /** Bring the SPD in line with the config (serialized: changes can come faster than the backend answers). */
  syncPolicies(): Promise<void> {
    return this.enqueue(() => this.doSync());
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue
      .then(work)
      .catch((e) => this.live.log(['ipsec', 'error'], `data plane: ${(e as Error).message}`));
    return this.queue;
  }

  private async doSync(): Promise<void> {
    if (this.closed || !this.plane) return;
    const policies = this.store.list('policy').map((e) => ({ id: e.id, values: e.values as PolicyValues }));
    const peers = this.store.list('peer').map((e) => e.values as PeerValues);
    const want = new Map(policiesFromConfig(policies, peers, this.learnedEnds).map((p) => [policyKeyText(p), p]));
    for (const [k, p] of this.storedPolicies)
      if (!want.has(k)) await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
    const reqidsOf = (m: Map<string, PolicySpec>) =>
      new Set([...m.values()].flatMap((p) => p.templates.map((t) => t.reqid)));
    const kept = reqidsOf(want);
    const gone = [...reqidsOf(this.storedPolicies)].filter((r) => !kept.has(r));
    for (const [child, rec] of this.children) if (gone.includes(rec.reqid)) this.emit('policyRemoved', child);
    for (const [k, p] of want) {
      const old = this.storedPolicies.get(k);
      if (old && JSON.stringify(old) === JSON.stringify(p)) continue;
      await this.plane.installPolicy(p);
    }
    this.storedPolicies = want;
  }

  /**
   * A previous run that could not clean up (kill -9, a crash, power) left its policies and SAs in the kernel: an old
   * SA with the reqid of a new CHILD_SA, or an old policy, would keep steering traffic. Ours are known by the
   * priorities we give (the configured policies' range up to the generated ones) and by the reqids in them; what
   * another IKE daemon or the admin installed has other priorities and stays.
   */
  private async clearLeftovers(): Promise<void> {
    if (!this.plane) return;
    const ours = (priority: number) => priority >= policyPriority(0) && priority <= GENERATED_PRIORITY;
    const stale = (await this.plane.listPolicies()).filter((p) => ours(p.priority));
    const reqids = new Set(stale.flatMap((p) => p.templates.map((t) => t.reqid)));
    for (const p of stale) await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
    let sas = 0;
    for (const sa of await this.plane.listSas())
      if (reqids.has(sa.reqid) || sa.reqid > CHILD_REQID_BASE) {
        await this.plane.deleteSa({ spi: sa.spi, dst: sa.dst, src: sa.src, protocol: 'esp' }).catch(() => undefined);
        sas++;
      }
    if (stale.length || sas)
      this.live.log(
        ['ipsec', 'warning'],
        `data plane: removed ${stale.length} policies and ${sas} SAs a previous run left in the kernel`,
      );
  }

  // ------------------------------------------------------------------------------------------ CHILD_SAs

  /** A CHILD_SA is up: install both SAs and, for a generated policy, its policies; then show them. */
  installChild(a: InstallSaAction): Promise<void> {
    return this.enqueue(() => this.doInstallChild(a));
  }

  /** A CHILD_SA is gone: its SAs, and the generated policies it still owns (a rekeyed successor keeps them). */
  removeChild(a: DeleteSaAction): Promise<void> {
    return this.enqueue(() => this.doRemoveChild(a));
  }

  /** The IKE SA was rekeyed: its CHILD_SAs' rows now name the new one. */
  ikeSaRekeyed(a: IkeSaRekeyedAction): Promise<void> {
    return this.enqueue(async () => {
      for (const sa of this.live.sas.values()) if (sa.ikeSa === a.replaces) sa.ikeSa = a.ikeSa;
    });
  }

  private async doInstallChild(a: InstallSaAction): Promise<void> {
    if (this.closed) return;
    if (this.udpOnly && !a.encap) {
      this.live.log(
        ['ipsec', 'error'],
        `data plane: CHILD_SA of ${a.peer} has no UDP encapsulation; without raw ESP sockets the userspace backend carries ESP only in UDP`,
      );
      return;
    }
    const inherited = a.replaces !== undefined ? this.children.get(a.replaces)?.reqid : undefined;
    const reqid = a.policyId !== undefined ? reqidOfPolicy(a.policyId) : (inherited ?? CHILD_REQID_BASE + a.child);
    const rec: ChildRecord = { reqid, sas: [], policies: [] };
    this.children.set(a.child, rec);
    const { inbound, outbound } = saSpecsFromInstallSa(a, { reqid });
    try {
      for (const sa of [inbound, outbound]) {
        await this.plane?.installSa(sa);
        rec.sas.push({ spi: sa.spi, dst: sa.dst, protocol: 'esp' });
        this.childBySpi.set(sa.spi, a.child);
        this.live.sas.set(sa.spi, installedSaRow(sa, a, this.plane?.hardwareAead ?? false));
      }
      if (a.policyId !== undefined && a.mode === 'tunnel') {
        const ends = { local: outbound.src, remote: outbound.dst };
        if (JSON.stringify(this.learnedEnds.get(reqid)) !== JSON.stringify(ends)) {
          this.learnedEnds.set(reqid, ends);
          await this.doSync();
        }
      }
      if (a.policyId === undefined && this.plane) {
        for (const p of policiesFromInstallSa(a, { reqid, priority: GENERATED_PRIORITY })) {
          await this.plane.installPolicy(p);
          this.generatedOwner.set(policyKeyText(p), a.child);
          rec.policies.push(p);
        }
      }
    } catch (e) {
      this.live.log(['ipsec', 'error'], `data plane: installing CHILD_SA of ${a.peer} failed: ${(e as Error).message}`);
    }
  }

  private async doRemoveChild(a: DeleteSaAction): Promise<void> {
    this.live.sas.delete(a.inboundSpi);
    this.live.sas.delete(a.outboundSpi);
    const rec = this.children.get(a.child);
    if (!rec) return;
    this.children.delete(a.child);
    for (const k of rec.sas) {
      this.childBySpi.delete(k.spi);
      await this.plane?.deleteSa(k).catch(() => undefined); // a hard lifetime may have removed it already
    }
    for (const p of rec.policies) {
      const k = policyKeyText(p);
      if (this.generatedOwner.get(k) !== a.child) continue;
      this.generatedOwner.delete(k);
      await this.plane?.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
    }
  }

  private event(e: DataPlaneEvent): void {
    if (e.type === 'acquire') {
      const reqid = e.template?.reqid ?? 0;
      const policy = this.store.list('policy').find((p) => reqidOfPolicy(p.id) === reqid);
      this.live.log(['ipsec', 'debug'], `acquire: ${e.packet.src} -> ${e.packet.dst} (reqid ${reqid})`);
      if (policy) this.emit('acquire', policy.id);
    } else if (e.type === 'expire') {
      const child = this.childBySpi.get(e.spi);
      // soft: IKE rekeys on its own timers; hard: IKE missed it, so the CHILD_SA is deleted (traffic then ACQUIREs)
      this.live.log(
        ['ipsec', e.hard ? 'warning' : 'debug'],
        `SA 0x${e.spi.toString(16)} reached its ${e.hard ? 'hard' : 'soft'} lifetime`,
      );
      if (e.hard && child !== undefined) this.emit('hardExpire', child);
    } else this.live.log(['ipsec', e.type], `data plane: ${e.message}`);
  }

  // ------------------------------------------------------------------------------------------ counters

  /** Installed SAs current-bytes/packets and the Statistics menu, from the backend. */
  private async refreshCounters(): Promise<void> {
    if (this.closed || !this.plane) return;
    try {
      const now = Date.now();
      for (const sa of await this.plane.listSas()) {
        let row = this.live.sas.get(sa.spi);
        if (!row) continue;
        // past its soft lifetime the SA is being replaced: RouterOS shows it "dying" (a new row object: sent whole)
        if (row.state === 'mature' && typeof row['expires-at'] === 'number' && now >= row['expires-at'])
          this.live.sas.set(sa.spi, (row = { ...row, state: 'dying' }));
        row['current-bytes'] = sa.counters.bytes;
        row['current-packets'] = sa.counters.packets;
      }
      for (const [k, v] of Object.entries(this.plane.statistics()) as [StatCounter, number][])
        if (k in this.live.statistics) this.live.statistics[k] = v;
    } catch (e) {
      this.live.log(['ipsec', 'debug'], `data plane counters: ${(e as Error).message}`);
    }
  }

  /** Take out what we installed (the kernel would keep it), then close the backend. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.countersTimer);
    this.store.off('change', this.onChange);
    await this.queue;
    this.live.sas.clear();
    if (!this.plane) return;
    for (const p of this.storedPolicies.values())
      await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
    for (const rec of this.children.values()) {
      for (const k of rec.sas) await this.plane.deleteSa(k).catch(() => undefined);
      for (const p of rec.policies)
        await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
    }
    this.children.clear();
    await this.plane.close();
  }
}

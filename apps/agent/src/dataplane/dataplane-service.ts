// The agent's data plane: one DataPlane (packages/dataplane) chosen at start by probing the kernel, fed from the
// config (stored policies -> SPD, in policy order) and from the IKE engine (CHILD_SAs -> SAs, generated policies),
// and feeding back the Installed SAs counters, the Statistics menu and ACQUIRE/EXPIRE events.
//
// Kernel backend: XFRM over netlink; the kernel finds and protects the traffic itself.
// Userspace backend: a TUN device; the kernel routes each protected destination into it (routes added here), our
// ESP code encrypts, and the packets go as raw ESP (IP protocol 50) or, behind a NAT, in UDP through the IKE
// service's NAT-T socket. Without raw sockets ESP can only travel in UDP, and IKE then forces UDP encapsulation
// (as strongSwan's encap=yes does).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import type { DeleteSaAction, InstallSaAction } from '@ipsec/ike';
import {
  KernelDataPlane,
  policiesFromInstallSa,
  prepareIkeSocket,
  policyPriority,
  probeKernel,
  saSpecsFromInstallSa,
  UserspaceDataPlane,
  userspace,
  type DataPlane,
  type DataPlaneEvent,
  type PolicySpec,
  type SaKey,
  type Selector,
} from '@ipsec/dataplane';
import { IP_PROTOCOLS, prefixContains, prefixLength, type StatCounter } from '@ipsec/schema';
import type { LiveState } from '../live/live-state.ts';
import type { ConfigStore } from '../store/config-store.ts';

const run = promisify(execFile);

export type DataPlaneChoice = 'auto' | 'kernel' | 'userspace';

export interface DataPlaneOptions {
  /** auto (default): kernel when it can do ESP, else userspace. */
  backend?: DataPlaneChoice;
  /** TUN device of the userspace backend (default ipsec0). */
  tunName?: string;
  /** MTU of the TUN device (default 1400: room for ESP-in-UDP over a 1500-byte link). */
  tunMtu?: number;
}

/** What the UI shows: which backend runs, and why. */
export interface DataPlaneStatus {
  backend: 'kernel' | 'userspace';
  reason: string;
  /** The userspace backend's TUN device. */
  device?: string;
  /** The userspace backend can send and receive raw ESP (else ESP travels only in UDP). */
  rawEsp?: boolean;
}

/** UDP sender the IKE service provides (it owns the NAT-T sockets). */
export type UdpSend = userspace.UdpSend;

/** Stored policy ids map to reqids in this range; CHILD_SAs of generated policies get their own above it. */
const CHILD_REQID_BASE = 0x100000;
/** Generated (dynamic) policies come after every configured one, as in RouterOS. */
const GENERATED_PRIORITY = policyPriority(0, 100_000);

interface ChildRecord {
  reqid: number;
  sas: SaKey[];
  /** Policies this CHILD_SA installed (generated ones only; stored policies are installed from the config). */
  policies: PolicySpec[];
}

/** Outbound tunnel-mode encryption: the userspace backend needs the destination routed into its TUN. */
const needsRoute = (p: PolicySpec) => p.dir === 'out' && p.action === 'encrypt' && p.templates[0]?.mode === 'tunnel';

const policyKey = (p: { selector: Selector; dir: string }) =>
  `${p.dir} ${p.selector.src} ${p.selector.dst} ${p.selector.protocol} ${p.selector.srcPort ?? ''} ${p.selector.dstPort ?? ''}`;

export class DataPlaneService {
  /** The IKE service wires these in. */
  sendUdp: UdpSend = () => undefined;
  onAcquire: (policyId: number) => void = () => undefined;
  /** An SA ran out before IKE replaced it (its hard lifetime is IKE's lifetime plus a grace period): drop the CHILD_SA. */
  onHardExpire: (child: number) => void = () => undefined;

  private readonly children = new Map<number, ChildRecord>();
  private readonly childBySpi = new Map<number, number>();
  /** Installed stored policies by key, and which CHILD_SA owns each generated policy key. */
  private storedPolicies = new Map<string, PolicySpec>();
  private readonly generatedOwner = new Map<string, number>();
  /** Routes into the TUN, with how many policies want each. */
  private readonly routes = new Map<string, number>();
  private countersTimer?: NodeJS.Timeout;
  private closed = false;
  /** Netlink answers come back asynchronously: every change to the data plane runs in this one queue, in order. */
  private queue: Promise<void> = Promise.resolve();
  private readonly onChange = () => this.syncPolicies();

  private constructor(
    readonly plane: DataPlane,
    readonly status: DataPlaneStatus,
    private readonly store: ConfigStore,
    private readonly live: LiveState,
    private readonly host?: userspace.UserspaceHost,
  ) {}

  /** Probe, open the backend, install the configured policies. */
  static async start(store: ConfigStore, live: LiveState, opts: DataPlaneOptions = {}): Promise<DataPlaneService> {
    const choice = opts.backend ?? 'auto';
    let kernelReason = 'not probed (userspace chosen)';
    let kernelOk = false;
    if (choice !== 'userspace') {
      const probe = await probeKernel();
      kernelOk = probe.sas;
      kernelReason = probe.reason;
      if (choice === 'kernel' && !kernelOk) throw new Error(`--dataplane kernel: ${probe.reason}`);
    }
    let svc: DataPlaneService;
    if (kernelOk) {
      const plane = new KernelDataPlane({ capability: { backend: 'kernel', reason: kernelReason } });
      svc = new DataPlaneService(plane, { backend: 'kernel', reason: kernelReason }, store, live);
    } else {
      const name = opts.tunName ?? 'ipsec0';
      const tun = userspace.Tun.open({ name });
      try {
        // a longer queue than the default 500 absorbs bursts while the event loop is busy elsewhere
        await run('ip', [
          'link',
          'set',
          'dev',
          tun.name,
          'mtu',
          String(opts.tunMtu ?? 1400),
          'txqueuelen',
          '4096',
          'up',
        ]);
      } catch (e) {
        await tun.close();
        throw new Error(`cannot bring ${tun.name} up: ${(e as Error).message.trim()}`, { cause: e });
      }
      let raw: userspace.RawEsp | undefined;
      try {
        raw = userspace.RawEsp.open();
      } catch (e) {
        live.log(
          ['ipsec', 'warning'],
          `data plane: no raw ESP (${(e as Error).message}): ESP travels only in UDP, IKE always encapsulates`,
        );
      }
      const reason = `${choice === 'userspace' ? 'userspace ESP chosen (--dataplane userspace)' : `userspace ESP on ${tun.name}: ${kernelReason}`}${raw ? '' : '; ESP in UDP only'}`;
      const plane = new UserspaceDataPlane({ capability: { backend: 'userspace', reason } });
      let svcRef: DataPlaneService | undefined;
      const host = new userspace.UserspaceHost(
        plane,
        tun,
        (from, to, data) => svcRef?.sendUdp(from, to, data),
        raw ? { raw } : {},
      );
      svc = svcRef = new DataPlaneService(
        plane,
        { backend: 'userspace', reason, device: tun.name, rawEsp: raw !== undefined },
        store,
        live,
        host,
      );
      host.start();
    }
    svc.plane.onEvent((e) => svc.event(e));
    live.dataplane = svc.status;
    live.log(['ipsec', 'info'], `data plane: ${svc.status.reason}`);
    store.on('change', svc.onChange);
    await svc.syncPolicies();
    svc.countersTimer = setInterval(() => void svc.refreshCounters(), 1000);
    svc.countersTimer.unref();
    return svc;
  }

  /** ESP can only travel in UDP here: IKE must always encapsulate. */
  get udpOnly(): boolean {
    return this.status.backend === 'userspace' && !this.status.rawEsp;
  }

  /**
   * A new IKE socket: with the kernel backend IKE must bypass the kernel's policies and the NAT-T socket must hand
   * ESP-in-UDP to the kernel. The userspace backend needs neither.
   */
  ikeSocketBound(address: string, port: number, natt: boolean): void {
    if (this.host) return;
    for (const p of prepareIkeSocket(address, port, natt))
      this.live.log(['ipsec', 'error'], `data plane: IKE socket ${address}:${port}: ${p}`);
  }

  /** An ESP payload from the NAT-T socket (userspace backend; the kernel takes its own from the socket). */
  receiveEsp(payload: Uint8Array): void {
    this.host?.fromEsp(payload);
  }

  private reqidOfPolicy(id: number): number {
    return (id % CHILD_REQID_BASE) + 1;
  }

  // ------------------------------------------------------------------------------------------ stored policies

  /** The SPD entries of the config's policies, in policy order (earlier wins). */
  private configuredPolicies(): PolicySpec[] {
    const out: PolicySpec[] = [];
    this.store.list('policy').forEach((e, position) => {
      const v = e.values;
      if (v.disabled || v.template) return;
      const action = v.action as PolicySpec['action'];
      const tunnel = v.tunnel === true;
      const protocol =
        v.protocol === 'all' || v.protocol === undefined ? 0 : (IP_PROTOCOLS[String(v.protocol)] ?? Number(v.protocol));
      const port = (p: unknown) => (p === 'any' || p === undefined || p === 0 ? undefined : Number(p));
      const sel = (src: string, dst: string, sp: unknown, dp: unknown): Selector => ({
        src,
        dst,
        protocol,
        ...(port(sp) !== undefined ? { srcPort: port(sp)! } : {}),
        ...(port(dp) !== undefined ? { dstPort: port(dp)! } : {}),
      });
      const src = String(v['src-address']);
      const dst = String(v['dst-address']);
      const templates =
        action === 'encrypt'
          ? [
              {
                protocol: 'esp' as const,
                mode: tunnel ? ('tunnel' as const) : ('transport' as const),
                reqid: this.reqidOfPolicy(e.id),
                level: v.level as 'require' | 'use' | 'unique',
              },
            ]
          : [];
      const priority = policyPriority(position);
      out.push({ selector: sel(src, dst, v['src-port'], v['dst-port']), dir: 'out', priority, action, templates });
      out.push({ selector: sel(dst, src, v['dst-port'], v['src-port']), dir: 'in', priority, action, templates });
      if (tunnel)
        out.push({ selector: sel(dst, src, v['dst-port'], v['src-port']), dir: 'fwd', priority, action, templates });
    });
    return out;
  }

  /** Bring the SPD in line with the config (serialized: changes can come faster than netlink answers). */
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
    if (this.closed) return;
    const want = new Map(this.configuredPolicies().map((p) => [policyKey(p), p]));
    for (const [k, p] of this.storedPolicies) {
      if (want.has(k)) continue;
      await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
      if (needsRoute(p)) await this.unroute(p.selector);
    }
    for (const [k, p] of want) {
      const old = this.storedPolicies.get(k);
      if (old && JSON.stringify(old) === JSON.stringify(p)) continue;
      await this.plane.installPolicy(p);
      // an edit may turn a policy into or out of one that protects traffic through the TUN (action, tunnel)
      if (needsRoute(p) && !(old && needsRoute(old))) await this.route(p.selector);
      else if (!needsRoute(p) && old && needsRoute(old)) await this.unroute(old.selector);
    }
    this.storedPolicies = want;
  }

  // ------------------------------------------------------------------------------------------ routes (userspace)

  /** Route a protected destination into the TUN, from a local address inside the policy's source when we have one. */
  private async route(sel: Selector): Promise<void> {
    if (!this.host) return;
    const n = this.routes.get(sel.dst) ?? 0;
    this.routes.set(sel.dst, n + 1);
    if (n > 0) return;
    if (prefixLength(sel.dst) === 0) {
      this.live.log(
        ['ipsec', 'warning'],
        `data plane: not routing ${sel.dst} into ${this.status.device} (it would also capture IKE); add narrower policies`,
      );
      return;
    }
    const src = localAddressIn(sel.src);
    try {
      await run('ip', ['route', 'replace', sel.dst, 'dev', this.status.device!, ...(src ? ['src', src] : [])]);
    } catch (e) {
      this.live.log(
        ['ipsec', 'error'],
        `data plane: cannot route ${sel.dst} into ${this.status.device}: ${(e as Error).message.trim()}`,
      );
    }
  }

  private async unroute(sel: Selector): Promise<void> {
    if (!this.host) return;
    const n = (this.routes.get(sel.dst) ?? 1) - 1;
    if (n > 0) return void this.routes.set(sel.dst, n);
    this.routes.delete(sel.dst);
    if (prefixLength(sel.dst) === 0) return;
    await run('ip', ['route', 'del', sel.dst, 'dev', this.status.device!]).catch(() => undefined);
  }

  // ------------------------------------------------------------------------------------------ CHILD_SAs

  /** A CHILD_SA is up: install both SAs and, for a generated policy, its policies and routes. */
  installChild(a: InstallSaAction): Promise<void> {
    return this.enqueue(() => this.doInstallChild(a));
  }

  /** A CHILD_SA is gone: its SAs, and the generated policies it still owns (a rekeyed successor keeps them). */
  removeChild(a: DeleteSaAction): Promise<void> {
    return this.enqueue(() => this.doRemoveChild(a));
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
    const reqid = a.policyId !== undefined ? this.reqidOfPolicy(a.policyId) : (inherited ?? CHILD_REQID_BASE + a.child);
    const rec: ChildRecord = { reqid, sas: [], policies: [] };
    this.children.set(a.child, rec);
    const { inbound, outbound } = saSpecsFromInstallSa(a, { reqid });
    try {
      for (const sa of [inbound, outbound]) {
        await this.plane.installSa(sa);
        rec.sas.push({ spi: sa.spi, dst: sa.dst, protocol: 'esp' });
        this.childBySpi.set(sa.spi, a.child);
      }
      if (a.policyId === undefined) {
        for (const p of policiesFromInstallSa(a, { reqid, priority: GENERATED_PRIORITY })) {
          await this.plane.installPolicy(p);
          const k = policyKey(p);
          const first = !this.generatedOwner.has(k);
          this.generatedOwner.set(k, a.child);
          rec.policies.push(p);
          if (first && needsRoute(p)) await this.route(p.selector);
        }
      }
    } catch (e) {
      this.live.log(['ipsec', 'error'], `data plane: installing CHILD_SA of ${a.peer} failed: ${(e as Error).message}`);
    }
  }

  private async doRemoveChild(a: DeleteSaAction): Promise<void> {
    const rec = this.children.get(a.child);
    if (!rec) return;
    this.children.delete(a.child);
    for (const k of rec.sas) {
      this.childBySpi.delete(k.spi);
      await this.plane.deleteSa(k).catch(() => undefined); // a hard lifetime may have removed it already
    }
    for (const p of rec.policies) {
      const k = policyKey(p);
      if (this.generatedOwner.get(k) !== a.child) continue;
      this.generatedOwner.delete(k);
      await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
      if (needsRoute(p)) await this.unroute(p.selector);
    }
  }

  private event(e: DataPlaneEvent): void {
    if (e.type === 'acquire') {
      const reqid = e.template?.reqid ?? 0;
      const policy = this.store.list('policy').find((p) => this.reqidOfPolicy(p.id) === reqid);
      this.live.log(['ipsec', 'debug'], `acquire: ${e.packet.src} -> ${e.packet.dst} (reqid ${reqid})`);
      if (policy) this.onAcquire(policy.id);
    } else if (e.type === 'expire') {
      const child = this.childBySpi.get(e.spi);
      // soft: IKE rekeys on its own timers; hard: IKE missed it, so the CHILD_SA is deleted (traffic then ACQUIREs)
      this.live.log(
        ['ipsec', e.hard ? 'warning' : 'debug'],
        `SA 0x${e.spi.toString(16)} reached its ${e.hard ? 'hard' : 'soft'} lifetime`,
      );
      if (e.hard && child !== undefined) this.onHardExpire(child);
    } else this.live.log(['ipsec', 'error'], `data plane: ${e.message}`);
  }

  // ------------------------------------------------------------------------------------------ counters

  /** Installed SAs current-bytes/packets and the Statistics menu, from the backend. */
  private async refreshCounters(): Promise<void> {
    if (this.closed) return;
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
      const stats = this.host ? this.host.statistics() : kernelStatistics();
      for (const [k, v] of Object.entries(stats) as [StatCounter, number][])
        if (k in this.live.statistics) this.live.statistics[k] = v;
    } catch (e) {
      this.live.log(['ipsec', 'debug'], `data plane counters: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.countersTimer);
    this.store.off('change', this.onChange);
    await this.queue;
    for (const dst of this.routes.keys())
      if (prefixLength(dst) > 0)
        await run('ip', ['route', 'del', dst, 'dev', this.status.device!]).catch(() => undefined);
    if (!this.host) {
      // the kernel keeps what we installed: take it back out
      for (const p of this.storedPolicies.values())
        await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
      for (const rec of this.children.values()) {
        for (const k of rec.sas) await this.plane.deleteSa(k).catch(() => undefined);
        for (const p of rec.policies)
          await this.plane.removePolicy({ selector: p.selector, dir: p.dir }).catch(() => undefined);
      }
    }
    this.children.clear();
    await (this.host ? this.host.close() : this.plane.close());
  }
}

/** A local interface address inside `prefix` (the source the kernel should use for routed traffic). */
function localAddressIn(prefix: string): string | undefined {
  if (prefixLength(prefix) === 0) return undefined;
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? [])
      if (!i.address.startsWith('fe80') && prefixContains(prefix, i.address)) return i.address;
  return undefined;
}

/** /proc/net/xfrm_stat names -> the Statistics menu's names. */
const XFRM_STAT_NAMES: Record<string, StatCounter> = {
  XfrmInError: 'in-errors',
  XfrmInBufferError: 'in-buffer-errors',
  XfrmInHdrError: 'in-header-errors',
  XfrmInNoStates: 'in-no-states',
  XfrmInStateProtoError: 'in-state-protocol-errors',
  XfrmInStateModeError: 'in-state-mode-errors',
  XfrmInStateSeqError: 'in-state-sequence-errors',
  XfrmInStateExpired: 'in-state-expired',
  XfrmInStateMismatch: 'in-state-mismatches',
  XfrmInStateInvalid: 'in-state-invalid',
  XfrmInTmplMismatch: 'in-template-mismatches',
  XfrmInNoPols: 'in-no-policies',
  XfrmInPolBlock: 'in-policy-blocked',
  XfrmInPolError: 'in-policy-errors',
  XfrmOutError: 'out-errors',
  XfrmOutBundleGenError: 'out-bundle-errors',
  XfrmOutBundleCheckError: 'out-bundle-check-errors',
  XfrmOutNoStates: 'out-no-states',
  XfrmOutStateProtoError: 'out-state-protocol-errors',
  XfrmOutStateModeError: 'out-state-mode-errors',
  XfrmOutStateSeqError: 'out-state-sequence-errors',
  XfrmOutStateExpired: 'out-state-expired',
  XfrmOutPolBlock: 'out-policy-blocked',
  XfrmOutPolDead: 'out-policy-dead',
  XfrmOutPolError: 'out-policy-errors',
};

/** The kernel's XFRM counters (/proc/net/xfrm_stat of our namespace) under the manual's names. */
export function kernelStatistics(
  text = readFileSync('/proc/net/xfrm_stat', 'utf8'),
): Partial<Record<StatCounter, number>> {
  const out: Partial<Record<StatCounter, number>> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    const ours = name ? XFRM_STAT_NAMES[name] : undefined;
    if (ours) out[ours] = Number(value);
  }
  return out;
}

// The kernel backend: SAs and policies in Linux XFRM over NETLINK_XFRM, events from its multicast groups.
import { familyOf } from '../ip.ts';
import { err, ok, type Result, type StatCounter } from '@ipsec/schema';
import type {
  Capability,
  HostedDataPlane,
  DataPlaneEvent,
  PolicyInfo,
  PolicyKey,
  PolicySpec,
  SaCounters,
  SaInfo,
  SaKey,
  SaSpec,
} from '../types.ts';
import {
  acquireEvent,
  expireEvent,
  policyIdMessage,
  policyInfo,
  policyMessage,
  saIdMessage,
  saInfo,
  saMessage,
} from '../xfrm/build.ts';
import {
  decodeAcquire,
  decodeExpire,
  decodePolicy,
  decodeSa,
  emptySelector,
  encodeAllocSpi,
  encodePolicy,
  encodePolicyId,
  encodeSa,
  encodeSaId,
  infiniteLifetime,
  zeroCur,
} from '../xfrm/codec.ts';
import {
  IPPROTO_ESP,
  XFRM_MODE_TRANSPORT,
  XFRM_MODE_TUNNEL,
  XFRM_MSG,
  XFRM_POLICY_FWD,
  XFRMNLGRP,
} from '../xfrm/constants.ts';
import { PolicyRoutes, towardsTunnelEnd } from '../policy-routes.ts';
import { prepareIkeSocket } from './ike-socket.ts';
import { kernelStatistics } from './statistics.ts';
import { XfrmSocket } from './xfrm-socket.ts';

export interface KernelBackendOptions {
  /** Network namespace (/run/netns/<name>) to work in; default: ours. */
  netns?: string;
  /** Listen to ACQUIRE/EXPIRE (default true). */
  events?: boolean;
  /** Route what outbound tunnel policies protect towards the tunnel's far end (default true). */
  routes?: boolean;
  capability?: Capability;
  timeout?: number;
}

export class KernelDataPlane implements HostedDataPlane {
  /** The kernel sends raw ESP itself. */
  readonly udpOnly = false;
  /** No SA asks for offload (XFRMA_OFFLOAD_DEV) yet. */
  readonly hardwareAead = false;
  readonly capability: Capability;
  private readonly sock: XfrmSocket;
  private readonly events?: XfrmSocket;
  private readonly listeners = new Set<(e: DataPlaneEvent) => void>();
  private readonly routes?: PolicyRoutes;

  constructor(opts: KernelBackendOptions = {}) {
    if (opts.routes !== false) {
      const ipArgs = opts.netns ? ['-n', opts.netns] : [];
      this.routes = new PolicyRoutes(towardsTunnelEnd(ipArgs), (e) => this.emit(e), 'add', ipArgs);
    }
    this.capability = opts.capability ?? { backend: 'kernel', reason: 'XFRM over netlink' };
    const base = { ...(opts.netns ? { netns: opts.netns } : {}), ...(opts.timeout ? { timeout: opts.timeout } : {}) };
    this.sock = new XfrmSocket(base);
    if (opts.events !== false) {
      this.events = new XfrmSocket({ ...base, groups: [XFRMNLGRP.ACQUIRE, XFRMNLGRP.EXPIRE] });
      this.events.onMessage((m) => {
        let e: DataPlaneEvent | undefined;
        try {
          if (m.type === XFRM_MSG.ACQUIRE) e = acquireEvent(decodeAcquire(m.payload));
          else if (m.type === XFRM_MSG.EXPIRE) e = expireEvent(decodeExpire(m.payload));
        } catch (err) {
          e = { type: 'error', message: `undecodable XFRM message ${m.type}: ${(err as Error).message}` };
        }
        if (e) this.emit(e);
      });
    }
  }

  private emit(e: DataPlaneEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Whether the kernel's refusals come with its own explanation (NETLINK_EXT_ACK). */
  get explainsErrors(): boolean {
    return this.sock.extAck;
  }

  async installSa(sa: SaSpec): Promise<void> {
    await this.sock.request(`add SA 0x${sa.spi.toString(16)}`, XFRM_MSG.NEWSA, encodeSa(saMessage(sa)));
  }

  async updateSa(sa: SaSpec): Promise<void> {
    await this.sock.request(`update SA 0x${sa.spi.toString(16)}`, XFRM_MSG.UPDSA, encodeSa(saMessage(sa)));
  }

  async deleteSa(key: SaKey): Promise<void> {
    await this.sock.request(`delete SA 0x${key.spi.toString(16)}`, XFRM_MSG.DELSA, encodeSaId(saIdMessage(key)));
  }

  async installPolicy(p: PolicySpec): Promise<void> {
    // UPDPOLICY adds or replaces: the same selector+dir installed again (config edit, rekey) is not an error.
    await this.sock.request(
      `add policy ${p.selector.src}->${p.selector.dst} ${p.dir}`,
      XFRM_MSG.UPDPOLICY,
      encodePolicy(policyMessage(p)),
    );
    await this.routes?.installed(p);
  }

  async removePolicy(key: PolicyKey): Promise<void> {
    try {
      await this.sock.request(
        `delete policy ${key.selector.src}->${key.selector.dst} ${key.dir}`,
        XFRM_MSG.DELPOLICY,
        encodePolicyId(policyIdMessage(key)),
      );
    } finally {
      await this.routes?.removed(key);
    }
  }

  async listPolicies(): Promise<PolicyInfo[]> {
    const msgs = await this.sock.request(
      'dump policies',
      XFRM_MSG.GETPOLICY,
      encodePolicyId({ sel: emptySelector(), index: 0, dir: 0 }),
      { dump: true },
    );
    return msgs
      .filter((m) => m.type === XFRM_MSG.NEWPOLICY)
      .map((m) => decodePolicy(m.payload))
      .filter((p) => p.info.dir <= XFRM_POLICY_FWD) // not the per-socket ones (IKE's bypass): the dump lists those too
      .map(policyInfo);
  }

  async listSas(): Promise<SaInfo[]> {
    const msgs = await this.sock.request(
      'dump SAs',
      XFRM_MSG.GETSA,
      encodeSaId({ daddr: '', spi: 0, family: 0, proto: 0 }),
      { dump: true },
    );
    return msgs.filter((m) => m.type === XFRM_MSG.NEWSA).map((m) => saInfo(decodeSa(m.payload)));
  }

  async getSa(key: SaKey): Promise<SaInfo | undefined> {
    try {
      const [m] = await this.sock.request(
        `get SA 0x${key.spi.toString(16)}`,
        XFRM_MSG.GETSA,
        encodeSaId(saIdMessage(key)),
      );
      return m && m.type === XFRM_MSG.NEWSA ? saInfo(decodeSa(m.payload)) : undefined;
    } catch (e) {
      if ((e as { errno?: number }).errno === 3 /* ESRCH */) return undefined;
      throw e;
    }
  }

  async counters(key: SaKey): Promise<SaCounters | undefined> {
    return (await this.getSa(key))?.counters;
  }

  /**
   * XFRM_MSG_ALLOCSPI: the kernel picks a free SPI in [min, max] and holds a larval SA for it (as IKE daemons
   * that let the kernel choose do). It expires after net.core.xfrm_acq_expires seconds unless an SA replaces it.
   */
  async allocateSpi(a: {
    src: string;
    dst: string;
    reqid: number;
    mode: 'tunnel' | 'transport';
    min?: number;
    max?: number;
    seq?: number;
  }): Promise<number> {
    const family = familyOf(a.dst);
    const payload = encodeAllocSpi({
      info: {
        sel: emptySelector(),
        id: { daddr: a.dst, spi: 0, proto: IPPROTO_ESP },
        saddr: a.src,
        lft: infiniteLifetime(),
        curlft: zeroCur(),
        stats: { replayWindow: 0, replay: 0, integrityFailed: 0 },
        seq: a.seq ?? 0,
        reqid: a.reqid,
        family,
        mode: a.mode === 'tunnel' ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT,
        replayWindow: 0,
        flags: 0,
      },
      min: a.min ?? 0x100,
      max: a.max ?? 0xffffffff,
    });
    const [m] = await this.sock.request('allocate SPI', XFRM_MSG.ALLOCSPI, payload);
    if (!m || m.type !== XFRM_MSG.NEWSA) throw new Error('allocate SPI: no SA in the answer');
    return decodeSa(m.payload).info.id.spi;
  }

  statistics(): Partial<Record<StatCounter, number>> {
    return kernelStatistics();
  }

  /** IKE must bypass our policies, and the NAT-T socket hand ESP-in-UDP to the kernel (ike-socket.ts). */
  ikeSocketBound(address: string, port: number, natt: boolean): Result<void, string[]> {
    const problems = prepareIkeSocket(address, port, natt);
    return problems.length ? err(problems) : ok(undefined);
  }

  /** Nothing to do: on a prepared NAT-T socket the kernel takes ESP-in-UDP before it reaches us. */
  receiveEsp(): void {}

  onEvent(listener: (e: DataPlaneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.routes?.clear();
    this.sock.close();
    this.events?.close();
    this.listeners.clear();
  }
}

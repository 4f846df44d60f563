// The sans-IO IKEv2 state machine. Inputs: datagram(), tick(), command(). Outputs: a list of actions
// (send, installSa, deleteSa, ikeSaState, event) ending with nextTimer. No sockets, timers, Date or Math.random:
// time comes from tick()/options.now and randomness from options.random. Inputs never throw.
// The engine parses, finds the SA, keeps the message window and retransmissions, the SA tables and the actions;
// what each exchange does lives in the units of exchanges/units.ts, which it hands requests and ticks to.
import { ExchangeType, Flags, NotifyType, PayloadType } from './codec/constants.ts';
import { isInitiatorFlag, isResponse } from './codec/header.ts';
import { parseMessage, serializeMessage, type ParsedMessage } from './codec/message.ts';
import type { Payload } from './codec/payload.ts';
import { notify } from './codec/payloads/notify.ts';
import type { GeneratedPolicy, IkeConfig, PolicyEntry } from './config.ts';
import { generatedRows } from './exchanges/generate-policy.ts';
import type { RandomSource } from './crypto/random.ts';
import { openMessage, sealMessage } from './crypto/sk.ts';
import type { Action, InstallSaAction, IkeStateAction, LogLevel } from './actions.ts';
import type { Ctx, RequestOptions } from './context.ts';
import type { ChildSa, Endpoint, IkeSa, PendingRequest, ResponseHandler } from './ike-sa.ts';
import { formatTs, tsRange } from './ts.ts';
import { hex, isZero, ParseError } from './util/bytes.ts';
import { inKeys, outKeys, spiNumber } from './exchanges/common.ts';
import { initiate } from './exchanges/ike-init.ts';
import { sendDeleteChild } from './exchanges/child-delete.ts';
import { rekeyChild } from './exchanges/child-rekey.ts';
import { CookieGate } from './exchanges/cookies.ts';
import { sendDpd } from './exchanges/dpd.ts';
import { applyConfig } from './exchanges/config-change.ts';
import { sendDeleteIke } from './exchanges/ike-delete.ts';
import { rekeyIke, scheduleIkeRekey } from './exchanges/ike-rekey.ts';
import type { UnitRegistry } from './exchanges/unit.ts';
import { IKEV2_UNITS } from './exchanges/units.ts';
import { fragment, maxMessage, reassemble } from './exchanges/fragmentation.ts';
import { AddressLeases } from './pools.ts';
import { emptyStatistics, type DropReason, type IkeStatistics } from './statistics.ts';
import { HEADER_LENGTH } from './codec/header.ts';
import { V1Engine } from './v1/engine.ts';

export interface RetransmitOptions {
  /** First retransmission timeout in ms (strongSwan default 4 s). */
  timeout: number;
  /** Backoff base: timeout * base^n. */
  base: number;
  /** Retransmissions before giving up. */
  tries: number;
}

export interface EngineOptions {
  config: IkeConfig;
  random: RandomSource;
  /** Clock in ms, read when datagrams and commands arrive. Without it, the time last passed to tick() is used. */
  now?: () => number;
  retransmit?: Partial<RetransmitOptions>;
  /** Half-open (responder, pre-IKE_AUTH) SAs allowed at once, and how long they live (ms). */
  maxHalfOpen?: number;
  halfOpenTimeout?: number;
  maxIkeSas?: number;
  /** Half-open SAs from which on IKE_SA_INIT requests must carry a COOKIE (RFC 7296 2.6). Default 10. */
  cookieThreshold?: number;
  /** Largest IP datagram for IKE messages after IKE_SA_INIT; bigger ones are fragmented (RFC 7383). Default 1280. */
  fragmentSize?: number;
  /**
   * Always use UDP encapsulation for ESP, as if we were behind a NAT (strongSwan's encap=yes): for a data plane that
   * carries ESP only in UDP (our userspace backend).
   */
  forceEncap?: boolean;
}

export type Command =
  | { type: 'initiate'; peer: string; local?: Endpoint }
  | { type: 'terminate'; peer?: string; ikeSa?: number }
  | { type: 'rekey-child'; ikeSa: number; child: number }
  /** Delete one CHILD_SA (INFORMATIONAL DELETE), keeping the IKE SA: RouterOS "installed-sa flush". */
  | { type: 'delete-child'; ikeSa: number; child: number }
  | { type: 'rekey-ike'; ikeSa: number }
  | { type: 'dpd'; ikeSa: number };

export interface Datagram {
  /** Sender of the datagram (the peer). */
  from: Endpoint;
  /** Local address/port it arrived on. */
  to: Endpoint;
  data: Uint8Array;
}

export interface IkeSaInfo {
  id: number;
  peer: string;
  initiator: boolean;
  state: string;
  local: Endpoint;
  remote: Endpoint;
  spiI: string;
  spiR: string;
  /** Mode config: address assigned to the peer (responder) or to us (initiator). */
  virtualIp?: string;
  /** EAP: the user the peer authenticated as (responder) or we did (initiator). */
  eapUser?: string;
  children: { id: number; spiIn: number; spiOut: number; mode: string; tsLocal: string[]; tsRemote: string[] }[];
}

const NON_ESP_MARKER_PORT = 4500;

/** Shorter than a header, or its length field is not the datagram's length (RFC 7296 3.1). */
function lengthIsWrong(data: Uint8Array): boolean {
  return (
    data.length < HEADER_LENGTH ||
    new DataView(data.buffer, data.byteOffset, HEADER_LENGTH).getUint32(24) !== data.length
  );
}

export class IkeEngine {
  private config: IkeConfig;
  private readonly random: RandomSource;
  private readonly clock: (() => number) | undefined;
  private lastTick = 0;
  private readonly rt: RetransmitOptions;
  private readonly maxHalfOpen: number;
  private readonly halfOpenTimeout: number;
  private readonly maxIkeSas: number;
  private readonly cookies: CookieGate;
  private readonly fragmentSize: number;
  private readonly units: UnitRegistry = IKEV2_UNITS;
  private readonly sas = new Map<number, IkeSa>();
  private readonly byLocalSpi = new Map<string, IkeSa>();
  private readonly halfOpen = new Map<string, IkeSa>();
  /** Inbound SPIs of the installed CHILD_SAs. */
  private readonly espSpis = new Set<number>();
  private readonly leases = new AddressLeases();
  private nextIkeId = 1;
  private nextChildId = 1;
  private nextPolicyId = 1;
  private out: Action[] = [];
  private readonly ctx: Ctx;
  private readonly stats = emptyStatistics();
  /** IKEv1 (exchange-mode=main): its own SAs, the same Ctx and actions. */
  private readonly v1: V1Engine;

  constructor(opts: EngineOptions) {
    this.config = opts.config;
    this.random = opts.random;
    this.clock = opts.now;
    this.rt = { timeout: 4000, base: 1.8, tries: 5, ...opts.retransmit };
    this.maxHalfOpen = opts.maxHalfOpen ?? 1000;
    this.halfOpenTimeout = opts.halfOpenTimeout ?? 30_000;
    this.maxIkeSas = opts.maxIkeSas ?? 10_000;
    this.cookies = new CookieGate(this.random, opts.cookieThreshold ?? 10);
    this.fragmentSize = opts.fragmentSize ?? 1280;
    this.ctx = this.makeCtx(opts);
    this.v1 = new V1Engine(this.ctx);
  }

  // ------------------------------------------------------------------ inputs

  datagram(d: Datagram): Action[] {
    return this.run(() => this.onDatagram(d));
  }

  tick(now: number): Action[] {
    this.lastTick = now;
    return this.run(() => this.onTick());
  }

  command(c: Command): Action[] {
    return this.run(() => this.onCommand(c));
  }

  /**
   * Replace the configuration. Established IKE SAs take it as RouterOS applies changes (exchanges/config-change.ts);
   * SAs still being negotiated finish with the settings they started with.
   */
  setConfig(config: IkeConfig): Action[] {
    return this.run(() => {
      this.config = config;
      for (const sa of [...this.sas.values()]) if (sa.state === 'established' && sa.keys) applyConfig(this.ctx, sa);
    });
  }

  /** Snapshot of the IKE SAs and their CHILD_SAs, for status displays. */
  list(): IkeSaInfo[] {
    return [
      ...[...this.sas.values()].map((sa): IkeSaInfo => ({
        ...(sa.virtualIp ? { virtualIp: sa.virtualIp } : {}),
        ...(sa.eapUser ? { eapUser: sa.eapUser } : {}),
        id: sa.id,
        peer: sa.peerName,
        initiator: sa.initiator,
        state: sa.state,
        local: sa.local,
        remote: sa.remote,
        spiI: hex(sa.spiI),
        spiR: hex(sa.spiR),
        children: sa.children.map((c) => ({
          id: c.id,
          spiIn: spiNumber(c.spiIn),
          spiOut: spiNumber(c.spiOut),
          mode: c.mode,
          tsLocal: c.tsLocal.map(formatTs),
          tsRemote: c.tsRemote.map(formatTs),
        })),
      })),
      ...this.v1.list(),
    ];
  }

  /** Datagrams dropped so far, by reason. */
  statistics(): IkeStatistics {
    return { ...this.stats };
  }

  // ------------------------------------------------------------------ plumbing

  /** Count a dropped datagram and log why. */
  private drop(reason: DropReason, level: LogLevel, message: string, sa?: IkeSa): void {
    this.stats[reason]++;
    this.log(level, message, sa);
  }

  /** Monotonic: the later of the injected clock and the last tick(now). */
  private now(): number {
    return this.clock ? Math.max(this.clock(), this.lastTick) : this.lastTick;
  }

  private run(f: () => void): Action[] {
    this.out = [];
    try {
      f();
    } catch (e) {
      this.log('error', `internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
    const out = this.out;
    out.push({ type: 'nextTimer', at: this.nextTimer() });
    this.out = [];
    return out;
  }

  private log(level: LogLevel, message: string, sa?: IkeSa): void {
    this.out.push(
      sa
        ? { type: 'event', level, message: `[${sa.peerName} #${sa.id}] ${message}`, ikeSa: sa.id, peer: sa.peerName }
        : { type: 'event', level, message },
    );
  }

  private send(from: Endpoint, to: Endpoint, ike: Uint8Array): void {
    const marker = from.port === NON_ESP_MARKER_PORT || to.port === NON_ESP_MARKER_PORT;
    const data = marker ? new Uint8Array(4 + ike.length) : ike;
    if (marker) data.set(ike, 4);
    this.out.push({ type: 'send', from, to, data });
  }

  private state(sa: IkeSa): void {
    const a: IkeStateAction = {
      type: 'ikeSaState',
      ikeSa: sa.id,
      peer: sa.peerName,
      state: sa.state,
      local: sa.local,
      remote: sa.remote,
      spiI: hex(sa.spiI),
      spiR: hex(sa.spiR),
      initiator: sa.initiator,
    };
    if (sa.virtualIp) a.virtualIp = sa.virtualIp;
    if (sa.eapUser) a.eapUser = sa.eapUser;
    if (sa.remoteId) a.remoteId = sa.remoteId;
    this.out.push(a);
    if (sa.state === 'established' && sa.rekeyAt === undefined && sa.establishedAt !== undefined)
      scheduleIkeRekey(this.ctx, sa);
  }

  private jitter(): number {
    const b = this.random(4);
    return spiNumber(b) / 2 ** 32;
  }

  private localSpi(sa: IkeSa): Uint8Array {
    return sa.initiator ? sa.spiI : sa.spiR;
  }

  private halfOpenKey(spiI: Uint8Array, from: Endpoint): string {
    return `${hex(spiI)}/${from.address}/${from.port}`;
  }

  /** No longer half-open (IKE_AUTH arrived, or gone): by the key it was registered under, the peer may have moved since. */
  private forgetHalfOpen(sa: IkeSa): void {
    if (sa.halfOpenKey === undefined) return;
    if (this.halfOpen.get(sa.halfOpenKey) === sa) this.halfOpen.delete(sa.halfOpenKey);
    sa.halfOpenKey = undefined;
  }

  private makeCtx(opts: EngineOptions): Ctx {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      random: this.random,
      forceEncap: opts.forceEncap ?? false,
      get config() {
        return self.config;
      },
      now: () => this.now(),
      log: (level, message, sa) => this.log(level, message, sa),
      drop: (reason, level, message, sa) => this.drop(reason, level, message, sa),
      emit: (a) => this.out.push(a),
      request: (sa, exchange, payloads, what, onResponse, onTimeout, opts) =>
        this.request(sa, exchange, payloads, what, onResponse, onTimeout, opts),
      respond: (sa, req, payloads) => this.respond(sa, req, payloads),
      sendRaw: (from, to, data) => this.send(from, to, data),
      register: (sa) => this.register(sa),
      newIkeSaId: () => this.nextIkeId++,
      newChildId: () => this.nextChildId++,
      newEspSpi: () => this.newEspSpi(),
      installChild: (sa, child, keys) => this.installChild(sa, child, keys),
      removeChild: (sa, child, reason) => this.removeChild(sa, child, reason),
      destroy: (sa, reason) => this.destroy(sa, reason),
      adoptChildren: (from, to) => this.adoptChildren(from, to),
      initiate: (peer, local) => initiate(this.ctx, peer, local),
      allSas: () => [...this.sas.values()],
      jitter: () => this.jitter(),
      leases: this.leases,
    };
  }

  private register(sa: IkeSa): void {
    this.sas.set(sa.id, sa);
    this.byLocalSpi.set(hex(this.localSpi(sa)), sa);
    if (!sa.initiator && sa.state === 'init-done') {
      sa.halfOpenKey = this.halfOpenKey(sa.spiI, sa.remote);
      this.halfOpen.set(sa.halfOpenKey, sa);
    }
    this.state(sa);
  }

  /**
   * A random inbound SPI no installed CHILD_SA uses. It is taken (espSpis) only when its CHILD_SA is installed:
   * offers the peer refuses, proposals that do not match and SAs that die mid-exchange hold nothing.
   */
  private newEspSpi(): Uint8Array {
    for (;;) {
      const b = this.random(4);
      const n = spiNumber(b);
      if (n >= 256 && !this.espSpis.has(n)) return b; // 1..255 are reserved (RFC 4303)
    }
  }

  private envelope(sa: IkeSa, exchange: number, messageId: number, response: boolean) {
    return {
      spiI: sa.spiI,
      spiR: sa.spiR,
      exchange,
      messageId,
      flags: (sa.initiator ? Flags.INITIATOR : 0) | (response ? Flags.RESPONSE : 0),
    };
  }

  /** The message as datagrams: IKE_SA_INIT in clear, others sealed, fragmented when too big and negotiated (RFC 7383). */
  private protect(
    sa: IkeSa,
    exchange: number,
    messageId: number,
    response: boolean,
    payloads: Payload[],
  ): Uint8Array[] {
    const env = this.envelope(sa, exchange, messageId, response);
    if (exchange === ExchangeType.IKE_SA_INIT) return [serializeMessage({ ...env, payloads })];
    const keys = outKeys(sa);
    const whole = sealMessage(env, payloads, keys, this.random);
    const max = maxMessage(sa, this.fragmentSize, NON_ESP_MARKER_PORT);
    if (!sa.fragmentation || whole.length <= max) return [whole];
    return fragment(env, payloads, keys, this.random, max);
  }

  private request(
    sa: IkeSa,
    exchange: number,
    payloads: Payload[],
    what: string,
    onResponse: ResponseHandler,
    onTimeout?: () => void,
    opts: RequestOptions = {},
  ): void {
    if (sa.state === 'dead') return;
    if (sa.pending) {
      sa.queue.push(() => this.request(sa, exchange, payloads, what, onResponse, onTimeout, opts));
      return;
    }
    const messageId = sa.nextMsgId++;
    const packets = this.protect(sa, exchange, messageId, false, payloads);
    const now = this.now();
    const timeout = opts.timeout ?? this.rt.timeout;
    const pending: PendingRequest = {
      exchange,
      messageId,
      packets,
      timeout,
      base: opts.base ?? this.rt.base,
      tries: opts.tries ?? this.rt.tries,
      retransmits: 0,
      nextAt: now + timeout,
      onResponse,
      what,
    };
    if (onTimeout) pending.onTimeout = onTimeout;
    sa.pending = pending;
    if (packets.length > 1) this.log('debug', `${what}: sent in ${packets.length} fragments`, sa);
    for (const p of packets) this.send(sa.local, sa.remote, p);
  }

  private respond(sa: IkeSa, req: ParsedMessage, payloads: Payload[]): void {
    const packets = this.protect(sa, req.exchange, req.messageId, true, payloads);
    sa.lastResponse = { messageId: req.messageId, packets };
    for (const p of packets) this.send(sa.local, sa.remote, p);
  }

  /** Move the CHILD_SAs to the rekeyed IKE SA; the data plane keeps them as they are. */
  private adoptChildren(from: IkeSa, to: IkeSa): void {
    from.queue = [];
    for (const c of from.children) {
      if (c.state === 'rekeying') c.state = 'installed';
      c.peerRekey = undefined;
    }
    to.children.push(...from.children);
    from.children = [];
    from.peerRekey = undefined;
    this.out.push({
      type: 'ikeSaRekeyed',
      ikeSa: to.id,
      replaces: from.id,
      peer: to.peerName,
      children: to.children.map((c) => c.id),
    });
  }

  private installChild(
    sa: IkeSa,
    child: ChildSa,
    k: { encI: Uint8Array; integI: Uint8Array; encR: Uint8Array; integR: Uint8Array },
  ): void {
    // "Initiator" in 2.17 is the initiator of the exchange that created this CHILD_SA.
    const i = child.weInitiated;
    const mine = { enc: i ? k.encI : k.encR, integ: i ? k.integI : k.integR };
    const theirs = { enc: i ? k.encR : k.encI, integ: i ? k.integR : k.integI };
    const integ = child.suite.integ;
    const dir = (spi: Uint8Array, keys: { enc: Uint8Array; integ: Uint8Array }, src: Endpoint, dst: Endpoint) => ({
      spi: spiNumber(spi),
      encAlgorithm: child.suite.encr.name,
      encKey: keys.enc,
      ...(integ ? { integAlgorithm: integ.name, integKey: keys.integ } : {}),
      src: src.address,
      dst: dst.address,
    });
    this.espSpis.add(spiNumber(child.spiIn));
    const a: InstallSaAction = {
      type: 'installSa',
      ikeSa: sa.id,
      child: child.id,
      peer: sa.peerName,
      protocol: 'esp',
      mode: child.mode,
      esn: child.suite.esn,
      inbound: dir(child.spiIn, theirs, sa.remote, sa.local),
      outbound: dir(child.spiOut, mine, sa.local, sa.remote),
      tsLocal: child.tsLocal.map(tsRange),
      tsRemote: child.tsRemote.map(tsRange),
      lifetime: child.lifetime,
    };
    if (child.replaces !== undefined) a.replaces = child.replaces;
    if (sa.nat.local || sa.nat.remote) a.encap = { localPort: sa.local.port, remotePort: sa.remote.port };
    const entry = sa.rp.policies[child.policyIndex];
    const g = entry?.generated;
    if (g) {
      if (g.removed) this.announcePolicy(sa, entry, g);
      g.refs++;
      a.generatedPolicies = [...g.ids];
    } else if (entry?.policy.id !== undefined) a.policyId = entry.policy.id;
    this.out.push(a);
    // Rekey before the hard lifetime: the initiator of the IKE SA at 90%, the responder a little later to avoid collisions.
    child.rekeyAt = child.createdAt + child.lifetime * 1000 * (sa.initiator ? 0.9 : 0.95);
  }

  private removeChild(sa: IkeSa, child: ChildSa, reason: string): void {
    const i = sa.children.indexOf(child);
    if (i < 0) return;
    sa.children.splice(i, 1);
    this.espSpis.delete(spiNumber(child.spiIn));
    this.out.push({
      type: 'deleteSa',
      ikeSa: sa.id,
      child: child.id,
      peer: sa.peerName,
      inboundSpi: spiNumber(child.spiIn),
      outboundSpi: spiNumber(child.spiOut),
      reason,
    });
    this.log('info', `CHILD_SA #${child.id} deleted (${reason})`, sa);
    const g = sa.rp.policies[child.policyIndex]?.generated;
    if (g && !g.removed && --g.refs <= 0) {
      g.refs = 0;
      g.removed = true;
      for (const id of g.ids)
        this.out.push({ type: 'policyRemoved', policy: id, ikeSa: sa.id, peer: sa.peerName, reason });
      this.log(
        'info',
        `generated polic${g.ids.length === 1 ? 'y' : 'ies'} ${g.ids.map((x) => `#${x}`).join(', ')} removed`,
        sa,
      );
      g.ids = [];
    }
  }

  /** A generated policy goes live with its first CHILD_SA: one policyAdded per selector pair. */
  private announcePolicy(sa: IkeSa, entry: PolicyEntry, g: GeneratedPolicy): void {
    g.removed = false;
    g.ids = [];
    for (const row of generatedRows(g)) {
      const id = this.nextPolicyId++;
      g.ids.push(id);
      this.out.push({
        type: 'policyAdded',
        policy: id,
        ikeSa: sa.id,
        peer: sa.peerName,
        srcAddress: row.srcAddress,
        dstAddress: row.dstAddress,
        srcPort: row.srcPort,
        dstPort: row.dstPort,
        protocol: row.protocol,
        tunnel: entry.policy.tunnel !== false,
        level: g.level,
        proposal: entry.proposal.name,
        group: g.group,
        saSrc: sa.local.address,
        saDst: sa.remote.address,
      });
    }
  }

  private destroy(sa: IkeSa, reason: string): void {
    if (sa.state === 'dead') return;
    for (const c of [...sa.children]) this.removeChild(sa, c, reason);
    sa.state = 'dead';
    sa.pending = undefined;
    sa.queue = [];
    this.sas.delete(sa.id);
    const freed = this.leases.release(sa.id);
    if (freed) this.log('info', `pool lease ${freed} released`, sa);
    if (this.byLocalSpi.get(hex(this.localSpi(sa))) === sa) this.byLocalSpi.delete(hex(this.localSpi(sa)));
    this.forgetHalfOpen(sa);
    this.log('info', `IKE SA closed: ${reason}`, sa);
    this.state(sa);
  }

  // ------------------------------------------------------------------ datagrams

  private onDatagram(d: Datagram): void {
    let data = d.data;
    if (d.to.port === NON_ESP_MARKER_PORT || d.from.port === NON_ESP_MARKER_PORT) {
      if (data.length === 1 && data[0] === 0xff) return; // NAT keepalive (RFC 3948 2.3)
      if (data.length < 4)
        return this.drop('in-length-errors', 'debug', `runt datagram from ${d.from.address}:${d.from.port}`);
      if (!isZero(data.subarray(0, 4))) return; // ESP in UDP: not ours
      data = data.subarray(4);
    }
    // ISAKMP version 1.x (RFC 2408 3.1): the IKEv1 engine's
    if (data.length >= HEADER_LENGTH && (data[17] as number) >> 4 === 1) return this.v1.datagram(d.from, d.to, data);
    const parsed = parseMessage(data);
    if (!parsed.ok) {
      const e = parsed.error;
      this.drop(
        lengthIsWrong(data) ? 'in-length-errors' : 'in-header-errors',
        'debug',
        `dropping malformed message from ${d.from.address}:${d.from.port}: ${e.reason}`,
      );
      if (
        e.header &&
        e.notify === NotifyType.INVALID_MAJOR_VERSION &&
        e.header.exchange === ExchangeType.IKE_SA_INIT &&
        !isResponse(e.header)
      )
        this.send(
          d.to,
          d.from,
          serializeMessage({
            spiI: e.header.spiI,
            spiR: e.header.spiR,
            exchange: e.header.exchange,
            flags: Flags.RESPONSE,
            messageId: e.header.messageId,
            payloads: [notify(NotifyType.INVALID_MAJOR_VERSION)],
          }),
        );
      return;
    }
    const msg = parsed.value;
    const response = isResponse(msg);
    const opener = response ? undefined : this.units.opener(msg.exchange);
    if (opener) {
      if (!isInitiatorFlag(msg))
        return this.drop('in-header-errors', 'debug', `IKE_SA_INIT request from ${d.from.address} without the I flag`);
      const existing = this.halfOpen.get(this.halfOpenKey(msg.spiI, d.from));
      if (existing) {
        if (existing.lastResponse && existing.lastResponse.messageId === 0 && existing.state === 'init-done')
          for (const p of existing.lastResponse.packets) this.send(existing.local, existing.remote, p);
        return;
      }
      if (this.halfOpen.size >= this.maxHalfOpen || this.sas.size >= this.maxIkeSas)
        return this.drop('in-no-resources', 'warning', `too many IKE SAs; ignoring IKE_SA_INIT from ${d.from.address}`);
      if (!this.cookies.admits(this.ctx, msg, d.from, d.to, this.halfOpen.size)) return;
      return opener.open(this.ctx, msg, d.from, d.to);
    }
    const weAreResponder = isInitiatorFlag(msg);
    const ourSpi = weAreResponder ? msg.spiR : msg.spiI;
    const sa = this.byLocalSpi.get(hex(ourSpi));
    if (!sa || sa.initiator === weAreResponder)
      return this.drop('in-no-states', 'debug', `message for unknown IKE SA ${hex(msg.spiI)}/${hex(msg.spiR)} dropped`);
    const theirSpi = weAreResponder ? msg.spiI : msg.spiR;
    const knownTheirs = sa.initiator ? sa.spiR : sa.spiI;
    if (!(sa.initiator && sa.state === 'init-sent') && hex(theirSpi) !== hex(knownTheirs))
      return this.drop('in-state-mismatches', 'debug', 'SPI mismatch; dropped', sa);
    if (response) return this.onResponse(sa, msg, d);
    return this.onRequest(sa, msg, d);
  }

  private decrypt(sa: IkeSa, msg: ParsedMessage): Payload[] | undefined {
    if (msg.exchange === ExchangeType.IKE_SA_INIT) return msg.payloads;
    const last = msg.payloads[msg.payloads.length - 1];
    if (last && last.type === PayloadType.SKF && 'fragmentNumber' in last) return reassemble(this.ctx, sa, msg, last);
    try {
      return openMessage(msg, inKeys(sa));
    } catch (e) {
      const integrity = !(e instanceof ParseError) || e.notify === 0;
      this.drop(
        integrity ? 'in-integrity-errors' : 'in-header-errors',
        e instanceof ParseError && e.notify === 0 ? 'warning' : 'debug',
        `cannot open message ${msg.messageId}: ${(e as Error).message}; dropped`,
        sa,
      );
      return undefined;
    }
  }

  private onResponse(sa: IkeSa, msg: ParsedMessage, d: Datagram): void {
    const p = sa.pending;
    if (!p || p.messageId !== msg.messageId || p.exchange !== msg.exchange)
      return this.drop('in-sequence-errors', 'debug', `unexpected response ${msg.messageId}; dropped`, sa);
    const payloads = this.decrypt(sa, msg);
    if (!payloads) return;
    sa.pending = undefined;
    sa.lastHeard = this.now();
    this.followPeer(sa, d);
    p.onResponse(msg, payloads);
    if (sa.state !== 'dead') this.state(sa);
    this.pump(sa);
  }

  private pump(sa: IkeSa): void {
    while (!sa.pending && sa.queue.length && sa.state !== 'dead') sa.queue.shift()?.();
  }

  private followPeer(sa: IkeSa, d: Datagram): void {
    // After NAT detection the peer's address/port may change (RFC 7296 2.23); follow authenticated messages.
    if ((sa.nat.local || sa.nat.remote) && (d.from.address !== sa.remote.address || d.from.port !== sa.remote.port)) {
      sa.remote = d.from;
      sa.local = d.to;
    }
  }

  private onRequest(sa: IkeSa, msg: ParsedMessage, d: Datagram): void {
    if (sa.lastResponse && msg.messageId === sa.lastResponse.messageId && msg.messageId === sa.peerMsgId - 1) {
      const last = msg.payloads[msg.payloads.length - 1];
      // answer once per retransmission (RFC 7383 2.6.1)
      if (last && last.type === PayloadType.SKF && 'fragmentNumber' in last && last.fragmentNumber !== 1) return;
      this.log('debug', `retransmitted request ${msg.messageId}: resending our response`, sa);
      for (const p of sa.lastResponse.packets) this.send(sa.local, sa.remote, p);
      return;
    }
    if (msg.messageId !== sa.peerMsgId)
      return this.drop(
        'in-sequence-errors',
        'debug',
        `request with message ID ${msg.messageId}, expected ${sa.peerMsgId}; dropped`,
        sa,
      );
    const payloads = this.decrypt(sa, msg);
    if (!payloads || !sa.keys) return; // a request opens only under the SA's keys
    sa.peerMsgId++;
    sa.lastHeard = this.now();
    if (d.to.port === NON_ESP_MARKER_PORT && (sa.local.port !== d.to.port || sa.remote.port !== d.from.port)) {
      sa.local = d.to;
      sa.remote = d.from;
    } else this.followPeer(sa, d);
    const unit = this.units.forRequest(msg.exchange, payloads);
    if (!unit) this.respond(sa, msg, [notify(NotifyType.INVALID_SYNTAX)]);
    else if (!unit.states.includes(sa.state)) return this.respond(sa, msg, [...unit.refusal]);
    else {
      // A request a unit takes under the SA's keys (IKE_AUTH): the SA is no longer half-open.
      this.forgetHalfOpen(sa);
      unit.respond(this.ctx, sa, msg, payloads);
    }
    if (sa.state !== 'dead') this.state(sa);
  }

  // ------------------------------------------------------------------ commands

  private onCommand(c: Command): void {
    switch (c.type) {
      case 'initiate':
        if (this.config.peers.find((p) => p.name === c.peer)?.['exchange-mode'] === 'main')
          return this.v1.initiate(c.peer, c.local);
        return initiate(this.ctx, c.peer, c.local);
      case 'terminate': {
        this.v1.terminate(c);
        const targets = [...this.sas.values()].filter((sa) =>
          c.ikeSa !== undefined ? sa.id === c.ikeSa : c.peer !== undefined ? sa.peerName === c.peer : true,
        );
        for (const sa of targets) {
          if (sa.state === 'established') sendDeleteIke(this.ctx, sa, 'terminated by command');
          else this.destroy(sa, 'terminated by command');
        }
        return;
      }
      case 'rekey-child': {
        const sa = this.sas.get(c.ikeSa);
        const child = sa?.children.find((x) => x.id === c.child);
        if (!sa || !child || sa.state !== 'established')
          return this.log('warning', `no established CHILD_SA #${c.child} on IKE SA #${c.ikeSa}`);
        return rekeyChild(this.ctx, sa, child);
      }
      case 'delete-child': {
        const sa = this.sas.get(c.ikeSa);
        const child = sa?.children.find((x) => x.id === c.child);
        if (!sa || !child || sa.state !== 'established')
          return this.log('warning', `no established CHILD_SA #${c.child} on IKE SA #${c.ikeSa}`);
        // already on its way out (a config change deletes it too): one DELETE is enough
        if (child.state === 'deleting') return;
        return sendDeleteChild(this.ctx, sa, child, 'deleted by command');
      }
      case 'rekey-ike': {
        const sa = this.sas.get(c.ikeSa);
        if (!sa || sa.state !== 'established') return this.log('warning', `no established IKE SA #${c.ikeSa}`);
        return rekeyIke(this.ctx, sa);
      }
      case 'dpd': {
        const sa = this.sas.get(c.ikeSa);
        if (sa?.state === 'established') sendDpd(this.ctx, sa);
        return;
      }
    }
  }

  // ------------------------------------------------------------------ timers

  private onTick(): void {
    const now = this.now();
    this.v1.tick(now);
    for (const sa of [...this.sas.values()]) {
      const p = sa.pending;
      if (p && p.nextAt <= now) {
        if (p.retransmits >= p.tries) {
          sa.pending = undefined;
          this.log('warning', `${p.what}: no response after ${p.retransmits} retransmissions`, sa);
          if (p.onTimeout) p.onTimeout();
          else this.destroy(sa, 'peer not responding');
          continue;
        }
        p.retransmits++;
        p.nextAt = now + p.timeout * Math.pow(p.base, p.retransmits);
        this.log('debug', `retransmitting ${p.what} (${p.retransmits}/${p.tries})`, sa);
        for (const packet of p.packets) this.send(sa.local, sa.remote, packet);
      }
      if (sa.state === 'init-done' && now - sa.createdAt >= this.halfOpenTimeout) {
        this.destroy(sa, 'half-open IKE SA timed out');
        continue;
      }
      if (!sa.keys) continue; // an initiator waiting for IKE_SA_INIT has only its retransmissions
      // Each unit's timer, in order, with the SA as the previous one left it.
      for (const t of this.units.timers) {
        const due = t.due(sa, now);
        if (due !== undefined && due <= now && t.fire(this.ctx, sa, now)) break;
      }
    }
  }

  private nextTimer(): number | null {
    const now = this.now();
    let at = this.v1.nextTimer();
    for (const sa of this.sas.values()) {
      if (sa.pending) at = Math.min(at, sa.pending.nextAt);
      if (sa.state === 'init-done') at = Math.min(at, sa.createdAt + this.halfOpenTimeout);
      if (sa.keys) for (const t of this.units.timers) at = Math.min(at, t.due(sa, now) ?? Infinity);
    }
    return at === Infinity ? null : at;
  }
}

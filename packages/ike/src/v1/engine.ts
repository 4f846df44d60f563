// IKEv1 for the one IKE engine: main mode with pre-shared keys (RFC 2409 5.4) and quick mode (5.5), sans-IO.
// IkeEngine hands it every datagram whose ISAKMP version is 1.x, the `initiate` of peers whose exchange-mode is
// main, its ticks, and lends it its Ctx: the same actions (send, installSa, deleteSa, ikeSaState, event) leave it,
// so the agent, Active Peers and the data plane need no version branches.
// IKEv1 has no message window: phase 1 is a lock-step of six messages under the cookies, each quick mode has its
// own random message ID and IV. The initiator of each exchange retransmits; the responder answers a repeated
// message with its last answer.
import { secretBytes } from '@ipsec/schema';
import type { IkeStateAction, InstallSaAction } from '../actions.ts';
import type { Ctx } from '../context.ts';
import type { IkeSaInfo } from '../engine.ts';
import { resolvePeer, type PeerConfig, type ResolvedPeer } from '../config.ts';
import { PayloadType } from '../codec/constants.ts';
import type { IdPayload } from '../codec/payloads/id.ts';
import type { TrafficSelector } from '../codec/payloads/ts.ts';
import type { DhKeyPair } from '../crypto/dh.ts';
import type { PrfAlg } from '../crypto/prf.ts';
import type { Endpoint } from '../ike-sa.ts';
import { formatTs, isSubset, selectorFor, tsRange } from '../ts.ts';
import { concat, equal, fromHex, hex, isZero } from '../util/bytes.ts';
import { compareBytes, inRange, parseIp, prefixRange } from '../util/ip.ts';
import { formatId, idFromConfig, remoteIdAccepted, spiNumber } from '../exchanges/common.ts';
import { natHash } from '../exchanges/nat-detection.ts';
import {
  parseV1Message,
  parseV1Payloads,
  serializeV1Body,
  serializeV1Header,
  serializeV1Message,
  serializeV1Payloads,
  type V1KnownPayload,
  type V1Message,
  type V1Payload,
  type V1Received,
} from './codec.ts';
import { DOI_IPSEC, SIT_IDENTITY_ONLY, V1Exchange, V1Flags, V1IdType, V1PayloadType, V1Protocol } from './constants.ts';
import {
  decryptChain,
  encryptChain,
  keymat,
  phase1Hash,
  phase1Iv,
  phase1Keys,
  phase2Iv,
  quickHash1,
  quickHash2,
  quickHash3,
  skeyidPsk,
  v1Prf,
  type Phase1Keys,
} from './keys.ts';
import {
  describePhase1,
  describePhase2,
  phase1Offer,
  phase1SuiteOf,
  phase2Offer,
  phase2SuiteOf,
  selectPhase1,
  selectPhase2,
  type Phase1Suite,
  type Phase2Suite,
} from './proposals.ts';

const NONCE_LEN = 32;
/** Vendor ID announcing RFC 3947 NAT traversal: MD5("RFC 3947"). */
const NATT_VID = fromHex('4a131c81070358455c5728f20e95452f');
const NATT_PORT = 4500;

const RETRANSMIT_MS = [4000, 7200, 13000, 23300, 42000];

type Phase1State = 'mm-sa' | 'mm-ke' | 'mm-auth' | 'established' | 'dead';

interface Retransmit {
  packet: Uint8Array;
  tries: number;
  nextAt: number;
  what: string;
}

interface V1Child {
  id: number;
  policyIndex: number;
  spiIn: Uint8Array;
  spiOut: Uint8Array;
  suite: Phase2Suite;
  mode: 'tunnel' | 'transport';
  tsLocal: TrafficSelector;
  tsRemote: TrafficSelector;
  createdAt: number;
}

/** One quick mode exchange in progress, by its message ID. */
interface QuickMode {
  messageId: number;
  initiator: boolean;
  iv: Uint8Array;
  policyIndex: number;
  ni: Uint8Array;
  nr?: Uint8Array;
  spiIn: Uint8Array;
  dh?: DhKeyPair;
  offer?: Uint8Array[];
  tsLocal: TrafficSelector;
  tsRemote: TrafficSelector;
  transport: boolean;
  /** Responder: the child installed once HASH(3) arrives. */
  answer?: { suite: Phase2Suite; spiOut: Uint8Array; pfsSecret?: Uint8Array };
  retransmit?: Retransmit;
  lastIn?: Uint8Array;
  lastOut?: Uint8Array;
}

interface V1Sa {
  id: number;
  peerName: string;
  rp: ResolvedPeer;
  initiator: boolean;
  ckyI: Uint8Array;
  ckyR: Uint8Array;
  local: Endpoint;
  remote: Endpoint;
  state: Phase1State;
  dh?: DhKeyPair;
  ni?: Uint8Array;
  nr?: Uint8Array;
  gxi?: Uint8Array;
  gxr?: Uint8Array;
  /** The initiator's SA payload body as sent: HASH_I/HASH_R cover it. */
  saiBody?: Uint8Array;
  suite?: Phase1Suite;
  prf?: PrfAlg;
  keys?: Phase1Keys;
  /** Phase 1 CBC chain; after message 6, the last block every phase 2 IV is derived from. */
  iv?: Uint8Array;
  retransmit?: Retransmit;
  lastIn?: Uint8Array;
  lastOut?: Uint8Array;
  quick: Map<number, QuickMode>;
  children: V1Child[];
  /** Both sent the RFC 3947 vendor ID: NAT-D in messages 3 and 4. */
  natT: boolean;
  /** NAT between us (from NAT-D, or forced): ports float to 4500 and ESP goes in UDP. */
  nat: { local: boolean; remote: boolean };
  remoteId?: string;
  createdAt: number;
  establishedAt?: number;
}

type Keyed = V1Sa & { suite: Phase1Suite; prf: PrfAlg; keys: Phase1Keys; iv: Uint8Array };

function isKeyed(sa: V1Sa): sa is Keyed {
  return sa.suite !== undefined && sa.prf !== undefined && sa.keys !== undefined && sa.iv !== undefined;
}

function find<T extends number>(
  payloads: readonly V1Received[],
  type: T,
): Extract<V1KnownPayload, { type: T }> | undefined {
  const r = payloads.find((p) => p.payload.type === type && !('other' in p.payload));
  return r?.payload as Extract<V1KnownPayload, { type: T }> | undefined;
}

/** The IKEv1 peer for an address: exchange-mode main, most specific prefix first (RouterOS picks peers by address). */
function peerForAddress(peers: readonly PeerConfig[], remote: string): PeerConfig | undefined {
  const ip = parseIp(remote);
  if (!ip) return undefined;
  let best: PeerConfig | undefined;
  let bestLen = -1;
  for (const p of peers) {
    if (p.disabled || (p['exchange-mode'] ?? 'ike2') !== 'main') continue; // unset is ike2, as findPeerForAddress reads it
    const r = prefixRange(p.address);
    if (!r || !inRange(ip, r)) continue;
    const len = p.address.includes('/') ? Number(p.address.split('/')[1]) : ip.length * 8;
    if (len > bestLen) {
      best = p;
      bestLen = len;
    }
  }
  return best;
}

/** A phase 2 ID payload for a selector: a host address or a subnet (RFC 2407 4.6.2). */
function idForSelector(ts: TrafficSelector): V1Payload {
  const v4 = ts.startAddr.length === 4;
  const host = compareBytes(ts.startAddr, ts.endAddr) === 0;
  const port = ts.startPort === ts.endPort ? ts.startPort : 0;
  if (host)
    return {
      type: V1PayloadType.ID,
      idType: v4 ? V1IdType.IPV4_ADDR : V1IdType.IPV6_ADDR,
      protocol: ts.protocol,
      port,
      data: ts.startAddr,
    };
  // start..end is a prefix's range here (policies are prefixes): the mask is start XNOR end
  const mask = ts.startAddr.map((s, i) => ~(s ^ (ts.endAddr[i] as number)) & 0xff);
  return {
    type: V1PayloadType.ID,
    idType: v4 ? V1IdType.IPV4_ADDR_SUBNET : V1IdType.IPV6_ADDR_SUBNET,
    protocol: ts.protocol,
    port,
    data: concat(ts.startAddr, mask),
  };
}

/** The selector a phase 2 ID payload names, or undefined for ID types that name no addresses. */
function selectorForId(id: Extract<V1KnownPayload, { type: 5 }>): TrafficSelector | undefined {
  const ports = id.port === 0 ? { startPort: 0, endPort: 65535 } : { startPort: id.port, endPort: id.port };
  const make = (start: Uint8Array, end: Uint8Array): TrafficSelector => ({
    tsType: start.length === 4 ? 7 : 8,
    protocol: id.protocol,
    ...ports,
    startAddr: start,
    endAddr: end,
  });
  const d = id.data;
  switch (id.idType) {
    case V1IdType.IPV4_ADDR:
    case V1IdType.IPV6_ADDR:
      return d.length === (id.idType === V1IdType.IPV4_ADDR ? 4 : 16) ? make(d, d) : undefined;
    case V1IdType.IPV4_ADDR_SUBNET:
    case V1IdType.IPV6_ADDR_SUBNET: {
      const n = id.idType === V1IdType.IPV4_ADDR_SUBNET ? 4 : 16;
      if (d.length !== 2 * n) return undefined;
      const addr = d.subarray(0, n);
      const mask = d.subarray(n);
      return make(
        addr.map((a, i) => a & (mask[i] as number)),
        addr.map((a, i) => (a & (mask[i] as number)) | (~(mask[i] as number) & 0xff)),
      );
    }
    case V1IdType.IPV4_ADDR_RANGE:
    case V1IdType.IPV6_ADDR_RANGE: {
      const n = id.idType === V1IdType.IPV4_ADDR_RANGE ? 4 : 16;
      return d.length === 2 * n ? make(d.slice(0, n), d.slice(n)) : undefined;
    }
    default:
      return undefined;
  }
}

export class V1Engine {
  private readonly sas = new Map<number, V1Sa>();
  /** By initiator cookie and remote address: phase 1 messages before the responder cookie is known. */
  private readonly byCookie = new Map<string, V1Sa>();

  constructor(private readonly ctx: Ctx) {}

  // ------------------------------------------------------------------ inputs from IkeEngine

  datagram(from: Endpoint, to: Endpoint, data: Uint8Array): void {
    const parsed = parseV1Message(data);
    if (!parsed.ok)
      return this.ctx.drop(
        'in-header-errors',
        'debug',
        `dropping malformed IKEv1 message from ${from.address}: ${parsed.error}`,
      );
    const msg = parsed.value;
    const sa = this.byCookie.get(this.cookieKey(msg.spiI, from.address));
    if (!sa) {
      if (msg.exchange === V1Exchange.MAIN && isZero(msg.spiR)) return this.respondToMainMode1(msg, from, to, data);
      return this.ctx.drop(
        'in-no-states',
        'debug',
        `IKEv1 message for unknown ISAKMP SA ${hex(msg.spiI)}/${hex(msg.spiR)} dropped`,
      );
    }
    if (!isZero(sa.ckyR) && !isZero(msg.spiR) && !equal(sa.ckyR, msg.spiR))
      return this.ctx.drop('in-state-mismatches', 'debug', 'IKEv1 responder cookie mismatch; dropped');
    if (msg.exchange === V1Exchange.MAIN) return this.onMainMode(sa, msg, data, from, to);
    if (msg.exchange === V1Exchange.QUICK && isKeyed(sa) && sa.state === 'established')
      return this.onQuickMode(sa, msg, data);
    if (msg.exchange === V1Exchange.INFORMATIONAL && isKeyed(sa) && sa.state === 'established')
      return this.onInformational(sa, msg);
    this.ctx.drop('in-state-mismatches', 'debug', `IKEv1 exchange ${msg.exchange} in state ${sa.state}; dropped`);
  }

  initiate(peerName: string, local?: Endpoint): void {
    const rp = resolvePeer(this.ctx.config, peerName);
    if (!rp) return this.ctx.log('error', `no peer ${peerName}`);
    const address = rp.peer.address.split('/')[0] ?? '';
    const localAddress = local?.address ?? rp.peer['local-address'];
    if (!localAddress) return this.ctx.log('error', `peer ${peerName}: IKEv1 needs a local-address to initiate`);
    const offer = phase1Offer(rp.profile);
    if (!offer.transforms.length)
      return this.ctx.log('error', `peer ${peerName}: profile ${rp.profile.name} offers nothing IKEv1 can use`);
    const sa = this.newSa(
      rp,
      true,
      this.ctx.random(8),
      new Uint8Array(8),
      local ?? { address: localAddress, port: 500 },
      {
        address,
        port: rp.peer.port ?? 500,
      },
    );
    const saPayload: V1Payload = {
      type: V1PayloadType.SA,
      doi: DOI_IPSEC,
      situation: SIT_IDENTITY_ONLY,
      proposals: [offer],
    };
    sa.saiBody = serializeV1Body(saPayload);
    this.log(sa, 'info', `initiating IKEv1 main mode to ${sa.remote.address}`);
    this.sendClear(sa, [saPayload, ...this.natVid(sa)], 'main mode 1/6');
  }

  terminate(filter: { peer?: string; ikeSa?: number }): void {
    for (const sa of [...this.sas.values()])
      if (
        filter.ikeSa !== undefined ? sa.id === filter.ikeSa : filter.peer === undefined || sa.peerName === filter.peer
      ) {
        if (isKeyed(sa) && sa.state === 'established') this.sendDeletes(sa);
        this.destroy(sa, 'terminated by command');
      }
  }

  owns(ikeSa: number): boolean {
    return this.sas.has(ikeSa);
  }

  tick(now: number): void {
    for (const sa of [...this.sas.values()]) {
      this.retry(sa, sa.retransmit, now, () => {
        this.log(sa, 'warning', `phase1 negotiation failed due to time up (${sa.retransmit?.what})`);
        this.destroy(sa, 'peer not responding');
      });
      for (const qm of [...sa.quick.values()])
        this.retry(sa, qm.retransmit, now, () => {
          this.log(sa, 'warning', 'phase2 negotiation failed due to time up');
          sa.quick.delete(qm.messageId);
        });
      if (sa.establishedAt !== undefined && sa.suite && now >= sa.establishedAt + sa.suite.lifetime * 1000)
        this.destroy(sa, 'phase 1 lifetime expired');
      for (const c of [...sa.children])
        if (now >= c.createdAt + c.suite.lifetime * 1000) this.removeChild(sa, c, 'phase 2 lifetime expired');
    }
  }

  nextTimer(): number {
    let at = Infinity;
    for (const sa of this.sas.values()) {
      if (sa.retransmit) at = Math.min(at, sa.retransmit.nextAt);
      for (const qm of sa.quick.values()) if (qm.retransmit) at = Math.min(at, qm.retransmit.nextAt);
      if (sa.establishedAt !== undefined && sa.suite) at = Math.min(at, sa.establishedAt + sa.suite.lifetime * 1000);
      for (const c of sa.children) at = Math.min(at, c.createdAt + c.suite.lifetime * 1000);
    }
    return at;
  }

  list(): IkeSaInfo[] {
    return [...this.sas.values()].map((sa) => ({
      id: sa.id,
      peer: sa.peerName,
      initiator: sa.initiator,
      state: sa.state,
      local: sa.local,
      remote: sa.remote,
      spiI: hex(sa.ckyI),
      spiR: hex(sa.ckyR),
      children: sa.children.map((c) => ({
        id: c.id,
        spiIn: spiNumber(c.spiIn),
        spiOut: spiNumber(c.spiOut),
        mode: c.mode,
        tsLocal: [formatTs(c.tsLocal)],
        tsRemote: [formatTs(c.tsRemote)],
      })),
    }));
  }

  // ------------------------------------------------------------------ plumbing

  private cookieKey(ckyI: Uint8Array, remote: string): string {
    return `${hex(ckyI)}/${remote}`;
  }

  private log(sa: V1Sa, level: 'debug' | 'info' | 'warning' | 'error', message: string): void {
    this.ctx.emit({
      type: 'event',
      level,
      message: `[${sa.peerName} #${sa.id}] ${message}`,
      ikeSa: sa.id,
      peer: sa.peerName,
    });
  }

  private newSa(
    rp: ResolvedPeer,
    initiator: boolean,
    ckyI: Uint8Array,
    ckyR: Uint8Array,
    local: Endpoint,
    remote: Endpoint,
  ): V1Sa {
    const now = this.ctx.now();
    const sa: V1Sa = {
      id: this.ctx.newIkeSaId(),
      peerName: rp.peer.name,
      rp,
      initiator,
      ckyI,
      ckyR,
      local,
      remote,
      state: 'mm-sa',
      quick: new Map(),
      children: [],
      natT: false,
      nat: { local: false, remote: false },
      createdAt: now,
    };
    this.sas.set(sa.id, sa);
    this.byCookie.set(this.cookieKey(ckyI, remote.address), sa);
    this.state(sa);
    return sa;
  }

  private state(sa: V1Sa): void {
    const a: IkeStateAction = {
      type: 'ikeSaState',
      ikeSa: sa.id,
      peer: sa.peerName,
      state: sa.state === 'established' || sa.state === 'dead' ? sa.state : `ike1 ${sa.state}`,
      local: sa.local,
      remote: sa.remote,
      spiI: hex(sa.ckyI),
      spiR: hex(sa.ckyR),
      initiator: sa.initiator,
      version: 1,
    };
    if (sa.remoteId) a.remoteId = sa.remoteId;
    this.ctx.emit(a);
  }

  private destroy(sa: V1Sa, reason: string): void {
    if (sa.state === 'dead') return;
    for (const c of [...sa.children]) this.removeChild(sa, c, reason);
    sa.state = 'dead';
    sa.retransmit = undefined;
    sa.quick.clear();
    this.sas.delete(sa.id);
    const key = this.cookieKey(sa.ckyI, sa.remote.address);
    if (this.byCookie.get(key) === sa) this.byCookie.delete(key);
    this.log(sa, 'info', `ISAKMP SA closed: ${reason}`);
    this.state(sa);
  }

  private retry(sa: V1Sa, r: Retransmit | undefined, now: number, giveUp: () => void): void {
    if (!r || r.nextAt > now) return;
    if (r.tries >= RETRANSMIT_MS.length) return giveUp();
    r.tries++;
    r.nextAt = now + (RETRANSMIT_MS[r.tries] ?? 42000);
    this.log(sa, 'debug', `retransmitting ${r.what} (${r.tries})`);
    this.ctx.sendRaw(sa.local, sa.remote, r.packet);
  }

  private transmit(sa: V1Sa, packet: Uint8Array, what: string, awaitAnswer: boolean, qm?: QuickMode): void {
    const r = awaitAnswer
      ? { packet, tries: 0, nextAt: this.ctx.now() + (RETRANSMIT_MS[0] as number), what }
      : undefined;
    if (qm) qm.retransmit = r;
    else sa.retransmit = r;
    this.ctx.sendRaw(sa.local, sa.remote, packet);
  }

  /** Main mode messages 1-4 go in clear. The initiator's wait for an answer; the responder's are kept for repeats. */
  private sendClear(sa: V1Sa, payloads: V1Payload[], what: string): void {
    const packet = serializeV1Message(
      { spiI: sa.ckyI, spiR: sa.ckyR, exchange: V1Exchange.MAIN, flags: 0, messageId: 0 },
      payloads,
    );
    if (!sa.initiator) sa.lastOut = packet;
    this.transmit(sa, packet, what, sa.initiator);
  }

  /** An encrypted message; `iv` is the chain's current IV, the returned one the next. */
  private seal(sa: Keyed, exchange: number, messageId: number, iv: Uint8Array, payloads: V1Payload[]) {
    const chain = concat(...serializeV1Payloads(payloads));
    const { ciphertext, nextIv } = encryptChain(sa.suite.cipher, sa.keys.encKey, iv, chain);
    const header = serializeV1Header(
      {
        spiI: sa.ckyI,
        spiR: sa.ckyR,
        nextPayload: payloads[0]?.type ?? 0,
        exchange,
        flags: V1Flags.ENCRYPTION,
        messageId,
      },
      ciphertext.length,
    );
    return { packet: concat(header, ciphertext), nextIv };
  }

  private open(sa: Keyed, msg: V1Message, iv: Uint8Array): { payloads: V1Received[]; nextIv: Uint8Array } | undefined {
    if (!(msg.flags & V1Flags.ENCRYPTION)) {
      this.ctx.drop('in-header-errors', 'warning', `[${sa.peerName} #${sa.id}] unencrypted message after phase 1 keys`);
      return undefined;
    }
    const d = decryptChain(sa.suite.cipher, sa.keys.encKey, iv, msg.body);
    const payloads = d.ok ? parseV1Payloads(d.value.plain, msg.nextPayload, true) : d;
    if (!payloads.ok || !d.ok) {
      this.ctx.drop(
        'in-integrity-errors',
        'warning',
        `[${sa.peerName} #${sa.id}] cannot decrypt message: ${payloads.ok ? 'bad padding' : payloads.error} (wrong pre-shared key?)`,
      );
      return undefined;
    }
    return { payloads: payloads.value, nextIv: d.value.nextIv };
  }

  /** Repeated datagram: resend our answer to it (RFC 2408 5.1: the answer, not a new exchange). */
  private repeated(
    lastIn: Uint8Array | undefined,
    lastOut: Uint8Array | undefined,
    data: Uint8Array,
    sa: V1Sa,
  ): boolean {
    if (!lastIn || !equal(lastIn, data)) return false;
    if (lastOut) this.ctx.sendRaw(sa.local, sa.remote, lastOut);
    return true;
  }

  private natVid(sa: V1Sa): V1Payload[] {
    return sa.rp.profile['nat-traversal'] ? [{ type: V1PayloadType.VID, data: NATT_VID }] : [];
  }

  private announcesNatT(sa: V1Sa, msg: V1Message): boolean {
    return (
      sa.rp.profile['nat-traversal'] &&
      msg.payloads.some(
        (p) => p.payload.type === V1PayloadType.VID && equal((p.payload as { data: Uint8Array }).data, NATT_VID),
      )
    );
  }

  /** Our NAT-D payloads: the peer's address first, then ours (random when forcing UDP encapsulation, as IKEv2 does). */
  private natD(sa: V1Sa): V1Payload[] {
    if (!sa.natT || !sa.suite) return [];
    const h = (ep: Endpoint) => natHash(sa.ckyI, sa.ckyR, ep, sa.suite!.hash);
    const ours = this.ctx.forceEncap ? this.ctx.random(h(sa.local).length) : h(sa.local);
    return [
      { type: V1PayloadType.NAT_D, data: h(sa.remote) },
      { type: V1PayloadType.NAT_D, data: ours },
    ];
  }

  /** Compare the peer's NAT-D with what we see (RFC 3947 3.2): the first names us, the others the peer. */
  private detectNat(sa: V1Sa, msg: V1Message): void {
    if (!sa.natT || !sa.suite) return;
    const d = msg.payloads
      .filter((p) => p.payload.type === V1PayloadType.NAT_D)
      .map((p) => (p.payload as { data: Uint8Array }).data);
    if (d.length < 2) return;
    const h = (ep: Endpoint) => natHash(sa.ckyI, sa.ckyR, ep, sa.suite!.hash);
    sa.nat.local = this.ctx.forceEncap || !equal(d[0] as Uint8Array, h(sa.local));
    sa.nat.remote = !d.slice(1).some((x) => equal(x, h(sa.remote)));
    if (sa.nat.local || sa.nat.remote)
      this.log(
        sa,
        'info',
        `NAT detected (${sa.nat.local ? 'us' : ''}${sa.nat.local && sa.nat.remote ? ', ' : ''}${sa.nat.remote ? 'peer' : ''}): UDP encapsulation`,
      );
  }

  private fail(sa: V1Sa, message: string): void {
    this.log(sa, 'error', message);
    this.destroy(sa, message);
  }

  // ------------------------------------------------------------------ main mode

  private respondToMainMode1(msg: V1Message, from: Endpoint, to: Endpoint, data: Uint8Array): void {
    const peer = peerForAddress(this.ctx.config.peers, from.address);
    if (!peer) {
      const v2 = this.ctx.config.peers.find((p) => !p.disabled && p['exchange-mode'] === 'ike2');
      return this.ctx.log(
        'warning',
        `peer ${from.address} speaks IKEv1 (main mode)` +
          (v2 ? `; no IKEv1 peer matches it (peer ${v2.name} is set to ike2)` : '; no IKEv1 peer matches it'),
      );
    }
    const rp = resolvePeer(this.ctx.config, peer.name);
    if (!rp) return;
    const saP = find(msg.payloads, V1PayloadType.SA);
    if (!saP) return this.ctx.log('warning', `IKEv1 main mode from ${from.address} without an SA payload; dropped`);
    const chosen = selectPhase1(saP.proposals, rp.profile);
    const sa = this.newSa(rp, false, msg.spiI, this.ctx.random(8), to, from);
    sa.lastIn = data;
    if (!chosen) {
      const theirs = saP.proposals
        .flatMap((p) => p.transforms)
        .map((t) => phase1SuiteOf(t))
        .map((s) => (s ? describePhase1(s) : 'unsupported'))
        .join(', ');
      return this.fail(
        sa,
        `no suitable proposal found: peer offers ${theirs || 'nothing'}; we accept ` +
          `${rp.profile['enc-algorithm'].join('|')}/${rp.profile['hash-algorithm']}/${rp.profile['dh-group'].join('|')}`,
      );
    }
    sa.suite = chosen.suite;
    sa.prf = v1Prf(chosen.suite.hash);
    sa.saiBody = serializeV1Body(saP);
    sa.dh = chosen.suite.dh.generate(this.ctx.random);
    sa.natT = this.announcesNatT(sa, msg);
    this.log(sa, 'info', `IKEv1 main mode from ${from.address}: ${describePhase1(chosen.suite)}`);
    this.sendClear(
      sa,
      [
        {
          type: V1PayloadType.SA,
          doi: DOI_IPSEC,
          situation: SIT_IDENTITY_ONLY,
          proposals: [{ ...chosen.proposal, transforms: [chosen.transform] }],
        },
        ...(sa.natT ? this.natVid(sa) : []),
      ],
      'main mode 2/6',
    );
  }

  private onMainMode(sa: V1Sa, msg: V1Message, data: Uint8Array, from: Endpoint, to: Endpoint): void {
    if (!sa.initiator && this.repeated(sa.lastIn, sa.lastOut, data, sa)) return;
    if (sa.initiator && sa.state === 'mm-sa') return this.initiatorGotSa(sa, msg);
    if (sa.initiator && sa.state === 'mm-ke') return this.initiatorGotKe(sa, msg);
    if (sa.initiator && sa.state === 'mm-auth' && isKeyed(sa)) return this.initiatorGotAuth(sa, msg);
    if (!sa.initiator && sa.state === 'mm-sa') return this.responderGotKe(sa, msg, data);
    if (!sa.initiator && sa.state === 'mm-auth' && isKeyed(sa)) return this.responderGotAuth(sa, msg, data, from, to);
    this.ctx.drop(
      'in-state-mismatches',
      'debug',
      `[${sa.peerName} #${sa.id}] main mode message in ${sa.state}; dropped`,
    );
  }

  private initiatorGotSa(sa: V1Sa, msg: V1Message): void {
    const saP = find(msg.payloads, V1PayloadType.SA);
    const t = saP?.proposals[0]?.transforms;
    const suite = t?.length === 1 && t[0] ? phase1SuiteOf(t[0]) : undefined;
    const offered = phase1Offer(sa.rp.profile).transforms.map((x) => phase1SuiteOf(x));
    if (!suite || !offered.some((o) => o && describePhase1(o) === describePhase1({ ...suite, lifetime: o.lifetime })))
      return this.fail(sa, 'main mode 2/6: the peer chose a transform we did not offer');
    if (isZero(msg.spiR)) return this.fail(sa, 'main mode 2/6 without a responder cookie');
    sa.ckyR = msg.spiR.slice();
    sa.suite = suite;
    sa.prf = v1Prf(suite.hash);
    sa.dh = suite.dh.generate(this.ctx.random);
    sa.ni = this.ctx.random(NONCE_LEN);
    sa.gxi = sa.dh.publicValue;
    sa.natT = this.announcesNatT(sa, msg);
    sa.state = 'mm-ke';
    this.log(sa, 'debug', `phase 1 suite ${describePhase1(suite)}`);
    this.sendClear(
      sa,
      [
        { type: V1PayloadType.KE, data: sa.dh.publicValue },
        { type: V1PayloadType.NONCE, data: sa.ni },
        ...this.natD(sa),
      ],
      'main mode 3/6',
    );
    this.state(sa);
  }

  /** Both sides once g^xy and the nonces are known: SKEYID and its children, and the first IV. */
  private deriveKeys(sa: V1Sa, peerKe: Uint8Array): boolean {
    const { suite, prf, dh, ni, nr } = sa;
    if (!suite || !prf || !dh || !ni || !nr) return false;
    const secret = dh.computeSecret(peerKe);
    if (!secret.ok) {
      this.fail(sa, `invalid KE from the peer: ${secret.error}`);
      return false;
    }
    const psk = secretBytes(sa.rp.identity?.secret ?? '');
    if (!psk.ok || psk.value.length === 0) {
      this.fail(sa, `peer ${sa.peerName}: identity has no usable pre-shared key${psk.ok ? '' : ` (${psk.error})`}`);
      return false;
    }
    const skeyid = skeyidPsk(prf, psk.value, ni, nr);
    sa.keys = phase1Keys(prf, skeyid, secret.value, sa.ckyI, sa.ckyR, suite.cipher.keyLen);
    sa.gxi = sa.initiator ? dh.publicValue : peerKe;
    sa.gxr = sa.initiator ? peerKe : dh.publicValue;
    sa.iv = phase1Iv(suite.hash, sa.gxi, sa.gxr, suite.cipher.blockLen);
    return true;
  }

  private ownId(sa: V1Sa): V1Payload | undefined {
    const id = idFromConfig(sa.rp.identity?.['my-id'], sa.local.address, PayloadType.IDi);
    if (!id.ok) {
      this.fail(sa, `my-id: ${id.error}`);
      return undefined;
    }
    // Phase 1 IDs carry UDP/500 (RFC 2407 4.6.2: zero or UDP/500)
    return { type: V1PayloadType.ID, idType: id.value.idType, protocol: 17, port: 500, data: id.value.data };
  }

  private responderGotKe(sa: V1Sa, msg: V1Message, data: Uint8Array): void {
    const ke = find(msg.payloads, V1PayloadType.KE);
    const nonce = find(msg.payloads, V1PayloadType.NONCE);
    if (!ke || !nonce || !sa.dh) return this.fail(sa, 'main mode 3/6 lacks KE or nonce');
    sa.ni = nonce.data;
    sa.nr = this.ctx.random(NONCE_LEN);
    if (!this.deriveKeys(sa, ke.data)) return;
    this.detectNat(sa, msg);
    sa.lastIn = data;
    sa.state = 'mm-auth';
    this.sendClear(
      sa,
      [
        { type: V1PayloadType.KE, data: sa.dh.publicValue },
        { type: V1PayloadType.NONCE, data: sa.nr },
        ...this.natD(sa),
      ],
      'main mode 4/6',
    );
    this.state(sa);
  }

  private initiatorGotKe(sa: V1Sa, msg: V1Message): void {
    const ke = find(msg.payloads, V1PayloadType.KE);
    const nonce = find(msg.payloads, V1PayloadType.NONCE);
    if (!ke || !nonce) return this.fail(sa, 'main mode 4/6 lacks KE or nonce');
    sa.nr = nonce.data;
    if (!this.deriveKeys(sa, ke.data) || !isKeyed(sa)) return;
    this.detectNat(sa, msg);
    // Behind a NAT, message 5 on goes to port 4500 with the non-ESP marker (RFC 3947 4)
    if ((sa.nat.local || sa.nat.remote) && sa.local.port !== NATT_PORT) {
      sa.local = { ...sa.local, port: NATT_PORT };
      sa.remote = { ...sa.remote, port: NATT_PORT };
    }
    const id = this.ownId(sa);
    if (!id) return;
    const hashI = this.authHash(sa, 'initiator', serializeV1Body(id));
    const { packet, nextIv } = this.seal(sa, V1Exchange.MAIN, 0, sa.iv, [
      id,
      { type: V1PayloadType.HASH, data: hashI },
    ]);
    sa.iv = nextIv;
    sa.state = 'mm-auth';
    this.transmit(sa, packet, 'main mode 5/6', true);
    this.state(sa);
  }

  private authHash(sa: Keyed, who: 'initiator' | 'responder', idBody: Uint8Array): Uint8Array {
    return phase1Hash(sa.prf, sa.keys.skeyid, who, {
      gxi: sa.gxi as Uint8Array,
      gxr: sa.gxr as Uint8Array,
      ckyI: sa.ckyI,
      ckyR: sa.ckyR,
      saiBody: sa.saiBody as Uint8Array,
      idBody,
    });
  }

  /** The peer's ID and HASH of message 5 or 6: the ID as remote-id wants it, the hash proving the key. */
  private verifyPeer(sa: Keyed, payloads: V1Received[], who: 'initiator' | 'responder'): boolean {
    const id = find(payloads, V1PayloadType.ID);
    const hash = find(payloads, V1PayloadType.HASH);
    if (!id || !hash) {
      this.fail(sa, `main mode ${who === 'initiator' ? 5 : 6}/6 lacks ID or HASH`);
      return false;
    }
    const asV2: IdPayload = { type: PayloadType.IDi, idType: id.idType, data: id.data };
    if (!equal(this.authHash(sa, who, serializeV1Body(id)), hash.data)) {
      this.fail(sa, `phase 1 hash from ${formatId(asV2)} does not verify (wrong pre-shared key?)`);
      return false;
    }
    if (!remoteIdAccepted(sa.rp.identity?.['remote-id'], asV2, sa.remote.address)) {
      this.fail(sa, `peer identity ${formatId(asV2)} does not match remote-id ${sa.rp.identity?.['remote-id']}`);
      return false;
    }
    sa.remoteId = formatId(asV2);
    return true;
  }

  private responderGotAuth(sa: Keyed, msg: V1Message, data: Uint8Array, from: Endpoint, to: Endpoint): void {
    const opened = this.open(sa, msg, sa.iv);
    if (!opened || !this.verifyPeer(sa, opened.payloads, 'initiator')) return;
    // the initiator floated to 4500 (or its NAT moved it): answer where the authenticated message came from
    sa.local = to;
    sa.remote = from;
    const id = this.ownId(sa);
    if (!id) return;
    const hashR = this.authHash(sa, 'responder', serializeV1Body(id));
    const { packet, nextIv } = this.seal(sa, V1Exchange.MAIN, 0, opened.nextIv, [
      id,
      { type: V1PayloadType.HASH, data: hashR },
    ]);
    sa.iv = nextIv;
    sa.lastIn = data;
    sa.lastOut = packet;
    this.transmit(sa, packet, 'main mode 6/6', false);
    this.established(sa);
  }

  private initiatorGotAuth(sa: Keyed, msg: V1Message): void {
    const opened = this.open(sa, msg, sa.iv);
    if (!opened || !this.verifyPeer(sa, opened.payloads, 'responder')) return;
    sa.iv = opened.nextIv;
    sa.retransmit = undefined;
    this.established(sa);
    for (const [i] of sa.rp.policies.entries()) this.startQuickMode(sa, i);
  }

  private established(sa: Keyed): void {
    sa.state = 'established';
    sa.establishedAt = this.ctx.now();
    this.log(sa, 'info', `ISAKMP SA established with ${sa.remoteId} (${describePhase1(sa.suite)})`);
    this.state(sa);
  }

  // ------------------------------------------------------------------ informational (RFC 2409 5.7)

  /** One protected informational message: its own message ID and IV, HASH(1) over the rest; not retransmitted. */
  private sendInformational(sa: Keyed, payloads: V1Payload[]): void {
    const messageId = this.newMessageId(sa);
    const iv = phase2Iv(sa.suite.hash, sa.iv, messageId, sa.suite.cipher.blockLen);
    const hash = quickHash1(sa.prf, sa.keys.a, messageId, concat(...serializeV1Payloads(payloads)));
    const { packet } = this.seal(sa, V1Exchange.INFORMATIONAL, messageId, iv, [
      { type: V1PayloadType.HASH, data: hash },
      ...payloads,
    ]);
    this.ctx.sendRaw(sa.local, sa.remote, packet);
  }

  /** DELETE for each IPsec SA (our inbound SPIs), then for the ISAKMP SA (its cookies, RFC 2408 3.15). */
  private sendDeletes(sa: Keyed): void {
    for (const c of sa.children)
      this.sendInformational(sa, [
        { type: V1PayloadType.DELETE, doi: DOI_IPSEC, protocol: V1Protocol.ESP, spiSize: 4, spis: [c.spiIn] },
      ]);
    this.sendInformational(sa, [
      {
        type: V1PayloadType.DELETE,
        doi: DOI_IPSEC,
        protocol: V1Protocol.ISAKMP,
        spiSize: 16,
        spis: [concat(sa.ckyI, sa.ckyR)],
      },
    ]);
  }

  private onInformational(sa: Keyed, msg: V1Message): void {
    const iv = phase2Iv(sa.suite.hash, sa.iv, msg.messageId, sa.suite.cipher.blockLen);
    const opened = this.open(sa, msg, iv);
    if (!opened) return;
    const h = this.hashAndRest(opened.payloads);
    if (!h || !equal(h.hash, quickHash1(sa.prf, sa.keys.a, msg.messageId, h.after)))
      return this.log(sa, 'warning', 'informational message without a valid HASH(1); dropped');
    for (const r of opened.payloads) {
      const p = r.payload;
      if ('other' in p || p.type !== V1PayloadType.DELETE) continue;
      if (p.protocol === V1Protocol.ISAKMP && p.spis.some((s) => equal(s, concat(sa.ckyI, sa.ckyR))))
        return this.destroy(sa, 'deleted by peer');
      if (p.protocol === V1Protocol.ESP)
        for (const c of sa.children.filter((x) => p.spis.some((s) => equal(s, x.spiOut))))
          this.removeChild(sa, c, 'deleted by peer');
    }
  }

  // ------------------------------------------------------------------ quick mode

  private newMessageId(sa: V1Sa): number {
    for (;;) {
      const id = spiNumber(this.ctx.random(4));
      if (id !== 0 && !sa.quick.has(id)) return id;
    }
  }

  private startQuickMode(sa: Keyed, policyIndex: number): void {
    const entry = sa.rp.policies[policyIndex];
    if (!entry) return;
    const local = selectorFor(
      entry.policy['src-address'] ?? '0.0.0.0/0',
      entry.policy['src-port'],
      entry.policy.protocol,
    );
    const remote = selectorFor(
      entry.policy['dst-address'] ?? '0.0.0.0/0',
      entry.policy['dst-port'],
      entry.policy.protocol,
    );
    if (!local || !remote) return this.log(sa, 'error', `policy #${policyIndex}: bad src-address/dst-address`);
    const transport = entry.policy.tunnel === false;
    const spiIn = this.ctx.newEspSpi();
    const offer = phase2Offer(entry.proposal, spiIn, transport, sa.nat.local || sa.nat.remote);
    if (!offer.transforms.length)
      return this.log(sa, 'error', `proposal ${entry.proposal.name} offers nothing IKEv1 can use`);
    const messageId = this.newMessageId(sa);
    const pfs = entry.proposal['pfs-group'];
    const qm: QuickMode = {
      messageId,
      initiator: true,
      iv: phase2Iv(sa.suite.hash, sa.iv, messageId, sa.suite.cipher.blockLen),
      policyIndex,
      ni: this.ctx.random(NONCE_LEN),
      spiIn,
      tsLocal: local,
      tsRemote: remote,
      transport,
    };
    const group = pfs === 'none' ? undefined : offer.transforms[0]?.attributes.find((a) => a.type === 3)?.value;
    if (group !== undefined) {
      const impl = phase2SuiteOf(offer.transforms[0]!)?.dh;
      if (impl) qm.dh = impl.generate(this.ctx.random);
    }
    const rest: V1Payload[] = [
      { type: V1PayloadType.SA, doi: DOI_IPSEC, situation: SIT_IDENTITY_ONLY, proposals: [offer] },
      { type: V1PayloadType.NONCE, data: qm.ni },
      ...(qm.dh ? [{ type: V1PayloadType.KE, data: qm.dh.publicValue } as V1Payload] : []),
      idForSelector(local),
      idForSelector(remote),
    ];
    const hash1 = quickHash1(sa.prf, sa.keys.a, messageId, concat(...serializeV1Payloads(rest)));
    const { packet, nextIv } = this.seal(sa, V1Exchange.QUICK, messageId, qm.iv, [
      { type: V1PayloadType.HASH, data: hash1 },
      ...rest,
    ]);
    qm.iv = nextIv;
    sa.quick.set(messageId, qm);
    this.log(sa, 'info', `quick mode for ${formatTs(local)} === ${formatTs(remote)}`);
    this.transmit(sa, packet, 'quick mode 1/3', true, qm);
  }

  /** HASH first, its value over what follows (RFC 2409 5.5). */
  private hashAndRest(payloads: V1Received[]): { hash: Uint8Array; after: Uint8Array } | undefined {
    const first = payloads[0]?.payload;
    if (!first || 'other' in first || first.type !== V1PayloadType.HASH) return undefined;
    return { hash: first.data, after: concat(...payloads.slice(1).map((p) => p.raw)) };
  }

  private onQuickMode(sa: Keyed, msg: V1Message, data: Uint8Array): void {
    const qm = sa.quick.get(msg.messageId);
    if (qm && !qm.initiator && this.repeated(qm.lastIn, qm.lastOut, data, sa)) return;
    if (!qm) return this.quickResponder(sa, msg, data);
    const opened = this.open(sa, msg, qm.iv);
    if (!opened) return;
    const h = this.hashAndRest(opened.payloads);
    if (qm.initiator) {
      if (!h || !equal(h.hash, quickHash2(sa.prf, sa.keys.a, qm.messageId, qm.ni, h.after)))
        return this.log(sa, 'warning', 'quick mode 2/3: HASH(2) does not verify; dropped');
      qm.iv = opened.nextIv;
      return this.quickInitiatorDone(sa, qm, opened.payloads);
    }
    if (!h || !qm.answer || !qm.nr || !equal(h.hash, quickHash3(sa.prf, sa.keys.a, qm.messageId, qm.ni, qm.nr)))
      return this.log(sa, 'warning', 'quick mode 3/3: HASH(3) does not verify; dropped');
    sa.quick.delete(qm.messageId);
    this.installChild(sa, qm, qm.answer.suite, qm.answer.spiOut, qm.answer.pfsSecret);
  }

  private quickResponder(sa: Keyed, msg: V1Message, data: Uint8Array): void {
    const iv = phase2Iv(sa.suite.hash, sa.iv, msg.messageId, sa.suite.cipher.blockLen);
    const opened = this.open(sa, msg, iv);
    if (!opened) return;
    const h = this.hashAndRest(opened.payloads);
    if (!h || !equal(h.hash, quickHash1(sa.prf, sa.keys.a, msg.messageId, h.after)))
      return this.log(sa, 'warning', 'quick mode 1/3: HASH(1) does not verify; dropped');
    const p = opened.payloads;
    const saP = find(p, V1PayloadType.SA);
    const nonce = find(p, V1PayloadType.NONCE);
    const ke = find(p, V1PayloadType.KE);
    const ids = p
      .filter((r) => r.payload.type === V1PayloadType.ID)
      .map((r) => r.payload as Extract<V1KnownPayload, { type: 5 }>);
    if (!saP || !nonce) return this.log(sa, 'warning', 'quick mode 1/3 lacks SA or nonce; dropped');
    // Without IDs, the selectors are the two hosts (RFC 2409 5.5)
    const hostOf = (e: Endpoint) => selectorFor(e.address, undefined, undefined);
    const peerSide = ids[0] ? selectorForId(ids[0]) : hostOf(sa.remote);
    const ourSide = ids[1] ? selectorForId(ids[1]) : hostOf(sa.local);
    if (!peerSide || !ourSide) return this.log(sa, 'warning', 'quick mode 1/3: IDs that name no addresses; dropped');
    const index = sa.rp.policies.findIndex((e) => {
      const local = selectorFor(e.policy['src-address'] ?? '0.0.0.0/0', e.policy['src-port'], e.policy.protocol);
      const remote = selectorFor(e.policy['dst-address'] ?? '0.0.0.0/0', e.policy['dst-port'], e.policy.protocol);
      return local && remote && isSubset(ourSide, local) && isSubset(peerSide, remote);
    });
    const entry = sa.rp.policies[index];
    if (!entry)
      return this.log(
        sa,
        'error',
        `quick mode: no policy for ${formatTs(ourSide)} === ${formatTs(peerSide)}; phase 2 refused`,
      );
    const chosen = selectPhase2(saP.proposals, entry.proposal);
    if (!chosen) {
      const theirs = saP.proposals
        .flatMap((x) => x.transforms)
        .map((t) => phase2SuiteOf(t))
        .map((s) => (s ? describePhase2(s) : 'unsupported'))
        .join(', ');
      return this.log(
        sa,
        'error',
        `no suitable proposal found for phase 2: peer offers ${theirs}; proposal ${entry.proposal.name} allows ${entry.proposal['enc-algorithms'].join('|')}/${entry.proposal['auth-algorithms'].join('|')}/pfs ${entry.proposal['pfs-group']}`,
      );
    }
    if (chosen.suite.dh && !ke) return this.log(sa, 'error', 'quick mode 1/3: PFS group without KE; refused');
    let pfsSecret: Uint8Array | undefined;
    let dh: DhKeyPair | undefined;
    if (chosen.suite.dh && ke) {
      dh = chosen.suite.dh.generate(this.ctx.random);
      const s = dh.computeSecret(ke.data);
      if (!s.ok) return this.log(sa, 'error', `quick mode: invalid KE: ${s.error}`);
      pfsSecret = s.value;
    }
    const spiIn = this.ctx.newEspSpi();
    const qm: QuickMode = {
      messageId: msg.messageId,
      initiator: false,
      iv: opened.nextIv,
      policyIndex: index,
      ni: nonce.data,
      nr: this.ctx.random(NONCE_LEN),
      spiIn,
      tsLocal: ourSide,
      tsRemote: peerSide,
      transport: chosen.suite.transport,
      answer: { suite: chosen.suite, spiOut: chosen.proposal.spi, ...(pfsSecret ? { pfsSecret } : {}) },
      lastIn: data,
    };
    const rest: V1Payload[] = [
      {
        type: V1PayloadType.SA,
        doi: DOI_IPSEC,
        situation: SIT_IDENTITY_ONLY,
        proposals: [{ ...chosen.proposal, spi: spiIn, transforms: [chosen.transform] }],
      },
      { type: V1PayloadType.NONCE, data: qm.nr as Uint8Array },
      ...(dh ? [{ type: V1PayloadType.KE, data: dh.publicValue } as V1Payload] : []),
      ...ids.map((x) => x as V1Payload),
    ];
    const hash2 = quickHash2(sa.prf, sa.keys.a, qm.messageId, qm.ni, concat(...serializeV1Payloads(rest)));
    const { packet, nextIv } = this.seal(sa, V1Exchange.QUICK, qm.messageId, qm.iv, [
      { type: V1PayloadType.HASH, data: hash2 },
      ...rest,
    ]);
    qm.iv = nextIv;
    qm.lastOut = packet;
    sa.quick.set(qm.messageId, qm);
    this.log(
      sa,
      'info',
      `quick mode from peer: ${describePhase2(chosen.suite)} for ${formatTs(ourSide)} === ${formatTs(peerSide)}`,
    );
    this.transmit(sa, packet, 'quick mode 2/3', false, qm);
  }

  private quickInitiatorDone(sa: Keyed, qm: QuickMode, p: V1Received[]): void {
    const saP = find(p, V1PayloadType.SA);
    const nonce = find(p, V1PayloadType.NONCE);
    const ke = find(p, V1PayloadType.KE);
    const answer = saP?.proposals[0];
    const t = answer?.transforms.length === 1 ? answer.transforms[0] : undefined;
    const suite = t ? phase2SuiteOf(t) : undefined;
    const entry = sa.rp.policies[qm.policyIndex];
    sa.quick.delete(qm.messageId);
    if (!answer || !suite || !nonce || !entry || answer.spi.length !== 4)
      return this.log(sa, 'error', 'quick mode 2/3: no usable SA, SPI or nonce in the answer; phase 2 failed');
    const offered = phase2Offer(entry.proposal, qm.spiIn, qm.transport, true).transforms.map((x) => phase2SuiteOf(x));
    if (!offered.some((o) => o && o.encr === suite.encr && o.integ === suite.integ && o.dh === suite.dh))
      return this.log(sa, 'error', 'quick mode 2/3: the peer chose a transform we did not offer');
    let pfsSecret: Uint8Array | undefined;
    if (qm.dh) {
      if (!ke) return this.log(sa, 'error', 'quick mode 2/3: PFS without the peer KE');
      const s = qm.dh.computeSecret(ke.data);
      if (!s.ok) return this.log(sa, 'error', `quick mode 2/3: invalid KE: ${s.error}`);
      pfsSecret = s.value;
    }
    qm.nr = nonce.data;
    const hash3 = quickHash3(sa.prf, sa.keys.a, qm.messageId, qm.ni, qm.nr);
    const { packet } = this.seal(sa, V1Exchange.QUICK, qm.messageId, qm.iv, [
      { type: V1PayloadType.HASH, data: hash3 },
    ]);
    this.ctx.sendRaw(sa.local, sa.remote, packet);
    this.installChild(sa, qm, suite, answer.spi, pfsSecret);
  }

  private installChild(sa: Keyed, qm: QuickMode, suite: Phase2Suite, spiOut: Uint8Array, pfsSecret?: Uint8Array): void {
    const ni = qm.ni;
    const nr = qm.nr as Uint8Array;
    const len = suite.encr.keyLen + suite.encr.saltLen + suite.integ.keyLen;
    const material = (spi: Uint8Array) => {
      const k = keymat(
        sa.prf,
        sa.keys.d,
        { ...(pfsSecret ? { pfsSecret } : {}), protocol: V1Protocol.ESP, spi, ni, nr },
        len,
      );
      const encLen = suite.encr.keyLen + suite.encr.saltLen;
      return { enc: k.slice(0, encLen), integ: k.slice(encLen) };
    };
    const inbound = material(qm.spiIn);
    const outbound = material(spiOut);
    const child: V1Child = {
      id: this.ctx.newChildId(),
      policyIndex: qm.policyIndex,
      spiIn: qm.spiIn,
      spiOut,
      suite,
      mode: qm.transport ? 'transport' : 'tunnel',
      tsLocal: qm.tsLocal,
      tsRemote: qm.tsRemote,
      createdAt: this.ctx.now(),
    };
    sa.children.push(child);
    const dir = (spi: Uint8Array, k: { enc: Uint8Array; integ: Uint8Array }, src: Endpoint, dst: Endpoint) => ({
      spi: spiNumber(spi),
      encAlgorithm: suite.encr.name,
      encKey: k.enc,
      integAlgorithm: suite.integ.name,
      integKey: k.integ,
      src: src.address,
      dst: dst.address,
    });
    const a: InstallSaAction = {
      type: 'installSa',
      ikeSa: sa.id,
      child: child.id,
      peer: sa.peerName,
      protocol: 'esp',
      mode: child.mode,
      esn: false,
      inbound: dir(qm.spiIn, inbound, sa.remote, sa.local),
      outbound: dir(spiOut, outbound, sa.local, sa.remote),
      tsLocal: [tsRange(child.tsLocal)],
      tsRemote: [tsRange(child.tsRemote)],
      lifetime: suite.lifetime,
    };
    if (sa.nat.local || sa.nat.remote) a.encap = { localPort: sa.local.port, remotePort: sa.remote.port };
    const policyId = sa.rp.policies[qm.policyIndex]?.policy.id;
    if (policyId !== undefined) a.policyId = policyId;
    this.ctx.emit(a);
    this.log(sa, 'info', `IPsec SA established: ${describePhase2(suite)} SPIs in ${hex(qm.spiIn)} out ${hex(spiOut)}`);
  }

  private removeChild(sa: V1Sa, child: V1Child, reason: string): void {
    const i = sa.children.indexOf(child);
    if (i < 0) return;
    sa.children.splice(i, 1);
    this.ctx.emit({
      type: 'deleteSa',
      ikeSa: sa.id,
      child: child.id,
      peer: sa.peerName,
      inboundSpi: spiNumber(child.spiIn),
      outboundSpi: spiNumber(child.spiOut),
      reason,
    });
    this.log(sa, 'info', `IPsec SA #${child.id} deleted (${reason})`);
  }
}

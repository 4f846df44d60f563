// The data plane's specs <-> XFRM messages.
import { checkEncKey, kernelAuth, kernelCipher } from '../algorithms.ts';
import { familyOf, parsePrefix, type Family } from '../ip.ts';
import type {
  DataPlaneEvent,
  Direction,
  PolicyInfo,
  PolicyKey,
  PolicySpec,
  PolicyTemplate,
  SaCounters,
  SaInfo,
  SaKey,
  SaLifetime,
  SaSpec,
  Selector,
} from '../types.ts';
import {
  emptySelector,
  infiniteLifetime,
  replayEsnFor,
  zeroCur,
  type AcquireMessage,
  type ExpireMessage,
  type PolicyIdMessage,
  type PolicyMessage,
  type SaIdMessage,
  type SaMessage,
  type XfrmAttrs,
  type XfrmLifetimeCfg,
  type XfrmLifetimeCur,
  type XfrmSelector,
  type XfrmUserTmpl,
  type XfrmUsersaInfo,
} from './codec.ts';
import {
  IPPROTO_AH,
  IPPROTO_COMP,
  IPPROTO_ESP,
  UDP_ENCAP_ESPINUDP,
  XFRM_INF,
  XFRM_MODE_TRANSPORT,
  XFRM_MODE_TUNNEL,
  XFRM_POLICY_ALLOW,
  XFRM_POLICY_BLOCK,
  XFRM_POLICY_FWD,
  XFRM_POLICY_IN,
  XFRM_POLICY_OUT,
  XFRM_STATE_ESN,
} from './constants.ts';

const DIRS: Record<Direction, number> = { in: XFRM_POLICY_IN, out: XFRM_POLICY_OUT, fwd: XFRM_POLICY_FWD };

export function dirNumber(d: Direction): number {
  return DIRS[d];
}

export function dirName(n: number): Direction {
  const d = (Object.keys(DIRS) as Direction[]).find((k) => DIRS[k] === n);
  if (!d) throw new Error(`unknown policy direction ${n}`);
  return d;
}

export function toXfrmSelector(s: Selector): XfrmSelector {
  const src = parsePrefix(s.src);
  const dst = parsePrefix(s.dst);
  if (src.family !== dst.family) throw new Error(`selector mixes families: ${s.src} -> ${s.dst}`);
  const sport = s.srcPort ?? 0;
  const dport = s.dstPort ?? 0;
  return {
    daddr: dst.addr,
    saddr: src.addr,
    dport,
    dportMask: s.dstPortMask ?? (dport ? 0xffff : 0),
    sport,
    sportMask: s.srcPortMask ?? (sport ? 0xffff : 0),
    family: src.family,
    prefixlenD: dst.len,
    prefixlenS: src.len,
    proto: s.protocol,
    ifindex: s.ifindex ?? 0,
    user: 0,
  };
}

export function fromXfrmSelector(x: XfrmSelector): Selector {
  const family: Family = x.family === 0 ? 4 : x.family;
  const any = family === 4 ? '0.0.0.0' : '::';
  const s: Selector = {
    src: `${x.saddr || any}/${x.prefixlenS}`,
    dst: `${x.daddr || any}/${x.prefixlenD}`,
    protocol: x.proto,
  };
  if (x.sport || x.sportMask) {
    s.srcPort = x.sport;
    if (x.sportMask !== 0xffff) s.srcPortMask = x.sportMask;
  }
  if (x.dport || x.dportMask) {
    s.dstPort = x.dport;
    if (x.dportMask !== 0xffff) s.dstPortMask = x.dportMask;
  }
  if (x.ifindex) s.ifindex = x.ifindex;
  return s;
}

function toLifetime(l: SaLifetime | undefined): XfrmLifetimeCfg {
  const out = infiniteLifetime();
  if (!l) return out;
  const big = (n: number | undefined, dflt: bigint) => (n === undefined ? dflt : BigInt(Math.floor(n)));
  out.softByteLimit = big(l.softBytes, XFRM_INF);
  out.hardByteLimit = big(l.hardBytes, XFRM_INF);
  out.softPacketLimit = big(l.softPackets, XFRM_INF);
  out.hardPacketLimit = big(l.hardPackets, XFRM_INF);
  out.softAddExpiresSeconds = big(l.softSeconds, 0n);
  out.hardAddExpiresSeconds = big(l.hardSeconds, 0n);
  return out;
}

/** The legacy replay state (u32 bitmap) holds 32 packets; larger windows and ESN use XFRMA_REPLAY_ESN_VAL. */
const LEGACY_REPLAY_MAX = 32;

/** XFRM_MSG_NEWSA / UPDSA body for one SA direction. */
export function saMessage(sa: SaSpec, seq = 0): SaMessage {
  const family = familyOf(sa.dst);
  if (familyOf(sa.src) !== family) throw new Error(`SA mixes families: ${sa.src} -> ${sa.dst}`);
  checkEncKey(sa.encAlgorithm, sa.encKey);
  const c = kernelCipher(sa.encAlgorithm);
  const attrs: XfrmAttrs = {};
  if (c.aead) {
    attrs.aead = { name: c.name, key: sa.encKey, icvBits: c.icvBits ?? 128 };
    if (sa.integAlgorithm) throw new Error(`${sa.encAlgorithm} is AEAD: no integrity algorithm`);
  } else {
    attrs.crypt = { name: c.name, key: sa.encKey };
    if (sa.integAlgorithm) {
      if (!sa.integKey) throw new Error(`${sa.integAlgorithm}: no key`);
      const a = kernelAuth(sa.integAlgorithm);
      attrs.authTrunc = { name: a.name, key: sa.integKey, truncBits: a.truncBits };
    } else if (sa.encAlgorithm !== 'null') {
      throw new Error(`${sa.encAlgorithm} needs an integrity algorithm`);
    }
  }
  if (sa.encap) attrs.encap = { type: UDP_ENCAP_ESPINUDP, sport: sa.encap.sport, dport: sa.encap.dport, oa: '' };
  const useEsnAttr = sa.esn || sa.replayWindow > LEGACY_REPLAY_MAX;
  if (useEsnAttr) attrs.replayEsn = replayEsnFor(sa.replayWindow);
  const info: XfrmUsersaInfo = {
    sel: sa.selector ? toXfrmSelector(sa.selector) : emptySelector(),
    id: { daddr: sa.dst, spi: sa.spi, proto: IPPROTO_ESP },
    saddr: sa.src,
    lft: toLifetime(sa.lifetime),
    curlft: zeroCur(),
    stats: { replayWindow: 0, replay: 0, integrityFailed: 0 },
    seq,
    reqid: sa.reqid,
    family,
    mode: sa.mode === 'tunnel' ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT,
    replayWindow: useEsnAttr ? 0 : sa.replayWindow,
    flags: sa.esn ? XFRM_STATE_ESN : 0,
  };
  return { info, attrs };
}

export function saIdMessage(k: SaKey): SaIdMessage {
  const m: SaIdMessage = { daddr: k.dst, spi: k.spi, family: familyOf(k.dst), proto: IPPROTO_ESP };
  if (k.src !== undefined) m.srcaddr = k.src;
  return m;
}

/**
 * A tunnel end left open is the kernel's wildcard: outbound it takes our source address from the route to the peer,
 * inbound it accepts an SA from any address (the SA's reqid still has to match). The agent fills in the ends the IKE
 * SA runs between once it knows them (policiesFromConfig's `learned`).
 */
function toTmpl(t: PolicyTemplate, selFamily: Family): XfrmUserTmpl {
  const tunnel = t.mode === 'tunnel';
  const family = tunnel && (t.dst || t.src) ? familyOf((t.dst ?? t.src)!) : selFamily;
  return {
    id: { daddr: tunnel ? (t.dst ?? '') : '', spi: 0, proto: IPPROTO_ESP },
    family,
    saddr: tunnel ? (t.src ?? '') : '',
    reqid: t.reqid,
    mode: tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT,
    share: 0,
    optional: t.level === 'use' ? 1 : 0,
    aalgos: 0xffffffff,
    ealgos: 0xffffffff,
    calgos: 0xffffffff,
  };
}

/** XFRM_MSG_NEWPOLICY / UPDPOLICY body. */
export function policyMessage(p: PolicySpec): PolicyMessage {
  const sel = toXfrmSelector(p.selector);
  const attrs: XfrmAttrs = {};
  if (p.action === 'encrypt') {
    if (p.templates.length === 0) throw new Error('action=encrypt needs a template');
    attrs.tmpls = p.templates.map((t) => toTmpl(t, sel.family as Family));
  }
  return {
    info: {
      sel,
      lft: infiniteLifetime(),
      curlft: zeroCur(),
      priority: p.priority,
      index: 0,
      dir: dirNumber(p.dir),
      action: p.action === 'discard' ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW,
      flags: 0,
      share: 0,
    },
    attrs,
  };
}

export function policyIdMessage(k: PolicyKey): PolicyIdMessage {
  return { sel: toXfrmSelector(k.selector), index: 0, dir: dirNumber(k.dir) };
}

function fromTmpl(t: XfrmUserTmpl): PolicyTemplate {
  const out: PolicyTemplate = {
    protocol: 'esp',
    mode: t.mode === XFRM_MODE_TUNNEL ? 'tunnel' : 'transport',
    reqid: t.reqid,
    level: t.optional ? 'use' : 'require',
  };
  if (!isZeroAddr(t.saddr)) out.src = t.saddr;
  if (!isZeroAddr(t.id.daddr)) out.dst = t.id.daddr;
  return out;
}

const isZeroAddr = (a: string) => a === '' || a === '0.0.0.0' || a === '::';

const n = (x: bigint) => Number(x);

function countersOf(cur: XfrmLifetimeCur, stats?: { replay: number; integrityFailed: number }): SaCounters {
  return {
    bytes: n(cur.bytes),
    packets: n(cur.packets),
    addTime: n(cur.addTime),
    useTime: n(cur.useTime),
    replayDropped: stats?.replay ?? 0,
    integrityFailed: stats?.integrityFailed ?? 0,
  };
}

export function policyInfo(m: PolicyMessage): PolicyInfo {
  const i = m.info;
  const templates = (m.attrs.tmpls ?? []).map(fromTmpl);
  return {
    selector: fromXfrmSelector(i.sel),
    dir: dirName(i.dir),
    priority: i.priority,
    action: i.action === XFRM_POLICY_BLOCK ? 'discard' : templates.length ? 'encrypt' : 'none',
    templates,
    index: i.index,
    counters: {
      bytes: n(i.curlft.bytes),
      packets: n(i.curlft.packets),
      addTime: n(i.curlft.addTime),
      useTime: n(i.curlft.useTime),
    },
  };
}

function protoName(p: number): SaInfo['protocol'] {
  return p === IPPROTO_ESP ? 'esp' : p === IPPROTO_AH ? 'ah' : p === IPPROTO_COMP ? 'comp' : p;
}

export function saInfo(m: SaMessage): SaInfo {
  const i = m.info;
  const a = m.attrs;
  const out: SaInfo = {
    spi: i.id.spi,
    src: i.saddr,
    dst: i.id.daddr,
    protocol: protoName(i.id.proto),
    mode: i.mode === XFRM_MODE_TUNNEL ? 'tunnel' : 'transport',
    reqid: i.reqid,
    replayWindow: a.replayEsn?.replayWindow ?? i.replayWindow,
    esn: (i.flags & XFRM_STATE_ESN) !== 0,
    larval: !a.aead && !a.crypt && !a.auth && !a.authTrunc,
    counters: countersOf(i.curlft, i.stats),
  };
  const enc = a.aead?.name ?? a.crypt?.name;
  if (enc !== undefined) out.enc = enc;
  const auth = a.authTrunc?.name ?? a.auth?.name;
  if (auth !== undefined) out.auth = auth;
  if (a.encap) out.encap = { sport: a.encap.sport, dport: a.encap.dport };
  return out;
}

export function acquireEvent(m: AcquireMessage): DataPlaneEvent {
  const t = m.attrs.tmpls?.[0];
  const e: DataPlaneEvent = {
    type: 'acquire',
    packet: fromXfrmSelector(m.sel),
    policy: {
      selector: fromXfrmSelector(m.policy.sel),
      dir: dirName(m.policy.dir),
      index: m.policy.index,
      priority: m.policy.priority,
    },
    seq: m.seq,
  };
  if (t) e.template = fromTmpl(t);
  return e;
}

export function expireEvent(m: ExpireMessage): DataPlaneEvent {
  const s = m.state;
  return {
    type: 'expire',
    hard: m.hard,
    spi: s.id.spi,
    src: s.saddr,
    dst: s.id.daddr,
    reqid: s.reqid,
    counters: countersOf(s.curlft, s.stats),
  };
}

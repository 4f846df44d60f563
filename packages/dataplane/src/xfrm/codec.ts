// Our own NETLINK_XFRM codec: netlink framing and the xfrm.h structures, byte for byte.
// Offsets are the kernel's (include/uapi/linux/xfrm.h); the golden tests check them against iproute2's requests.
// Multi-byte fields are host order (little-endian on every platform we run on) except SPIs and ports (network order).
import { addrBytes, formatAddr, type Family } from '../ip.ts';
import {
  AF_INET,
  AF_INET6,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  SIZEOF,
  XFRMA,
  XFRM_INF,
} from './constants.ts';

// ------------------------------------------------------------------------------------------ netlink

export interface NlMsg {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  payload: Buffer;
}

const align4 = (n: number) => (n + 3) & ~3;

export function encodeNlMsg(m: {
  type: number;
  flags: number;
  seq?: number;
  pid?: number;
  payload: Uint8Array;
}): Buffer {
  const len = SIZEOF.nlmsghdr + m.payload.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(m.type, 4);
  out.writeUInt16LE(m.flags, 6);
  out.writeUInt32LE((m.seq ?? 0) >>> 0, 8);
  out.writeUInt32LE((m.pid ?? 0) >>> 0, 12);
  out.set(m.payload, SIZEOF.nlmsghdr);
  return out;
}

/** Every message of one datagram (a dump answer carries several). */
export function decodeNlMsgs(buf: Uint8Array): NlMsg[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: NlMsg[] = [];
  let off = 0;
  while (off + SIZEOF.nlmsghdr <= b.length) {
    const len = b.readUInt32LE(off);
    if (len < SIZEOF.nlmsghdr || off + len > b.length)
      throw new Error(`netlink: bad message length ${len} at ${off} of ${b.length}`);
    out.push({
      type: b.readUInt16LE(off + 4),
      flags: b.readUInt16LE(off + 6),
      seq: b.readUInt32LE(off + 8),
      pid: b.readUInt32LE(off + 12),
      payload: b.subarray(off + SIZEOF.nlmsghdr, off + len),
    });
    off += align4(len);
  }
  return out;
}

export interface NlError {
  /** Positive errno; 0 is an ACK. */
  errno: number;
  /** Extended ack text (NLMSGERR_ATTR_MSG), when the socket asked for it. */
  message?: string;
  /** Offset of the offending attribute in the request (NLMSGERR_ATTR_OFFS). */
  offset?: number;
  /** Header of the request this answers. */
  request: { len: number; type: number; flags: number; seq: number; pid: number };
}

/** struct nlmsgerr { int error; struct nlmsghdr msg; } + the request's payload unless capped + ext-ack TLVs. */
export function decodeNlError(m: NlMsg): NlError {
  if (m.type !== NLMSG_ERROR) throw new Error(`not NLMSG_ERROR: ${m.type}`);
  const p = m.payload;
  const errno = -p.readInt32LE(0) | 0;
  const reqLen = p.readUInt32LE(4);
  const request = {
    len: reqLen,
    type: p.readUInt16LE(8),
    flags: p.readUInt16LE(10),
    seq: p.readUInt32LE(12),
    pid: p.readUInt32LE(16),
  };
  const err: NlError = { errno, request };
  if (m.flags & NLM_F_ACK_TLVS) {
    const tlvStart = 4 + (m.flags & NLM_F_CAPPED || errno === 0 ? SIZEOF.nlmsghdr : align4(reqLen));
    for (const a of decodeAttrs(p.subarray(tlvStart))) {
      if (a.type === NLMSGERR_ATTR_MSG) err.message = a.data.toString('utf8').replace(/\0.*$/s, '');
      else if (a.type === NLMSGERR_ATTR_OFFS && a.data.length >= 4) err.offset = a.data.readUInt32LE(0);
    }
  }
  return err;
}

export function encodeNlError(e: { errno: number; request: Buffer; message?: string; capped?: boolean }): Buffer {
  const echoed = e.capped ? e.request.subarray(0, SIZEOF.nlmsghdr) : e.request;
  const parts = [Buffer.alloc(4), echoed];
  parts[0]!.writeInt32LE(-e.errno, 0);
  if (e.message !== undefined) parts.push(encodeAttr(NLMSGERR_ATTR_MSG, Buffer.from(`${e.message}\0`)));
  return Buffer.concat(parts);
}

// ----------------------------------------------------------------------------------------- attributes

export interface NlAttr {
  type: number;
  data: Buffer;
}

export function encodeAttr(type: number, data: Uint8Array): Buffer {
  const len = SIZEOF.nlattr + data.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  out.set(data, SIZEOF.nlattr);
  return out;
}

export function decodeAttrs(b: Buffer): NlAttr[] {
  const out: NlAttr[] = [];
  let off = 0;
  while (off + SIZEOF.nlattr <= b.length) {
    const len = b.readUInt16LE(off);
    if (len < SIZEOF.nlattr || off + len > b.length) throw new Error(`netlink: bad attribute length ${len} at ${off}`);
    out.push({ type: b.readUInt16LE(off + 2) & 0x3fff, data: b.subarray(off + SIZEOF.nlattr, off + len) });
    off += align4(len);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ addresses

/** 0 = AF_UNSPEC (all zero addresses), 4 = AF_INET, 6 = AF_INET6. */
export type XFamily = 0 | Family;

export function afOf(f: XFamily): number {
  return f === 4 ? AF_INET : f === 6 ? AF_INET6 : 0;
}

export function familyOfAf(af: number): XFamily {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  if (af === 0) return 0;
  throw new Error(`unknown address family ${af}`);
}

function writeAddr(b: Buffer, off: number, addr: string | undefined): void {
  if (addr === undefined || addr === '') return;
  b.set(addrBytes(addr), off);
}

function readAddr(b: Buffer, off: number, family: XFamily): string {
  if (family === 0)
    return b.subarray(off, off + 16).every((x) => x === 0) ? '' : formatAddr(b.subarray(off, off + 16), 6);
  return formatAddr(b.subarray(off, off + 16), family);
}

// ------------------------------------------------------------------------------------------ selector

/** struct xfrm_selector (56 bytes). Addresses '' = unspecified (all zero). */
export interface XfrmSelector {
  daddr: string;
  saddr: string;
  dport: number;
  dportMask: number;
  sport: number;
  sportMask: number;
  family: XFamily;
  prefixlenD: number;
  prefixlenS: number;
  proto: number;
  ifindex: number;
  user: number;
}

export function emptySelector(): XfrmSelector {
  return {
    daddr: '',
    saddr: '',
    dport: 0,
    dportMask: 0,
    sport: 0,
    sportMask: 0,
    family: 0,
    prefixlenD: 0,
    prefixlenS: 0,
    proto: 0,
    ifindex: 0,
    user: 0,
  };
}

export function writeSelector(b: Buffer, o: number, s: XfrmSelector): void {
  writeAddr(b, o, s.daddr);
  writeAddr(b, o + 16, s.saddr);
  b.writeUInt16BE(s.dport, o + 32);
  b.writeUInt16BE(s.dportMask, o + 34);
  b.writeUInt16BE(s.sport, o + 36);
  b.writeUInt16BE(s.sportMask, o + 38);
  b.writeUInt16LE(afOf(s.family), o + 40);
  b.writeUInt8(s.prefixlenD, o + 42);
  b.writeUInt8(s.prefixlenS, o + 43);
  b.writeUInt8(s.proto, o + 44);
  b.writeInt32LE(s.ifindex, o + 48);
  b.writeUInt32LE(s.user >>> 0, o + 52);
}

export function readSelector(b: Buffer, o: number): XfrmSelector {
  const family = familyOfAf(b.readUInt16LE(o + 40));
  return {
    daddr: readAddr(b, o, family),
    saddr: readAddr(b, o + 16, family),
    dport: b.readUInt16BE(o + 32),
    dportMask: b.readUInt16BE(o + 34),
    sport: b.readUInt16BE(o + 36),
    sportMask: b.readUInt16BE(o + 38),
    family,
    prefixlenD: b.readUInt8(o + 42),
    prefixlenS: b.readUInt8(o + 43),
    proto: b.readUInt8(o + 44),
    ifindex: b.readInt32LE(o + 48),
    user: b.readUInt32LE(o + 52),
  };
}

// ------------------------------------------------------------------------------------------ lifetimes

/** struct xfrm_lifetime_cfg (64 bytes). */
export interface XfrmLifetimeCfg {
  softByteLimit: bigint;
  hardByteLimit: bigint;
  softPacketLimit: bigint;
  hardPacketLimit: bigint;
  softAddExpiresSeconds: bigint;
  hardAddExpiresSeconds: bigint;
  softUseExpiresSeconds: bigint;
  hardUseExpiresSeconds: bigint;
}

/** No limits: what iproute2 sends when no `limit` is given. */
export function infiniteLifetime(): XfrmLifetimeCfg {
  return {
    softByteLimit: XFRM_INF,
    hardByteLimit: XFRM_INF,
    softPacketLimit: XFRM_INF,
    hardPacketLimit: XFRM_INF,
    softAddExpiresSeconds: 0n,
    hardAddExpiresSeconds: 0n,
    softUseExpiresSeconds: 0n,
    hardUseExpiresSeconds: 0n,
  };
}

const LFT_KEYS = [
  'softByteLimit',
  'hardByteLimit',
  'softPacketLimit',
  'hardPacketLimit',
  'softAddExpiresSeconds',
  'hardAddExpiresSeconds',
  'softUseExpiresSeconds',
  'hardUseExpiresSeconds',
] as const;

function writeLifetimeCfg(b: Buffer, o: number, l: XfrmLifetimeCfg): void {
  LFT_KEYS.forEach((k, i) => b.writeBigUInt64LE(l[k], o + i * 8));
}

function readLifetimeCfg(b: Buffer, o: number): XfrmLifetimeCfg {
  const out = {} as XfrmLifetimeCfg;
  LFT_KEYS.forEach((k, i) => (out[k] = b.readBigUInt64LE(o + i * 8)));
  return out;
}

/** struct xfrm_lifetime_cur (32 bytes): the counters. */
export interface XfrmLifetimeCur {
  bytes: bigint;
  packets: bigint;
  addTime: bigint;
  useTime: bigint;
}

export function zeroCur(): XfrmLifetimeCur {
  return { bytes: 0n, packets: 0n, addTime: 0n, useTime: 0n };
}

function writeLifetimeCur(b: Buffer, o: number, c: XfrmLifetimeCur): void {
  b.writeBigUInt64LE(c.bytes, o);
  b.writeBigUInt64LE(c.packets, o + 8);
  b.writeBigUInt64LE(c.addTime, o + 16);
  b.writeBigUInt64LE(c.useTime, o + 24);
}

function readLifetimeCur(b: Buffer, o: number): XfrmLifetimeCur {
  return {
    bytes: b.readBigUInt64LE(o),
    packets: b.readBigUInt64LE(o + 8),
    addTime: b.readBigUInt64LE(o + 16),
    useTime: b.readBigUInt64LE(o + 24),
  };
}

// ------------------------------------------------------------------------------------------ SA

/** struct xfrm_id (24 bytes): daddr, spi (network order), proto. */
export interface XfrmId {
  daddr: string;
  spi: number;
  proto: number;
}

/** struct xfrm_stats (12 bytes). */
export interface XfrmStats {
  replayWindow: number;
  replay: number;
  integrityFailed: number;
}

/** struct xfrm_usersa_info (224 bytes). */
export interface XfrmUsersaInfo {
  sel: XfrmSelector;
  id: XfrmId;
  saddr: string;
  lft: XfrmLifetimeCfg;
  curlft: XfrmLifetimeCur;
  stats: XfrmStats;
  seq: number;
  reqid: number;
  family: XFamily;
  mode: number;
  replayWindow: number;
  flags: number;
}

export function writeUsersaInfo(b: Buffer, o: number, s: XfrmUsersaInfo): void {
  writeSelector(b, o, s.sel);
  writeAddr(b, o + 56, s.id.daddr);
  b.writeUInt32BE(s.id.spi >>> 0, o + 72);
  b.writeUInt8(s.id.proto, o + 76);
  writeAddr(b, o + 80, s.saddr);
  writeLifetimeCfg(b, o + 96, s.lft);
  writeLifetimeCur(b, o + 160, s.curlft);
  b.writeUInt32LE(s.stats.replayWindow >>> 0, o + 192);
  b.writeUInt32LE(s.stats.replay >>> 0, o + 196);
  b.writeUInt32LE(s.stats.integrityFailed >>> 0, o + 200);
  b.writeUInt32LE(s.seq >>> 0, o + 204);
  b.writeUInt32LE(s.reqid >>> 0, o + 208);
  b.writeUInt16LE(afOf(s.family), o + 212);
  b.writeUInt8(s.mode, o + 214);
  b.writeUInt8(s.replayWindow, o + 215);
  b.writeUInt8(s.flags, o + 216);
}

export function readUsersaInfo(b: Buffer, o: number): XfrmUsersaInfo {
  const family = familyOfAf(b.readUInt16LE(o + 212));
  return {
    sel: readSelector(b, o),
    id: { daddr: readAddr(b, o + 56, family), spi: b.readUInt32BE(o + 72), proto: b.readUInt8(o + 76) },
    saddr: readAddr(b, o + 80, family),
    lft: readLifetimeCfg(b, o + 96),
    curlft: readLifetimeCur(b, o + 160),
    stats: {
      replayWindow: b.readUInt32LE(o + 192),
      replay: b.readUInt32LE(o + 196),
      integrityFailed: b.readUInt32LE(o + 200),
    },
    seq: b.readUInt32LE(o + 204),
    reqid: b.readUInt32LE(o + 208),
    family,
    mode: b.readUInt8(o + 214),
    replayWindow: b.readUInt8(o + 215),
    flags: b.readUInt8(o + 216),
  };
}

/** struct xfrm_algo: name[64], key_len (bits), key. */
export interface XfrmAlgo {
  name: string;
  key: Uint8Array;
}
/** struct xfrm_algo_auth: name[64], key_len, trunc_len (bits), key. */
export interface XfrmAlgoAuth extends XfrmAlgo {
  truncBits: number;
}
/** struct xfrm_algo_aead: name[64], key_len, icv_len (bits), key. */
export interface XfrmAlgoAead extends XfrmAlgo {
  icvBits: number;
}

function writeName(b: Buffer, name: string): void {
  if (Buffer.byteLength(name) >= SIZEOF.algoName) throw new Error(`algorithm name too long: ${name}`);
  b.write(name, 0, 'latin1');
}

function readName(b: Buffer): string {
  const n = b.subarray(0, SIZEOF.algoName);
  const z = n.indexOf(0);
  return n.toString('latin1', 0, z < 0 ? SIZEOF.algoName : z);
}

export function encodeAlgo(a: XfrmAlgo): Buffer {
  const b = Buffer.alloc(68 + a.key.length);
  writeName(b, a.name);
  b.writeUInt32LE(a.key.length * 8, 64);
  b.set(a.key, 68);
  return b;
}

export function decodeAlgo(b: Buffer): XfrmAlgo {
  const bits = b.readUInt32LE(64);
  return { name: readName(b), key: Uint8Array.from(b.subarray(68, 68 + Math.ceil(bits / 8))) };
}

export function encodeAlgoWith3rd(a: XfrmAlgo, third: number): Buffer {
  const b = Buffer.alloc(72 + a.key.length);
  writeName(b, a.name);
  b.writeUInt32LE(a.key.length * 8, 64);
  b.writeUInt32LE(third, 68);
  b.set(a.key, 72);
  return b;
}

function decodeAlgoWith3rd(b: Buffer): { name: string; key: Uint8Array; third: number } {
  const bits = b.readUInt32LE(64);
  return {
    name: readName(b),
    third: b.readUInt32LE(68),
    key: Uint8Array.from(b.subarray(72, 72 + Math.ceil(bits / 8))),
  };
}

/** struct xfrm_encap_tmpl (24 bytes): ESP-in-UDP ports (network order) and the NAT-OA. */
export interface XfrmEncapTmpl {
  type: number;
  sport: number;
  dport: number;
  oa: string;
}

export function encodeEncap(e: XfrmEncapTmpl): Buffer {
  const b = Buffer.alloc(SIZEOF.encapTmpl);
  b.writeUInt16LE(e.type, 0);
  b.writeUInt16BE(e.sport, 2);
  b.writeUInt16BE(e.dport, 4);
  writeAddr(b, 8, e.oa);
  return b;
}

export function decodeEncap(b: Buffer, family: XFamily): XfrmEncapTmpl {
  return {
    type: b.readUInt16LE(0),
    sport: b.readUInt16BE(2),
    dport: b.readUInt16BE(4),
    oa: readAddr(b, 8, family === 0 ? 4 : family),
  };
}

/**
 * struct xfrm_replay_state_esn: bmp_len (u32 words), oseq, seq, oseq_hi, seq_hi, replay_window, bmp[].
 * The kernel accepts the 24-byte header alone (it allocates the bitmap): iproute2 sends that, and so do we.
 */
export interface XfrmReplayEsn {
  bmpLen: number;
  oseq: number;
  seq: number;
  oseqHi: number;
  seqHi: number;
  replayWindow: number;
  /** The bitmap words present in the attribute (none in requests; the kernel's dumps carry bmpLen words). */
  bmp: number[];
}

export function replayEsnFor(window: number): XfrmReplayEsn {
  return { bmpLen: Math.ceil(window / 32), oseq: 0, seq: 0, oseqHi: 0, seqHi: 0, replayWindow: window, bmp: [] };
}

export function encodeReplayEsn(r: XfrmReplayEsn): Buffer {
  const b = Buffer.alloc(24 + r.bmp.length * 4);
  b.writeUInt32LE(r.bmpLen >>> 0, 0);
  b.writeUInt32LE(r.oseq >>> 0, 4);
  b.writeUInt32LE(r.seq >>> 0, 8);
  b.writeUInt32LE(r.oseqHi >>> 0, 12);
  b.writeUInt32LE(r.seqHi >>> 0, 16);
  b.writeUInt32LE(r.replayWindow >>> 0, 20);
  r.bmp.forEach((w, i) => b.writeUInt32LE(w >>> 0, 24 + i * 4));
  return b;
}

export function decodeReplayEsn(b: Buffer): XfrmReplayEsn {
  const bmp: number[] = [];
  for (let o = 24; o + 4 <= b.length; o += 4) bmp.push(b.readUInt32LE(o));
  return {
    bmpLen: b.readUInt32LE(0),
    oseq: b.readUInt32LE(4),
    seq: b.readUInt32LE(8),
    oseqHi: b.readUInt32LE(12),
    seqHi: b.readUInt32LE(16),
    replayWindow: b.readUInt32LE(20),
    bmp,
  };
}

// ------------------------------------------------------------------------------------------ policy

/** struct xfrm_userpolicy_info (168 bytes). */
export interface XfrmUserpolicyInfo {
  sel: XfrmSelector;
  lft: XfrmLifetimeCfg;
  curlft: XfrmLifetimeCur;
  priority: number;
  index: number;
  dir: number;
  action: number;
  flags: number;
  share: number;
}

export function writeUserpolicyInfo(b: Buffer, o: number, p: XfrmUserpolicyInfo): void {
  writeSelector(b, o, p.sel);
  writeLifetimeCfg(b, o + 56, p.lft);
  writeLifetimeCur(b, o + 120, p.curlft);
  b.writeUInt32LE(p.priority >>> 0, o + 152);
  b.writeUInt32LE(p.index >>> 0, o + 156);
  b.writeUInt8(p.dir, o + 160);
  b.writeUInt8(p.action, o + 161);
  b.writeUInt8(p.flags, o + 162);
  b.writeUInt8(p.share, o + 163);
}

export function readUserpolicyInfo(b: Buffer, o: number): XfrmUserpolicyInfo {
  return {
    sel: readSelector(b, o),
    lft: readLifetimeCfg(b, o + 56),
    curlft: readLifetimeCur(b, o + 120),
    priority: b.readUInt32LE(o + 152),
    index: b.readUInt32LE(o + 156),
    dir: b.readUInt8(o + 160),
    action: b.readUInt8(o + 161),
    flags: b.readUInt8(o + 162),
    share: b.readUInt8(o + 163),
  };
}

/** struct xfrm_user_tmpl (64 bytes). optional=1 is level `use`. */
export interface XfrmUserTmpl {
  id: XfrmId;
  family: XFamily;
  saddr: string;
  reqid: number;
  mode: number;
  share: number;
  optional: number;
  aalgos: number;
  ealgos: number;
  calgos: number;
}

export function encodeTmpls(ts: XfrmUserTmpl[]): Buffer {
  const b = Buffer.alloc(SIZEOF.userTmpl * ts.length);
  ts.forEach((t, i) => {
    const o = i * SIZEOF.userTmpl;
    writeAddr(b, o, t.id.daddr);
    b.writeUInt32BE(t.id.spi >>> 0, o + 16);
    b.writeUInt8(t.id.proto, o + 20);
    b.writeUInt16LE(afOf(t.family), o + 24);
    writeAddr(b, o + 28, t.saddr);
    b.writeUInt32LE(t.reqid >>> 0, o + 44);
    b.writeUInt8(t.mode, o + 48);
    b.writeUInt8(t.share, o + 49);
    b.writeUInt8(t.optional, o + 50);
    b.writeUInt32LE(t.aalgos >>> 0, o + 52);
    b.writeUInt32LE(t.ealgos >>> 0, o + 56);
    b.writeUInt32LE(t.calgos >>> 0, o + 60);
  });
  return b;
}

export function decodeTmpls(b: Buffer): XfrmUserTmpl[] {
  const out: XfrmUserTmpl[] = [];
  for (let o = 0; o + SIZEOF.userTmpl <= b.length; o += SIZEOF.userTmpl) {
    const family = familyOfAf(b.readUInt16LE(o + 24));
    out.push({
      id: { daddr: readAddr(b, o, family), spi: b.readUInt32BE(o + 16), proto: b.readUInt8(o + 20) },
      family,
      saddr: readAddr(b, o + 28, family),
      reqid: b.readUInt32LE(o + 44),
      mode: b.readUInt8(o + 48),
      share: b.readUInt8(o + 49),
      optional: b.readUInt8(o + 50),
      aalgos: b.readUInt32LE(o + 52),
      ealgos: b.readUInt32LE(o + 56),
      calgos: b.readUInt32LE(o + 60),
    });
  }
  return out;
}

// ------------------------------------------------------------------------------------------ attribute bag

/** The XFRMA_* attributes we know, decoded; anything else is kept raw in `other`. */
export interface XfrmAttrs {
  aead?: XfrmAlgoAead;
  crypt?: XfrmAlgo;
  auth?: XfrmAlgo;
  authTrunc?: XfrmAlgoAuth;
  encap?: XfrmEncapTmpl;
  replayEsn?: XfrmReplayEsn;
  tmpls?: XfrmUserTmpl[];
  srcaddr?: string;
  lastused?: bigint;
  other?: NlAttr[];
}

/** Attributes in the order iproute2 sends them (algorithms, encap, ESN replay state, templates, srcaddr). */
export function encodeXfrmAttrs(a: XfrmAttrs): Buffer {
  const parts: Buffer[] = [];
  if (a.aead) parts.push(encodeAttr(XFRMA.ALG_AEAD, encodeAlgoWith3rd(a.aead, a.aead.icvBits)));
  if (a.crypt) parts.push(encodeAttr(XFRMA.ALG_CRYPT, encodeAlgo(a.crypt)));
  if (a.auth) parts.push(encodeAttr(XFRMA.ALG_AUTH, encodeAlgo(a.auth)));
  if (a.authTrunc) parts.push(encodeAttr(XFRMA.ALG_AUTH_TRUNC, encodeAlgoWith3rd(a.authTrunc, a.authTrunc.truncBits)));
  if (a.encap) parts.push(encodeAttr(XFRMA.ENCAP, encodeEncap(a.encap)));
  if (a.replayEsn) parts.push(encodeAttr(XFRMA.REPLAY_ESN_VAL, encodeReplayEsn(a.replayEsn)));
  if (a.tmpls) parts.push(encodeAttr(XFRMA.TMPL, encodeTmpls(a.tmpls)));
  if (a.srcaddr !== undefined) parts.push(encodeAttr(XFRMA.SRCADDR, addrBytes16(a.srcaddr)));
  if (a.lastused !== undefined) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(a.lastused);
    parts.push(encodeAttr(XFRMA.LASTUSED, b));
  }
  for (const o of a.other ?? []) parts.push(encodeAttr(o.type, o.data));
  return Buffer.concat(parts);
}

function addrBytes16(addr: string): Buffer {
  const b = Buffer.alloc(16);
  writeAddr(b, 0, addr);
  return b;
}

export function decodeXfrmAttrs(b: Buffer, family: XFamily): XfrmAttrs {
  const out: XfrmAttrs = {};
  for (const a of decodeAttrs(b)) {
    switch (a.type) {
      case XFRMA.ALG_AEAD: {
        const x = decodeAlgoWith3rd(a.data);
        out.aead = { name: x.name, key: x.key, icvBits: x.third };
        break;
      }
      case XFRMA.ALG_CRYPT:
        out.crypt = decodeAlgo(a.data);
        break;
      case XFRMA.ALG_AUTH:
        out.auth = decodeAlgo(a.data);
        break;
      case XFRMA.ALG_AUTH_TRUNC: {
        const x = decodeAlgoWith3rd(a.data);
        out.authTrunc = { name: x.name, key: x.key, truncBits: x.third };
        break;
      }
      case XFRMA.ENCAP:
        out.encap = decodeEncap(a.data, family);
        break;
      case XFRMA.REPLAY_ESN_VAL:
        out.replayEsn = decodeReplayEsn(a.data);
        break;
      case XFRMA.TMPL:
        out.tmpls = decodeTmpls(a.data);
        break;
      case XFRMA.SRCADDR:
        out.srcaddr = readAddr(a.data, 0, family);
        break;
      case XFRMA.LASTUSED:
        out.lastused = a.data.readBigUInt64LE(0);
        break;
      default:
        (out.other ??= []).push({ type: a.type, data: Buffer.from(a.data) });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------ messages

/** XFRM_MSG_NEWSA / UPDSA / the answer to GETSA and dumps. */
export interface SaMessage {
  info: XfrmUsersaInfo;
  attrs: XfrmAttrs;
}

export function encodeSa(m: SaMessage): Buffer {
  const b = Buffer.alloc(SIZEOF.usersaInfo);
  writeUsersaInfo(b, 0, m.info);
  return Buffer.concat([b, encodeXfrmAttrs(m.attrs)]);
}

export function decodeSa(p: Buffer): SaMessage {
  const info = readUsersaInfo(p, 0);
  return { info, attrs: decodeXfrmAttrs(p.subarray(SIZEOF.usersaInfo), info.family) };
}

/** struct xfrm_usersa_id (24 bytes) + XFRMA_SRCADDR: DELSA / GETSA. */
export interface SaIdMessage {
  daddr: string;
  spi: number;
  family: XFamily;
  proto: number;
  srcaddr?: string;
}

export function encodeSaId(m: SaIdMessage): Buffer {
  const b = Buffer.alloc(SIZEOF.usersaId);
  writeAddr(b, 0, m.daddr);
  b.writeUInt32BE(m.spi >>> 0, 16);
  b.writeUInt16LE(afOf(m.family), 20);
  b.writeUInt8(m.proto, 22);
  return m.srcaddr === undefined ? b : Buffer.concat([b, encodeAttr(XFRMA.SRCADDR, addrBytes16(m.srcaddr))]);
}

export function decodeSaId(p: Buffer): SaIdMessage {
  const family = familyOfAf(p.readUInt16LE(20));
  const m: SaIdMessage = { daddr: readAddr(p, 0, family), spi: p.readUInt32BE(16), family, proto: p.readUInt8(22) };
  const attrs = decodeXfrmAttrs(p.subarray(SIZEOF.usersaId), family);
  if (attrs.srcaddr !== undefined) m.srcaddr = attrs.srcaddr;
  return m;
}

/** XFRM_MSG_NEWPOLICY / UPDPOLICY / dump answers. */
export interface PolicyMessage {
  info: XfrmUserpolicyInfo;
  attrs: XfrmAttrs;
}

export function encodePolicy(m: PolicyMessage): Buffer {
  const b = Buffer.alloc(SIZEOF.userpolicyInfo);
  writeUserpolicyInfo(b, 0, m.info);
  return Buffer.concat([b, encodeXfrmAttrs(m.attrs)]);
}

export function decodePolicy(p: Buffer): PolicyMessage {
  const info = readUserpolicyInfo(p, 0);
  return { info, attrs: decodeXfrmAttrs(p.subarray(SIZEOF.userpolicyInfo), info.sel.family) };
}

/** struct xfrm_userpolicy_id (64 bytes): DELPOLICY / GETPOLICY, by selector+dir or by index. */
export interface PolicyIdMessage {
  sel: XfrmSelector;
  index: number;
  dir: number;
}

export function encodePolicyId(m: PolicyIdMessage): Buffer {
  const b = Buffer.alloc(SIZEOF.userpolicyId);
  writeSelector(b, 0, m.sel);
  b.writeUInt32LE(m.index >>> 0, 56);
  b.writeUInt8(m.dir, 60);
  return b;
}

export function decodePolicyId(p: Buffer): PolicyIdMessage {
  return { sel: readSelector(p, 0), index: p.readUInt32LE(56), dir: p.readUInt8(60) };
}

/** struct xfrm_userspi_info (232 bytes): ALLOCSPI. */
export interface AllocSpiMessage {
  info: XfrmUsersaInfo;
  min: number;
  max: number;
}

export function encodeAllocSpi(m: AllocSpiMessage): Buffer {
  const b = Buffer.alloc(SIZEOF.userspiInfo);
  writeUsersaInfo(b, 0, m.info);
  b.writeUInt32LE(m.min >>> 0, 224);
  b.writeUInt32LE(m.max >>> 0, 228);
  return b;
}

/** struct xfrm_user_acquire (280 bytes) + XFRMA_TMPL etc.: the kernel wants an SA for `policy`. */
export interface AcquireMessage {
  id: XfrmId;
  saddr: string;
  sel: XfrmSelector;
  policy: XfrmUserpolicyInfo;
  aalgos: number;
  ealgos: number;
  calgos: number;
  seq: number;
  attrs: XfrmAttrs;
}

export function encodeAcquire(m: AcquireMessage): Buffer {
  const b = Buffer.alloc(SIZEOF.userAcquire);
  writeAddr(b, 0, m.id.daddr);
  b.writeUInt32BE(m.id.spi >>> 0, 16);
  b.writeUInt8(m.id.proto, 20);
  writeAddr(b, 24, m.saddr);
  writeSelector(b, 40, m.sel);
  writeUserpolicyInfo(b, 96, m.policy);
  b.writeUInt32LE(m.aalgos >>> 0, 264);
  b.writeUInt32LE(m.ealgos >>> 0, 268);
  b.writeUInt32LE(m.calgos >>> 0, 272);
  b.writeUInt32LE(m.seq >>> 0, 276);
  return Buffer.concat([b, encodeXfrmAttrs(m.attrs)]);
}

export function decodeAcquire(p: Buffer): AcquireMessage {
  const sel = readSelector(p, 40);
  const policy = readUserpolicyInfo(p, 96);
  const attrs = decodeXfrmAttrs(p.subarray(SIZEOF.userAcquire), sel.family);
  // The SA addresses take the template's family (tunnel mode may differ from the selector's).
  const family: XFamily = attrs.tmpls?.[0]?.family || sel.family;
  return {
    id: { daddr: readAddr(p, 0, family), spi: p.readUInt32BE(16), proto: p.readUInt8(20) },
    saddr: readAddr(p, 24, family),
    sel,
    policy,
    aalgos: p.readUInt32LE(264),
    ealgos: p.readUInt32LE(268),
    calgos: p.readUInt32LE(272),
    seq: p.readUInt32LE(276),
    attrs,
  };
}

/** struct xfrm_user_expire (232 bytes): soft (hard=0: rekey) or hard (hard=1: gone). */
export interface ExpireMessage {
  state: XfrmUsersaInfo;
  hard: boolean;
  attrs: XfrmAttrs;
}

export function encodeExpire(m: ExpireMessage): Buffer {
  const b = Buffer.alloc(SIZEOF.userExpire);
  writeUsersaInfo(b, 0, m.state);
  b.writeUInt8(m.hard ? 1 : 0, 224);
  return Buffer.concat([b, encodeXfrmAttrs(m.attrs)]);
}

export function decodeExpire(p: Buffer): ExpireMessage {
  const state = readUsersaInfo(p, 0);
  return { state, hard: p.readUInt8(224) !== 0, attrs: decodeXfrmAttrs(p.subarray(SIZEOF.userExpire), state.family) };
}

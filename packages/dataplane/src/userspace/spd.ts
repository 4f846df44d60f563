// Security Policy Database for the userspace backend: the policies the DataPlane interface installs, matched the way
// XFRM matches them (prefixes, one protocol, ports with masks; lower priority wins, ties go to the older policy).
// Lookup is a linear scan in priority order: correct first, fast later.
import type { StatCounter } from '@ipsec/schema';
import { addrBytes, parsePrefix, type Family } from '../ip.ts';
import type { Direction, PolicyKey, PolicySpec, PolicyTemplate, Selector } from '../types.ts';

/** The fields of an IP packet a selector looks at. ICMP/ICMPv6 put type in srcPort and code in dstPort (as XFRM). */
export interface PacketFields {
  family: Family;
  src: Buffer;
  dst: Buffer;
  protocol: number;
  /** Absent when the protocol has no ports or the packet is a non-first fragment. */
  srcPort?: number;
  dstPort?: number;
}

const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]); // TCP, UDP, DCCP, SCTP, UDP-Lite
const ICMP_PROTOCOLS = new Set([1, 58]);
const V6_EXT = new Set([0, 43, 60]); // hop-by-hop, routing, destination options (fragment 44 handled apart)

function upperPorts(p: Uint8Array, off: number, protocol: number, f: PacketFields): void {
  if (PORT_PROTOCOLS.has(protocol) && p.length >= off + 4) {
    f.srcPort = (p[off]! << 8) | p[off + 1]!;
    f.dstPort = (p[off + 2]! << 8) | p[off + 3]!;
  } else if (ICMP_PROTOCOLS.has(protocol) && p.length >= off + 2) {
    f.srcPort = p[off]!;
    f.dstPort = p[off + 1]!;
  }
}

/** Selector fields of a whole IP packet, or undefined if it is not a (complete enough) IPv4/IPv6 packet. */
export function packetFields(p: Uint8Array): PacketFields | undefined {
  const v = p.length ? p[0]! >> 4 : 0;
  if (v === 4) {
    const hlen = (p[0]! & 0xf) * 4;
    if (hlen < 20 || p.length < hlen) return undefined;
    const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    const f: PacketFields = { family: 4, src: b.subarray(12, 16), dst: b.subarray(16, 20), protocol: p[9]! };
    const fragOff = ((p[6]! & 0x1f) << 8) | p[7]!;
    if (fragOff === 0) upperPorts(p, hlen, f.protocol, f);
    return f;
  }
  if (v === 6) {
    if (p.length < 40) return undefined;
    const b = Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    let nh = p[6]!;
    let off = 40;
    let firstFragment = true;
    for (let i = 0; i < 8; i++) {
      if (V6_EXT.has(nh) && p.length >= off + 2) {
        const next = p[off]!;
        off += (p[off + 1]! + 1) * 8;
        nh = next;
      } else if (nh === 44 && p.length >= off + 8) {
        firstFragment = (((p[off + 2]! << 8) | p[off + 3]!) & 0xfff8) === 0;
        nh = p[off]!;
        off += 8;
      } else break;
    }
    const f: PacketFields = { family: 6, src: b.subarray(8, 24), dst: b.subarray(24, 40), protocol: nh };
    if (firstFragment) upperPorts(p, off, nh, f);
    return f;
  }
  return undefined;
}

interface CompiledPrefix {
  bytes: Buffer;
  len: number;
}

function compilePrefix(text: string): CompiledPrefix & { family: Family } {
  const p = parsePrefix(text);
  return { family: p.family, bytes: addrBytes(p.addr), len: p.len };
}

function prefixMatches(c: CompiledPrefix, a: Buffer): boolean {
  const full = c.len >> 3;
  for (let i = 0; i < full; i++) if (c.bytes[i] !== a[i]) return false;
  const rest = c.len & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((c.bytes[full]! ^ a[full]!) & mask) === 0;
}

/** A selector ready to match packets. */
export class CompiledSelector {
  readonly family: Family;
  private readonly src: CompiledPrefix;
  private readonly dst: CompiledPrefix;
  private readonly protocol: number;
  private readonly sport: number;
  private readonly smask: number;
  private readonly dport: number;
  private readonly dmask: number;

  constructor(readonly selector: Selector) {
    const s = compilePrefix(selector.src);
    const d = compilePrefix(selector.dst);
    if (s.family !== d.family) throw new Error(`selector mixes families: ${selector.src} -> ${selector.dst}`);
    this.family = s.family;
    this.src = s;
    this.dst = d;
    this.protocol = selector.protocol;
    this.sport = selector.srcPort ?? 0;
    this.smask = selector.srcPortMask ?? (this.sport ? 0xffff : 0);
    this.dport = selector.dstPort ?? 0;
    this.dmask = selector.dstPortMask ?? (this.dport ? 0xffff : 0);
  }

  matches(f: PacketFields): boolean {
    if (f.family !== this.family) return false;
    if (this.protocol !== 0 && this.protocol !== f.protocol) return false;
    if (!prefixMatches(this.src, f.src) || !prefixMatches(this.dst, f.dst)) return false;
    // A port constraint needs the packet's port (no port, e.g. a later fragment: no match, as XFRM).
    if (this.smask && (f.srcPort === undefined || ((f.srcPort ^ this.sport) & this.smask) !== 0)) return false;
    if (this.dmask && (f.dstPort === undefined || ((f.dstPort ^ this.dport) & this.dmask) !== 0)) return false;
    return true;
  }
}

/** What an SA must offer for the SPD (SaSpec fits). */
export interface SpdSa {
  spi: number;
  src: string;
  dst: string;
  mode: 'tunnel' | 'transport';
  reqid: number;
}

/** Per packet (template vs SA): the engine gives both the same text, so equal strings answer without parsing. */
function sameAddr(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return addrBytes(a).equals(addrBytes(b));
  } catch {
    return false;
  }
}

/** Whether `sa` can serve template `t` (reqid 0 in the template = any; tunnel endpoints must agree when given). */
export function templateMatchesSa(t: PolicyTemplate, sa: SpdSa): boolean {
  if (t.reqid !== 0 && t.reqid !== sa.reqid) return false;
  if (t.mode !== sa.mode) return false;
  if (t.mode === 'tunnel') {
    if (t.src !== undefined && !sameAddr(t.src, sa.src)) return false;
    if (t.dst !== undefined && !sameAddr(t.dst, sa.dst)) return false;
  }
  return true;
}

export interface SpdPolicy extends PolicySpec {
  readonly index: number;
  readonly compiled: CompiledSelector;
  counters: { bytes: number; packets: number; addTime: number; useTime: number };
}

export type OutboundDecision<S> =
  /** No outbound policy matched: send in clear (XFRM's default). */
  | { verdict: 'no-policy' }
  /** action=none: send in clear. */
  | { verdict: 'bypass'; policy: SpdPolicy }
  | { verdict: 'discard'; policy: SpdPolicy }
  /** Apply these SAs in order (first = innermost). */
  | { verdict: 'encrypt'; policy: SpdPolicy; sas: S[] }
  /** require/unique template with no SA: drop the packet and ask IKE for one. */
  | { verdict: 'acquire'; policy: SpdPolicy; template: PolicyTemplate }
  /** Every template is level `use` and none has an SA: send in clear. */
  | { verdict: 'pass'; policy: SpdPolicy };

export type InboundDecision =
  { ok: true; policy?: SpdPolicy } | { ok: false; counter: StatCounter; policy?: SpdPolicy };

const nowSeconds = () => Math.floor(Date.now() / 1000);

function selectorKey(s: Selector, dir: Direction): string {
  const norm = (t: string) => {
    const p = parsePrefix(t);
    return `${addrBytes(p.addr).toString('hex')}/${p.len}`;
  };
  const sm = s.srcPortMask ?? (s.srcPort ? 0xffff : 0);
  const dm = s.dstPortMask ?? (s.dstPort ? 0xffff : 0);
  return [dir, norm(s.src), norm(s.dst), s.protocol, s.srcPort ?? 0, sm, s.dstPort ?? 0, dm, s.ifindex ?? 0].join('|');
}

export class Spd {
  /** Sorted by priority, then age (older first). */
  private ordered: SpdPolicy[] = [];
  private readonly byKey = new Map<string, SpdPolicy & { seq: number }>();
  private nextIndex = 1;
  private seq = 0;
  readonly stats: Partial<Record<StatCounter, number>> = {};

  count(c: StatCounter): void {
    this.stats[c] = (this.stats[c] ?? 0) + 1;
  }

  /** Add, or replace the policy with the same selector and direction (XFRM_MSG_UPDPOLICY). */
  install(p: PolicySpec): SpdPolicy {
    const key = selectorKey(p.selector, p.dir);
    const old = this.byKey.get(key);
    const entry = {
      ...p,
      templates: p.templates.map((t) => ({ ...t })),
      selector: { ...p.selector },
      index: old?.index ?? this.nextIndex++,
      compiled: new CompiledSelector(p.selector),
      counters: old?.counters ?? { bytes: 0, packets: 0, addTime: nowSeconds(), useTime: 0 },
      seq: old && old.priority === p.priority ? old.seq : this.seq++,
    };
    this.byKey.set(key, entry);
    this.resort();
    return entry;
  }

  remove(k: PolicyKey): boolean {
    const ok = this.byKey.delete(selectorKey(k.selector, k.dir));
    if (ok) this.resort();
    return ok;
  }

  list(): SpdPolicy[] {
    return [...this.ordered];
  }

  private resort(): void {
    this.ordered = [...this.byKey.values()].sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  }

  /** The first policy for `dir` matching the packet. */
  match(f: PacketFields, dir: Direction): SpdPolicy | undefined {
    for (const p of this.ordered) if (p.dir === dir && p.compiled.matches(f)) return p;
    return undefined;
  }

  /**
   * Outbound: the first matching `out` policy and what to do. `findSa(template, packet)` returns the outbound SA
   * serving a template (or undefined); for transport templates the caller checks the packet's addresses.
   * Counts out-policy-blocked for discard; the caller counts acquire drops as it sees fit.
   */
  lookupOutbound<S>(
    packet: Uint8Array | PacketFields,
    findSa: (t: PolicyTemplate, f: PacketFields) => S | undefined,
    /** The packet's fields when the caller has parsed them already (the hot path parses once). */
    parsed?: PacketFields,
  ): OutboundDecision<S> {
    const f = parsed ?? (packet instanceof Uint8Array ? packetFields(packet) : packet);
    if (!f) return { verdict: 'no-policy' };
    const policy = this.match(f, 'out');
    if (!policy) return { verdict: 'no-policy' };
    const len = packet instanceof Uint8Array ? packet.length : 0;
    if (policy.action === 'discard') {
      used(policy, len);
      this.count('out-policy-blocked');
      return { verdict: 'discard', policy };
    }
    if (policy.action === 'none' || policy.templates.length === 0) {
      used(policy, len);
      return { verdict: 'bypass', policy };
    }
    const sas: S[] = [];
    for (const t of policy.templates) {
      const sa = findSa(t, f);
      if (sa !== undefined) sas.push(sa);
      else if (t.level !== 'use') return { verdict: 'acquire', policy, template: t };
    }
    used(policy, len);
    if (sas.length === 0) return { verdict: 'pass', policy };
    return { verdict: 'encrypt', policy, sas };
  }

  /**
   * Inbound, after decapsulation: the inner packet `packet` arrived through `sa` (undefined = arrived in clear).
   * The first matching `in` (or `fwd`) policy must accept it: a packet through an SA needs a policy whose template
   * that SA serves (in-no-policies when nothing matches, in-template-mismatches when the policy does not list the
   * SA); a clear packet is refused by a policy with any require/unique template (in-template-mismatches).
   * Discard policies count in-policy-blocked. Clear packets matching no policy pass (XFRM's default).
   */
  checkInbound(packet: Uint8Array | PacketFields, sa: SpdSa | undefined, dir: 'in' | 'fwd' = 'in'): InboundDecision {
    const f = packet instanceof Uint8Array ? packetFields(packet) : packet;
    if (!f) return this.refuse('in-header-errors');
    const policy = this.match(f, dir);
    if (!policy) return sa ? this.refuse('in-no-policies') : { ok: true };
    if (policy.action === 'discard') return this.refuse('in-policy-blocked', policy);
    if (!inboundTemplatesAccept(policy, sa)) return this.refuse('in-template-mismatches', policy);
    used(policy, packet instanceof Uint8Array ? packet.length : 0);
    return { ok: true, policy };
  }

  private refuse(counter: StatCounter, policy?: SpdPolicy): InboundDecision {
    this.count(counter);
    return { ok: false, counter, policy };
  }
}

/** A packet of `len` bytes went through `policy`. */
function used(policy: SpdPolicy, len: number): void {
  policy.counters.packets++;
  policy.counters.bytes += len;
  policy.counters.useTime = nowSeconds();
}

/** Through an SA: one of the policy's templates must be served by it. In clear: no template may require an SA. */
function inboundTemplatesAccept(policy: SpdPolicy, sa: SpdSa | undefined): boolean {
  if (policy.action !== 'encrypt') return !sa; // no templates: only clear packets fit
  if (sa) {
    for (const t of policy.templates) if (templateMatchesSa(t, sa)) return true;
    return false;
  }
  for (const t of policy.templates) if (t.level !== 'use') return false;
  return true;
}

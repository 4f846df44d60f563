// Tunnel and transport mode around EspSa, and the inbound SPI table with its statistics.
import type { StatCounter } from '@ipsec/schema';
import { EspSa, type DecapResult, type EncapResult } from './sa.ts';
import { espSpi } from './udp.ts';

export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ESP = 50;

/** Tunnel mode out: the whole inner IP packet is the payload; next header 4 (IPv4) or 41 (IPv6). */
export function tunnelEncap(sa: EspSa, inner: Uint8Array): EncapResult {
  const v = inner.length ? inner[0]! >> 4 : 0;
  if (v !== 4 && v !== 6) return { ok: false, counter: 'out-state-mode-errors', reason: 'not an IP packet' };
  return sa.encapsulate(inner, v === 4 ? IPPROTO_IPIP : IPPROTO_IPV6);
}

/** Tunnel mode in: the payload must be the IP packet the next header says. */
export function tunnelDecap(sa: EspSa, esp: Uint8Array): DecapResult {
  const r = sa.decapsulate(esp);
  if (!r.ok) return r;
  const v = r.payload.length ? r.payload[0]! >> 4 : 0;
  if (!((r.nextHeader === IPPROTO_IPIP && v === 4) || (r.nextHeader === IPPROTO_IPV6 && v === 6)))
    return { ok: false, counter: 'in-state-mode-errors', reason: `next header ${r.nextHeader} is not tunnel mode` };
  return r;
}

function ipv4Checksum(h: Uint8Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (h[i]! << 8) | h[i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Where the upper-layer data starts and which field holds its protocol, or undefined (unsupported header). */
function ipHeader(p: Uint8Array): { hlen: number; protoOff: number } | undefined {
  const v = p.length ? p[0]! >> 4 : 0;
  if (v === 4) {
    const hlen = (p[0]! & 0xf) * 4;
    return hlen >= 20 && p.length >= hlen ? { hlen, protoOff: 9 } : undefined;
  }
  // IPv6 without extension headers only (this round): ESP goes right after the fixed header.
  if (v === 6) return p.length >= 40 ? { hlen: 40, protoOff: 6 } : undefined;
  return undefined;
}

function fixLength(p: Buffer): void {
  if (p[0]! >> 4 === 4) {
    const hlen = (p[0]! & 0xf) * 4;
    p.writeUInt16BE(p.length, 2);
    p.writeUInt16BE(0, 10);
    p.writeUInt16BE(ipv4Checksum(p, hlen), 10);
  } else p.writeUInt16BE(p.length - 40, 4);
}

/**
 * Transport mode out: `ip` is a whole IP packet; returns it with ESP between the IP header and the upper layer.
 * (One extra copy: the header is copied in front of the ESP packet.)
 */
export function transportEncap(sa: EspSa, ip: Uint8Array): EncapResult {
  const h = ipHeader(ip);
  if (!h) return { ok: false, counter: 'out-state-mode-errors', reason: 'unsupported IP header' };
  const r = sa.encapsulate(ip.subarray(h.hlen), ip[h.protoOff]!);
  if (!r.ok) return r;
  const out = Buffer.allocUnsafe(h.hlen + r.packet.length);
  out.set(ip.subarray(0, h.hlen), 0);
  out.set(r.packet, h.hlen);
  out[h.protoOff] = IPPROTO_ESP;
  fixLength(out);
  return { ok: true, packet: out };
}

/** Transport mode in: `ip` is the received IP packet carrying ESP; returns the original packet. */
export function transportDecap(sa: EspSa, ip: Uint8Array): DecapResult {
  const h = ipHeader(ip);
  if (!h || ip[h.protoOff] !== IPPROTO_ESP)
    return { ok: false, counter: 'in-header-errors', reason: 'not an ESP packet' };
  const r = sa.decapsulate(ip.subarray(h.hlen));
  if (!r.ok) return r;
  if (r.nextHeader === IPPROTO_IPIP || r.nextHeader === IPPROTO_IPV6)
    return { ok: false, counter: 'in-state-mode-errors', reason: 'tunnel-mode payload on a transport SA' };
  const out = Buffer.allocUnsafe(h.hlen + r.payload.length);
  out.set(ip.subarray(0, h.hlen), 0);
  out.set(r.payload, h.hlen);
  out[h.protoOff] = r.nextHeader;
  fixLength(out);
  return { ...r, payload: out };
}

export type EspStats = Record<StatCounter, number>;

/** Inbound SAs by SPI, with the Statistics menu counters (names from @ipsec/schema STAT_COUNTERS). */
export class EspInbound {
  readonly sas = new Map<number, { sa: EspSa; mode: 'tunnel' | 'transport' }>();
  readonly stats: Partial<EspStats> = {};

  add(sa: EspSa, mode: 'tunnel' | 'transport'): void {
    this.sas.set(sa.spi, { sa, mode });
  }

  remove(spi: number): void {
    this.sas.delete(spi >>> 0);
  }

  count(c: StatCounter): void {
    this.stats[c] = (this.stats[c] ?? 0) + 1;
  }

  /**
   * One received ESP packet: `transportIp` = pkt is the whole IP packet (raw ESP; needed for transport-mode SAs),
   * else pkt is SPI..ICV (the UDP payload, or raw ESP with the outer header stripped). Never throws.
   */
  receive(pkt: Uint8Array, transportIp = false): DecapResult {
    let r: DecapResult;
    const espOff = transportIp ? (ipHeader(pkt)?.hlen ?? -1) : 0;
    const e = espOff >= 0 && pkt.length >= espOff + 8 ? this.sas.get(espSpi(pkt.subarray(espOff))) : undefined;
    if (espOff < 0 || pkt.length < espOff + 8) r = { ok: false, counter: 'in-header-errors', reason: 'short packet' };
    else if (!e) r = { ok: false, counter: 'in-no-states', reason: 'unknown SPI' };
    else if (e.mode === 'tunnel') r = tunnelDecap(e.sa, pkt.subarray(espOff));
    else r = transportDecap(e.sa, pkt);
    if (!r.ok) this.count(r.counter);
    return r;
  }
}

// Configuration payload (RFC 7296 3.15).
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface CpAttribute {
  type: number;
  value: Uint8Array;
}

export interface CpPayload {
  type: typeof PayloadType.CP;
  critical?: boolean;
  cfgType: number;
  attributes: CpAttribute[];
}

export const CpAttr = {
  INTERNAL_IP4_ADDRESS: 1,
  INTERNAL_IP4_NETMASK: 2,
  INTERNAL_IP4_DNS: 3,
  INTERNAL_IP4_NBNS: 4,
  INTERNAL_IP4_DHCP: 6,
  APPLICATION_VERSION: 7,
  INTERNAL_IP6_ADDRESS: 8,
  INTERNAL_IP6_DNS: 10,
  INTERNAL_IP6_DHCP: 12,
  INTERNAL_IP4_SUBNET: 13,
  SUPPORTED_ATTRIBUTES: 14,
  INTERNAL_IP6_SUBNET: 15,
  /** RFC 8598: a DNS domain whose names the client resolves through the tunnel's DNS servers. */
  INTERNAL_DNS_DOMAIN: 25,
} as const;

export function parseCp(body: Uint8Array): CpPayload {
  const r = new Reader(body);
  const cfgType = r.u8('CFG type');
  r.skip(3);
  const attributes: CpAttribute[] = [];
  while (r.remaining > 0) {
    const t = r.u16('CP attribute type') & 0x7fff;
    const len = r.u16('CP attribute length');
    attributes.push({ type: t, value: r.bytes(len, 'CP attribute value') });
    if (attributes.length > 256) throw new ParseError('too many CP attributes');
  }
  return { type: PayloadType.CP, cfgType, attributes };
}

export function serializeCp(p: CpPayload): Uint8Array {
  const w = new Writer().u8(p.cfgType).zeros(3);
  for (const a of p.attributes)
    w.u16(a.type & 0x7fff)
      .u16(a.value.length)
      .bytes(a.value);
  return w.finish();
}

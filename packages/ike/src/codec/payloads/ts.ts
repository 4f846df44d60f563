// Traffic Selector payloads TSi/TSr (RFC 7296 3.13).
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType, TsType } from '../constants.ts';

export interface TrafficSelector {
  tsType: number; // 7 = IPv4 range, 8 = IPv6 range
  protocol: number; // 0 = any
  startPort: number;
  endPort: number;
  startAddr: Uint8Array;
  endAddr: Uint8Array;
}

export interface TsPayload {
  type: typeof PayloadType.TSi | typeof PayloadType.TSr;
  critical?: boolean;
  selectors: TrafficSelector[];
}

export function parseTs(body: Uint8Array, type: typeof PayloadType.TSi | typeof PayloadType.TSr): TsPayload {
  const r = new Reader(body);
  const count = r.u8('TS count');
  r.skip(3);
  if (count === 0) throw new ParseError('TS payload with no selectors');
  const selectors: TrafficSelector[] = [];
  for (let i = 0; i < count; i++) {
    const tsType = r.u8('TS type');
    const protocol = r.u8('IP protocol');
    const len = r.u16('TS length');
    const addrLen = tsType === TsType.IPV4_ADDR_RANGE ? 4 : tsType === TsType.IPV6_ADDR_RANGE ? 16 : -1;
    if (addrLen < 0) throw new ParseError(`unsupported TS type ${tsType}`);
    if (len !== 8 + 2 * addrLen) throw new ParseError('bad TS length');
    const startPort = r.u16();
    const endPort = r.u16();
    selectors.push({ tsType, protocol, startPort, endPort, startAddr: r.bytes(addrLen), endAddr: r.bytes(addrLen) });
  }
  if (r.remaining !== 0) throw new ParseError('trailing bytes in TS payload');
  return { type, selectors };
}

export function serializeTs(p: TsPayload): Uint8Array {
  const w = new Writer().u8(p.selectors.length).zeros(3);
  for (const s of p.selectors) {
    w.u8(s.tsType)
      .u8(s.protocol)
      .u16(8 + s.startAddr.length + s.endAddr.length)
      .u16(s.startPort)
      .u16(s.endPort);
    w.bytes(s.startAddr).bytes(s.endAddr);
  }
  return w.finish();
}

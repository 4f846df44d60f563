// Delete payload (RFC 7296 3.11).
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface DeletePayload {
  type: typeof PayloadType.DELETE;
  critical?: boolean;
  protocol: number;
  spiSize: number;
  spis: Uint8Array[];
}

export function parseDelete(body: Uint8Array): DeletePayload {
  const r = new Reader(body);
  const protocol = r.u8('protocol');
  const spiSize = r.u8('SPI size');
  const count = r.u16('SPI count');
  if (protocol === 1 && (spiSize !== 0 || count !== 0)) throw new ParseError('IKE delete carries no SPIs');
  if ((protocol === 2 || protocol === 3) && spiSize !== 4) throw new ParseError('ESP/AH delete needs 4-byte SPIs');
  if (spiSize * count !== r.remaining) throw new ParseError('delete SPI count does not match length');
  const spis: Uint8Array[] = [];
  for (let i = 0; i < count; i++) spis.push(r.bytes(spiSize));
  return { type: PayloadType.DELETE, protocol, spiSize, spis };
}

export function serializeDelete(p: DeletePayload): Uint8Array {
  const w = new Writer().u8(p.protocol).u8(p.spiSize).u16(p.spis.length);
  for (const s of p.spis) w.bytes(s);
  return w.finish();
}

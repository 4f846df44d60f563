// Identification payloads IDi/IDr (RFC 7296 3.5).
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface IdPayload {
  type: typeof PayloadType.IDi | typeof PayloadType.IDr;
  critical?: boolean;
  idType: number;
  data: Uint8Array;
}

export function parseId(body: Uint8Array, type: typeof PayloadType.IDi | typeof PayloadType.IDr): IdPayload {
  const r = new Reader(body);
  const idType = r.u8('ID type');
  r.skip(3);
  const data = r.rest();
  if (idType === 1 && data.length !== 4) throw new ParseError('ID_IPV4_ADDR must be 4 bytes');
  if (idType === 5 && data.length !== 16) throw new ParseError('ID_IPV6_ADDR must be 16 bytes');
  return { type, idType, data };
}

/** The ID payload body without the generic header: what RFC 7296 2.15 calls RestOfInitIDPayload. */
export function serializeId(p: IdPayload): Uint8Array {
  return new Writer().u8(p.idType).zeros(3).bytes(p.data).finish();
}

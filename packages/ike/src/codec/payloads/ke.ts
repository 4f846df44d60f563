// Key Exchange payload (RFC 7296 3.4).
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface KePayload {
  type: typeof PayloadType.KE;
  critical?: boolean;
  group: number;
  data: Uint8Array;
}

export function parseKe(body: Uint8Array): KePayload {
  const r = new Reader(body);
  const group = r.u16('DH group');
  r.skip(2);
  const data = r.rest();
  if (data.length === 0) throw new ParseError('empty key exchange data');
  return { type: PayloadType.KE, group, data };
}

export function serializeKe(p: KePayload): Uint8Array {
  return new Writer().u16(p.group).u16(0).bytes(p.data).finish();
}

// Authentication payload (RFC 7296 3.8).
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface AuthPayload {
  type: typeof PayloadType.AUTH;
  critical?: boolean;
  method: number;
  data: Uint8Array;
}

export function parseAuth(body: Uint8Array): AuthPayload {
  const r = new Reader(body);
  const method = r.u8('auth method');
  r.skip(3);
  const data = r.rest();
  if (data.length === 0) throw new ParseError('empty authentication data');
  return { type: PayloadType.AUTH, method, data };
}

export function serializeAuth(p: AuthPayload): Uint8Array {
  return new Writer().u8(p.method).zeros(3).bytes(p.data).finish();
}

// Nonce payload Ni/Nr (RFC 7296 3.9): 16..256 bytes.
import { ParseError } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface NoncePayload {
  type: typeof PayloadType.NONCE;
  critical?: boolean;
  data: Uint8Array;
}

export function parseNonce(body: Uint8Array): NoncePayload {
  if (body.length < 16 || body.length > 256) throw new ParseError(`nonce length ${body.length} outside 16..256`);
  return { type: PayloadType.NONCE, data: body.slice() };
}

export function serializeNonce(p: NoncePayload): Uint8Array {
  return p.data;
}

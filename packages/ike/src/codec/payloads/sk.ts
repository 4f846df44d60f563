// Encrypted payload SK (RFC 7296 3.14). The codec keeps the body opaque (IV | ciphertext | ICV);
// src/crypto/sk.ts opens and seals it. `innerNext` is the Next Payload field: the first inner payload type.
import { PayloadType } from '../constants.ts';

export interface SkPayload {
  type: typeof PayloadType.SK;
  critical?: boolean;
  innerNext: number;
  body: Uint8Array;
}

export function parseSk(body: Uint8Array, innerNext: number): SkPayload {
  return { type: PayloadType.SK, innerNext, body: body.slice() };
}

export function serializeSk(p: SkPayload): Uint8Array {
  return p.body;
}

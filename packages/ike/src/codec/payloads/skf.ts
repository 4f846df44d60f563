// Encrypted Fragment payload SKF (RFC 7383 2.5): fragment number, total fragments, then IV | ciphertext | ICV.
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface SkfPayload {
  type: typeof PayloadType.SKF;
  critical?: boolean;
  /** Next Payload: first inner payload type in fragment 1, 0 in the others. */
  innerNext: number;
  fragmentNumber: number;
  totalFragments: number;
  body: Uint8Array;
}

export function parseSkf(body: Uint8Array, innerNext: number): SkfPayload {
  const r = new Reader(body);
  const fragmentNumber = r.u16('fragment number');
  const totalFragments = r.u16('total fragments');
  if (fragmentNumber === 0 || totalFragments === 0 || fragmentNumber > totalFragments)
    throw new ParseError('bad fragment numbering');
  if (fragmentNumber !== 1 && innerNext !== 0) throw new ParseError('only the first fragment names the inner payload');
  return { type: PayloadType.SKF, innerNext, fragmentNumber, totalFragments, body: r.rest() };
}

export function serializeSkf(p: SkfPayload): Uint8Array {
  return new Writer().u16(p.fragmentNumber).u16(p.totalFragments).bytes(p.body).finish();
}

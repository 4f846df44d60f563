// EAP payload (RFC 7296 3.16): carries one EAP message (RFC 3748); its own Length must match.
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface EapPayload {
  type: typeof PayloadType.EAP;
  critical?: boolean;
  code: number; // 1 Request, 2 Response, 3 Success, 4 Failure
  identifier: number;
  /** Type and type data (absent for Success/Failure). */
  data: Uint8Array;
}

export function parseEap(body: Uint8Array): EapPayload {
  const r = new Reader(body);
  const code = r.u8('EAP code');
  const identifier = r.u8('EAP identifier');
  const len = r.u16('EAP length');
  if (len !== body.length) throw new ParseError('EAP length does not match payload');
  if (code < 1 || code > 4) throw new ParseError(`bad EAP code ${code}`);
  const data = r.rest();
  if ((code === 1 || code === 2) && data.length === 0) throw new ParseError('EAP request/response without type');
  return { type: PayloadType.EAP, code, identifier, data };
}

export function serializeEap(p: EapPayload): Uint8Array {
  return new Writer()
    .u8(p.code)
    .u8(p.identifier)
    .u16(4 + p.data.length)
    .bytes(p.data)
    .finish();
}

// Certificate payload (RFC 7296 3.6).
import { Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface CertPayload {
  type: typeof PayloadType.CERT;
  critical?: boolean;
  encoding: number;
  data: Uint8Array;
}

export function parseCert(body: Uint8Array): CertPayload {
  const r = new Reader(body);
  const encoding = r.u8('certificate encoding');
  return { type: PayloadType.CERT, encoding, data: r.rest() };
}

export function serializeCert(p: CertPayload): Uint8Array {
  return new Writer().u8(p.encoding).bytes(p.data).finish();
}

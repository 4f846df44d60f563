// Certificate Request payload (RFC 7296 3.7): encoding + concatenated 20-byte SHA-1 CA key hashes for X.509.
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface CertReqPayload {
  type: typeof PayloadType.CERTREQ;
  critical?: boolean;
  encoding: number;
  authorities: Uint8Array;
}

export function parseCertReq(body: Uint8Array): CertReqPayload {
  const r = new Reader(body);
  const encoding = r.u8('certificate encoding');
  const authorities = r.rest();
  if (encoding === 4 && authorities.length % 20 !== 0)
    throw new ParseError('X.509 CERTREQ authorities must be SHA-1 hashes');
  return { type: PayloadType.CERTREQ, encoding, authorities };
}

export function serializeCertReq(p: CertReqPayload): Uint8Array {
  return new Writer().u8(p.encoding).bytes(p.authorities).finish();
}

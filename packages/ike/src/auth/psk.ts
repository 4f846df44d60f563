// Shared Key Message Integrity Code (RFC 7296 2.15):
//   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets> )
//   SignedOctets = RealMessage | NonceOfPeer | prf(SK_p, RestOfIDPayload)
import { concat, equal, utf8 } from '../util/bytes.ts';
import { prf, type PrfAlg } from '../crypto/prf.ts';

const KEY_PAD = utf8('Key Pad for IKEv2');

export function signedOctets(
  alg: PrfAlg,
  realMessage: Uint8Array,
  peerNonce: Uint8Array,
  skP: Uint8Array,
  restOfIdPayload: Uint8Array,
): Uint8Array {
  return concat(realMessage, peerNonce, prf(alg, skP, restOfIdPayload));
}

export function pskAuth(alg: PrfAlg, secret: Uint8Array, octets: Uint8Array): Uint8Array {
  return prf(alg, prf(alg, secret, KEY_PAD), octets);
}

export function verifyPskAuth(alg: PrfAlg, secret: Uint8Array, octets: Uint8Array, received: Uint8Array): boolean {
  return equal(pskAuth(alg, secret, octets), received);
}

/** RouterOS secret syntax: a value starting with 0x is hex, anything else is the UTF-8 text. */
export function secretBytes(secret: string): Uint8Array {
  if (/^0x([0-9a-fA-F]{2})+$/.test(secret)) return new Uint8Array(Buffer.from(secret.slice(2), 'hex'));
  return utf8(secret);
}

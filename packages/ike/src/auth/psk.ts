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

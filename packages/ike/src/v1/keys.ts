// IKEv1 key material (RFC 2409 5, 5.5, Appendix B): SKEYID for pre-shared keys, SKEYID_d/a/e, the cipher key
// expanded from SKEYID_e, CBC IVs chained across messages, HASH_I/HASH_R, the quick mode hashes and KEYMAT.
// The PRF is HMAC over the negotiated hash (no PRF attribute is negotiated, RFC 2409 5); IVs use the plain hash.
import { createHash } from 'node:crypto';
import { err, ok, type HashName, type Result } from '@ipsec/schema';
import { prf, prfByName, type PrfAlg } from '../crypto/prf.ts';
import type { PlainCipher } from '../crypto/cipher.ts';
import { concat, u32 } from '../util/bytes.ts';

export interface Phase1Keys {
  skeyid: Uint8Array;
  /** Derives phase 2 KEYMAT. */
  d: Uint8Array;
  /** Authenticates phase 2 and informational messages (HASH(1..3)). */
  a: Uint8Array;
  /** Expanded to the phase 1 cipher key. */
  e: Uint8Array;
  /** The cipher key taken from SKEYID_e (Appendix B). */
  encKey: Uint8Array;
}

export function v1Prf(hash: HashName): PrfAlg {
  const alg = prfByName(hash);
  if (!alg) throw new Error(`no PRF for ${hash}`);
  return alg;
}

/** SKEYID for pre-shared keys: prf(pre-shared-key, Ni_b | Nr_b) (RFC 2409 5). */
export function skeyidPsk(alg: PrfAlg, psk: Uint8Array, ni: Uint8Array, nr: Uint8Array): Uint8Array {
  return prf(alg, psk, concat(ni, nr));
}

/**
 * Appendix B: a cipher key longer than SKEYID_e is Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1);
 * a shorter one is the first bytes of SKEYID_e.
 */
export function expandCipherKey(alg: PrfAlg, skeyidE: Uint8Array, length: number): Uint8Array {
  if (length <= skeyidE.length) return skeyidE.slice(0, length);
  const blocks: Uint8Array[] = [];
  let k: Uint8Array = new Uint8Array([0]);
  let have = 0;
  while (have < length) {
    k = prf(alg, skeyidE, k);
    blocks.push(k);
    have += k.length;
  }
  return concat(...blocks).slice(0, length);
}

/** SKEYID_d/a/e from SKEYID and g^xy (RFC 2409 5), and the cipher key. */
export function phase1Keys(
  alg: PrfAlg,
  skeyid: Uint8Array,
  gxy: Uint8Array,
  ckyI: Uint8Array,
  ckyR: Uint8Array,
  cipherKeyLength: number,
): Phase1Keys {
  const d = prf(alg, skeyid, concat(gxy, ckyI, ckyR, new Uint8Array([0])));
  const a = prf(alg, skeyid, concat(d, gxy, ckyI, ckyR, new Uint8Array([1])));
  const e = prf(alg, skeyid, concat(a, gxy, ckyI, ckyR, new Uint8Array([2])));
  return { skeyid, d, a, e, encKey: expandCipherKey(alg, e, cipherKeyLength) };
}

function digest(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(hash);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** The first IV of phase 1: hash(g^xi | g^xr), cut to the cipher's block (RFC 2409 Appendix B). */
export function phase1Iv(hash: HashName, gxi: Uint8Array, gxr: Uint8Array, blockLen: number): Uint8Array {
  return digest(hash, gxi, gxr).slice(0, blockLen);
}

/** The first IV of a phase 2 or informational exchange: hash(last phase 1 CBC block | M-ID) (Appendix B). */
export function phase2Iv(hash: HashName, lastPhase1Block: Uint8Array, messageId: number, blockLen: number): Uint8Array {
  return digest(hash, lastPhase1Block, u32(messageId)).slice(0, blockLen);
}

/** HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b); HASH_R swaps the pairs (RFC 2409 5). */
export function phase1Hash(
  alg: PrfAlg,
  skeyid: Uint8Array,
  who: 'initiator' | 'responder',
  v: { gxi: Uint8Array; gxr: Uint8Array; ckyI: Uint8Array; ckyR: Uint8Array; saiBody: Uint8Array; idBody: Uint8Array },
): Uint8Array {
  return who === 'initiator'
    ? prf(alg, skeyid, concat(v.gxi, v.gxr, v.ckyI, v.ckyR, v.saiBody, v.idBody))
    : prf(alg, skeyid, concat(v.gxr, v.gxi, v.ckyR, v.ckyI, v.saiBody, v.idBody));
}

/**
 * Quick mode and informational hashes (RFC 2409 5.5, 5.7). `after` is the message after the HASH payload, payload
 * headers included, padding excluded. HASH(1) = prf(SKEYID_a, M-ID | after); HASH(2) = prf(SKEYID_a, M-ID | Ni_b |
 * after); HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b).
 */
export function quickHash1(alg: PrfAlg, skeyidA: Uint8Array, messageId: number, after: Uint8Array): Uint8Array {
  return prf(alg, skeyidA, concat(u32(messageId), after));
}

export function quickHash2(
  alg: PrfAlg,
  skeyidA: Uint8Array,
  messageId: number,
  niBody: Uint8Array,
  after: Uint8Array,
): Uint8Array {
  return prf(alg, skeyidA, concat(u32(messageId), niBody, after));
}

export function quickHash3(
  alg: PrfAlg,
  skeyidA: Uint8Array,
  messageId: number,
  niBody: Uint8Array,
  nrBody: Uint8Array,
): Uint8Array {
  return prf(alg, skeyidA, concat(new Uint8Array([0]), u32(messageId), niBody, nrBody));
}

/**
 * KEYMAT for one direction of a phase 2 SA (RFC 2409 5.5): K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b |
 * Nr_b), Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b). The SPI is the one the receiving
 * side chose; the encryption key comes first, then the integrity key.
 */
export function keymat(
  alg: PrfAlg,
  skeyidD: Uint8Array,
  v: { pfsSecret?: Uint8Array; protocol: number; spi: Uint8Array; ni: Uint8Array; nr: Uint8Array },
  length: number,
): Uint8Array {
  const seed = concat(v.pfsSecret ?? new Uint8Array(0), new Uint8Array([v.protocol]), v.spi, v.ni, v.nr);
  const blocks: Uint8Array[] = [];
  let k: Uint8Array = new Uint8Array(0);
  let have = 0;
  while (have < length) {
    k = prf(alg, skeyidD, concat(k, seed));
    blocks.push(k);
    have += k.length;
  }
  return concat(...blocks).slice(0, length);
}

/**
 * Encrypt a payload chain (RFC 2409 Appendix B): pad to the block with zeros, the last pad byte counting the pad
 * bytes before it (so there is always padding). Returns the ciphertext and the next IV (its last block).
 */
export function encryptChain(
  cipher: PlainCipher,
  key: Uint8Array,
  iv: Uint8Array,
  chain: Uint8Array,
): { ciphertext: Uint8Array; nextIv: Uint8Array } {
  const b = cipher.blockLen;
  const pad = b - (chain.length % b);
  const plain = new Uint8Array(chain.length + pad);
  plain.set(chain);
  plain[plain.length - 1] = pad - 1;
  const ciphertext = cipher.encrypt(key, iv, plain);
  return { ciphertext, nextIv: ciphertext.slice(ciphertext.length - b) };
}

/** Decrypt a message body; the padding is left for the payload parser to skip. */
export function decryptChain(
  cipher: PlainCipher,
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Result<{ plain: Uint8Array; nextIv: Uint8Array }> {
  const b = cipher.blockLen;
  if (ciphertext.length === 0 || ciphertext.length % b !== 0)
    return err(`encrypted body of ${ciphertext.length} bytes is not a whole number of ${b}-byte blocks`);
  return ok({ plain: cipher.decrypt(key, iv, ciphertext), nextIv: ciphertext.slice(ciphertext.length - b) });
}

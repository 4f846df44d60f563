// Pseudo-random functions (RFC 7296 2.13) over HMAC, and prf+ for key expansion.
import { createHmac } from 'node:crypto';
import { HASHES, type HashName } from '@ipsec/schema';
import { concat } from '../util/bytes.ts';

export interface PrfAlg {
  name: HashName;
  /** IKEv2 PRF transform ID. */
  id: number;
  /** Output (and preferred key) length in bytes. */
  outLen: number;
}

/** Digest length of each schema hash in bytes: the PRF output and the HMAC key length of its INTEG (RFC 4868). */
export const HASH_BYTES: Record<HashName, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

export const PRFS: readonly PrfAlg[] = HASHES.filter((h) => h.prf !== undefined).map((h) => ({
  name: h.name,
  id: h.prf,
  outLen: HASH_BYTES[h.name],
}));

export function prfById(id: number): PrfAlg | undefined {
  return PRFS.find((p) => p.id === id);
}

export function prfByName(name: string): PrfAlg | undefined {
  return PRFS.find((p) => p.name === name);
}

export function prf(alg: PrfAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(alg.name, key).update(data).digest());
}

/** prf+ (RFC 7296 2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), at most 255 rounds. */
export function prfPlus(alg: PrfAlg, key: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  if (length > 255 * alg.outLen) throw new RangeError(`prf+ cannot produce ${length} bytes`);
  const blocks: Uint8Array[] = [];
  let t: Uint8Array = new Uint8Array(0);
  let have = 0;
  for (let n = 1; have < length; n++) {
    t = prf(alg, key, concat(t, seed, new Uint8Array([n])));
    blocks.push(t);
    have += t.length;
  }
  return concat(...blocks).slice(0, length);
}

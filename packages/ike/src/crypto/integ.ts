// Integrity algorithms: HMAC truncated to the ICV length of schema HASHES (RFC 2404, 4868).
import { createHmac } from 'node:crypto';
import { HASHES, type HashName } from '@ipsec/schema';
import { HASH_BYTES } from './prf.ts';

export interface IntegAlg {
  name: HashName;
  /** IKEv2 INTEG transform ID. */
  id: number;
  keyLen: number;
  icvLen: number;
}

export const INTEGS: readonly IntegAlg[] = HASHES.map((h) => ({
  name: h.name,
  id: h.integ,
  keyLen: HASH_BYTES[h.name],
  icvLen: h.icvBytes,
}));

export function integById(id: number): IntegAlg | undefined {
  return INTEGS.find((i) => i.id === id);
}

export function integByName(name: string): IntegAlg | undefined {
  return INTEGS.find((i) => i.name === name);
}

export function mac(alg: IntegAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(alg.name, key).update(data).digest()).slice(0, alg.icvLen);
}

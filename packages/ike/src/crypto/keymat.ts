// Key derivation: IKE SA keys (RFC 7296 2.14), IKE SA rekey (2.18), CHILD_SA keying material (2.17).
import { concat } from '../util/bytes.ts';
import { prf, prfPlus, type PrfAlg } from './prf.ts';

export interface IkeKeyLengths {
  prf: PrfAlg;
  /** Bytes of SK_ai/SK_ar (0 for AEAD). */
  integKeyLen: number;
  /** Bytes of SK_ei/SK_er including any salt. */
  encKeyLen: number;
}

export interface IkeKeys {
  skeyseed: Uint8Array;
  d: Uint8Array;
  ai: Uint8Array;
  ar: Uint8Array;
  ei: Uint8Array;
  er: Uint8Array;
  pi: Uint8Array;
  pr: Uint8Array;
}

function split(
  lens: IkeKeyLengths,
  skeyseed: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  spiI: Uint8Array,
  spiR: Uint8Array,
): IkeKeys {
  const p = lens.prf.outLen;
  const total = 3 * p + 2 * lens.integKeyLen + 2 * lens.encKeyLen;
  const km = prfPlus(lens.prf, skeyseed, concat(ni, nr, spiI, spiR), total);
  let o = 0;
  const take = (n: number) => km.slice(o, (o += n));
  return {
    skeyseed,
    d: take(p),
    ai: take(lens.integKeyLen),
    ar: take(lens.integKeyLen),
    ei: take(lens.encKeyLen),
    er: take(lens.encKeyLen),
    pi: take(p),
    pr: take(p),
  };
}

/** SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
export function deriveIkeKeys(
  lens: IkeKeyLengths,
  ni: Uint8Array,
  nr: Uint8Array,
  sharedSecret: Uint8Array,
  spiI: Uint8Array,
  spiR: Uint8Array,
): IkeKeys {
  const skeyseed = prf(lens.prf, concat(ni, nr), sharedSecret);
  return split(lens, skeyseed, ni, nr, spiI, spiR);
}

/**
 * Rekeyed IKE SA (2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), computed with the old IKE SA's PRF;
 * the new SA's keys are then expanded with the new PRF using the new SPIs.
 */
export function deriveRekeyedIkeKeys(
  oldPrf: PrfAlg,
  oldSkD: Uint8Array,
  lens: IkeKeyLengths,
  ni: Uint8Array,
  nr: Uint8Array,
  sharedSecret: Uint8Array,
  spiI: Uint8Array,
  spiR: Uint8Array,
): IkeKeys {
  const skeyseed = prf(oldPrf, oldSkD, concat(sharedSecret, ni, nr));
  return split(lens, skeyseed, ni, nr, spiI, spiR);
}

export interface ChildKeys {
  /** Initiator-to-responder encryption and integrity keys. */
  encI: Uint8Array;
  integI: Uint8Array;
  /** Responder-to-initiator encryption and integrity keys. */
  encR: Uint8Array;
  integR: Uint8Array;
}

/**
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (2.17). Keys for initiator-to-responder traffic come first;
 * within each direction the encryption key precedes the integrity key.
 */
export function deriveChildKeys(
  prfAlg: PrfAlg,
  skD: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  encKeyLen: number,
  integKeyLen: number,
  sharedSecret?: Uint8Array,
): ChildKeys {
  const seed = sharedSecret ? concat(sharedSecret, ni, nr) : concat(ni, nr);
  const km = prfPlus(prfAlg, skD, seed, 2 * (encKeyLen + integKeyLen));
  let o = 0;
  const take = (n: number) => km.slice(o, (o += n));
  return { encI: take(encKeyLen), integI: take(integKeyLen), encR: take(encKeyLen), integR: take(integKeyLen) };
}

// Sealing and opening the Encrypted payload SK (RFC 7296 3.14) and its fragment form SKF (RFC 7383).
// For CBC/CTR the ICV covers the whole message up to the ICV; for AEAD (RFC 5282, 7634) the AAD is the
// message from the IKE header through the SK (or SKF incl. fragment numbers) header, and the ICV is the tag.
import { HEADER_LENGTH, serializeHeader } from '../codec/header.ts';
import type { ParsedMessage } from '../codec/message.ts';
import { parseChain, serializeChain, type Payload } from '../codec/payload.ts';
import { PayloadType } from '../codec/constants.ts';
import { ParseError, concat, equal, u16 } from '../util/bytes.ts';
import type { EncrAlg } from './cipher.ts';
import { mac, type IntegAlg } from './integ.ts';
import type { RandomSource } from './random.ts';

export interface SkKeys {
  encr: EncrAlg;
  integ?: IntegAlg;
  /** SK_e for the sending direction (key | salt). */
  encKey: Uint8Array;
  /** SK_a for the sending direction (non-AEAD only). */
  integKey?: Uint8Array;
}

export interface Envelope {
  spiI: Uint8Array;
  spiR: Uint8Array;
  exchange: number;
  flags: number;
  messageId: number;
}

function icvLen(k: SkKeys): number {
  if (k.encr.aead) return k.encr.icvLen;
  if (!k.integ) throw new Error('non-AEAD cipher needs an integrity algorithm');
  return k.integ.icvLen;
}

/** Encrypt `plaintext` into IV | ciphertext | ICV given the bytes that precede the IV (header .. payload header). */
function sealBody(
  k: SkKeys,
  prefix: (bodyLen: number) => Uint8Array,
  inner: Uint8Array,
  random: RandomSource,
): Uint8Array {
  const block = k.encr.blockLen;
  const padLen = (block - ((inner.length + 1) % block)) % block;
  const pt = concat(inner, new Uint8Array(padLen), new Uint8Array([padLen]));
  const iv = random(k.encr.ivLen);
  const bodyLen = iv.length + pt.length + icvLen(k);
  const head = prefix(bodyLen);
  if (k.encr.aead) return concat(head, iv, k.encr.seal(k.encKey, iv, head, pt));
  const ct = k.encr.encrypt(k.encKey, iv, pt);
  const signed = concat(head, iv, ct);
  return concat(signed, mac(k.integ as IntegAlg, k.integKey as Uint8Array, signed));
}

/** Build a complete message whose payloads are all carried inside one SK payload. */
export function sealMessage(env: Envelope, inner: readonly Payload[], k: SkKeys, random: RandomSource): Uint8Array {
  const chain = serializeChain(inner);
  return sealBody(
    k,
    (bodyLen) =>
      concat(
        serializeHeader({ ...env, nextPayload: PayloadType.SK, length: HEADER_LENGTH + 4 + bodyLen }),
        new Uint8Array([chain.first, 0]),
        u16(4 + bodyLen),
      ),
    chain.bytes,
    random,
  );
}

/** Build one SKF fragment message (RFC 7383 2.5) carrying `piece` of the serialized inner chain. */
export function sealFragment(
  env: Envelope,
  innerNext: number,
  fragmentNumber: number,
  totalFragments: number,
  piece: Uint8Array,
  k: SkKeys,
  random: RandomSource,
): Uint8Array {
  return sealBody(
    k,
    (bodyLen) =>
      concat(
        serializeHeader({ ...env, nextPayload: PayloadType.SKF, length: HEADER_LENGTH + 8 + bodyLen }),
        new Uint8Array([fragmentNumber === 1 ? innerNext : 0, 0]),
        u16(8 + bodyLen),
        u16(fragmentNumber),
        u16(totalFragments),
      ),
    piece,
    random,
  );
}

function openBody(k: SkKeys, raw: Uint8Array, ivStart: number): Uint8Array {
  const icv = icvLen(k);
  const ivLen = k.encr.ivLen;
  if (raw.length - ivStart < ivLen + icv + 1) throw new ParseError('encrypted payload too short', 0);
  const iv = raw.subarray(ivStart, ivStart + ivLen);
  let pt: Uint8Array;
  if (k.encr.aead) {
    const opened = k.encr.open(k.encKey, iv, raw.subarray(0, ivStart), raw.subarray(ivStart + ivLen));
    if (!opened) throw new ParseError('ICV mismatch', 0);
    pt = opened;
  } else {
    const end = raw.length - icv;
    const want = mac(k.integ as IntegAlg, k.integKey as Uint8Array, raw.subarray(0, end));
    if (!equal(want, raw.subarray(end))) throw new ParseError('ICV mismatch', 0);
    const ct = raw.subarray(ivStart + ivLen, end);
    if (ct.length % k.encr.blockLen !== 0) throw new ParseError('ciphertext not a multiple of the block size');
    pt = k.encr.decrypt(k.encKey, iv, ct);
  }
  const padLen = pt[pt.length - 1] as number;
  if (padLen + 1 > pt.length) throw new ParseError('pad length exceeds plaintext');
  return pt.subarray(0, pt.length - 1 - padLen);
}

/**
 * Verify and decrypt the SK payload of a parsed message and parse the inner payload chain.
 * Throws ParseError; notify 0 means "drop silently" (integrity failure, RFC 7296 2.21.2).
 */
export function openMessage(msg: ParsedMessage, k: SkKeys): Payload[] {
  const sk = msg.payloads[msg.payloads.length - 1];
  if (!sk || sk.type !== PayloadType.SK || msg.encryptedOffset === undefined || !('innerNext' in sk))
    throw new ParseError('no encrypted payload', 0);
  const inner = openBody(k, msg.raw, msg.encryptedOffset + 4);
  return parseChain(inner, sk.innerNext, { inner: true }).payloads;
}

/** Decrypt one SKF fragment; returns its plaintext piece (reassembly is the caller's job). */
export function openFragment(msg: ParsedMessage, k: SkKeys): Uint8Array {
  if (msg.encryptedOffset === undefined) throw new ParseError('no encrypted fragment', 0);
  return openBody(k, msg.raw, msg.encryptedOffset + 8);
}

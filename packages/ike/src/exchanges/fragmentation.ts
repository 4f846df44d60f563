// IKE fragmentation (RFC 7383): a message too big for one datagram goes as SKF fragments, each encrypted on its
// own, and incoming fragments are reassembled within bounds (a peer cannot make us hold more than 64 KiB or 64
// pieces per message).
import type { ParsedMessage } from '../codec/message.ts';
import { parseChain, serializeChain, type Payload } from '../codec/payload.ts';
import type { SkfPayload } from '../codec/payloads/skf.ts';
import type { Ctx } from '../context.ts';
import type { RandomSource } from '../crypto/random.ts';
import { openFragment, sealFragment, type Envelope, type SkKeys } from '../crypto/sk.ts';
import { isResponse } from '../codec/header.ts';
import type { IkeSa } from '../ike-sa.ts';
import { concat } from '../util/bytes.ts';
import { inKeys } from './common.ts';

/** Fragments and bytes accepted for one incoming fragmented message. */
const MAX_FRAGMENTS = 64;
const MAX_REASSEMBLY = 64 * 1024;

/** The largest IKE message that fits a datagram of `fragmentSize` bytes (IP and UDP headers, non-ESP marker). */
export function maxMessage(sa: IkeSa, fragmentSize: number, markerPort: number): number {
  const v6 = sa.remote.address.includes(':');
  const marker = sa.local.port === markerPort || sa.remote.port === markerPort ? 4 : 0;
  return fragmentSize - (v6 ? 48 : 28) - marker;
}

/** The payloads as SKF fragments of at most `max` bytes each. */
export function fragment(
  env: Envelope,
  payloads: Payload[],
  keys: SkKeys,
  random: RandomSource,
  max: number,
): Uint8Array[] {
  const chain = serializeChain(payloads);
  const icv = keys.encr.aead ? keys.encr.icvLen : (keys.integ?.icvLen ?? 0);
  // IKE header, SKF header, IV, ICV and at most one block of padding around each piece.
  const pieceLen = Math.max(64, max - 28 - 8 - keys.encr.ivLen - icv - Math.max(keys.encr.blockLen, 1));
  const total = Math.ceil(chain.bytes.length / pieceLen);
  const out: Uint8Array[] = [];
  for (let i = 0; i < total; i++)
    out.push(
      sealFragment(
        env,
        chain.first,
        i + 1,
        total,
        chain.bytes.subarray(i * pieceLen, (i + 1) * pieceLen),
        keys,
        random,
      ),
    );
  return out;
}

/** One authenticated fragment in; the whole inner payload chain out once all have arrived (RFC 7383 2.6). */
export function reassemble(ctx: Ctx, sa: IkeSa, msg: ParsedMessage, skf: SkfPayload): Payload[] | undefined {
  let piece: Uint8Array;
  try {
    piece = openFragment(msg, inKeys(sa));
  } catch (e) {
    ctx.drop(
      'in-integrity-errors',
      'debug',
      `cannot open fragment ${skf.fragmentNumber}/${skf.totalFragments} of message ${msg.messageId}: ${(e as Error).message}; dropped`,
      sa,
    );
    return undefined;
  }
  if (skf.totalFragments > MAX_FRAGMENTS) {
    ctx.drop(
      'in-fragment-errors',
      'warning',
      `message ${msg.messageId} in ${skf.totalFragments} fragments: too many; dropped`,
      sa,
    );
    return undefined;
  }
  const response = isResponse(msg);
  let f = sa.frag;
  if (!f || f.messageId !== msg.messageId || f.response !== response || f.total !== skf.totalFragments) {
    f = { messageId: msg.messageId, response, total: skf.totalFragments, innerNext: 0, pieces: new Map(), bytes: 0 };
    sa.frag = f;
  }
  if (f.pieces.has(skf.fragmentNumber)) return undefined;
  if (f.bytes + piece.length > MAX_REASSEMBLY) {
    sa.frag = undefined;
    ctx.drop(
      'in-fragment-errors',
      'warning',
      `fragmented message ${msg.messageId} exceeds ${MAX_REASSEMBLY} bytes; dropped`,
      sa,
    );
    return undefined;
  }
  f.pieces.set(skf.fragmentNumber, piece.slice());
  f.bytes += piece.length;
  if (skf.fragmentNumber === 1) f.innerNext = skf.innerNext;
  if (f.pieces.size < f.total) return undefined;
  sa.frag = undefined;
  const whole = concat(...Array.from({ length: f.total }, (_, i) => f.pieces.get(i + 1) as Uint8Array));
  try {
    return parseChain(whole, f.innerNext, { inner: true }).payloads;
  } catch (e) {
    ctx.drop(
      'in-fragment-errors',
      'warning',
      `reassembled message ${msg.messageId} does not parse: ${(e as Error).message}; dropped`,
      sa,
    );
    return undefined;
  }
}

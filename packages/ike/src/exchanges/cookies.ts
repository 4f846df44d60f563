// COOKIE (RFC 7296 2.6): with many half-open SAs, a responder answers IKE_SA_INIT with a stateless COOKIE first and
// keeps state only for initiators that return it; an initiator asked for one repeats its request with it.
import { createHmac } from 'node:crypto';
import { ExchangeType, Flags, NotifyType, PayloadType } from '../codec/constants.ts';
import { serializeMessage, type ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import type { Ctx } from '../context.ts';
import type { RandomSource } from '../crypto/random.ts';
import type { Endpoint, IkeSa } from '../ike-sa.ts';
import { concat, equal } from '../util/bytes.ts';
import { parseIp } from '../util/ip.ts';
import { findNotify } from './common.ts';

/** Responder side: one secret for the engine's life, made when first needed. */
export class CookieGate {
  private secret?: Uint8Array;

  constructor(
    private readonly random: RandomSource,
    /** Half-open SAs from which on IKE_SA_INIT requests must carry a COOKIE. */
    private readonly threshold: number,
  ) {}

  /** Cookie = version | HMAC-SHA256(secret, Ni | IPi | SPIi). */
  private cookieFor(ni: Uint8Array, from: Endpoint, spiI: Uint8Array): Uint8Array {
    this.secret ??= this.random(32);
    const mac = createHmac('sha256', this.secret)
      .update(concat(ni, parseIp(from.address) ?? new Uint8Array(0), spiI))
      .digest();
    return concat(new Uint8Array([1]), new Uint8Array(mac));
  }

  /** Whether the IKE_SA_INIT request may open an SA; if not, it was dropped or answered with the COOKIE to return. */
  admits(ctx: Ctx, msg: ParsedMessage, from: Endpoint, to: Endpoint, halfOpen: number): boolean {
    if (halfOpen < this.threshold) return true;
    const nonce = msg.payloads.find((p) => p.type === PayloadType.NONCE && 'data' in p) as
      { data: Uint8Array } | undefined;
    if (!nonce) {
      ctx.drop('in-header-errors', 'debug', `IKE_SA_INIT from ${from.address} without Ni`);
      return false;
    }
    const want = this.cookieFor(nonce.data, from, msg.spiI);
    const first = msg.payloads[0];
    const got = first && first.type === PayloadType.NOTIFY ? findNotify([first], NotifyType.COOKIE) : undefined;
    if (got && equal(got.data, want)) return true;
    if (got) ctx.drop('in-cookie-errors', 'debug', `IKE_SA_INIT from ${from.address} with a wrong COOKIE`);
    ctx.log('debug', `${halfOpen} half-open IKE SAs: asking ${from.address} for a COOKIE`);
    answerWithoutState(ctx, msg, from, to, [notify(NotifyType.COOKIE, want)]);
    return false;
  }
}

/**
 * Initiator: an IKE_SA_INIT answer asking for a COOKIE. 'retry': kept, repeat the request with it; 'ignored': a
 * malformed one, the answer is dropped; 'none': the answer asks for none.
 */
export function takeCookie(ctx: Ctx, sa: IkeSa, payloads: readonly Payload[]): 'none' | 'retry' | 'ignored' {
  const cookie = findNotify(payloads, NotifyType.COOKIE);
  if (!cookie) return 'none';
  if (cookie.data.length < 1 || cookie.data.length > 64) {
    ctx.log('warning', 'ignoring malformed COOKIE', sa);
    return 'ignored';
  }
  sa.cookie = cookie.data;
  ctx.log('info', 'responder asked for a COOKIE; retrying IKE_SA_INIT', sa);
  return 'retry';
}

/** Initiator: the COOKIE notify that must come first in the repeated request. */
export function cookiePayloads(sa: IkeSa): Payload[] {
  return sa.cookie ? [notify(NotifyType.COOKIE, sa.cookie)] : [];
}

/**
 * An IKE_SA_INIT answer that keeps no state (COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN): SPIr stays zero and
 * nothing is remembered, so a flood of requests costs one datagram each.
 */
export function answerWithoutState(ctx: Ctx, msg: ParsedMessage, from: Endpoint, to: Endpoint, payloads: Payload[]) {
  ctx.sendRaw(
    to,
    from,
    serializeMessage({
      spiI: msg.spiI,
      spiR: new Uint8Array(8),
      exchange: ExchangeType.IKE_SA_INIT,
      flags: Flags.RESPONSE,
      messageId: 0,
      payloads,
    }),
  );
}

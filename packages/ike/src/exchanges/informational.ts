// INFORMATIONAL (RFC 7296 1.4): Delete of the IKE SA or CHILD_SAs, and the empty liveness check (DPD, 2.4).
import { ExchangeType, NotifyType, ProtocolId, PayloadType } from '../codec/constants.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import type { DeletePayload } from '../codec/payloads/delete.ts';
import type { Ctx } from '../context.ts';
import type { ChildSa, IkeSa } from '../ike-sa.ts';
import { equal } from '../util/bytes.ts';
import { findNotify } from './common.ts';

export function sendDeleteIke(ctx: Ctx, sa: IkeSa, reason: string): void {
  sa.state = 'deleting';
  const done = () => ctx.destroy(sa, reason);
  ctx.request(
    sa,
    ExchangeType.INFORMATIONAL,
    [{ type: PayloadType.DELETE, protocol: ProtocolId.IKE, spiSize: 0, spis: [] }],
    'INFORMATIONAL delete IKE_SA',
    done,
    done,
  );
}

export function sendDeleteChild(ctx: Ctx, sa: IkeSa, child: ChildSa, reason: string): void {
  child.state = 'deleting';
  ctx.request(
    sa,
    ExchangeType.INFORMATIONAL,
    [{ type: PayloadType.DELETE, protocol: ProtocolId.ESP, spiSize: 4, spis: [child.spiIn] }],
    `INFORMATIONAL delete CHILD_SA #${child.id}`,
    () => ctx.removeChild(sa, child, reason),
  );
}

/** Liveness check; unanswered, it is retransmitted every dpd-interval and the peer is dead after dpd-maximum-failures. */
export function sendDpd(ctx: Ctx, sa: IkeSa): void {
  const interval = sa.rp.profile['dpd-interval'];
  const opts =
    typeof interval === 'number' && interval > 0
      ? { timeout: interval * 1000, base: 1, tries: sa.rp.profile['dpd-maximum-failures'] }
      : {};
  ctx.request(
    sa,
    ExchangeType.INFORMATIONAL,
    [],
    'INFORMATIONAL liveness check',
    () => {},
    () => {
      ctx.log('warning', 'peer did not answer the liveness check: considered dead', sa);
      ctx.destroy(sa, 'dead peer');
    },
    opts,
  );
}

/** Responder side of INFORMATIONAL. */
export function handleInformationalRequest(ctx: Ctx, sa: IkeSa, req: ParsedMessage, payloads: Payload[]): void {
  // The initiator could not verify us after we answered IKE_AUTH (RFC 7296 2.21.2): the SA is void.
  if (findNotify(payloads, NotifyType.AUTHENTICATION_FAILED)) {
    ctx.respond(sa, req, []);
    ctx.log('error', 'peer refused our authentication (AUTHENTICATION_FAILED)', sa);
    return ctx.destroy(sa, 'authentication failed at the peer');
  }
  const deletes = payloads.filter((p): p is DeletePayload => p.type === PayloadType.DELETE && !('unknown' in p));
  if (deletes.some((d) => d.protocol === ProtocolId.IKE)) {
    ctx.respond(sa, req, []);
    // Rekey collision (2.8.2): the peer won and deletes the old SA before our own rekey answer came back.
    if (sa.peerRekey && sa.peerRekey.sa.state === 'established') {
      ctx.log('info', `IKE SA rekey collision: the peer's rekeyed SA #${sa.peerRekey.sa.id} takes over`, sa);
      ctx.adoptChildren(sa, sa.peerRekey.sa);
    }
    ctx.log('info', 'peer deleted the IKE SA', sa);
    return ctx.destroy(sa, 'deleted by peer');
  }
  const ours: Uint8Array[] = [];
  const gone: ChildSa[] = [];
  for (const d of deletes) {
    if (d.protocol !== ProtocolId.ESP) continue;
    for (const spi of d.spis) {
      const child = sa.children.find((c) => equal(c.spiOut, spi));
      if (!child) continue;
      gone.push(child);
      // If we are deleting it ourselves too, do not list it (RFC 7296 1.4.1 simultaneous delete).
      if (child.state !== 'deleting') ours.push(child.spiIn);
    }
  }
  ctx.respond(
    sa,
    req,
    ours.length ? [{ type: PayloadType.DELETE, protocol: ProtocolId.ESP, spiSize: 4, spis: ours }] : [],
  );
  for (const c of gone) ctx.removeChild(sa, c, 'deleted by peer');
}

// Deleting CHILD_SAs (RFC 7296 1.4.1): our INFORMATIONAL Delete, the peer's (answered with ours for the same
// pairs), and the hard lifetime that removes a CHILD_SA nobody rekeyed in time.
import { ExchangeType, ProtocolId, PayloadType } from '../codec/constants.ts';
import type { DeletePayload } from '../codec/payloads/delete.ts';
import type { Ctx } from '../context.ts';
import type { ChildSa, IkeSa } from '../ike-sa.ts';
import { equal } from '../util/bytes.ts';
import { INFORMATIONAL_STATES } from './ike-delete.ts';
import type { RequestUnit, TimerUnit } from './unit.ts';

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

export const childDeleteUnit: RequestUnit = {
  name: 'child-delete',
  exchange: ExchangeType.INFORMATIONAL,
  claims: (payloads) => payloads.some((p) => p.type === PayloadType.DELETE && !('unknown' in p)),
  states: INFORMATIONAL_STATES,
  refusal: [],
  respond(ctx, sa, req, payloads) {
    const deletes = payloads.filter((p): p is DeletePayload => p.type === PayloadType.DELETE && !('unknown' in p));
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
  },
};

const expiry = (c: ChildSa) => c.createdAt + c.lifetime * 1000;

/** Hard lifetime: the CHILD_SA goes, rekeyed or not. */
export const childExpiryTimer: TimerUnit = {
  name: 'child-expiry',
  due: (sa) => (sa.state === 'established' && sa.children.length ? Math.min(...sa.children.map(expiry)) : undefined),
  fire(ctx, sa, now) {
    for (const c of [...sa.children]) if (now >= expiry(c)) ctx.removeChild(sa, c, 'hard lifetime expired');
    return false;
  },
};

// Liveness check (RFC 7296 2.4, RouterOS dpd-interval / dpd-maximum-failures): an empty INFORMATIONAL request when
// the peer has been quiet for an interval, and the answer to the peer's own (any INFORMATIONAL no other unit takes).
import { ExchangeType } from '../codec/constants.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike-sa.ts';
import { INFORMATIONAL_STATES } from './ike-delete.ts';
import type { RequestUnit, TimerUnit } from './unit.ts';

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

export const dpdUnit: RequestUnit = {
  name: 'dpd',
  exchange: ExchangeType.INFORMATIONAL,
  states: INFORMATIONAL_STATES,
  refusal: [],
  respond: (ctx, sa, req) => ctx.respond(sa, req, []),
};

export const dpdTimer: TimerUnit = {
  name: 'dpd',
  due(sa) {
    const dpd = sa.rp.profile['dpd-interval'];
    if (sa.state !== 'established' || typeof dpd !== 'number' || dpd <= 0 || sa.pending) return undefined;
    return sa.lastHeard + dpd * 1000;
  },
  fire(ctx, sa, now) {
    sa.lastHeard = now; // schedule the next check one interval later
    sendDpd(ctx, sa);
    return false;
  },
};

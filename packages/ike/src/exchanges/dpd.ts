// Liveness check (RFC 7296 2.4, RouterOS dpd-interval / dpd-maximum-failures): an empty INFORMATIONAL request when
// the peer has been quiet for an interval, and the answer to the peer's own (any INFORMATIONAL no other unit takes).
import { ExchangeType } from '../codec/constants.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike-sa.ts';
import { INFORMATIONAL_STATES } from './ike-delete.ts';
import type { RequestUnit, TimerUnit } from './unit.ts';

/**
 * Liveness check. dpd-maximum-failures as RouterOS words it, "failures until the peer is considered dead": each
 * check left unanswered for one dpd-interval is one failure, so the check goes out dpd-maximum-failures times in all
 * (the first and that many minus one retransmissions, one interval apart) and the peer is dead one interval after
 * the last: (1 + dpd-maximum-failures) x dpd-interval after we last heard from it (3 failures, 2 s: 8 s).
 */
export function sendDpd(ctx: Ctx, sa: IkeSa): void {
  const interval = sa.rp.profile['dpd-interval'];
  const opts =
    typeof interval === 'number' && interval > 0
      ? { timeout: interval * 1000, base: 1, tries: Math.max(0, sa.rp.profile['dpd-maximum-failures'] - 1) }
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

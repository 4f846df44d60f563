// Deleting the IKE SA (RFC 7296 1.4.1): our INFORMATIONAL Delete, and the peer's, which also settles a rekey
// collision the peer won (2.8.2).
import { ExchangeType, ProtocolId, PayloadType } from '../codec/constants.ts';
import type { DeletePayload } from '../codec/payloads/delete.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike-sa.ts';
import type { RequestUnit } from './unit.ts';

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

/** INFORMATIONAL is answered on an SA that is up, going or replaced; earlier it gets an empty answer. */
export const INFORMATIONAL_STATES = ['established', 'deleting', 'rekeyed'] as const;

export const ikeDeleteUnit: RequestUnit = {
  name: 'ike-delete',
  exchange: ExchangeType.INFORMATIONAL,
  claims: (payloads) =>
    payloads.some(
      (p) => p.type === PayloadType.DELETE && !('unknown' in p) && (p as DeletePayload).protocol === ProtocolId.IKE,
    ),
  states: INFORMATIONAL_STATES,
  refusal: [],
  respond(ctx, sa, req) {
    ctx.respond(sa, req, []);
    // Rekey collision (2.8.2): the peer won and deletes the old SA before our own rekey answer came back.
    if (sa.peerRekey && sa.peerRekey.sa.state === 'established') {
      ctx.log('info', `IKE SA rekey collision: the peer's rekeyed SA #${sa.peerRekey.sa.id} takes over`, sa);
      ctx.adoptChildren(sa, sa.peerRekey.sa);
    }
    ctx.log('info', 'peer deleted the IKE SA', sa);
    ctx.destroy(sa, 'deleted by peer');
  },
};

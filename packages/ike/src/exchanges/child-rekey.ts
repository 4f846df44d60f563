// Rekeying a CHILD_SA (RFC 7296 1.3.3, 2.8): a CREATE_CHILD_SA with REKEY_SA, ours at the soft lifetime or on
// command and the peer's, with simultaneous rekeys resolved by the lowest nonce (2.8.1).
import { ExchangeType, NotifyType } from '../codec/constants.ts';
import { notify } from '../codec/payloads/notify.ts';
import type { Ctx } from '../context.ts';
import type { ChildSa, KeyedSa } from '../ike-sa.ts';
import { equal } from '../util/bytes.ts';
import { compareBytes } from '../util/ip.ts';
import { admitChildRequest, answerChild, requestChild } from './child-create.ts';
import { sendDeleteChild } from './child-delete.ts';
import { findNotify } from './common.ts';
import type { RequestUnit, TimerUnit } from './unit.ts';

const minNonce = (a: Uint8Array, b: Uint8Array) => (compareBytes(a, b) <= 0 ? a : b);

export function rekeyChild(ctx: Ctx, sa: KeyedSa, old: ChildSa): void {
  let collision: ChildSa['peerRekey'];
  requestChild(ctx, sa, old.policyIndex, {
    old,
    answered() {
      if (old.state === 'rekeying') old.state = 'installed';
      collision = old.peerRekey;
      old.peerRekey = undefined;
    },
    lostToPeer() {
      if (!collision) return false;
      // The peer's rekey of the same CHILD_SA went through: it deletes the old one (2.8.1).
      ctx.log('info', `CHILD_SA #${old.id} rekey collision: the peer's #${collision.child.id} stays`, sa);
      old.state = 'rekeyed';
      return true;
    },
    retryLater(busy) {
      old.rekeyAt = ctx.now() + (busy ? 2000 + Math.floor(ctx.jitter() * 3000) : 30_000);
    },
    created(created, ni, nr) {
      if (collision && sa.children.includes(collision.child)) {
        // Simultaneous rekey (2.8.1): the CHILD_SA created with the lowest of the four nonces is redundant
        // and deleted by whoever created it; the other side's winner deletes the old one.
        if (compareBytes(minNonce(ni, nr), minNonce(collision.ni, collision.nr)) < 0) {
          ctx.log(
            'info',
            `CHILD_SA #${old.id} rekey collision: ours (#${created.id}) has the lowest nonce and goes; the ` +
              `peer's #${collision.child.id} stays`,
            sa,
          );
          old.state = 'rekeyed';
          sendDeleteChild(ctx, sa, created, 'redundant rekey (collision)');
          return;
        }
        ctx.log(
          'info',
          `CHILD_SA #${old.id} rekey collision: ours (#${created.id}) stays; the peer deletes its #${collision.child.id}`,
          sa,
        );
      }
      if (sa.children.includes(old)) sendDeleteChild(ctx, sa, old, 'rekeyed');
    },
  });
}

export const childRekeyUnit: RequestUnit = {
  name: 'child-rekey',
  exchange: ExchangeType.CREATE_CHILD_SA,
  claims: (payloads) => findNotify(payloads, NotifyType.REKEY_SA) !== undefined,
  states: ['established'],
  refusal: [notify(NotifyType.TEMPORARY_FAILURE)],
  respond(ctx, sa, req, payloads) {
    const ni = admitChildRequest(ctx, sa, req, payloads);
    if (!ni) return;
    const rekey = findNotify(payloads, NotifyType.REKEY_SA)!; // what claims() took it for
    const old = sa.children.find((c) => equal(c.spiOut, rekey.spi));
    if (!old)
      return ctx.respond(sa, req, [
        notify(NotifyType.CHILD_SA_NOT_FOUND, new Uint8Array(0), rekey.protocol, rekey.spi),
      ]);
    if (old.state === 'deleting' || old.state === 'rekeyed')
      return ctx.respond(sa, req, [notify(NotifyType.TEMPORARY_FAILURE)]);
    const answered = answerChild(ctx, sa, req, payloads, ni, old);
    // Our own rekey of it is outstanding: decide when its answer arrives (2.8.1).
    if (answered && old.state === 'rekeying') old.peerRekey = { child: answered.created, ni, nr: answered.nr };
  },
};

/** Soft lifetime: rekey each installed CHILD_SA at its rekeyAt, unless the IKE SA itself is being rekeyed. */
export const childRekeyTimer: TimerUnit = {
  name: 'child-rekey',
  due(sa) {
    if (sa.state !== 'established' || sa.rekey) return undefined;
    const at = sa.children
      .filter((c) => c.state === 'installed' && c.rekeyAt !== undefined)
      .map((c) => c.rekeyAt as number);
    return at.length ? Math.min(...at) : undefined;
  },
  fire(ctx, sa, now) {
    for (const c of [...sa.children])
      if (!sa.rekey && c.state === 'installed' && c.rekeyAt !== undefined && now >= c.rekeyAt) rekeyChild(ctx, sa, c);
    return false;
  },
};

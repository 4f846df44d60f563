// INITIAL_CONTACT (RFC 7296 2.4): the initiator says it has no other IKE SA with us, so the responder drops what it
// still holds for the same peer identity (a rebooted road warrior).
import { NotifyType } from '../codec/constants.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike-sa.ts';
import { findNotify } from './common.ts';

/** Initiator: the notify for the first IKE_AUTH request (RouterOS send-initial-contact, default yes). */
export function initialContact(sa: IkeSa): Payload[] {
  return (sa.rp.peer['send-initial-contact'] ?? true) ? [notify(NotifyType.INITIAL_CONTACT)] : [];
}

/** Responder: the peer, known as `who`, sent INITIAL_CONTACT; its other IKE SAs with us go. */
export function honourInitialContact(ctx: Ctx, sa: IkeSa, payloads: readonly Payload[], who: string): void {
  if (!findNotify(payloads, NotifyType.INITIAL_CONTACT)) return;
  for (const other of ctx.allSas()) {
    if (other === sa || other.peerName !== sa.peerName || other.remoteId !== who || other.state === 'dead') continue;
    ctx.log('info', `INITIAL_CONTACT from ${who}: removing old IKE SA #${other.id}`, sa);
    ctx.destroy(other, 'replaced (INITIAL_CONTACT)');
  }
}

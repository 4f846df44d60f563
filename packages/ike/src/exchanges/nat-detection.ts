// NAT detection in IKE_SA_INIT (RFC 7296 2.23): NAT_DETECTION_*_IP notifies out, comparison of the peer's, the move
// to port 4500, and the NAT-T keepalive that holds our NAT's mapping open (RFC 3948 2.3).
import { createHash } from 'node:crypto';
import type { HashName } from '@ipsec/schema';
import { NotifyType } from '../codec/constants.ts';
import type { Payload } from '../codec/payload.ts';
import { notify, type NotifyPayload } from '../codec/payloads/notify.ts';
import type { Ctx } from '../context.ts';
import type { Endpoint, IkeSa } from '../ike-sa.ts';
import { concat, equal, u16 } from '../util/bytes.ts';
import { parseIp } from '../util/ip.ts';
import { findNotify, notifies } from './common.ts';
import type { TimerUnit } from './unit.ts';

/** NAT-T keepalive interval (RFC 3948 suggests 20 s, as strongSwan and RouterOS use). */
const NAT_KEEPALIVE_MS = 20_000;

/**
 * NAT detection data: HASH(SPIi | SPIr | IP | Port), SHA-1 for IKEv2's NAT_DETECTION_*_IP (RFC 7296 2.23); IKEv1's
 * NAT-D hashes the cookies with the phase 1 hash (RFC 3947 3.2).
 */
export function natHash(spiI: Uint8Array, spiR: Uint8Array, ep: Endpoint, hash: HashName = 'sha1'): Uint8Array {
  const ip = parseIp(ep.address) ?? new Uint8Array(4);
  return new Uint8Array(
    createHash(hash)
      .update(concat(spiI, spiR, ip, u16(ep.port)))
      .digest(),
  );
}

function natMatches(list: NotifyPayload[], expected: Uint8Array): boolean {
  return list.some((n) => equal(n.data, expected));
}

/**
 * NAT_DETECTION_*_IP for our side. With forceEncap the source hash is random, so the peer believes we are behind a
 * NAT and both sides use UDP encapsulation (the userspace data plane only carries ESP in UDP).
 */
function natNotifies(ctx: Ctx, spiI: Uint8Array, spiR: Uint8Array, local: Endpoint, remote: Endpoint): Payload[] {
  const source = ctx.forceEncap ? ctx.random(20) : natHash(spiI, spiR, local);
  return [
    notify(NotifyType.NAT_DETECTION_SOURCE_IP, source),
    notify(NotifyType.NAT_DETECTION_DESTINATION_IP, natHash(spiI, spiR, remote)),
  ];
}

/** Initiator: the notifies of the IKE_SA_INIT request (the responder SPI is still zero). */
export function natRequest(ctx: Ctx, sa: IkeSa): Payload[] {
  return sa.rp.profile['nat-traversal'] ? natNotifies(ctx, sa.spiI, new Uint8Array(8), sa.local, sa.remote) : [];
}

/** Responder: the notifies of the IKE_SA_INIT answer, when the request had them. */
export function natAnswer(ctx: Ctx, sa: IkeSa, req: readonly Payload[]): Payload[] {
  return sa.rp.profile['nat-traversal'] && findNotify(req, NotifyType.NAT_DETECTION_SOURCE_IP)
    ? natNotifies(ctx, sa.spiI, sa.spiR, sa.local, sa.remote)
    : [];
}

/**
 * Compare the peer's hashes with the addresses we see (sa.nat). `spiR` is the responder SPI the hashes were made
 * with: zero in a request, the real one in an answer.
 */
export function detectNat(ctx: Ctx, sa: IkeSa, payloads: readonly Payload[], spiR: Uint8Array): void {
  const src = notifies(payloads).filter((n) => n.notifyType === NotifyType.NAT_DETECTION_SOURCE_IP);
  const dst = notifies(payloads).filter((n) => n.notifyType === NotifyType.NAT_DETECTION_DESTINATION_IP);
  if (!src.length || !dst.length || !sa.rp.profile['nat-traversal']) return;
  sa.nat.remote = !natMatches(src, natHash(sa.spiI, spiR, sa.remote));
  sa.nat.local = ctx.forceEncap || !natMatches(dst, natHash(sa.spiI, spiR, sa.local));
}

/** Initiator, after IKE_SA_INIT: behind a NAT, everything after it goes to port 4500 (RFC 7296 2.23). */
export function floatPorts(sa: IkeSa): void {
  if ((sa.nat.local || sa.nat.remote) && sa.local.port === 500) {
    sa.local = { ...sa.local, port: 4500 };
    sa.remote = { ...sa.remote, port: 4500 };
  }
}

/** Behind a NAT, keep its mapping open with a 1-byte 0xFF datagram on the NAT-T port. */
export const natKeepaliveTimer: TimerUnit = {
  name: 'nat-keepalive',
  due: (sa, now) => (sa.state === 'established' && sa.nat.local ? (sa.keepaliveAt ?? now) : undefined),
  fire(ctx, sa, now) {
    if (sa.keepaliveAt !== undefined)
      ctx.emit({ type: 'send', from: sa.local, to: sa.remote, data: Uint8Array.of(0xff) });
    sa.keepaliveAt = now + NAT_KEEPALIVE_MS;
    return false;
  },
};

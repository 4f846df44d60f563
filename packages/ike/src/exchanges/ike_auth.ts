// IKE_AUTH with pre-shared keys (RFC 7296 1.2, 2.15) and the first CHILD_SA.
import { AuthMethod, ExchangeType, NotifyType, PayloadType } from '../codec/constants.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { serializeId, type IdPayload } from '../codec/payloads/id.ts';
import { notify } from '../codec/payloads/notify.ts';
import { pskAuth, secretBytes, signedOctets, verifyPskAuth } from '../auth/psk.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike_sa.ts';
import { createChild } from './create_child_sa.ts';
import { acceptChild, errorAnswer, establishChild, offerChild, selectChild } from './child.ts';
import { errorNotify, find, findNotify, formatId, idFromConfig, remoteIdAccepted } from './common.ts';
import { cpAccept, cpReply, cpRequest } from './mode_config.ts';
import { CpAttr } from '../codec/payloads/cp.ts';

function checkMethod(ctx: Ctx, sa: IkeSa): boolean {
  const m = sa.rp.identity?.['auth-method'] ?? 'pre-shared-key';
  if (!sa.rp.identity || m !== 'pre-shared-key') {
    ctx.log('error', `peer ${sa.peerName}: no identity with auth-method=pre-shared-key (only PSK is implemented)`, sa);
    return false;
  }
  return true;
}

function authFor(sa: IkeSa, fromInitiator: boolean, id: IdPayload): Uint8Array {
  const suite = sa.suite!;
  const keys = sa.keys!;
  const octets = fromInitiator
    ? signedOctets(suite.prf, sa.initRequest!, sa.nr!, keys.pi, serializeId(id))
    : signedOctets(suite.prf, sa.initResponse!, sa.ni, keys.pr, serializeId(id));
  return pskAuth(suite.prf, secretBytes(sa.rp.identity?.secret ?? ''), octets);
}

function verifyAuth(sa: IkeSa, fromInitiator: boolean, id: IdPayload, data: Uint8Array): boolean {
  const suite = sa.suite!;
  const keys = sa.keys!;
  const octets = fromInitiator
    ? signedOctets(suite.prf, sa.initRequest!, sa.nr!, keys.pi, serializeId(id))
    : signedOctets(suite.prf, sa.initResponse!, sa.ni, keys.pr, serializeId(id));
  return verifyPskAuth(suite.prf, secretBytes(sa.rp.identity?.secret ?? ''), octets, data);
}

/** Initiator: send IKE_AUTH right after IKE_SA_INIT. */
export function startIkeAuth(ctx: Ctx, sa: IkeSa): void {
  if (!checkMethod(ctx, sa)) return ctx.destroy(sa, 'no usable identity');
  const idi = idFromConfig(sa.rp.identity?.['my-id'], sa.local.address, PayloadType.IDi);
  if ('error' in idi) {
    ctx.log('error', idi.error, sa);
    return ctx.destroy(sa, 'bad my-id');
  }
  const payloads: Payload[] = [idi];
  if (sa.rp.peer['send-initial-contact'] ?? true) payloads.push(notify(NotifyType.INITIAL_CONTACT));
  const remoteId = sa.rp.identity?.['remote-id'];
  if (remoteId && remoteId !== 'auto' && remoteId !== 'ignore') {
    const idr = idFromConfig(remoteId, sa.remote.address, PayloadType.IDr);
    if (!('error' in idr)) payloads.push(idr);
  }
  payloads.push({ type: PayloadType.AUTH, method: AuthMethod.SHARED_KEY_MIC, data: authFor(sa, true, idi) });
  const cp = cpRequest(sa);
  if (cp) payloads.push(cp);
  if (sa.rp.policies.length) {
    const offer = offerChild(ctx, sa, 0, false);
    if ('error' in offer) ctx.log('warning', `first CHILD_SA not offered: ${offer.error}`, sa);
    else {
      sa.pendingChild = offer.pending;
      payloads.push(...offer.payloads);
    }
  }
  sa.state = 'auth-sent';
  ctx.request(sa, ExchangeType.IKE_AUTH, payloads, 'IKE_AUTH', (msg, pl) => handleAuthResponse(ctx, sa, msg, pl));
}

function handleAuthResponse(ctx: Ctx, sa: IkeSa, _msg: ParsedMessage, payloads: Payload[]): void {
  if (findNotify(payloads, NotifyType.AUTHENTICATION_FAILED)) {
    ctx.log('error', 'peer rejected our authentication (AUTHENTICATION_FAILED)', sa);
    return ctx.destroy(sa, 'authentication failed');
  }
  const idr = find(payloads, PayloadType.IDr);
  const auth = find(payloads, PayloadType.AUTH);
  if (!idr || !auth) {
    const e = errorNotify(payloads);
    ctx.log('error', `IKE_AUTH failed${e ? ` with notify ${e.notifyType}` : ': response lacks IDr or AUTH'}`, sa);
    return ctx.destroy(sa, 'IKE_AUTH failed');
  }
  if (!remoteIdAccepted(sa.rp.identity?.['remote-id'], idr, sa.remote.address)) {
    ctx.log('error', `peer identity ${formatId(idr)} does not match remote-id ${sa.rp.identity?.['remote-id']}`, sa);
    return ctx.destroy(sa, 'identity mismatch');
  }
  if (auth.method !== AuthMethod.SHARED_KEY_MIC || !verifyAuth(sa, false, idr, auth.data)) {
    ctx.log('error', `AUTH from ${formatId(idr)} does not verify (wrong pre-shared key?)`, sa);
    return ctx.destroy(sa, 'authentication failed');
  }
  markEstablished(ctx, sa, idr);
  cpAccept(ctx, sa, payloads);
  const pending = sa.pendingChild;
  sa.pendingChild = undefined;
  if (!pending) return;
  const acc = acceptChild(ctx, sa, pending, payloads);
  if ('error' in acc) return ctx.log('error', `first CHILD_SA failed: ${acc.error}`, sa);
  establishChild(ctx, sa, { index: pending.policyIndex, suite: acc.suite, spiIn: pending.spi, spiOut: acc.spiOut, tsi: acc.tsi, tsr: acc.tsr, transport: acc.transport }, sa.ni, sa.nr!, true);
  for (let i = 1; i < sa.rp.policies.length; i++) createChild(ctx, sa, i);
}

function markEstablished(ctx: Ctx, sa: IkeSa, peerId: IdPayload): void {
  sa.state = 'established';
  sa.establishedAt = ctx.now();
  sa.initRequest = undefined;
  sa.initResponse = undefined;
  sa.remoteId = formatId(peerId);
  ctx.log('info', `IKE SA established with ${sa.remote.address}:${sa.remote.port} (${formatId(peerId)})`, sa);
}

/** Responder: IKE_AUTH request. */
export function handleAuthRequest(ctx: Ctx, sa: IkeSa, req: ParsedMessage, payloads: Payload[]): void {
  const idi = find(payloads, PayloadType.IDi);
  const auth = find(payloads, PayloadType.AUTH);
  if (!idi || !auth) {
    ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
    return ctx.destroy(sa, 'IKE_AUTH without IDi or AUTH');
  }
  const fail = (why: string) => {
    ctx.log('error', `peer ${sa.peerName}: ${why}`, sa);
    ctx.respond(sa, req, [notify(NotifyType.AUTHENTICATION_FAILED)]);
    ctx.destroy(sa, 'authentication failed');
  };
  if (auth.method === 14 || auth.method === 1 || auth.method >= 9) return fail(`certificate authentication (method ${auth.method}) is not implemented`);
  if (!checkMethod(ctx, sa)) return fail('no PSK identity');
  if (!remoteIdAccepted(sa.rp.identity?.['remote-id'], idi, sa.remote.address)) return fail(`identity ${formatId(idi)} does not match remote-id`);
  if (auth.method !== AuthMethod.SHARED_KEY_MIC || !verifyAuth(sa, true, idi, auth.data)) return fail(`AUTH from ${formatId(idi)} does not verify (wrong pre-shared key?)`);
  const idr = idFromConfig(sa.rp.identity?.['my-id'], sa.local.address, PayloadType.IDr);
  if ('error' in idr) return fail(idr.error);
  const response: Payload[] = [idr, { type: PayloadType.AUTH, method: AuthMethod.SHARED_KEY_MIC, data: authFor(sa, false, idr) }];
  const ni = sa.ni;
  const nr = sa.nr!;
  // INITIAL_CONTACT (2.4): the peer has no other SAs with us; drop what we still hold for the same identities.
  if (findNotify(payloads, NotifyType.INITIAL_CONTACT)) {
    const who = formatId(idi);
    for (const other of ctx.allSas()) {
      if (other === sa || other.peerName !== sa.peerName || other.remoteId !== who || other.state === 'dead') continue;
      ctx.log('info', `INITIAL_CONTACT from ${who}: removing old IKE SA #${other.id}`, sa);
      ctx.destroy(other, 'replaced (INITIAL_CONTACT)');
    }
  }
  const cp = cpReply(ctx, sa, payloads);
  if (cp) response.push(cp);
  const addressFailed = cp !== undefined && find(payloads, PayloadType.CP)?.attributes.some((a) => a.type === CpAttr.INTERNAL_IP4_ADDRESS) && !sa.virtualIp;
  let child: ReturnType<typeof selectChild> | undefined;
  if (find(payloads, PayloadType.SA) && addressFailed) {
    response.push(notify(NotifyType.INTERNAL_ADDRESS_FAILURE));
  } else if (find(payloads, PayloadType.SA)) {
    child = selectChild(ctx, sa, payloads);
    if ('error' in child) {
      ctx.log('warning', `first CHILD_SA refused with notify ${child.error}`, sa);
      response.push(...errorAnswer(child.error));
    } else response.push(...child.answer);
  }
  ctx.respond(sa, req, response);
  markEstablished(ctx, sa, idi);
  if (child && !('error' in child)) establishChild(ctx, sa, { index: child.index, suite: child.suite, spiIn: child.spiIn, spiOut: child.spiOut, tsi: child.tsi, tsr: child.tsr, transport: child.transport }, ni, nr, false);
}

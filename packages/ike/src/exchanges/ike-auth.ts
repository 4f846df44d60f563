// IKE_AUTH (RFC 7296 1.2): the exchange that authenticates both sides and carries the first CHILD_SA. It runs the
// authentication method (authentication/: PSK, signature, EAP), picks the responder's identity (identity-choice.ts)
// and lets INITIAL_CONTACT, mode config and the first CHILD_SA ride along in their own modules.
import { ExchangeType, NotifyType, notifyName, PayloadType } from '../codec/constants.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import type { IdPayload } from '../codec/payloads/id.ts';
import { notify } from '../codec/payloads/notify.ts';
import { CpAttr } from '../codec/payloads/cp.ts';
import type { EapUser } from '../auth/eap.ts';
import type { Ctx } from '../context.ts';
import type { KeyedSa } from '../ike-sa.ts';
import { checkPeerAuth, methodFor, methodOf, octetsFor, ownAuth } from './authentication/authenticate.ts';
import { eapClientResponse, eapClientStart, eapServerRequest, startEapServer } from './authentication/eap.ts';
import { acceptChild, errorAnswer, establishChild, offerChild, selectChild } from './child.ts';
import { createChild } from './child-create.ts';
import { errorNotify, find, findNotify, formatId, idFromConfig, remoteIdAccepted } from './common.ts';
import { chooseIdentity } from './identity-choice.ts';
import { certReqAuthorities } from './certificates.ts';
import { INFORMATIONAL_STATES } from './ike-delete.ts';
import { honourInitialContact, initialContact } from './initial-contact.ts';
import { cpAccept, cpReply, cpRequest } from './mode-config.ts';
import type { RequestUnit } from './unit.ts';

/** Initiator: send IKE_AUTH right after IKE_SA_INIT. */
export function startIkeAuth(ctx: Ctx, sa: KeyedSa): void {
  const me = methodOf(ctx, sa);
  if (!me) return ctx.destroy(sa, 'no usable identity');
  const payloads: Payload[] = [];
  let auth: Payload | undefined;
  if (me.kind === 'eap-client') {
    // No AUTH: we authenticate with EAP (RFC 7296 2.16).
    const start = eapClientStart(ctx, sa, me.identity);
    if (!start.ok) {
      ctx.log('error', start.error, sa);
      return ctx.destroy(sa, 'no usable identity');
    }
    payloads.push(...start.value.payloads);
  } else {
    const own = ownAuth(ctx, sa, me.identity, methodFor(me.kind), PayloadType.IDi);
    if (!own.ok) {
      ctx.log('error', own.error, sa);
      return ctx.destroy(sa, 'no usable identity');
    }
    const idi = own.value.id;
    payloads.push(idi, ...own.value.before);
    auth = own.value.auth(octetsFor(sa, true, idi));
  }
  payloads.push(...initialContact(sa));
  const remoteId = sa.rp.identity?.['remote-id'];
  if (remoteId && remoteId !== 'auto' && remoteId !== 'ignore') {
    const idr = idFromConfig(remoteId, sa.remote.address, PayloadType.IDr);
    if (idr.ok) payloads.push(idr.value);
  }
  if (auth) payloads.push(auth);
  const cp = cpRequest(sa);
  if (cp) payloads.push(cp);
  if (sa.rp.policies.length) {
    const offer = offerChild(ctx, sa, 0, false);
    if (!offer.ok) ctx.log('warning', `first CHILD_SA not offered: ${offer.error}`, sa);
    else {
      sa.pendingChild = offer.value.pending;
      payloads.push(...offer.value.payloads);
    }
  }
  sa.state = 'auth-sent';
  request(ctx, sa, payloads, 'IKE_AUTH');
}

function request(ctx: Ctx, sa: KeyedSa, payloads: Payload[], what: string): void {
  ctx.request(sa, ExchangeType.IKE_AUTH, payloads, what, (_msg, pl) => handleAuthResponse(ctx, sa, pl));
}

/** Initiator: the peer's AUTH (or ours, after EAP) did not hold. Tell the responder (RFC 7296 2.21.2) and forget the SA. */
function refuseResponder(ctx: Ctx, sa: KeyedSa, why: string): void {
  ctx.log('error', why, sa);
  sa.state = 'deleting';
  const done = () => ctx.destroy(sa, 'authentication failed');
  ctx.request(
    sa,
    ExchangeType.INFORMATIONAL,
    [notify(NotifyType.AUTHENTICATION_FAILED)],
    'INFORMATIONAL AUTHENTICATION_FAILED',
    done,
    done,
  );
}

function handleAuthResponse(ctx: Ctx, sa: KeyedSa, payloads: Payload[]): void {
  if (findNotify(payloads, NotifyType.AUTHENTICATION_FAILED)) {
    ctx.log(
      'error',
      `peer rejected our authentication (AUTHENTICATION_FAILED)` +
        `${
          sa.eap?.role === 'client'
            ? `${find(payloads, PayloadType.EAP)?.code === 4 ? ' with EAP-Failure' : ''}` +
              `: EAP user ${sa.eap.client.username}`
            : ''
        }`,
      sa,
    );
    return ctx.destroy(sa, 'authentication failed');
  }
  const me = methodOf(ctx, sa);
  if (!me) return ctx.destroy(sa, 'no usable identity');
  if (sa.eap?.role === 'client')
    return eapClientResponse(ctx, sa, sa.eap, payloads, {
      identity: me.identity,
      next: (p, what) => request(ctx, sa, p, what),
      finish: (idr, pl) => finishInitiator(ctx, sa, idr, pl),
      refuse: (why) => refuseResponder(ctx, sa, why),
      failed: (pl, why) => authResponseFailed(ctx, sa, pl, why),
    });
  const idr = find(payloads, PayloadType.IDr);
  const auth = find(payloads, PayloadType.AUTH);
  if (!idr || !auth) return authResponseFailed(ctx, sa, payloads, 'response lacks IDr or AUTH');
  const verified = checkPeerAuth(ctx, sa, me.identity, methodFor(me.kind), false, idr, auth, payloads);
  if (!verified.ok) return refuseResponder(ctx, sa, verified.error);
  finishInitiator(ctx, sa, idr, payloads);
}

/** Initiator: an IKE_AUTH response without our peer's IDr and AUTH (an error notify, usually): give up the IKE SA. */
function authResponseFailed(ctx: Ctx, sa: KeyedSa, payloads: Payload[], why: string): void {
  const e = errorNotify(payloads);
  ctx.log('error', `IKE_AUTH failed${e ? `: peer sent ${notifyName(e.notifyType)}` : `: ${why}`}`, sa);
  ctx.destroy(sa, 'IKE_AUTH failed');
}

/** Initiator: the IKE SA is authenticated both ways; take mode config and the first CHILD_SA from the last response. */
function finishInitiator(ctx: Ctx, sa: KeyedSa, idr: IdPayload, payloads: Payload[]): void {
  markEstablished(ctx, sa, idr, sa.eap?.role === 'client' ? sa.eap.client.username : undefined);
  sa.eap = undefined;
  cpAccept(ctx, sa, payloads);
  const pending = sa.pendingChild;
  sa.pendingChild = undefined;
  if (!pending) return;
  const acc = acceptChild(ctx, sa, pending, payloads);
  if (!acc.ok) return ctx.log('error', `first CHILD_SA failed: ${acc.error}`, sa);
  establishChild(ctx, sa, { ...acc.value, index: pending.policyIndex, spiIn: pending.spi }, sa.ni, sa.nr, true);
  for (let i = 1; i < sa.rp.policies.length; i++) createChild(ctx, sa, i);
}

/** The peer's identity for INITIAL_CONTACT and display: its IKE ID, with the EAP user when there is one. */
function peerKey(id: IdPayload, eapUser: string | undefined): string {
  return eapUser === undefined ? formatId(id) : `${formatId(id)}, EAP user ${eapUser}`;
}

function markEstablished(ctx: Ctx, sa: KeyedSa, peerId: IdPayload, eapUser?: string): void {
  sa.state = 'established';
  sa.establishedAt = ctx.now();
  sa.initRequest = undefined;
  sa.initResponse = undefined;
  sa.remoteId = peerKey(peerId, sa.initiator ? undefined : eapUser);
  if (eapUser !== undefined) sa.eapUser = eapUser;
  ctx.log(
    'info',
    `IKE SA established with ${sa.remote.address}:${sa.remote.port} (${sa.initiator ? formatId(peerId) : sa.remoteId})`,
    sa,
  );
}

/** Responder: IKE_AUTH request. */
function handleAuthRequest(ctx: Ctx, sa: KeyedSa, req: ParsedMessage, payloads: Payload[]): void {
  if (sa.eap?.role === 'server')
    return eapServerRequest(ctx, sa, sa.eap, req, payloads, (first, idi, response, user) =>
      finishResponder(ctx, sa, req, first, idi, response, user),
    );
  const idi = find(payloads, PayloadType.IDi);
  const auth = find(payloads, PayloadType.AUTH);
  if (!idi) {
    ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
    return ctx.destroy(sa, 'IKE_AUTH without IDi');
  }
  const fail = (why: string) => {
    ctx.log('error', `peer ${sa.peerName}: ${why}`, sa);
    ctx.respond(sa, req, [notify(NotifyType.AUTHENTICATION_FAILED)]);
    ctx.destroy(sa, 'authentication failed');
  };
  sa.peerAuthorities = certReqAuthorities(payloads);
  chooseIdentity(ctx, sa, idi, payloads, !auth);
  const me = methodOf(ctx, sa);
  if (!me) return fail('no usable identity');
  const { kind, identity } = me;
  if (!auth) {
    // RFC 7296 2.16: no AUTH means the initiator wants to authenticate with EAP.
    if (kind !== 'eap-server')
      return fail(
        `${formatId(idi)} sent no AUTH (wants EAP), but the identity has auth-method=${identity['auth-method'] ?? 'pre-shared-key'}`,
      );
    const remoteId = identity['remote-id'];
    if (!remoteIdAccepted(remoteId, idi, sa.remote.address))
      return fail(`identity ${formatId(idi)} does not match remote-id ${remoteId}`);
    return startEapServer(ctx, sa, identity, req, payloads, idi);
  }
  if (kind === 'eap-server')
    return fail(`${formatId(idi)} sent AUTH, but the identity has auth-method=eap-radius (EAP expected)`);
  const verified = checkPeerAuth(ctx, sa, identity, methodFor(kind), true, idi, auth, payloads);
  if (!verified.ok) return fail(verified.error);
  const own = ownAuth(ctx, sa, identity, methodFor(kind), PayloadType.IDr);
  if (!own.ok) return fail(own.error);
  const idr = own.value.id;
  finishResponder(ctx, sa, req, payloads, idi, [idr, ...own.value.before, own.value.auth(octetsFor(sa, false, idr))]);
}

/**
 * Responder: the peer is authenticated. Answer the (first) IKE_AUTH request's INITIAL_CONTACT, CP and CHILD_SA
 * with `response` (our ID/AUTH) in front, and establish. `user`: the EAP user (mode config address, lease owner).
 */
function finishResponder(
  ctx: Ctx,
  sa: KeyedSa,
  req: ParsedMessage,
  payloads: Payload[],
  idi: IdPayload,
  response: Payload[],
  user?: EapUser,
): void {
  const { ni, nr } = sa;
  honourInitialContact(ctx, sa, payloads, peerKey(idi, user?.name));
  const cp = cpReply(
    ctx,
    sa,
    payloads,
    user
      ? {
          owner: `eap:${user.name}`,
          ...(user.address ? { address: user.address, addressFrom: `user ${user.name}` } : {}),
        }
      : undefined,
  );
  if (cp) response.push(cp);
  const addressFailed =
    cp !== undefined &&
    find(payloads, PayloadType.CP)?.attributes.some((a) => a.type === CpAttr.INTERNAL_IP4_ADDRESS) &&
    !sa.virtualIp;
  let child: ReturnType<typeof selectChild> | undefined;
  if (find(payloads, PayloadType.SA) && addressFailed) {
    response.push(notify(NotifyType.INTERNAL_ADDRESS_FAILURE));
  } else if (find(payloads, PayloadType.SA)) {
    child = selectChild(ctx, sa, payloads);
    if (!child.ok) {
      ctx.log('warning', `we refused the peer's first CHILD_SA: ${notifyName(child.error)}`, sa);
      response.push(...errorAnswer(child.error));
    } else response.push(...child.value.answer);
  }
  ctx.respond(sa, req, response);
  markEstablished(ctx, sa, idi, user?.name);
  if (child?.ok) establishChild(ctx, sa, child.value, ni, nr, false);
}

/** The peer's IKE_AUTH requests: only on a responder SA that has done IKE_SA_INIT. */
export const ikeAuthUnit: RequestUnit = {
  name: 'ike-auth',
  exchange: ExchangeType.IKE_AUTH,
  states: ['init-done'],
  refusal: [notify(NotifyType.INVALID_SYNTAX)],
  respond: handleAuthRequest,
};

/** The initiator could not verify us after we answered IKE_AUTH (RFC 7296 2.21.2): the SA is void. */
export const authFailedUnit: RequestUnit = {
  name: 'auth-failed',
  exchange: ExchangeType.INFORMATIONAL,
  claims: (payloads) => findNotify(payloads, NotifyType.AUTHENTICATION_FAILED) !== undefined,
  states: INFORMATIONAL_STATES,
  refusal: [],
  respond(ctx, sa, req) {
    ctx.respond(sa, req, []);
    ctx.log('error', 'peer refused our authentication (AUTHENTICATION_FAILED)', sa);
    ctx.destroy(sa, 'authentication failed at the peer');
  },
};

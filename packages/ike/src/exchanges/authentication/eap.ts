// EAP-MSCHAPv2 inside IKE_AUTH (RFC 7296 2.16): the server (responder, auth-method=eap-radius) signs with its
// certificate and runs EAP against IPsec Users; the client (initiator, auth-method=eap) checks the server's
// certificate and answers. After EAP-Success both send AUTH keyed with the MSK. The IKE_AUTH exchange owns the
// messages; these steps tell it what comes next.
import { err, ok, type Result } from '@ipsec/schema';
import { AuthMethod, IdType, NotifyType, PayloadType } from '../../codec/constants.ts';
import type { ParsedMessage } from '../../codec/message.ts';
import type { Payload } from '../../codec/payload.ts';
import type { EapPayload } from '../../codec/payloads/eap.ts';
import type { IdPayload } from '../../codec/payloads/id.ts';
import { notify } from '../../codec/payloads/notify.ts';
import { pskAuth, verifyPskAuth } from '../../auth/psk.ts';
import { EapType, eapClientProcess, eapServerProcess, eapServerStart, type EapUser } from '../../auth/eap.ts';
import type { IdentityConfig } from '../../config.ts';
import type { Ctx } from '../../context.ts';
import type { EapClientExchange as EapClient, EapServerExchange as EapServer, KeyedSa } from '../../ike-sa.ts';
import { certReq } from '../certificates.ts';
import { find, formatId, idFromConfig } from '../common.ts';
import { checkPeerAuth, octetsFor, ownAuth } from './authenticate.ts';

/** The text of an FQDN, user-FQDN or key-id IKE ID (a candidate EAP user name); undefined for addresses and DNs. */
function idText(id: IdPayload): string | undefined {
  return id.idType === IdType.FQDN || id.idType === IdType.RFC822_ADDR || id.idType === IdType.KEY_ID
    ? Buffer.from(id.data).toString('utf8')
    : undefined;
}

/** AUTH keyed with the EAP MSK (RFC 7296 2.16): the shared-key MIC with the MSK as the secret. */
function mskAuth(sa: KeyedSa, msk: Uint8Array, octets: Uint8Array): Payload {
  return { type: PayloadType.AUTH, method: AuthMethod.SHARED_KEY_MIC, data: pskAuth(sa.suite.prf, msk, octets) };
}

/** The peer's AUTH after EAP verifies with the MSK. */
function mskAuthValid(
  sa: KeyedSa,
  msk: Uint8Array,
  octets: Uint8Array,
  auth: { method: number; data: Uint8Array } | undefined,
): boolean {
  return (
    auth !== undefined &&
    auth.method === AuthMethod.SHARED_KEY_MIC &&
    verifyPskAuth(sa.suite.prf, msk, octets, auth.data)
  );
}

/** Client: the IDi and CERTREQ of the first IKE_AUTH request, which has no AUTH (we authenticate with EAP). */
export function eapClientStart(
  ctx: Ctx,
  sa: KeyedSa,
  identity: IdentityConfig,
): Result<{ idi: IdPayload; payloads: Payload[] }> {
  const methods = identity['eap-methods'];
  const username = identity.username;
  if (!username) return err('auth-method=eap needs a username');
  if (methods && !methods.includes('eap-mschapv2'))
    return err(`eap-methods=${methods.join(',')}: only eap-mschapv2 is implemented`);
  const id = idFromConfig(identity['my-id'], sa.local.address, PayloadType.IDi);
  if (!id.ok) return id;
  const idi = id.value;
  // CERTREQ asks for the server's certificate.
  sa.eap = { role: 'client', client: { username }, idi };
  return ok({ idi, payloads: [idi, certReq(ctx)] });
}

/** What the initiator's IKE_AUTH exchange does for the client's steps. */
export interface EapClientExchange {
  /** Our identity (auth-method=eap): its certificate trust settings check the server. */
  identity: IdentityConfig;
  /** Send the next IKE_AUTH request. */
  next(payloads: Payload[], what: string): void;
  /** The server is authenticated (certificate and MSK AUTH): finish with the last response. */
  finish(idr: IdPayload, payloads: Payload[]): void;
  /** Our side refuses the server (RFC 7296 2.21.2). */
  refuse(why: string): void;
  /** The response is no answer we can use. */
  failed(payloads: Payload[], why: string): void;
}

/**
 * Client: the first response carries the server's IDr, CERT and AUTH (checked like any certificate) and an EAP
 * request; each EAP request is answered in a new IKE_AUTH request; after EAP-Success we send AUTH keyed with the
 * MSK, and the last response carries the server's MSK AUTH, CP and the CHILD_SA.
 */
export function eapClientResponse(
  ctx: Ctx,
  sa: KeyedSa,
  st: EapClient,
  payloads: Payload[],
  x: EapClientExchange,
): void {
  if (!st.idr) {
    const idr = find(payloads, PayloadType.IDr);
    const auth = find(payloads, PayloadType.AUTH);
    if (!idr || !auth) return x.failed(payloads, 'the server sent no IDr or AUTH');
    const verified = checkPeerAuth(ctx, sa, x.identity, 'sig', false, idr, auth, payloads);
    if (!verified.ok) {
      ctx.log('error', verified.error, sa);
      return ctx.destroy(sa, 'authentication failed');
    }
    st.idr = idr;
    ctx.log('debug', `server ${formatId(idr)} authenticated by certificate; EAP follows`, sa);
  } else if (st.msk) {
    const auth = find(payloads, PayloadType.AUTH);
    if (!mskAuthValid(sa, st.msk, octetsFor(sa, false, st.idr), auth))
      return x.refuse(`the server's AUTH after EAP does not verify with the MSK`);
    return x.finish(st.idr, payloads);
  }
  const eap = find(payloads, PayloadType.EAP);
  if (!eap) {
    ctx.log('error', 'IKE_AUTH response without the EAP payload we expected', sa);
    return ctx.destroy(sa, 'IKE_AUTH failed');
  }
  const step = eapClientProcess(st.client, sa.rp.identity?.password ?? '', eap, ctx.random);
  if (step.type === 'failure') {
    ctx.log('error', `EAP-MSCHAPv2 as ${st.client.username} failed: ${step.reason}`, sa);
    return ctx.destroy(sa, 'authentication failed');
  }
  if (step.type === 'continue') return x.next([step.reply], 'IKE_AUTH (EAP)');
  st.msk = step.msk;
  ctx.log('info', `EAP-MSCHAPv2 as ${st.client.username} succeeded`, sa);
  x.next([mskAuth(sa, step.msk, octetsFor(sa, true, st.idi))], 'IKE_AUTH (AUTH after EAP)');
}

/**
 * Server, first IKE_AUTH without AUTH: answer with our IDr, CERT and signature AUTH and the first EAP request
 * (EAP-Identity, or the MS-CHAPv2 Challenge when IDi already names a user). The CHILD_SA, CP and INITIAL_CONTACT of
 * this request are answered at the end of EAP.
 */
export function startEapServer(
  ctx: Ctx,
  sa: KeyedSa,
  identity: IdentityConfig,
  req: ParsedMessage,
  payloads: Payload[],
  idi: IdPayload,
): void {
  const ownResult = ownAuth(ctx, sa, identity, 'sig', PayloadType.IDr);
  if (!ownResult.ok) {
    ctx.log('error', `peer ${sa.peerName}: ${ownResult.error}`, sa);
    ctx.respond(sa, req, [notify(NotifyType.AUTHENTICATION_FAILED)]);
    return ctx.destroy(sa, 'authentication failed');
  }
  const own = ownResult.value;
  const idr = own.id;
  const known = idText(idi);
  const { state, reply } = eapServerStart(ctx.random, ctx.config.users, known);
  sa.eap = { role: 'server', server: state, idi, idr, first: payloads };
  ctx.log(
    'info',
    `${formatId(idi)} authenticates with EAP: ` +
      `${state.wait.stage === 'identity' ? 'asking for its EAP identity' : `EAP-MSCHAPv2 for user ${known}`}`,
    sa,
  );
  ctx.respond(sa, req, [idr, ...own.before, own.auth(octetsFor(sa, false, idr)), reply]);
}

/** Server: EAP settled; the exchange answers the first request with `response` (our MSK AUTH) in front. */
export type EapServerFinish = (first: Payload[], idi: IdPayload, response: Payload[], user: EapUser) => void;

/** Server: the next IKE_AUTH request of an EAP conversation, or the final one with the peer's MSK AUTH. */
export function eapServerRequest(
  ctx: Ctx,
  sa: KeyedSa,
  st: EapServer,
  req: ParsedMessage,
  payloads: Payload[],
  finish: EapServerFinish,
): void {
  const fail = (why: string, eapFailure?: EapPayload) => {
    ctx.log('error', `peer ${sa.peerName}: ${why}; AUTHENTICATION_FAILED`, sa);
    ctx.respond(sa, req, [notify(NotifyType.AUTHENTICATION_FAILED), ...(eapFailure ? [eapFailure] : [])]);
    ctx.destroy(sa, 'authentication failed');
  };
  if (st.done) {
    const { msk, user } = st.done;
    const auth = find(payloads, PayloadType.AUTH);
    if (!auth) return fail('no AUTH after EAP-Success');
    if (!mskAuthValid(sa, msk, octetsFor(sa, true, st.idi), auth))
      return fail(`AUTH of EAP user ${user.name} does not verify with the MSK`);
    const response = [mskAuth(sa, msk, octetsFor(sa, false, st.idr))];
    sa.eap = undefined;
    return finish(st.first, st.idi, response, user);
  }
  const eap = find(payloads, PayloadType.EAP);
  if (!eap) return fail('IKE_AUTH request without the EAP payload we expected');
  const step = eapServerProcess(st.server, eap, ctx.config.users, ctx.random);
  if (step.type === 'failure') return fail(step.reason, step.reply);
  if (step.type === 'success') {
    st.done = { msk: step.msk, user: step.user };
    ctx.log('info', `EAP-MSCHAPv2: user ${step.user.name} authenticated`, sa);
  } else if (
    st.server.wait.stage === 'response' &&
    st.server.identity !== undefined &&
    eap.data[0] === EapType.IDENTITY
  )
    ctx.log('info', `EAP identity '${st.server.identity}'`, sa);
  ctx.respond(sa, req, [step.reply]);
}

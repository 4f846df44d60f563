// IKE_AUTH with pre-shared keys (RFC 7296 1.2, 2.15), certificates (RFC 7296 3.6-3.8, RFC 7427) or EAP-MSCHAPv2
// (RFC 7296 2.16: the responder signs with its certificate, the initiator runs EAP, then both send AUTH keyed
// with the MSK), and the first CHILD_SA.
import { AuthMethod, ExchangeType, IdType, NotifyType, PayloadType } from '../codec/constants.ts';

/** Certificate encoding 4: X.509 Certificate - Signature (RFC 7296 3.6). */
const CERT_X509_SIGNATURE = 4;
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { serializeId, type IdPayload } from '../codec/payloads/id.ts';
import { notify } from '../codec/payloads/notify.ts';
import { X509Certificate } from 'node:crypto';
import { err, ok, type Result } from '@ipsec/schema';
import { pskAuth, secretBytes, signedOctets, verifyPskAuth } from '../auth/psk.ts';
import {
  authorityHashes,
  checkPeerCert,
  idMatchesCert,
  loadCert,
  signAuth,
  subjectDer,
  verifyAuth,
  type LoadedCert,
} from '../auth/signature.ts';
import type { Ctx } from '../context.ts';
import { identitiesOf, ikeAlgorithmsKey, resolvePeer, type IdentityConfig } from '../config.ts';
import { inRange, parseIp, prefixRange } from '../util/ip.ts';
import { equal } from '../util/bytes.ts';
import type { IkeSa } from '../ike-sa.ts';
import { createChild } from './create-child-sa.ts';
import { acceptChild, errorAnswer, establishChild, offerChild, selectChild } from './child.ts';
import { errorNotify, find, findNotify, formatId, idFromConfig, remoteIdAccepted } from './common.ts';
import { cpAccept, cpReply, cpRequest } from './mode-config.ts';
import { CpAttr } from '../codec/payloads/cp.ts';
import type { EapPayload } from '../codec/payloads/eap.ts';
import { EapType, eapClientProcess, eapServerProcess, eapServerStart, type EapUser } from '../auth/eap.ts';

/** How one side's first AUTH payload is made: PSK MIC or certificate signature (EAP's MSK AUTH comes later). */
type Method = 'psk' | 'sig';

/**
 * The identity's authentication. eap-radius (responder, RouterOS's server-side EAP): we sign with our certificate,
 * the peer runs EAP-MSCHAPv2 against IPsec Users. eap (initiator): the server signs, we run EAP-MSCHAPv2.
 */
type Kind = 'psk' | 'sig' | 'eap-server' | 'eap-client';

function methodOf(ctx: Ctx, sa: IkeSa): Kind | undefined {
  const m = sa.rp.identity?.['auth-method'] ?? 'pre-shared-key';
  if (sa.rp.identity && m === 'pre-shared-key') return 'psk';
  if (sa.rp.identity && m === 'digital-signature') return 'sig';
  if (sa.rp.identity && m === 'eap-radius' && !sa.initiator) return 'eap-server';
  if (sa.rp.identity && m === 'eap' && sa.initiator) return 'eap-client';
  const why = !sa.rp.identity
    ? 'no identity'
    : m === 'eap-radius'
      ? 'auth-method=eap-radius authenticates EAP clients as responder; to initiate with EAP use auth-method=eap'
      : m === 'eap'
        ? 'auth-method=eap is the EAP client side (initiator); a responder uses auth-method=eap-radius'
        : `auth-method=${m} is not implemented (pre-shared-key, digital-signature, eap-radius as responder, eap as initiator are)`;
  ctx.log('error', `peer ${sa.peerName}: ${why}`, sa);
  return undefined;
}

/** The AUTH method of both sides for psk/sig identities; with EAP, of the side that signs (the server). */
const methodFor = (k: Kind): Method => (k === 'psk' ? 'psk' : 'sig');

function octetsFor(sa: IkeSa, fromInitiator: boolean, id: IdPayload): Uint8Array {
  const suite = sa.suite!;
  const keys = sa.keys!;
  return fromInitiator
    ? signedOctets(suite.prf, sa.initRequest!, sa.nr!, keys.pi, serializeId(id))
    : signedOctets(suite.prf, sa.initResponse!, sa.ni, keys.pr, serializeId(id));
}

function certs(ctx: Ctx, sa?: IkeSa): LoadedCert[] {
  const out: LoadedCert[] = [];
  for (const c of ctx.config.certificates ?? []) {
    const l = loadCert(c);
    if (l.ok) out.push(l.value);
    else ctx.log('warning', l.error, sa);
  }
  return out;
}

/** CERTREQ naming our trusted certificates (RFC 7296 3.7); without any, an empty one still asks for the peer's. */
export function certReq(ctx: Ctx): Payload {
  return { type: PayloadType.CERTREQ, encoding: CERT_X509_SIGNATURE, authorities: authorityHashes(certs(ctx)) };
}

interface OwnAuth {
  id: IdPayload;
  /** CERT, CERTREQ (initiator) before the AUTH payload. */
  before: Payload[];
  auth: (octets: Uint8Array) => Payload;
}

/** Our ID and how we authenticate: PSK MIC, or a signature with our certificate's key. */
function ownAuth(
  ctx: Ctx,
  sa: IkeSa,
  method: Method,
  type: typeof PayloadType.IDi | typeof PayloadType.IDr,
): Result<OwnAuth> {
  const identity = sa.rp.identity!;
  if (method === 'psk') {
    const id = idFromConfig(identity['my-id'], sa.local.address, type);
    if (!id.ok) return id;
    return ok({
      id: id.value,
      before: [],
      auth: (o) => ({
        type: PayloadType.AUTH,
        method: AuthMethod.SHARED_KEY_MIC,
        data: pskAuth(sa.suite!.prf, secretBytes(identity.secret ?? ''), o),
      }),
    });
  }
  const all = certs(ctx, sa);
  const mine = all.find((c) => c.name === identity.certificate);
  if (!mine) return err(`identity certificate ${identity.certificate ?? '(none)'} is not configured`);
  const key = mine.key;
  if (!key) return err(`certificate ${mine.name} has no private key`);
  const spec = identity['my-id'] ?? 'auto';
  const configured =
    spec === 'auto'
      ? ok({ type, idType: IdType.DER_ASN1_DN, data: subjectDer(mine.der) })
      : idFromConfig(spec, sa.local.address, type);
  if (!configured.ok) return configured;
  const id = configured.value;
  if (!idMatchesCert(id, mine.x509)) return err(`my-id ${spec} is not in certificate ${mine.name}`);
  const before: Payload[] = [{ type: PayloadType.CERT, encoding: CERT_X509_SIGNATURE, data: mine.der }];
  if (type === PayloadType.IDi)
    before.push({ type: PayloadType.CERTREQ, encoding: CERT_X509_SIGNATURE, authorities: authorityHashes(all) });
  return ok({
    id,
    before,
    auth: (o) => {
      const s = signAuth(key, o, sa.peerSigHashes);
      return { type: PayloadType.AUTH, method: s.method, data: s.data };
    },
  });
}

/** Check the peer's AUTH (and certificate) for `id`; why not when it does not hold. */
function checkPeerAuth(
  ctx: Ctx,
  sa: IkeSa,
  method: Method,
  fromInitiator: boolean,
  id: IdPayload,
  auth: { method: number; data: Uint8Array },
  payloads: Payload[],
): Result<void> {
  const identity = sa.rp.identity!;
  const byCert = identity['match-by'] === 'certificate' && method === 'sig';
  if (!byCert && !remoteIdAccepted(identity['remote-id'], id, sa.remote.address))
    return err(`identity ${formatId(id)} does not match remote-id ${identity['remote-id']}`);
  const octets = octetsFor(sa, fromInitiator, id);
  if (method === 'psk') {
    if (auth.method !== AuthMethod.SHARED_KEY_MIC)
      return err(`peer authenticates with method ${auth.method}, we expect a pre-shared key`);
    return verifyPskAuth(sa.suite!.prf, secretBytes(identity.secret ?? ''), octets, auth.data)
      ? ok(undefined)
      : err(`AUTH from ${formatId(id)} does not verify (wrong pre-shared key?)`);
  }
  if (auth.method === AuthMethod.SHARED_KEY_MIC)
    return err('peer authenticates with a pre-shared key, we expect a certificate signature');
  const all = certs(ctx, sa);
  const received: X509Certificate[] = [];
  for (const p of payloads) {
    if (p.type !== PayloadType.CERT || !('encoding' in p) || p.encoding !== CERT_X509_SIGNATURE || received.length >= 8)
      continue;
    try {
      received.push(new X509Certificate(p.data));
    } catch {
      return err('peer sent a certificate that does not parse');
    }
  }
  const pinnedName = identity['remote-certificate'];
  const pinned = pinnedName ? all.find((c) => c.name === pinnedName) : undefined;
  if (pinnedName && !pinned) return err(`remote-certificate ${pinnedName} is not configured`);
  const end = received[0] ?? pinned?.x509;
  if (!end) return err('peer sent no certificate');
  const trusted = checkPeerCert(end, received.slice(1), all, ctx.now(), pinned);
  if (!trusted.ok) return trusted;
  if (identity['remote-id'] !== 'ignore' && !idMatchesCert(id, end))
    return err(`peer ID ${formatId(id)} is not in its certificate ("${end.subject.replace(/\n/g, ', ')}")`);
  return verifyAuth(auth.method, auth.data, end.publicKey, octets)
    ? ok(undefined)
    : err(`signature of "${end.subject.replace(/\n/g, ', ')}" does not verify`);
}

/**
 * Responder with several identities for the peer: pick the one for this initiator. match-by=certificate with a
 * remote-certificate: the peer's certificate must be that one; match-by=remote-id: a specific remote-id must equal
 * the IDi, auto/ignore take anyone. Certificate matches beat specific IDs, which beat auto; among equals, one whose
 * PSK verifies the AUTH, or whose certificate shares the client certificate's issuer, wins; then the first.
 */
function chooseIdentity(ctx: Ctx, sa: IkeSa, idi: IdPayload, payloads: Payload[], eap: boolean): void {
  // Identities of this peer first, then of the other peers the initiator's address also matches whose profile
  // negotiates the same way (two road-warrior setups on 0.0.0.0/0: one for certificates, one for EAP users).
  const all = [sa.peerName, ...samePeers(ctx, sa)].flatMap((peer) => identitiesOf(ctx.config, peer));
  if (all.length === 0 || (all.length === 1 && all[0]!.peer === sa.peerName)) return;
  const certPayload = payloads.find(
    (p) => p.type === PayloadType.CERT && 'encoding' in p && p.encoding === CERT_X509_SIGNATURE,
  ) as { data: Uint8Array } | undefined;
  let loaded: LoadedCert[] | undefined;
  const score = (i: IdentityConfig): number => {
    // An IKE_AUTH without AUTH asks for EAP: only eap-radius identities take it, and only those need it.
    if (eap !== (i['auth-method'] === 'eap-radius')) return -1;
    if (
      (i['match-by'] ?? 'remote-id') === 'certificate' &&
      (i['auth-method'] ?? 'pre-shared-key') === 'digital-signature'
    ) {
      if (!i['remote-certificate'] || !certPayload) return -1;
      loaded ??= certs(ctx, sa);
      const c = loaded.find((x) => x.name === i['remote-certificate']);
      return c && equal(c.der, certPayload.data) ? 3 : -1;
    }
    const r = i['remote-id'] ?? 'auto';
    const base = r === 'auto' || r === 'ignore' ? 1 : remoteIdAccepted(r, idi, sa.remote.address) ? 2 : -1;
    return base < 0 ? base : base + proof(i);
  };
  // What the AUTH payload itself says (identities tied on IDs: several road-warrior setups on 0.0.0.0/0): a PSK
  // identity whose secret verifies it, a certificate identity whose own certificate has the client's issuer.
  const auth = find(payloads, PayloadType.AUTH);
  let octets: Uint8Array | undefined;
  let peerIssuer: string | undefined;
  const proof = (i: IdentityConfig): number => {
    if (eap || !auth) return 0;
    const method = i['auth-method'] ?? 'pre-shared-key';
    const mic = auth.method === AuthMethod.SHARED_KEY_MIC;
    if (method === 'pre-shared-key') {
      octets ??= octetsFor(sa, true, idi);
      return mic && verifyPskAuth(sa.suite!.prf, secretBytes(i.secret ?? ''), octets, auth.data) ? 0.5 : -Infinity;
    }
    if (method !== 'digital-signature') return 0;
    if (mic) return -Infinity;
    if (!certPayload || !i.certificate) return 0;
    try {
      peerIssuer ??= new X509Certificate(certPayload.data).issuer;
      const own = ctx.config.certificates?.find((c) => c.name === i.certificate);
      return own && new X509Certificate(own.certificate).issuer === peerIssuer ? 0.5 : 0;
    } catch {
      return 0; // an unreadable certificate is refused later, with its reason
    }
  };
  let best: IdentityConfig | undefined;
  let bestScore = 0;
  for (const i of all) {
    const sc = score(i);
    if (sc > bestScore) {
      best = i;
      bestScore = sc;
    }
  }
  if (!best)
    return ctx.log(
      'warning',
      `no identity of peer ${sa.peerName} matches ${formatId(idi)}${certPayload ? ' or its certificate' : ''}`,
      sa,
    );
  const rp = resolvePeer(ctx.config, best.peer, best);
  if (!rp) return;
  if (best.peer !== sa.peerName) {
    ctx.log('info', `identity for ${formatId(idi)} belongs to peer ${best.peer}: switching from ${sa.peerName}`, sa);
    sa.peerName = best.peer;
  }
  if (best !== all[0])
    ctx.log(
      'debug',
      `identity for ${formatId(idi)}: remote-id=${best['remote-id'] ?? 'auto'}${best['match-by'] === 'certificate' ? ` remote-certificate=${best['remote-certificate']}` : ''}`,
      sa,
    );
  sa.rp = rp;
}

/** Other enabled IKEv2 peers whose address also covers the initiator's and whose profile has the same algorithms. */
function samePeers(ctx: Ctx, sa: IkeSa): string[] {
  const ip = parseIp(sa.remote.address);
  const algs = (name: string | undefined) =>
    ikeAlgorithmsKey(ctx.config.profiles?.find((x) => x.name === (name ?? 'default')));
  const mine = algs(sa.rp.peer.profile);
  return ctx.config.peers
    .filter(
      (p) =>
        p.name !== sa.peerName &&
        !p.disabled &&
        (p['exchange-mode'] ?? 'ike2') === 'ike2' &&
        p.passive === sa.rp.peer.passive,
    )
    .filter((p) => {
      const r = prefixRange(p.address);
      return ip && r && inRange(ip, r) && algs(p.profile) === mine;
    })
    .map((p) => p.name);
}

/** The text of an FQDN, user-FQDN or key-id IKE ID (a candidate EAP user name); undefined for addresses and DNs. */
function idText(id: IdPayload): string | undefined {
  return id.idType === IdType.FQDN || id.idType === IdType.RFC822_ADDR || id.idType === IdType.KEY_ID
    ? Buffer.from(id.data).toString('utf8')
    : undefined;
}

/** AUTH keyed with the EAP MSK (RFC 7296 2.16): the shared-key MIC with the MSK as the secret. */
function mskAuth(sa: IkeSa, msk: Uint8Array, octets: Uint8Array): Payload {
  return { type: PayloadType.AUTH, method: AuthMethod.SHARED_KEY_MIC, data: pskAuth(sa.suite!.prf, msk, octets) };
}

/** The peer's AUTH after EAP verifies with the MSK. */
function mskAuthValid(
  sa: IkeSa,
  msk: Uint8Array,
  octets: Uint8Array,
  auth: { method: number; data: Uint8Array } | undefined,
): boolean {
  return (
    auth !== undefined &&
    auth.method === AuthMethod.SHARED_KEY_MIC &&
    verifyPskAuth(sa.suite!.prf, msk, octets, auth.data)
  );
}

/** Initiator: send IKE_AUTH right after IKE_SA_INIT. */
export function startIkeAuth(ctx: Ctx, sa: IkeSa): void {
  const kind = methodOf(ctx, sa);
  if (!kind) return ctx.destroy(sa, 'no usable identity');
  let idi: IdPayload;
  const payloads: Payload[] = [];
  let auth: Payload | undefined;
  if (kind === 'eap-client') {
    const identity = sa.rp.identity!;
    const methods = identity['eap-methods'];
    const bad = !identity.username
      ? 'auth-method=eap needs a username'
      : methods && !methods.includes('eap-mschapv2')
        ? `eap-methods=${methods.join(',')}: only eap-mschapv2 is implemented`
        : undefined;
    const id = idFromConfig(identity['my-id'], sa.local.address, PayloadType.IDi);
    if (bad || !id.ok) {
      ctx.log('error', bad ?? (id.ok ? '' : id.error), sa);
      return ctx.destroy(sa, 'no usable identity');
    }
    idi = id.value;
    // No AUTH: we authenticate with EAP (RFC 7296 2.16); CERTREQ asks for the server's certificate.
    payloads.push(idi, certReq(ctx));
    sa.eap = { client: { username: identity.username! }, idi };
  } else {
    const own = ownAuth(ctx, sa, methodFor(kind), PayloadType.IDi);
    if (!own.ok) {
      ctx.log('error', own.error, sa);
      return ctx.destroy(sa, 'no usable identity');
    }
    idi = own.value.id;
    payloads.push(idi, ...own.value.before);
    auth = own.value.auth(octetsFor(sa, true, idi));
  }
  if (sa.rp.peer['send-initial-contact'] ?? true) payloads.push(notify(NotifyType.INITIAL_CONTACT));
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
  ctx.request(sa, ExchangeType.IKE_AUTH, payloads, 'IKE_AUTH', (msg, pl) => handleAuthResponse(ctx, sa, msg, pl));
}

/** Initiator: the peer's AUTH (or ours, after EAP) did not hold. Tell the responder (RFC 7296 2.21.2) and forget the SA. */
function refuseResponder(ctx: Ctx, sa: IkeSa, why: string): void {
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

function handleAuthResponse(ctx: Ctx, sa: IkeSa, _msg: ParsedMessage, payloads: Payload[]): void {
  if (findNotify(payloads, NotifyType.AUTHENTICATION_FAILED)) {
    ctx.log(
      'error',
      `peer rejected our authentication (AUTHENTICATION_FAILED)${sa.eap ? `${find(payloads, PayloadType.EAP)?.code === 4 ? ' with EAP-Failure' : ''}: EAP user ${sa.eap.client?.username}` : ''}`,
      sa,
    );
    return ctx.destroy(sa, 'authentication failed');
  }
  if (sa.eap) return eapClientResponse(ctx, sa, payloads);
  const idr = find(payloads, PayloadType.IDr);
  const auth = find(payloads, PayloadType.AUTH);
  if (!idr || !auth) return authResponseFailed(ctx, sa, payloads, 'response lacks IDr or AUTH');
  const kind = methodOf(ctx, sa);
  const verified = checkPeerAuth(ctx, sa, kind ? methodFor(kind) : 'psk', false, idr, auth, payloads);
  if (!verified.ok) return refuseResponder(ctx, sa, verified.error);
  finishInitiator(ctx, sa, idr, payloads);
}

/** Initiator: an IKE_AUTH response without our peer's IDr and AUTH (an error notify, usually): give up the IKE SA. */
function authResponseFailed(ctx: Ctx, sa: IkeSa, payloads: Payload[], why: string): void {
  const e = errorNotify(payloads);
  ctx.log('error', `IKE_AUTH failed${e ? ` with notify ${e.notifyType}` : `: ${why}`}`, sa);
  ctx.destroy(sa, 'IKE_AUTH failed');
}

/** Initiator: the IKE SA is authenticated both ways; take mode config and the first CHILD_SA from the last response. */
function finishInitiator(ctx: Ctx, sa: IkeSa, idr: IdPayload, payloads: Payload[]): void {
  markEstablished(ctx, sa, idr, sa.eap?.client?.username);
  sa.eap = undefined;
  cpAccept(ctx, sa, payloads);
  const pending = sa.pendingChild;
  sa.pendingChild = undefined;
  if (!pending) return;
  const acc = acceptChild(ctx, sa, pending, payloads);
  if (!acc.ok) return ctx.log('error', `first CHILD_SA failed: ${acc.error}`, sa);
  establishChild(ctx, sa, { ...acc.value, index: pending.policyIndex, spiIn: pending.spi }, sa.ni, sa.nr!, true);
  for (let i = 1; i < sa.rp.policies.length; i++) createChild(ctx, sa, i);
}

/**
 * Initiator with auth-method=eap: the first response carries the server's IDr, CERT and AUTH (checked like any
 * certificate) and an EAP request; each EAP request is answered in a new IKE_AUTH request; after EAP-Success we
 * send AUTH keyed with the MSK, and the last response carries the server's MSK AUTH, CP and the CHILD_SA.
 */
function eapClientResponse(ctx: Ctx, sa: IkeSa, payloads: Payload[]): void {
  const st = sa.eap!;
  if (!st.idr) {
    const idr = find(payloads, PayloadType.IDr);
    const auth = find(payloads, PayloadType.AUTH);
    if (!idr || !auth) return authResponseFailed(ctx, sa, payloads, 'the server sent no IDr or AUTH');
    const verified = checkPeerAuth(ctx, sa, 'sig', false, idr, auth, payloads);
    if (!verified.ok) {
      ctx.log('error', verified.error, sa);
      return ctx.destroy(sa, 'authentication failed');
    }
    st.idr = idr;
    ctx.log('debug', `server ${formatId(idr)} authenticated by certificate; EAP follows`, sa);
  } else if (st.msk) {
    const auth = find(payloads, PayloadType.AUTH);
    if (!mskAuthValid(sa, st.msk, octetsFor(sa, false, st.idr), auth))
      return refuseResponder(ctx, sa, `the server's AUTH after EAP does not verify with the MSK`);
    return finishInitiator(ctx, sa, st.idr, payloads);
  }
  const eap = find(payloads, PayloadType.EAP);
  if (!eap) {
    ctx.log('error', 'IKE_AUTH response without the EAP payload we expected', sa);
    return ctx.destroy(sa, 'IKE_AUTH failed');
  }
  const step = eapClientProcess(st.client!, sa.rp.identity?.password ?? '', eap, ctx.random);
  const next = (p: Payload[], what: string) =>
    ctx.request(sa, ExchangeType.IKE_AUTH, p, what, (msg, pl) => handleAuthResponse(ctx, sa, msg, pl));
  if (step.type === 'failure') {
    ctx.log('error', `EAP-MSCHAPv2 as ${st.client!.username} failed: ${step.reason}`, sa);
    return ctx.destroy(sa, 'authentication failed');
  }
  if (step.type === 'continue') return next([step.reply], 'IKE_AUTH (EAP)');
  st.msk = step.msk;
  ctx.log('info', `EAP-MSCHAPv2 as ${st.client!.username} succeeded`, sa);
  next([mskAuth(sa, step.msk, octetsFor(sa, true, st.idi))], 'IKE_AUTH (AUTH after EAP)');
}

/** The peer's identity for INITIAL_CONTACT and display: its IKE ID, with the EAP user when there is one. */
function peerKey(id: IdPayload, eapUser: string | undefined): string {
  return eapUser === undefined ? formatId(id) : `${formatId(id)}, EAP user ${eapUser}`;
}

function markEstablished(ctx: Ctx, sa: IkeSa, peerId: IdPayload, eapUser?: string): void {
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
export function handleAuthRequest(ctx: Ctx, sa: IkeSa, req: ParsedMessage, payloads: Payload[]): void {
  if (sa.eap) return eapServerRequest(ctx, sa, req, payloads);
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
  chooseIdentity(ctx, sa, idi, payloads, !auth);
  const kind = methodOf(ctx, sa);
  if (!kind) return fail('no usable identity');
  if (!auth) {
    // RFC 7296 2.16: no AUTH means the initiator wants to authenticate with EAP.
    if (kind !== 'eap-server')
      return fail(
        `${formatId(idi)} sent no AUTH (wants EAP), but the identity has auth-method=${sa.rp.identity?.['auth-method'] ?? 'pre-shared-key'}`,
      );
    const remoteId = sa.rp.identity!['remote-id'];
    if (!remoteIdAccepted(remoteId, idi, sa.remote.address))
      return fail(`identity ${formatId(idi)} does not match remote-id ${remoteId}`);
    return startEapServer(ctx, sa, req, payloads, idi);
  }
  if (kind === 'eap-server')
    return fail(`${formatId(idi)} sent AUTH, but the identity has auth-method=eap-radius (EAP expected)`);
  const verified = checkPeerAuth(ctx, sa, methodFor(kind), true, idi, auth, payloads);
  if (!verified.ok) return fail(verified.error);
  const own = ownAuth(ctx, sa, methodFor(kind), PayloadType.IDr);
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
  sa: IkeSa,
  req: ParsedMessage,
  payloads: Payload[],
  idi: IdPayload,
  response: Payload[],
  user?: EapUser,
): void {
  const ni = sa.ni;
  const nr = sa.nr!;
  // INITIAL_CONTACT (2.4): the peer has no other SAs with us; drop what we still hold for the same identities.
  if (findNotify(payloads, NotifyType.INITIAL_CONTACT)) {
    const who = peerKey(idi, user?.name);
    for (const other of ctx.allSas()) {
      if (other === sa || other.peerName !== sa.peerName || other.remoteId !== who || other.state === 'dead') continue;
      ctx.log('info', `INITIAL_CONTACT from ${who}: removing old IKE SA #${other.id}`, sa);
      ctx.destroy(other, 'replaced (INITIAL_CONTACT)');
    }
  }
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
      ctx.log('warning', `first CHILD_SA refused with notify ${child.error}`, sa);
      response.push(...errorAnswer(child.error));
    } else response.push(...child.value.answer);
  }
  ctx.respond(sa, req, response);
  markEstablished(ctx, sa, idi, user?.name);
  if (child?.ok) establishChild(ctx, sa, child.value, ni, nr, false);
}

/**
 * Responder, auth-method=eap-radius, first IKE_AUTH without AUTH: answer with our IDr, CERT and signature AUTH and
 * the first EAP request (EAP-Identity, or the MS-CHAPv2 Challenge when IDi already names a user). The CHILD_SA, CP
 * and INITIAL_CONTACT of this request are answered at the end of EAP.
 */
function startEapServer(ctx: Ctx, sa: IkeSa, req: ParsedMessage, payloads: Payload[], idi: IdPayload): void {
  const ownResult = ownAuth(ctx, sa, 'sig', PayloadType.IDr);
  if (!ownResult.ok) {
    ctx.log('error', `peer ${sa.peerName}: ${ownResult.error}`, sa);
    ctx.respond(sa, req, [notify(NotifyType.AUTHENTICATION_FAILED)]);
    return ctx.destroy(sa, 'authentication failed');
  }
  const own = ownResult.value;
  const idr = own.id;
  const known = idText(idi);
  const { state, reply } = eapServerStart(ctx.random, ctx.config.users, known);
  sa.eap = { server: state, idi, idr, first: payloads };
  ctx.log(
    'info',
    `${formatId(idi)} authenticates with EAP: ${state.stage === 'identity' ? 'asking for its EAP identity' : `EAP-MSCHAPv2 for user ${known}`}`,
    sa,
  );
  ctx.respond(sa, req, [idr, ...own.before, own.auth(octetsFor(sa, false, idr)), reply]);
}

/** Responder: the next IKE_AUTH request of an EAP conversation, or the final one with the peer's MSK AUTH. */
function eapServerRequest(ctx: Ctx, sa: IkeSa, req: ParsedMessage, payloads: Payload[]): void {
  const st = sa.eap!;
  const fail = (why: string, eapFailure?: EapPayload) => {
    ctx.log('error', `peer ${sa.peerName}: ${why}; AUTHENTICATION_FAILED`, sa);
    ctx.respond(sa, req, [notify(NotifyType.AUTHENTICATION_FAILED), ...(eapFailure ? [eapFailure] : [])]);
    ctx.destroy(sa, 'authentication failed');
  };
  if (st.msk) {
    const auth = find(payloads, PayloadType.AUTH);
    if (!auth) return fail('no AUTH after EAP-Success');
    if (!mskAuthValid(sa, st.msk, octetsFor(sa, true, st.idi), auth))
      return fail(`AUTH of EAP user ${st.user!.name} does not verify with the MSK`);
    const response = [mskAuth(sa, st.msk, octetsFor(sa, false, st.idr!))];
    const first = st.first!;
    const user = st.user!;
    sa.eap = undefined;
    return finishResponder(ctx, sa, req, first, st.idi, response, user);
  }
  const eap = find(payloads, PayloadType.EAP);
  if (!eap) return fail('IKE_AUTH request without the EAP payload we expected');
  const step = eapServerProcess(st.server!, eap, ctx.config.users, ctx.random);
  if (step.type === 'failure') return fail(step.reason, step.reply);
  if (step.type === 'success') {
    st.msk = step.msk;
    st.user = step.user;
    ctx.log('info', `EAP-MSCHAPv2: user ${step.user.name} authenticated`, sa);
  } else if (st.server!.stage === 'response' && st.server!.identity !== undefined && eap.data[0] === EapType.IDENTITY)
    ctx.log('info', `EAP identity '${st.server!.identity}'`, sa);
  ctx.respond(sa, req, [step.reply]);
}

// IKE_AUTH with pre-shared keys (RFC 7296 1.2, 2.15) or certificates (RFC 7296 3.6-3.8, RFC 7427), and the first CHILD_SA.
import { AuthMethod, ExchangeType, IdType, NotifyType, PayloadType } from '../codec/constants.ts';

/** Certificate encoding 4: X.509 Certificate - Signature (RFC 7296 3.6). */
const CERT_X509_SIGNATURE = 4;
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { serializeId, type IdPayload } from '../codec/payloads/id.ts';
import { notify } from '../codec/payloads/notify.ts';
import { X509Certificate } from 'node:crypto';
import { pskAuth, secretBytes, signedOctets, verifyPskAuth } from '../auth/psk.ts';
import { authorityHashes, checkPeerCert, idMatchesCert, loadCert, signAuth, subjectDer, verifyAuth, type LoadedCert } from '../auth/signature.ts';
import type { Ctx } from '../context.ts';
import { identitiesOf, resolvePeer, type IdentityConfig } from '../config.ts';
import { equal } from '../util/bytes.ts';
import type { IkeSa } from '../ike_sa.ts';
import { createChild } from './create_child_sa.ts';
import { acceptChild, errorAnswer, establishChild, offerChild, selectChild } from './child.ts';
import { errorNotify, find, findNotify, formatId, idFromConfig, remoteIdAccepted } from './common.ts';
import { cpAccept, cpReply, cpRequest } from './mode_config.ts';
import { CpAttr } from '../codec/payloads/cp.ts';

type Method = 'psk' | 'sig';

function methodOf(ctx: Ctx, sa: IkeSa): Method | undefined {
  const m = sa.rp.identity?.['auth-method'] ?? 'pre-shared-key';
  if (sa.rp.identity && m === 'pre-shared-key') return 'psk';
  if (sa.rp.identity && m === 'digital-signature') return 'sig';
  ctx.log('error', `peer ${sa.peerName}: ${sa.rp.identity ? `auth-method=${m} is not implemented (pre-shared-key, digital-signature are)` : 'no identity'}`, sa);
  return undefined;
}

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
    if ('error' in l) ctx.log('warning', l.error, sa);
    else out.push(l);
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
function ownAuth(ctx: Ctx, sa: IkeSa, method: Method, type: typeof PayloadType.IDi | typeof PayloadType.IDr): OwnAuth | { error: string } {
  const identity = sa.rp.identity!;
  if (method === 'psk') {
    const id = idFromConfig(identity['my-id'], sa.local.address, type);
    if ('error' in id) return id;
    return { id, before: [], auth: (o) => ({ type: PayloadType.AUTH, method: AuthMethod.SHARED_KEY_MIC, data: pskAuth(sa.suite!.prf, secretBytes(identity.secret ?? ''), o) }) };
  }
  const all = certs(ctx, sa);
  const mine = all.find((c) => c.name === identity.certificate);
  if (!mine) return { error: `identity certificate ${identity.certificate ?? '(none)'} is not configured` };
  const key = mine.key;
  if (!key) return { error: `certificate ${mine.name} has no private key` };
  const spec = identity['my-id'] ?? 'auto';
  const id = spec === 'auto' ? { type, idType: IdType.DER_ASN1_DN, data: subjectDer(mine.der) } : idFromConfig(spec, sa.local.address, type);
  if ('error' in id) return id;
  if (!idMatchesCert(id, mine.x509)) return { error: `my-id ${spec} is not in certificate ${mine.name}` };
  const before: Payload[] = [{ type: PayloadType.CERT, encoding: CERT_X509_SIGNATURE, data: mine.der }];
  if (type === PayloadType.IDi) before.push({ type: PayloadType.CERTREQ, encoding: CERT_X509_SIGNATURE, authorities: authorityHashes(all) });
  return {
    id,
    before,
    auth: (o) => {
      const s = signAuth(key, o, sa.peerSigHashes);
      return { type: PayloadType.AUTH, method: s.method, data: s.data };
    },
  };
}

/** Check the peer's AUTH (and certificate) for `id`; an error text when it does not hold. */
function checkPeerAuth(ctx: Ctx, sa: IkeSa, method: Method, fromInitiator: boolean, id: IdPayload, auth: { method: number; data: Uint8Array }, payloads: Payload[]): string | undefined {
  const identity = sa.rp.identity!;
  const byCert = identity['match-by'] === 'certificate' && method === 'sig';
  if (!byCert && !remoteIdAccepted(identity['remote-id'], id, sa.remote.address)) return `identity ${formatId(id)} does not match remote-id ${identity['remote-id']}`;
  const octets = octetsFor(sa, fromInitiator, id);
  if (method === 'psk') {
    if (auth.method !== AuthMethod.SHARED_KEY_MIC) return `peer authenticates with method ${auth.method}, we expect a pre-shared key`;
    return verifyPskAuth(sa.suite!.prf, secretBytes(identity.secret ?? ''), octets, auth.data) ? undefined : `AUTH from ${formatId(id)} does not verify (wrong pre-shared key?)`;
  }
  if (auth.method === AuthMethod.SHARED_KEY_MIC) return 'peer authenticates with a pre-shared key, we expect a certificate signature';
  const all = certs(ctx, sa);
  const received: X509Certificate[] = [];
  for (const p of payloads) {
    if (p.type !== PayloadType.CERT || !('encoding' in p) || p.encoding !== CERT_X509_SIGNATURE || received.length >= 8) continue;
    try {
      received.push(new X509Certificate(p.data));
    } catch {
      return 'peer sent a certificate that does not parse';
    }
  }
  const pinnedName = identity['remote-certificate'];
  const pinned = pinnedName ? all.find((c) => c.name === pinnedName) : undefined;
  if (pinnedName && !pinned) return `remote-certificate ${pinnedName} is not configured`;
  const end = received[0] ?? pinned?.x509;
  if (!end) return 'peer sent no certificate';
  const bad = checkPeerCert(end, received.slice(1), all, ctx.now(), pinned);
  if (bad) return bad;
  if (identity['remote-id'] !== 'ignore' && !idMatchesCert(id, end)) return `peer ID ${formatId(id)} is not in its certificate ("${end.subject.replace(/\n/g, ', ')}")`;
  return verifyAuth(auth.method, auth.data, end.publicKey, octets) ? undefined : `signature of "${end.subject.replace(/\n/g, ', ')}" does not verify`;
}

/**
 * Responder with several identities for the peer: pick the one for this initiator. match-by=certificate with a
 * remote-certificate: the peer's certificate must be that one; match-by=remote-id: a specific remote-id must equal
 * the IDi, auto/ignore take anyone. Certificate matches beat specific IDs, which beat auto; ties go by order.
 */
function chooseIdentity(ctx: Ctx, sa: IkeSa, idi: IdPayload, payloads: Payload[]): void {
  const all = identitiesOf(ctx.config, sa.peerName);
  if (all.length <= 1) return;
  const certPayload = payloads.find((p) => p.type === PayloadType.CERT && 'encoding' in p && p.encoding === CERT_X509_SIGNATURE) as { data: Uint8Array } | undefined;
  let loaded: LoadedCert[] | undefined;
  const score = (i: IdentityConfig): number => {
    if ((i['match-by'] ?? 'remote-id') === 'certificate' && (i['auth-method'] ?? 'pre-shared-key') === 'digital-signature') {
      if (!i['remote-certificate'] || !certPayload) return -1;
      loaded ??= certs(ctx, sa);
      const c = loaded.find((x) => x.name === i['remote-certificate']);
      return c && equal(c.der, certPayload.data) ? 3 : -1;
    }
    const r = i['remote-id'] ?? 'auto';
    if (r === 'auto' || r === 'ignore') return 1;
    return remoteIdAccepted(r, idi, sa.remote.address) ? 2 : -1;
  };
  let best: IdentityConfig | undefined;
  let bestScore = -1;
  for (const i of all) {
    const sc = score(i);
    if (sc > bestScore) {
      best = i;
      bestScore = sc;
    }
  }
  if (!best) return ctx.log('warning', `no identity of peer ${sa.peerName} matches ${formatId(idi)}${certPayload ? ' or its certificate' : ''}`, sa);
  const rp = resolvePeer(ctx.config, sa.peerName, best);
  if (!rp) return;
  if (best !== all[0]) ctx.log('debug', `identity for ${formatId(idi)}: remote-id=${best['remote-id'] ?? 'auto'}${best['match-by'] === 'certificate' ? ` remote-certificate=${best['remote-certificate']}` : ''}`, sa);
  sa.rp = rp;
}

/** Initiator: send IKE_AUTH right after IKE_SA_INIT. */
export function startIkeAuth(ctx: Ctx, sa: IkeSa): void {
  const method = methodOf(ctx, sa);
  if (!method) return ctx.destroy(sa, 'no usable identity');
  const own = ownAuth(ctx, sa, method, PayloadType.IDi);
  if ('error' in own) {
    ctx.log('error', own.error, sa);
    return ctx.destroy(sa, 'no usable identity');
  }
  const idi = own.id;
  const payloads: Payload[] = [idi, ...own.before];
  if (sa.rp.peer['send-initial-contact'] ?? true) payloads.push(notify(NotifyType.INITIAL_CONTACT));
  const remoteId = sa.rp.identity?.['remote-id'];
  if (remoteId && remoteId !== 'auto' && remoteId !== 'ignore') {
    const idr = idFromConfig(remoteId, sa.remote.address, PayloadType.IDr);
    if (!('error' in idr)) payloads.push(idr);
  }
  payloads.push(own.auth(octetsFor(sa, true, idi)));
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
  const bad = checkPeerAuth(ctx, sa, methodOf(ctx, sa) ?? 'psk', false, idr, auth, payloads);
  if (bad) {
    ctx.log('error', bad, sa);
    // The responder thinks the IKE SA is up: tell it (RFC 7296 2.21.2), then forget the SA either way.
    sa.state = 'deleting';
    const done = () => ctx.destroy(sa, 'authentication failed');
    return ctx.request(sa, ExchangeType.INFORMATIONAL, [notify(NotifyType.AUTHENTICATION_FAILED)], 'INFORMATIONAL AUTHENTICATION_FAILED', done, done);
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
  chooseIdentity(ctx, sa, idi, payloads);
  const method = methodOf(ctx, sa);
  if (!method) return fail('no usable identity');
  const bad = checkPeerAuth(ctx, sa, method, true, idi, auth, payloads);
  if (bad) return fail(bad);
  const own = ownAuth(ctx, sa, method, PayloadType.IDr);
  if ('error' in own) return fail(own.error);
  const idr = own.id;
  const response: Payload[] = [idr, ...own.before, own.auth(octetsFor(sa, false, idr))];
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

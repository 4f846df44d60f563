// IKE_SA_INIT (RFC 7296 1.2): SA, KE, Ni/Nr and the keys; INVALID_KE_PAYLOAD retry (1.2). NAT detection, COOKIEs
// and certificate requests ride on it from their own modules; IKE_AUTH follows.
import { ExchangeType, NotifyType, notifyName, PayloadType } from '../codec/constants.ts';
import { describeProposals, explainMismatch } from '../diagnose.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import { resolvePeer, findPeerForAddress } from '../config.ts';
import { dhById, dhByName } from '../crypto/dh.ts';
import { deriveIkeKeys, type IkeKeys } from '../crypto/keymat.ts';
import { keyMaterialLength } from '../crypto/cipher.ts';
import type { Ctx } from '../context.ts';
import { newSaBookkeeping, withKeys, type Endpoint, type KeyedSa, type UnkeyedSa } from '../ike-sa.ts';
import { acceptIke, describeIke, ikeProposals, selectIke, type IkeSuite } from '../proposals.ts';
import { isZero, u16 } from '../util/bytes.ts';
import { errorNotify, find, findNotify } from './common.ts';
import { createMissingChildren } from './child-create.ts';
import { parseIp } from '../util/ip.ts';
import { certReq } from './certificates.ts';
import { answerWithoutState, cookiePayloads, takeCookie } from './cookies.ts';
import { startIkeAuth } from './ike-auth.ts';
import { certReqAuthorities } from './certificates.ts';
import { detectNat, floatPorts, natAnswer, natRequest } from './nat-detection.ts';
import type { OpeningUnit } from './unit.ts';

const NONCE_LEN = 32;
/** SIGNATURE_HASH_ALGORITHMS (RFC 7427 4): SHA2-256, SHA2-384, SHA2-512. */
const SIGNATURE_HASHES = new Uint8Array([0, 2, 0, 3, 0, 4]);

/** The IKE SA's keys (RFC 7296 2.14) for the negotiated suite. */
function ikeKeys(
  suite: IkeSuite,
  p: { ni: Uint8Array; nr: Uint8Array; spiI: Uint8Array; spiR: Uint8Array },
  secret: Uint8Array,
): IkeKeys {
  return deriveIkeKeys(
    { prf: suite.prf, integKeyLen: suite.integ?.keyLen ?? 0, encKeyLen: keyMaterialLength(suite.encr) },
    p.ni,
    p.nr,
    secret,
    p.spiI,
    p.spiR,
  );
}

/** The hash algorithms of a SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 4). */
function sigHashes(payloads: Payload[]): number[] | undefined {
  const n = findNotify(payloads, NotifyType.SIGNATURE_HASH_ALGORITHMS);
  if (!n) return undefined;
  const out: number[] = [];
  for (let i = 0; i + 1 < n.data.length && out.length < 32; i += 2)
    out.push(((n.data[i] as number) << 8) | (n.data[i + 1] as number));
  return out;
}

/** Initiator: build and send the IKE_SA_INIT request (again, after INVALID_KE_PAYLOAD or COOKIE). */
function sendInitRequest(ctx: Ctx, sa: UnkeyedSa): void {
  const dh = sa.dh;
  const payloads: Payload[] = [
    ...cookiePayloads(sa),
    { type: PayloadType.SA, proposals: sa.myProposals },
    { type: PayloadType.KE, group: dh.id, data: dh.publicValue },
    { type: PayloadType.NONCE, data: sa.ni },
    ...natRequest(ctx, sa),
    notify(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED),
    notify(NotifyType.SIGNATURE_HASH_ALGORITHMS, SIGNATURE_HASHES),
  ];
  sa.nextMsgId = 0;
  sa.state = 'init-sent';
  ctx.request(sa, ExchangeType.IKE_SA_INIT, payloads, 'IKE_SA_INIT', (msg, pl) => handleInitResponse(ctx, sa, msg, pl));
  // AUTH signs the IKE_SA_INIT request exactly as sent last (RFC 7296 2.15).
  sa.initRequest = sa.pending?.packets[0];
}

function handleInitResponse(ctx: Ctx, sa: UnkeyedSa, msg: ParsedMessage, payloads: Payload[]): void {
  const cookie = takeCookie(ctx, sa, payloads);
  if (cookie === 'retry') return sendInitRequest(ctx, sa);
  if (cookie === 'ignored') return;
  const invalidKe = findNotify(payloads, NotifyType.INVALID_KE_PAYLOAD);
  if (invalidKe) {
    const group =
      invalidKe.data.length === 2 ? ((invalidKe.data[0] as number) << 8) | (invalidKe.data[1] as number) : -1;
    const impl = dhById(group);
    if (!impl || !sa.rp.profile['dh-group'].includes(impl.name) || impl.id === sa.dh.id) {
      ctx.log('error', `peer requested DH group ${group}, which is not configured`, sa);
      return ctx.destroy(sa, 'no acceptable DH group');
    }
    ctx.log('info', `peer wants DH group ${impl.name}; retrying IKE_SA_INIT`, sa);
    sa.dh = impl.generate(ctx.random);
    return sendInitRequest(ctx, sa);
  }
  const err = errorNotify(payloads);
  if (err) {
    ctx.log(
      'error',
      `IKE_SA_INIT refused by the peer: ${notifyName(err.notifyType)}` +
        (err.notifyType === NotifyType.NO_PROPOSAL_CHOSEN
          ? `; we offered ${describeProposals(ikeProposals(sa.rp.profile))}`
          : ''),
      sa,
    );
    return ctx.destroy(sa, 'IKE_SA_INIT refused');
  }
  const saP = find(payloads, PayloadType.SA);
  const ke = find(payloads, PayloadType.KE);
  const nonce = find(payloads, PayloadType.NONCE);
  if (!saP || !ke || !nonce || isZero(msg.spiR)) {
    ctx.log('error', 'IKE_SA_INIT response lacks SA, KE, Nr or a responder SPI', sa);
    return ctx.destroy(sa, 'malformed IKE_SA_INIT response');
  }
  const suite = acceptIke(saP.proposals, sa.myProposals);
  if (!suite || suite.dh.id !== sa.dh.id || ke.group !== sa.dh.id) {
    ctx.log('error', 'IKE_SA_INIT response selected a proposal we did not offer', sa);
    return ctx.destroy(sa, 'bad proposal');
  }
  const secret = sa.dh.computeSecret(ke.data);
  if (!secret.ok) {
    ctx.log('error', `invalid peer KE: ${secret.error}`, sa);
    return ctx.destroy(sa, 'invalid KE');
  }
  sa.spiR = msg.spiR.slice();
  sa.initResponse = msg.raw.slice();
  const nr = nonce.data;
  const keyed = withKeys(sa, { nr, suite, keys: ikeKeys(suite, { ...sa, nr }, secret.value) });
  continueAfterInit(ctx, keyed, payloads);
}

/** Initiator, keyed: what the IKE_SA_INIT answer says besides the keys, then IKE_AUTH. */
function continueAfterInit(ctx: Ctx, sa: KeyedSa, payloads: Payload[]): void {
  sa.fragmentation = findNotify(payloads, NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) !== undefined;
  const hashes = sigHashes(payloads);
  if (hashes) sa.peerSigHashes = hashes;
  sa.peerAuthorities = certReqAuthorities(payloads);
  detectNat(ctx, sa, payloads, sa.spiR);
  if (sa.nat.local || sa.nat.remote) ctx.log('info', `NAT detected (${sa.nat.local ? 'local' : 'remote'})`, sa);
  ctx.log(
    'info',
    `IKE_SA_INIT done: ${describeIke(sa.suite)}${sa.nat.local ? ', we are behind NAT' : ''}${sa.nat.remote ? ', peer is behind NAT' : ''}`,
    sa,
  );
  floatPorts(sa);
  startIkeAuth(ctx, sa);
}

/** Initiator: a new IKE SA with `peerName` (or, with one up already, the CHILD_SAs its policies lack). */
export function initiate(ctx: Ctx, peerName: string, localOverride?: Endpoint): void {
  const rp = resolvePeer(ctx.config, peerName);
  if (!rp) return ctx.log('error', `initiate: no enabled peer named ${peerName}`);
  if ((rp.peer['exchange-mode'] ?? 'ike2') !== 'ike2')
    return ctx.log(
      'error',
      `initiate: peer ${peerName} uses exchange-mode=${rp.peer['exchange-mode']}, which this engine does not speak yet (ike2 and main do)`,
    );
  // An IKE SA with the peer is up (either role, passive too): negotiate the CHILD_SAs its policies lack (ACQUIRE,
  // after a flush or for a policy added since).
  const up = ctx.allSas().find((sa): sa is KeyedSa => sa.peerName === peerName && sa.state === 'established');
  if (up) return createMissingChildren(ctx, up);
  if (rp.peer.passive) return ctx.log('warning', `initiate: peer ${peerName} is passive (responder only)`);
  for (const sa of ctx.allSas())
    if (sa.peerName === peerName && sa.initiator && sa.state !== 'dead' && sa.state !== 'deleting')
      return ctx.log('debug', `initiate: IKE SA #${sa.id} for ${peerName} already exists`);
  const remoteAddr = rp.peer.address.split('/');
  if (
    !parseIp(remoteAddr[0] ?? '') ||
    (remoteAddr[1] !== undefined && remoteAddr[1] !== '32' && remoteAddr[1] !== '128')
  )
    return ctx.log('error', `initiate: peer ${peerName} address ${rp.peer.address} is not a single host`);
  const local =
    localOverride ?? (rp.peer['local-address'] ? { address: rp.peer['local-address'], port: 500 } : undefined);
  if (!local) return ctx.log('error', `initiate: peer ${peerName} needs local-address (or pass local in the command)`);
  const warnings: string[] = [];
  const proposals = ikeProposals(rp.profile, { warnings });
  for (const w of warnings) ctx.log('warning', w);
  if (!proposals.length) return ctx.log('error', `initiate: profile ${rp.profile.name} has no usable algorithms`);
  const impl = rp.profile['dh-group'].map((g) => dhByName(g)).find((g) => g !== undefined);
  if (!impl) return ctx.log('error', `initiate: profile ${rp.profile.name} has no usable dh-group`);
  const spiI = ctx.random(8);
  if (isZero(spiI)) spiI[7] = 1;
  const now = ctx.now();
  const sa: UnkeyedSa = {
    id: ctx.newIkeSaId(),
    peerName,
    rp,
    initiator: true,
    spiI,
    spiR: new Uint8Array(8),
    state: 'init-sent',
    local,
    remote: { address: remoteAddr[0] as string, port: rp.peer.port ?? 500 },
    ni: ctx.random(32),
    dh: impl.generate(ctx.random),
    myProposals: proposals,
    ...newSaBookkeeping(now),
    peerMsgId: 0,
  };
  ctx.register(sa);
  ctx.log('info', `initiating to ${sa.remote.address}:${sa.remote.port}`, sa);
  sendInitRequest(ctx, sa);
}

/** Responder: an IKE_SA_INIT request for no existing SA. */
function handleInitRequest(ctx: Ctx, msg: ParsedMessage, from: Endpoint, to: Endpoint): void {
  const reply = (payloads: Payload[]) => answerWithoutState(ctx, msg, from, to, payloads);
  if (msg.messageId !== 0 || isZero(msg.spiI) || !isZero(msg.spiR))
    return ctx.drop('in-header-errors', 'debug', `dropping IKE_SA_INIT with message ID ${msg.messageId}`);
  const peerCfg = findPeerForAddress(ctx.config, from.address);
  const rp = peerCfg ? resolvePeer(ctx.config, peerCfg.name) : undefined;
  if (!rp) {
    ctx.log('info', `IKE_SA_INIT from ${from.address}: no IKEv2 peer configured for this address`);
    return reply([notify(NotifyType.NO_PROPOSAL_CHOSEN)]);
  }
  const payloads = msg.payloads;
  const saP = find(payloads, PayloadType.SA);
  const ke = find(payloads, PayloadType.KE);
  const nonce = find(payloads, PayloadType.NONCE);
  if (!saP || !ke || !nonce)
    return ctx.drop('in-header-errors', 'warning', `IKE_SA_INIT from ${from.address} lacks SA, KE or Ni; dropped`);
  const warnings: string[] = [];
  const mine = ikeProposals(rp.profile, { warnings });
  const chosen = selectIke(saP.proposals, mine);
  if (!chosen) {
    ctx.log('error', `IKE_SA_INIT from ${from.address} (peer ${rp.peer.name}): no suitable proposal found`);
    for (const line of explainMismatch(saP.proposals, mine))
      ctx.log('error', `we refused the IKE proposals of ${from.address}: ${line}`);
    return reply([notify(NotifyType.NO_PROPOSAL_CHOSEN)]);
  }
  if (ke.group !== chosen.suite.dh.id) {
    ctx.log('info', `IKE_SA_INIT from ${from.address}: KE group ${ke.group}, asking for ${chosen.suite.dh.name}`);
    return reply([notify(NotifyType.INVALID_KE_PAYLOAD, u16(chosen.suite.dh.id))]);
  }
  const dh = chosen.suite.dh.generate(ctx.random);
  const secret = dh.computeSecret(ke.data);
  if (!secret.ok) return ctx.log('warning', `IKE_SA_INIT from ${from.address}: invalid KE (${secret.error}); dropped`);
  const spiR = ctx.random(8);
  if (isZero(spiR)) spiR[7] = 1;
  const now = ctx.now();
  const id = ctx.newIkeSaId();
  const nonces = { ni: nonce.data, nr: ctx.random(NONCE_LEN), spiI: msg.spiI.slice(), spiR };
  const sa: KeyedSa = {
    id,
    peerName: rp.peer.name,
    rp,
    initiator: false,
    ...nonces,
    state: 'init-done',
    local: to,
    remote: from,
    suite: chosen.suite,
    keys: ikeKeys(chosen.suite, nonces, secret.value),
    myProposals: mine,
    initRequest: msg.raw.slice(),
    ...newSaBookkeeping(now),
    peerMsgId: 1, // IKE_SA_INIT (message ID 0) is answered below
  };
  sa.fragmentation = findNotify(payloads, NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) !== undefined;
  const hashes = sigHashes(payloads);
  if (hashes) sa.peerSigHashes = hashes;
  detectNat(ctx, sa, payloads, new Uint8Array(8));
  ctx.register(sa);
  const response: Payload[] = [
    { type: PayloadType.SA, proposals: [chosen.answer] },
    { type: PayloadType.KE, group: dh.id, data: dh.publicValue },
    { type: PayloadType.NONCE, data: sa.nr },
    ...natAnswer(ctx, sa, payloads),
    ...(rp.identity?.['auth-method'] === 'digital-signature' ? [certReq(ctx)] : []),
    ...(sa.fragmentation ? [notify(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED)] : []),
    ...(findNotify(payloads, NotifyType.SIGNATURE_HASH_ALGORITHMS)
      ? [notify(NotifyType.SIGNATURE_HASH_ALGORITHMS, SIGNATURE_HASHES)]
      : []),
  ];
  ctx.respond(sa, msg, response);
  sa.initResponse = sa.lastResponse?.packets[0]?.slice();
  ctx.log('info', `IKE_SA_INIT answered for peer ${rp.peer.name}: ${describeIke(chosen.suite)}`, sa);
}

export const ikeInitUnit: OpeningUnit = {
  name: 'ike-init',
  exchange: ExchangeType.IKE_SA_INIT,
  open: handleInitRequest,
};

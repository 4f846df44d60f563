// IKE_SA_INIT (RFC 7296 1.2): SA, KE, Ni/Nr, NAT detection; INVALID_KE_PAYLOAD retry (1.2), COOKIE (2.6).
import { ExchangeType, Flags, NotifyType, PayloadType } from '../codec/constants.ts';
import { explainMismatch } from '../diagnose.ts';
import { serializeMessage, type ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import { resolvePeer, findPeerForAddress } from '../config.ts';
import { dhById } from '../crypto/dh.ts';
import { deriveIkeKeys } from '../crypto/keymat.ts';
import { keyMaterialLength } from '../crypto/cipher.ts';
import type { Ctx } from '../context.ts';
import { newSaBookkeeping, type Endpoint, type IkeSa } from '../ike-sa.ts';
import { acceptIke, describeIke, ikeProposals, selectIke, type IkeSuite } from '../proposals.ts';
import { isZero, u16 } from '../util/bytes.ts';
import { errorNotify, find, findNotify, natHash, natMatches, notifies } from './common.ts';
import { certReq, startIkeAuth } from './ike-auth.ts';

const NONCE_LEN = 32;
/** SIGNATURE_HASH_ALGORITHMS (RFC 7427 4): SHA2-256, SHA2-384, SHA2-512. */
const SIGNATURE_HASHES = new Uint8Array([0, 2, 0, 3, 0, 4]);

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

function deriveKeys(sa: IkeSa, suite: IkeSuite, secret: Uint8Array): void {
  sa.suite = suite;
  sa.keys = deriveIkeKeys(
    { prf: suite.prf, integKeyLen: suite.integ?.keyLen ?? 0, encKeyLen: keyMaterialLength(suite.encr) },
    sa.ni,
    sa.nr as Uint8Array,
    secret,
    sa.spiI,
    sa.spiR,
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
export function sendInitRequest(ctx: Ctx, sa: IkeSa): void {
  const dh = sa.dh;
  if (!dh) throw new Error('no DH key pair');
  const payloads: Payload[] = [
    ...(sa.cookie ? [notify(NotifyType.COOKIE, sa.cookie)] : []),
    { type: PayloadType.SA, proposals: sa.myProposals },
    { type: PayloadType.KE, group: dh.id, data: dh.publicValue },
    { type: PayloadType.NONCE, data: sa.ni },
    ...(sa.rp.profile['nat-traversal'] ? natNotifies(ctx, sa.spiI, new Uint8Array(8), sa.local, sa.remote) : []),
    notify(NotifyType.IKEV2_FRAGMENTATION_SUPPORTED),
    notify(NotifyType.SIGNATURE_HASH_ALGORITHMS, SIGNATURE_HASHES),
  ];
  sa.nextMsgId = 0;
  sa.state = 'init-sent';
  ctx.request(sa, ExchangeType.IKE_SA_INIT, payloads, 'IKE_SA_INIT', (msg, pl) => handleInitResponse(ctx, sa, msg, pl));
  // AUTH signs the IKE_SA_INIT request exactly as sent last (RFC 7296 2.15).
  sa.initRequest = sa.pending?.packets[0];
}

function handleInitResponse(ctx: Ctx, sa: IkeSa, msg: ParsedMessage, payloads: Payload[]): void {
  const cookie = findNotify(payloads, NotifyType.COOKIE);
  if (cookie) {
    if (cookie.data.length < 1 || cookie.data.length > 64) return ctx.log('warning', 'ignoring malformed COOKIE', sa);
    sa.cookie = cookie.data;
    ctx.log('info', 'responder asked for a COOKIE; retrying IKE_SA_INIT', sa);
    return sendInitRequest(ctx, sa);
  }
  const invalidKe = findNotify(payloads, NotifyType.INVALID_KE_PAYLOAD);
  if (invalidKe) {
    const group =
      invalidKe.data.length === 2 ? ((invalidKe.data[0] as number) << 8) | (invalidKe.data[1] as number) : -1;
    const impl = dhById(group);
    if (!impl || !sa.rp.profile['dh-group'].includes(impl.name) || impl.id === sa.dh?.id) {
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
      `IKE_SA_INIT failed: peer sent ${NotifyType.NO_PROPOSAL_CHOSEN === err.notifyType ? 'NO_PROPOSAL_CHOSEN' : `notify ${err.notifyType}`}`,
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
  if (!suite || suite.dh.id !== sa.dh?.id || ke.group !== sa.dh.id) {
    ctx.log('error', 'IKE_SA_INIT response selected a proposal we did not offer', sa);
    return ctx.destroy(sa, 'bad proposal');
  }
  const secret = sa.dh.computeSecret(ke.data);
  if (!secret.ok) {
    ctx.log('error', `invalid peer KE: ${secret.error}`, sa);
    return ctx.destroy(sa, 'invalid KE');
  }
  sa.spiR = msg.spiR.slice();
  sa.nr = nonce.data;
  sa.initResponse = msg.raw.slice();
  deriveKeys(sa, suite, secret.value);
  sa.dh = undefined;
  sa.fragmentation = findNotify(payloads, NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) !== undefined;
  const hashes = sigHashes(payloads);
  if (hashes) sa.peerSigHashes = hashes;
  detectNat(ctx, sa, payloads);
  ctx.log(
    'info',
    `IKE_SA_INIT done: ${describeIke(suite)}${sa.nat.local ? ', we are behind NAT' : ''}${sa.nat.remote ? ', peer is behind NAT' : ''}`,
    sa,
  );
  if ((sa.nat.local || sa.nat.remote) && sa.local.port === 500) {
    // RFC 7296 2.23: float to port 4500 for everything after IKE_SA_INIT.
    sa.local = { ...sa.local, port: 4500 };
    sa.remote = { ...sa.remote, port: 4500 };
  }
  startIkeAuth(ctx, sa);
}

function detectNat(ctx: Ctx, sa: IkeSa, payloads: Payload[]): void {
  const src = notifies(payloads).filter((n) => n.notifyType === NotifyType.NAT_DETECTION_SOURCE_IP);
  const dst = notifies(payloads).filter((n) => n.notifyType === NotifyType.NAT_DETECTION_DESTINATION_IP);
  if (!src.length || !dst.length || !sa.rp.profile['nat-traversal']) return;
  sa.nat.remote = !natMatches(src, natHash(sa.spiI, sa.spiR, sa.remote));
  sa.nat.local = ctx.forceEncap || !natMatches(dst, natHash(sa.spiI, sa.spiR, sa.local));
  if (sa.nat.local || sa.nat.remote) ctx.log('info', `NAT detected (${sa.nat.local ? 'local' : 'remote'})`, sa);
}

/** Responder: an IKE_SA_INIT request for no existing SA. */
export function handleInitRequest(ctx: Ctx, msg: ParsedMessage, from: Endpoint, to: Endpoint): void {
  const reply = (payloads: Payload[]) =>
    ctx.sendRaw(
      to,
      from,
      serializeMessage({
        spiI: msg.spiI,
        spiR: new Uint8Array(8),
        exchange: ExchangeType.IKE_SA_INIT,
        flags: Flags.RESPONSE,
        messageId: 0,
        payloads,
      }),
    );
  if (msg.messageId !== 0 || isZero(msg.spiI) || !isZero(msg.spiR))
    return ctx.log('debug', `dropping IKE_SA_INIT with message ID ${msg.messageId}`);
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
  if (!saP || !ke || !nonce) return ctx.log('warning', `IKE_SA_INIT from ${from.address} lacks SA, KE or Ni; dropped`);
  const warnings: string[] = [];
  const mine = ikeProposals(rp.profile, { warnings });
  const chosen = selectIke(saP.proposals, mine);
  if (!chosen) {
    ctx.log('error', `IKE_SA_INIT from ${from.address} (peer ${rp.peer.name}): no suitable proposal found`);
    for (const line of explainMismatch(saP.proposals, mine)) ctx.log('error', `${from.address} ${line}`);
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
  const sa: IkeSa = {
    id: ctx.newIkeSaId(),
    peerName: rp.peer.name,
    rp,
    initiator: false,
    spiI: msg.spiI.slice(),
    spiR,
    state: 'init-done',
    local: to,
    remote: from,
    ni: nonce.data,
    nr: ctx.random(NONCE_LEN),
    myProposals: mine,
    initRequest: msg.raw.slice(),
    ...newSaBookkeeping(now),
    peerMsgId: 1, // IKE_SA_INIT (message ID 0) is answered below
  };
  deriveKeys(sa, chosen.suite, secret.value);
  sa.fragmentation = findNotify(payloads, NotifyType.IKEV2_FRAGMENTATION_SUPPORTED) !== undefined;
  const hashes = sigHashes(payloads);
  if (hashes) sa.peerSigHashes = hashes;
  if (rp.profile['nat-traversal']) {
    const src = notifies(payloads).filter((n) => n.notifyType === NotifyType.NAT_DETECTION_SOURCE_IP);
    const dst = notifies(payloads).filter((n) => n.notifyType === NotifyType.NAT_DETECTION_DESTINATION_IP);
    if (src.length && dst.length) {
      sa.nat.remote = !natMatches(src, natHash(sa.spiI, new Uint8Array(8), from));
      sa.nat.local = ctx.forceEncap || !natMatches(dst, natHash(sa.spiI, new Uint8Array(8), to));
    }
  }
  ctx.register(sa);
  const response: Payload[] = [
    { type: PayloadType.SA, proposals: [chosen.answer] },
    { type: PayloadType.KE, group: dh.id, data: dh.publicValue },
    { type: PayloadType.NONCE, data: sa.nr as Uint8Array },
    ...(rp.profile['nat-traversal'] && findNotify(payloads, NotifyType.NAT_DETECTION_SOURCE_IP)
      ? natNotifies(ctx, sa.spiI, sa.spiR, to, from)
      : []),
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

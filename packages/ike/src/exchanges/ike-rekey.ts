// Rekeying the IKE SA with CREATE_CHILD_SA (RFC 7296 1.3.2, 2.18), both as initiator and responder,
// with simultaneous-rekey resolution (2.8.2): of the two new IKE SAs, the one created with the lowest of
// the four nonces is deleted by its initiator; the other takes over the CHILD_SAs and the winner deletes
// the old IKE SA.
import { ExchangeType, NotifyType, notifyName, PayloadType, ProtocolId, TransformType } from '../codec/constants.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import type { Proposal } from '../codec/payloads/sa.ts';
import { keyMaterialLength } from '../crypto/cipher.ts';
import { dhById, type DhGroupImpl } from '../crypto/dh.ts';
import { deriveRekeyedIkeKeys } from '../crypto/keymat.ts';
import type { Ctx } from '../context.ts';
import { newSaBookkeeping, type IkeSa, type KeyedSa } from '../ike-sa.ts';
import { acceptIke, describeIke, ikeProposals, selectIke, type IkeSuite } from '../proposals.ts';
import { isZero, u16 } from '../util/bytes.ts';
import { compareBytes } from '../util/ip.ts';
import { errorNotify, find, findNotify } from './common.ts';
import { sendDeleteIke } from './ike-delete.ts';
import type { RequestUnit, TimerUnit } from './unit.ts';

const NONCE_LEN = 32;
/** How long an IKE SA replaced by the peer's rekey waits for the peer's Delete before deleting it itself (ms). */
const REKEYED_WAIT = 30_000;

function newSpi(ctx: Ctx): Uint8Array {
  const spi = ctx.random(8);
  if (isZero(spi)) spi[7] = 1;
  return spi;
}

/** The lower of an exchange's two nonces. */
function minNonce(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) <= 0 ? a : b;
}

/** Our profile's IKE proposals carrying our new SPI, with `first` as the first DH group of each (it matches our KE). */
function rekeyProposals(sa: IkeSa, spi: Uint8Array, first: DhGroupImpl): Proposal[] {
  return ikeProposals(sa.rp.profile).map((p) => {
    const dh = p.transforms.filter((t) => t.type === TransformType.DH);
    const rest = p.transforms.filter((t) => t.type !== TransformType.DH);
    dh.sort((a, b) => (a.id === first.id ? -1 : b.id === first.id ? 1 : 0));
    return { ...p, spi, transforms: [...rest, ...dh] };
  });
}

/** The IKE SA that replaces `old`: fresh SPIs, keys from the old SK_d, message IDs from zero. */
function makeRekeyedSa(
  ctx: Ctx,
  old: KeyedSa,
  p: {
    initiator: boolean;
    spiI: Uint8Array;
    spiR: Uint8Array;
    ni: Uint8Array;
    nr: Uint8Array;
    suite: IkeSuite;
    secret: Uint8Array;
  },
): KeyedSa {
  const keys = deriveRekeyedIkeKeys(
    old.suite.prf,
    old.keys.d,
    { prf: p.suite.prf, integKeyLen: p.suite.integ?.keyLen ?? 0, encKeyLen: keyMaterialLength(p.suite.encr) },
    p.ni,
    p.nr,
    p.secret,
    p.spiI,
    p.spiR,
  );
  const now = ctx.now();
  const sa: KeyedSa = {
    id: ctx.newIkeSaId(),
    peerName: old.peerName,
    rp: old.rp,
    initiator: p.initiator,
    spiI: p.spiI,
    spiR: p.spiR,
    state: 'established',
    local: old.local,
    remote: old.remote,
    ni: p.ni,
    nr: p.nr,
    suite: p.suite,
    keys,
    myProposals: [],
    ...newSaBookkeeping(now),
    peerMsgId: 0,
    nat: { ...old.nat },
    establishedAt: now,
    fragmentation: old.fragmentation,
  };
  if (old.remoteId !== undefined) sa.remoteId = old.remoteId;
  if (old.eapUser !== undefined) sa.eapUser = old.eapUser;
  if (old.virtualIp !== undefined) sa.virtualIp = old.virtualIp;
  ctx.leases.adopt(old.id, sa.id);
  if (old.cpReceived !== undefined) sa.cpReceived = old.cpReceived;
  ctx.register(sa);
  ctx.log('info', `IKE SA rekeyed: #${old.id} -> #${sa.id} (${describeIke(p.suite)})`, sa);
  return sa;
}

/** Old SA replaced by the peer's rekey: keep it only to answer the peer's Delete. */
function awaitDelete(ctx: Ctx, old: IkeSa): void {
  old.state = 'rekeyed';
  old.rekeyedUntil = ctx.now() + REKEYED_WAIT;
}

/** Initiator: start rekeying `sa` with the DH group negotiated before (or `group` after INVALID_KE_PAYLOAD). */
export function rekeyIke(ctx: Ctx, sa: KeyedSa, group?: DhGroupImpl, retried = false): void {
  if (sa.state !== 'established') return;
  const dhImpl = group ?? sa.suite.dh;
  const spi = newSpi(ctx);
  const ni = ctx.random(NONCE_LEN);
  const dh = dhImpl.generate(ctx.random);
  const proposals = rekeyProposals(sa, spi, dhImpl);
  if (!proposals.length) return ctx.log('error', 'IKE SA rekey: profile has no usable algorithms', sa);
  sa.rekey = { ni, spi };
  ctx.log('info', `rekeying IKE SA (${dhImpl.name})`, sa);
  const payloads: Payload[] = [
    { type: PayloadType.SA, proposals },
    { type: PayloadType.NONCE, data: ni },
    { type: PayloadType.KE, group: dh.id, data: dh.publicValue },
  ];
  ctx.request(sa, ExchangeType.CREATE_CHILD_SA, payloads, 'CREATE_CHILD_SA rekey IKE_SA', (_msg, resp) => {
    sa.rekey = undefined;
    const failed = (why: string) => {
      ctx.log('warning', `IKE SA rekey failed: ${why}`, sa);
      const pr = sa.peerRekey;
      if (pr && pr.sa.state === 'established') {
        ctx.log('info', `IKE SA rekey collision: the peer's rekeyed SA #${pr.sa.id} takes over`, sa);
        ctx.adoptChildren(sa, pr.sa);
        awaitDelete(ctx, sa);
        return;
      }
      sa.rekeyAt = ctx.now() + 10_000 + Math.floor(ctx.jitter() * 10_000);
    };
    if (sa.state !== 'established') return;
    const invalidKe = findNotify(resp, NotifyType.INVALID_KE_PAYLOAD);
    if (invalidKe && !retried && !sa.peerRekey) {
      const want =
        invalidKe.data.length === 2
          ? dhById(((invalidKe.data[0] as number) << 8) | (invalidKe.data[1] as number))
          : undefined;
      if (want && want.id !== dhImpl.id && sa.rp.profile['dh-group'].includes(want.name)) {
        ctx.log('info', `peer wants DH group ${want.name} for the IKE SA rekey; retrying`, sa);
        return rekeyIke(ctx, sa, want, true);
      }
    }
    const err = errorNotify(resp);
    if (err)
      return failed(
        err.notifyType === NotifyType.TEMPORARY_FAILURE
          ? 'peer is busy (TEMPORARY_FAILURE)'
          : `peer sent ${notifyName(err.notifyType)}`,
      );
    const saP = find(resp, PayloadType.SA);
    const nr = find(resp, PayloadType.NONCE);
    const ke = find(resp, PayloadType.KE);
    if (!saP || !nr || !ke) return failed('response lacks SA, Nr or KEr');
    const suite = acceptIke(saP.proposals, proposals);
    const answer = saP.proposals[0];
    if (!suite || !answer || answer.spi.length !== 8 || isZero(answer.spi))
      return failed('peer answered with a proposal we did not offer');
    if (suite.dh.id !== dh.id || ke.group !== dh.id) return failed('peer KE does not match the DH group');
    const secret = dh.computeSecret(ke.data);
    if (!secret.ok) return failed(`invalid KE: ${secret.error}`);
    const next = makeRekeyedSa(ctx, sa, {
      initiator: true,
      spiI: spi,
      spiR: answer.spi.slice(),
      ni,
      nr: nr.data,
      suite,
      secret: secret.value,
    });
    const pr = sa.peerRekey;
    if (pr && pr.sa.state === 'established') {
      const lost = compareBytes(minNonce(ni, nr.data), minNonce(pr.ni, pr.nr)) < 0;
      if (lost) {
        ctx.log(
          'info',
          `IKE SA rekey collision: ours has the lowest nonce, so #${next.id} goes and the peer's #${pr.sa.id} stays`,
          sa,
        );
        ctx.adoptChildren(sa, pr.sa);
        sendDeleteIke(ctx, next, 'redundant rekey (collision)');
        awaitDelete(ctx, sa);
        return;
      }
      ctx.log('info', `IKE SA rekey collision: ours wins; the peer deletes its #${pr.sa.id}`, sa);
      // Redundant: if the peer never learns of it (its old SA went before our answer reached it), we delete it.
      awaitDelete(ctx, pr.sa);
    }
    ctx.adoptChildren(sa, next);
    sendDeleteIke(ctx, sa, 'rekeyed');
  });
}

/** Responder: CREATE_CHILD_SA whose SA payload proposes protocol IKE. */
function handleIkeRekeyRequest(ctx: Ctx, sa: KeyedSa, req: ParsedMessage, payloads: Payload[]): void {
  const saP = find(payloads, PayloadType.SA);
  const ni = find(payloads, PayloadType.NONCE);
  const ke = find(payloads, PayloadType.KE);
  if (!saP || !ni || !ke) return ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
  // A CHILD_SA exchange of ours is in flight: the peer tries again later (2.25).
  if (
    (sa.pending && sa.pending.exchange === ExchangeType.CREATE_CHILD_SA && !sa.rekey) ||
    sa.children.some((c) => c.state === 'rekeying' || c.state === 'deleting')
  ) {
    ctx.log('info', 'peer wants to rekey the IKE SA while a CHILD_SA exchange is in progress: TEMPORARY_FAILURE', sa);
    return ctx.respond(sa, req, [notify(NotifyType.TEMPORARY_FAILURE)]);
  }
  const chosen = selectIke(saP.proposals, ikeProposals(sa.rp.profile));
  if (!chosen) {
    ctx.log('warning', 'IKE SA rekey: no proposal chosen', sa);
    return ctx.respond(sa, req, [notify(NotifyType.NO_PROPOSAL_CHOSEN)]);
  }
  if (chosen.answer.spi.length !== 8 || isZero(chosen.answer.spi))
    return ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
  if (ke.group !== chosen.suite.dh.id) {
    ctx.log('info', `IKE SA rekey: KE group ${ke.group}, asking for ${chosen.suite.dh.name}`, sa);
    return ctx.respond(sa, req, [notify(NotifyType.INVALID_KE_PAYLOAD, u16(chosen.suite.dh.id))]);
  }
  const dh = chosen.suite.dh.generate(ctx.random);
  const secret = dh.computeSecret(ke.data);
  if (!secret.ok) return ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
  const spiR = newSpi(ctx);
  const nr = ctx.random(NONCE_LEN);
  const spiI = chosen.answer.spi.slice();
  ctx.respond(sa, req, [
    { type: PayloadType.SA, proposals: [{ ...chosen.answer, spi: spiR }] },
    { type: PayloadType.NONCE, data: nr },
    { type: PayloadType.KE, group: dh.id, data: dh.publicValue },
  ]);
  const next = makeRekeyedSa(ctx, sa, {
    initiator: false,
    spiI,
    spiR,
    ni: ni.data,
    nr,
    suite: chosen.suite,
    secret: secret.value,
  });
  if (sa.rekey) {
    // Our own rekey is outstanding: decide when its answer arrives (2.8.2).
    sa.peerRekey = { sa: next, ni: ni.data, nr };
    return;
  }
  ctx.adoptChildren(sa, next);
  awaitDelete(ctx, sa);
}

export const ikeRekeyUnit: RequestUnit = {
  name: 'ike-rekey',
  exchange: ExchangeType.CREATE_CHILD_SA,
  claims: (payloads) => find(payloads, PayloadType.SA)?.proposals.some((p) => p.protocol === ProtocolId.IKE) ?? false,
  states: ['established'],
  refusal: [notify(NotifyType.TEMPORARY_FAILURE)],
  respond: handleIkeRekeyRequest,
};

/** Soft lifetime: rekey the IKE SA at 85-90% of the profile lifetime (jitter keeps the peers apart). */
export function scheduleIkeRekey(ctx: Ctx, sa: IkeSa): void {
  const life = sa.rp.profile.lifetime;
  if (life > 0 && sa.establishedAt !== undefined)
    sa.rekeyAt = sa.establishedAt + life * 1000 * (0.9 - 0.05 * ctx.jitter());
}

export const ikeRekeyTimer: TimerUnit = {
  name: 'ike-rekey',
  due: (sa) => (sa.state === 'established' && sa.rekeyAt !== undefined && !sa.rekey ? sa.rekeyAt : undefined),
  fire(ctx, sa, now) {
    // Start when nothing else is in flight, so no CHILD_SA exchange straddles the move (RFC 7296 2.25).
    if (sa.pending || sa.queue.length || sa.children.some((c) => c.state === 'rekeying')) sa.rekeyAt = now + 1000;
    else {
      sa.rekeyAt = now + 30_000; // retried if this attempt does not finish
      rekeyIke(ctx, sa);
    }
    return false;
  },
};

/** An IKE SA the peer's rekey replaced: if the peer never deletes it, we do. */
export const rekeyedWaitTimer: TimerUnit = {
  name: 'ike-rekeyed-wait',
  due: (sa) => (sa.state === 'rekeyed' ? sa.rekeyedUntil : undefined),
  fire(ctx, sa) {
    if (sa.pending) return false;
    sa.rekeyedUntil = undefined;
    ctx.log('info', 'rekeyed IKE SA not deleted by the peer: deleting it', sa);
    sendDeleteIke(ctx, sa, 'rekeyed');
    return true;
  },
};

// CREATE_CHILD_SA for a new CHILD_SA (RFC 7296 1.3.1) with optional PFS: ours for a policy that lacks one, and the
// peer's. Rekeying a CHILD_SA (child-rekey.ts) is the same exchange with a REKEY_SA notify and hooks of its own.
import { ExchangeType, NotifyType, notifyName, PayloadType, ProtocolId } from '../codec/constants.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import { dhByName } from '../crypto/dh.ts';
import type { Ctx } from '../context.ts';
import type { ChildSa, KeyedSa } from '../ike-sa.ts';
import { u16 } from '../util/bytes.ts';
import { acceptChild, establishChild, offerChild, selectChild } from './child.ts';
import { find, findNotify } from './common.ts';
import type { RequestUnit } from './unit.ts';

const NONCE_LEN = 32;

/** What a rekey adds to a CREATE_CHILD_SA of ours: the CHILD_SA it replaces and what becomes of it. */
export interface RekeyHooks {
  old: ChildSa;
  /** The answer arrived (before it is looked at). */
  answered(): void;
  /** The peer created no CHILD_SA: true when that settles the rekey anyway (the peer's own rekey won). */
  lostToPeer(): boolean;
  /** The peer created none and nothing settled it: try again later (`busy`: it said TEMPORARY_FAILURE). */
  retryLater(busy: boolean): void;
  /** The new CHILD_SA is installed; `ni`/`nr` are this exchange's nonces. */
  created(created: ChildSa, ni: Uint8Array, nr: Uint8Array): void;
}

/** Initiator: negotiate the CHILD_SA for policy `index`, a new one or (with `rekey`) the successor of `rekey.old`. */
export function requestChild(ctx: Ctx, sa: KeyedSa, index: number, rekey?: RekeyHooks): void {
  const offer = offerChild(ctx, sa, index, true);
  if (!offer.ok) return ctx.log('warning', `CHILD_SA for policy #${index} not offered: ${offer.error}`, sa);
  const { pending, payloads: offered } = offer.value;
  const nonce = ctx.random(NONCE_LEN);
  pending.nonce = nonce;
  const group = sa.rp.policies[index]?.proposal['pfs-group'];
  const dhImpl = group && group !== 'none' ? dhByName(group) : undefined;
  if (dhImpl) pending.dh = dhImpl.generate(ctx.random);
  const old = rekey?.old;
  if (old) old.state = 'rekeying';
  else (sa.creatingChildren ??= new Set()).add(index);
  // offered is [USE_TRANSPORT_MODE], SA, TSi, TSr; RFC order puts Ni [KEi] between SA and TSi.
  const saIdx = offered.findIndex((p) => p.type === PayloadType.SA);
  const payloads: Payload[] = [
    ...(old ? [notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, old.spiIn)] : []),
    ...offered.slice(0, saIdx + 1),
    { type: PayloadType.NONCE, data: nonce },
    ...(pending.dh ? [{ type: PayloadType.KE, group: pending.dh.id, data: pending.dh.publicValue } as const] : []),
    ...offered.slice(saIdx + 1),
  ];
  ctx.request(
    sa,
    ExchangeType.CREATE_CHILD_SA,
    payloads,
    old ? `CREATE_CHILD_SA rekey #${old.id}` : 'CREATE_CHILD_SA',
    (_msg, resp) => {
      if (!rekey) sa.creatingChildren?.delete(index);
      rekey?.answered();
      const acc = acceptChild(ctx, sa, pending, resp);
      if (!acc.ok) {
        const invalidKe = findNotify(resp, NotifyType.INVALID_KE_PAYLOAD);
        const busy = findNotify(resp, NotifyType.TEMPORARY_FAILURE) !== undefined;
        if (rekey?.lostToPeer()) return;
        ctx.log(
          busy ? 'info' : 'error',
          `CREATE_CHILD_SA failed: ` +
            `${
              invalidKe
                ? 'peer wants another PFS group'
                : busy
                  ? 'peer is busy (TEMPORARY_FAILURE); retrying later'
                  : acc.error
            }`,
          sa,
        );
        rekey?.retryLater(busy);
        return;
      }
      const nr = find(resp, PayloadType.NONCE);
      if (!nr) return ctx.log('error', 'CREATE_CHILD_SA response without Nr', sa);
      let secret: Uint8Array | undefined;
      if (acc.value.suite.dh) {
        const ke = find(resp, PayloadType.KE);
        if (!pending.dh || !ke || ke.group !== pending.dh.id || acc.value.suite.dh.id !== pending.dh.id)
          return ctx.log('error', 'CREATE_CHILD_SA response KE does not match the PFS group', sa);
        const s = pending.dh.computeSecret(ke.data);
        if (!s.ok) return ctx.log('error', `CREATE_CHILD_SA: ${s.error}`, sa);
        secret = s.value;
      }
      const created = establishChild(
        ctx,
        sa,
        { ...acc.value, index, spiIn: pending.spi },
        nonce,
        nr.data,
        true,
        secret,
        old,
      );
      rekey?.created(created, nonce, nr.data);
    },
  );
}

export function createChild(ctx: Ctx, sa: KeyedSa, index: number): void {
  requestChild(ctx, sa, index);
}

/** CREATE_CHILD_SA for each configured policy of the IKE SA's peer that has no CHILD_SA and none on the way. */
export function createMissingChildren(ctx: Ctx, sa: KeyedSa): void {
  sa.rp.policies.forEach((entry, index) => {
    if (entry.generated || entry.retired || sa.creatingChildren?.has(index) || sa.pendingChild?.policyIndex === index)
      return;
    if (sa.children.some((c) => c.policyIndex === index && c.state !== 'deleting')) return;
    ctx.log('info', `negotiating a CHILD_SA for policy #${index} on the established IKE SA`, sa);
    createChild(ctx, sa, index);
  });
}

/**
 * Responder, before anything else of a CHILD_SA request: SA and Ni must be there, and no IKE SA rekey of ours may
 * be in flight (2.25). The peer's nonce, or undefined when the request has been answered.
 */
export function admitChildRequest(
  ctx: Ctx,
  sa: KeyedSa,
  req: ParsedMessage,
  payloads: readonly Payload[],
): Uint8Array | undefined {
  const ni = find(payloads, PayloadType.NONCE);
  if (!find(payloads, PayloadType.SA) || !ni) {
    ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
    return undefined;
  }
  if (sa.rekey) {
    ctx.log('info', 'peer wants a CHILD_SA while we rekey the IKE SA: TEMPORARY_FAILURE', sa);
    ctx.respond(sa, req, [notify(NotifyType.TEMPORARY_FAILURE)]);
    return undefined;
  }
  return ni.data;
}

/** Responder: select, answer and install the CHILD_SA the peer asks for (replacing `old` in a rekey). */
export function answerChild(
  ctx: Ctx,
  sa: KeyedSa,
  req: ParsedMessage,
  payloads: Payload[],
  ni: Uint8Array,
  old?: ChildSa,
): { created: ChildSa; nr: Uint8Array } | undefined {
  const selected = selectChild(ctx, sa, payloads, true, old);
  if (!selected.ok) {
    ctx.log('warning', `we refused the peer's CREATE_CHILD_SA: ${notifyName(selected.error)}`, sa);
    ctx.respond(sa, req, [notify(selected.error)]);
    return undefined;
  }
  const sel = selected.value;
  const ke = find(payloads, PayloadType.KE);
  let secret: Uint8Array | undefined;
  let keOut: Payload | undefined;
  if (sel.suite.dh) {
    if (!ke || ke.group !== sel.suite.dh.id) {
      ctx.respond(sa, req, [notify(NotifyType.INVALID_KE_PAYLOAD, u16(sel.suite.dh.id))]);
      return undefined;
    }
    const dh = sel.suite.dh.generate(ctx.random);
    const s = dh.computeSecret(ke.data);
    if (!s.ok) {
      ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
      return undefined;
    }
    secret = s.value;
    keOut = { type: PayloadType.KE, group: dh.id, data: dh.publicValue };
  }
  const nr = ctx.random(NONCE_LEN);
  const saIdx = sel.answer.findIndex((p) => p.type === PayloadType.SA);
  ctx.respond(sa, req, [
    ...sel.answer.slice(0, saIdx + 1),
    { type: PayloadType.NONCE, data: nr },
    ...(keOut ? [keOut] : []),
    ...sel.answer.slice(saIdx + 1),
  ]);
  return { created: establishChild(ctx, sa, sel, ni, nr, false, secret, old), nr };
}

/** CREATE_CHILD_SA requests ike-rekey and child-rekey leave: a new CHILD_SA. */
export const childCreateUnit: RequestUnit = {
  name: 'child-create',
  exchange: ExchangeType.CREATE_CHILD_SA,
  states: ['established'],
  refusal: [notify(NotifyType.TEMPORARY_FAILURE)],
  respond(ctx, sa, req, payloads) {
    const ni = admitChildRequest(ctx, sa, req, payloads);
    if (ni) answerChild(ctx, sa, req, payloads, ni);
  },
};

// CREATE_CHILD_SA (RFC 7296 1.3): additional CHILD_SAs and CHILD_SA rekeying (1.3.3) with optional PFS,
// simultaneous CHILD_SA rekeying (2.8.1). Rekeying the IKE SA itself (1.3.2) lives in rekey-ike.ts.
import { ExchangeType, NotifyType, PayloadType, ProtocolId } from '../codec/constants.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import { dhByName } from '../crypto/dh.ts';
import type { Ctx } from '../context.ts';
import type { ChildSa, IkeSa } from '../ike-sa.ts';
import { equal, u16 } from '../util/bytes.ts';
import { acceptChild, establishChild, offerChild, selectChild } from './child.ts';
import { compareBytes } from '../util/ip.ts';
import { find, findNotify } from './common.ts';
import { sendDeleteChild } from './informational.ts';
import { handleIkeRekeyRequest } from './rekey-ike.ts';

const minNonce = (a: Uint8Array, b: Uint8Array) => (compareBytes(a, b) <= 0 ? a : b);

const NONCE_LEN = 32;

/** Initiator: create the CHILD_SA for policy `index`, or rekey `old` (same policy). */
export function createChild(ctx: Ctx, sa: IkeSa, index: number, old?: ChildSa): void {
  const offer = offerChild(ctx, sa, index, true);
  if (!offer.ok) return ctx.log('warning', `CHILD_SA for policy #${index} not offered: ${offer.error}`, sa);
  const { pending, payloads: offered } = offer.value;
  pending.nonce = ctx.random(NONCE_LEN);
  const group = sa.rp.policies[index]?.proposal['pfs-group'];
  const dhImpl = group && group !== 'none' ? dhByName(group) : undefined;
  if (dhImpl) pending.dh = dhImpl.generate(ctx.random);
  if (old) {
    pending.rekeys = old;
    old.state = 'rekeying';
  } else (sa.creatingChildren ??= new Set()).add(index);
  // offer.payloads is [USE_TRANSPORT_MODE], SA, TSi, TSr; RFC order puts Ni [KEi] between SA and TSi.
  const saIdx = offered.findIndex((p) => p.type === PayloadType.SA);
  const payloads: Payload[] = [
    ...(old ? [notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, old.spiIn)] : []),
    ...offered.slice(0, saIdx + 1),
    { type: PayloadType.NONCE, data: pending.nonce },
    ...(pending.dh ? [{ type: PayloadType.KE, group: pending.dh.id, data: pending.dh.publicValue } as const] : []),
    ...offered.slice(saIdx + 1),
  ];
  ctx.request(
    sa,
    ExchangeType.CREATE_CHILD_SA,
    payloads,
    old ? `CREATE_CHILD_SA rekey #${old.id}` : 'CREATE_CHILD_SA',
    (_msg, resp) => {
      if (!old) sa.creatingChildren?.delete(index);
      if (old && old.state === 'rekeying') old.state = 'installed';
      const collision = old?.peerRekey;
      if (old) old.peerRekey = undefined;
      const acc = acceptChild(ctx, sa, pending, resp);
      if (!acc.ok) {
        const invalidKe = findNotify(resp, NotifyType.INVALID_KE_PAYLOAD);
        const busy = findNotify(resp, NotifyType.TEMPORARY_FAILURE);
        if (old && collision) {
          // The peer's rekey of the same CHILD_SA went through: it deletes the old one (2.8.1).
          ctx.log('info', `CHILD_SA #${old.id} rekey collision: the peer's #${collision.child.id} stays`, sa);
          old.state = 'rekeyed';
          return;
        }
        ctx.log(
          busy ? 'info' : 'error',
          `CREATE_CHILD_SA failed: ${invalidKe ? 'peer wants another PFS group' : busy ? 'peer is busy (TEMPORARY_FAILURE); retrying later' : acc.error}`,
          sa,
        );
        if (old) old.rekeyAt = ctx.now() + (busy ? 2000 + Math.floor(ctx.jitter() * 3000) : 30_000);
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
        pending.nonce!,
        nr.data,
        true,
        secret,
        old,
      );
      if (!old) return;
      if (collision && sa.children.includes(collision.child)) {
        // Simultaneous rekey (2.8.1): the CHILD_SA created with the lowest of the four nonces is redundant
        // and deleted by whoever created it; the other side's winner deletes the old one.
        if (compareBytes(minNonce(pending.nonce!, nr.data), minNonce(collision.ni, collision.nr)) < 0) {
          ctx.log(
            'info',
            `CHILD_SA #${old.id} rekey collision: ours (#${created.id}) has the lowest nonce and goes; the peer's #${collision.child.id} stays`,
            sa,
          );
          old.state = 'rekeyed';
          sendDeleteChild(ctx, sa, created, 'redundant rekey (collision)');
          return;
        }
        ctx.log(
          'info',
          `CHILD_SA #${old.id} rekey collision: ours (#${created.id}) stays; the peer deletes its #${collision.child.id}`,
          sa,
        );
      }
      if (sa.children.includes(old)) sendDeleteChild(ctx, sa, old, 'rekeyed');
    },
  );
}

/** CREATE_CHILD_SA for each configured policy of the IKE SA's peer that has no CHILD_SA and none on the way. */
export function createMissingChildren(ctx: Ctx, sa: IkeSa): void {
  sa.rp.policies.forEach((entry, index) => {
    if (entry.generated || sa.creatingChildren?.has(index) || sa.pendingChild?.policyIndex === index) return;
    if (sa.children.some((c) => c.policyIndex === index && c.state !== 'deleting')) return;
    ctx.log('info', `negotiating a CHILD_SA for policy #${index} on the established IKE SA`, sa);
    createChild(ctx, sa, index);
  });
}

export function rekeyChild(ctx: Ctx, sa: IkeSa, child: ChildSa): void {
  createChild(ctx, sa, child.policyIndex, child);
}

/** Responder side. */
export function handleCreateChildRequest(ctx: Ctx, sa: IkeSa, req: ParsedMessage, payloads: Payload[]): void {
  const saP = find(payloads, PayloadType.SA);
  const ni = find(payloads, PayloadType.NONCE);
  if (!saP || !ni) return ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
  if (saP.proposals.some((p) => p.protocol === ProtocolId.IKE)) return handleIkeRekeyRequest(ctx, sa, req, payloads);
  if (sa.rekey) {
    ctx.log('info', 'peer wants a CHILD_SA while we rekey the IKE SA: TEMPORARY_FAILURE', sa);
    return ctx.respond(sa, req, [notify(NotifyType.TEMPORARY_FAILURE)]);
  }
  const rekey = findNotify(payloads, NotifyType.REKEY_SA);
  let old: ChildSa | undefined;
  if (rekey) {
    old = sa.children.find((c) => equal(c.spiOut, rekey.spi));
    if (!old)
      return ctx.respond(sa, req, [
        notify(NotifyType.CHILD_SA_NOT_FOUND, new Uint8Array(0), rekey.protocol, rekey.spi),
      ]);
    if (old.state === 'deleting' || old.state === 'rekeyed')
      return ctx.respond(sa, req, [notify(NotifyType.TEMPORARY_FAILURE)]);
  }
  const selected = selectChild(ctx, sa, payloads, true, old);
  if (!selected.ok) {
    ctx.log('warning', `CREATE_CHILD_SA refused with notify ${selected.error}`, sa);
    return ctx.respond(sa, req, [notify(selected.error)]);
  }
  const sel = selected.value;
  const ke = find(payloads, PayloadType.KE);
  let secret: Uint8Array | undefined;
  let keOut: Payload | undefined;
  if (sel.suite.dh) {
    if (!ke || ke.group !== sel.suite.dh.id)
      return ctx.respond(sa, req, [notify(NotifyType.INVALID_KE_PAYLOAD, u16(sel.suite.dh.id))]);
    const dh = sel.suite.dh.generate(ctx.random);
    const s = dh.computeSecret(ke.data);
    if (!s.ok) return ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
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
  const created = establishChild(ctx, sa, sel, ni.data, nr, false, secret, old);
  if (old && old.state === 'rekeying') old.peerRekey = { child: created, ni: ni.data, nr };
}

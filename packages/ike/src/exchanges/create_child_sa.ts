// CREATE_CHILD_SA (RFC 7296 1.3): additional CHILD_SAs and CHILD_SA rekeying (1.3.3) with optional PFS.
// Rekeying the IKE SA itself (1.3.2) is refused with NO_PROPOSAL_CHOSEN for now; this engine re-authenticates instead.
import { ExchangeType, NotifyType, PayloadType, ProtocolId } from '../codec/constants.ts';
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import { dhByName } from '../crypto/dh.ts';
import type { Ctx } from '../context.ts';
import type { ChildSa, IkeSa } from '../ike_sa.ts';
import { equal, u16 } from '../util/bytes.ts';
import { acceptChild, establishChild, offerChild, selectChild } from './child.ts';
import { find, findNotify } from './common.ts';
import { sendDeleteChild } from './informational.ts';

const NONCE_LEN = 32;

/** Initiator: create the CHILD_SA for policy `index`, or rekey `old` (same policy). */
export function createChild(ctx: Ctx, sa: IkeSa, index: number, old?: ChildSa): void {
  const offer = offerChild(ctx, sa, index, true);
  if ('error' in offer) return ctx.log('warning', `CHILD_SA for policy #${index} not offered: ${offer.error}`, sa);
  const pending = offer.pending;
  pending.nonce = ctx.random(NONCE_LEN);
  const group = sa.rp.policies[index]?.proposal['pfs-group'];
  const dhImpl = group && group !== 'none' ? dhByName(group) : undefined;
  if (dhImpl) pending.dh = dhImpl.generate(ctx.random);
  if (old) {
    pending.rekeys = old;
    old.state = 'rekeying';
  }
  // offer.payloads is [USE_TRANSPORT_MODE], SA, TSi, TSr; RFC order puts Ni [KEi] between SA and TSi.
  const saIdx = offer.payloads.findIndex((p) => p.type === PayloadType.SA);
  const payloads: Payload[] = [
    ...(old ? [notify(NotifyType.REKEY_SA, new Uint8Array(0), ProtocolId.ESP, old.spiIn)] : []),
    ...offer.payloads.slice(0, saIdx + 1),
    { type: PayloadType.NONCE, data: pending.nonce },
    ...(pending.dh ? [{ type: PayloadType.KE, group: pending.dh.id, data: pending.dh.publicValue } as const] : []),
    ...offer.payloads.slice(saIdx + 1),
  ];
  ctx.request(sa, ExchangeType.CREATE_CHILD_SA, payloads, old ? `CREATE_CHILD_SA rekey #${old.id}` : 'CREATE_CHILD_SA', (_msg, resp) => {
    if (old && old.state === 'rekeying') old.state = 'installed';
    const acc = acceptChild(ctx, sa, pending, resp);
    if ('error' in acc) {
      const invalidKe = findNotify(resp, NotifyType.INVALID_KE_PAYLOAD);
      ctx.log('error', `CREATE_CHILD_SA failed: ${invalidKe ? 'peer wants another PFS group' : acc.error}`, sa);
      if (old) old.rekeyAt = ctx.now() + 30_000;
      return;
    }
    const nr = find(resp, PayloadType.NONCE);
    if (!nr) return ctx.log('error', 'CREATE_CHILD_SA response without Nr', sa);
    let secret: Uint8Array | undefined;
    if (acc.suite.dh) {
      const ke = find(resp, PayloadType.KE);
      if (!pending.dh || !ke || ke.group !== pending.dh.id || acc.suite.dh.id !== pending.dh.id) return ctx.log('error', 'CREATE_CHILD_SA response KE does not match the PFS group', sa);
      const s = pending.dh.computeSecret(ke.data);
      if (!s.ok) return ctx.log('error', `CREATE_CHILD_SA: ${s.error}`, sa);
      secret = s.secret;
    }
    establishChild(ctx, sa, { index, suite: acc.suite, spiIn: pending.spi, spiOut: acc.spiOut, tsi: acc.tsi, tsr: acc.tsr, transport: acc.transport }, pending.nonce!, nr.data, true, secret, old);
    if (old) sendDeleteChild(ctx, sa, old, 'rekeyed');
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
  if (saP.proposals.some((p) => p.protocol === ProtocolId.IKE)) {
    ctx.log('warning', 'peer tried to rekey the IKE SA; not supported yet (refused)', sa);
    return ctx.respond(sa, req, [notify(NotifyType.NO_PROPOSAL_CHOSEN)]);
  }
  const rekey = findNotify(payloads, NotifyType.REKEY_SA);
  let old: ChildSa | undefined;
  if (rekey) {
    old = sa.children.find((c) => equal(c.spiOut, rekey.spi));
    if (!old) return ctx.respond(sa, req, [notify(NotifyType.CHILD_SA_NOT_FOUND, new Uint8Array(0), rekey.protocol, rekey.spi)]);
  }
  const sel = selectChild(ctx, sa, payloads, true);
  if ('error' in sel) {
    ctx.log('warning', `CREATE_CHILD_SA refused with notify ${sel.error}`, sa);
    return ctx.respond(sa, req, [notify(sel.error)]);
  }
  const ke = find(payloads, PayloadType.KE);
  let secret: Uint8Array | undefined;
  let keOut: Payload | undefined;
  if (sel.suite.dh) {
    if (!ke || ke.group !== sel.suite.dh.id) return ctx.respond(sa, req, [notify(NotifyType.INVALID_KE_PAYLOAD, u16(sel.suite.dh.id))]);
    const dh = sel.suite.dh.generate(ctx.random);
    const s = dh.computeSecret(ke.data);
    if (!s.ok) return ctx.respond(sa, req, [notify(NotifyType.INVALID_SYNTAX)]);
    secret = s.secret;
    keOut = { type: PayloadType.KE, group: dh.id, data: dh.publicValue };
  }
  const nr = ctx.random(NONCE_LEN);
  const saIdx = sel.answer.findIndex((p) => p.type === PayloadType.SA);
  ctx.respond(sa, req, [...sel.answer.slice(0, saIdx + 1), { type: PayloadType.NONCE, data: nr }, ...(keOut ? [keOut] : []), ...sel.answer.slice(saIdx + 1)]);
  establishChild(ctx, sa, sel, ni.data, nr, false, secret, old);
}

// CHILD_SA negotiation pieces shared by IKE_AUTH and CREATE_CHILD_SA: initiator offer, responder
// selection with traffic selector narrowing (RFC 7296 2.9), initiator acceptance, key derivation.
import { NotifyType, notifyName, PayloadType } from '../codec/constants.ts';
import { describeProposals, explainMismatch } from '../diagnose.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import type { TrafficSelector } from '../codec/payloads/ts.ts';
import { err, ok, type Result } from '@ipsec/schema';
import type { PolicyConfig } from '../config.ts';
import { deriveChildKeys } from '../crypto/keymat.ts';
import type { Ctx } from '../context.ts';
import type { ChildSa, IkeSa, KeyedSa, PendingChild } from '../ike-sa.ts';
import { acceptEsp, describeEsp, espProposals, selectEsp, type EspSuite } from '../proposals.ts';
import { formatTs, isSubset, narrow, selectorFor } from '../ts.ts';
import { errorNotify, find, findNotify } from './common.ts';
import { generateChild, phase2Lifetime } from './generate-policy.ts';
import { pfsGroup, childSelection, type ChildSelection } from './child-selection.ts';

function policySelectors(p: PolicyConfig): { local?: TrafficSelector; remote?: TrafficSelector } {
  const out: { local?: TrafficSelector; remote?: TrafficSelector } = {};
  const local = selectorFor(p['src-address'] ?? '0.0.0.0/0', p['src-port'], p.protocol);
  const remote = selectorFor(p['dst-address'] ?? '0.0.0.0/0', p['dst-port'], p.protocol);
  if (local) out.local = local;
  if (remote) out.remote = remote;
  return out;
}

/** Initiator: the offer for policy `index` (SA + TSi + TSr [+ USE_TRANSPORT_MODE]). */
export function offerChild(
  ctx: Ctx,
  sa: IkeSa,
  index: number,
  pfs: boolean,
): Result<{ pending: PendingChild; payloads: Payload[] }> {
  const entry = sa.rp.policies[index];
  if (!entry) return err(`no policy #${index}`);
  const sel = policySelectors(entry.policy);
  // A generated policy (we rekey its CHILD_SA) offers the selectors it was negotiated with.
  const tsi = entry.generated?.local ?? (sel.local && [sel.local]);
  const tsr = entry.generated?.remote ?? (sel.remote && [sel.remote]);
  if (!tsi || !tsr) return err('policy has invalid src-address/dst-address');
  const spi = ctx.newEspSpi();
  const warnings: string[] = [];
  const proposals = espProposals(entry.proposal, spi, pfsGroup(entry.proposal, pfs), { warnings });
  for (const w of warnings) ctx.log('warning', w, sa);
  if (!proposals.length) return err(`proposal ${entry.proposal.name} offers no usable algorithms`);
  const transport = entry.policy.tunnel === false;
  const pending: PendingChild = { policyIndex: index, spi, proposals, tsi, tsr, transport };
  const payloads: Payload[] = [
    ...(transport ? [notify(NotifyType.USE_TRANSPORT_MODE)] : []),
    { type: PayloadType.SA, proposals },
    { type: PayloadType.TSi, selectors: pending.tsi },
    { type: PayloadType.TSr, selectors: pending.tsr },
  ];
  return ok({ pending, payloads });
}

/**
 * Responder: choose a policy whose selectors intersect the request, narrow them and select an ESP proposal;
 * failing that, generate one from a template (identity generate-policy). `rekeyOf`: the CHILD_SA being rekeyed,
 * whose (generated) policy is tried first.
 */
export function selectChild(
  ctx: Ctx,
  sa: IkeSa,
  req: Payload[],
  pfs = false,
  rekeyOf?: ChildSa,
): Result<ChildSelection, number> {
  const saP = find(req, PayloadType.SA);
  const tsi = find(req, PayloadType.TSi);
  const tsr = find(req, PayloadType.TSr);
  if (!saP || !tsi || !tsr) return err(NotifyType.INVALID_SYNTAX);
  // Mode config: the peer's side is the address we assigned to it (RFC 7296 2.19).
  const vip = sa.virtualIp && !sa.cpReceived ? selectorFor(sa.virtualIp, undefined, undefined) : undefined;
  const peerSide = vip ? narrow(tsi.selectors, [vip]) : tsi.selectors;
  let sawTs = false;
  const order = [...sa.rp.policies.entries()].filter(([, e]) => !e.generated && !e.retired);
  const old = rekeyOf ? sa.rp.policies[rekeyOf.policyIndex] : undefined;
  if (rekeyOf && old?.generated && !old.generated.removed) order.unshift([rekeyOf.policyIndex, old]);
  for (const [index, entry] of order) {
    const sel = policySelectors(entry.policy);
    const allowLocal = entry.generated ? entry.generated.local : sel.local ? [sel.local] : [];
    const allowRemote = entry.generated ? entry.generated.remote : sel.remote ? [sel.remote] : [];
    if (!allowLocal.length || !allowRemote.length) continue;
    // Our policy: src = our side = their TSr, dst = their side = their TSi.
    const ni = narrow(peerSide, allowRemote);
    const nr = narrow(tsr.selectors, allowLocal);
    if (!ni.length || !nr.length) continue;
    sawTs = true;
    const spiIn = ctx.newEspSpi();
    const mine = espProposals(entry.proposal, spiIn, pfsGroup(entry.proposal, pfs));
    const chosen = selectEsp(saP.proposals, mine, spiIn);
    if (!chosen) {
      ctx.log(
        'error',
        `CHILD_SA ${nr.map(formatTs).join(',')} === ${ni.map(formatTs).join(',')}: no suitable proposal found ` +
          `(proposal ${entry.proposal.name})`,
        sa,
      );
      for (const line of explainMismatch(saP.proposals, mine)) ctx.log('error', line, sa);
      continue;
    }
    const transport = findNotify(req, NotifyType.USE_TRANSPORT_MODE) !== undefined && entry.policy.tunnel === false;
    return ok(childSelection(index, chosen, spiIn, ni, nr, transport));
  }
  if (sawTs) return err(NotifyType.NO_PROPOSAL_CHOSEN);
  const generated = generateChild(ctx, sa, saP.proposals, peerSide, tsr.selectors, req, pfs);
  if (
    !generated.ok &&
    generated.error === NotifyType.TS_UNACCEPTABLE &&
    (sa.rp.identity?.['generate-policy'] ?? 'no') === 'no'
  )
    ctx.log(
      'error',
      `we refused the peer's traffic selectors TSi ${tsi.selectors.map(formatTs).join(',')} TSr ` +
        `${tsr.selectors.map(formatTs).join(',')}: TS_UNACCEPTABLE (38); our policies (ours === peer's): ` +
        (order.map(([, e]) => `${e.policy['src-address'] ?? '?'} === ${e.policy['dst-address'] ?? '?'}`).join(', ') ||
          'none'),
      sa,
    );
  return generated;
}

/** IKEv2 carries no lifetimes: proposal-check has nothing to compare, our proposal's lifetime applies (RFC 7296 2.8). */
function childLifetime(ctx: Ctx, sa: IkeSa, own: number): number {
  const check = sa.rp.profile['proposal-check'] ?? 'obey';
  const lifetime = phase2Lifetime(check, own, undefined);
  if (check !== 'obey' && sa.children.length === 0)
    ctx.log(
      'debug',
      `proposal-check=${check}: IKEv2 does not negotiate lifetimes; CHILD_SAs use our lifetime ${own}s and ` +
        `each side rekeys on its own schedule`,
      sa,
    );
  return lifetime.ok ? lifetime.value : own;
}

export function errorAnswer(code: number): Payload[] {
  return [notify(code)];
}

/** What the responder's answer settles of our offer. */
interface ChildAcceptance {
  suite: EspSuite;
  spiOut: Uint8Array;
  tsi: TrafficSelector[];
  tsr: TrafficSelector[];
  transport: boolean;
}

/** Initiator: validate the responder's CHILD_SA answer against our offer. */
export function acceptChild(ctx: Ctx, sa: IkeSa, pending: PendingChild, resp: Payload[]): Result<ChildAcceptance> {
  const refused = errorNotify(resp);
  if (refused) {
    const offered =
      refused.notifyType === NotifyType.TS_UNACCEPTABLE
        ? `; we offered TSi ${pending.tsi.map(formatTs).join(',')} TSr ${pending.tsr.map(formatTs).join(',')}`
        : refused.notifyType === NotifyType.NO_PROPOSAL_CHOSEN
          ? `; we offered ${describeProposals(pending.proposals)}`
          : '';
    return err(`peer refused the CHILD_SA: ${notifyName(refused.notifyType)}${offered}`);
  }
  const saP = find(resp, PayloadType.SA);
  const tsi = find(resp, PayloadType.TSi);
  const tsr = find(resp, PayloadType.TSr);
  if (!saP || !tsi || !tsr) return err('CHILD_SA answer lacks SA, TSi or TSr');
  const accepted = acceptEsp(saP.proposals, pending.proposals);
  if (!accepted) return err('peer selected an ESP proposal we did not offer');
  if (
    !tsi.selectors.every((t) => pending.tsi.some((o) => isSubset(t, o))) ||
    !tsr.selectors.every((t) => pending.tsr.some((o) => isSubset(t, o)))
  )
    return err('peer answered traffic selectors wider than offered');
  const transport = findNotify(resp, NotifyType.USE_TRANSPORT_MODE) !== undefined;
  if (transport && !pending.transport) return err('peer chose transport mode we did not ask for');
  if (pending.transport && !transport) ctx.log('warning', 'peer did not accept transport mode; using tunnel mode', sa);
  return ok({ suite: accepted.suite, spiOut: accepted.peerSpi, tsi: tsi.selectors, tsr: tsr.selectors, transport });
}

/** Derive keys (2.17) and install the CHILD_SA through the context. */
export function establishChild(
  ctx: Ctx,
  sa: KeyedSa,
  p: {
    index: number;
    suite: EspSuite;
    spiIn: Uint8Array;
    spiOut: Uint8Array;
    tsi: TrafficSelector[];
    tsr: TrafficSelector[];
    transport: boolean;
  },
  ni: Uint8Array,
  nr: Uint8Array,
  weInitiated: boolean,
  sharedSecret?: Uint8Array,
  replaces?: ChildSa,
): ChildSa {
  const { suite, keys } = sa;
  const encLen = p.suite.encr.keyLen + p.suite.encr.saltLen;
  const integLen = p.suite.integ?.keyLen ?? 0;
  const km = deriveChildKeys(suite.prf, keys.d, ni, nr, encLen, integLen, sharedSecret);
  const entry = sa.rp.policies[p.index];
  const child: ChildSa = {
    id: ctx.newChildId(),
    policyIndex: p.index,
    suite: p.suite,
    mode: p.transport ? 'transport' : 'tunnel',
    spiIn: p.spiIn,
    spiOut: p.spiOut,
    tsLocal: weInitiated ? p.tsi : p.tsr,
    tsRemote: weInitiated ? p.tsr : p.tsi,
    lifetime: childLifetime(ctx, sa, entry?.proposal.lifetime ?? 1800),
    createdAt: ctx.now(),
    state: 'installed',
    weInitiated,
  };
  if (replaces) child.replaces = replaces.id;
  sa.children.push(child);
  ctx.installChild(sa, child, km);
  ctx.log(
    'info',
    `CHILD_SA #${child.id} established: ${describeEsp(p.suite)} ${child.mode} ` +
      `${child.tsLocal.map(formatTs).join(',')} === ${child.tsRemote.map(formatTs).join(',')}` +
      `${replaces ? ` (replaces #${replaces.id})` : ''}`,
    sa,
  );
  return child;
}

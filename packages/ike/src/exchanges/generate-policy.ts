// Responder-side policy generation (RouterOS identity generate-policy / policy-template-group): the peer's
// traffic selectors are narrowed (RFC 7296 2.9) against the templates of the identity's group; a match becomes
// a generated policy that lives as long as a CHILD_SA uses it. Also the phase 2 lifetime rule (proposal-check).
import { IP_PROTOCOLS, err, ok, type Result } from '@ipsec/schema';
import { NotifyType } from '../codec/constants.ts';
import type { Payload } from '../codec/payload.ts';
import type { Proposal } from '../codec/payloads/sa.ts';
import type { TrafficSelector } from '../codec/payloads/ts.ts';
import {
  proposalByName,
  type GeneratedPolicy,
  type PolicyConfig,
  type PolicyEntry,
  type ProfileConfig,
} from '../config.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike-sa.ts';
import { espProposals, selectEsp } from '../proposals.ts';
import { equalTs, formatTs, narrow, selectorFor } from '../ts.ts';
import { compareBytes, formatIp } from '../util/ip.ts';
import { childSelection, pfsGroup, type ChildSelection } from './child-selection.ts';
import { findNotify } from './common.ts';

const PROTOCOL_NAMES = new Map(Object.entries(IP_PROTOCOLS).map(([name, n]) => [n, name]));

/** Template prefix as a selector for the address family of `like`; ::/0 and 0.0.0.0/0 match any family. */
function templateSelector(
  prefix: string | undefined,
  port: number | 'any' | undefined,
  protocol: string | undefined,
  like: TrafficSelector,
): TrafficSelector | undefined {
  const p = (prefix ?? '0.0.0.0/0').trim();
  const any = p === '::/0' || p === '0.0.0.0/0';
  const v4 = like.startAddr.length === 4;
  return selectorFor(any ? (v4 ? '0.0.0.0/0' : '::/0') : p, port, protocol);
}

/**
 * Try the templates of the identity's policy-template-group for a CHILD_SA request the configured policies did
 * not take. `tsi` is the peer's side (already narrowed to a mode config address), `tsr` ours.
 */
export function generateChild(
  ctx: Ctx,
  sa: IkeSa,
  offers: Proposal[],
  tsi: TrafficSelector[],
  tsr: TrafficSelector[],
  req: Payload[],
  pfs: boolean,
): Result<ChildSelection, number> {
  const identity = sa.rp.identity;
  const mode = identity?.['generate-policy'] ?? 'no';
  if (!identity || mode === 'no') return err(NotifyType.TS_UNACCEPTABLE);
  const group = identity['policy-template-group'] ?? 'default';
  const templates =
    group === 'none'
      ? []
      : (ctx.config.policies ?? []).filter((p) => p.template && !p.disabled && (p.group ?? 'default') === group);
  let sawTs = false;
  for (const tpl of templates) {
    const strict = mode === 'port-strict';
    const local: TrafficSelector[] = [];
    const remote: TrafficSelector[] = [];
    // Template src = our side (their TSr), dst = their side (their TSi).
    for (const t of tsr) {
      const sel = templateSelector(tpl['src-address'], strict ? tpl['src-port'] : undefined, tpl.protocol, t);
      if (sel) local.push(...narrow([t], [sel]));
    }
    for (const t of tsi) {
      const sel = templateSelector(tpl['dst-address'], strict ? tpl['dst-port'] : undefined, tpl.protocol, t);
      if (sel) remote.push(...narrow([t], [sel]));
    }
    if (!local.length || !remote.length) continue;
    sawTs = true;
    const proposal = proposalByName(ctx.config, tpl.proposal);
    const spiIn = ctx.newEspSpi();
    const mine = espProposals(proposal, spiIn, pfsGroup(proposal, pfs));
    const chosen = selectEsp(offers, mine, spiIn);
    if (!chosen) {
      ctx.log(
        'info',
        `generate-policy: template ${describeTemplate(tpl)} fits but its proposal ${proposal.name} has nothing in common with the peer's`,
        sa,
      );
      continue;
    }
    const transport = findNotify(req, NotifyType.USE_TRANSPORT_MODE) !== undefined;
    // Another CHILD_SA for exactly the selectors of a live generated policy shares it (ph2-count 2), no duplicate row.
    const same = (a: TrafficSelector[], b: TrafficSelector[]) =>
      a.length === b.length &&
      a.every((x, i) => {
        const y = b[i];
        return y !== undefined && equalTs(x, y);
      });
    const existing = sa.rp.policies.findIndex(
      (e) =>
        e.generated &&
        !e.generated.removed &&
        e.proposal.name === proposal.name &&
        e.policy.tunnel === !transport &&
        same(e.generated.local, local) &&
        same(e.generated.remote, remote),
    );
    const index =
      existing >= 0
        ? existing
        : addGenerated(sa, {
            policy: {
              peer: sa.peerName,
              tunnel: !transport,
              proposal: proposal.name,
              level: tpl.level ?? 'require',
              group,
              action: 'encrypt',
            },
            proposal,
            generated: { ids: [], group, mode, level: tpl.level ?? 'require', local, remote, refs: 0, removed: true },
          });
    ctx.log(
      'info',
      `generate-policy=${mode}: ${local.map(formatTs).join(',')} === ${remote.map(formatTs).join(',')} from ` +
        `template ${describeTemplate(tpl)} of group ${group}`,
      sa,
    );
    return ok(childSelection(index, chosen, spiIn, remote, local, transport));
  }
  if (!sawTs)
    ctx.log(
      'warning',
      `generate-policy: no template of policy-template-group=${group}` +
        `${templates.length ? '' : ' (it has no enabled templates)'} matches ` +
        `${tsi.map(formatTs).join(',') || '(none)'} === ${tsr.map(formatTs).join(',') || '(none)'}; ` +
        `TS_UNACCEPTABLE`,
      sa,
    );
  return err(sawTs ? NotifyType.NO_PROPOSAL_CHOSEN : NotifyType.TS_UNACCEPTABLE);
}

/** Put a generated entry into the SA's policy list, reusing a slot no CHILD_SA uses any more. */
function addGenerated(sa: IkeSa, entry: PolicyEntry): number {
  const free = sa.rp.policies.findIndex((e) => e.generated?.removed && e.generated.refs === 0);
  if (free >= 0) {
    sa.rp.policies[free] = entry;
    return free;
  }
  sa.rp.policies.push(entry);
  return sa.rp.policies.length - 1;
}

function describeTemplate(t: PolicyConfig): string {
  return (
    `${t['src-address'] ?? '0.0.0.0/0'}->${t['dst-address'] ?? '0.0.0.0/0'}` +
    `${t.protocol && t.protocol !== 'all' ? `/${t.protocol}` : ''}`
  );
}

/** "10.0.0.0/24" when the range is a prefix, else "a-b". */
export function rangeText(start: Uint8Array, end: Uint8Array): string {
  const bits = start.length * 8;
  for (let len = 0; len <= bits; len++) {
    let ok = true;
    for (let i = 0; i < start.length && ok; i++) {
      const keep = Math.max(0, Math.min(8, len - 8 * i));
      const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
      ok =
        ((start[i] as number) & ~mask & 0xff) === 0 &&
        ((end[i] as number) & ~mask & 0xff) === (~mask & 0xff) &&
        ((start[i] as number) & mask) === ((end[i] as number) & mask);
    }
    if (ok) return `${formatIp(start)}/${len}`;
  }
  return compareBytes(start, end) === 0 ? formatIp(start) : `${formatIp(start)}-${formatIp(end)}`;
}

function portOf(t: TrafficSelector): number | 'any' {
  if (t.startPort === t.endPort) return t.startPort;
  return 'any';
}

/** The rows a generated policy is shown as: one per (local, remote) selector pair. */
export function generatedRows(g: GeneratedPolicy): {
  src: TrafficSelector;
  dst: TrafficSelector;
  srcAddress: string;
  dstAddress: string;
  srcPort: number | 'any';
  dstPort: number | 'any';
  protocol: string;
}[] {
  const out = [];
  for (const src of g.local)
    for (const dst of g.remote) {
      if (src.startAddr.length !== dst.startAddr.length) continue;
      const proto = src.protocol || dst.protocol;
      out.push({
        src,
        dst,
        srcAddress: rangeText(src.startAddr, src.endAddr),
        dstAddress: rangeText(dst.startAddr, dst.endAddr),
        srcPort: g.mode === 'port-override' ? ('any' as const) : portOf(src),
        dstPort: g.mode === 'port-override' ? ('any' as const) : portOf(dst),
        protocol: proto === 0 ? 'all' : (PROTOCOL_NAMES.get(proto) ?? String(proto)),
      });
    }
  return out;
}

/**
 * Phase 2 lifetime by proposal-check (RouterOS; IKEv1 negotiates lifetimes, IKEv2 does not - RFC 7296 2.8: each
 * end applies its own and rekeys or deletes on its own schedule). `proposed` is the peer's lifetime when the
 * protocol carries one; in IKEv2 it is undefined and our own lifetime applies whatever the check.
 * The lifetime to use, or why the proposal must be refused.
 */
export function phase2Lifetime(
  check: NonNullable<ProfileConfig['proposal-check']>,
  own: number,
  proposed?: number,
): Result<number> {
  if (proposed === undefined || proposed <= 0) return ok(own);
  switch (check) {
    case 'obey':
      return ok(proposed);
    case 'claim':
      return ok(Math.min(own, proposed));
    case 'strict':
      return proposed > own
        ? err(`proposed lifetime ${proposed}s is longer than ours (${own}s); proposal-check=strict`)
        : ok(proposed);
    case 'exact':
      return proposed === own
        ? ok(own)
        : err(`proposed lifetime ${proposed}s differs from ours (${own}s); proposal-check=exact`);
  }
}

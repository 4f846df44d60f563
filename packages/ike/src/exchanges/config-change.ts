// A new configuration reaching the IKE SAs that are up, as RouterOS applies it: a policy added gets its CHILD_SA
// (at once when we are not passive; on ACQUIRE otherwise, through `initiate`), a policy removed or with other
// selectors loses its CHILD_SA, changed proposals and profile settings apply at the next rekey (the SA simply takes
// the new settings), a changed or removed identity (secret, IDs, certificate, method) re-authenticates, and a peer
// removed or disabled, or whose address no longer covers the SA's, takes its IKE SA with it.
import { identitiesOf, resolvePeer, type IdentityConfig, type PolicyConfig, type PolicyEntry } from '../config.ts';
import type { Ctx } from '../context.ts';
import type { KeyedSa } from '../ike-sa.ts';
import { inRange, parseIp, prefixRange } from '../util/ip.ts';
import { createMissingChildren } from './child-create.ts';
import { sendDeleteChild } from './child-delete.ts';
import { sendDeleteIke } from './ike-delete.ts';

/** A policy as its CHILD_SA depends on it: everything but its proposal (applied at the next rekey) and comment. */
function policyKey(p: PolicyConfig): string {
  const { proposal: _proposal, comment: _comment, ...rest } = p;
  return JSON.stringify(rest);
}

const sameIdentity = (a: IdentityConfig | undefined, b: IdentityConfig | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

/** Apply `ctx.config` to an established IKE SA. */
export function applyConfig(ctx: Ctx, sa: KeyedSa): void {
  const rp = resolvePeer(ctx.config, sa.peerName);
  const ip = parseIp(sa.remote.address);
  const range = rp && prefixRange(rp.peer.address);
  if (!rp || !ip || !range || !inRange(ip, range))
    return sendDeleteIke(ctx, sa, `peer ${sa.peerName} removed, disabled or its address changed`);
  const identity = sa.rp.identity && identitiesOf(ctx.config, sa.peerName).find((i) => sameIdentity(i, sa.rp.identity));
  if (sa.rp.identity && !identity) return reauthenticate(ctx, sa, rp.peer.passive === true);
  const next = resolvePeer(ctx.config, sa.peerName, identity)!;

  // Old policy index -> new: the same policy (by its selectors and id), generated ones carried over, removed ones
  // kept "retired" while CHILD_SAs of theirs are being deleted.
  const entries: PolicyEntry[] = [...next.policies];
  const moved = new Map<number, number>();
  const inUse = (i: number) =>
    sa.children.some((c) => c.policyIndex === i) ||
    sa.creatingChildren?.has(i) === true ||
    sa.pendingChild?.policyIndex === i;
  sa.rp.policies.forEach((old, i) => {
    const same =
      old.generated || old.retired
        ? -1
        : entries.findIndex((e, j) => j < next.policies.length && policyKey(e.policy) === policyKey(old.policy));
    if (same >= 0) return moved.set(i, same);
    if (old.generated || inUse(i)) {
      if (!old.generated && !old.retired)
        ctx.log(
          'info',
          `policy ${old.policy['src-address']} -> ${old.policy['dst-address']} removed or changed: deleting its CHILD_SA`,
          sa,
        );
      moved.set(i, entries.push(old.generated ? old : { ...old, retired: true }) - 1);
    }
  });
  for (const c of sa.children) c.policyIndex = moved.get(c.policyIndex) ?? c.policyIndex;
  if (sa.creatingChildren) sa.creatingChildren = new Set([...sa.creatingChildren].map((i) => moved.get(i) ?? i));
  if (sa.pendingChild)
    sa.pendingChild.policyIndex = moved.get(sa.pendingChild.policyIndex) ?? sa.pendingChild.policyIndex;
  sa.rp = { ...next, policies: entries };
  for (const c of [...sa.children])
    if (entries[c.policyIndex]?.retired && c.state !== 'deleting') sendDeleteChild(ctx, sa, c, 'policy removed');
  if (!sa.rp.peer.passive) createMissingChildren(ctx, sa);
}

/** The identity changed: a fresh IKE SA authenticates with the new one (we start it when we initiated this one). */
function reauthenticate(ctx: Ctx, sa: KeyedSa, passive: boolean): void {
  ctx.log('info', `identity of peer ${sa.peerName} changed: re-authenticating`, sa);
  sendDeleteIke(ctx, sa, 'identity changed');
  if (sa.initiator && !passive) {
    const local = { address: sa.local.address, port: 500 };
    ctx.destroy(sa, 'identity changed');
    ctx.initiate(sa.peerName, local);
  }
}

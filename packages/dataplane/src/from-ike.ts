// The IKE engine's installSa action -> data plane SAs and policies.
import type { InstallSaAction, SaDirection, TsRange } from '@ipsec/ike';
import { familyOf, portRangeToMasks, rangeToPrefixes } from './ip.ts';
import type { Level, PolicySpec, SaSpec, Selector } from './types.ts';

/** The fields of the engine's installSa action this module reads (the engine's own type, narrowed). */
export type IkeInstallSa = Pick<
  InstallSaAction,
  'mode' | 'encap' | 'esn' | 'inbound' | 'outbound' | 'tsLocal' | 'tsRemote' | 'lifetime'
>;

export interface SaOptions {
  /** Shared by both directions and the policy templates that use them. */
  reqid: number;
  /** Inbound anti-replay window (default 128, what Installed SAs shows). */
  replayWindow?: number;
  /**
   * Kernel hard lifetime in seconds (default: the action's lifetime plus 60 s of grace: the engine rekeys and
   * deletes on its own timers; the kernel limit only backs it up).
   */
  hardSeconds?: number;
}

/** Both SAs of a CHILD_SA. Encap ports are per direction: an SA's sport is the port its packets come from. */
export function saSpecsFromInstallSa(a: IkeInstallSa, o: SaOptions): { inbound: SaSpec; outbound: SaSpec } {
  const hard = o.hardSeconds ?? a.lifetime + 60;
  const one = (d: SaDirection, dir: 'in' | 'out'): SaSpec => {
    const sa: SaSpec = {
      spi: d.spi,
      src: d.src,
      dst: d.dst,
      protocol: 'esp',
      mode: a.mode,
      reqid: o.reqid,
      encAlgorithm: d.encAlgorithm,
      encKey: d.encKey,
      esn: a.esn,
      replayWindow: dir === 'in' ? (o.replayWindow ?? 128) : 0,
      lifetime: { hardSeconds: hard },
      direction: dir,
    };
    if (d.integAlgorithm) sa.integAlgorithm = d.integAlgorithm;
    if (d.integKey) sa.integKey = d.integKey;
    if (a.encap)
      sa.encap =
        dir === 'in'
          ? { sport: a.encap.remotePort, dport: a.encap.localPort }
          : { sport: a.encap.localPort, dport: a.encap.remotePort };
    return sa;
  };
  return { inbound: one(a.inbound, 'in'), outbound: one(a.outbound, 'out') };
}

/**
 * Selectors for traffic from `src` to `dst` (one TS each). A range that is not one prefix, or a port range that is
 * not one mask, becomes several selectors; protocols must agree (or one side be any).
 */
export function selectorsFor(src: TsRange, dst: TsRange): Selector[] {
  if (familyOf(src.start) !== familyOf(dst.start)) return [];
  if (src.protocol && dst.protocol && src.protocol !== dst.protocol) return [];
  const protocol = src.protocol || dst.protocol;
  const out: Selector[] = [];
  for (const sp of rangeToPrefixes(src.start, src.end))
    for (const dp of rangeToPrefixes(dst.start, dst.end))
      for (const spt of portRangeToMasks(src.startPort, src.endPort))
        for (const dpt of portRangeToMasks(dst.startPort, dst.endPort)) {
          const s: Selector = { src: `${sp.addr}/${sp.len}`, dst: `${dp.addr}/${dp.len}`, protocol };
          if (spt.mask)
            Object.assign(s, { srcPort: spt.port, ...(spt.mask !== 0xffff ? { srcPortMask: spt.mask } : {}) });
          if (dpt.mask)
            Object.assign(s, { dstPort: dpt.port, ...(dpt.mask !== 0xffff ? { dstPortMask: dpt.mask } : {}) });
          out.push(s);
        }
  return out;
}

/**
 * Per-CHILD_SA policies (what generated/dynamic policies need; configured policies are installed from the config
 * instead, with the same reqid rule): out local->remote, in remote->local, and fwd remote->local in tunnel mode.
 */
export function policiesFromInstallSa(
  a: IkeInstallSa,
  o: { reqid: number; priority: number; level?: Level },
): PolicySpec[] {
  const level = o.level ?? 'require';
  const tunnel = a.mode === 'tunnel';
  const tmpl = (d: SaDirection) => ({
    ...(tunnel ? { src: d.src, dst: d.dst } : {}),
    protocol: 'esp' as const,
    mode: a.mode,
    reqid: o.reqid,
    level,
  });
  const out: PolicySpec[] = [];
  for (const l of a.tsLocal)
    for (const r of a.tsRemote) {
      for (const selector of selectorsFor(l, r))
        out.push({ selector, dir: 'out', priority: o.priority, action: 'encrypt', templates: [tmpl(a.outbound)] });
      for (const selector of selectorsFor(r, l)) {
        out.push({ selector, dir: 'in', priority: o.priority, action: 'encrypt', templates: [tmpl(a.inbound)] });
        if (tunnel)
          out.push({ selector, dir: 'fwd', priority: o.priority, action: 'encrypt', templates: [tmpl(a.inbound)] });
      }
    }
  return out;
}

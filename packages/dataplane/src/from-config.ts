// The configured policies (the Policies menu, in order) -> SPD entries, for either backend. Stored policy ids map to
// reqids, so the CHILD_SAs IKE negotiates for a policy fit its templates.
import { familyOf, IP_PROTOCOLS, prefixLength, type PeerValues, type PolicyValues } from '@ipsec/schema';
import { policyPriority, type PolicySpec, type PolicyTemplate, type Selector } from './types.ts';

/** A stored policy: its id (the reqid comes from it) and its values. */
export interface ConfiguredPolicy {
  id: number;
  values: PolicyValues;
}

/** Stored policy ids map to reqids below this; CHILD_SAs of generated policies get their own above it. */
export const CHILD_REQID_BASE = 0x100000;

export const reqidOfPolicy = (id: number): number => (id % CHILD_REQID_BASE) + 1;

/**
 * The SPD entries of the config's policies, in policy order (earlier wins): out, in, and fwd in tunnel mode.
 * Disabled policies and templates install nothing but keep their place in the order.
 */
export function policiesFromConfig(
  policies: readonly ConfiguredPolicy[],
  peers: readonly PeerValues[],
  learned: ReadonlyMap<number, TunnelEnds> = new Map(),
): PolicySpec[] {
  const out: PolicySpec[] = [];
  policies.forEach(({ id, values: v }, position) => {
    if (v.disabled || v.template) return;
    const protocol = v.protocol === 'all' ? 0 : (IP_PROTOCOLS[v.protocol] ?? Number(v.protocol));
    const sel = (src: string, dst: string, sp: number | 'any', dp: number | 'any'): Selector => ({
      src,
      dst,
      protocol,
      ...(sp !== 'any' && sp !== 0 ? { srcPort: sp } : {}),
      ...(dp !== 'any' && dp !== 0 ? { dstPort: dp } : {}),
    });
    const mode = v.tunnel ? 'tunnel' : 'transport';
    const ends = v.tunnel
      ? { ...learned.get(reqidOfPolicy(id)), ...tunnelEndpoints(peers.find((p) => p.name === v.peer)) }
      : {};
    const template = (src?: string, dst?: string): PolicyTemplate[] =>
      v.action === 'encrypt'
        ? [
            {
              ...(src !== undefined ? { src } : {}),
              ...(dst !== undefined ? { dst } : {}),
              protocol: 'esp',
              mode,
              reqid: reqidOfPolicy(id),
              level: v.level,
            },
          ]
        : [];
    const priority = policyPriority(position);
    const action = v.action;
    const outbound = sel(v['src-address'], v['dst-address'], v['src-port'], v['dst-port']);
    const inbound = sel(v['dst-address'], v['src-address'], v['dst-port'], v['src-port']);
    out.push({ selector: outbound, dir: 'out', priority, action, templates: template(ends.local, ends.remote) });
    out.push({ selector: inbound, dir: 'in', priority, action, templates: template(ends.remote, ends.local) });
    if (v.tunnel)
      out.push({ selector: inbound, dir: 'fwd', priority, action, templates: template(ends.remote, ends.local) });
  });
  return out;
}

/** A policy's tunnel ends: ours and the peer's outer address. */
export interface TunnelEnds {
  local?: string;
  remote?: string;
}

/**
 * Tunnel endpoints of a policy's SAs, known before IKE runs: the peer's local-address and its address when that is
 * one host. An end left open is the addresses its IKE SA runs between once one does (`learned` in
 * policiesFromConfig, keyed by reqid); until then any SA of the policy's reqid fits.
 */
export function tunnelEndpoints(peer: PeerValues | undefined): TunnelEnds {
  if (!peer) return {};
  const remote = hostOf(peer.address);
  return {
    ...(peer['local-address'] ? { local: peer['local-address'] } : {}),
    ...(remote !== undefined ? { remote } : {}),
  };
}

/** "192.0.2.7/32" -> "192.0.2.7"; a wider prefix or a DNS name -> undefined. */
function hostOf(prefixOrHost: string): string | undefined {
  const [address, length] = prefixOrHost.split('/');
  if (length === undefined || !address || !/^[0-9a-fA-F.:]+$/.test(address)) return undefined;
  return prefixLength(prefixOrHost) === (familyOf(address) === 4 ? 32 : 128) ? address : undefined;
}

// Both sides of the PSK interop cases. charon's: one connection "ours" (child "net") towards our agent,
// host b = charon, host a = the agent. Options add what a case needs (rekey timers, pools, vips).
import type { AgentInNetns } from './agent-in-netns.ts';
import { charonEncap } from './charon.ts';
import type { TwoHosts } from './netns.ts';

export const PSK = 'interop-psk-0123456789';

export interface PskConnOptions {
  ike?: string;
  esp?: string;
  /** Extra lines in charon's connection and child sections, and top-level sections (pools). */
  conn?: string;
  top?: string;
  /** remote_ts = dynamic (the address charon assigns from a pool) instead of our LAN. */
  remoteDynamic?: boolean;
  child?: string;
  localTs?: string;
  /** charon's remote_ts (default: our LAN host). */
  remoteTs?: string;
  vip?: boolean;
}

export function charonPskConf(hosts: Pick<TwoHosts, 'a' | 'b'>, o: PskConnOptions = {}): string {
  const a = hosts.a;
  const b = hosts.b;
  return `connections {
  ours {
    version = 2
    local_addrs = ${b.addr}
    remote_addrs = ${a.addr}
    ${charonEncap()}
    proposals = ${o.ike ?? 'aes128-sha256-modp2048'}
    ${o.vip ? 'vips = 0.0.0.0' : ''}
    ${o.conn ?? ''}
    local { auth = psk
            id = ${b.addr} }
    remote { auth = psk
             id = ${a.addr} }
    children { net { ${o.vip ? '' : `local_ts = ${o.localTs ?? `${b.lan}/32`}`}
                     ${o.remoteDynamic ? '' : `remote_ts = ${o.remoteTs ?? `${a.lan}/32`}`}
                     esp_proposals = ${o.esp ?? 'aes128-sha256-modp2048'}
                     ${o.child ?? ''} } }
  }
}
${o.top ?? ''}
secrets { ike-ours { id-a = ${a.addr}
                     id-b = ${b.addr}
                     secret = "${PSK}" } }
`;
}

/** Our side (host a), through REST: profile and proposal "interop" (options override their fields), peer
 * "strongswan" at host b, its PSK identity, and one tunnel policy between the LAN addresses. */
export interface AgentPskOptions {
  passive: boolean;
  profile?: Record<string, unknown>;
  proposal?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  dst?: string;
  src?: string;
}

export async function configurePskAgent(
  agent: AgentInNetns,
  hosts: Pick<TwoHosts, 'a' | 'b'>,
  o: AgentPskOptions,
): Promise<void> {
  await agent.add('ip/ipsec/profile', {
    name: 'interop',
    'enc-algorithm': 'aes-128',
    'hash-algorithm': 'sha256',
    'dh-group': 'modp2048',
    ...o.profile,
  });
  await agent.add('ip/ipsec/proposal', {
    name: 'interop',
    'enc-algorithms': 'aes-128-cbc',
    'auth-algorithms': 'sha256',
    'pfs-group': 'modp2048',
    ...o.proposal,
  });
  await agent.add('ip/ipsec/peer', {
    name: 'strongswan',
    address: `${hosts.b.addr}/32`,
    'exchange-mode': 'ike2',
    profile: 'interop',
    passive: o.passive ? 'yes' : 'no',
  });
  await agent.add('ip/ipsec/identity', { peer: 'strongswan', secret: PSK, ...o.identity });
  await agent.add('ip/ipsec/policy', {
    peer: 'strongswan',
    tunnel: 'yes',
    'src-address': o.src ?? `${hosts.a.lan}/32`,
    'dst-address': o.dst ?? `${hosts.b.lan}/32`,
    proposal: 'interop',
  });
}

// Two of our agents as a site-to-site pair over REST: gateway b answers (passive), gateway a initiates; each
// protects its LAN (10.x.0.0/24) towards the other's with one PSK tunnel-mode policy.
import type { AgentInNetns } from './agent-in-netns.ts';
import type { TwoHosts } from './netns.ts';

export interface AgentPairOptions {
  psk: string;
  /** The proposal's algorithms (its name is `name`). */
  proposal: Record<string, unknown>;
  /** A profile of its own (named `name`) for both peers; without it the peers use the default profile. */
  profile?: Record<string, unknown>;
  /** Name of the proposal and profile (default "dp"). */
  name?: string;
}

const lanPrefix = (lan: string) => `${lan.replace(/\.1$/, '.0')}/24`;

export async function configureAgentPair(
  a: AgentInNetns,
  b: AgentInNetns,
  hosts: TwoHosts,
  o: AgentPairOptions,
): Promise<void> {
  const name = o.name ?? 'dp';
  for (const [agent, me, peer, passive] of [
    [b, hosts.b, hosts.a, true],
    [a, hosts.a, hosts.b, false],
  ] as const) {
    if (o.profile) await agent.add('ip/ipsec/profile', { name, ...o.profile });
    await agent.add('ip/ipsec/proposal', { name, ...o.proposal });
    await agent.add('ip/ipsec/peer', {
      name: 'other',
      address: `${peer.addr}/32`,
      'exchange-mode': 'ike2',
      ...(o.profile ? { profile: name } : {}),
      passive: passive ? 'yes' : 'no',
    });
    await agent.add('ip/ipsec/identity', { peer: 'other', secret: o.psk });
    await agent.add('ip/ipsec/policy', {
      peer: 'other',
      tunnel: 'yes',
      'src-address': lanPrefix(me.lan),
      'dst-address': lanPrefix(peer.lan),
      proposal: name,
    });
  }
}

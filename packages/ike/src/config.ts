// Engine configuration: plain objects shaped after RouterOS /ip/ipsec menus (property names as in
// packages/schema/src/menus.ts; times in seconds, lists as arrays) so the agent can feed its store directly.
import type { DhGroupName, EspAuthName, EspCipherName, HashName, IkeCipherName } from '@ipsec/schema';
import { inRange, parseIp, prefixRange } from './util/ip.ts';

export interface PeerConfig {
  name: string;
  address: string;
  port?: number;
  'local-address'?: string;
  profile?: string;
  'exchange-mode'?: 'aggressive' | 'base' | 'main' | 'ike2';
  passive?: boolean;
  'send-initial-contact'?: boolean;
  disabled?: boolean;
}

export interface ProfileConfig {
  name: string;
  'hash-algorithm'?: HashName;
  'prf-algorithm'?: 'auto' | 'sha1' | 'sha256' | 'sha384' | 'sha512';
  'enc-algorithm'?: IkeCipherName[];
  'dh-group'?: DhGroupName[];
  lifetime?: number;
  'nat-traversal'?: boolean;
  'dpd-interval'?: number | 'disable-dpd';
  'dpd-maximum-failures'?: number;
}

export interface ProposalConfig {
  name: string;
  'auth-algorithms'?: EspAuthName[];
  'enc-algorithms'?: EspCipherName[];
  lifetime?: number;
  'pfs-group'?: DhGroupName | 'none';
  disabled?: boolean;
}

export interface IdentityConfig {
  peer: string;
  'auth-method'?: string;
  secret?: string;
  'my-id'?: string;
  'remote-id'?: string;
  disabled?: boolean;
}

export interface PolicyConfig {
  peer: string;
  tunnel?: boolean;
  'src-address'?: string;
  'src-port'?: number | 'any';
  'dst-address'?: string;
  'dst-port'?: number | 'any';
  protocol?: string;
  proposal?: string;
  action?: 'discard' | 'encrypt' | 'none';
  template?: boolean;
  disabled?: boolean;
}

export interface IkeConfig {
  peers: PeerConfig[];
  profiles?: ProfileConfig[];
  proposals?: ProposalConfig[];
  identities?: IdentityConfig[];
  policies?: PolicyConfig[];
}

// RouterOS defaults (same as the schema's field defaults).
export const DEFAULT_PROFILE: Required<ProfileConfig> = {
  name: 'default',
  'hash-algorithm': 'sha1',
  'prf-algorithm': 'auto',
  'enc-algorithm': ['aes-128'],
  'dh-group': ['modp1024', 'modp2048'],
  lifetime: 86400,
  'nat-traversal': true,
  'dpd-interval': 120,
  'dpd-maximum-failures': 5,
};

export const DEFAULT_PROPOSAL: Required<ProposalConfig> = {
  name: 'default',
  'auth-algorithms': ['sha1'],
  'enc-algorithms': ['aes-256-cbc', 'aes-192-cbc', 'aes-128-cbc'],
  lifetime: 1800,
  'pfs-group': 'modp1024',
  disabled: false,
};

export interface ResolvedPeer {
  peer: PeerConfig;
  profile: Required<ProfileConfig>;
  identity: IdentityConfig | undefined;
  policies: { policy: PolicyConfig; proposal: Required<ProposalConfig> }[];
}

export function resolvePeer(cfg: IkeConfig, name: string): ResolvedPeer | undefined {
  const peer = cfg.peers.find((p) => p.name === name && !p.disabled);
  if (!peer) return undefined;
  const profName = peer.profile ?? 'default';
  const prof = cfg.profiles?.find((p) => p.name === profName);
  const profile = { ...DEFAULT_PROFILE, ...(prof ?? {}), name: profName };
  const identity = cfg.identities?.find((i) => i.peer === name && !i.disabled);
  const policies = (cfg.policies ?? [])
    .filter((p) => p.peer === name && !p.disabled && !p.template && (p.action ?? 'encrypt') === 'encrypt')
    .map((policy) => {
      const pn = policy.proposal ?? 'default';
      const found = cfg.proposals?.find((p) => p.name === pn && !p.disabled);
      return { policy, proposal: { ...DEFAULT_PROPOSAL, ...(found ?? {}), name: pn } };
    });
  return { peer, profile, identity, policies };
}

/** The IKEv2 peer whose address prefix contains `remote`, most specific first (RouterOS semantics). */
export function findPeerForAddress(cfg: IkeConfig, remote: string): PeerConfig | undefined {
  const ip = parseIp(remote);
  if (!ip) return undefined;
  let best: PeerConfig | undefined;
  let bestLen = -1;
  for (const p of cfg.peers) {
    if (p.disabled || (p['exchange-mode'] ?? 'ike2') !== 'ike2') continue;
    const [, len] = p.address.split('/');
    const r = prefixRange(p.address);
    if (!r || !inRange(ip, r)) continue;
    const l = len === undefined ? ip.length * 8 : Number(len);
    if (l > bestLen) {
      best = p;
      bestLen = l;
    }
  }
  return best;
}

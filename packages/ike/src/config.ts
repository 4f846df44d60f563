// Engine configuration: plain objects shaped after RouterOS /ip/ipsec menus (property names as in
// packages/schema/src/menus.ts; times in seconds, lists as arrays) so the agent can feed its store directly.
import {
  defaults,
  profile as profileMenu,
  proposal as proposalMenu,
  type IdentityValues,
  type ModeConfigValues,
  type PeerValues,
  type PolicyValues,
  type ProfileValues,
  type ProposalValues,
} from '@ipsec/schema';
import { inRange, parseIp, prefixRange } from './util/ip.ts';
import type { TrafficSelector } from './codec/payloads/ts.ts';
import type { PoolConfig } from './pools.ts';
import type { EapUser } from './auth/eap.ts';

// The engine takes the schema's menu values (packages/schema/src/menus.ts), the agent's store entries as they are.
// Only the properties that name an entry are required, so a test writes just what it is about: a profile's and a
// proposal's others come from the schema's defaults (resolvePeer), the rest are defaulted where the engine reads them.
type WithDefaults<V, Required extends keyof V> = Pick<V, Required> & Partial<V>;

export type PeerConfig = WithDefaults<PeerValues, 'name' | 'address'>;
export type ProfileConfig = WithDefaults<ProfileValues, 'name'>;
export type ProposalConfig = WithDefaults<ProposalValues, 'name'>;
export type IdentityConfig = WithDefaults<IdentityValues, 'peer'>;
/** /ip/ipsec/mode-config (IKEv2 Configuration payload, RFC 7296 3.15). */
export type ModeConfigConfig = WithDefaults<ModeConfigValues, 'name'>;
export type PolicyConfig = WithDefaults<PolicyValues, 'peer'> & {
  /** Opaque id of the caller's policy entry, echoed in installSa so CHILD_SAs can be counted per policy. */
  id?: number;
};

/**
 * What a profile negotiates in IKE_SA_INIT, as one comparable string (order-free lists, defaults filled in): two
 * peers whose profiles give the same key would have negotiated the same IKE SA, so the responder may still move an
 * initiator between them at IKE_AUTH, by its identity.
 */
export function ikeAlgorithmsKey(
  p: Partial<Pick<ProfileConfig, 'hash-algorithm' | 'prf-algorithm' | 'enc-algorithm' | 'dh-group'>> | undefined,
): string {
  const d = DEFAULT_PROFILE;
  return JSON.stringify([
    [...(p?.['enc-algorithm'] ?? d['enc-algorithm'])].sort(),
    p?.['hash-algorithm'] ?? d['hash-algorithm'],
    p?.['prf-algorithm'] ?? d['prf-algorithm'],
    [...(p?.['dh-group'] ?? d['dh-group'])].sort(),
  ]);
}

export interface IkeConfig {
  peers: PeerConfig[];
  profiles?: ProfileConfig[];
  proposals?: ProposalConfig[];
  identities?: IdentityConfig[];
  policies?: PolicyConfig[];
  modeConfigs?: ModeConfigConfig[];
  certificates?: CertificateConfig[];
  /** /ip/pool: address ranges mode configs with `address-pool` lease client addresses from. */
  pools?: PoolConfig[];
  /**
   * /ip/ipsec/user: who may log in with EAP-MSCHAPv2 where an identity has auth-method=eap-radius (checked here,
   * not by a RADIUS server); `address` is then the user's mode config address instead of a pool lease.
   */
  users?: EapUser[];
  /** This router's own DNS servers: what mode configs with system-dns=yes (and no static-dns) hand out. */
  systemDns?: string[];
}

/** A certificate as PEM (RouterOS /certificate): with its private key for our own, trusted for CAs. */
export interface CertificateConfig {
  name: string;
  /** X.509 certificate, PEM. */
  certificate: string;
  /** PKCS#8/PKCS#1/SEC1 private key, PEM. */
  'private-key'?: string;
  /** A trust anchor (CA) for peers' certificates. */
  trusted?: boolean;
}

// RouterOS defaults come from the schema, the one home of field defaults.
export const DEFAULT_PROFILE: ProfileValues = { ...defaults(profileMenu), name: 'default' };
export const DEFAULT_PROPOSAL: ProposalValues = { ...defaults(proposalMenu), name: 'default' };

export interface ResolvedPeer {
  peer: PeerConfig;
  profile: ProfileValues;
  identity: IdentityConfig | undefined;
  /** The identity's mode-config entry, if any (responder=yes: we hand it out; no: we request). */
  modeConfig: ModeConfigConfig | undefined;
  policies: PolicyEntry[];
}

/** A policy the SA negotiates for: configured, or generated from a template (responder, generate-policy). */
export interface PolicyEntry {
  policy: PolicyConfig;
  proposal: ProposalValues;
  generated?: GeneratedPolicy;
  /** Removed from the configuration while its CHILD_SA is up: that one is being deleted, no new one negotiated. */
  retired?: boolean;
}

export interface GeneratedPolicy {
  /** Engine-wide ids, one per (local, remote) selector pair, as in the policyAdded/policyRemoved actions. */
  ids: number[];
  /** Template group and identity setting it came from. */
  group: string;
  mode: 'port-override' | 'port-strict';
  level: 'require' | 'unique' | 'use';
  /** Traffic selectors as negotiated: local (our side) and remote. */
  local: TrafficSelector[];
  remote: TrafficSelector[];
  /** CHILD_SAs using it; the policy goes with the last one. */
  refs: number;
  /** Not (or no longer) in use: not announced, its slot may be reused. */
  removed: boolean;
}

/** Enabled identities of a peer, in configuration order. */
export function identitiesOf(cfg: IkeConfig, peer: string): IdentityConfig[] {
  return (cfg.identities ?? []).filter((i) => i.peer === peer && !i.disabled);
}

export function proposalByName(cfg: IkeConfig, name: string | undefined): ProposalValues {
  const pn = name ?? 'default';
  const found = cfg.proposals?.find((p) => p.name === pn && !p.disabled);
  return { ...DEFAULT_PROPOSAL, ...(found ?? {}), name: pn };
}

/** The peer's settings; `chosen` picks one of its identities (responder, by the peer's ID), else the first. */
export function resolvePeer(cfg: IkeConfig, name: string, chosen?: IdentityConfig): ResolvedPeer | undefined {
  const peer = cfg.peers.find((p) => p.name === name && !p.disabled);
  if (!peer) return undefined;
  const profName = peer.profile ?? 'default';
  const prof = cfg.profiles?.find((p) => p.name === profName);
  const profile = { ...DEFAULT_PROFILE, ...(prof ?? {}), name: profName };
  const identity = chosen ?? identitiesOf(cfg, name)[0];
  const policies = (cfg.policies ?? [])
    .filter((p) => p.peer === name && !p.disabled && !p.template && (p.action ?? 'encrypt') === 'encrypt')
    .map((policy) => ({ policy, proposal: proposalByName(cfg, policy.proposal) }));
  const mcName = identity?.['mode-config'];
  const modeConfig =
    mcName && mcName !== 'none'
      ? (cfg.modeConfigs?.find((m) => m.name === mcName) ??
        (mcName === 'request-only' ? { name: 'request-only', responder: false } : undefined))
      : undefined;
  return { peer, profile, identity, modeConfig, policies };
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

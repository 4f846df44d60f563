// Engine outputs. Every input returns a list of these; the last one is always `nextTimer`.
import type { EspCipherName, HashName } from '@ipsec/schema';
import type { Endpoint } from './ike-sa.ts';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface SendAction {
  type: 'send';
  from: Endpoint;
  to: Endpoint;
  /** UDP payload (already carrying the 4-byte non-ESP marker when either port is 4500). */
  data: Uint8Array;
}

export interface SaDirection {
  /** SPI as an unsigned 32-bit number. */
  spi: number;
  encAlgorithm: EspCipherName;
  /** Cipher key followed by the salt for GCM/CTR/ChaCha20-Poly1305 (RFC 4106/3686/7634 layout). */
  encKey: Uint8Array;
  integAlgorithm?: HashName;
  integKey?: Uint8Array;
  src: string;
  dst: string;
}

/**
 * A traffic selector as it leaves the engine: an address range, one IP protocol (0 = any) and a port range
 * (0-65535 = any). The data plane turns it into its own selectors; people see formatTs's text instead.
 */
export interface TsRange {
  start: string;
  end: string;
  protocol: number;
  startPort: number;
  endPort: number;
}

export interface InstallSaAction {
  type: 'installSa';
  ikeSa: number;
  child: number;
  peer: string;
  protocol: 'esp';
  mode: 'tunnel' | 'transport';
  /** UDP encapsulation ports when a NAT was detected (RFC 3948). */
  encap?: { localPort: number; remotePort: number };
  esn: boolean;
  inbound: SaDirection;
  outbound: SaDirection;
  /** Local and remote traffic selectors. */
  tsLocal: TsRange[];
  tsRemote: TsRange[];
  lifetime: number;
  /** The CHILD_SA this one replaces (rekey), if any. */
  replaces?: number;
  /** The configured policy it serves (PolicyConfig.id), when the config gave ids. */
  policyId?: number;
  /** Or the generated policies it serves (see policyAdded). */
  generatedPolicies?: number[];
}

/**
 * A policy generated from a template (identity generate-policy, responder): it lives while a CHILD_SA uses it
 * and is announced before that CHILD_SA's installSa. Addresses/ports are from our side (src) to the peer (dst).
 */
export interface PolicyAddedAction {
  type: 'policyAdded';
  /** Engine-wide id, unique for the engine's life. */
  policy: number;
  ikeSa: number;
  peer: string;
  /** Prefix when the selector is one ("10.0.0.0/24"), else a range ("10.0.0.1-10.0.0.7"). */
  srcAddress: string;
  dstAddress: string;
  srcPort: number | 'any';
  dstPort: number | 'any';
  /** RouterOS protocol name ('all', 'tcp', 'udp', 'gre', ...) or number. */
  protocol: string;
  tunnel: boolean;
  level: 'require' | 'unique' | 'use';
  proposal: string;
  /** Template group it was checked against. */
  group: string;
  /** SA endpoints (sa-src-address / sa-dst-address). */
  saSrc: string;
  saDst: string;
}

export interface PolicyRemovedAction {
  type: 'policyRemoved';
  policy: number;
  ikeSa: number;
  peer: string;
  reason: string;
}

export interface DeleteSaAction {
  type: 'deleteSa';
  ikeSa: number;
  child: number;
  peer: string;
  inboundSpi: number;
  outboundSpi: number;
  reason: string;
}

export interface EventAction {
  type: 'event';
  level: LogLevel;
  message: string;
  ikeSa?: number;
  peer?: string;
}

export interface IkeStateAction {
  type: 'ikeSaState';
  ikeSa: number;
  peer: string;
  state: string;
  local: Endpoint;
  remote: Endpoint;
  spiI: string;
  spiR: string;
  /** We started this IKE SA. */
  initiator: boolean;
  /** 1 for an IKEv1 (ISAKMP) SA; absent for IKEv2. */
  version?: 1;
  /** Mode config: the address assigned to the peer (we are responder) or to us (initiator). */
  virtualIp?: string;
  /** EAP: the user the peer authenticated as (we are responder) or we did (initiator). */
  eapUser?: string;
  /** The peer's authenticated identity, once IKE_AUTH is done ("fqdn:vpn.example", "CN=...", an address). */
  remoteId?: string;
}

/**
 * The IKE SA `replaces` was rekeyed (RFC 7296 2.18): its CHILD_SAs (ids in `children`, unchanged in the
 * data plane) now belong to `ikeSa`. The old SA reports state 'rekeyed' and then 'dead' without deleteSa actions.
 */
export interface IkeSaRekeyedAction {
  type: 'ikeSaRekeyed';
  ikeSa: number;
  replaces: number;
  peer: string;
  children: number[];
}

export interface NextTimerAction {
  type: 'nextTimer';
  /** Absolute time (same clock as tick) of the next timer, or null when nothing is scheduled. */
  at: number | null;
}

export type Action =
  | SendAction
  | InstallSaAction
  | DeleteSaAction
  | EventAction
  | IkeStateAction
  | IkeSaRekeyedAction
  | PolicyAddedAction
  | PolicyRemovedAction
  | NextTimerAction;

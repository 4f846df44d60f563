// The data plane interface: one interface, two backends (kernel XFRM, userspace ESP) behind it.
import type { EspCipherName, HashName, Result, StatCounter } from '@ipsec/schema';

export type Direction = 'in' | 'out' | 'fwd';
export type Mode = 'tunnel' | 'transport';
/**
 * Policy level (RouterOS): require = drop until an SA exists (and acquire one); use = pass in clear
 * without one; unique = require, with an SA of its own (the caller gives each such policy its own reqid).
 */
export type Level = 'require' | 'use' | 'unique';

/** A traffic selector as XFRM matches it: prefixes, one protocol, a port with a mask. */
export interface Selector {
  /** "10.1.0.0/16", "2001:db8::/48", or a bare address. Both sides in one family. */
  src: string;
  dst: string;
  /** IP protocol number, 0 = any. */
  protocol: number;
  /** 0 = any. With a mask (default 0xffff when the port is not 0) a port range can be one selector. */
  srcPort?: number;
  srcPortMask?: number;
  dstPort?: number;
  dstPortMask?: number;
  /** Restrict to an interface (ifindex), 0/undefined = any. */
  ifindex?: number;
}

export interface SaLifetime {
  softSeconds?: number;
  hardSeconds?: number;
  softBytes?: number;
  hardBytes?: number;
  softPackets?: number;
  hardPackets?: number;
}

/** One direction of a CHILD_SA, as the data plane installs it. */
export interface SaSpec {
  spi: number;
  /** SA endpoints (outer addresses). */
  src: string;
  dst: string;
  protocol: 'esp';
  mode: Mode;
  /** Ties the SA to policy templates. */
  reqid: number;
  encAlgorithm: EspCipherName;
  /** Cipher key followed by the salt for GCM/CTR/ChaCha20-Poly1305, exactly as the IKE engine derives it. */
  encKey: Uint8Array;
  integAlgorithm?: HashName;
  integKey?: Uint8Array;
  /** ESP in UDP (RFC 3948): our port and the peer's, as seen on this SA (sport = src side). */
  encap?: { sport: number; dport: number };
  esn: boolean;
  /** Anti-replay window in packets (0 = off; outbound SAs keep 0). */
  replayWindow: number;
  lifetime?: SaLifetime;
  /** Inner traffic this SA may carry (transport mode mostly); absent = anything the policy sends. */
  selector?: Selector;
  /** Which way traffic flows through this SA, relative to us. */
  direction?: 'in' | 'out';
}

export interface SaKey {
  spi: number;
  dst: string;
  protocol: 'esp';
  /** Narrows the lookup when SPIs collide across sources (XFRMA_SRCADDR). */
  src?: string;
}

export interface PolicyTemplate {
  /** Tunnel endpoints; transport mode leaves them out. */
  src?: string;
  dst?: string;
  protocol: 'esp';
  mode: Mode;
  reqid: number;
  level: Level;
}

export interface PolicySpec {
  selector: Selector;
  dir: Direction;
  /** Lower wins (the kernel's order). Use policyPriority(position) to follow the config's policy order. */
  priority: number;
  action: 'encrypt' | 'discard' | 'none';
  /** action=encrypt: the SAs to apply, outermost last. */
  templates: PolicyTemplate[];
}

export interface PolicyKey {
  selector: Selector;
  dir: Direction;
}

export interface PolicyInfo extends PolicySpec {
  /** The kernel's policy index. */
  index: number;
  counters: { bytes: number; packets: number; addTime: number; useTime: number };
}

export interface SaCounters {
  bytes: number;
  packets: number;
  /** Unix seconds; useTime 0 = never used. */
  addTime: number;
  useTime: number;
  replayDropped: number;
  integrityFailed: number;
}

export interface SaInfo {
  spi: number;
  src: string;
  dst: string;
  protocol: 'esp' | 'ah' | 'comp' | number;
  mode: Mode;
  reqid: number;
  /** Backend's algorithm names (the kernel's crypto API names for the kernel backend). */
  enc?: string;
  auth?: string;
  encap?: { sport: number; dport: number };
  replayWindow: number;
  esn: boolean;
  /** Larval SA created by an ACQUIRE or an SPI allocation, not yet keyed. */
  larval: boolean;
  counters: SaCounters;
}

/** Which backend runs and why (the UI shows it). */
export interface Capability {
  backend: 'kernel' | 'userspace';
  reason: string;
  /** The userspace backend's TUN device. */
  device?: string;
  /** The userspace backend can send and receive raw ESP (else ESP travels only in UDP). */
  rawEsp?: boolean;
}

export type DataPlaneEvent =
  | {
      /** Traffic matched a policy with no SA: start IKE for it (as RouterOS does). */
      type: 'acquire';
      /** The packet's own selector (addresses of the packet, /32 or /128). */
      packet: Selector;
      policy: { selector: Selector; dir: Direction; index: number; priority: number };
      template?: PolicyTemplate;
      /** Kernel's acquire sequence number (answer it with an SA carrying this seq). */
      seq: number;
    }
  | {
      /** soft: rekey now; hard: the SA is gone. */
      type: 'expire';
      hard: boolean;
      spi: number;
      src: string;
      dst: string;
      reqid: number;
      counters: SaCounters;
    }
  | { type: 'error'; message: string }
  | { type: 'warning'; message: string };

export interface DataPlane {
  readonly capability: Capability;
  installSa(sa: SaSpec): Promise<void>;
  /** Replace an installed SA's parameters (lifetime, encap ports after a NAT mapping change). */
  updateSa(sa: SaSpec): Promise<void>;
  deleteSa(key: SaKey): Promise<void>;
  installPolicy(p: PolicySpec): Promise<void>;
  removePolicy(key: PolicyKey): Promise<void>;
  listPolicies(): Promise<PolicyInfo[]>;
  listSas(): Promise<SaInfo[]>;
  counters(key: SaKey): Promise<SaCounters | undefined>;
  /** The Statistics menu's counters (STAT_COUNTERS names) as this backend counts them. */
  statistics(): Partial<Record<StatCounter, number>>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (e: DataPlaneEvent) => void): () => void;
  close(): Promise<void>;
}

/**
 * A data plane as an IKE daemon runs it (openDataPlane): a backend with its side of the host plumbed in. The IKE
 * sockets are the daemon's; these say what the backend needs from them.
 */
export interface HostedDataPlane extends DataPlane {
  /** ESP can only travel in UDP here (no raw ESP sockets): IKE must always encapsulate. */
  readonly udpOnly: boolean;
  /** SAs are offloaded to hardware (RouterOS hw-aead). */
  readonly hardwareAead: boolean;
  /** An IKE socket was bound (natt: on the NAT-T port): prepare it; an error lists what could not be done. */
  ikeSocketBound(address: string, port: number, natt: boolean): Result<void, string[]>;
  /** An ESP payload (SPI..ICV) that arrived in UDP on the NAT-T socket. */
  receiveEsp(payload: Uint8Array): void;
}

/** Kernel priority for the policy at `position` (0-based) in the config's policy list: earlier wins. */
export function policyPriority(position: number, base = 1000): number {
  return base + position;
}

/** A policy's identity as both backends see it (selector and direction; the priority is not part of it). */
export function policyKeyText(p: PolicyKey): string {
  const s = p.selector;
  return `${p.dir} ${s.src} ${s.dst} ${s.protocol} ${s.srcPort ?? ''} ${s.dstPort ?? ''}`;
}

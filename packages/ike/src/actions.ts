// Engine outputs. Every input returns a list of these; the last one is always `nextTimer`.
import type { EspCipherName, HashName } from '@ipsec/schema';
import type { Endpoint } from './ike_sa.ts';

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
  /** Local and remote traffic selectors as text ("10.0.0.0-10.0.0.255/6[80]"). */
  tsLocal: string[];
  tsRemote: string[];
  lifetime: number;
  /** The CHILD_SA this one replaces (rekey), if any. */
  replaces?: number;
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
  /** Mode config: the address assigned to the peer (we are responder) or to us (initiator). */
  virtualIp?: string;
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

export type Action = SendAction | InstallSaAction | DeleteSaAction | EventAction | IkeStateAction | IkeSaRekeyedAction | NextTimerAction;

// What exchanges may ask of the engine: time, randomness, logging, sending and SA bookkeeping.
import type { Payload } from './codec/payload.ts';
import type { ParsedMessage } from './codec/message.ts';
import type { IkeConfig } from './config.ts';
import type { RandomSource } from './crypto/random.ts';
import type { Action, LogLevel } from './actions.ts';
import type { AddressLeases } from './pools.ts';
import type { ChildSa, Endpoint, IkeSa, ResponseHandler } from './ike-sa.ts';
import type { DropReason } from './statistics.ts';

export interface Ctx {
  readonly random: RandomSource;
  readonly config: IkeConfig;
  /** Pretend to be behind a NAT so every CHILD_SA uses UDP encapsulation (EngineOptions.forceEncap). */
  readonly forceEncap: boolean;
  now(): number;
  log(level: LogLevel, message: string, sa?: IkeSa): void;
  /** Log a datagram the unit drops, and count it (statistics). */
  drop(reason: DropReason, level: LogLevel, message: string, sa?: IkeSa): void;
  emit(action: Action): void;
  /** Send a request on `sa` (encrypted unless IKE_SA_INIT), queued behind any outstanding request; retransmitted until answered. */
  request(
    sa: IkeSa,
    exchange: number,
    payloads: Payload[],
    what: string,
    onResponse: ResponseHandler,
    onTimeout?: () => void,
    opts?: RequestOptions,
  ): void;
  /** Answer the peer's request (encrypted unless IKE_SA_INIT) and cache the answer for retransmitted requests. */
  respond(sa: IkeSa, req: ParsedMessage, payloads: Payload[]): void;
  /** Send bytes outside any SA (stateless IKE_SA_INIT error answers). */
  sendRaw(from: Endpoint, to: Endpoint, data: Uint8Array): void;
  /** Register a new IKE SA under its local SPI. */
  register(sa: IkeSa): void;
  newIkeSaId(): number;
  newChildId(): number;
  /** A fresh, unused, non-zero 4-byte ESP SPI. */
  newEspSpi(): Uint8Array;
  installChild(
    sa: IkeSa,
    child: ChildSa,
    keys: { encI: Uint8Array; integI: Uint8Array; encR: Uint8Array; integR: Uint8Array },
  ): void;
  removeChild(sa: IkeSa, child: ChildSa, reason: string): void;
  /** Tear down the IKE SA and its children locally (no message). */
  destroy(sa: IkeSa, reason: string): void;
  /** Move the CHILD_SAs of `from` onto its rekeyed successor `to` (RFC 7296 2.18). */
  adoptChildren(from: IkeSa, to: IkeSa): void;
  /** Start a new IKE SA with the peer (re-establishing one whose hard lifetime ran out). */
  initiate(peer: string, local: Endpoint): void;
  /** Every live IKE SA (INITIAL_CONTACT, collisions). */
  allSas(): IkeSa[];
  /** IP pool leases of mode config (address-pool), held per IKE SA. */
  readonly leases: AddressLeases;
  /** A uniformly random number in [0, 1) from the injected randomness (timer jitter). */
  jitter(): number;
}

export interface RequestOptions {
  /** First retransmission timeout (ms), backoff base and retransmissions before giving up. */
  timeout?: number;
  base?: number;
  tries?: number;
}

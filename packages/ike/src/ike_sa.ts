// The state an IKE SA carries between exchanges. Plain data; the exchanges and the engine mutate it.
import type { Payload } from './codec/payload.ts';
import type { ParsedMessage } from './codec/message.ts';
import type { Proposal } from './codec/payloads/sa.ts';
import type { TrafficSelector } from './codec/payloads/ts.ts';
import type { ResolvedPeer } from './config.ts';
import type { DhKeyPair } from './crypto/dh.ts';
import type { IkeKeys } from './crypto/keymat.ts';
import type { EspSuite, IkeSuite } from './proposals.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export type IkeState =
  | 'init-sent' // initiator: IKE_SA_INIT request out
  | 'auth-sent' // initiator: IKE_AUTH request out
  | 'init-done' // responder: IKE_SA_INIT answered, waiting for IKE_AUTH
  | 'established'
  | 'deleting'
  | 'dead';

export interface ChildSa {
  id: number;
  policyIndex: number;
  suite: EspSuite;
  mode: 'tunnel' | 'transport';
  /** SPI we allocated: the peer sends to it (inbound). */
  spiIn: Uint8Array;
  /** SPI the peer allocated: we send to it (outbound). */
  spiOut: Uint8Array;
  tsLocal: TrafficSelector[];
  tsRemote: TrafficSelector[];
  lifetime: number;
  createdAt: number;
  rekeyAt?: number;
  state: 'installed' | 'rekeying' | 'deleting';
  /** Whether we initiated the exchange that created it (decides the key order, RFC 7296 2.17). */
  weInitiated: boolean;
  /** Id of the CHILD_SA this one rekeyed. */
  replaces?: number;
}

/** A CHILD_SA being negotiated by us as initiator (IKE_AUTH or CREATE_CHILD_SA). */
export interface PendingChild {
  policyIndex: number;
  spi: Uint8Array;
  proposals: Proposal[];
  tsi: TrafficSelector[];
  tsr: TrafficSelector[];
  transport: boolean;
  nonce?: Uint8Array;
  dh?: DhKeyPair;
  rekeys?: ChildSa;
}

export type ResponseHandler = (msg: ParsedMessage, payloads: Payload[]) => void;

export interface PendingRequest {
  exchange: number;
  messageId: number;
  packet: Uint8Array;
  sentAt: number;
  retransmits: number;
  nextAt: number;
  onResponse: ResponseHandler;
  /** Called when retransmissions are exhausted. */
  onTimeout?: () => void;
  what: string;
}

export interface IkeSa {
  id: number;
  peerName: string;
  rp: ResolvedPeer;
  initiator: boolean;
  spiI: Uint8Array;
  spiR: Uint8Array;
  state: IkeState;
  local: Endpoint;
  remote: Endpoint;
  ni: Uint8Array;
  nr?: Uint8Array;
  dh?: DhKeyPair;
  suite?: IkeSuite;
  keys?: IkeKeys;
  myProposals: Proposal[];
  initRequest?: Uint8Array;
  initResponse?: Uint8Array;
  cookie?: Uint8Array;
  /** Message ID of the next request we send. */
  nextMsgId: number;
  /** Message ID we expect on the peer's next request. */
  peerMsgId: number;
  pending?: PendingRequest;
  /** Requests waiting for the window (size 1). */
  queue: (() => void)[];
  lastResponse?: { messageId: number; packets: Uint8Array[] };
  children: ChildSa[];
  pendingChild?: PendingChild;
  nat: { local: boolean; remote: boolean };
  createdAt: number;
  establishedAt?: number;
  lastHeard: number;
  dpdFailures: number;
  nextDpdAt?: number;
  expireAt?: number;
}

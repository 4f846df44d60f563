// The state an IKE SA carries between exchanges. Plain data; the exchanges and the engine mutate it. An SA is
// keyed (suite, keys and both nonces) once IKE_SA_INIT is done: only an initiator waiting for the IKE_SA_INIT answer
// (or one that died waiting) is not, so the types say which code may touch the keys.
import type { Payload } from './codec/payload.ts';
import type { ParsedMessage } from './codec/message.ts';
import type { Proposal } from './codec/payloads/sa.ts';
import type { TrafficSelector } from './codec/payloads/ts.ts';
import type { ResolvedPeer } from './config.ts';
import type { DhKeyPair } from './crypto/dh.ts';
import type { IkeKeys } from './crypto/keymat.ts';
import type { EspSuite, IkeSuite } from './proposals.ts';
import type { IdPayload } from './codec/payloads/id.ts';
import type { EapClientState, EapServerState, EapUser } from './auth/eap.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export type IkeState =
  | 'init-sent' // initiator: IKE_SA_INIT request out
  | 'auth-sent' // initiator: IKE_AUTH request out
  | 'init-done' // responder: IKE_SA_INIT answered, waiting for IKE_AUTH
  | 'established'
  | 'rekeyed' // replaced by a rekeyed IKE SA; waiting for the peer's Delete (or our own)
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
  state: 'installed' | 'rekeying' | 'rekeyed' | 'deleting';
  /** Whether we initiated the exchange that created it (decides the key order, RFC 7296 2.17). */
  weInitiated: boolean;
  /** Id of the CHILD_SA this one rekeyed. */
  replaces?: number;
  /** The peer rekeyed this CHILD_SA while our own rekey of it was outstanding (RFC 7296 2.8.1). */
  peerRekey?: { child: ChildSa; ni: Uint8Array; nr: Uint8Array };
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
}

export type ResponseHandler = (msg: ParsedMessage, payloads: Payload[]) => void;

export interface PendingRequest {
  exchange: number;
  messageId: number;
  /** The request as sent: one datagram, or its fragments (RFC 7383). */
  packets: Uint8Array[];
  /** Retransmission timeout/backoff/tries for this request. */
  timeout: number;
  base: number;
  tries: number;
  retransmits: number;
  nextAt: number;
  onResponse: ResponseHandler;
  /** Called when retransmissions are exhausted. */
  onTimeout?: () => void;
  what: string;
}

interface SaCommon {
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
  /** Policy indexes with a CREATE_CHILD_SA (not a rekey) of ours outstanding. */
  creatingChildren?: Set<number>;
  nat: { local: boolean; remote: boolean };
  createdAt: number;
  /** Responder before IKE_AUTH: its key in the engine's half-open table (SPIi and the address it came from). */
  halfOpenKey?: string;
  establishedAt?: number;
  lastHeard: number;
  /** Behind a NAT: when the next NAT-T keepalive goes out (RFC 3948 2.3). */
  keepaliveAt?: number;
  /** When we start rekeying this IKE SA (soft lifetime, with jitter). */
  rekeyAt?: number;
  /** Our IKE SA rekey in progress (RFC 7296 1.3.2). */
  rekey?: { ni: Uint8Array; spi: Uint8Array };
  /** An IKE SA rekey the peer did while ours was outstanding (collision, 2.8.2). */
  peerRekey?: { sa: IkeSa; ni: Uint8Array; nr: Uint8Array };
  /** State 'rekeyed': give up waiting for the peer's Delete at this time. */
  rekeyedUntil?: number;
  /** Hash algorithms the peer announced in SIGNATURE_HASH_ALGORITHMS (RFC 7427). */
  peerSigHashes?: number[];
  /** The CAs the peer named in its CERTREQ (SHA-1 of each SubjectPublicKeyInfo, hex; RFC 7296 3.7). */
  peerAuthorities?: string[];
  /** Both sides announced IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383). */
  fragmentation: boolean;
  /** Reassembly of an incoming fragmented message (bounded). */
  frag?: {
    messageId: number;
    response: boolean;
    total: number;
    innerNext: number;
    pieces: Map<number, Uint8Array>;
    bytes: number;
  };
  /** The authenticated peer identity (formatted), once IKE_AUTH is done. */
  remoteId?: string;
  /** EAP in IKE_AUTH (RFC 7296 2.16) while it runs. */
  eap?: EapClientExchange | EapServerExchange;
  /** The EAP user the peer authenticated as (responder) or we did (initiator). */
  eapUser?: string;
  /** Mode config (CP): the address we assigned to the peer (responder) or were assigned (initiator). */
  virtualIp?: string;
  /** Initiator with mode-config request-only: the attributes we received. */
  cpReceived?: { dns: string[]; subnets: string[] };
}

/** Initiator before the IKE_SA_INIT answer: our DH key pair, no keys yet. */
export interface UnkeyedSa extends SaCommon {
  state: 'init-sent' | 'dead';
  dh: DhKeyPair;
  nr?: undefined;
  suite?: undefined;
  keys?: undefined;
}

/** IKE_SA_INIT done: the negotiated suite, the keys and the responder's nonce. */
export interface KeyedSa extends SaCommon {
  state: Exclude<IkeState, 'init-sent'>;
  dh?: undefined;
  nr: Uint8Array;
  suite: IkeSuite;
  keys: IkeKeys;
}

export type IkeSa = UnkeyedSa | KeyedSa;

/**
 * Our initiator's IKE_SA_INIT is answered: the same object (the engine's tables hold it) now carries the keys, and
 * IKE_AUTH comes next.
 */
export function withKeys(sa: UnkeyedSa, k: Pick<KeyedSa, 'nr' | 'suite' | 'keys'>): KeyedSa {
  const next: SaCommon = Object.assign(sa, k, { dh: undefined });
  next.state = 'auth-sent';
  return next as KeyedSa;
}

/** The exchange bookkeeping every new IKE SA starts with (initiator, responder and rekeyed alike). */
export function newSaBookkeeping(
  now: number,
): Pick<SaCommon, 'nextMsgId' | 'queue' | 'children' | 'nat' | 'createdAt' | 'lastHeard' | 'fragmentation'> {
  return {
    nextMsgId: 0,
    queue: [],
    children: [],
    nat: { local: false, remote: false },
    createdAt: now,
    lastHeard: now,
    fragmentation: false,
  };
}

/** EAP client (initiator, auth-method=eap): the server's IDr once its certificate AUTH checked, the MSK after success. */
export interface EapClientExchange {
  role: 'client';
  client: EapClientState;
  /** The IDi of the first IKE_AUTH request: both AUTH payloads after EAP sign it. */
  idi: IdPayload;
  idr?: IdPayload;
  msk?: Uint8Array;
}

/** EAP server (responder, auth-method=eap-radius): answers the first request's rest once EAP succeeded. */
export interface EapServerExchange {
  role: 'server';
  server: EapServerState;
  idi: IdPayload;
  /** Our IDr, signed by certificate in the first answer and again by the MSK AUTH. */
  idr: IdPayload;
  /** The first IKE_AUTH request (SA, TSi, TSr, CP, notifies), answered after EAP. */
  first: Payload[];
  /** Set once EAP succeeded: the key of both AUTH payloads, and the user. */
  done?: { msk: Uint8Array; user: EapUser };
}

// IANA IKEv2 registry numbers used on the wire (RFC 7296 section 3 and the IANA "IKEv2 Parameters" registry).

export const PayloadType = {
  NONE: 0,
  SA: 33,
  KE: 34,
  IDi: 35,
  IDr: 36,
  CERT: 37,
  CERTREQ: 38,
  AUTH: 39,
  NONCE: 40,
  NOTIFY: 41,
  DELETE: 42,
  VENDOR: 43,
  TSi: 44,
  TSr: 45,
  SK: 46,
  CP: 47,
  EAP: 48,
  SKF: 53,
} as const;

export const ExchangeType = {
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL: 37,
} as const;

export const Flags = { INITIATOR: 0x08, VERSION: 0x10, RESPONSE: 0x20 } as const;

export const ProtocolId = { NONE: 0, IKE: 1, AH: 2, ESP: 3 } as const;

export const TransformType = { ENCR: 1, PRF: 2, INTEG: 3, DH: 4, ESN: 5 } as const;

export const AttributeType = { KEY_LENGTH: 14 } as const;

export const IdType = {
  IPV4_ADDR: 1,
  FQDN: 2,
  RFC822_ADDR: 3,
  IPV6_ADDR: 5,
  DER_ASN1_DN: 9,
  DER_ASN1_GN: 10,
  KEY_ID: 11,
} as const;

export const AuthMethod = {
  RSA: 1,
  SHARED_KEY_MIC: 2,
  DSS: 3,
  ECDSA_256: 9,
  ECDSA_384: 10,
  ECDSA_521: 11,
  DIGITAL_SIGNATURE: 14,
} as const;

export const TsType = { IPV4_ADDR_RANGE: 7, IPV6_ADDR_RANGE: 8 } as const;

export const CfgType = { REQUEST: 1, REPLY: 2, SET: 3, ACK: 4 } as const;

export const NotifyType = {
  // errors
  UNSUPPORTED_CRITICAL_PAYLOAD: 1,
  INVALID_IKE_SPI: 4,
  INVALID_MAJOR_VERSION: 5,
  INVALID_SYNTAX: 7,
  INVALID_MESSAGE_ID: 9,
  INVALID_SPI: 11,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_KE_PAYLOAD: 17,
  AUTHENTICATION_FAILED: 24,
  SINGLE_PAIR_REQUIRED: 34,
  NO_ADDITIONAL_SAS: 35,
  INTERNAL_ADDRESS_FAILURE: 36,
  FAILED_CP_REQUIRED: 37,
  TS_UNACCEPTABLE: 38,
  INVALID_SELECTORS: 39,
  TEMPORARY_FAILURE: 43,
  CHILD_SA_NOT_FOUND: 44,
  // status
  INITIAL_CONTACT: 16384,
  SET_WINDOW_SIZE: 16385,
  ADDITIONAL_TS_POSSIBLE: 16386,
  IPCOMP_SUPPORTED: 16387,
  NAT_DETECTION_SOURCE_IP: 16388,
  NAT_DETECTION_DESTINATION_IP: 16389,
  COOKIE: 16390,
  USE_TRANSPORT_MODE: 16391,
  HTTP_CERT_LOOKUP_SUPPORTED: 16392,
  REKEY_SA: 16393,
  ESP_TFC_PADDING_NOT_SUPPORTED: 16394,
  NON_FIRST_FRAGMENTS_ALSO: 16395,
  IKEV2_FRAGMENTATION_SUPPORTED: 16430,
  SIGNATURE_HASH_ALGORITHMS: 16431,
} as const;

/** IANA names of the notify types we do not act on (RFC 7296 3.10.1 and the IKEv2 registry), for the Log. */
const OTHER_NOTIFY_NAMES: Record<number, string> = {
  40: 'UNACCEPTABLE_ADDRESSES',
  41: 'UNEXPECTED_NAT_DETECTED',
  42: 'USE_ASSIGNED_HoA',
  45: 'INVALID_GROUP_ID',
  46: 'AUTHORIZATION_FAILED',
  47: 'STATE_NOT_FOUND',
  48: 'TS_MAX_QUEUE',
  16396: 'MOBIKE_SUPPORTED',
  16397: 'ADDITIONAL_IP4_ADDRESS',
  16398: 'ADDITIONAL_IP6_ADDRESS',
  16399: 'NO_ADDITIONAL_ADDRESSES',
  16400: 'UPDATE_SA_ADDRESSES',
  16401: 'COOKIE2',
  16402: 'NO_NATS_ALLOWED',
  16403: 'AUTH_LIFETIME',
  16404: 'MULTIPLE_AUTH_SUPPORTED',
  16405: 'ANOTHER_AUTH_FOLLOWS',
  16406: 'REDIRECT_SUPPORTED',
  16407: 'REDIRECT',
  16408: 'REDIRECTED_FROM',
  16417: 'EAP_ONLY_AUTHENTICATION',
  16418: 'CHILDLESS_IKEV2_SUPPORTED',
  16419: 'QUICK_CRASH_DETECTION',
  16420: 'IKEV2_MESSAGE_ID_SYNC_SUPPORTED',
  16422: 'IKEV2_MESSAGE_ID_SYNC',
  16432: 'CLONE_IKE_SA_SUPPORTED',
  16433: 'CLONE_IKE_SA',
  16434: 'PUZZLE',
  16435: 'USE_PPK',
  16436: 'PPK_IDENTITY',
  16437: 'NO_PPK_AUTH',
  16438: 'INTERMEDIATE_EXCHANGE_SUPPORTED',
  16439: 'IP4_ALLOWED',
  16440: 'IP6_ALLOWED',
  16441: 'ADDITIONAL_KEY_EXCHANGE',
  16442: 'USE_AGGFRAG',
};
const NOTIFY_NAMES: Record<number, string> = {
  ...OTHER_NOTIFY_NAMES,
  ...Object.fromEntries(Object.entries(NotifyType).map(([name, n]) => [n, name])),
};

/** A notify type as the Log shows it: "TS_UNACCEPTABLE (38)"; unassigned and private ones by number. */
export function notifyName(type: number): string {
  const name = NOTIFY_NAMES[type];
  if (name) return `${name} (${type})`;
  return type >= 8192 && type < 16384 ? `private error notify ${type}` : `notify ${type}`;
}

/** Payload types this implementation understands (everything else is "unknown" for the critical bit). */
export const KNOWN_PAYLOADS: ReadonlySet<number> = new Set(Object.values(PayloadType).filter((t) => t !== 0));

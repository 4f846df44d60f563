// IKEv1 numbers: ISAKMP (RFC 2408 3.1, 3.14, 3.15), IKE (RFC 2409 Appendix A), the IPsec DOI (RFC 2407 4.4-4.6)
// and NAT-T (RFC 3947 3). The IKEv2 constants live in codec/constants.ts; the two registries overlap in name only.

export const ISAKMP_VERSION = 0x10; // major 1, minor 0

export const V1PayloadType = {
  NONE: 0,
  SA: 1,
  PROPOSAL: 2,
  TRANSFORM: 3,
  KE: 4,
  ID: 5,
  CERT: 6,
  CERTREQ: 7,
  HASH: 8,
  SIG: 9,
  NONCE: 10,
  NOTIFY: 11,
  DELETE: 12,
  VID: 13,
  NAT_D: 20,
  /** draft-ietf-ipsec-nat-t-ike-02/03, still sent by older clients. */
  NAT_D_DRAFT: 130,
} as const;

export const V1Exchange = {
  MAIN: 2, // Identity Protection
  AGGRESSIVE: 4,
  INFORMATIONAL: 5,
  TRANSACTION: 6, // mode config
  QUICK: 32,
} as const;

export const V1Flags = { ENCRYPTION: 0x01, COMMIT: 0x02, AUTH_ONLY: 0x04 } as const;

export const DOI_IPSEC = 1;
export const SIT_IDENTITY_ONLY = 1;

/** Protocol IDs of proposals (RFC 2407 4.4.1). */
export const V1Protocol = { ISAKMP: 1, AH: 2, ESP: 3, IPCOMP: 4 } as const;

/** Transform ID of the one phase 1 transform (RFC 2407 4.4.2). */
export const KEY_IKE = 1;

/** Phase 1 attribute classes (RFC 2409 Appendix A). */
export const P1Attr = {
  ENCRYPTION: 1,
  HASH: 2,
  AUTH_METHOD: 3,
  GROUP: 4,
  LIFE_TYPE: 11,
  LIFE_DURATION: 12,
  KEY_LENGTH: 14,
} as const;

export const P1Encryption = {
  DES: 1,
  IDEA: 2,
  BLOWFISH: 3,
  RC5: 4,
  TRIPLE_DES: 5,
  CAST: 6,
  AES: 7,
  CAMELLIA: 8,
} as const;
export const P1Hash = { MD5: 1, SHA1: 2, TIGER: 3, SHA256: 4, SHA384: 5, SHA512: 6 } as const;
export const P1Auth = { PSK: 1, DSS: 2, RSA_SIG: 3, RSA_ENC: 4, RSA_ENC_REV: 5, XAUTH_INIT_PSK: 65001 } as const;
export const LifeType = { SECONDS: 1, KILOBYTES: 2 } as const;

/** IPsec DOI SA attributes for phase 2 (RFC 2407 4.5). */
export const P2Attr = {
  LIFE_TYPE: 1,
  LIFE_DURATION: 2,
  GROUP: 3,
  ENCAPSULATION: 4,
  AUTH_ALG: 5,
  KEY_LENGTH: 6,
} as const;

/** Encapsulation modes: RFC 2407 and the UDP-encapsulated ones of RFC 3947 (and its drafts). */
export const Encapsulation = {
  TUNNEL: 1,
  TRANSPORT: 2,
  UDP_TUNNEL: 3,
  UDP_TRANSPORT: 4,
  UDP_TUNNEL_DRAFT: 61443,
  UDP_TRANSPORT_DRAFT: 61444,
} as const;

/** ESP transform IDs (RFC 2407 4.4.4): the IKEv2 ENCR numbers agree for these. */
export const EspTransform = { DES: 2, TRIPLE_DES: 3, NULL: 11, AES: 12 } as const;
/** Phase 2 authentication algorithms (RFC 2407 4.5, RFC 4868). */
export const P2Auth = { HMAC_MD5: 1, HMAC_SHA1: 2, HMAC_SHA256: 5, HMAC_SHA384: 6, HMAC_SHA512: 7 } as const;

/** ID types (RFC 2407 4.6.2.1). */
export const V1IdType = {
  IPV4_ADDR: 1,
  FQDN: 2,
  USER_FQDN: 3,
  IPV4_ADDR_SUBNET: 4,
  IPV6_ADDR: 5,
  IPV6_ADDR_SUBNET: 6,
  IPV4_ADDR_RANGE: 7,
  IPV6_ADDR_RANGE: 8,
  DER_ASN1_DN: 9,
  KEY_ID: 11,
} as const;

/** Notify message types: ISAKMP errors (RFC 2408 3.14.1), status (RFC 2407 4.6.3), DPD (RFC 3706). */
export const V1Notify = {
  INVALID_PAYLOAD_TYPE: 1,
  DOI_NOT_SUPPORTED: 2,
  SITUATION_NOT_SUPPORTED: 3,
  INVALID_COOKIE: 4,
  INVALID_MAJOR_VERSION: 5,
  INVALID_EXCHANGE_TYPE: 7,
  INVALID_FLAGS: 8,
  INVALID_MESSAGE_ID: 9,
  INVALID_PROTOCOL_ID: 10,
  INVALID_SPI: 11,
  INVALID_TRANSFORM_ID: 12,
  ATTRIBUTES_NOT_SUPPORTED: 13,
  NO_PROPOSAL_CHOSEN: 14,
  BAD_PROPOSAL_SYNTAX: 15,
  PAYLOAD_MALFORMED: 16,
  INVALID_KEY_INFORMATION: 17,
  INVALID_ID_INFORMATION: 18,
  INVALID_HASH_INFORMATION: 23,
  AUTHENTICATION_FAILED: 24,
  INVALID_SIGNATURE: 25,
  RESPONDER_LIFETIME: 24576,
  INITIAL_CONTACT: 24578,
  R_U_THERE: 36136,
  R_U_THERE_ACK: 36137,
} as const;

// The one home of every algorithm name the product knows. The schema enums, the IKE engine's
// transform tables, the UI selects and the docs all read these lists; nothing else spells them.
//
// Names are RouterOS's (seed 000). `iana` is the IKEv2 transform ID (RFC 7296 + IANA registry).
// `extension: true` marks values RouterOS does not offer but this product does (flagged in the UI).

export interface DhGroup {
  name: string;
  iana: number;
  kind: 'modp' | 'ecp' | 'curve';
  bits: number;
  extension?: true;
}

export const DH_GROUPS = [
  { name: 'modp768', iana: 1, kind: 'modp', bits: 768 },
  { name: 'modp1024', iana: 2, kind: 'modp', bits: 1024 },
  { name: 'modp1536', iana: 5, kind: 'modp', bits: 1536 },
  { name: 'modp2048', iana: 14, kind: 'modp', bits: 2048 },
  { name: 'modp3072', iana: 15, kind: 'modp', bits: 3072 },
  { name: 'modp4096', iana: 16, kind: 'modp', bits: 4096 },
  { name: 'modp6144', iana: 17, kind: 'modp', bits: 6144 },
  { name: 'modp8192', iana: 18, kind: 'modp', bits: 8192 },
  { name: 'ecp256', iana: 19, kind: 'ecp', bits: 256 },
  { name: 'ecp384', iana: 20, kind: 'ecp', bits: 384 },
  { name: 'ecp521', iana: 21, kind: 'ecp', bits: 521 },
  { name: 'curve25519', iana: 31, kind: 'curve', bits: 256, extension: true },
] as const satisfies readonly DhGroup[];

export type DhGroupName = (typeof DH_GROUPS)[number]['name'];
export const DH_GROUP_NAMES = DH_GROUPS.map((g) => g.name) as [DhGroupName, ...DhGroupName[]];

export interface Cipher {
  name: string;
  /** IKEv2 ENCR transform ID; undefined where IKEv2 has none (blowfish/twofish/camellia in ESP only). */
  iana?: number;
  keyBits: number;
  aead: boolean;
  extension?: true;
}

// Phase 1 (profile enc-algorithm): RouterOS names without a mode suffix mean CBC.
export const IKE_CIPHERS = [
  { name: 'des', iana: 2, keyBits: 64, aead: false },
  { name: '3des', iana: 3, keyBits: 192, aead: false },
  { name: 'aes-128', iana: 12, keyBits: 128, aead: false },
  { name: 'aes-192', iana: 12, keyBits: 192, aead: false },
  { name: 'aes-256', iana: 12, keyBits: 256, aead: false },
  { name: 'blowfish', iana: 7, keyBits: 128, aead: false },
  { name: 'camellia-128', iana: 23, keyBits: 128, aead: false },
  { name: 'camellia-192', iana: 23, keyBits: 192, aead: false },
  { name: 'camellia-256', iana: 23, keyBits: 256, aead: false },
  { name: 'aes-128-gcm', iana: 20, keyBits: 128, aead: true, extension: true },
  { name: 'aes-192-gcm', iana: 20, keyBits: 192, aead: true, extension: true },
  { name: 'aes-256-gcm', iana: 20, keyBits: 256, aead: true, extension: true },
  { name: 'aes-128-ctr', iana: 13, keyBits: 128, aead: false, extension: true },
  { name: 'aes-192-ctr', iana: 13, keyBits: 192, aead: false, extension: true },
  { name: 'aes-256-ctr', iana: 13, keyBits: 256, aead: false, extension: true },
  { name: 'chacha20poly1305', iana: 28, keyBits: 256, aead: true, extension: true },
] as const satisfies readonly Cipher[];

export type IkeCipherName = (typeof IKE_CIPHERS)[number]['name'];
export const IKE_CIPHER_NAMES = IKE_CIPHERS.map((c) => c.name) as [IkeCipherName, ...IkeCipherName[]];

// Phase 2 (proposal enc-algorithms).
export const ESP_CIPHERS = [
  { name: 'null', iana: 11, keyBits: 0, aead: false },
  { name: 'des', iana: 2, keyBits: 64, aead: false },
  { name: '3des', iana: 3, keyBits: 192, aead: false },
  { name: 'aes-128-cbc', iana: 12, keyBits: 128, aead: false },
  { name: 'aes-192-cbc', iana: 12, keyBits: 192, aead: false },
  { name: 'aes-256-cbc', iana: 12, keyBits: 256, aead: false },
  { name: 'aes-128-ctr', iana: 13, keyBits: 128, aead: false },
  { name: 'aes-192-ctr', iana: 13, keyBits: 192, aead: false },
  { name: 'aes-256-ctr', iana: 13, keyBits: 256, aead: false },
  { name: 'aes-128-gcm', iana: 20, keyBits: 128, aead: true },
  { name: 'aes-192-gcm', iana: 20, keyBits: 192, aead: true },
  { name: 'aes-256-gcm', iana: 20, keyBits: 256, aead: true },
  { name: 'blowfish', iana: 7, keyBits: 128, aead: false },
  { name: 'camellia-128', iana: 23, keyBits: 128, aead: false },
  { name: 'camellia-192', iana: 23, keyBits: 192, aead: false },
  { name: 'camellia-256', iana: 23, keyBits: 256, aead: false },
  { name: 'twofish', keyBits: 128, aead: false },
  { name: 'chacha20poly1305', iana: 28, keyBits: 256, aead: true, extension: true },
] as const satisfies readonly Cipher[];

export type EspCipherName = (typeof ESP_CIPHERS)[number]['name'];
export const ESP_CIPHER_NAMES = ESP_CIPHERS.map((c) => c.name) as [EspCipherName, ...EspCipherName[]];

export interface Hash {
  name: string;
  /** IKEv2 PRF transform ID (profile hash/prf). */
  prf?: number;
  /** IKEv2 INTEG transform ID and ICV length in bytes. */
  integ?: number;
  icvBytes?: number;
  extension?: true;
}

export const HASHES = [
  { name: 'md5', prf: 1, integ: 1, icvBytes: 12 },
  { name: 'sha1', prf: 2, integ: 2, icvBytes: 12 },
  { name: 'sha256', prf: 5, integ: 12, icvBytes: 16 },
  { name: 'sha384', prf: 6, integ: 13, icvBytes: 24, extension: true },
  { name: 'sha512', prf: 7, integ: 14, icvBytes: 32 },
] as const satisfies readonly Hash[];

export type HashName = (typeof HASHES)[number]['name'];
export const HASH_NAMES = HASHES.map((h) => h.name) as [HashName, ...HashName[]];

/** Proposal auth-algorithms: the hashes plus `null` (no integrity, for AEAD ciphers). */
export const ESP_AUTH_NAMES = ['md5', 'null', 'sha1', 'sha256', 'sha384', 'sha512'] as const;
export type EspAuthName = (typeof ESP_AUTH_NAMES)[number];

/** Profile prf-algorithm: `auto` takes the hash-algorithm. */
export const PRF_NAMES = ['auto', 'sha1', 'sha256', 'sha384', 'sha512'] as const;

const AEAD_NAMES = new Set<string>([...IKE_CIPHERS, ...ESP_CIPHERS].filter((c) => c.aead).map((c) => c.name));

/** An AEAD cipher (aes-*-gcm, chacha20poly1305): it carries its own integrity. */
export function isAead(cipher: string): boolean {
  return AEAD_NAMES.has(cipher);
}

/**
 * What is wrong with a proposal's null algorithms (the proposal menu and the wizards' phase 2):
 * auth-algorithms=null needs AEAD ciphers, null encryption needs an integrity algorithm.
 */
export function nullAlgorithmIssues(
  enc: readonly string[],
  auth: readonly string[],
): { field: 'enc' | 'auth'; message: string }[] {
  const out: { field: 'enc' | 'auth'; message: string }[] = [];
  if (enc.some((e) => !isAead(e) && e !== 'null') && auth.length === 1 && auth[0] === 'null') {
    out.push({
      field: 'auth',
      message:
        'null is only valid with AEAD ciphers (aes-*-gcm, chacha20poly1305); add an integrity algorithm such as sha256',
    });
  }
  if (enc.includes('null') && auth.includes('null'))
    out.push({ field: 'enc', message: 'null encryption needs an integrity algorithm' });
  return out;
}

export const EAP_METHODS = ['eap-mschapv2', 'eap-peap', 'eap-tls', 'eap-ttls'] as const;

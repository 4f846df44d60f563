// Encryption algorithms for the SK payload, keyed by the schema's IKE_CIPHERS names.
// CBC (RFC 3602 / 2451 / 5529) with a separate INTEG, AES-CTR (RFC 5930), AES-GCM with 16-byte ICV
// (RFC 5282: 4-byte salt from key material, 8-byte explicit IV), ChaCha20-Poly1305 (RFC 7634).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ESP_CIPHERS, IKE_CIPHERS, type Cipher, type EspCipherName, type IkeCipherName } from '@ipsec/schema';
import { concat } from '../util/bytes.ts';

interface BaseCipher {
  name: IkeCipherName;
  id: number;
  /** Key Length attribute value to send, if this transform uses one. */
  keyLengthAttr?: number;
  /** Raw key bytes for the cipher. */
  keyLen: number;
  /** Salt bytes appended to the key material (RFC 5282 / 5930 / 7634). */
  saltLen: number;
  ivLen: number;
  /** Padding block size for the SK payload. */
  blockLen: number;
}

export interface PlainCipher extends BaseCipher {
  aead: false;
  encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  decrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

export interface AeadCipher extends BaseCipher {
  aead: true;
  icvLen: number;
  seal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array; // ciphertext | tag
  open(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

export type EncrAlg = PlainCipher | AeadCipher;

/** Total key material for a cipher (key + salt), as taken from prf+. */
export const keyMaterialLength = (c: { keyLen: number; saltLen: number }): number => c.keyLen + c.saltLen;

function cbc(
  name: IkeCipherName,
  node: string,
  id: number,
  keyBits: number,
  block: number,
  attr: boolean,
): PlainCipher {
  const c: PlainCipher = {
    name,
    id,
    keyLen: keyBits / 8,
    saltLen: 0,
    ivLen: block,
    blockLen: block,
    aead: false,
    encrypt(key, iv, pt) {
      const e = createCipheriv(node, key, iv).setAutoPadding(false);
      return new Uint8Array(concat(e.update(pt), e.final()));
    },
    decrypt(key, iv, ct) {
      const d = createDecipheriv(node, key, iv).setAutoPadding(false);
      return new Uint8Array(concat(d.update(ct), d.final()));
    },
  };
  if (attr) c.keyLengthAttr = keyBits;
  return c;
}

function ctr(name: IkeCipherName, keyBits: number): PlainCipher {
  const node = `aes-${keyBits}-ctr`;
  const block = (key: Uint8Array, iv: Uint8Array) => {
    const k = key.subarray(0, keyBits / 8);
    const nonce = key.subarray(keyBits / 8);
    return { k, cb: concat(nonce, iv, new Uint8Array([0, 0, 0, 1])) };
  };
  return {
    name,
    id: 13,
    keyLengthAttr: keyBits,
    keyLen: keyBits / 8,
    saltLen: 4,
    ivLen: 8,
    blockLen: 1,
    aead: false,
    encrypt(key, iv, pt) {
      const { k, cb } = block(key, iv);
      const e = createCipheriv(node, k, cb);
      return new Uint8Array(concat(e.update(pt), e.final()));
    },
    decrypt(key, iv, ct) {
      const { k, cb } = block(key, iv);
      const d = createDecipheriv(node, k, cb);
      return new Uint8Array(concat(d.update(ct), d.final()));
    },
  };
}

function aead(name: IkeCipherName, node: string, id: number, keyBits: number, attr: boolean): AeadCipher {
  const keyLen = keyBits / 8;
  const c: AeadCipher = {
    name,
    id,
    keyLen,
    saltLen: 4,
    ivLen: 8,
    blockLen: 1,
    icvLen: 16,
    aead: true,
    seal(key, iv, aad, pt) {
      const nonce = concat(key.subarray(keyLen), iv);
      // The node typings' overloads need the concrete mode; both GCM and ChaCha take authTagLength.
      const e = createCipheriv(node as 'aes-128-gcm', key.subarray(0, keyLen), nonce, { authTagLength: 16 });
      e.setAAD(aad);
      return new Uint8Array(concat(e.update(pt), e.final(), e.getAuthTag()));
    },
    open(key, iv, aad, sealed) {
      if (sealed.length < 16) return null;
      const nonce = concat(key.subarray(keyLen), iv);
      const d = createDecipheriv(node as 'aes-128-gcm', key.subarray(0, keyLen), nonce, { authTagLength: 16 });
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - 16));
      try {
        return new Uint8Array(concat(d.update(sealed.subarray(0, sealed.length - 16)), d.final()));
      } catch {
        return null;
      }
    },
  };
  if (attr) c.keyLengthAttr = keyBits;
  return c;
}

/** ENCR IDs that carry a Key Length attribute (RFC 7296 3.3.5): Blowfish, AES-CBC, AES-CTR, AES-GCM, Camellia. */
const VARIABLE_KEY = new Set([7, 12, 13, 20, 23]);
/** ENCR IDs whose key material ends in a 4-byte salt: AES-CTR (RFC 5930), AES-GCM (RFC 5282), ChaCha20-Poly1305 (RFC 7634). */
const SALTED = new Set([13, 20, 28]);

/**
 * How an IKE cipher of the schema runs here, by its transform ID and key size (both from the schema).
 * des and blowfish are not available in OpenSSL 3's default provider.
 */
function implement(c: Cipher & { name: IkeCipherName }): EncrAlg | undefined {
  const attr = c.iana !== undefined && VARIABLE_KEY.has(c.iana);
  switch (c.iana) {
    case 3:
      return cbc(c.name, 'des-ede3-cbc', 3, c.keyBits, 8, attr);
    case 12:
      return cbc(c.name, `aes-${c.keyBits}-cbc`, 12, c.keyBits, 16, attr);
    case 23:
      return cbc(c.name, `camellia-${c.keyBits}-cbc`, 23, c.keyBits, 16, attr);
    case 13:
      return ctr(c.name, c.keyBits);
    case 20:
      return aead(c.name, `aes-${c.keyBits}-gcm`, 20, c.keyBits, attr);
    case 28:
      return aead(c.name, 'chacha20-poly1305', 28, c.keyBits, attr);
    default:
      return undefined;
  }
}

const IMPL: Partial<Record<IkeCipherName, EncrAlg>> = {};
for (const c of IKE_CIPHERS) {
  const impl = implement(c);
  if (impl) IMPL[c.name] = impl;
}

export function encrByName(name: string): EncrAlg | undefined {
  return IMPL[name as IkeCipherName];
}

/** Find the implementation for a received ENCR transform (ID + Key Length attribute). */
export function encrByTransform(id: number, keyLength: number | undefined): EncrAlg | undefined {
  for (const c of Object.values(IMPL)) {
    if (c.id !== id) continue;
    if (c.keyLengthAttr === undefined ? keyLength === undefined : c.keyLengthAttr === keyLength) return c;
  }
  return undefined;
}

// ------------------------------------------------------------------ ESP (negotiated only; the kernel encrypts)

export interface EspCipherInfo {
  name: EspCipherName;
  id: number;
  keyLengthAttr?: number;
  keyLen: number;
  saltLen: number;
  aead: boolean;
}

export const ESP_INFO: readonly EspCipherInfo[] = (ESP_CIPHERS as readonly Cipher[]).flatMap((c): EspCipherInfo[] => {
  const id = c.iana;
  if (id === undefined) return [];
  const info: EspCipherInfo = {
    name: c.name as EspCipherName,
    id,
    keyLen: c.keyBits / 8,
    saltLen: SALTED.has(id) ? 4 : 0,
    aead: c.aead,
  };
  if (VARIABLE_KEY.has(id)) info.keyLengthAttr = c.keyBits;
  return [info];
});

export function espByTransform(id: number, keyLength: number | undefined): EspCipherInfo | undefined {
  return ESP_INFO.find((c) => c.id === id && c.keyLengthAttr === keyLength);
}

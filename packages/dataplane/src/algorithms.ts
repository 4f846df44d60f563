// Schema algorithm names (@ipsec/schema ESP_CIPHERS / HASHES) -> Linux crypto API names for XFRM.
import { ESP_CIPHERS, HASHES, type EspCipherName, type HashName } from '@ipsec/schema';

export interface KernelCipher {
  /** XFRMA_ALG_AEAD when true, else XFRMA_ALG_CRYPT. */
  aead: boolean;
  name: string;
  /** Key length in bytes without the salt. */
  keyBytes: number;
  /** Salt/nonce bytes appended to the key (RFC 4106 / 3686 / 7634). */
  saltBytes: number;
  /** AEAD ICV in bits. */
  icvBits?: number;
}

const KERNEL_CIPHER: Record<EspCipherName, Omit<KernelCipher, 'keyBytes'>> = {
  null: { aead: false, name: 'ecb(cipher_null)', saltBytes: 0 },
  des: { aead: false, name: 'cbc(des)', saltBytes: 0 },
  '3des': { aead: false, name: 'cbc(des3_ede)', saltBytes: 0 },
  'aes-128-cbc': { aead: false, name: 'cbc(aes)', saltBytes: 0 },
  'aes-192-cbc': { aead: false, name: 'cbc(aes)', saltBytes: 0 },
  'aes-256-cbc': { aead: false, name: 'cbc(aes)', saltBytes: 0 },
  'aes-128-ctr': { aead: false, name: 'rfc3686(ctr(aes))', saltBytes: 4 },
  'aes-192-ctr': { aead: false, name: 'rfc3686(ctr(aes))', saltBytes: 4 },
  'aes-256-ctr': { aead: false, name: 'rfc3686(ctr(aes))', saltBytes: 4 },
  'aes-128-gcm': { aead: true, name: 'rfc4106(gcm(aes))', saltBytes: 4, icvBits: 128 },
  'aes-192-gcm': { aead: true, name: 'rfc4106(gcm(aes))', saltBytes: 4, icvBits: 128 },
  'aes-256-gcm': { aead: true, name: 'rfc4106(gcm(aes))', saltBytes: 4, icvBits: 128 },
  blowfish: { aead: false, name: 'cbc(blowfish)', saltBytes: 0 },
  'camellia-128': { aead: false, name: 'cbc(camellia)', saltBytes: 0 },
  'camellia-192': { aead: false, name: 'cbc(camellia)', saltBytes: 0 },
  'camellia-256': { aead: false, name: 'cbc(camellia)', saltBytes: 0 },
  twofish: { aead: false, name: 'cbc(twofish)', saltBytes: 0 },
  chacha20poly1305: { aead: true, name: 'rfc7539esp(chacha20,poly1305)', saltBytes: 4, icvBits: 128 },
};

const KERNEL_HASH: Record<HashName, string> = {
  md5: 'hmac(md5)',
  sha1: 'hmac(sha1)',
  sha256: 'hmac(sha256)',
  sha384: 'hmac(sha384)',
  sha512: 'hmac(sha512)',
};

export function kernelCipher(name: EspCipherName): KernelCipher {
  const c = ESP_CIPHERS.find((x) => x.name === name);
  const k = KERNEL_CIPHER[name];
  if (!c || !k) throw new Error(`unknown ESP cipher ${name}`);
  // 3des/des keyBits in the schema include parity bits, as the wire key does.
  return { ...k, keyBytes: c.keyBits / 8 };
}

export function kernelAuth(name: HashName): { name: string; truncBits: number } {
  const h = HASHES.find((x) => x.name === name);
  if (!h) throw new Error(`unknown hash ${name}`);
  return { name: KERNEL_HASH[name], truncBits: h.icvBytes * 8 };
}

/** Check the key the engine gave against the algorithm: key + salt. */
export function checkEncKey(name: EspCipherName, key: Uint8Array): void {
  const c = kernelCipher(name);
  if (key.length !== c.keyBytes + c.saltBytes)
    throw new Error(`${name}: key is ${key.length} bytes, expected ${c.keyBytes} + ${c.saltBytes} salt`);
}

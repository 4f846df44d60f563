// Known answers for the IKEv1 key derivation: each expected value is computed here straight from the RFC 2409
// formulas with node:crypto's HMAC, hash and ciphers, independently of src/v1/keys.ts.
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encrByName, type PlainCipher } from '../src/crypto/cipher.ts';
import { fromHex, hex } from '../src/util/bytes.ts';
import {
  decryptChain,
  encryptChain,
  expandCipherKey,
  keymat,
  phase1Hash,
  phase1Iv,
  phase1Keys,
  phase2Iv,
  quickHash1,
  quickHash2,
  quickHash3,
  skeyidPsk,
  v1Prf,
} from '../src/v1/keys.ts';

const hmac = (h: string, key: Buffer, ...data: Buffer[]) => createHmac(h, key).update(Buffer.concat(data)).digest();
const b = (s: string) => Buffer.from(fromHex(s));

const psk = Buffer.from('tp-link shared secret');
const ni = b('8f3a0c1122334455667788990011223344556677');
const nr = b('0102030405060708090a0b0c0d0e0f1011121314');
const gxi = b('aa'.repeat(128));
const gxr = b('bb'.repeat(128));
const gxy = b('c3'.repeat(128));
const ckyI = b('0011223344556677');
const ckyR = b('8899aabbccddeeff');

function cipher(name: string): PlainCipher {
  const c = encrByName(name);
  if (!c || c.aead) throw new Error(name);
  return c;
}

describe('IKEv1 key material (RFC 2409 5, Appendix B)', () => {
  for (const [hash, cipherName, keyLen] of [
    ['md5', '3des', 24],
    ['sha1', '3des', 24],
    ['sha1', 'aes-256', 32],
    ['sha256', 'aes-128', 16],
    ['sha256', 'aes-256', 32],
  ] as const) {
    it(`SKEYID, SKEYID_d/a/e and the ${cipherName} key with ${hash}`, () => {
      const alg = v1Prf(hash);
      const skeyid = hmac(hash, psk, ni, nr);
      expect(hex(skeyidPsk(alg, psk, ni, nr))).toBe(skeyid.toString('hex'));
      const d = hmac(hash, skeyid, gxy, ckyI, ckyR, Buffer.from([0]));
      const a = hmac(hash, skeyid, d, gxy, ckyI, ckyR, Buffer.from([1]));
      const e = hmac(hash, skeyid, a, gxy, ckyI, ckyR, Buffer.from([2]));
      let key = e;
      if (keyLen > e.length) {
        const k1 = hmac(hash, e, Buffer.from([0]));
        const k2 = hmac(hash, e, k1);
        key = Buffer.concat([k1, k2]);
      }
      const keys = phase1Keys(alg, skeyid, gxy, ckyI, ckyR, keyLen);
      expect(hex(keys.d)).toBe(d.toString('hex'));
      expect(hex(keys.a)).toBe(a.toString('hex'));
      expect(hex(keys.e)).toBe(e.toString('hex'));
      expect(hex(keys.encKey)).toBe(key.subarray(0, keyLen).toString('hex'));
      expect(cipher(cipherName).keyLen).toBe(keyLen);
    });
  }

  it('expands over more than two blocks', () => {
    const alg = v1Prf('md5');
    const e = b('00112233445566778899aabbccddeeff');
    const k1 = hmac('md5', e, Buffer.from([0]));
    const k2 = hmac('md5', e, k1);
    const k3 = hmac('md5', e, k2);
    expect(hex(expandCipherKey(alg, e, 40))).toBe(Buffer.concat([k1, k2, k3]).subarray(0, 40).toString('hex'));
  });

  it('HASH_I and HASH_R', () => {
    const alg = v1Prf('sha256');
    const skeyid = b('5a'.repeat(32));
    const sai = b('00000001000000010000002401010001');
    const idii = b('011101f4c0000201');
    const idir = b('011101f4c0000202');
    const v = { gxi, gxr, ckyI, ckyR, saiBody: sai };
    expect(hex(phase1Hash(alg, skeyid, 'initiator', { ...v, idBody: idii }))).toBe(
      hmac('sha256', skeyid, gxi, gxr, ckyI, ckyR, sai, idii).toString('hex'),
    );
    expect(hex(phase1Hash(alg, skeyid, 'responder', { ...v, idBody: idir }))).toBe(
      hmac('sha256', skeyid, gxr, gxi, ckyR, ckyI, sai, idir).toString('hex'),
    );
  });

  it('phase 1 and phase 2 IVs', () => {
    expect(hex(phase1Iv('md5', gxi, gxr, 8))).toBe(
      createHash('md5')
        .update(Buffer.concat([gxi, gxr]))
        .digest()
        .subarray(0, 8)
        .toString('hex'),
    );
    const last = b('0f0e0d0c0b0a09080706050403020100');
    expect(hex(phase2Iv('sha256', last, 0x01020304, 16))).toBe(
      createHash('sha256')
        .update(Buffer.concat([last, b('01020304')]))
        .digest()
        .subarray(0, 16)
        .toString('hex'),
    );
  });

  it('quick mode HASH(1), HASH(2), HASH(3)', () => {
    const alg = v1Prf('sha1');
    const skeyidA = b('a1'.repeat(20));
    const mid = 0xdeadbeef;
    const after = b('0a000018' + 'ee'.repeat(20));
    const niB = b('11'.repeat(16));
    const nrB = b('22'.repeat(16));
    expect(hex(quickHash1(alg, skeyidA, mid, after))).toBe(hmac('sha1', skeyidA, b('deadbeef'), after).toString('hex'));
    expect(hex(quickHash2(alg, skeyidA, mid, niB, after))).toBe(
      hmac('sha1', skeyidA, b('deadbeef'), niB, after).toString('hex'),
    );
    expect(hex(quickHash3(alg, skeyidA, mid, niB, nrB))).toBe(
      hmac('sha1', skeyidA, Buffer.from([0]), b('deadbeef'), niB, nrB).toString('hex'),
    );
  });

  it('KEYMAT with and without PFS, over several blocks', () => {
    const alg = v1Prf('md5');
    const d = b('d0'.repeat(16));
    const spi = b('c0ffee01');
    const qni = b('31'.repeat(16));
    const qnr = b('32'.repeat(16));
    const pfs = b('77'.repeat(128));
    for (const pfsSecret of [undefined, pfs]) {
      const seed = Buffer.concat([pfsSecret ?? Buffer.alloc(0), Buffer.from([3]), spi, qni, qnr]);
      const k1 = hmac('md5', d, seed);
      const k2 = hmac('md5', d, k1, seed);
      const k3 = hmac('md5', d, k2, seed);
      // ESP 3DES + HMAC-MD5: 24 + 16 bytes
      const want = Buffer.concat([k1, k2, k3]).subarray(0, 40).toString('hex');
      const got = keymat(alg, d, { ...(pfsSecret ? { pfsSecret } : {}), protocol: 3, spi, ni: qni, nr: qnr }, 40);
      expect(hex(got)).toBe(want);
    }
  });

  it('encrypts with RFC 2409 padding and chains the IV through the last ciphertext block', () => {
    const c = cipher('aes-128');
    const key = b('000102030405060708090a0b0c0d0e0f');
    const iv = b('f0'.repeat(16));
    const chain = b('0800001c' + '99'.repeat(24)); // 28 bytes: 4 of padding
    const { ciphertext, nextIv } = encryptChain(c, key, iv, chain);
    const plain = Buffer.concat([chain, b('00000003')]);
    const e = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
    const want = Buffer.concat([e.update(plain), e.final()]);
    expect(hex(ciphertext)).toBe(want.toString('hex'));
    expect(hex(nextIv)).toBe(want.subarray(16).toString('hex'));
    const back = decryptChain(c, key, iv, ciphertext);
    if (!back.ok) throw new Error(back.error);
    expect(hex(back.value.plain)).toBe(plain.toString('hex'));
    expect(hex(back.value.nextIv)).toBe(hex(nextIv));
    // a whole block of padding when the chain already fills its blocks
    expect(
      encryptChain(cipher('3des'), b('01'.repeat(24)), b('02'.repeat(8)), b('03'.repeat(16))).ciphertext.length,
    ).toBe(24);
    expect(decryptChain(c, key, iv, ciphertext.subarray(1))).toEqual({
      ok: false,
      error: 'encrypted body of 31 bytes is not a whole number of 16-byte blocks',
    });
  });
});

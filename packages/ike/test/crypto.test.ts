import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DH_GROUPS } from '@ipsec/schema';
import { encrByName, type AeadCipher, type PlainCipher } from '../src/crypto/cipher.ts';
import { dhByName, DH_IMPLS } from '../src/crypto/dh.ts';
import { integByName, mac } from '../src/crypto/integ.ts';
import { deriveChildKeys, deriveIkeKeys } from '../src/crypto/keymat.ts';
import { prf, prfByName, prfPlus } from '../src/crypto/prf.ts';
import { openMessage, sealMessage } from '../src/crypto/sk.ts';
import { pskAuth } from '../src/auth/psk.ts';
import { parseMessage } from '../src/codec/message.ts';
import { PayloadType } from '../src/codec/constants.ts';
import { concat, fromHex, hex, utf8 } from '../src/util/bytes.ts';
import { seededRandom } from './helpers.ts';

describe('RFC 4231 HMAC-SHA2 (as PRF)', () => {
  const cases = [
    {
      key: new Uint8Array(20).fill(0x0b),
      data: utf8('Hi There'),
      sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      sha384: 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6',
      sha512:
        '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
    },
    {
      key: utf8('Jefe'),
      data: utf8('what do ya want for nothing?'),
      sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      sha384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
      sha512:
        '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    },
  ];
  for (const [i, c] of cases.entries()) {
    for (const h of ['sha256', 'sha384', 'sha512'] as const) {
      it(`test case ${i + 1} ${h}`, () => {
        expect(hex(prf(prfByName(h)!, c.key, c.data))).toBe(c[h]);
      });
    }
  }
  it('RFC 4868 truncation: HMAC-SHA-256-128 ICV is the first 16 bytes', () => {
    const c = cases[0]!;
    expect(hex(mac(integByName('sha256')!, c.key, c.data))).toBe(c.sha256.slice(0, 32));
    expect(mac(integByName('sha1')!, c.key, c.data).length).toBe(12);
  });
});

describe('prf+', () => {
  it('matches T1 | T2 | T3 computed by hand (RFC 7296 2.13)', () => {
    const alg = prfByName('sha256')!;
    const K = fromHex('000102030405060708090a0b0c0d0e0f');
    const S = utf8('seed');
    const h = (d: Uint8Array) => new Uint8Array(createHmac('sha256', K).update(d).digest());
    const t1 = h(concat(S, new Uint8Array([1])));
    const t2 = h(concat(t1, S, new Uint8Array([2])));
    const t3 = h(concat(t2, S, new Uint8Array([3])));
    expect(prfPlus(alg, K, S, 80)).toEqual(concat(t1, t2, t3).slice(0, 80));
    expect(() => prfPlus(alg, K, S, 255 * 32 + 1)).toThrow();
  });
});

describe('RFC 3602 AES-CBC', () => {
  it('case 1 and 2', () => {
    const c = encrByName('aes-128') as PlainCipher;
    expect(
      hex(
        c.encrypt(
          fromHex('06a9214036b8a15b512e03d534120006'),
          fromHex('3dafba429d9eb430b422da802c9fac41'),
          utf8('Single block msg'),
        ),
      ),
    ).toBe('e353779c1079aeb82708942dbe77181a');
    const k2 = fromHex('c286696d887c9aa0611bbb3e2025a45a');
    const iv2 = fromHex('562e17996d093d28ddb3ba695a2e6f58');
    const p2 = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const ct2 = 'd296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1';
    expect(hex(c.encrypt(k2, iv2, p2))).toBe(ct2);
    expect(c.decrypt(k2, iv2, fromHex(ct2))).toEqual(p2);
  });
});

describe('AES-GCM (McGrew-Viega test case 4 in RFC 4106 form: salt = first 4 bytes of the 96-bit IV)', () => {
  it('seals and opens', () => {
    const c = encrByName('aes-128-gcm') as AeadCipher;
    const key = concat(fromHex('feffe9928665731c6d6a8f9467308308'), fromHex('cafebabe'));
    const iv = fromHex('facedbaddecaf888');
    const aad = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const pt = fromHex(
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    );
    const sealed = c.seal(key, iv, aad, pt);
    expect(hex(sealed)).toBe(
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
        '5bc94fbc3221a5db94fae95ae7121a47',
    );
    expect(c.open(key, iv, aad, sealed)).toEqual(pt);
    sealed[3]! ^= 1;
    expect(c.open(key, iv, aad, sealed)).toBeNull();
  });
});

describe('RFC 8439 2.8.2 ChaCha20-Poly1305 AEAD (RFC 7634 nonce = salt | IV)', () => {
  it('seals to the published ciphertext and tag', () => {
    const c = encrByName('chacha20poly1305') as AeadCipher;
    const key = concat(
      fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
      fromHex('07000000'),
    );
    const iv = fromHex('4041424344454647');
    const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
    const pt = utf8(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const sealed = c.seal(key, iv, aad, pt);
    expect(hex(sealed)).toBe(
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a' +
        '9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9d' +
        'e576d26586cec64b6116' +
        '1ae10b594f09e26a7e902ecbd0600691',
    );
    expect(c.open(key, iv, aad, sealed)).toEqual(pt);
    expect(c.open(key, iv, fromHex('00'), sealed)).toBeNull();
  });
});

describe('RFC 5903 ECP known answers', () => {
  const vectors = {
    ecp256: {
      i: 'c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433',
      gi:
        'dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c37725811805271a0461cdb8252d61f1c456fa3e59ab1f45b33' +
        'accf5f58389e0577b8990bb3',
      r: 'c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53',
      gr:
        'd12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf6356fbf3ca366cc23e8157854c13c58d6aac23f046' +
        'ada30f8353e74f33039872ab',
      girx: 'd6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de',
    },
    ecp384: {
      i: '099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f160647b67414dce655e35b538041e649ee3faef896783ab194',
      gi:
        '667842d7d180ac2cde6f74f37551f55755c7645c20ef73e31634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa9482ed1f' +
        'c0eeb9cafc4984625ccfc23f65032149e0e144ada024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c',
      r: '41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc',
      gr:
        'e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571dcfbec7a' +
        'acf3196472169e838430367f66eebe3c6e70c416dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c',
      girx: '11187331c279962d93d604243fd592cb9d0a926f422e47187521287e7156c5c4d603135569b9e9d09cf5d4a270f59746',
    },
    ecp521: {
      i:
        '0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a095aa85a30fe1c2952c6771d937ba9777f5957b26' +
        '39bab072462f68c27a57382d4a52',
      gi:
        '0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbee1e3bf42e00b8e380aeae57c2d10756494188594' +
        '2af5a7f4601723c4195d176ced3e017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10ad8a788015ac4' +
        '05d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f9582',
      r:
        '0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e9c677d600b343757a3bdbf2a3163e4c2f869cca7' +
        '458aa4a4effc311f5cb151685eb9',
      gr:
        '00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a219b97c356436adc6e95bb0352f6be64a6c2912d4e' +
        'f2d0433ced2b6171640012d9460f015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87220b6536c5c4' +
        '08a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0fc56a',
      girx:
        '01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04d1427e73ca4baa240a34786859810c06b3c715a3' +
        'a8cc3151f2bee417996d19f3ddea',
    },
  } as const;
  for (const [name, v] of Object.entries(vectors)) {
    it(name, () => {
      const g = dhByName(name)!;
      const a = g.fromPrivate(fromHex(v.i));
      const b = g.fromPrivate(fromHex(v.r));
      expect(hex(a.publicValue)).toBe(v.gi);
      expect(hex(b.publicValue)).toBe(v.gr);
      const s1 = a.computeSecret(b.publicValue);
      const s2 = b.computeSecret(a.publicValue);
      expect(s1.ok && hex(s1.value)).toBe(v.girx);
      expect(s2.ok && hex(s2.value)).toBe(v.girx);
    });
  }
});

describe('RFC 7748 6.1 X25519 known answer (curve25519 group, RFC 8031)', () => {
  it('agrees', () => {
    const g = dhByName('curve25519')!;
    const a = g.fromPrivate(fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    expect(hex(a.publicValue)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const s = a.computeSecret(fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'));
    expect(s.ok && hex(s.value)).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    const zero = a.computeSecret(new Uint8Array(32));
    expect(zero.ok).toBe(false);
  });
});

describe('DH for every schema group', () => {
  it('covers DH_GROUPS', () => expect(DH_IMPLS.map((g) => g.name)).toEqual(DH_GROUPS.map((g) => g.name)));
  for (const g of DH_IMPLS) {
    it(`${g.name}: both sides agree, bad peer values are refused`, () => {
      const rnd = seededRandom(g.id);
      const a = g.generate(rnd);
      const b = g.generate(rnd);
      expect(a.publicValue.length).toBe(g.publicLength);
      const s1 = a.computeSecret(b.publicValue);
      const s2 = b.computeSecret(a.publicValue);
      expect(s1.ok && s2.ok && hex(s1.value) === hex(s2.value)).toBe(true);
      expect(a.computeSecret(b.publicValue.subarray(1)).ok).toBe(false);
      if (g.name.startsWith('modp')) {
        const one = new Uint8Array(g.publicLength);
        one[one.length - 1] = 1;
        expect(a.computeSecret(one).ok).toBe(false);
        expect(a.computeSecret(new Uint8Array(g.publicLength).fill(0xff)).ok).toBe(false);
      }
      if (g.name.startsWith('ecp')) {
        const off = b.publicValue.slice();
        off[off.length - 1]! ^= 1;
        expect(a.computeSecret(off).ok).toBe(false);
      }
    });
  }
});

describe('SK payload', () => {
  const env = {
    spiI: fromHex('0102030405060708'),
    spiR: fromHex('a1a2a3a4a5a6a7a8'),
    exchange: 35,
    flags: 8,
    messageId: 1,
  };
  const inner = [
    { type: PayloadType.IDi, idType: 2, data: utf8('alice.example') },
    { type: PayloadType.AUTH, method: 2, data: new Uint8Array(32).fill(4) },
  ] as const;
  for (const name of ['aes-128', 'aes-256', '3des', 'camellia-128', 'aes-128-ctr', 'aes-256-gcm', 'chacha20poly1305']) {
    it(`${name}: seal, parse, open; tampering is detected`, () => {
      const c = encrByName(name)!;
      const rnd = seededRandom(1);
      const k = c.aead
        ? { encr: c, encKey: rnd(c.keyLen + c.saltLen) }
        : { encr: c, encKey: rnd(c.keyLen + c.saltLen), integ: integByName('sha256')!, integKey: rnd(32) };
      const bytes = sealMessage(env, [...inner], k, rnd);
      const parsed = parseMessage(bytes);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(openMessage(parsed.value, k)).toEqual(inner);
      for (const pos of [0, 20, 30, bytes.length - 1]) {
        const bad = bytes.slice();
        bad[pos] = (bad[pos] as number) ^ 0x40;
        const p = parseMessage(bad);
        if (p.ok) expect(() => openMessage(p.value, k)).toThrow();
      }
    });
  }
});

describe('key derivation', () => {
  it('IKE keys split prf+ output in RFC order; child keys i->r first', () => {
    const alg = prfByName('sha256')!;
    const ni = new Uint8Array(32).fill(1);
    const nr = new Uint8Array(32).fill(2);
    const g = new Uint8Array(256).fill(3);
    const spiI = new Uint8Array(8).fill(4);
    const spiR = new Uint8Array(8).fill(5);
    const k = deriveIkeKeys({ prf: alg, integKeyLen: 32, encKeyLen: 16 }, ni, nr, g, spiI, spiR);
    expect(k.skeyseed).toEqual(prf(alg, concat(ni, nr), g));
    const stream = prfPlus(alg, k.skeyseed, concat(ni, nr, spiI, spiR), 32 * 3 + 64 + 32);
    expect(concat(k.d, k.ai, k.ar, k.ei, k.er, k.pi, k.pr)).toEqual(stream);
    const c = deriveChildKeys(alg, k.d, ni, nr, 36, 0);
    expect(concat(c.encI, c.encR)).toEqual(prfPlus(alg, k.d, concat(ni, nr), 72));
    const pfs = deriveChildKeys(alg, k.d, ni, nr, 16, 20, g);
    expect(concat(pfs.encI, pfs.integI, pfs.encR, pfs.integR)).toEqual(prfPlus(alg, k.d, concat(g, ni, nr), 72));
  });
  it('PSK AUTH = prf(prf(secret, "Key Pad for IKEv2"), octets)', () => {
    const alg = prfByName('sha1')!;
    const inner = createHmac('sha1', 'secret').update('Key Pad for IKEv2').digest();
    expect(hex(pskAuth(alg, utf8('secret'), utf8('octets')))).toBe(
      createHmac('sha1', inner).update('octets').digest('hex'),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attributeNumber,
  numberAttribute,
  parseV1Message,
  parseV1Payloads,
  serializeV1Message,
  type V1Payload,
} from '../src/v1/codec.ts';
import { P1Attr, V1Exchange, V1IdType, V1Notify, V1PayloadType, V1Protocol } from '../src/v1/constants.ts';
import { fromHex, hex } from '../src/util/bytes.ts';

const spiI = fromHex('0102030405060708');
const spiR = fromHex('1112131415161718');

const phase1Sa: V1Payload = {
  type: V1PayloadType.SA,
  doi: 1,
  situation: 1,
  proposals: [
    {
      num: 1,
      protocol: V1Protocol.ISAKMP,
      spi: new Uint8Array(0),
      transforms: [
        {
          num: 1,
          id: 1,
          attributes: [
            { type: P1Attr.ENCRYPTION, value: 7 },
            { type: P1Attr.KEY_LENGTH, value: 256 },
            { type: P1Attr.HASH, value: 4 },
            { type: P1Attr.AUTH_METHOD, value: 1 },
            { type: P1Attr.GROUP, value: 14 },
            { type: P1Attr.LIFE_TYPE, value: 1 },
            numberAttribute(P1Attr.LIFE_DURATION, 86400),
          ],
        },
        { num: 2, id: 1, attributes: [{ type: P1Attr.ENCRYPTION, value: 5 }] },
      ],
    },
  ],
};

const all: V1Payload[] = [
  phase1Sa,
  {
    type: V1PayloadType.SA,
    doi: 1,
    situation: 1,
    proposals: [
      {
        num: 1,
        protocol: V1Protocol.ESP,
        spi: fromHex('c0ffee01'),
        transforms: [
          {
            num: 1,
            id: 3,
            attributes: [
              { type: 4, value: 1 },
              { type: 5, value: 1 },
            ],
          },
        ],
      },
    ],
  },
  { type: V1PayloadType.KE, data: fromHex('aabbccdd') },
  { type: V1PayloadType.NONCE, data: fromHex('00112233445566778899') },
  { type: V1PayloadType.ID, idType: V1IdType.IPV4_ADDR, protocol: 17, port: 500, data: fromHex('c0000201') },
  {
    type: V1PayloadType.ID,
    idType: V1IdType.IPV4_ADDR_SUBNET,
    protocol: 0,
    port: 0,
    data: fromHex('0a010000ffff0000'),
  },
  { type: V1PayloadType.ID, idType: V1IdType.IPV6_ADDR, protocol: 0, port: 0, data: new Uint8Array(16).fill(1) },
  { type: V1PayloadType.ID, idType: V1IdType.FQDN, protocol: 0, port: 0, data: new TextEncoder().encode('a.example') },
  { type: V1PayloadType.ID, idType: V1IdType.USER_FQDN, protocol: 0, port: 0, data: new TextEncoder().encode('u@x') },
  { type: V1PayloadType.HASH, data: new Uint8Array(20).fill(9) },
  {
    type: V1PayloadType.NOTIFY,
    doi: 1,
    protocol: V1Protocol.ISAKMP,
    spi: new Uint8Array(16).fill(3),
    notifyType: V1Notify.R_U_THERE,
    data: fromHex('00000007'),
  },
  {
    type: V1PayloadType.DELETE,
    doi: 1,
    protocol: V1Protocol.ESP,
    spiSize: 4,
    spis: [fromHex('c0ffee01'), fromHex('c0ffee02')],
  },
  { type: V1PayloadType.VID, data: fromHex('4a131c81070358455c5728f20e95452f') },
  { type: V1PayloadType.NAT_D, data: new Uint8Array(32).fill(4) },
  { type: 6, body: fromHex('04deadbeef'), other: true },
];

function message(payloads: V1Payload[]): Uint8Array {
  return serializeV1Message({ spiI, spiR, exchange: V1Exchange.MAIN, flags: 0, messageId: 0 }, payloads);
}

describe('ISAKMP codec (IKEv1)', () => {
  it('round-trips every payload type through a message', () => {
    const bytes = message(all);
    expect(bytes[17]).toBe(0x10); // version 1.0
    const parsed = parseV1Message(bytes);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.payloads.map((r) => r.payload)).toEqual(all);
    expect(hex(message(parsed.value.payloads.map((r) => r.payload)))).toBe(hex(bytes));
    // raw is each payload's encoding, in place
    let at = 28;
    for (const r of parsed.value.payloads) {
      expect(hex(bytes.subarray(at, at + r.raw.length))).toBe(hex(r.raw));
      at += r.raw.length;
    }
    expect(at).toBe(bytes.length);
  });

  it('reads the SA of a real phase 1 proposal as charon sends it', () => {
    // SA body of a main mode first message, written out by hand from RFC 2408 3.4-3.6: AES-256, SHA2-256, PSK,
    // modp2048 (the key length comes first, as strongSwan orders it).
    const sa = fromHex(
      '00000001 00000001' + // DOI IPsec, SIT_IDENTITY_ONLY
        '00000024 01010001' + // last proposal, length 36: #1, ISAKMP, no SPI, 1 transform
        '0000001c 01010000' + // last transform, length 28: #1, KEY_IKE
        '800e0100 80010007 80020004 80030001 8004000e',
    );
    const parsed = parseV1Payloads(new Uint8Array([0, 0, 0, 4 + sa.length, ...sa]), V1PayloadType.SA);
    if (!parsed.ok) throw new Error(parsed.error);
    const p = parsed.value[0]!.payload;
    if ('other' in p || p.type !== V1PayloadType.SA) throw new Error('not an SA');
    expect(p.proposals[0]!.transforms[0]!.attributes).toEqual([
      { type: 14, value: 256 },
      { type: 1, value: 7 },
      { type: 2, value: 4 },
      { type: 3, value: 1 },
      { type: 4, value: 14 },
    ]);
  });

  it('reads a quick mode proposal in wire order: SPI size, transform count, then the SPI', () => {
    const sa = fromHex('00000001 00000001 0000001c 01030401 c0ffee01 00000010 01030000 80040001 80050001');
    const parsed = parseV1Payloads(new Uint8Array([0, 0, 0, 4 + sa.length, ...sa]), V1PayloadType.SA);
    if (!parsed.ok) throw new Error(parsed.error);
    const p = parsed.value[0]!.payload;
    if ('other' in p || p.type !== V1PayloadType.SA) throw new Error('not an SA');
    expect(hex(p.proposals[0]!.spi)).toBe('c0ffee01');
    expect(p.proposals[0]!.transforms).toEqual([
      {
        num: 1,
        id: 3,
        attributes: [
          { type: 4, value: 1 },
          { type: 5, value: 1 },
        ],
      },
    ]);
  });

  it('reads lifetimes as TV or TLV', () => {
    expect(attributeNumber(numberAttribute(12, 28800))).toBe(28800);
    expect(numberAttribute(12, 86400).data?.length).toBe(4);
    expect(attributeNumber(numberAttribute(12, 86400))).toBe(86400);
    expect(attributeNumber({ type: 12, data: new Uint8Array(9) })).toBeUndefined();
  });

  it('refuses what is not ISAKMP 1.0 or does not add up, with a reason', () => {
    const good = message([{ type: V1PayloadType.NONCE, data: fromHex('0102') }]);
    const v2 = good.slice();
    v2[17] = 0x20;
    expect(parseV1Message(v2)).toEqual({ ok: false, error: 'ISAKMP major version 2' });
    expect(parseV1Message(good.subarray(0, 27))).toEqual({ ok: false, error: 'shorter than an ISAKMP header' });
    const longer = new Uint8Array([...good, 0]);
    expect(parseV1Message(longer).ok).toBe(false);
    const badLen = good.slice();
    badLen[31] = 3; // payload length 3
    expect(parseV1Message(badLen)).toEqual({ ok: false, error: 'payload length below 4' });
    const prop = good.slice();
    prop[16] = V1PayloadType.PROPOSAL;
    expect(parseV1Message(prop)).toEqual({ ok: false, error: 'payload 2 outside an SA' });
  });

  it('accepts CBC padding after a decrypted chain only when asked', () => {
    const chain = message([{ type: V1PayloadType.HASH, data: fromHex('01') }]).subarray(28);
    const padded = new Uint8Array([...chain, 0, 0, 0]);
    expect(parseV1Payloads(padded, V1PayloadType.HASH).ok).toBe(false);
    expect(parseV1Payloads(padded, V1PayloadType.HASH, true).ok).toBe(true);
  });

  it('never throws on random bytes or on mutations of a real message', () => {
    const seed = message(all);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const withHeader = new Uint8Array(b.length + 28);
        withHeader.set(seed.subarray(0, 28));
        withHeader.set(b, 28);
        new DataView(withHeader.buffer).setUint32(24, withHeader.length);
        for (const input of [b, withHeader]) {
          const r = parseV1Message(input);
          expect(typeof r.ok).toBe('boolean');
        }
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(7), (at, v, more) => {
        const m = seed.slice();
        m[at] = v;
        if (more) m[(at * 7 + more) % m.length] = 255 - v;
        const r = parseV1Message(m);
        if (r.ok) expect(r.value.length).toBe(m.length);
        const chain = parseV1Payloads(m.subarray(28), V1PayloadType.SA, true);
        expect(typeof chain.ok).toBe('boolean');
      }),
      { numRuns: 5000 },
    );
  });
});

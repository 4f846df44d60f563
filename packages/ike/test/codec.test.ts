import { describe, expect, it } from 'vitest';
import { ExchangeType, Flags, NotifyType, PayloadType } from '../src/codec/constants.ts';
import { parseMessage, serializeMessage, type IkeMessage } from '../src/codec/message.ts';
import type { Payload } from '../src/codec/payload.ts';
import { fromHex } from '../src/util/bytes.ts';
import { formatIp, parseIp } from '../src/util/ip.ts';
import { formatTs, selectorFor, tsRange } from '../src/ts.ts';

const spiI = fromHex('0102030405060708');
const spiR = fromHex('1112131415161718');

export const SAMPLE_PAYLOADS: Payload[] = [
  {
    type: PayloadType.SA,
    proposals: [
      {
        num: 1,
        protocol: 1,
        spi: new Uint8Array(0),
        transforms: [
          { type: 1, id: 12, attributes: [{ type: 14, value: 256 }] },
          { type: 2, id: 5, attributes: [] },
          { type: 3, id: 12, attributes: [] },
          { type: 4, id: 14, attributes: [{ type: 7, data: fromHex('abcd') }] },
        ],
      },
      {
        num: 2,
        protocol: 3,
        spi: fromHex('c0ffee01'),
        transforms: [
          { type: 1, id: 20, attributes: [{ type: 14, value: 128 }] },
          { type: 5, id: 0, attributes: [] },
        ],
      },
    ],
  },
  { type: PayloadType.KE, group: 19, data: new Uint8Array(64).fill(7) },
  { type: PayloadType.NONCE, data: new Uint8Array(32).fill(9) },
  {
    type: PayloadType.NOTIFY,
    protocol: 0,
    spi: new Uint8Array(0),
    notifyType: NotifyType.NAT_DETECTION_SOURCE_IP,
    data: new Uint8Array(20).fill(1),
  },
  {
    type: PayloadType.NOTIFY,
    protocol: 3,
    spi: fromHex('01020304'),
    notifyType: NotifyType.REKEY_SA,
    data: new Uint8Array(0),
  },
  { type: PayloadType.DELETE, protocol: 3, spiSize: 4, spis: [fromHex('01020304'), fromHex('a1a2a3a4')] },
  { type: PayloadType.DELETE, protocol: 1, spiSize: 0, spis: [] },
  { type: PayloadType.IDi, idType: 2, data: new TextEncoder().encode('vpn.example.com') },
  { type: PayloadType.IDr, idType: 1, data: fromHex('c0a80001') },
  { type: PayloadType.CERT, encoding: 4, data: fromHex('308201') },
  { type: PayloadType.CERTREQ, encoding: 4, authorities: new Uint8Array(40).fill(3) },
  { type: PayloadType.AUTH, method: 2, data: new Uint8Array(32).fill(5) },
  { type: PayloadType.VENDOR, data: fromHex('882fe56d6fd20dbc2251613b2ebe5beb') },
  {
    type: PayloadType.TSi,
    selectors: [
      {
        tsType: 7,
        protocol: 0,
        startPort: 0,
        endPort: 65535,
        startAddr: fromHex('0a000000'),
        endAddr: fromHex('0a0000ff'),
      },
      {
        tsType: 8,
        protocol: 6,
        startPort: 443,
        endPort: 443,
        startAddr: new Uint8Array(16),
        endAddr: new Uint8Array(16).fill(255),
      },
    ],
  },
  {
    type: PayloadType.TSr,
    selectors: [
      {
        tsType: 7,
        protocol: 17,
        startPort: 500,
        endPort: 500,
        startAddr: fromHex('c0a80100'),
        endAddr: fromHex('c0a801ff'),
      },
    ],
  },
  {
    type: PayloadType.CP,
    cfgType: 1,
    attributes: [
      { type: 1, value: new Uint8Array(0) },
      { type: 3, value: fromHex('08080808') },
    ],
  },
  { type: PayloadType.EAP, code: 1, identifier: 7, data: fromHex('01') },
  { type: PayloadType.EAP, code: 3, identifier: 8, data: new Uint8Array(0) },
  { type: 200, critical: false, data: fromHex('deadbeef'), unknown: true },
];

function msg(payloads: Payload[]): IkeMessage {
  return { spiI, spiR, exchange: ExchangeType.IKE_AUTH, flags: Flags.INITIATOR, messageId: 1, payloads };
}

function roundTrip(m: IkeMessage) {
  const bytes = serializeMessage(m);
  const parsed = parseMessage(bytes);
  if (!parsed.ok) throw new Error(parsed.error.reason);
  expect(serializeMessage(parsed.value)).toEqual(bytes);
  return parsed.value;
}

describe('codec round trips', () => {
  it('every payload type survives serialize -> parse -> serialize', () => {
    const p = roundTrip(msg(SAMPLE_PAYLOADS));
    expect(p.payloads.map((x) => x.type)).toEqual(SAMPLE_PAYLOADS.map((x) => x.type));
    expect(p.payloads).toEqual(SAMPLE_PAYLOADS);
  });

  it.each(SAMPLE_PAYLOADS.map((p) => [p.type, p] as const))('payload %i alone', (_t, p) => {
    const parsed = roundTrip(msg([p]));
    expect(parsed.payloads).toEqual([p]);
  });

  it('SK and SKF end the chain and name the inner payload', () => {
    const sk = { type: PayloadType.SK, innerNext: PayloadType.IDi, body: new Uint8Array(48).fill(1) } as const;
    const p = roundTrip(
      msg([
        { type: PayloadType.NOTIFY, protocol: 0, spi: new Uint8Array(0), notifyType: 16430, data: new Uint8Array(0) },
        sk,
      ]),
    );
    expect(p.payloads[1]).toEqual(sk);
    expect(p.encryptedOffset).toBe(28 + 8);
    const skf = {
      type: PayloadType.SKF,
      innerNext: PayloadType.IDi,
      fragmentNumber: 1,
      totalFragments: 3,
      body: new Uint8Array(40).fill(2),
    } as const;
    expect(roundTrip(msg([skf])).payloads[0]).toEqual(skf);
  });

  it('header fields are kept', () => {
    const p = roundTrip({
      ...msg([]),
      messageId: 0xfffffffe,
      flags: Flags.RESPONSE,
      exchange: ExchangeType.INFORMATIONAL,
    });
    expect(p.header).toMatchObject({
      major: 2,
      minor: 0,
      messageId: 0xfffffffe,
      flags: 0x20,
      exchange: 37,
      nextPayload: 0,
      length: 28,
    });
  });
});

describe('codec rejects', () => {
  const good = serializeMessage(msg(SAMPLE_PAYLOADS));
  it('truncation at every length', () => {
    for (let n = 0; n < good.length; n++) expect(parseMessage(good.subarray(0, n)).ok).toBe(false);
  });
  it('wrong major version with INVALID_MAJOR_VERSION', () => {
    const b = good.slice();
    b[17] = 0x30;
    const r = parseMessage(b);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.notify).toBe(NotifyType.INVALID_MAJOR_VERSION);
  });
  it('an unknown critical payload with UNSUPPORTED_CRITICAL_PAYLOAD, an unknown non-critical one is kept', () => {
    const crit = serializeMessage(msg([{ type: 222, critical: true, data: fromHex('00'), unknown: true }]));
    const r = parseMessage(crit);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.notify).toBe(NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD);
      expect(r.error.notifyData).toEqual(new Uint8Array([222]));
    }
    const ok = parseMessage(
      serializeMessage(msg([{ type: 222, critical: false, data: fromHex('00'), unknown: true }])),
    );
    expect(ok.ok).toBe(true);
  });
  it('bad nonce length, bad TS type, transform count mismatch', () => {
    expect(parseMessage(serializeMessage(msg([{ type: PayloadType.NONCE, data: new Uint8Array(8) }]))).ok).toBe(false);
    const ts = serializeMessage(msg([SAMPLE_PAYLOADS[14] as Payload]));
    const bad = ts.slice();
    bad[28 + 8] = 9; // TS type
    expect(parseMessage(bad).ok).toBe(false);
    const sa = serializeMessage(msg([SAMPLE_PAYLOADS[0] as Payload]));
    const bad2 = sa.slice();
    bad2[28 + 4 + 7] = 9; // number of transforms in proposal 1
    expect(parseMessage(bad2).ok).toBe(false);
  });
});

describe('addresses as bytes', () => {
  it('formats IPv6 as RFC 5952 (longest zero run compressed), like the schema', () => {
    expect(formatIp(parseIp('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIp(parseIp('::')!)).toBe('::');
    expect(formatIp(parseIp('10.1.2.3')!)).toBe('10.1.2.3');
  });
  it('parses link-local peers with a zone, rejects what is no address', () => {
    expect(parseIp('fe80::1%eth0')).toEqual(parseIp('fe80::1'));
    expect(parseIp('fe80::1')?.length).toBe(16);
    expect(parseIp('1.2.3')).toBeUndefined();
    expect(parseIp('example.com')).toBeUndefined();
    expect(formatTs(selectorFor('2001:db8:0:0:1::/80', undefined, undefined)!)).toBe(
      '2001:db8:0:0:1::-2001:db8::1:ffff:ffff:ffff',
    );
  });

  it('a selector leaves the engine typed: addresses as text, protocol and port range as numbers', () => {
    expect(tsRange(selectorFor('10.2.0.0/24', 443, 'tcp')!)).toEqual({
      start: '10.2.0.0',
      end: '10.2.0.255',
      protocol: 6,
      startPort: 443,
      endPort: 443,
    });
    expect(tsRange(selectorFor('::/0', 'any', 'all')!)).toEqual({
      start: '::',
      end: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
      protocol: 0,
      startPort: 0,
      endPort: 65535,
    });
  });
});

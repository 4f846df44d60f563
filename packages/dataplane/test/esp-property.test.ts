import fc from 'fast-check';
import { HASHES, type EspCipherName, type HashName } from '@ipsec/schema';
import { describe, expect, it } from 'vitest';
import { kernelCipher } from '../src/algorithms.ts';
import {
  EspInbound,
  EspSa,
  classifyUdpPayload,
  isNatKeepalive,
  NAT_KEEPALIVE,
  stripNonEspMarker,
  withNonEspMarker,
} from '../src/esp/index.ts';

const ALGS: [EspCipherName, HashName?][] = [
  ['aes-128-gcm'],
  ['aes-256-gcm'],
  ['chacha20poly1305'],
  ['aes-128-cbc', 'sha1'],
  ['aes-256-cbc', 'sha256'],
  ['aes-192-cbc', 'sha384'],
  ['aes-128-cbc', 'sha512'],
  ['aes-256-ctr', 'sha256'],
  ['null', 'sha1'],
];

const saArb = fc.record({
  alg: fc.constantFrom(...ALGS),
  spi: fc.integer({ min: 256, max: 0xffffffff }),
  esn: fc.boolean(),
  seed: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});

function make(a: { alg: [EspCipherName, HashName?]; spi: number; esn: boolean; seed: Uint8Array }) {
  const [enc, integ] = a.alg;
  const kc = kernelCipher(enc);
  const p = {
    spi: a.spi,
    encAlgorithm: enc,
    encKey: a.seed.subarray(0, kc.keyBytes + kc.saltBytes),
    esn: a.esn,
    replayWindow: 64,
    ...(integ
      ? { integAlgorithm: integ, integKey: a.seed.subarray(0, HASHES.find((h) => h.name === integ)!.icvBytes * 2) }
      : {}),
  };
  return { tx: new EspSa(p), rx: new EspSa(p) };
}

describe('properties', () => {
  it('random SAs, payloads and sequence positions round-trip', () => {
    fc.assert(
      fc.property(
        saArb,
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(),
        (a, payloads, nh, start) => {
          const { tx, rx } = make(a);
          const hi = a.esn ? start % 3 : 0;
          const lo = a.esn ? start : start % 0xffff0000;
          tx.setSeq(hi, lo);
          if (hi || lo) rx.replay.update(hi, lo);
          for (const pl of payloads) {
            const r = tx.encapsulate(pl, nh);
            if (!r.ok) throw new Error(r.reason);
            expect(classifyUdpPayload(r.packet)).toBe('esp');
            const d = rx.decapsulate(r.packet);
            if (!d.ok) throw new Error(d.reason);
            expect(Buffer.from(d.payload)).toEqual(Buffer.from(pl));
            expect(d.nextHeader).toBe(nh);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random bytes never throw and never authenticate', () => {
    fc.assert(
      fc.property(saArb, fc.uint8Array({ maxLength: 200 }), (a, junk) => {
        const { rx } = make(a);
        const inb = new EspInbound();
        inb.add(rx, 'tunnel');
        const pkt = Buffer.from(junk);
        if (pkt.length >= 4) pkt.writeUInt32BE(a.spi, 0); // reach the SA, not just the SPI lookup
        expect(inb.receive(pkt).ok).toBe(false);
        expect(inb.receive(junk).ok).toBe(false);
        expect(inb.receive(junk, true).ok).toBe(false);
        expect(() => classifyUdpPayload(junk)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('ESP in UDP (RFC 3948)', () => {
  it('keepalive, non-ESP marker and ESP are told apart', () => {
    expect(classifyUdpPayload(NAT_KEEPALIVE)).toBe('keepalive');
    expect(isNatKeepalive(Uint8Array.of(0xff))).toBe(true);
    expect(isNatKeepalive(Uint8Array.of(0xff, 0))).toBe(false);
    const ike = new Uint8Array(28).fill(7);
    const framed = withNonEspMarker(ike);
    expect([...framed.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    expect(classifyUdpPayload(framed)).toBe('ike');
    expect(stripNonEspMarker(framed)).toEqual(ike);
    expect(classifyUdpPayload(new Uint8Array(20))).toBe('invalid'); // marker but too short for an IKE header
    expect(classifyUdpPayload(Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 1))).toBe('esp');
    expect(classifyUdpPayload(Uint8Array.of(1, 2, 3))).toBe('invalid');
    expect(classifyUdpPayload(Uint8Array.of(0))).toBe('invalid');
    expect(stripNonEspMarker(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toBeUndefined();
  });
});

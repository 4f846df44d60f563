import type { TsRange } from '@ipsec/ike';
import { describe, expect, it } from 'vitest';
import { policiesFromInstallSa, saSpecsFromInstallSa, selectorsFor, type IkeInstallSa } from '../src/from-ike.ts';
import { addrBytes, formatAddr, portRangeToMasks, rangeToPrefixes } from '../src/ip.ts';
import { saMessage } from '../src/xfrm/build.ts';

/** A selector as the engine's installSa carries it (protocol 0 and ports 0-65535 = any). */
function ts(start: string, end: string, protocol = 0, [startPort, endPort] = [0, 65535]): TsRange {
  return { start, end, protocol, startPort, endPort };
}

const gcmKey = Uint8Array.from({ length: 36 }, (_, i) => i); // aes-256-gcm: 32 key + 4 salt, as the engine gives it
const action: IkeInstallSa = {
  mode: 'tunnel',
  encap: { localPort: 4500, remotePort: 31337 },
  esn: false,
  inbound: { spi: 0x11111111, encAlgorithm: 'aes-256-gcm', encKey: gcmKey, src: '198.51.100.7', dst: '192.0.2.1' },
  outbound: { spi: 0x22222222, encAlgorithm: 'aes-256-gcm', encKey: gcmKey, src: '192.0.2.1', dst: '198.51.100.7' },
  tsLocal: [ts('10.1.0.0', '10.1.255.255')],
  tsRemote: [ts('10.2.0.0', '10.2.0.255', 6, [443, 443])],
  lifetime: 1800,
};

describe('installSa action -> data plane', () => {
  it('two SAs with the same reqid, per-direction encap ports, replay window only inbound, hard lifetime backstop', () => {
    const { inbound, outbound } = saSpecsFromInstallSa(action, { reqid: 5 });
    expect(inbound).toMatchObject({
      spi: 0x11111111,
      src: '198.51.100.7',
      dst: '192.0.2.1',
      reqid: 5,
      replayWindow: 128,
      encap: { sport: 31337, dport: 4500 },
      lifetime: { hardSeconds: 1860 },
      direction: 'in',
    });
    expect(outbound).toMatchObject({
      spi: 0x22222222,
      src: '192.0.2.1',
      dst: '198.51.100.7',
      reqid: 5,
      replayWindow: 0,
      encap: { sport: 4500, dport: 31337 },
      direction: 'out',
    });
    // The engine's key+salt goes to XFRMA_ALG_AEAD as is: 288 bits for rfc4106(gcm(aes)) with a 256-bit key.
    const m = saMessage(inbound);
    expect(m.attrs.aead).toMatchObject({ name: 'rfc4106(gcm(aes))', icvBits: 128 });
    expect(m.attrs.aead?.key.length).toBe(36);
    expect(m.attrs.replayEsn?.replayWindow).toBe(128); // > 32: the ESN-style replay state
    expect(() => saMessage({ ...inbound, encKey: gcmKey.subarray(0, 32) })).toThrow(/expected 32 \+ 4 salt/);
  });

  it('typed traffic selectors -> XFRM selectors; policies out/in/fwd with templates', () => {
    const ps = policiesFromInstallSa(action, { reqid: 5, priority: 1000 });
    expect(ps.map((p) => [p.dir, p.selector])).toEqual([
      ['out', { src: '10.1.0.0/16', dst: '10.2.0.0/24', protocol: 6, dstPort: 443 }],
      ['in', { src: '10.2.0.0/24', dst: '10.1.0.0/16', protocol: 6, srcPort: 443 }],
      ['fwd', { src: '10.2.0.0/24', dst: '10.1.0.0/16', protocol: 6, srcPort: 443 }],
    ]);
    expect(ps[0]?.templates).toEqual([
      { src: '192.0.2.1', dst: '198.51.100.7', protocol: 'esp', mode: 'tunnel', reqid: 5, level: 'require' },
    ]);
    expect(ps[1]?.templates[0]).toMatchObject({ src: '198.51.100.7', dst: '192.0.2.1' });
    expect(
      policiesFromInstallSa({ ...action, mode: 'transport' }, { reqid: 5, priority: 1 }).map((p) => p.dir),
    ).toEqual(['out', 'in']);
  });

  it('ranges and port ranges split into prefixes and masks', () => {
    expect(rangeToPrefixes('10.0.0.1', '10.0.0.6').map((p) => `${p.addr}/${p.len}`)).toEqual([
      '10.0.0.1/32',
      '10.0.0.2/31',
      '10.0.0.4/31',
      '10.0.0.6/32',
    ]);
    expect(rangeToPrefixes('0.0.0.0', '255.255.255.255').map((p) => `${p.addr}/${p.len}`)).toEqual(['0.0.0.0/0']);
    expect(rangeToPrefixes('2001:db8::', '2001:db8::ffff').map((p) => `${p.addr}/${p.len}`)).toEqual([
      '2001:db8::/112',
    ]);
    expect(portRangeToMasks(1024, 2047)).toEqual([{ port: 1024, mask: 0xfc00 }]);
    expect(portRangeToMasks(80, 80)).toEqual([{ port: 80, mask: 0xffff }]);
    expect(portRangeToMasks(0, 65535)).toEqual([{ port: 0, mask: 0 }]);
    expect(selectorsFor(ts('10.0.0.0', '10.0.0.255', 0, [1024, 2047]), ts('10.9.0.0', '10.9.0.255', 17))).toEqual([
      { src: '10.0.0.0/24', dst: '10.9.0.0/24', protocol: 17, srcPort: 1024, srcPortMask: 0xfc00 },
    ]);
    expect(selectorsFor(ts('10.0.0.0', '10.0.0.255', 6), ts('10.9.0.0', '10.9.0.255', 17))).toEqual([]);
  });

  it('addresses: text <-> bytes, the IPv4 part of a 16-byte xfrm_address_t, RFC 5952 text', () => {
    expect([...addrBytes('::ffff:192.0.2.1')]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]);
    expect(() => addrBytes('10.0.0')).toThrow(/not an IP address/);
    const x = Buffer.alloc(16);
    addrBytes('192.0.2.9').copy(x);
    expect(formatAddr(x, 4)).toBe('192.0.2.9');
    expect(formatAddr(addrBytes('1:0:0:2:0:0:0:3'), 6)).toBe('1:0:0:2::3'); // the longest zero run
    expect(rangeToPrefixes('::', '::1').map((p) => `${p.addr}/${p.len}`)).toEqual(['::/127']);
  });
});

// The Policies menu -> SPD entries, shared by both backends.
import type { PeerValues, PolicyValues } from '@ipsec/schema';
import { describe, expect, it } from 'vitest';
import { policiesFromConfig, reqidOfPolicy, tunnelEndpoints } from '../src/from-config.ts';

const policy = (v: Partial<PolicyValues>): PolicyValues => ({
  peer: 'b',
  tunnel: true,
  'src-address': '10.1.0.0/16',
  'src-port': 'any',
  'dst-address': '10.2.0.0/24',
  'dst-port': 'any',
  protocol: 'all',
  template: false,
  group: 'default',
  action: 'encrypt',
  level: 'require',
  'ipsec-protocols': 'esp',
  proposal: 'default',
  disabled: false,
  comment: '',
  ...v,
});
const peer = (v: Partial<PeerValues>) =>
  ({ name: 'b', address: '198.51.100.7/32', 'local-address': '', ...v }) as PeerValues;

describe('configured policies -> SPD', () => {
  it('out, in and fwd in policy order, with the policy reqid; disabled ones keep their place', () => {
    const ps = policiesFromConfig(
      [
        { id: 3, values: policy({ disabled: true }) },
        { id: 4, values: policy({ protocol: 'tcp', 'dst-port': 443 }) },
      ],
      [peer({})],
    );
    expect(ps.map((p) => [p.dir, p.priority, p.selector])).toEqual([
      ['out', 1001, { src: '10.1.0.0/16', dst: '10.2.0.0/24', protocol: 6, dstPort: 443 }],
      ['in', 1001, { src: '10.2.0.0/24', dst: '10.1.0.0/16', protocol: 6, srcPort: 443 }],
      ['fwd', 1001, { src: '10.2.0.0/24', dst: '10.1.0.0/16', protocol: 6, srcPort: 443 }],
    ]);
    expect(ps.every((p) => p.templates[0]?.reqid === reqidOfPolicy(4))).toBe(true);
  });

  it('tunnel endpoints come from the peer when it names one host, for both directions', () => {
    const ps = policiesFromConfig([{ id: 1, values: policy({}) }], [peer({ 'local-address': '192.0.2.1' })]);
    expect(ps.map((p) => [p.dir, p.templates[0]?.src, p.templates[0]?.dst])).toEqual([
      ['out', '192.0.2.1', '198.51.100.7'],
      ['in', '198.51.100.7', '192.0.2.1'],
      ['fwd', '198.51.100.7', '192.0.2.1'],
    ]);
    // a road-warrior peer (any address) and no local-address: both ends open, any SA of the reqid fits
    expect(tunnelEndpoints(peer({ address: '0.0.0.0/0' }))).toEqual({});
    expect(tunnelEndpoints(peer({ address: '2001:db8::7/128' }))).toEqual({ remote: '2001:db8::7' });
    expect(tunnelEndpoints(peer({ address: 'vpn.example.com' }))).toEqual({});
    // transport mode and non-encrypt policies carry no endpoints
    const transport = policiesFromConfig([{ id: 1, values: policy({ tunnel: false }) }], [peer({})]);
    expect(transport.map((p) => [p.dir, p.templates[0]?.mode, p.templates[0]?.dst])).toEqual([
      ['out', 'transport', undefined],
      ['in', 'transport', undefined],
    ]);
    expect(policiesFromConfig([{ id: 1, values: policy({ action: 'none' }) }], [peer({})])[0]?.templates).toEqual([]);
  });
});

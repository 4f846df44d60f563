// Certificate authentication (RFC 7296 3.6-3.8, RFC 7427): RSA and ECDSA, chains to a trusted CA,
// pinned remote-certificate, validity at the engine's clock, legacy signature methods.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IkeConfig, SendAction } from '../src/index.ts';
import { AuthMethod } from '../src/codec/constants.ts';
import { signAuth, verifyAuth, formatDn, subjectDer } from '../src/auth/signature.ts';
import { configs, pair } from './world.ts';

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const NOW = Date.parse('2030-06-01T00:00:00Z');
const CA = { name: 'ca', certificate: fx('ca.crt'), trusted: true };

function certConfigs(o: { a?: string; b?: string; bPins?: string; aRemoteId?: string } = {}) {
  const cfg = configs();
  const a = o.a ?? 'a-ecdsa';
  const b = o.b ?? 'b-rsa';
  const own = (n: string) => ({ name: n, certificate: fx(`${n}.crt`), 'private-key': fx(`${n}.key`) });
  const withCerts = (c: IkeConfig, mine: string, peer: string, pins?: string, remoteId?: string): IkeConfig => ({
    ...c,
    certificates: [CA, own(mine), ...(pins ? [{ name: 'pinned', certificate: fx(`${pins}.crt`) }] : [])],
    identities: [
      {
        peer,
        'auth-method': 'digital-signature',
        certificate: mine,
        ...(pins ? { 'remote-certificate': 'pinned' } : {}),
        ...(remoteId ? { 'remote-id': remoteId } : {}),
      },
    ],
  });
  return { a: withCerts(cfg.a, a, 'to-b', undefined, o.aRemoteId), b: withCerts(cfg.b, b, 'from-a', o.bPins) };
}

describe('certificate authentication', () => {
  it('ECDSA P-256 initiator and RSA responder, both chained to the trusted CA: RFC 7427 signatures, DN identities', () => {
    const n = pair(certConfigs(), { start: NOW });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
    expect(n.b.list()[0]?.state).toBe('established');
    expect(n.installs('a')).toHaveLength(1);
    expect(n.events('a').some((e) => e.includes('(dn:C=CH, O=ipsec test, CN=b.example)'))).toBe(true);
    expect(n.events('b').some((e) => e.includes('(dn:C=CH, O=ipsec test, CN=a.example)'))).toBe(true);
  });

  it('ECDSA P-384 and a remote-id given as dn: text', () => {
    const n = pair(certConfigs({ a: 'a-p384', aRemoteId: 'dn:C=CH,O=ipsec test,CN=b.example' }), { start: NOW });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
  });

  it('an RSA 4096 certificate makes IKE_AUTH bigger than 1280 bytes: fragmented and reassembled', () => {
    const n = pair(certConfigs({ a: 'a-rsa' }), { start: NOW });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
    const sends = n.log.filter((l) => l.action.type === 'send').map((l) => l.action as SendAction);
    expect(sends.length).toBeGreaterThan(4);
    for (const s of sends) expect(s.data.length).toBeLessThanOrEqual(1280 - 28);
  });

  it('a certificate from an untrusted CA is refused with AUTHENTICATION_FAILED', () => {
    const n = pair(certConfigs({ a: 'evil' }), { start: NOW });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()).toEqual([]);
    expect(n.b.list()).toEqual([]);
    expect(n.events('b').some((e) => e.includes('not issued by a trusted CA'))).toBe(true);
  });

  it("the initiator refuses the responder's certificate: it tells the responder, and both forget the SA", () => {
    const n = pair(certConfigs({ b: 'evil' }), { start: NOW });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.events('a').some((e) => e.includes('not issued by a trusted CA'))).toBe(true);
    expect(n.a.list()).toEqual([]);
    expect(n.b.list()).toEqual([]);
    expect(n.events('b').some((e) => e.includes('peer refused our authentication (AUTHENTICATION_FAILED)'))).toBe(true);
    expect(n.installs('a')).toEqual([]);
  });

  it('remote-certificate pins the peer certificate', () => {
    const ok = pair(certConfigs({ bPins: 'a-ecdsa' }), { start: NOW });
    ok.deliver('a', ok.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(ok.b.list()[0]?.state).toBe('established');
    const bad = pair(certConfigs({ bPins: 'a-p384' }), { start: NOW });
    bad.deliver('a', bad.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(bad.b.list()).toEqual([]);
    expect(bad.events('b').some((e) => e.includes('differs from the configured remote-certificate'))).toBe(true);
  });

  it('validity is checked at the engine clock, not the wall clock', () => {
    const n = pair(certConfigs(), { start: Date.parse('2001-01-01T00:00:00Z') });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.b.list()).toEqual([]);
    expect(n.events('b').some((e) => e.includes('is not valid now'))).toBe(true);
  });

  it('a PSK peer and a certificate peer do not authenticate each other', () => {
    const cfg = certConfigs();
    cfg.b = configs().b;
    cfg.b.identities = [{ ...cfg.b.identities![0]!, 'remote-id': 'auto' }];
    const n = pair(cfg, { start: NOW });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.b.list()).toEqual([]);
    expect(n.events('b').some((e) => e.includes('we expect a pre-shared key'))).toBe(true);
  });

  it('legacy methods without SIGNATURE_HASH_ALGORITHMS: RSA (1) and ECDSA (9, 10); RFC 7427 with; tampering fails', () => {
    const octets = new Uint8Array(100).fill(7);
    for (const [name, legacy] of [
      ['b-rsa', AuthMethod.RSA],
      ['a-ecdsa', AuthMethod.ECDSA_256],
      ['a-p384', AuthMethod.ECDSA_384],
    ] as const) {
      const key = createPrivateKey(fx(`${name}.key`));
      const pub = new X509Certificate(fx(`${name}.crt`)).publicKey;
      const old = signAuth(key, octets, undefined);
      expect(old.method).toBe(legacy);
      expect(verifyAuth(old.method, old.data, pub, octets)).toBe(true);
      const modern = signAuth(key, octets, [2, 3, 4]);
      expect(modern.method).toBe(AuthMethod.DIGITAL_SIGNATURE);
      expect(verifyAuth(modern.method, modern.data, pub, octets)).toBe(true);
      const tampered = octets.slice();
      tampered[0]! ^= 1;
      expect(verifyAuth(modern.method, modern.data, pub, tampered)).toBe(false);
      expect(verifyAuth(AuthMethod.DIGITAL_SIGNATURE, new Uint8Array([200, 1, 2]), pub, octets)).toBe(false);
    }
    expect(formatDn(subjectDer(new Uint8Array(new X509Certificate(fx('ca.crt')).raw)))).toBe(
      'C=CH, O=ipsec test, CN=Test CA',
    );
  });

  it("match-by=certificate: the identity whose remote-certificate is the peer's certificate is chosen (its mode config)", () => {
    const run = (client: string) => {
      const cfg = certConfigs({ a: client });
      cfg.a.identities = [{ ...cfg.a.identities![0]!, 'mode-config': 'request-only' }];
      cfg.a.policies = [
        { peer: 'to-b', tunnel: true, 'src-address': '0.0.0.0/0', 'dst-address': '10.2.0.0/16', proposal: 'esp' },
      ];
      const base = cfg.b.identities![0]!;
      cfg.b.certificates = [...cfg.b.certificates!, { name: 'user-a', certificate: fx('a-ecdsa.crt') }];
      cfg.b.identities = [
        { ...base, 'mode-config': 'everyone' },
        { ...base, 'match-by': 'certificate', 'remote-certificate': 'user-a', 'mode-config': 'usr_A' },
      ];
      cfg.b.modeConfigs = [
        { name: 'everyone', responder: true, address: '10.99.0.7' },
        { name: 'usr_A', responder: true, address: '10.99.0.66' },
      ];
      cfg.b.policies = [
        { peer: 'from-a', tunnel: true, 'src-address': '10.2.0.0/24', 'dst-address': '10.99.0.0/24', proposal: 'esp' },
      ];
      const n = pair(cfg, { start: NOW });
      n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
      return n;
    };
    expect(run('a-ecdsa').a.list()[0]?.virtualIp).toBe('10.99.0.66');
    expect(run('a-p384').a.list()[0]?.virtualIp).toBe('10.99.0.7');
  });
});

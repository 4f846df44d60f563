// System > Certificates: RouterOS property names, defaults, value sets, validation, and the identity
// references to it.
import { describe, expect, it } from 'vitest';
import {
  CONFIG_MENUS,
  ConfigError,
  EC_CURVES,
  KEY_USAGES,
  RSA_KEY_SIZES,
  SECRET_PLACEHOLDER,
  applyInput,
  certificate,
  checkConfig,
  checkEntry,
  defaults,
  getMenu,
  identity,
  menuByPath,
  modeConfig,
  peer,
  profile,
  proposal,
  type Config,
} from '../src/index.ts';

const parse = (input: Record<string, unknown>) => applyInput(certificate, defaults(certificate), input);
const issueOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues[0]!;
  }
  throw new Error('no error');
};

describe('certificate menu', () => {
  it('is /certificate, keyed by name, a config menu', () => {
    expect(certificate.path).toBe('certificate');
    expect(certificate.title).toBe('Certificates');
    expect(certificate.key).toBe('name');
    expect(CONFIG_MENUS).toContain(certificate);
    expect(getMenu('certificate')).toBe(certificate);
    expect(menuByPath('certificate')).toBe(certificate);
  });
  it('defaults: RSA 2048, 365 days, automatic key usage, not trusted, no material', () => {
    expect(defaults(certificate)).toMatchObject({
      name: '',
      'common-name': '',
      'subject-alt-name': [],
      'key-type': 'rsa',
      'key-size': '2048',
      'days-valid': 365,
      'key-usage': [],
      trusted: false,
      'certificate-pem': '',
      'private-key-pem': '',
    });
  });
  it('value sets: RouterOS key sizes and curves in one key-size, RouterOS key-usage words', () => {
    expect(certificate.fields['key-type'].values).toEqual(['rsa', 'ecdsa']);
    expect(certificate.fields['key-size'].values).toEqual([...RSA_KEY_SIZES, ...EC_CURVES]);
    expect(RSA_KEY_SIZES).toEqual(['1024', '1536', '2048', '3072', '4096', '6144', '8192']);
    expect(EC_CURVES).toEqual(['prime256v1', 'secp384r1', 'secp521r1']);
    for (const u of ['digital-signature', 'key-cert-sign', 'crl-sign', 'key-encipherment', 'tls-server', 'tls-client'])
      expect(KEY_USAGES).toContain(u);
  });
  it('key material is write-only; status is read-only', () => {
    expect(certificate.fields['certificate-pem'].meta.secret).toBe(true);
    expect(certificate.fields['private-key-pem'].meta.secret).toBe(true);
    expect(certificate.fields['private-key-pem'].print('-----BEGIN PRIVATE KEY-----')).toBe(SECRET_PLACEHOLDER);
    for (const s of [
      'issuer',
      'serial-number',
      'fingerprint',
      'invalid-before',
      'invalid-after',
      'expires-after',
      'private-key',
      'ca',
      'expired',
      'flags',
    ]) {
      expect(certificate.status[s]?.meta.readOnly, s).toBe(true);
    }
    expect(issueOf(() => parse({ name: 'c', fingerprint: 'ab' }))).toMatchObject({
      field: 'fingerprint',
      message: 'is read-only',
    });
    expect(certificate.status['expires-after']!.print(90061 as never)).toBe('1d1h1m1s');
  });
  it('parses RouterOS text: SANs, key usage, days-valid, trusted', () => {
    const v = parse({
      name: 'server1',
      'common-name': '2.2.2.2',
      'subject-alt-name': 'IP:2.2.2.2,DNS:vpn.example.com,email:a@b.example',
      'key-usage': 'tls-server,digital-signature',
      'days-valid': '30',
      trusted: 'yes',
    });
    expect(v).toMatchObject({
      'subject-alt-name': ['IP:2.2.2.2', 'DNS:vpn.example.com', 'email:a@b.example'],
      'key-usage': ['tls-server', 'digital-signature'],
      'days-valid': 30,
      trusted: true,
    });
    expect(certificate.fields['subject-alt-name'].print(v['subject-alt-name'] as string[])).toBe(
      'IP:2.2.2.2,DNS:vpn.example.com,email:a@b.example',
    );
    expect(parse({ 'subject-alt-name': ['ip:2001:DB8::1', 'dns:*.example.com'] })['subject-alt-name']).toEqual([
      'IP:2001:db8::1',
      'DNS:*.example.com',
    ]);
  });
  it.each([
    [{ 'subject-alt-name': 'URI:http://x' }, 'subject-alt-name', /IP:address, DNS:name or email/],
    [{ 'subject-alt-name': 'IP:300.1.1.1' }, 'subject-alt-name', /./],
    [{ 'subject-alt-name': 'DNS:bad name' }, 'subject-alt-name', /not a DNS name/],
    [{ 'subject-alt-name': 'email:nobody' }, 'subject-alt-name', /not an e-mail/],
    [{ 'key-usage': 'signing' }, 'key-usage', /"signing" is not one of/],
    [{ 'key-size': '3000' }, 'key-size', /is not one of/],
    [{ 'days-valid': '0' }, 'days-valid', /1\.\.36500/],
  ])('%j: error names %s', (input, field, msg) => {
    const i = issueOf(() => parse(input));
    expect(i.field).toBe(field);
    expect(i.message).toMatch(msg);
  });
  it('key-size must fit key-type', () => {
    expect(checkEntry(certificate, { ...parse({ name: 'c', 'key-type': 'ecdsa' }) })).toContainEqual(
      expect.objectContaining({
        field: 'key-size',
        message: expect.stringMatching(/RSA size; with key-type=ecdsa use prime256v1/),
      }),
    );
    expect(checkEntry(certificate, { ...parse({ name: 'c', 'key-size': 'secp384r1' }) })).toContainEqual(
      expect.objectContaining({ field: 'key-size', message: expect.stringMatching(/ECDSA curve/) }),
    );
    expect(checkEntry(certificate, parse({ name: 'c', 'key-type': 'ecdsa', 'key-size': 'prime256v1' }))).toEqual([]);
    expect(checkEntry(certificate, parse({ name: 'c', 'private-key-pem': 'x' }))).toContainEqual(
      expect.objectContaining({ field: 'certificate-pem' }),
    );
  });
});

describe('identity certificate references', () => {
  const config = (certs: { name: string; key: boolean }[], ident: Record<string, unknown>): Config => ({
    policy: [],
    proposal: [{ id: 1, values: { ...defaults(proposal), name: 'default' } }],
    'policy-group': [{ id: 1, values: { name: 'default', comment: '' } }],
    peer: [{ id: 1, values: { ...defaults(peer), name: 'p1' } }],
    identity: [{ id: 1, values: { ...defaults(identity), peer: 'p1', 'auth-method': 'digital-signature', ...ident } }],
    profile: [{ id: 1, values: { ...defaults(profile), name: 'default' } }],
    'mode-config': [{ id: 1, values: { ...defaults(modeConfig), name: 'request-only', responder: false } }],
    key: [],
    user: [],
    settings: [],
    pool: [],
    certificate: certs.map((c, i) => ({
      id: i + 1,
      values: {
        ...defaults(certificate),
        name: c.name,
        'certificate-pem': 'PEM',
        'private-key-pem': c.key ? SECRET_PLACEHOLDER : '',
      },
    })),
  });
  it('certificate and remote-certificate are refs to the certificate menu', () => {
    expect(identity.fields.certificate.kind).toBe('ref');
    expect(identity.fields.certificate.ref).toEqual({ menu: 'certificate', specials: [] });
    expect(identity.fields['remote-certificate'].ref).toEqual({ menu: 'certificate', specials: [] });
  });
  it('must name existing certificates; ours needs a private key', () => {
    expect(
      checkConfig(
        config(
          [
            { name: 'server1', key: true },
            { name: 'client1', key: false },
          ],
          { certificate: 'server1', 'remote-certificate': 'client1' },
        ),
      ),
    ).toEqual([]);
    expect(checkConfig(config([], { certificate: 'nope' }))).toContainEqual(
      expect.objectContaining({ menu: 'identity', field: 'certificate', message: 'certificate "nope" does not exist' }),
    );
    expect(
      checkConfig(config([{ name: 's', key: true }], { certificate: 's', 'remote-certificate': 'gone' })),
    ).toContainEqual(
      expect.objectContaining({ field: 'remote-certificate', message: 'certificate "gone" does not exist' }),
    );
    expect(checkConfig(config([{ name: 'ca', key: false }], { certificate: 'ca' }))).toContainEqual(
      expect.objectContaining({ field: 'certificate', message: 'certificate "ca" has no private key to sign with' }),
    );
  });
});

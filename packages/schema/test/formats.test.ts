// RouterOS value formats parse and print round-trip; bad values give errors that name the field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  applyInput,
  checkConfig,
  defaults,
  formatId,
  parseAddress,
  parseId,
  parsePrefix,
  parseTime,
  peer,
  policy,
  printTime,
  profile,
  proposal,
  identity,
  modeConfig,
  secretBytes,
  SECRET_PLACEHOLDER,
  type Config,
} from '../src/index.ts';

describe('time', () => {
  it.each([
    ['30m', 1800],
    ['1d', 86400],
    ['1d 00:00:00', 86400],
    ['8h30m', 30600],
    ['00:30:00', 1800],
    ['1w2d3h4m5s', 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ['90', 90],
    ['2m', 120],
    ['1d 02:03:04', 93784],
    ['0s', 0],
  ])('%s = %i s', (text, seconds) => {
    expect(parseTime(text)).toBe(seconds);
  });
  it('prints compactly', () => {
    expect(printTime(1800)).toBe('30m');
    expect(printTime(86400)).toBe('1d');
    expect(printTime(30600)).toBe('8h30m');
    expect(printTime(0)).toBe('0s');
  });
  it('round-trips any duration', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 365 * 86400 }), (s) => parseTime(printTime(s)) === s));
  });
  it.each(['', 'abc', '5x', '1d1d', '10:99'])('rejects %j', (t) => {
    expect(() => parseTime(t)).toThrow();
  });
});

describe('addresses and prefixes', () => {
  it('canonicalizes', () => {
    expect(parsePrefix('10.1.202.7/24')).toBe('10.1.202.0/24');
    expect(parsePrefix('192.168.80.1')).toBe('192.168.80.1/32');
    expect(parsePrefix('::/0')).toBe('::/0');
    expect(parsePrefix('2001:DB8:0:0:0:0:0:1/64')).toBe('2001:db8::/64');
    expect(parseAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(parseAddress('::ffff:1.2.3.4')).toBe('::ffff:102:304');
  });
  it.each(['300.1.1.1/24', '10.0.0.0/33', '1.2.3', '::1::2', 'fe80::/129', 'x'])('rejects %j', (p) => {
    expect(() => parsePrefix(p)).toThrow();
  });
  it('round-trips random IPv4 and IPv6 prefixes', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, len) => {
        const p = parsePrefix(`${ip}/${len}`);
        return parsePrefix(p) === p;
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), (ip, len) => {
        const p = parsePrefix(`${ip}/${len}`);
        return parsePrefix(p) === p;
      }),
    );
  });
});

describe('ids and secrets', () => {
  it('RouterOS ids are * and hex', () => {
    expect(formatId(1)).toBe('*1');
    expect(formatId(26)).toBe('*1A');
    expect(parseId('*1A')).toBe(26);
    expect(parseId('1')).toBeUndefined();
  });
  it('0x secrets are hex', () => {
    expect(secretBytes('0x0aff')).toEqual({ ok: true, value: new Uint8Array([10, 255]) });
    const text = secretBytes('test');
    expect(text.ok && new TextDecoder().decode(text.value)).toBe('test');
    expect(secretBytes('0xabc')).toEqual({ ok: false, error: expect.stringMatching(/hex/) });
  });
});

describe('input parsing', () => {
  it('accepts RouterOS text and typed values alike', () => {
    const a = applyInput(profile, defaults(profile), {
      'dh-group': 'modp2048,ecp256',
      lifetime: '1d 00:00:00',
      'nat-traversal': 'no',
      'dpd-maximum-failures': '7',
    });
    const b = applyInput(profile, defaults(profile), {
      'dh-group': ['modp2048', 'ecp256'],
      lifetime: 86400,
      'nat-traversal': false,
      'dpd-maximum-failures': 7,
    });
    expect(a).toEqual(b);
    expect(applyInput(profile, defaults(profile), { 'dpd-interval': 'disable-dpd' })['dpd-interval']).toBe(
      'disable-dpd',
    );
  });
  it('round-trips every default through print and parse', () => {
    for (const m of [peer, profile, proposal, policy, identity, modeConfig]) {
      const d = { ...defaults(m), ...('name' in m.fields ? { name: 'x' } : {}) };
      const printed: Record<string, string> = {};
      for (const [prop, field] of Object.entries(m.fields))
        if (!field.meta.secret) printed[prop] = field.print((d as Record<string, unknown>)[prop] as never);
      expect(applyInput(m, d, printed)).toEqual(d);
    }
  });
  it.each([
    ['profile', { 'dh-group': 'modp2048,modp9999' }, 'dh-group', /modp9999/],
    ['profile', { 'dpd-maximum-failures': 101 }, 'dpd-maximum-failures', /1\.\.100/],
    ['profile', { 'dh-group': '' }, 'dh-group', /at least one/],
    ['peer', { address: '10.0.0.300/24' }, 'address', /prefix|DNS/],
    ['peer', { 'exchange-mode': 'ike3' }, 'exchange-mode', /aggressive, base, main, ike2/],
    ['peer', { passive: 'maybe' }, 'passive', /yes or no/],
    ['policy', { 'src-port': 70000 }, 'src-port', /65535/],
    ['policy', { protocol: 'bogus' }, 'protocol', /protocol/],
    ['proposal', { lifetime: '3 days' }, 'lifetime', /time/],
    ['peer', { frobnicate: 1 }, 'frobnicate', /unknown property/],
    ['policy', { 'ph2-count': 1 }, 'ph2-count', /read-only/],
    ['identity', { 'my-id': 'fqdn:' }, 'my-id', /needs a value/],
  ] as const)('%j: error names %s', (menuName, input, field, msg) => {
    const menu = { profile, peer, policy, proposal, identity }[menuName];
    try {
      applyInput(menu, defaults(menu), input as Record<string, unknown>);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const issue = (e as ConfigError).issues[0]!;
      expect(issue.field).toBe(field);
      expect(issue.message).toMatch(msg);
      expect((e as ConfigError).message).toContain(`${field}:`);
    }
  });
  it('the secret placeholder means unchanged', () => {
    const v = applyInput(identity, { ...defaults(identity), secret: 'real' }, { secret: SECRET_PLACEHOLDER });
    expect(v.secret).toBe('real');
  });
});

describe('configuration checks', () => {
  const base = (): Config => ({
    policy: [],
    proposal: [{ id: 1, values: { ...defaults(proposal), name: 'default' } }],
    'policy-group': [{ id: 1, values: { name: 'default', comment: '' } }],
    peer: [],
    identity: [],
    profile: [{ id: 1, values: { ...defaults(profile), name: 'default' } }],
    'mode-config': [],
    key: [],
    user: [],
    certificate: [],
    settings: [],
    pool: [],
  });
  it('references must resolve and names be unique', () => {
    const c = base();
    c.peer.push({ id: 1, values: { ...defaults(peer), name: 'p1', profile: 'nope' } });
    c.peer.push({ id: 2, values: { ...defaults(peer), name: 'p1' } });
    const issues = checkConfig(c);
    expect(issues).toContainEqual(
      expect.objectContaining({ menu: 'peer', id: 1, field: 'profile', message: 'profile "nope" does not exist' }),
    );
    expect(issues).toContainEqual(expect.objectContaining({ menu: 'peer', id: 2, field: 'name' }));
  });
  it('manual rules: PSK needs a secret, static-dns excludes system-dns, address families match', () => {
    const c = base();
    c.peer.push({ id: 1, values: { ...defaults(peer), name: 'p1' } });
    c.identity.push({ id: 1, values: { ...defaults(identity), peer: 'p1' } });
    c['mode-config'].push({ id: 1, values: { ...defaults(modeConfig), name: 'm', 'static-dns': ['10.0.0.1'] } });
    c.policy.push({
      id: 1,
      values: { ...defaults(policy), peer: 'p1', 'src-address': '10.0.0.0/24', 'dst-address': '2001:db8::/64' },
    });
    const fields = checkConfig(c).map((i) => `${i.menu}.${i.field}`);
    expect(fields).toEqual(expect.arrayContaining(['identity.secret', 'mode-config.static-dns', 'policy.dst-address']));
  });
});

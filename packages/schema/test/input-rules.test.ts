// One rule for every name and text value (no control characters), property names checked against the menu's own
// fields, and values within sane bounds: each refusal is a ConfigError naming the field or property.
import { describe, expect, it } from 'vitest';
import {
  CONFIG_MENUS,
  ConfigError,
  TIME_MAX,
  applyInput,
  checkEntry,
  defaults,
  identity,
  proposal,
  type MenuDef,
} from '../src/index.ts';

/** The issues applyInput raises for `input` on `menu` (none when it accepts it). */
function issuesOf(menu: MenuDef, input: Record<string, unknown>) {
  try {
    applyInput(menu, defaults(menu), input);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
}

const CONTROL = ['\r', '\n', '\0', '\x1b', '\t', '\x7f', '\x85', '\x9b', '\u2028', '\u2029'];
const TEXT_KINDS = ['name', 'string', 'id', 'ref', 'string-list'];

/** A value the field would accept, with `c` in the middle. */
function withControl(menu: MenuDef, prop: string, c: string): string {
  const kind = menu.fields[prop]!.kind;
  return kind === 'id' ? `fqdn:a${c}b` : `a${c}b`;
}

describe('no name, ID, comment or text value holds a control character', () => {
  for (const menu of CONFIG_MENUS as readonly MenuDef[]) {
    const props = Object.entries(menu.fields).filter(([, f]) => TEXT_KINDS.includes(f.kind));
    if (props.length === 0) continue;
    it(`${menu.name}: ${props.map(([p]) => p).join(', ')}`, () => {
      for (const [prop] of props)
        for (const c of CONTROL) {
          const issues = issuesOf(menu, { [prop]: withControl(menu, prop, c) });
          expect(issues).toHaveLength(1);
          expect(issues[0]!.field).toBe(prop);
          expect(issues[0]!.message).toMatch(/control characters \(U\+[0-9A-F]{4} at position (2|7)\)/);
        }
    });
  }

  it('my-id=fqdn:a\\nb is refused; printable Unicode stays accepted', () => {
    expect(issuesOf(identity, { 'my-id': 'fqdn:a\nb' })[0]?.field).toBe('my-id');
    expect(
      applyInput(identity, defaults(identity), { 'my-id': 'fqdn:vpn.example.com', comment: 'Büro «Zürich» ✓' }),
    ).toMatchObject({
      'my-id': 'fqdn:vpn.example.com',
      comment: 'Büro «Zürich» ✓',
    });
  });

  it('a lone surrogate is refused naming the field; a pair (an emoji) is text', () => {
    for (const lone of ['\udfff', 'a\ud800', '\ud800x'])
      expect(issuesOf(proposal, { comment: lone })[0]).toMatchObject({ field: 'comment', message: /lone surrogate/ });
    expect(applyInput(proposal, defaults(proposal), { comment: 'ok 🔐' })).toMatchObject({ comment: 'ok 🔐' });
  });

  it('a PEM secret keeps its lines', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const certificate = CONFIG_MENUS.find((m) => m.name === 'certificate')! as MenuDef;
    expect(applyInput(certificate, defaults(certificate), { 'certificate-pem': pem })['certificate-pem']).toBe(pem);
  });
});

describe('property names are the menu’s own', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'])(
    '%s is an unknown property on every menu',
    (prop) => {
      for (const menu of CONFIG_MENUS as readonly MenuDef[]) {
        const input = JSON.parse(`{${JSON.stringify(prop)}: "x"}`) as Record<string, unknown>;
        const issues = issuesOf(menu, input);
        expect(issues).toEqual([
          expect.objectContaining({ field: prop, message: expect.stringMatching(/unknown property/) }),
        ]);
      }
    },
  );
});

describe('values have sane bounds', () => {
  it.each([['99999999999999d'], [1e308], ['5300w'], [Number.MAX_SAFE_INTEGER + 2], ['99999999999999999999']])(
    'lifetime=%s is refused',
    (lifetime) => {
      expect(issuesOf(proposal, { lifetime })).toEqual([
        expect.objectContaining({ field: 'lifetime', message: expect.stringMatching(/at most 100 years/) }),
      ]);
    },
  );
  it('100 years is the longest lifetime', () => {
    expect(applyInput(proposal, defaults(proposal), { lifetime: TIME_MAX }).lifetime).toBe(TIME_MAX);
    expect(issuesOf(proposal, { lifetime: TIME_MAX + 1 })[0]?.field).toBe('lifetime');
  });
  it('lists, IDs, ports, counts and prefix lengths are bounded', () => {
    const modeConfig = CONFIG_MENUS.find((m) => m.name === 'mode-config')! as MenuDef;
    const policy = CONFIG_MENUS.find((m) => m.name === 'policy')! as MenuDef;
    const profile = CONFIG_MENUS.find((m) => m.name === 'profile')! as MenuDef;
    const dns = Array.from({ length: 1001 }, (_, i) => `n${i}.example.com`);
    expect(issuesOf(modeConfig, { 'split-dns': dns })[0]).toMatchObject({
      field: 'split-dns',
      message: /at most 1000/,
    });
    expect(issuesOf(identity, { 'my-id': `fqdn:${'a'.repeat(300)}` })[0]?.field).toBe('my-id');
    expect(issuesOf(identity, { peer: 'p'.repeat(65) })[0]).toMatchObject({ field: 'peer', message: /at most 64/ });
    expect(issuesOf(policy, { 'dst-port': 65536 })[0]?.field).toBe('dst-port');
    expect(issuesOf(profile, { 'dpd-maximum-failures': 1e9 })[0]?.field).toBe('dpd-maximum-failures');
    expect(issuesOf(modeConfig, { 'address-prefix-length': 33 })[0]?.field).toBe('address-prefix-length');
    expect(issuesOf(policy, { 'src-address': '10.0.0.0/33' })[0]?.field).toBe('src-address');
  });
  it('an identity secret of 0x and bad hex is refused without echoing it; good hex and text are kept', () => {
    const entryIssues = (secret: string) =>
      checkEntry(identity, applyInput(identity, defaults(identity), { peer: 'p', secret }));
    for (const secret of ['0x', '0xabc', '0xzz', '0X12g4']) {
      const issues = entryIssues(secret);
      expect(issues).toEqual([expect.objectContaining({ field: 'secret', message: expect.stringMatching(/hex/) })]);
      if (secret !== '0x') expect(issues[0]!.message).not.toContain(secret);
    }
    expect(entryIssues('0x0aff')).toEqual([]);
    expect(entryIssues('plain text secret')).toEqual([]);
  });
});

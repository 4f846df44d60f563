// Every generated client file writes each interpolated value through the escaper of its own syntax: fed names
// holding every character that ends a string or a line somewhere (quotes of each kind, backtick, $, CR, LF, NUL,
// ESC, braces, <, >, &, U+2028/2029...), each file still parses as its format with the value intact, or the
// download is refused (a ConfigError, 400) when the format has no way to write the character.
import { beforeAll, describe, expect, it } from 'vitest';
import * as plist from 'plist';
import { ConfigError, certificate, defaultProposals, defaults, type CertificateValues } from '@ipsec/schema';
import { issue } from '../src/store/certificates.ts';
import type { CertRef, RoadWarriorSetup, SiteToSiteSetup } from '../src/wizard/setup.ts';
import { mobileconfig } from '../src/wizard/profiles/apple.ts';
import { sswan } from '../src/wizard/profiles/android.ts';
import { swanctlConf } from '../src/wizard/profiles/linux.ts';
import { routerosScript, swanctlSiteToSite } from '../src/wizard/profiles/site-to-site.ts';
import { powershell } from '../src/wizard/profiles/windows.ts';

const HOSTILE_CHARACTERS = [
  ...`'"\`$\\{}<>&#;?|()[]%!*=,`,
  '\u2018', // ‘ ’ ‚ ‛: PowerShell single quotes
  '\u2019',
  '\u201a',
  '\u201b',
  '\u201c', // “ ” „: PowerShell double quotes
  '\u201d',
  '\u201e',
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\0',
  '\x1b',
  '\x7f',
  '\x85',
  '\u2028',
  '\u2029',
  ']]>',
  '$(calc)',
  '`n',
  '"; Remove-Item C:\\ #',
];
/** Characters a format may refuse (XML 1.0 cannot hold C0 but TAB/LF/CR; a C string cannot hold NUL). */
const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

const names = HOSTILE_CHARACTERS.map((c) => `a${c}b`);
const everything = `x${HOSTILE_CHARACTERS.join('')}y`;

let ca: CertRef;
let clientPem: string;
beforeAll(async () => {
  const base: CertificateValues = { ...defaults(certificate), 'key-type': 'ecdsa', 'key-size': 'prime256v1' };
  const caPem = await issue({ ...base, name: 'ca', 'common-name': 'ca' });
  ca = { name: 'ca', values: { ...base, name: 'ca', 'certificate-pem': caPem.certificate } };
  clientPem = (await issue({ ...base, name: 'alice', 'common-name': 'alice' })).certificate;
});

const client = (name: string): CertRef => ({
  name,
  values: { ...defaults(certificate), name, 'common-name': name, 'certificate-pem': clientPem },
});

function roadWarrior(name: string, auth: RoadWarriorSetup['auth']): RoadWarriorSetup {
  const p = defaultProposals();
  return {
    kind: 'road-warrior',
    name,
    auth,
    serverAddress: 'vpn.example.com',
    serverId: { type: 'fqdn', value: name },
    ike: { ...p.ike, prf: 'auto', lifetime: 86400 },
    esp: { ...p.esp, lifetime: 1800 },
    splitNetworks: ['10.5.8.0/24'],
    fullTunnel: false,
    dns: [],
    ca: { ...ca, name },
    clients: [],
    users: [name],
    psk: name,
  };
}

function siteToSite(name: string): SiteToSiteSetup {
  const p = defaultProposals();
  return {
    kind: 'site-to-site',
    name,
    localAddress: '1.1.1.1',
    remoteAddress: '2.2.2.2',
    exchangeMode: 'ike2',
    localNetworks: ['10.1.0.0/24'],
    remoteNetworks: ['10.2.0.0/24'],
    ike: { ...p.ike, prf: 'auto', lifetime: 86400 },
    esp: { ...p.esp, lifetime: 1800 },
    psk: name,
    myId: `fqdn:${name}`,
    remoteId: 'auto',
  };
}

/** Either the file, or the ConfigError that refused it. */
function attempt(render: () => string): { ok: true; text: string } | { ok: false; error: unknown } {
  try {
    return { ok: true, text: render() };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * A file's structure with every string literal (as `literal` matches them) replaced by <v>, and the literals
 * decoded: a value that ended its string or its line would change the structure.
 */
function skeleton(text: string, literal: RegExp, decode: (lit: string) => string) {
  const values: string[] = [];
  const shape = text.replace(literal, (lit) => {
    values.push(decode(lit));
    return '<v>';
  });
  return { shape, values };
}

// ------------------------------------------------------------------------------------ PowerShell
const PS_QUOTE = "['\u2018\u2019\u201a\u201b]";
const PS_LITERAL = `${PS_QUOTE}(?:[^'\u2018\u2019\u201a\u201b]|${PS_QUOTE}${PS_QUOTE})*${PS_QUOTE}`;
const PS_PART = `(?:${PS_LITERAL}|\\[char\\]0x[0-9A-F]+)`;
const PS_STRING = new RegExp(`\\(${PS_PART}(?:\\+${PS_PART})+\\)|${PS_LITERAL}`, 'g');
function decodePs(expr: string): string {
  const inner = expr.startsWith('(') ? expr.slice(1, -1) : expr;
  return [...inner.matchAll(new RegExp(PS_PART, 'g'))]
    .map(([p]) =>
      p.startsWith('[char]')
        ? String.fromCharCode(parseInt(p.slice(8), 16))
        : p.slice(1, -1).replace(new RegExp(`(${PS_QUOTE})${PS_QUOTE}`, 'g'), '$1'),
    )
    .join('');
}

describe('PowerShell (.ps1): no value ends its string or its line', () => {
  const script = (name: string) =>
    powershell({ setup: roadWarrior(name, 'certificate'), client: client(name), caFile: 'ca.crt', p12File: 'c.p12' });
  it.each([...names, everything])('%j', (name) => {
    const plain = skeleton(script('plain'), PS_STRING, decodePs);
    const text = script(name);
    const { shape, values } = skeleton(text, PS_STRING, decodePs);
    expect(shape).toBe(plain.shape);
    for (const line of text.split('\r\n')) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(values.filter((v) => v === name).length).toBe(plain.values.filter((v) => v === 'plain').length);
  });
});

// ------------------------------------------------------------------------------------ .mobileconfig
describe('Apple .mobileconfig: the plist parses back with the value intact, or is refused', () => {
  it.each([...names, everything])('%j', (name) => {
    const r = attempt(() => mobileconfig({ setup: roadWarrior(name, 'eap-mschapv2'), user: name, org: 'org' }));
    if (NOT_IN_XML.test(name)) {
      expect(r.ok).toBe(false);
      expect((r as { error: unknown }).error).toBeInstanceOf(ConfigError);
      return;
    }
    expect(r.ok).toBe(true);
    const doc = plist.parse((r as { text: string }).text) as any;
    const vpn = doc.PayloadContent.find((p: any) => p.PayloadType === 'com.apple.vpn.managed');
    expect(vpn.IKEv2.AuthName).toBe(name);
    expect(vpn.IKEv2.LocalIdentifier).toBe(name);
    expect(vpn.IKEv2.RemoteIdentifier).toBe(name);
    expect(doc.PayloadDisplayName).toBe(`IPsec ${name} (${name})`);
  });
  it('a pre-shared key with every character but the unwritable ones comes back intact', () => {
    const psk = HOSTILE_CHARACTERS.filter((c) => !NOT_IN_XML.test(c)).join('');
    const doc = plist.parse(mobileconfig({ setup: { ...roadWarrior('rw', 'psk'), psk }, org: 'org' })) as any;
    expect(doc.PayloadContent.at(-1).IKEv2.SharedSecret).toBe(psk);
  });
});

// ------------------------------------------------------------------------------------ .sswan
describe('strongSwan app .sswan: the JSON parses back with the value intact', () => {
  it.each([...names, everything])('%j', (name) => {
    const text = sswan({ setup: roadWarrior(name, 'eap-mschapv2'), user: name, org: 'org' });
    const doc = JSON.parse(text) as any;
    expect(doc.name).toBe(`${name} (${name})`);
    expect(doc.local.eap_id).toBe(name);
    expect(doc.remote.id).toBe(name);
    expect(text.split('\n').length).toBe(
      sswan({ setup: roadWarrior('plain', 'eap-mschapv2'), user: 'plain', org: 'org' }).split('\n').length,
    );
  });
});

// ------------------------------------------------------------------------------------ swanctl.conf
const SW_STRING = /"(?:[^"\\]|\\[^])*"/g;
const SW_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
const decodeSw = (lit: string) => lit.slice(1, -1).replace(/\\([^])/g, (_, c: string) => SW_ESCAPES[c] ?? c);

describe('swanctl.conf: every value quoted, the structure unchanged, or refused (NUL)', () => {
  const files = {
    'road warrior (EAP)': (name: string) =>
      swanctlConf({ setup: roadWarrior(name, 'eap-mschapv2'), user: name, caFile: `${name}.crt` }),
    'road warrior (certificate)': (name: string) =>
      swanctlConf({
        setup: roadWarrior(name, 'certificate'),
        client: client(name),
        caFile: `${name}.crt`,
        p12File: `${name}.p12`,
      }),
    'road warrior (PSK)': (name: string) => swanctlConf({ setup: roadWarrior(name, 'psk') }),
    'site to site': (name: string) => swanctlSiteToSite(siteToSite(name)),
  };
  for (const [what, render] of Object.entries(files)) {
    it.each([...names, everything])(`${what}: %j`, (name) => {
      const plain = skeleton(render('plain'), SW_STRING, decodeSw);
      const r = attempt(() => render(name));
      if (name.includes('\0')) {
        expect(r.ok).toBe(false);
        expect((r as { error: unknown }).error).toBeInstanceOf(ConfigError);
        return;
      }
      const text = (r as { text: string }).text;
      const { shape, values } = skeleton(text, SW_STRING, decodeSw);
      // The connection is named after the setup with [A-Za-z0-9_-] only: the rest is the plain file's structure.
      const conn = name.replace(/[^A-Za-z0-9_-]/g, '_');
      expect(shape.replaceAll(conn, 'N')).toBe(plain.shape.replaceAll('plain', 'N'));
      expect(text.split('\n').length).toBe(render('plain').split('\n').length);
      expect(values).toContain(name);
    });
  }
});

// ------------------------------------------------------------------------------------ RouterOS script
const ROS_STRING = /"(?:[^"\\]|\\[^])*"/g;
function decodeRos(lit: string): string {
  const bytes: number[] = [];
  const body = lit.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') bytes.push(...Buffer.from(body[i]!, 'utf8'));
    else if (/^[0-9A-F]{2}$/.test(body.slice(i + 1, i + 3))) bytes.push(parseInt(body.slice(i + 1, (i += 2) + 1), 16));
    else bytes.push(...Buffer.from(body[++i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('RouterOS script (.rsc): every value one quoted string of printable ASCII', () => {
  it.each([...names, everything])('%j', (name) => {
    const plain = skeleton(routerosScript(siteToSite('plain')), ROS_STRING, decodeRos);
    const text = routerosScript(siteToSite(name));
    const { shape, values } = skeleton(text, ROS_STRING, decodeRos);
    expect(shape).toBe(plain.shape);
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(values.filter((v) => v === name).length).toBe(plain.values.filter((v) => v === 'plain').length);
    expect(values).toContain(`ipsec ${name} bypass`);
  });
});

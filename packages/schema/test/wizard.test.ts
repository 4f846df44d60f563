// The wizards' input schemas: each step validates on its own, errors name the wizard field, defaults
// fill in (name rw, system DNS, full tunnel, every client, proposals every selected client accepts).
import { describe, expect, it } from 'vitest';
import {
  WIZARD_CLIENTS,
  WIZARD_STEPS,
  defaultProposals,
  hostPeerAddress,
  isIpLiteral,
  roadWarriorInputSchema,
  serverIdOf,
  siteToSiteInputSchema,
  wizardAddressingStep,
  wizardBasicsStep,
  wizardClientsStep,
  wizardCredentialsStepFor,
  parseWizardInput,
  wizardIssues,
  wizardProposalsStep,
} from '../src/index.ts';

const fields = (r: { success: boolean; error?: any }) => (r.success ? [] : wizardIssues(r.error).map((i) => i.field));
const issuesOf = (r: { success: boolean; error?: any }) => (r.success ? [] : wizardIssues(r.error));

describe('parseWizardInput', () => {
  it('is the typed input, or the issues naming the wizard fields', () => {
    const good = parseWizardInput(siteToSiteInputSchema, {
      localAddress: '198.51.100.1',
      remoteAddress: '203.0.113.7',
      localNetworks: '10.1.0.0/24',
      remoteNetworks: '10.2.0.0/24',
      psk: 'a-long-enough-psk-1',
    });
    expect(good.ok && good.value.remoteAddress).toBe('203.0.113.7');
    const bad = parseWizardInput(roadWarriorInputSchema, { serverAddress: 'vpn.example.com', pool: '10.0.0.300' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.map((i) => i.field)).toContain('pool.0');
  });
});

describe('road warrior input', () => {
  it('fills the defaults around the required fields', () => {
    const v = roadWarriorInputSchema.parse({
      serverAddress: 'VPN.Example.com',
      pool: '10.10.10.10-10.10.10.200',
      clientCertificates: 'alice,bob',
    });
    expect(v).toMatchObject({
      name: 'rw',
      auth: 'certificate',
      serverAddress: 'vpn.example.com',
      keyType: 'rsa',
      pool: ['10.10.10.10-10.10.10.200'],
      dns: 'system',
      splitNetworks: [],
      clients: [...WIZARD_CLIENTS],
      clientCertificates: ['alice', 'bob'],
      users: [],
    });
    expect(v.proposals).toEqual(defaultProposals(WIZARD_CLIENTS));
  });

  it('default proposals: sha256 + AES-CBC, pfs none; modp1024 only for Windows', () => {
    expect(defaultProposals(['windows']).ike.dh).toContain('modp1024');
    expect(defaultProposals(['macos', 'android', 'linux']).ike.dh).not.toContain('modp1024');
    const p = roadWarriorInputSchema.parse({
      serverAddress: '203.0.113.5',
      pool: ['10.0.0.2-10.0.0.99'],
      clients: ['ios'],
      auth: 'psk',
      psk: 'a-long-enough-psk-1',
    }).proposals;
    expect(p).toEqual({
      ike: { enc: ['aes-256', 'aes-128'], hash: ['sha256'], dh: ['modp2048', 'ecp256'] },
      esp: { enc: ['aes-256-cbc', 'aes-128-cbc'], auth: ['sha256', 'sha1'], pfs: 'none' },
    });
  });

  it('errors name the field, down to list items', () => {
    const r = roadWarriorInputSchema.safeParse({
      name: 'has space',
      serverAddress: 'not a host',
      pool: ['10.0.0.1-10.0.0.9', '10.0.0.300'],
      dns: ['8.8.8.8', 'dns.example'],
      splitNetworks: ['10.5.8.0/33'],
      clients: ['windows', 'blackberry'],
      auth: 'eap-mschapv2',
      users: [{ name: 'u1', password: 'short' }],
      proposals: {
        ike: { enc: ['aes-128'], hash: ['sha1', 'sha256'], dh: [] },
        esp: { enc: ['aes-128-cbc'], auth: ['null'], pfs: 'modp9' },
      },
    });
    expect(fields(r)).toEqual(
      expect.arrayContaining([
        'name',
        'serverAddress',
        'pool.1',
        'dns.1',
        'splitNetworks.0',
        'clients.1',
        'users.0.password',
        'proposals.ike.hash',
        'proposals.ike.dh',
        'proposals.esp.pfs',
      ]),
    );
    expect(issuesOf(r).find((i) => i.field === 'pool.1')?.message).toMatch(/10\.0\.0\.300/);
  });

  it('pool ranges: checked, canonical, IPv4, not overlapping', () => {
    expect(wizardAddressingStep.parse({ pool: ' 10.10.10.10-10.10.10.200 , 10.10.11.0/24' }).pool).toEqual([
      '10.10.10.10-10.10.10.200',
      '10.10.11.0/24',
    ]);
    expect(issuesOf(wizardAddressingStep.safeParse({ pool: ['10.0.0.9-10.0.0.1'] }))[0]).toMatchObject({
      field: 'pool.0',
      message: expect.stringMatching(/starts after it ends/),
    });
    expect(issuesOf(wizardAddressingStep.safeParse({ pool: ['2001:db8::1-2001:db8::9'] }))[0]).toMatchObject({
      field: 'pool.0',
      message: expect.stringMatching(/IPv6/),
    });
    expect(issuesOf(wizardAddressingStep.safeParse({ pool: ['10.0.0.1-10.0.0.9', '10.0.0.5'] }))[0]).toMatchObject({
      field: 'pool.1',
      message: expect.stringMatching(/overlaps/),
    });
    expect(fields(wizardAddressingStep.safeParse({ pool: [] }))).toEqual(['pool']);
    expect(fields(wizardAddressingStep.safeParse({}))).toEqual(['pool']);
  });

  it('dns: system, a list of addresses, or none; split networks as prefixes', () => {
    expect(wizardAddressingStep.parse({ pool: '10.0.0.2-10.0.0.9' })).toMatchObject({
      dns: 'system',
      splitNetworks: [],
    });
    expect(
      wizardAddressingStep.parse({
        pool: '10.0.0.2-10.0.0.9',
        dns: '10.5.8.1, 10.5.8.2',
        splitNetworks: '10.5.8.7/24',
      }),
    ).toMatchObject({ dns: ['10.5.8.1', '10.5.8.2'], splitNetworks: ['10.5.8.0/24'] });
    expect(wizardAddressingStep.parse({ pool: '10.0.0.2-10.0.0.9', dns: [] }).dns).toEqual([]);
    expect(
      fields(
        wizardAddressingStep.safeParse({ pool: '10.0.0.2-10.0.0.9', splitNetworks: ['10.5.8.0/24', '10.5.8.1/24'] }),
      ),
    ).toEqual(['splitNetworks.1']);
  });

  it("basics: server address is an IP or an FQDN (its certificate SAN and the clients' remote ID)", () => {
    expect(wizardBasicsStep.parse({ serverAddress: '2.2.2.2' })).toMatchObject({
      name: 'rw',
      auth: 'certificate',
      serverAddress: '2.2.2.2',
    });
    expect(serverIdOf('2.2.2.2')).toEqual({ kind: 'address', san: 'IP:2.2.2.2', id: 'address:2.2.2.2' });
    expect(serverIdOf('vpn.example.com')).toEqual({
      kind: 'fqdn',
      san: 'DNS:vpn.example.com',
      id: 'fqdn:vpn.example.com',
    });
    expect(wizardBasicsStep.parse({ serverAddress: '2001:DB8::1' }).serverAddress).toBe('2001:db8::1');
    for (const bad of ['', 'vpn', '300.1.1.1', 'a b.example'])
      expect(fields(wizardBasicsStep.safeParse({ serverAddress: bad })), bad).toEqual(['serverAddress']);
    expect(fields(wizardBasicsStep.safeParse({ serverAddress: '2.2.2.2', auth: 'xauth' }))).toEqual(['auth']);
    expect(fields(wizardBasicsStep.safeParse({ serverAddress: '2.2.2.2', name: 'x'.repeat(41) }))).toEqual(['name']);
  });

  it('IP literals: digits and dots, or a colon; anything else is a DNS name', () => {
    for (const ip of ['2.2.2.2', '300.1.1.1', '1.2.3', '2001:db8::1', '::1']) expect(isIpLiteral(ip), ip).toBe(true);
    for (const name of ['vpn.example.com', 'vpn', '1.2.3.4.nip.io', '']) expect(isIpLiteral(name), name).toBe(false);
    expect(hostPeerAddress('198.51.100.7')).toBe('198.51.100.7/32');
    expect(hostPeerAddress('2001:db8::7')).toBe('2001:db8::7/128');
    expect(hostPeerAddress('office2.example.net')).toBe('office2.example.net');
    // an IP literal that is no address is the address's error, not "not a DNS name"
    expect(issuesOf(wizardBasicsStep.safeParse({ serverAddress: '1.2.3' }))[0]?.message).toMatch(
      /not an IPv4 or IPv6 address/,
    );
  });

  it('clients: a non-empty subset, each once', () => {
    expect(wizardClientsStep.parse({ clients: 'ios,android' }).clients).toEqual(['ios', 'android']);
    expect(fields(wizardClientsStep.safeParse({ clients: [] }))).toEqual(['clients']);
    expect(fields(wizardClientsStep.safeParse({ clients: ['ios', 'ios'] }))).toEqual(['clients.1']);
  });

  it('credentials step follows the auth method', () => {
    expect(fields(wizardCredentialsStepFor('eap-mschapv2').safeParse({}))).toEqual(['users']);
    expect(fields(wizardCredentialsStepFor('certificate').safeParse({}))).toEqual(['clientCertificates']);
    const names = (n: number) => Array.from({ length: n }, (_, i) => `client${i}`);
    const many = wizardCredentialsStepFor('certificate').safeParse({ clientCertificates: names(51) });
    expect(issuesOf(many)[0]?.message).toMatch(/at most 50 client certificates per run/);
    expect(wizardCredentialsStepFor('certificate').safeParse({ clientCertificates: names(50) }).success).toBe(true);
    expect(fields(wizardCredentialsStepFor('psk').safeParse({}))).toEqual(['psk']);
    expect(issuesOf(wizardCredentialsStepFor('psk').safeParse({ psk: 'short' }))[0]?.message).toMatch(/at least 16/);
    expect(
      fields(
        wizardCredentialsStepFor('eap-mschapv2').safeParse({
          users: [
            { name: 'a', password: 'password-1' },
            { name: 'a', password: 'password-2' },
          ],
        }),
      ),
    ).toEqual(['users.1']);
    expect(
      fields(wizardCredentialsStepFor('certificate').safeParse({ clientCertificates: ['alice', 'al ice'] })),
    ).toEqual(['clientCertificates.1']);
    expect(
      fields(
        wizardCredentialsStepFor('certificate').safeParse({ clientCertificates: ['alice'], exportPassphrase: 'short' }),
      ),
    ).toEqual(['exportPassphrase']);
    expect(wizardCredentialsStepFor('psk').safeParse({ psk: 'x'.repeat(16) }).success).toBe(true);
  });

  it('proposals step: optional; AEAD rules as the proposal menu has them', () => {
    expect(wizardProposalsStep.parse({})).toEqual({});
    const ok = wizardProposalsStep.parse({
      proposals: {
        ike: { enc: 'aes-256-gcm', hash: 'sha384', dh: 'ecp384' },
        esp: { enc: ['aes-256-gcm'], auth: ['null'], pfs: 'none' },
      },
    });
    expect(ok.proposals?.ike).toEqual({ enc: ['aes-256-gcm'], hash: ['sha384'], dh: ['ecp384'] });
    const bad = wizardProposalsStep.safeParse({
      proposals: {
        ike: { enc: ['aes-999'], hash: ['sha256'], dh: ['modp2048'] },
        esp: { enc: ['aes-128-cbc'], auth: ['null'], pfs: 'none' },
      },
    });
    expect(fields(bad)).toEqual(['proposals.ike.enc.0', 'proposals.esp.auth']);
  });

  it('every step schema is listed for the UI, and the whole input is their union', () => {
    expect(WIZARD_STEPS.map((s) => s.id)).toEqual(['basics', 'addressing', 'clients', 'credentials', 'proposals']);
    const keys = WIZARD_STEPS.flatMap((s) => Object.keys(s.schema.shape));
    expect(keys.sort()).toEqual(
      [
        'auth',
        'clientCertificates',
        'clients',
        'dns',
        'exportPassphrase',
        'keyType',
        'name',
        'pool',
        'proposals',
        'psk',
        'serverAddress',
        'splitNetworks',
        'users',
      ].sort(),
    );
  });
});

describe('site to site input', () => {
  const base = {
    localAddress: '192.0.2.1',
    remoteAddress: '198.51.100.7',
    localNetworks: '10.1.202.0/24',
    remoteNetworks: ['10.1.101.0/24'],
    psk: 'thisisnotasecurepsk!',
  };
  it("fills the defaults (the manual's example: modp2048 and PFS)", () => {
    const v = siteToSiteInputSchema.parse(base);
    expect(v).toMatchObject({
      name: 's2s',
      exchangeMode: 'ike2',
      localNetworks: ['10.1.202.0/24'],
      remoteNetworks: ['10.1.101.0/24'],
    });
    expect(v.proposals.esp.pfs).toBe('modp2048');
    expect(siteToSiteInputSchema.parse({ ...base, remoteAddress: 'office2.example.net' }).remoteAddress).toBe(
      'office2.example.net',
    );
  });
  it("exchange mode: ike2 or main (IKEv1, kept for the other end's files; the review warns)", () => {
    expect(siteToSiteInputSchema.parse({ ...base, exchangeMode: 'main' }).exchangeMode).toBe('main');
    expect(fields(siteToSiteInputSchema.safeParse({ ...base, exchangeMode: 'aggressive' }))).toEqual(['exchangeMode']);
  });
  it('errors name the field', () => {
    expect(fields(siteToSiteInputSchema.safeParse({ ...base, psk: 'short' }))).toEqual(['psk']);
    expect(fields(siteToSiteInputSchema.safeParse({ ...base, localAddress: 'x' }))).toEqual(['localAddress']);
    expect(fields(siteToSiteInputSchema.safeParse({ ...base, remoteNetworks: [] }))).toEqual(['remoteNetworks']);
    expect(fields(siteToSiteInputSchema.safeParse({ ...base, remoteAddress: '192.0.2.1' }))).toEqual(['remoteAddress']);
    expect(fields(siteToSiteInputSchema.safeParse({ ...base, remoteNetworks: ['10.1.202.0/24'] }))).toEqual([
      'remoteNetworks.0',
    ]);
  });
});

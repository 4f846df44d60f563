import { describe, expect, it } from 'vitest';
import { WIZARD_CLIENTS, defaultProposals } from '@ipsec/schema';
import {
  RW_STEPS,
  compact,
  dropRwDraft,
  issuesOf,
  loadRwDraft,
  newRwDraft,
  remap,
  saveRwDraft,
  toInput,
  type RwDraft,
} from '../src/wizard/draft.ts';

const draft = (patch: Partial<RwDraft> = {}): RwDraft => ({ ...newRwDraft(), ...patch });
const step = (slug: string) => RW_STEPS.find((s) => s.slug === slug)!;

describe('compact', () => {
  it('drops blank rows, trims the rest and remembers which row each came from', () => {
    expect(compact(['', ' 10.0.0.0/8 ', '  ', '192.0.2.0/24'])).toEqual({
      list: ['10.0.0.0/8', '192.0.2.0/24'],
      row: [1, 3],
    });
    expect(compact([''])).toEqual({ list: [], row: [] });
  });
});

describe('remap', () => {
  it('re-keys errors of the sent list by the row the user sees, with the rest of the path', () => {
    const errors = { 'pool.0': 'bad', 'pool.1.from': 'worse', name: 'other' };
    expect(remap(errors, 'pool', [2, 5])).toEqual({ 'pool.2': 'bad', 'pool.5.from': 'worse', name: 'other' });
  });

  it('keeps an index it cannot map, and fields that only start with the same name', () => {
    expect(remap({ 'pool.7': 'x', pools: 'y' }, 'pool', [0])).toEqual({ 'pool.7': 'x', pools: 'y' });
  });

  it('reads a dotted field literally', () => {
    expect(remap({ 'proposals.ike.0': 'x', 'proposalsXike.0': 'y' }, 'proposals.ike', [3])).toEqual({
      'proposals.ike.3': 'x',
      'proposalsXike.0': 'y',
    });
  });
});

describe('issuesOf', () => {
  it('is empty for a success and keeps the first message per field', () => {
    expect(issuesOf({ success: true })).toEqual({});
    const failed = step('server').check!(draft({ name: '', serverAddress: '' }));
    expect(Object.keys(failed).sort()).toEqual(['name', 'serverAddress']);
    for (const message of Object.values(failed)) expect(message).not.toBe('');
  });
});

describe('toInput', () => {
  it('sends the chosen authentication only, lists without blank rows, trimmed names', () => {
    const input = toInput(
      draft({
        name: ' rw ',
        serverAddress: ' vpn.example.com ',
        auth: 'psk',
        psk: 'a-long-enough-secret',
        users: [{ name: 'alice', password: 'pw' }],
        pool: ['', '10.9.0.10-10.9.0.100'],
        dnsMode: 'static',
        dns: ['192.0.2.53', ''],
        tunnel: 'split',
        splitNetworks: ['10.0.0.0/8'],
      }),
    );
    expect(input).toEqual({
      name: 'rw',
      auth: 'psk',
      serverAddress: 'vpn.example.com',
      keyType: 'rsa',
      pool: ['10.9.0.10-10.9.0.100'],
      dns: ['192.0.2.53'],
      splitNetworks: ['10.0.0.0/8'],
      clients: [...WIZARD_CLIENTS],
      psk: 'a-long-enough-secret',
    });
  });

  it('sends EAP users that are not entirely empty, trimmed', () => {
    const input = toInput(
      draft({
        users: [
          { name: ' alice ', password: 'pw1' },
          { name: '', password: '' },
          { name: '', password: 'orphan' },
        ],
      }),
    );
    expect(input.users).toEqual([
      { name: 'alice', password: 'pw1' },
      { name: '', password: 'orphan' },
    ]);
    expect(input).not.toHaveProperty('psk');
  });

  it('sends certificates with the export passphrase only when one is given', () => {
    const certs = toInput(draft({ auth: 'certificate', clientCertificates: ['alice', ''], exportPassphrase: '' }));
    expect(certs.clientCertificates).toEqual(['alice']);
    expect(certs).not.toHaveProperty('exportPassphrase');
    expect(
      toInput(draft({ auth: 'certificate', clientCertificates: ['a'], exportPassphrase: 'secret!' })).exportPassphrase,
    ).toBe('secret!');
  });

  it('maps the DNS mode and a full tunnel, and sends proposals only when chosen', () => {
    expect(toInput(draft({ dnsMode: 'system' })).dns).toBe('system');
    expect(toInput(draft({ dnsMode: 'none', dns: ['192.0.2.1'] })).dns).toEqual([]);
    expect(toInput(draft({ tunnel: 'full', splitNetworks: ['10.0.0.0/8'] })).splitNetworks).toEqual([]);
    expect(toInput(draft())).not.toHaveProperty('proposals');
    const proposals = defaultProposals(['windows']);
    expect(toInput(draft({ customProposals: true, proposals })).proposals).toEqual(proposals);
  });
});

describe('road warrior steps', () => {
  it('ends with the review, which has no check', () => {
    expect(RW_STEPS.map((s) => s.slug)).toEqual([
      'authentication',
      'server',
      'pool',
      'dns',
      'networks',
      'clients',
      'review',
    ]);
    expect(RW_STEPS.at(-1)!.check).toBeUndefined();
  });

  it('authentication: an EAP user error lands under the row the user typed it in', () => {
    const errors = step('authentication').check!(
      draft({
        users: [
          { name: '', password: '' },
          { name: 'bob', password: '' },
        ],
      }),
    );
    expect(Object.keys(errors)).toEqual(['users.1.password']);
  });

  it('server: a valid name and address pass', () => {
    expect(step('server').check!(draft({ serverAddress: 'vpn.example.com' }))).toEqual({});
  });

  it('pool: the default range passes, a bad row is reported at its own index', () => {
    expect(step('pool').check!(draft())).toEqual({});
    expect(Object.keys(step('pool').check!(draft({ pool: ['', '10.0.0.0/24', 'nonsense'] })))).toEqual(['pool.2']);
  });

  it('dns and networks are checked only in the modes that use them, and need one entry', () => {
    expect(step('dns').check!(draft({ dnsMode: 'system', dns: ['nonsense'] }))).toEqual({});
    expect(step('dns').check!(draft({ dnsMode: 'static', dns: [''] }))).toEqual({
      'dns.0': 'list at least one DNS server, or choose "this router" or "none"',
    });
    expect(Object.keys(step('dns').check!(draft({ dnsMode: 'static', dns: ['', 'x.y.z.w'] })))).toEqual(['dns.1']);
    expect(step('networks').check!(draft({ tunnel: 'full', splitNetworks: [''] }))).toEqual({});
    expect(step('networks').check!(draft({ tunnel: 'split', splitNetworks: [''] }))).toEqual({
      'splitNetworks.0': 'list at least one network, or choose full tunnel',
    });
  });

  it('clients: at least one platform; chosen proposals are checked too', () => {
    expect(step('clients').check!(draft())).toEqual({});
    expect(Object.keys(step('clients').check!(draft({ clients: [] })))).toEqual(['clients']);
    const proposals = defaultProposals();
    const noDh = { ...proposals, ike: { ...proposals.ike, dh: [] } };
    expect(Object.keys(step('clients').check!(draft({ customProposals: true, proposals: noDh })))).toEqual([
      'proposals.ike.dh',
    ]);
    expect(step('clients').check!(draft({ customProposals: false, proposals: noDh }))).toEqual({});
  });
});

describe('draft memory', () => {
  it('outlives a window until dropped', () => {
    dropRwDraft();
    expect(loadRwDraft()).toEqual(newRwDraft());
    const d = draft({ name: 'kept' });
    saveRwDraft(d);
    expect(loadRwDraft()).toBe(d);
    dropRwDraft();
    expect(loadRwDraft().name).toBe('rw');
  });
});

// Defaults, value sets and built-in entries as the RouterOS manual (seed 000) gives them.
import { describe, expect, it } from 'vitest';
import {
  CONFIG_MENUS,
  DH_GROUP_NAMES,
  ESP_CIPHER_NAMES,
  IKE_CIPHER_NAMES,
  checkEntry,
  defaults,
  identity,
  isAead,
  modeConfig,
  peer,
  policy,
  policyGroup,
  profile,
  proposal,
  settings,
  statistics,
  STAT_COUNTERS,
  user,
  key,
  wizardProposalsStep,
} from '../src/index.ts';

describe('defaults match the manual', () => {
  it('proposal', () => {
    expect(defaults(proposal)).toMatchObject({
      'auth-algorithms': ['sha1'],
      'enc-algorithms': ['aes-256-cbc', 'aes-192-cbc', 'aes-128-cbc'],
      lifetime: 30 * 60,
      'pfs-group': 'modp1024',
      disabled: false,
    });
  });
  it('profile', () => {
    expect(defaults(profile)).toMatchObject({
      'dh-group': ['modp1024', 'modp2048'],
      'dpd-interval': 120,
      'dpd-maximum-failures': 5,
      'enc-algorithm': ['aes-128'],
      'hash-algorithm': 'sha1',
      lifebytes: 0,
      lifetime: 86400,
      'nat-traversal': true,
      'proposal-check': 'obey',
    });
  });
  it('peer', () => {
    expect(defaults(peer)).toMatchObject({
      address: '0.0.0.0/0',
      'exchange-mode': 'main',
      passive: false,
      port: 500,
      profile: 'default',
      'send-initial-contact': true,
      'local-address': '',
    });
  });
  it('policy', () => {
    expect(defaults(policy)).toMatchObject({
      action: 'encrypt',
      'dst-address': '0.0.0.0/32',
      'src-address': '0.0.0.0/32',
      'dst-port': 'any',
      'src-port': 'any',
      group: 'default',
      'ipsec-protocols': 'esp',
      level: 'require',
      proposal: 'default',
      protocol: 'all',
      template: false,
      tunnel: false,
      disabled: false,
    });
  });
  it('identity', () => {
    expect(defaults(identity)).toMatchObject({
      'auth-method': 'pre-shared-key',
      'eap-methods': ['eap-tls'],
      'generate-policy': 'no',
      'match-by': 'remote-id',
      'mode-config': 'none',
      'my-id': 'auto',
      'remote-id': 'auto',
      'policy-template-group': 'default',
    });
  });
  it('mode config, settings, users, keys', () => {
    expect(defaults(modeConfig)).toMatchObject({ 'system-dns': true, 'split-include': [], 'static-dns': [] });
    expect(defaults(settings)).toMatchObject({ 'xauth-use-radius': false });
    expect(Object.keys(user.fields)).toEqual(expect.arrayContaining(['name', 'password', 'address']));
    expect(key.fields['key-size']!.values).toEqual(['1024', '1536', '2048', '3072', '4096', '6144', '8192']);
  });
});

describe('value sets', () => {
  it('exchange modes, levels, actions, proposal-check, auth methods', () => {
    expect(peer.fields['exchange-mode'].values).toEqual(['aggressive', 'base', 'main', 'ike2']);
    expect(policy.fields.level.values).toEqual(['require', 'unique', 'use']);
    expect(policy.fields.action.values).toEqual(['discard', 'encrypt', 'none']);
    expect(policy.fields['ipsec-protocols'].values).toEqual(['ah', 'esp']);
    expect(profile.fields['proposal-check'].values).toEqual(['claim', 'exact', 'obey', 'strict']);
    expect(identity.fields['auth-method'].values).toEqual([
      'digital-signature',
      'eap',
      'eap-radius',
      'pre-shared-key',
      'pre-shared-key-xauth',
      'rsa-key',
      'rsa-signature-hybrid',
    ]);
    expect(identity.fields['generate-policy'].values).toEqual(['no', 'port-override', 'port-strict']);
    expect(identity.fields['eap-methods'].values).toEqual(['eap-mschapv2', 'eap-peap', 'eap-tls', 'eap-ttls']);
  });
  it('every DH group of the manual, in pfs-group and dh-group', () => {
    const manual = [
      'modp768',
      'modp1024',
      'modp1536',
      'modp2048',
      'modp3072',
      'modp4096',
      'modp6144',
      'modp8192',
      'ecp256',
      'ecp384',
      'ecp521',
    ];
    for (const g of manual) {
      expect(DH_GROUP_NAMES).toContain(g);
      expect(profile.fields['dh-group'].values).toContain(g);
      expect(proposal.fields['pfs-group'].values).toContain(g);
    }
    expect(proposal.fields['pfs-group'].values).toContain('none');
  });
  it('every phase 2 cipher of the manual', () => {
    for (const c of [
      'null',
      'des',
      '3des',
      'aes-128-cbc',
      'aes-128-ctr',
      'aes-128-gcm',
      'aes-192-cbc',
      'aes-192-ctr',
      'aes-192-gcm',
      'aes-256-cbc',
      'aes-256-ctr',
      'aes-256-gcm',
      'blowfish',
      'camellia-128',
      'camellia-192',
      'camellia-256',
      'twofish',
    ]) {
      expect(ESP_CIPHER_NAMES).toContain(c);
    }
  });
  it('statistics lists every in-*/out-* counter', () => {
    expect(STAT_COUNTERS).toHaveLength(25);
    expect(Object.keys(statistics.fields)).toContain('out-policy-dead');
  });
});

describe('built-in entries', () => {
  it('default proposal, profile, group, request-only mode config and the default template', () => {
    expect(proposal.builtins).toEqual([{ name: 'default' }]);
    expect(profile.builtins).toEqual([{ name: 'default' }]);
    expect(policyGroup.builtins).toEqual([{ name: 'default' }]);
    expect(modeConfig.builtins[0]).toMatchObject({ name: 'request-only', responder: false });
    expect(policy.builtins[0]).toEqual({
      group: 'default',
      'src-address': '::/0',
      'dst-address': '::/0',
      template: true,
      proposal: 'default',
      protocol: 'all',
    });
  });
  it('every field has a label, a tab and help text', () => {
    for (const m of CONFIG_MENUS) {
      for (const [prop, field] of Object.entries(m.fields)) {
        expect(field.meta.label, `${m.name}.${prop}`).not.toBe('');
        expect(field.meta.help.length, `${m.name}.${prop}`).toBeGreaterThan(5);
      }
    }
    expect(profile.fields['dpd-maximum-failures'].meta.label).toBe('DPD Maximum Failures');
  });
});

describe('null algorithms (the manual: auth-algorithms=null only with AEAD ciphers)', () => {
  it("isAead is the lists' aead flag", () => {
    expect(ESP_CIPHER_NAMES.filter(isAead)).toEqual(['aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm', 'chacha20poly1305']);
    expect(IKE_CIPHER_NAMES.filter(isAead)).toEqual(['aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm', 'chacha20poly1305']);
  });
  it("the proposal menu and the wizards' phase 2 apply the same rule", () => {
    const entry = (enc: string[], auth: string[]) =>
      checkEntry(proposal, { ...defaults(proposal), name: 'p', 'enc-algorithms': enc, 'auth-algorithms': auth }).map(
        (i) => i.field,
      );
    const step = (enc: string[], auth: string[]) => {
      const r = wizardProposalsStep.safeParse({
        proposals: { ike: { enc: ['aes-256'], hash: ['sha256'], dh: ['modp2048'] }, esp: { enc, auth, pfs: 'none' } },
      });
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(entry(['aes-256-gcm', 'chacha20poly1305'], ['null'])).toEqual([]);
    expect(step(['aes-256-gcm', 'chacha20poly1305'], ['null'])).toEqual([]);
    expect(entry(['aes-256-gcm', 'aes-128-cbc'], ['null'])).toEqual(['auth-algorithms']);
    expect(step(['aes-256-gcm', 'aes-128-cbc'], ['null'])).toEqual(['proposals.esp.auth']);
    expect(entry(['null'], ['null'])).toEqual(['enc-algorithms']);
    expect(step(['null'], ['null'])).toEqual(['proposals.esp.enc']);
    expect(entry(['null'], ['sha256'])).toEqual([]);
    expect(entry(['aes-128-cbc'], ['sha1', 'null'])).toEqual([]);
  });
});

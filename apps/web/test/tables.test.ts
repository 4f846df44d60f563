import { describe, expect, it } from 'vitest';
import type { ApiEntry } from '../src/api/config.ts';
import { CERT_FLAG_LEGEND, flagTitle, flagsOf } from '../src/ipsec/flags.ts';
import { IPSEC_TABS, tabBySlug } from '../src/ipsec/tabs.ts';

const entry = (props: Record<string, unknown>): ApiEntry => ({ '.id': '*1', id: 1, ...props });

describe('flagsOf', () => {
  it('gives RouterOS flag letters in the legend order', () => {
    expect(flagsOf(entry({}))).toBe('');
    expect(flagsOf(entry({ disabled: true }))).toBe('X');
    expect(flagsOf(entry({ default: true, template: true, disabled: true, invalid: true }))).toBe('XIT*');
    expect(flagsOf(entry({ dynamic: true, active: true }))).toBe('DA');
  });

  it('counts only true, not truthy values', () => {
    expect(flagsOf(entry({ disabled: 'yes', active: 1 }))).toBe('');
  });

  it("takes the agent's own flags when the entry has them (certificates)", () => {
    expect(flagsOf(entry({ flags: 'KAT', disabled: true }))).toBe('KAT');
  });
});

describe('flagTitle', () => {
  it('names the flags shown', () => {
    expect(flagTitle('XA')).toBe('disabled, active');
    expect(flagTitle('')).toBe('');
    expect(flagTitle('KE', CERT_FLAG_LEGEND)).toBe('private key, expired');
  });
});

describe('IPsec tabs', () => {
  it('are in WinBox order, each a config menu or a live view', () => {
    expect(IPSEC_TABS.map((t) => t.slug)).toEqual([
      'policies',
      'proposals',
      'groups',
      'peers',
      'identities',
      'profiles',
      'active-peers',
      'mode-configs',
      'installed-sas',
      'keys',
      'users',
      'statistics',
    ]);
    expect(tabBySlug('peers')?.menu?.name).toBe('peer');
    expect(tabBySlug('installed-sas')?.view?.name).toBe('installed-sa');
    expect(tabBySlug('nope')).toBeUndefined();
    expect(tabBySlug(undefined)).toBeUndefined();
  });
});

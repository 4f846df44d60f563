import { describe, expect, it } from 'vitest';
import type { ApiEntry } from '../src/api/config.ts';
import { copyName, dialogModeOf, singular } from '../src/ipsec/entry.ts';
import { hashOf, routeOf } from '../src/shell/route.ts';

describe('routeOf', () => {
  it('splits a hash into decoded path segments', () => {
    expect(routeOf('#/ip/ipsec/peers')).toEqual(['ip', 'ipsec', 'peers']);
    expect(routeOf('#/wizard/road-warrior/done/my%20vpn')).toEqual(['wizard', 'road-warrior', 'done', 'my vpn']);
  });

  it('takes a hash with or without the leading slash, and ignores empty segments', () => {
    expect(routeOf('#log')).toEqual(['log']);
    expect(routeOf('#//ip//pool/')).toEqual(['ip', 'pool']);
    expect(routeOf('')).toEqual([]);
    expect(routeOf('#/')).toEqual([]);
  });
});

describe('hashOf', () => {
  it('makes a hash of a path, adding the slash when missing', () => {
    expect(hashOf('/ip/pool')).toBe('#/ip/pool');
    expect(hashOf('log')).toBe('#/log');
  });
});

describe('dialogModeOf', () => {
  it('reads new, copy-<id> and <id>', () => {
    expect(dialogModeOf('new')).toEqual({ kind: 'new' });
    expect(dialogModeOf('copy-12')).toEqual({ kind: 'copy', from: 12 });
    expect(dialogModeOf('3')).toEqual({ kind: 'edit', id: 3 });
  });

  it('opens nothing for anything else', () => {
    expect(dialogModeOf(undefined)).toBeNull();
    expect(dialogModeOf('')).toBeNull();
    expect(dialogModeOf('settings')).toBeNull();
    expect(dialogModeOf('copy-')).toBeNull();
    expect(dialogModeOf('3a')).toBeNull();
  });
});

describe('entry naming', () => {
  const named = (...names: string[]): ApiEntry[] => names.map((name, i) => ({ '.id': `*${i}`, id: i, name }));

  it('a copy takes the first free -copy, -copy2, ... name', () => {
    expect(copyName(named('a'), 'name', 'a')).toBe('a-copy');
    expect(copyName(named('a', 'a-copy', 'a-copy2'), 'name', 'a')).toBe('a-copy3');
  });

  it('singular of a menu title', () => {
    expect(singular('Peers')).toBe('Peer');
    expect(singular('Identities')).toBe('Identity');
    expect(singular('Settings')).toBe('Setting');
    expect(singular('Pool')).toBe('Pool');
  });
});

import { describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER } from '@ipsec/schema';
import { menuPlace, printValue } from '../src/wizard/Review.tsx';

describe('printValue', () => {
  it('masks secrets whatever their value', () => {
    expect(printValue('identity', 'secret', 'the-psk')).toBe(SECRET_PLACEHOLDER);
  });

  it('prints booleans as yes/no, empty lists and texts as ""', () => {
    expect(printValue('peer', 'passive', true)).toBe('yes');
    expect(printValue('peer', 'passive', false)).toBe('no');
    expect(printValue('profile', 'dh-group', [])).toBe('""');
    expect(printValue('peer', 'comment', '')).toBe('""');
  });

  it('prints through the field, and leaves a missing value empty', () => {
    expect(printValue('profile', 'dh-group', ['modp2048', 'ecp256'])).toBe('modp2048,ecp256');
    expect(printValue('profile', 'lifetime', 86400)).toBe('1d');
    expect(printValue('profile', 'lifetime', undefined)).toBe('');
    expect(printValue('no-such-menu', 'x', 5)).toBe('5');
  });
});

describe('menuPlace', () => {
  it('says where to find a menu in the UI', () => {
    expect(menuPlace('peer')).toBe('IP > IPsec > Peers');
    expect(menuPlace('certificate')).toBe('System > Certificates');
    expect(menuPlace('pool')).toBe('IP > Pool');
    expect(menuPlace('no-such-menu')).toBe('no-such-menu');
  });
});

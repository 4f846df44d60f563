import { describe, expect, it } from 'vitest';
import { SECRET_PLACEHOLDER, getMenu } from '@ipsec/schema';
import {
  dataPlaneText,
  formatByteRate,
  formatCount,
  formatCountRate,
  printCell,
  sameDraft,
  secretIsSet,
  toDraft,
} from '../src/fields/format.ts';

const profile = getMenu('profile')!.fields;
const identity = getMenu('identity')!.fields;

describe('formatByteRate', () => {
  it('keeps bytes whole below a kilobyte', () => {
    expect(formatByteRate(0)).toBe('0 B/s');
    expect(formatByteRate(511.6)).toBe('512 B/s');
    expect(formatByteRate(999)).toBe('999 B/s');
  });

  it('gives three significant digits in the largest unit that keeps the number under 1000', () => {
    expect(formatByteRate(1000)).toBe('1.00 kB/s');
    expect(formatByteRate(12_345)).toBe('12.3 kB/s');
    expect(formatByteRate(123_456)).toBe('123 kB/s');
    expect(formatByteRate(1_050_000)).toBe('1.05 MB/s');
    expect(formatByteRate(2.5e9)).toBe('2.50 GB/s');
  });

  it('stops at TB/s', () => {
    expect(formatByteRate(5e15)).toBe('5000 TB/s');
  });
});

describe('formatCountRate', () => {
  it('shows one decimal below 10 per second and whole numbers above', () => {
    expect(formatCountRate(0)).toBe('0/s');
    expect(formatCountRate(0.5)).toBe('0.5/s');
    expect(formatCountRate(3)).toBe('3/s');
    expect(formatCountRate(9.96)).toBe('10/s');
    expect(formatCountRate(12.4)).toBe('12/s');
  });
});

describe('formatCount', () => {
  it('groups digits as the browser locale does', () => {
    expect(formatCount(1_234_567)).toBe((1_234_567).toLocaleString());
    expect(formatCount(0)).toBe('0');
  });
});

describe('printCell', () => {
  it('prints through the field as RouterOS does', () => {
    expect(printCell(profile['enc-algorithm'], ['aes-256', 'aes-128'])).toBe('aes-256,aes-128');
    expect(printCell(profile.lifetime, 86400)).toBe('1d');
    expect(printCell(profile['nat-traversal'], false)).toBe('no');
    expect(printCell(profile['dpd-interval'], 'disable-dpd')).toBe('disable-dpd');
  });

  it('prints nothing for missing values and for secrets, even set ones', () => {
    expect(printCell(profile.name, undefined)).toBe('');
    expect(printCell(profile.name, null)).toBe('');
    expect(printCell(identity.secret, SECRET_PLACEHOLDER)).toBe('');
  });

  it('joins lists and stringifies values of properties the schema does not know', () => {
    expect(printCell(undefined, ['a', 'b'])).toBe('a,b');
    expect(printCell(undefined, 42)).toBe('42');
  });
});

describe('toDraft', () => {
  it('keeps booleans and choice lists typed (a copy of the list)', () => {
    expect(toDraft(profile['nat-traversal']!, true)).toBe(true);
    expect(toDraft(profile['nat-traversal']!, undefined)).toBe(false);
    const list = ['aes-128'];
    const draft = toDraft(profile['enc-algorithm']!, list);
    expect(draft).toEqual(['aes-128']);
    expect(draft).not.toBe(list);
    expect(toDraft(profile['enc-algorithm']!, undefined)).toEqual([]);
  });

  it('never prefills a secret', () => {
    expect(toDraft(identity.secret!, SECRET_PLACEHOLDER)).toBe('');
  });

  it('edits everything else as its RouterOS text', () => {
    expect(toDraft(profile.lifetime!, 86400)).toBe('1d');
    expect(toDraft(profile.name!, 'default')).toBe('default');
    expect(toDraft(profile.name!, undefined)).toBe('');
  });
});

describe('secretIsSet / sameDraft', () => {
  it('a secret is set when masked or typed', () => {
    expect(secretIsSet(SECRET_PLACEHOLDER)).toBe(true);
    expect(secretIsSet('typed')).toBe(true);
    expect(secretIsSet('')).toBe(false);
    expect(secretIsSet(undefined)).toBe(false);
  });

  it('compares lists by items in order, everything else by identity', () => {
    expect(sameDraft(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(sameDraft(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(sameDraft(['a'], ['a', 'b'])).toBe(false);
    expect(sameDraft('1d', '1d')).toBe(true);
    expect(sameDraft(true, 'true')).toBe(false);
  });
});

describe('dataPlaneText', () => {
  it('names the backend and the reason, or warns that nothing is protected', () => {
    expect(dataPlaneText(null)).toBe('Data plane: none (no traffic is protected)');
    expect(dataPlaneText({ backend: 'kernel', reason: 'XFRM over netlink' })).toBe(
      'Data plane: kernel XFRM (XFRM over netlink)',
    );
    expect(dataPlaneText({ backend: 'userspace', reason: 'no XFRM', device: 'ipsec0' })).toBe(
      'Data plane: userspace ESP on ipsec0 (no XFRM)',
    );
    expect(dataPlaneText({ backend: 'userspace', reason: 'no XFRM' })).toBe(
      'Data plane: userspace ESP on TUN (no XFRM)',
    );
  });
});

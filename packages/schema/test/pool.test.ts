// IP > Pool (/ip pool): ranges parse and canonicalize, bad ranges are refused, mode-config address-pool refers to a pool.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  applyInput,
  checkConfig,
  defaults,
  menuByPath,
  modeConfig,
  parseRange,
  pool,
  rangeBounds,
  type Config,
} from '../src/index.ts';

const emptyConfig = (): Config => ({
  policy: [],
  proposal: [],
  'policy-group': [],
  peer: [],
  identity: [],
  profile: [],
  'mode-config': [],
  key: [],
  user: [],
  certificate: [],
  settings: [],
  pool: [],
});

describe('pool ranges', () => {
  it("accepts the manual's range, single addresses, prefixes and IPv6", () => {
    const v = applyInput(pool, defaults(pool), {
      name: 'ike2-pool',
      ranges: '192.168.77.2-192.168.77.254, 10.0.0.9,10.1.0.7/24,2001:DB8::10-2001:db8::1:0',
    });
    expect(v.ranges).toEqual(['192.168.77.2-192.168.77.254', '10.0.0.9', '10.1.0.0/24', '2001:db8::10-2001:db8::1:0']);
    expect(pool.fields.ranges.print(v.ranges as string[])).toBe(
      '192.168.77.2-192.168.77.254,10.0.0.9,10.1.0.0/24,2001:db8::10-2001:db8::1:0',
    );
  });
  it('bounds: a prefix leaves out network and broadcast (IPv4 shorter than /31); a range is inclusive', () => {
    expect(rangeBounds('10.1.0.0/24')).toEqual({ family: 4, start: 0x0a010001n, end: 0x0a0100fen });
    expect(rangeBounds('10.1.0.0/31')).toEqual({ family: 4, start: 0x0a010000n, end: 0x0a010001n });
    expect(rangeBounds('192.168.77.2-192.168.77.254')).toMatchObject({ start: 0xc0a84d02n, end: 0xc0a84dfen });
    expect(rangeBounds('2001:db8::/127')).toMatchObject({ family: 6, end: rangeBounds('2001:db8::1').start });
    expect(parseRange(' 10.0.0.1-10.0.0.1 ')).toBe('10.0.0.1-10.0.0.1');
  });
  it.each([
    ['10.0.0.9-10.0.0.1', 'starts after it ends'],
    ['10.0.0.1-2001:db8::1', 'mixes IPv4 and IPv6'],
    ['10.0.0.1-', 'is not a range'],
    ['10.0.0.300', 'is not an address'],
    ['10.0.0.0/33', 'prefix length'],
  ])('rejects %j (%s), naming the field', (ranges, msg) => {
    try {
      applyInput(pool, defaults(pool), { name: 'p', ranges });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).issues[0]).toMatchObject({ menu: 'pool', field: 'ranges' });
      expect((e as ConfigError).message).toContain(msg);
    }
  });
  it('an empty ranges list is refused', () => {
    expect(() => applyInput(pool, defaults(pool), { name: 'p', ranges: '' })).toThrow(/at least one range/);
  });
});

describe('pool menu and references', () => {
  it('is /ip/pool, keyed by name', () => {
    expect(menuByPath('ip/pool')).toBe(pool);
    expect(pool.title).toBe('Pools');
    expect(pool.key).toBe('name');
    expect(modeConfig.fields['address-pool'].ref).toEqual({ menu: 'pool', specials: [] });
    expect(pool.fields['next-pool'].ref?.menu).toBe('pool');
  });
  it('mode-config address-pool and next-pool must name existing pools; a pool cannot be its own next-pool', () => {
    const c = emptyConfig();
    c['mode-config'] = [
      {
        id: 1,
        values: applyInput(modeConfig, defaults(modeConfig), {
          name: 'rw',
          'address-pool': 'ike2-pool',
          'system-dns': 'no',
        }),
      },
    ];
    expect(checkConfig(c)).toEqual([
      { menu: 'mode-config', id: 1, field: 'address-pool', message: 'pool "ike2-pool" does not exist' },
    ]);
    c.pool = [
      {
        id: 2,
        values: applyInput(pool, defaults(pool), {
          name: 'ike2-pool',
          ranges: '192.168.77.2-192.168.77.254',
          'next-pool': 'spare',
        }),
      },
    ];
    expect(checkConfig(c)).toEqual([
      { menu: 'pool', id: 2, field: 'next-pool', message: 'pool "spare" does not exist' },
    ]);
    c.pool.push({
      id: 3,
      values: applyInput(pool, defaults(pool), { name: 'spare', ranges: '192.168.78.0/24', 'next-pool': 'spare' }),
    });
    expect(checkConfig(c)).toEqual([{ menu: 'pool', id: 3, field: 'next-pool', message: 'cannot be the pool itself' }]);
    c.pool[1]!.values['next-pool'] = 'none';
    expect(checkConfig(c)).toEqual([]);
  });
  it('a pool without ranges is refused by the entry check', () => {
    const c = emptyConfig();
    c.pool = [{ id: 1, values: { ...defaults(pool), name: 'p' } }];
    expect(checkConfig(c).map((i) => i.field)).toContain('ranges');
  });
});

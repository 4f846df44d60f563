// Any input, however malformed, is either accepted (canonical value) or rejected with a
// ConfigError naming the field: never an exception of another kind, never a half-parsed value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG_MENUS, ConfigError, applyInput, defaults } from '../src/index.ts';

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer())),
  fc.object(),
  fc.constantFrom(
    'yes',
    'no',
    'any',
    '0x',
    '::/0',
    '1d 00:00:00',
    'aes-128,aes-256',
    '10.0.0.1/33',
    'fqdn:',
    'address:1.2.3.4',
  ),
);

describe('applyInput survives any input', () => {
  for (const menu of CONFIG_MENUS) {
    it(menu.name, () => {
      const props = [...Object.keys(menu.fields), ...Object.keys(menu.status), 'unknown-prop', '.id'];
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...props), anyValue, { maxKeys: 6 }), (input) => {
          try {
            const out: Record<string, unknown> = applyInput(menu, defaults(menu), input);
            // accepted: every field still has a value of the default's type
            for (const [prop, field] of Object.entries(menu.fields)) {
              const d = field.default;
              const v = out[prop];
              if (Array.isArray(d)) expect(Array.isArray(v)).toBe(true);
              else if (typeof d === 'boolean') expect(typeof v).toBe('boolean');
              else if (typeof d === 'string' && field.kind !== 'port' && field.kind !== 'time')
                expect(typeof v).toBe('string');
            }
          } catch (e) {
            expect(e).toBeInstanceOf(ConfigError);
            expect((e as ConfigError).issues.every((i) => i.field && i.message)).toBe(true);
          }
        }),
        { numRuns: 400 },
      );
    });
  }
});

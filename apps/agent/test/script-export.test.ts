// /export as RouterOS v7 prints it, and the round trip: a configuration exported (show-sensitive) and imported into
// a fresh store (real SQLite) is the same configuration. Configurations are generated from the schema's fields.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CONFIG_MENUS,
  ConfigError,
  SECRET_PLACEHOLDER,
  getMenu,
  plainText,
  type Field,
  type MenuDef,
  type MenuName,
} from '@ipsec/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigService } from '../src/api/config-service.ts';
import type { Services } from '../src/api/router.ts';
import type { User } from '../src/auth/users.ts';
import { Users } from '../src/auth/users.ts';
import { LiveState, NO_ENGINE } from '../src/live/live-state.ts';
import { prepareCertificate } from '../src/store/certificates.ts';
import { ConfigStore, type Op } from '../src/store/config-store.ts';
import { openDb } from '../src/store/db.ts';
import { prepareKey } from '../src/store/key-hooks.ts';
import { runScript } from '../src/script/run.ts';

const ADMIN: User = { id: 1, name: 'admin', group: 'full', comment: '', disabled: false };
const READER: User = { id: 2, name: 'reader', group: 'read', comment: '', disabled: false };
const WRITER: User = { id: 3, name: 'writer', group: 'write', comment: '', disabled: false };
const NOW = new Date('2026-12-06T12:00:00Z');
const dirs: string[] = [];

/** A fresh agent's configuration services on a fresh SQLite file: what an import "into a fresh agent" meets. */
function fresh(): Services {
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-script-export-'));
  dirs.push(dir);
  const opened = openDb(dir);
  if (!opened.ok) throw new Error(opened.error);
  const { db, box } = opened.value;
  const live = new LiveState();
  const store = new ConfigStore(db, box, { key: prepareKey, certificate: prepareCertificate });
  const users = new Users(db);
  return { config: new ConfigService(store, live, () => {}, NO_ENGINE), users, live };
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(s: Services, script: string, user = ADMIN): Promise<string> {
  const r = await runScript(script, s, user, { now: NOW });
  if (!r.ok) throw new Error(`script failed: ${JSON.stringify(r.error)}\n${script}`);
  return r.value.output;
}

/** Every menu's entries as values and builtin flags, in order (ids left out: a fresh agent numbers anew). */
function snapshot(s: Services): Record<string, unknown> {
  const store = s.config.store;
  return Object.fromEntries(
    (CONFIG_MENUS as readonly MenuDef[]).map((m) => [
      m.name,
      store.list(m.name as MenuName).map((e) => ({ values: e.values, builtin: e.builtin })),
    ]),
  );
}

describe('/export', () => {
  const s = fresh();
  it('prints the header, then each menu in import order, compact: only what differs from the defaults', async () => {
    await run(
      s,
      `/ip ipsec profile set [ find default=yes ] dpd-interval=disable-dpd
/ip ipsec proposal add name=p2 pfs-group=none comment="two words \\"quoted\\" \\$x"
/ip ipsec profile add name=prof lifetime=1d
/ip ipsec peer add name=peer1 address=10.0.0.1/32 profile=prof exchange-mode=ike2 local-address=10.0.0.2 comment="a very long comment that makes the line wrap past eighty columns"
/ip ipsec identity add peer=peer1 secret="s3cret with space"
/ip pool add name=pool1 ranges=10.1.0.2-10.1.0.9`,
    );
    const out = await run(s, '/export');
    expect(out).toBe(`# 2026-12-06 12:00:00 by IPsec WinBox (RouterOS 7 export format)
# software id = none
#
/ip pool
add name=pool1 ranges=10.1.0.2-10.1.0.9
/ip ipsec profile
set [ find default=yes ] dpd-interval=disable-dpd
add name=prof
/ip ipsec peer
add address=10.0.0.1/32 \\
    comment="a very long comment that makes the line wrap past eighty columns" \\
    exchange-mode=ike2 local-address=10.0.0.2 name=peer1 profile=prof
/ip ipsec proposal
add comment="two words \\"quoted\\" \\$x" name=p2 pfs-group=none
/ip ipsec identity
add peer=peer1
`);
  });

  it('show-sensitive adds the secrets; verbose every value; terse one line per command with its path', async () => {
    expect(await run(s, '/ip ipsec identity export show-sensitive')).toContain(
      '/ip ipsec identity\nadd peer=peer1 secret="s3cret with space"\n',
    );
    const verbose = await run(s, '/ip ipsec proposal export verbose');
    expect(verbose).toContain('set [ find default=yes ]');
    expect(verbose.replaceAll(' \\\n    ', ' ')).toContain(
      'add auth-algorithms=sha1 comment="two words \\"quoted\\" \\$x" disabled=no enc-algorithms=aes-256-cbc,aes-192-cbc,aes-128-cbc lifetime=30m name=p2 pfs-group=none',
    );
    const terse = await run(s, '/ip ipsec export terse');
    expect(terse).toContain('/ip ipsec peer add address=10.0.0.1/32 comment="a very long comment');
    expect(terse).not.toContain('/ip pool');
    expect(terse.split('\n').every((l) => l === '' || l.startsWith('#') || l.startsWith('/ip ipsec '))).toBe(true);
  });

  it('secrets only for group full, audited; others get a plain export or a refusal', async () => {
    const out = await run(s, '/export', READER);
    expect(out).not.toContain('s3cret');
    expect(out).toContain('add peer=peer1\n');
    for (const user of [READER, WRITER])
      await expect(runScript('/export show-sensitive', s, user)).rejects.toThrow(
        `export show-sensitive: user ${user.name} (group ${user.group}) needs group full to see secrets`,
      );
    const rows = s.users.auditLog().map(({ user, action, detail }) => ({ user, action, detail }));
    expect(rows).toContainEqual({ user: 'admin', action: 'export show-sensitive', detail: '/ip ipsec identity' });
  });

  it('a pool naming a later pool (or one naming it back) gets its next-pool once both exist', async () => {
    const a = fresh();
    await run(
      a,
      `/ip pool add name=a ranges=10.2.0.1; /ip pool add name=b ranges=10.2.0.2 next-pool=a
/ip pool set a next-pool=b`,
    );
    const out = await run(a, '/ip pool export');
    expect(out).toContain(
      'add name=a ranges=10.2.0.1\nadd name=b next-pool=a ranges=10.2.0.2\nset [ find name=a ] next-pool=b\n',
    );
    const b = fresh();
    await run(b, out);
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it('keys and certificates (their PEM with show-sensitive) come back the same', async () => {
    const a = fresh();
    await run(
      a,
      `/certificate add name=ca common-name=ca key-usage=key-cert-sign,crl-sign
/certificate add name=srv common-name=2.2.2.2 subject-alt-name=IP:2.2.2.2 key-usage=tls-server
/certificate sign srv ca=ca
/ip ipsec key add name=k1 key-size=1024
/ip ipsec peer add name=cp exchange-mode=ike2 passive=yes
/ip ipsec identity add peer=cp auth-method=digital-signature certificate=srv`,
    );
    const out = await run(a, '/export show-sensitive');
    expect(out).toContain('-----BEGIN CERTIFICATE-----\\n');
    const b = fresh();
    await run(b, out);
    expect(snapshot(b)).toEqual(snapshot(a));
  }, 30_000);
});

// ------------------------------------------------------------------------------------- generated configurations
const text = fc
  .string({ unit: fc.constantFrom(...'ab Z09 "\'\\$?;[]{}#=!,./:-_é日€'.split('')), maxLength: 24 })
  .filter((x) => plainText(x).ok);
const name = fc
  .stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._@é日-]{0,10}[A-Za-z0-9]$/)
  .filter((n) => !['default', 'request-only', 'none'].includes(n));
const secret = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 40 })
  .filter((x) => !x.startsWith('0x') && x !== SECRET_PLACEHOLDER);
const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const ipv6 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
  .map((g) => g.map((x) => x.toString(16)).join(':'));
const prefix = fc.oneof(
  fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, l]) => `${a}/${l}`),
  fc.tuple(ipv6, fc.integer({ min: 0, max: 128 })).map(([a, l]) => `${a}/${l}`),
);
const list = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','));

/** A value for a field, from the field's own kind, value set and bounds (the schema, never a copy of it). */
function valueFor(field: Field, names: Record<string, string[]>, prop: string): fc.Arbitrary<string> {
  switch (field.kind) {
    case 'string':
      return text;
    case 'bool':
      return fc.constantFrom('yes', 'no');
    case 'int':
      return fc.integer({ min: field.min ?? 0, max: field.max ?? 1000 }).map(String);
    case 'time':
      return fc.oneof(
        fc.integer({ min: 0, max: 10_000_000 }).map(String),
        ...(field.word ? [fc.constant(field.word)] : []),
      );
    case 'enum':
      return fc.constantFrom(...field.values!);
    case 'enum-list':
      return fc.subarray([...field.values!], { minLength: 1 }).map((xs) => xs.join(','));
    case 'prefix':
      return prefix;
    case 'prefix-or-host':
      return fc.oneof(prefix, fc.constantFrom('vpn.example.com', 'n.mynetname.net'));
    case 'address':
      return fc.oneof(fc.constant(''), ipv4, ipv6);
    case 'address-list':
      return list(ipv4);
    case 'prefix-list':
      return list(prefix);
    case 'string-list':
      return prop === 'ranges'
        ? list(
            fc
              .tuple(ipv4, fc.integer({ min: 1, max: 20 }))
              .map(([a, n]) => `${a}-${a.replace(/\d+$/, (x) => String(Math.min(255, Number(x) + n)))}`),
          )
        : list(fc.constantFrom('example.com', 'corp.example.net', 'a.b'));
    case 'port':
      return fc.oneof(fc.constant('any'), fc.integer({ min: 0, max: 65535 }).map(String));
    case 'protocol':
      return fc.constantFrom('all', 'tcp', 'udp', 'gre', '47', 'icmp');
    case 'ref':
      return fc.constantFrom('', ...field.ref!.specials, ...(names[field.ref!.menu] ?? []));
    case 'secret':
      return secret;
    case 'id':
      return fc.constantFrom(
        'auto',
        'ignore',
        'fqdn:vpn.example.com',
        'address:10.1.2.3',
        'user-fqdn:a@b.c',
        'key-id:k1',
      );
    default:
      return fc.constant('');
  }
}

/** Menus generated here, in an order where references can resolve (keys and certificates: the test above). */
const GENERATED: MenuName[] = [
  'pool',
  'mode-config',
  'policy-group',
  'profile',
  'peer',
  'proposal',
  'identity',
  'policy',
  'user',
  'settings',
];

/** Some of a menu's properties with generated values (never the key, which `names` decides). */
function properties(menu: MenuDef, names: Record<string, string[]>): fc.Arbitrary<Record<string, string>> {
  const model: Record<string, fc.Arbitrary<string>> = {};
  for (const [prop, field] of Object.entries(menu.fields))
    if (prop !== menu.key) model[prop] = valueFor(field, names, prop);
  return fc.record(model, { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;
}

const configuration: fc.Arbitrary<Op[]> = fc
  .record(
    Object.fromEntries(
      GENERATED.filter((m) => getMenu(m)!.key).map((m) => [m, fc.uniqueArray(name, { maxLength: 3 })]),
    ) as Record<string, fc.Arbitrary<string[]>>,
  )
  .chain((names) => {
    const all: Record<string, string[]> = { ...names };
    const menuOps = GENERATED.map((m) => {
      const menu = getMenu(m)!;
      const adds = menu.key
        ? fc.tuple(
            ...names[m]!.map((n) =>
              properties(menu, all).map((p): Op => ({ op: 'add', menu: m, values: { ...p, name: n } })),
            ),
          )
        : menu.single
          ? fc.constant([] as Op[])
          : fc.array(
              properties(menu, all).map((p): Op => ({ op: 'add', menu: m, values: p })),
              { maxLength: 3 },
            );
      // Built-in (and settings') entries: changes to them, by id 1 (the agent seeds them first).
      const builtin =
        menu.builtins.length || menu.single
          ? fc.option(
              properties(menu, all).map((p): Op => ({ op: 'set', menu: m, id: 1, values: p })),
              { nil: undefined },
            )
          : fc.constant(undefined);
      return fc.tuple(adds, builtin).map(([a, b]) => [...(a as Op[]), ...(b ? [b] : [])]);
    });
    // Then next-pools naming any pool (later ones, cycles): only expressible after both exist.
    const poolLinks = fc.array(
      fc
        .tuple(fc.nat(), fc.constantFrom('', ...(names.pool ?? [])))
        .map(([i, next]): Op => ({ op: 'set', menu: 'pool', id: i, values: { 'next-pool': next } })),
      { maxLength: 2 },
    );
    return fc.tuple(fc.tuple(...menuOps), poolLinks).map(([ops, links]) => [...ops.flat(), ...links]);
  });

describe('export -> import round trip (property)', () => {
  it('a generated configuration, exported with show-sensitive and imported into a fresh agent, is the same', async () => {
    let nonTrivial = 0;
    await fc.assert(
      fc.asyncProperty(configuration, async (ops) => {
        const a = fresh();
        // Each op on its own: a generated op the schema refuses is left out, so what remains is a valid configuration.
        for (const op of ops) {
          const real: Op =
            op.op === 'set' && op.menu === 'pool'
              ? {
                  ...op,
                  id: a.config.store.list('pool')[op.id % Math.max(1, a.config.store.list('pool').length)]?.id ?? 0,
                }
              : op;
          try {
            a.config.store.apply('admin', [real]);
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
          }
        }
        if (a.config.store.revision() > 3) nonTrivial++;
        const exported = await run(a, '/export show-sensitive');
        const b = fresh();
        await run(b, exported);
        expect(snapshot(b)).toEqual(snapshot(a));
        // and the import exports the same text again
        expect(await run(b, '/export show-sensitive')).toBe(exported);
      }),
      { numRuns: 60 },
    );
    // The generator must make real configurations, not mostly refused ones.
    expect(nonTrivial).toBeGreaterThan(20);
  }, 120_000);
});

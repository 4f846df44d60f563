// Generated bad input (fast-check) against every REST route and tRPC procedure of a real agent on real sockets:
// each request is refused with a 4xx (never a 5xx), the agent answers after it, and nothing is half-stored (the
// configuration's revision and contents are what they were before the refused request).
import fc from 'fast-check';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CONFIG_MENUS, type MenuDef, type MenuName } from '@ipsec/schema';
import {
  ADMIN_PASSWORD,
  basic,
  login,
  rest,
  startTestAgent,
  trpc,
  type TestAgent,
  type TrpcSession,
} from './harness.ts';

type Kind =
  | 'wrong-types'
  | 'missing-fields'
  | 'bad-ids'
  | 'bad-json'
  | 'huge-bodies'
  | 'huge-values'
  | 'other-routes'
  | 'control-characters'
  | 'unpaired-surrogates'
  | 'prototype-keys'
  | 'text-plain-bodies'
  | 'out-of-bounds-values'
  | 'trpc-wrong-types'
  | 'trpc-half-batch'
  | 'trpc-stack-traces'
  | 'trpc-raw-frames';

let t: TestAgent;
let session: TrpcSession;
let cookie: string;
beforeAll(async () => {
  t = await startTestAgent();
  // One entry in each menu that starts empty, so that set/remove have something to aim at.
  const seeds: [string, Record<string, string>][] = [
    ['ip/ipsec/peer', { name: 'p1', address: '192.0.2.1/32' }],
    ['ip/ipsec/identity', { peer: 'p1', secret: 'hostile-suite-psk' }],
    ['ip/pool', { name: 'pool1', ranges: '10.5.8.10-10.5.8.99' }],
    ['ip/ipsec/mode-config', { name: 'mc1', 'address-pool': 'pool1' }],
    ['ip/ipsec/user', { name: 'u1', password: 'hostile-suite-pw' }],
    ['ip/ipsec/policy', { peer: 'p1', 'src-address': '10.1.1.0/24', 'dst-address': '10.2.2.0/24', tunnel: 'yes' }],
    ['ip/ipsec/key', { name: 'k1', 'key-size': '1024' }],
  ];
  for (const [path, body] of seeds) expect((await rest(t.url, 'PUT', path, body)).status).toBe(201);
  cookie = await login(t.url, 'admin', ADMIN_PASSWORD);
  session = trpc(t.url, cookie);
}, 60_000);
afterAll(async () => {
  session.close();
  await t.close();
});

const MENUS = CONFIG_MENUS as readonly MenuDef[];
const store = () => t.agent.services.config.store;
/** The configuration as stored: its revision and every entry. */
const snapshot = () => ({ rev: store().revision(), config: JSON.stringify(store().config()) });
const firstId = (menu: MenuDef) => store().list(menu.name as MenuName)[0]?.id ?? 1;
const restId = (id: number) => `*${id.toString(16).toUpperCase()}`;

interface RestProbe {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

/** A probe as fast-check prints a counterexample: bodies cut short. */
function shown<T extends object>(probe: T): T {
  return Object.assign(probe, { [fc.toStringMethod]: () => JSON.stringify(probe).slice(0, 300) });
}

/**
 * Send one request on a connection of its own and read the answer. An answer given before the whole body was sent
 * (413) counts: the reset of the rest of the upload that follows it is not the agent failing.
 */
function send(probe: RestProbe): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${probe.path}`, {
      method: probe.method,
      agent: false,
      headers: {
        authorization: basic('admin', ADMIN_PASSWORD),
        cookie, // the web UI's routes (wizard downloads) take the session
        ...(probe.body !== undefined ? { 'content-type': probe.contentType ?? 'application/json' } : {}),
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    req.end(probe.body);
  });
}

/** Send one request; it must be refused with a 4xx and a JSON error, change nothing, and leave the agent serving. */
async function refused(probe: RestProbe): Promise<void> {
  const before = snapshot();
  const res = await send(probe);
  const what = `${probe.method} ${probe.path} ${probe.body?.slice(0, 200)} -> ${res.status} ${res.text.slice(0, 200)}`;
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(() => JSON.parse(res.text) as unknown, what).not.toThrow();
  expect(snapshot(), what).toEqual(before);
}

async function stillServing(): Promise<void> {
  expect((await rest(t.url, 'GET', 'ip/ipsec/proposal')).status).toBe(200);
}

// ------------------------------------------------------------------------------------------ generators
const menuArb = fc.constantFrom(...MENUS);
const addableArb = fc.constantFrom(...MENUS.filter((m) => !m.single));
/** A property of the menu that users set (not its status columns). */
const fieldOf = (m: MenuDef) => fc.constantFrom(...Object.keys(m.fields));
/** A value no field takes: objects, and lists of them (RouterOS values are strings; a list of names can be valid). */
const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const notAScalar = fc.oneof(jsonObject, fc.array(jsonObject, { minLength: 1, maxLength: 3 }));
const uniqueName = fc.stringMatching(/^[a-z][a-z0-9]{3,10}$/).map((s) => `hostile-${s}`);

/** Where a body with values goes: add (PUT or POST add) or set (PATCH *id or POST set), for the menu. */
function valueRoutes(m: MenuDef, values: Record<string, unknown>): RestProbe[] {
  const base = `/rest/${m.path}`;
  const id = restId(firstId(m));
  const json = (v: unknown) => JSON.stringify(v);
  if (m.single) return [{ method: 'PATCH', path: base, body: json(values) }];
  return [
    { method: 'PUT', path: base, body: json(values) },
    { method: 'POST', path: `${base}/add`, body: json(values) },
    { method: 'PATCH', path: `${base}/${id}`, body: json(values) },
    { method: 'POST', path: `${base}/set`, body: json({ ...values, '.id': id }) },
  ];
}
const routeOf = (m: MenuDef, values: Record<string, unknown>) => fc.constantFrom(...valueRoutes(m, values));

/** A menu's string field set to `value` (the key field when it has one, else comment or any field). */
const textFields = (m: MenuDef) => [m.key, 'comment'].filter((p): p is string => !!p && p in m.fields);
const textValue = (value: fc.Arbitrary<string>) =>
  fc
    .constantFrom(...MENUS.filter((m) => textFields(m).length > 0))
    .chain((m) => fc.tuple(fc.constantFrom(...textFields(m)), value).chain(([field, v]) => routeOf(m, { [field]: v })));

const CONTROL = [...Array(32).keys(), 127].map((c) => String.fromCharCode(c));
const withControl = fc
  .tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.constantFrom(...CONTROL), fc.stringMatching(/^[a-z]{0,6}$/))
  .map(([a, c, b]) => `${a}${c}${b}`);

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

const BAD_IDS = [
  '*',
  '**1',
  '*-1',
  '*1.5',
  '*0x1',
  '*1e3',
  '*99999999999999999999',
  '*1,*',
  '*zz',
  '%',
  '%E0%A4%A',
  '..',
];
const badId = fc.oneof(
  fc.constantFrom(...BAD_IDS),
  // not "." or "..": in a URL they are dot segments (RFC 3986 5.2.4), resolved to another path before any id is read
  fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/^\*?[0-9a-f]+$/i.test(s) && s !== '.' && s !== '..'),
);

const BAD_JSON = [
  '{',
  '{"name":',
  '{"name":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"\\"}',
  'nul',
  '{"a":1}}',
  "{'a':1}",
  '[1,2',
];
const notAJsonObject = fc.oneof(
  fc.constantFrom(...BAD_JSON, 'null', '[]', '1', '"x"', 'true'),
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => {
    if (s.trim() === '') return false;
    try {
      const v = JSON.parse(s) as unknown;
      return typeof v !== 'object' || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  }),
);

const REST_KINDS: Partial<Record<Kind, fc.Arbitrary<RestProbe>>> = {
  'wrong-types': menuArb.chain((m) => fc.tuple(fieldOf(m), notAScalar).chain(([f, v]) => routeOf(m, { [f]: v }))),
  'missing-fields': fc.oneof(
    // set, remove, enable, disable, comment and move need .id
    addableArb.chain((m) =>
      fc
        .tuple(
          fc.constantFrom('set', 'remove', 'enable', 'disable', 'comment', 'move'),
          fc.constantFrom({}, { comment: 'x' }),
        )
        .map(([verb, body]) => ({ method: 'POST', path: `/rest/${m.path}/${verb}`, body: JSON.stringify(body) })),
    ),
    // an identity names its peer, a policy its addresses
    fc.constantFrom(
      { method: 'PUT', path: '/rest/ip/ipsec/identity', body: '{}' },
      { method: 'PUT', path: '/rest/ip/ipsec/identity', body: JSON.stringify({ secret: 'x-psk-only' }) },
      { method: 'POST', path: '/api/login', body: '{}' },
      { method: 'POST', path: '/api/login', body: JSON.stringify({ name: 'admin' }) },
    ),
  ),
  'bad-ids': fc.tuple(addableArb, badId).chain(([m, id]) =>
    fc.constantFrom<RestProbe>(
      { method: 'GET', path: `/rest/${m.path}/${encodeURIComponent(id)}` },
      { method: 'PATCH', path: `/rest/${m.path}/${encodeURIComponent(id)}`, body: '{"comment":"x"}' },
      { method: 'DELETE', path: `/rest/${m.path}/${encodeURIComponent(id)}` },
      { method: 'POST', path: `/rest/${m.path}/remove`, body: JSON.stringify({ '.id': id }) },
      { method: 'POST', path: `/rest/${m.path}/set`, body: JSON.stringify({ '.id': id, comment: 'x' }) },
      {
        method: 'POST',
        path: `/rest/${m.path}/move`,
        body: JSON.stringify({ '.id': restId(firstId(m)), destination: id }),
      },
    ),
  ),
  'bad-json': fc
    .tuple(addableArb, notAJsonObject)
    .chain(([m, body]) =>
      fc.constantFrom<RestProbe>(
        { method: 'PUT', path: `/rest/${m.path}`, body },
        { method: 'PATCH', path: `/rest/${m.path}/${restId(firstId(m))}`, body },
        { method: 'POST', path: `/rest/${m.path}/add`, body },
        { method: 'POST', path: `/rest/${m.path}/remove`, body },
        { method: 'POST', path: '/api/login', body },
      ),
    ),
  'huge-bodies': fc.tuple(addableArb, fc.integer({ min: 1, max: 3 })).chain(([m, mb]) => {
    const body = JSON.stringify({ comment: 'x'.repeat(mb << 20) });
    return fc.constantFrom<RestProbe>(
      { method: 'PUT', path: `/rest/${m.path}`, body },
      { method: 'PATCH', path: `/rest/${m.path}/${restId(firstId(m))}`, body },
      { method: 'POST', path: '/api/login', body: JSON.stringify({ name: 'admin', password: 'x'.repeat(mb << 12) }) },
    );
  }),
  // certificate commands, wizard downloads, live views and paths that do not exist
  'other-routes': fc
    .tuple(fc.oneof(badId, fc.string({ maxLength: 20 })), notAScalar, fc.string({ minLength: 1, maxLength: 300 }))
    .chain(([name, bad, text]) =>
      fc.constantFrom<RestProbe>(
        { method: 'POST', path: '/rest/certificate/sign', body: JSON.stringify({ number: name }) },
        { method: 'POST', path: '/rest/certificate/sign', body: JSON.stringify({ '.id': bad, ca: bad }) },
        { method: 'POST', path: '/rest/certificate/import', body: JSON.stringify({ 'file-content': text }) },
        { method: 'POST', path: '/rest/certificate/import', body: JSON.stringify({ 'file-content': bad }) },
        { method: 'POST', path: '/rest/certificate/import', body: JSON.stringify({ name: text }) },
        { method: 'POST', path: '/rest/certificate/export-certificate', body: JSON.stringify({ number: name }) },
        {
          method: 'POST',
          path: '/rest/certificate/export-certificate',
          body: JSON.stringify({ number: 'x', type: text }),
        },
        { method: 'POST', path: `/rest/certificate/${encodeURIComponent(text)}`, body: '{}' },
        { method: 'GET', path: `/api/wizard/${encodeURIComponent(name)}/profile/${encodeURIComponent(text)}` },
        {
          method: 'POST',
          path: `/api/wizard/${encodeURIComponent(name)}/profile/x.p12`,
          body: JSON.stringify({ passphrase: bad }),
        },
        { method: 'DELETE', path: `/api/wizard/${encodeURIComponent(name)}/profile/x` },
        { method: 'POST', path: `/rest/ip/ipsec/active-peers/${encodeURIComponent(text)}`, body: '{}' },
        { method: 'DELETE', path: '/rest/ip/ipsec/installed-sa/*1' },
        { method: 'PUT', path: '/rest/ip/ipsec/statistics', body: '{}' },
        { method: 'POST', path: `/rest/${encodeURIComponent(text)}`, body: '{}' },
        { method: 'GET', path: `/api/${encodeURIComponent(text)}` },
      ),
    ),
  'huge-values': textValue(fc.integer({ min: 256, max: 100_000 }).map((n) => 'n'.repeat(n))),
  'control-characters': textValue(withControl),
  'unpaired-surrogates': textValue(fc.constantFrom('a\ud800b', '\udfff', 'x\ud83d')),
  'prototype-keys': fc.tuple(addableArb, fc.constantFrom(...PROTO_KEYS), uniqueName).chain(([m, key, name]) =>
    fc.constantFrom<RestProbe>(
      {
        method: 'PUT',
        path: `/rest/${m.path}`,
        body: `{"${key}": {"comment": "x"}, "${m.key ?? 'comment'}": "${name}"}`,
      },
      { method: 'PATCH', path: `/rest/${m.path}/${restId(firstId(m))}`, body: `{"${key}": "x"}` },
    ),
  ),
  'text-plain-bodies': fc
    .tuple(uniqueName, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'))
    .map(([name, contentType]) => ({
      method: 'PUT',
      path: '/rest/ip/ipsec/proposal',
      body: JSON.stringify({ name }),
      contentType,
    })),
  'out-of-bounds-values': fc
    .tuple(uniqueName, fc.constantFrom('99999999999999d', '1e308', '9999999999w', '-1s', 'Infinity'))
    .map(([name, lifetime]) => ({
      method: 'PUT',
      path: '/rest/ip/ipsec/proposal',
      body: JSON.stringify({ name, lifetime }),
    })),
};

/** Counterexamples runs have found, tried first on every run. */
const FOUND: Partial<Record<Kind, RestProbe[]>> = {
  'other-routes': [
    // String() of an object whose toString is not a function throws: was a 500
    { method: 'POST', path: '/rest/certificate/sign', body: '{".id":{"toString":{}},"ca":{"toString":{}}}' },
    { method: 'POST', path: '/rest/ip/ipsec/key/export-pub-key', body: '{"key":{"toString":{}}}' },
  ],
};

describe('REST: every kind of bad input gets a 4xx, changes nothing, and the agent keeps serving', () => {
  for (const [kind, arb] of Object.entries(REST_KINDS) as [Kind, fc.Arbitrary<RestProbe>][]) {
    const runs = kind === 'huge-bodies' ? 6 : 40;
    it(kind, async () => {
      const examples = (FOUND[kind] ?? []).map((p): [RestProbe] => [shown(p)]);
      await fc.assert(fc.asyncProperty(arb.map(shown), refused), { numRuns: runs, examples });
      await stillServing();
    });
  }
});

// ------------------------------------------------------------------------------------------ tRPC
type Call = { path: string; type: 'query' | 'mutate'; input: unknown };

/** Every procedure that takes input, with how it is called. */
const PROCEDURES: [string, 'query' | 'mutate'][] = [
  ['config.print', 'query'],
  ['config.get', 'query'],
  ['config.add', 'mutate'],
  ['config.set', 'mutate'],
  ['config.remove', 'mutate'],
  ['config.enable', 'mutate'],
  ['config.disable', 'mutate'],
  ['config.comment', 'mutate'],
  ['config.move', 'mutate'],
  ['config.batch', 'mutate'],
  ['config.history', 'query'],
  ['config.signCertificate', 'mutate'],
  ['config.importCertificate', 'mutate'],
  ['config.exportCertificate', 'mutate'],
  ['config.exportPublicKey', 'mutate'],
  ['system.users.add', 'mutate'],
  ['system.users.set', 'mutate'],
  ['system.users.remove', 'mutate'],
  ['system.audit', 'query'],
  ['wizard.preview', 'query'],
  ['wizard.finish', 'mutate'],
  ['wizard.profiles', 'query'],
  ['wizard.siteToSite.preview', 'query'],
  ['wizard.siteToSite.finish', 'mutate'],
];

/** Input no procedure takes: not an object, or an object whose every property has the wrong type. */
const wrongInput = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.constantFrom(
    { menu: 5, ids: 'x', id: 'x', values: 'x', ops: 'x', limit: 'x', name: 7, since: 'x', comment: 9 },
    { menu: 'no-such-menu', ids: [1], id: 1.5, values: {}, ops: [], limit: -1, name: {}, since: -1, comment: [] },
  ),
);

async function trpcRefused(call: Call, sess: TrpcSession = session): Promise<string> {
  const before = snapshot();
  const proc = call.path.split('.').reduce<any>((o, k) => o[k], sess.client);
  let error: any;
  try {
    await proc[call.type](call.input);
  } catch (e) {
    error = e;
  }
  const what = `${call.path}(${JSON.stringify(call.input)?.slice(0, 200)})`;
  expect(error, `${what} succeeded`).toBeDefined();
  expect(error.data?.httpStatus, `${what}: ${error.message}`).toBeGreaterThanOrEqual(400);
  expect(error.data?.httpStatus, `${what}: ${error.message}`).toBeLessThan(500);
  expect(snapshot(), what).toEqual(before);
  return what;
}

const TRPC_KINDS: Partial<Record<Kind, fc.Arbitrary<Call>>> = {
  'trpc-wrong-types': fc
    .tuple(fc.constantFrom(...PROCEDURES), wrongInput)
    .map(([[path, type], input]) => ({ path, type, input })),
  // a batch whose last operation is bad: the good ones before it must not be stored either
  'trpc-half-batch': fc
    .tuple(
      uniqueName,
      menuArb.chain((m) => fc.tuple(fc.constant(m), fieldOf(m), notAScalar)),
    )
    .map(([name, [m, field, bad]]) => ({
      path: 'config.batch',
      type: 'mutate' as const,
      input: {
        ops: [
          { op: 'add', menu: 'proposal', values: { name } },
          { op: 'add', menu: 'pool', values: { name: `${name}-pool`, ranges: '10.9.9.1-10.9.9.9' } },
          m.single
            ? { op: 'set', menu: m.name, id: 1, values: { [field]: bad } }
            : { op: 'add', menu: m.name, values: { [field]: bad } },
        ],
      },
    })),
};

describe('tRPC: every procedure fed bad input gets a 4xx error and changes nothing', () => {
  for (const [kind, arb] of Object.entries(TRPC_KINDS) as [Kind, fc.Arbitrary<Call>][]) {
    it(kind, async () => {
      await fc.assert(
        fc.asyncProperty(arb.map(shown), async (call) => void (await trpcRefused(call))),
        { numRuns: 40 },
      );
      await stillServing();
    });
  }

  it('trpc-stack-traces', async () => {
    const own = trpc(t.url, cookie);
    try {
      await fc.assert(
        fc.asyncProperty(TRPC_KINDS['trpc-wrong-types']!, async (call) => void (await trpcRefused(call, own))),
        { numRuns: 20 },
      );
      const errors = own.received.filter((m) => m.includes('"error"'));
      expect(errors.length).toBeGreaterThan(0);
      for (const m of errors) expect(m).not.toMatch(/\bat .+:\d+:\d+|node_modules|\/src\//);
    } finally {
      own.close();
    }
  });

  it('trpc-raw-frames: garbage WebSocket frames are answered or the socket closed; the agent keeps serving', async () => {
    const frames = fc.oneof(
      fc.string({ maxLength: 64 }),
      fc.constantFrom(
        '{',
        'null',
        '[]',
        '{"id":1}',
        '{"id":1,"method":"query"}',
        '{"id":1,"method":"nope","params":{}}',
        '{"id":{},"method":"query","params":{"path":"config.print","input":{"menu":"peer"}}}',
        '{"id":2,"method":"subscription","params":{"path":"no.such","input":null}}',
        '{"id":3,"method":"subscription.stop"}',
        '{"id":4,"method":"query","params":{"path":"__proto__.constructor","input":{}}}',
      ),
      fc.integer({ min: 1, max: 3 }).map((mb) => 'x'.repeat(mb << 20)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frames, { minLength: 1, maxLength: 5 }), async (list) => {
        const before = snapshot();
        const ws = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`, { headers: { cookie } });
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        const closed = new Promise((resolve) => ws.once('close', resolve));
        ws.on('error', () => undefined);
        for (const f of list) ws.send(f);
        // a tRPC answer proves it read them; then close our side
        ws.send('{"id":99,"method":"query","params":{"path":"system.me","input":null}}');
        await Promise.race([
          new Promise((r) => ws.on('message', (m) => String(m).includes('"id":99') && r(m))),
          closed,
        ]);
        ws.close();
        await closed;
        expect(snapshot()).toEqual(before);
      }),
      { numRuns: 15 },
    );
    await stillServing();
  });
});

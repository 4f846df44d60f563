// Hostile input over real sockets (REST and tRPC): prototype keys and unknown properties are a 400 naming the
// property, control characters in any name, ID or text value a 400 naming the field, values out of bounds
// (lifetimes, 0x secrets) a 400 naming the field; nothing of it is stored and the agent keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_MENUS } from '@ipsec/schema';
import { ADMIN_PASSWORD, basic, login, rejects, rest, startTestAgent, trpc, type TestAgent } from './harness.ts';

let t: TestAgent;
beforeAll(async () => {
  t = await startTestAgent();
});
afterAll(async () => {
  await t.close();
});

/** A REST call with a raw JSON text body (JSON.stringify of an object literal cannot hold an own "__proto__"). */
async function raw(method: string, path: string, body: string) {
  const res = await fetch(`${t.url}/rest/${path}`, {
    method,
    headers: { authorization: basic('admin', ADMIN_PASSWORD), 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  return { status: res.status, detail: String((JSON.parse(text) as { detail?: string }).detail ?? '') };
}

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('prototype keys are unknown properties on every menu (400 naming them, not 500)', () => {
  for (const menu of CONFIG_MENUS) {
    it(menu.path, async () => {
      for (const key of PROTOTYPE_KEYS) {
        const body = `{${JSON.stringify(key)}: "x"}`;
        const r = menu.single ? await raw('PATCH', menu.path, body) : await raw('PUT', menu.path, body);
        expect(r.status, `${key}: ${r.detail}`).toBe(400);
        expect(r.detail).toContain(`${key}: unknown property`);
        if (!menu.single) {
          const add = await raw('POST', `${menu.path}/add`, body);
          expect(add.status).toBe(400);
          expect(add.detail).toContain(`${key}: unknown property`);
        }
      }
    });
  }
  it('on set of an existing entry, and through tRPC', async () => {
    const proposals = (await rest(t.url, 'GET', 'ip/ipsec/proposal')).json as { '.id': string }[];
    const id = proposals[0]!['.id'];
    const cookie = await login(t.url, 'admin', ADMIN_PASSWORD);
    const s = trpc(t.url, cookie);
    try {
      for (const key of PROTOTYPE_KEYS) {
        const body = `{${JSON.stringify(key)}: "x"}`;
        expect(await raw('PATCH', `ip/ipsec/proposal/${id}`, body)).toEqual({
          status: 400,
          detail: expect.stringContaining(`${key}: unknown property`),
        });
        const values = JSON.parse(body) as Record<string, unknown>;
        const e = await rejects(s.client.config.add.mutate({ menu: 'peer', values: { name: 'p', ...values } }));
        expect(e.data?.code).toBe('BAD_REQUEST');
        expect(e.message).toContain(`${key}: unknown property`);
      }
      const unknown = await rejects(s.client.config.set.mutate({ menu: 'proposal', ids: [1], values: { frob: 1 } }));
      expect(unknown.message).toContain('frob: unknown property');
      const summary = await rejects(
        s.client.config.batch.mutate({
          ops: [{ op: 'add', menu: 'policy-group', values: { name: 'sg' } }],
          summary: 'fine\nforged revision line',
        }),
      );
      expect(summary.message).toMatch(/summary: must not contain control characters/);
    } finally {
      s.close();
    }
    expect((await rest(t.url, 'GET', 'ip/ipsec/peer')).json).toEqual([]);
    expect((await rest(t.url, 'GET', 'ip/ipsec/policy/group?name=sg')).json).toEqual([]);
  });
});

describe('REST commands take only their own properties (400 naming another)', () => {
  it('enable, comment, move, print, generate-key, certificate sign and export', async () => {
    const group = await rest(t.url, 'PUT', 'ip/ipsec/policy/group', { name: 'cmd-g' });
    const id = group.json['.id'] as string;
    const cases: [string, string][] = [
      ['ip/ipsec/policy/group/enable', `{".id": "${id}", "disabled": "yes"}`],
      ['ip/ipsec/policy/group/comment', `{".id": "${id}", "comment": "c", "__proto__": {"x": 1}}`],
      ['ip/ipsec/policy/move', `{".id": "*1", "destination": "*1", "constructor": 1}`],
      ['ip/ipsec/policy/group/print', `{"toString": "x"}`],
      ['ip/ipsec/key/generate-key', `{"name": "never", "key-size": "1024", "hasOwnProperty": 1}`],
      ['certificate/sign', `{"number": "x", "ca": "y", "days": 1}`],
      ['certificate/export-certificate', `{"number": "x", "passphrase": "p"}`],
    ];
    for (const [path, body] of cases) {
      const r = await raw('POST', path, body);
      const prop = Object.keys(JSON.parse(body) as object).at(-1)!;
      expect(r.status, path).toBe(400);
      expect(r.detail).toContain(`${prop}: unknown property for ${path.split('/').at(-1)}`);
    }
    expect((await rest(t.url, 'GET', 'ip/ipsec/key?name=never')).json).toEqual([]);
    expect((await rest(t.url, 'GET', `ip/ipsec/policy/group/${id}`)).json).toMatchObject({ comment: '' });
    // The properties a command does take still work, and RouterOS's dotted keys are left alone.
    expect((await raw('POST', 'ip/ipsec/policy/group/comment', `{".id": "${id}", "comment": "ok"}`)).status).toBe(200);
    expect((await raw('POST', 'ip/ipsec/policy/group/print', `{".proplist": "name"}`)).status).toBe(200);
  });
});

describe('control characters in names, IDs, comments and text values: 400 naming the field', () => {
  const CONTROL = ['\r', '\n', '\0', '\x1b', '\t', '\x7f', '\x9b', '\u2028'];
  const NAMED = CONFIG_MENUS.filter((m) => 'name' in m.fields && m.name !== 'certificate' && m.name !== 'key');
  for (const menu of NAMED) {
    it(`${menu.path}: name and comment`, async () => {
      for (const c of CONTROL) {
        const r = await rest(t.url, 'PUT', menu.path, { name: `a${c}b` });
        expect(r.status).toBe(400);
        expect(r.json.detail).toMatch(/name: must not contain control characters/);
        if ('comment' in menu.fields) {
          const r2 = await rest(t.url, 'PUT', menu.path, { name: 'ok', comment: `x${c}y` });
          expect(r2.status).toBe(400);
          expect(r2.json.detail).toMatch(/comment: must not contain control characters/);
        }
      }
      expect((await rest(t.url, 'GET', `${menu.path}?name=ok`)).json).toEqual([]);
    });
  }
  it('keys, certificates and identities (my-id=fqdn:a\\nb)', async () => {
    expect((await rest(t.url, 'PUT', 'ip/ipsec/key', { name: 'k\nx' })).json.detail).toMatch(/name: must not/);
    expect((await rest(t.url, 'PUT', 'certificate', { name: 'c\x1b[2J' })).json.detail).toMatch(/name: must not/);
    expect((await rest(t.url, 'PUT', 'certificate', { name: 'c', 'common-name': 'a\nb' })).json.detail).toMatch(
      /common-name: must not/,
    );
    expect((await rest(t.url, 'PUT', 'ip/ipsec/peer', { name: 'idp', address: '10.9.9.9/32' })).status).toBe(201);
    const id = await rest(t.url, 'PUT', 'ip/ipsec/identity', { peer: 'idp', secret: 'abc', 'my-id': 'fqdn:a\nb' });
    expect(id.status).toBe(400);
    expect(id.json.detail).toMatch(/my-id: must not contain control characters/);
    const user = await rest(t.url, 'PUT', 'ip/ipsec/user', { name: 'u', password: 'pw', comment: '\r\nx' });
    expect(user.json.detail).toMatch(/comment: must not/);
  });
});

describe('values have sane bounds', () => {
  it.each([['99999999999999d'], [1e308], ['1e308'], [-1]])(
    'lifetime=%s is refused and not stored',
    async (lifetime) => {
      for (const path of ['ip/ipsec/proposal', 'ip/ipsec/profile']) {
        const r = await rest(t.url, 'PUT', path, { name: 'long', lifetime });
        expect(r.status).toBe(400);
        expect(r.json.detail).toMatch(/lifetime: /);
        expect((await rest(t.url, 'GET', `${path}?name=long`)).json).toEqual([]);
      }
    },
  );
  it('an identity secret of 0x and bad hex is refused, without the secret in the answer', async () => {
    await rest(t.url, 'PUT', 'ip/ipsec/peer', { name: 'hexp', address: '10.9.9.8/32' });
    for (const secret of ['0xzz-secret-zz', '0xabc']) {
      const r = await rest(t.url, 'PUT', 'ip/ipsec/identity', { peer: 'hexp', secret });
      expect(r.status).toBe(400);
      expect(r.json.detail).toMatch(/secret: a secret starting with 0x must be an even number of hex digits/);
      expect(r.text).not.toContain(secret);
    }
    expect((await rest(t.url, 'PUT', 'ip/ipsec/identity', { peer: 'hexp', secret: '0x0aff' })).status).toBe(201);
  });
  it('the agent still serves', async () => {
    expect(await login(t.url, 'admin', ADMIN_PASSWORD)).toMatch(/=/);
  });
});

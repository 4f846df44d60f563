// /rest/user and /rest/user/group over a real socket: RouterOS's verbs, full users only, password write-only,
// the last full user kept, every change audited, and the same rules as the web's users procedures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, basic, login, rest, startTestAgent, trpc, type TestAgent } from './harness.ts';

let t: TestAgent;
const bodies: string[] = []; // every answer, scanned for passwords at the end
const PASSWORDS = ['script-pw-1', 'script-pw-2', 'writer-pw-1', 'reader-pw-1'];

async function call(method: string, path: string, body?: unknown, auth?: string) {
  const r = await rest(t.url, method, path, body, auth);
  bodies.push(r.text);
  return r;
}

beforeAll(async () => {
  t = await startTestAgent();
});
afterAll(async () => {
  await t.close();
});

describe('/rest/user', () => {
  it('add, print, get, set, disable, comment and remove, RouterOS style', async () => {
    const added = await call('PUT', 'user', { name: 'script', group: 'write', password: 'script-pw-1' });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      '.id': expect.stringMatching(/^\*[0-9A-F]+$/),
      name: 'script',
      group: 'write',
      disabled: 'false',
      comment: '',
    });
    const id = added.json['.id'];
    expect((await call('GET', 'user')).json.map((u: any) => u.name)).toEqual(['admin', 'script']);
    expect((await call('GET', 'user?group=write&.proplist=name')).json).toEqual([{ name: 'script' }]);
    expect((await call('GET', `user/${id}`)).json.name).toBe('script');
    expect((await call('GET', 'user/script')).json['.id']).toBe(id);

    const set = await call('PATCH', `user/${id}`, { group: 'read', comment: 'ci', password: 'script-pw-2' });
    expect(set.json).toMatchObject({ group: 'read', comment: 'ci' });
    expect((await call('GET', 'ip/ipsec/peer', undefined, basic('script', 'script-pw-2'))).status).toBe(200);
    expect((await call('POST', 'user/disable', { '.id': id })).json).toEqual([]);
    expect((await call('GET', `user/${id}`)).json).toMatchObject({ disabled: 'true', comment: 'ci' }); // comment kept
    expect((await call('GET', 'ip/ipsec/peer', undefined, basic('script', 'script-pw-2'))).status).toBe(401);
    await call('POST', 'user/enable', { numbers: 'script' });
    await call('POST', 'user/comment', { '.id': id, comment: 'from a script' });
    expect((await call('POST', 'user/get', { '.id': id })).json).toMatchObject({
      disabled: 'false',
      comment: 'from a script',
    });

    expect((await call('DELETE', `user/${id}`)).status).toBe(204);
    expect((await call('GET', `user/${id}`)).status).toBe(404);
    const ret = (await call('POST', 'user/add', { name: 'script', group: 'read', password: 'script-pw-1' })).json.ret;
    expect(ret).toMatch(/^\*[0-9A-F]+$/);
    expect((await call('POST', 'user/remove', { '.id': 'script' })).json).toEqual([]);
    expect((await call('POST', 'user/print', {})).json.map((u: any) => u.name)).toEqual(['admin']);
  });

  it('bad values are 400 naming the field, with the same rules as the web', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'bad name!', group: 'read', password: 'long-enough-1' }, /^name:/],
      [{ name: 'ok', group: 'root', password: 'long-enough-1' }, /^group: must be full, write or read/],
      [{ name: 'ok', group: 'read', password: 'short' }, /^password: at least 8/],
      [{ name: 'ok', group: 'read' }, /^password:/],
      [{ name: 'ok', group: 'read', password: 'long-enough-1', disabled: 'maybe' }, /^disabled: must be yes or no/],
      [{ name: 'ok', group: 'read', password: 'long-enough-1', policy: 'all' }, /unknown property "policy"/],
      [{ name: 'admin', group: 'read', password: 'long-enough-1' }, /already exists/],
      [{ name: 'ok', group: 'read', password: 'long-enough-1', comment: 'a\nb' }, /^comment: must not contain control/],
    ];
    for (const [body, detail] of cases) {
      const r = await call('PUT', 'user', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.detail).toMatch(detail);
    }
    expect((await call('PATCH', 'user/admin', { name: 'root' })).json.detail).toMatch(/unknown property "name"/);
    expect((await call('PATCH', 'user/nobody', { comment: 'x' })).status).toBe(404);
    expect((await call('POST', 'user/frobnicate', {})).status).toBe(400);
  });

  it('the last full user cannot be removed, demoted or disabled (400 naming why)', async () => {
    const removed = await call('DELETE', 'user/admin');
    expect(removed.status).toBe(400);
    expect(removed.json.detail).toMatch(/last full user cannot be removed/);
    expect((await call('PATCH', 'user/admin', { group: 'write' })).json.detail).toMatch(/last enabled full user/);
    expect((await call('POST', 'user/disable', { '.id': 'admin' })).status).toBe(400);
    expect((await call('GET', 'user/admin')).json).toMatchObject({ group: 'full', disabled: 'false' });
  });

  it('only full users may use it: write and read users get 403, even to print', async () => {
    await call('PUT', 'user', { name: 'writer', group: 'write', password: 'writer-pw-1' });
    await call('PUT', 'user', { name: 'reader', group: 'read', password: 'reader-pw-1' });
    for (const auth of [basic('writer', 'writer-pw-1'), basic('reader', 'reader-pw-1')]) {
      for (const [method, path, body] of [
        ['GET', 'user', undefined],
        ['GET', 'user/admin', undefined],
        ['GET', 'user/group', undefined],
        ['PUT', 'user', { name: 'sneaky', group: 'full', password: 'sneaky-pw-1' }],
        ['PATCH', 'user/admin', { password: 'taken-over-1' }],
        ['DELETE', 'user/admin', undefined],
        ['POST', 'user/add', { name: 'sneaky', group: 'full', password: 'sneaky-pw-1' }],
      ] as const) {
        const r = await call(method, path, body, auth);
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.json.detail).toMatch(/needs group full/);
      }
    }
    expect((await call('GET', 'user')).json.map((u: any) => u.name)).toEqual(['admin', 'reader', 'writer']);
    expect((await call('GET', 'ip/ipsec/peer', undefined, basic('admin', ADMIN_PASSWORD))).status).toBe(200);
  });

  it('/rest/user/group lists the three groups, read-only', async () => {
    const groups = (await call('GET', 'user/group')).json;
    expect(groups.map((g: any) => g.name)).toEqual(['full', 'write', 'read']);
    expect(groups[0]).toMatchObject({ '.id': '*1', policy: expect.stringContaining('write') });
    expect((await call('GET', 'user/group/read')).json.name).toBe('read');
    expect((await call('PUT', 'user/group', { name: 'custom' })).status).toBe(405);
    expect((await call('DELETE', 'user/group/*1')).status).toBe(405);
  });

  it('every change is audited, and no password ever appears in an answer or the audit', async () => {
    const admin = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
    try {
      const audit = await admin.client.system.audit.query({ limit: 100 });
      const mine = audit.filter((a) => a.user === 'admin' && a.action.startsWith('user '));
      expect(mine.map((a) => a.action)).toEqual(expect.arrayContaining(['user add', 'user set', 'user remove']));
      expect(mine.find((a) => a.detail.includes('password'))?.detail).toMatch(/password=\(set\)/);
      const all = [...bodies, JSON.stringify(audit)].join('\n');
      for (const p of PASSWORDS) expect(all).not.toContain(p);
      expect(all).not.toMatch(/"password"/);
    } finally {
      admin.close();
    }
  });
});

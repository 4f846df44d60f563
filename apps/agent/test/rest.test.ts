// The RouterOS-compatible REST API over a real HTTP socket: CRUD for every menu, the RouterOS
// verbs, errors that name the field, auth, permissions, and secrets that never come back.
import { STATISTICS_COUNTERS } from '@ipsec/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, basic, login, rest, startTestAgent, trpc, type TestAgent } from './harness.ts';

let t: TestAgent;
const bodies: string[] = []; // every response body, scanned for secrets at the end
const SECRETS = ['psk-rest-123', 'pw-secret-rest-1', 'new-psk-456'];

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

// In dependency order: each entry may refer to the ones before it.
const CASES = [
  {
    path: 'ip/ipsec/profile',
    add: { name: 'prof1', 'dh-group': 'modp2048', 'enc-algorithm': 'aes-128' },
    patch: { 'dpd-interval': 'disable-dpd' },
    expect: { 'dpd-interval': 'disable-dpd', 'dh-group': 'modp2048' },
  },
  {
    path: 'ip/ipsec/proposal',
    add: { name: 'prop1', 'enc-algorithms': 'aes-128-cbc', 'pfs-group': 'modp2048' },
    patch: { lifetime: '1d 00:00:00' },
    expect: { lifetime: '1d', 'auth-algorithms': 'sha1' },
  },
  {
    path: 'ip/ipsec/policy/group',
    add: { name: 'g1' },
    patch: { comment: 'group one' },
    expect: { comment: 'group one' },
  },
  {
    path: 'ip/ipsec/peer',
    add: { name: 'p1', address: '192.168.80.1/32', profile: 'prof1' },
    patch: { 'exchange-mode': 'ike2', passive: 'yes' },
    expect: { 'exchange-mode': 'ike2', passive: 'true', responder: 'true' },
  },
  {
    path: 'ip/ipsec/identity',
    add: { peer: 'p1', secret: 'psk-rest-123' },
    patch: { 'my-id': 'fqdn:vpn.example.com', secret: 'new-psk-456' },
    expect: { 'my-id': 'fqdn:vpn.example.com', secret: '********' },
  },
  {
    path: 'ip/ipsec/policy',
    add: {
      peer: 'p1',
      'src-address': '10.1.202.0/24',
      'dst-address': '10.1.101.0/24',
      tunnel: 'yes',
      proposal: 'prop1',
    },
    patch: { level: 'unique' },
    expect: { level: 'unique', tunnel: 'true', 'sa-dst-address': '192.168.80.1' },
  },
  {
    path: 'ip/pool',
    add: { name: 'pool1', ranges: '10.5.8.10-10.5.8.99,10.5.9.0/24' },
    patch: { ranges: '10.5.8.10-10.5.8.199' },
    expect: { ranges: '10.5.8.10-10.5.8.199', 'next-pool': '' },
  },
  {
    path: 'ip/ipsec/mode-config',
    add: {
      name: 'mc1',
      'address-pool': 'pool1',
      'split-include': '10.5.8.0/24',
      'system-dns': 'no',
      'static-dns': '10.5.8.1',
    },
    patch: { 'address-prefix-length': '24' },
    expect: { 'address-prefix-length': '24', 'split-include': '10.5.8.0/24' },
  },
  {
    path: 'ip/ipsec/key',
    add: { name: 'k1', 'key-size': '1024' },
    patch: { name: 'k1b' },
    expect: { name: 'k1b', 'private-key': 'true', 'key-size': '1024' },
  },
  {
    path: 'ip/ipsec/user',
    add: { name: 'xuser', password: 'pw-secret-rest-1' },
    patch: { address: '192.168.77.5' },
    expect: { address: '192.168.77.5', password: '********' },
  },
];

describe('CRUD for every menu', () => {
  const ids: Record<string, string> = {};
  for (const c of CASES) {
    it(`${c.path}: PUT, GET, GET *id, PATCH`, async () => {
      const added = await call('PUT', c.path, c.add);
      expect(added.status, added.text).toBe(201);
      expect(added.json['.id']).toMatch(/^\*[0-9A-F]+$/);
      ids[c.path] = added.json['.id'];
      const list = await call('GET', c.path);
      expect(list.status).toBe(200);
      expect(list.json.map((e: any) => e['.id'])).toContain(ids[c.path]);
      const one = await call('GET', `${c.path}/${ids[c.path]}`);
      expect(one.json['.id']).toBe(ids[c.path]);
      const patched = await call('PATCH', `${c.path}/${ids[c.path]}`, c.patch);
      expect(patched.status, patched.text).toBe(200);
      expect(patched.json).toMatchObject(c.expect);
    });
  }
  it('DELETE in reverse order, then GET is 404', async () => {
    for (const c of [...CASES].reverse()) {
      const del = await call('DELETE', `${c.path}/${ids[c.path]}`);
      expect(del.status, `${c.path}: ${del.text}`).toBe(204);
      const gone = await call('GET', `${c.path}/${ids[c.path]}`);
      expect(gone.status).toBe(404);
      expect(gone.json).toMatchObject({ error: 404, message: 'Not Found' });
    }
  });
  it('settings is one object: GET and PATCH', async () => {
    const s = await call('GET', 'ip/ipsec/settings');
    expect(s.json).toMatchObject({ 'xauth-use-radius': 'false', 'interim-update': '0s' });
    const p = await call('PATCH', 'ip/ipsec/settings', { 'interim-update': '5m' });
    expect(p.json['interim-update']).toBe('5m');
    const viaPost = await call('POST', 'ip/ipsec/settings/set', { accounting: 'no' });
    expect(viaPost.json.accounting).toBe('false');
  });
  it('read-only menus: active-peers, installed-sa (empty without an engine), statistics', async () => {
    expect((await call('GET', 'ip/ipsec/active-peers')).json).toEqual([]);
    expect((await call('GET', 'ip/ipsec/installed-sa')).json).toEqual([]);
    const stats = await call('GET', 'ip/ipsec/statistics');
    expect(Object.keys(stats.json).sort()).toEqual(STATISTICS_COUNTERS.map(([n]) => n).sort()); // the manual's 25, our 9 IKE drops
    expect(stats.json['in-no-states']).toBe('0');
    expect((await call('PUT', 'ip/ipsec/statistics', {})).status).toBe(405);
    expect((await call('POST', 'ip/ipsec/active-peers/kill-connections', {})).status).toBe(200);
    expect((await call('POST', 'ip/ipsec/installed-sa/flush', {})).status).toBe(200);
  });
});

describe('RouterOS behaviour', () => {
  it('built-in entries exist from first start and cannot be removed', async () => {
    const policies = (await call('GET', 'ip/ipsec/policy')).json;
    expect(policies[0]).toMatchObject({
      group: 'default',
      'src-address': '::/0',
      'dst-address': '::/0',
      template: 'true',
      default: 'true',
      proposal: 'default',
    });
    const proposals = (await call('GET', 'ip/ipsec/proposal?name=default')).json;
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({
      lifetime: '30m',
      'pfs-group': 'modp1024',
      'enc-algorithms': 'aes-256-cbc,aes-192-cbc,aes-128-cbc',
    });
    expect((await call('GET', 'ip/ipsec/profile?name=default')).json[0]).toMatchObject({
      'dh-group': 'modp1024,modp2048',
      lifetime: '1d',
      'dpd-interval': '2m',
    });
    expect((await call('GET', 'ip/ipsec/mode-config?name=request-only')).json[0]).toMatchObject({
      responder: 'false',
      default: 'true',
    });
    const del = await call('DELETE', `ip/ipsec/proposal/${proposals[0]['.id']}`);
    expect(del.status).toBe(400);
    expect(del.json.detail).toMatch(/default entry cannot be removed/);
  });
  it('errors are JSON naming the field', async () => {
    const r = await call('PUT', 'ip/ipsec/peer', { name: 'bad', address: '10.0.0.300/24' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 400, message: 'Bad Request' });
    expect(r.json.detail).toMatch(/address:/);
    const r2 = await call('PUT', 'ip/ipsec/profile', { name: 'x', 'dh-group': 'modp2048,modp9999' });
    expect(r2.json.detail).toMatch(/dh-group: "modp9999" is not one of/);
    const r3 = await call('PUT', 'ip/ipsec/peer', { name: 'x', profile: 'missing' });
    expect(r3.json.detail).toMatch(/profile: profile "missing" does not exist/);
    const r4 = await call('PUT', 'ip/ipsec/peer', '[1,2]' as unknown);
    expect(r4.status).toBe(400);
  });
  it('an entry in use cannot be removed; the error names who uses it', async () => {
    const prof = (await call('PUT', 'ip/ipsec/profile', { name: 'used' })).json;
    const peer = (await call('PUT', 'ip/ipsec/peer', { name: 'user-of-used', profile: 'used', address: '10.9.9.9' }))
      .json;
    const r = await call('DELETE', `ip/ipsec/profile/${prof['.id']}`);
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/cannot remove "used": used by peer \*[0-9A-F]+ \(profile\)/);
    // renaming the profile follows through to the peer
    await call('PATCH', `ip/ipsec/profile/${prof['.id']}`, { name: 'renamed' });
    expect((await call('GET', `ip/ipsec/peer/${peer['.id']}`)).json.profile).toBe('renamed');
    await call('DELETE', `ip/ipsec/peer/${peer['.id']}`);
    expect((await call('DELETE', `ip/ipsec/profile/${prof['.id']}`)).status).toBe(204);
  });
  it('POST verbs: add, set, enable, disable, comment, move, remove', async () => {
    await call('PUT', 'ip/ipsec/peer', { name: 'mv', address: '10.7.7.7/32' });
    const a = (
      await call('POST', 'ip/ipsec/policy/add', {
        peer: 'mv',
        'src-address': '10.0.1.0/24',
        'dst-address': '10.0.2.0/24',
        tunnel: 'yes',
      })
    ).json.ret;
    const b = (
      await call('POST', 'ip/ipsec/policy/add', {
        peer: 'mv',
        'src-address': '10.0.3.0/24',
        'dst-address': '10.0.4.0/24',
        tunnel: 'yes',
      })
    ).json.ret;
    expect(a).toMatch(/^\*/);
    await call('POST', 'ip/ipsec/policy/disable', { '.id': a });
    expect((await call('GET', `ip/ipsec/policy/${a}`)).json.disabled).toBe('true');
    await call('POST', 'ip/ipsec/policy/enable', { '.id': a });
    await call('POST', 'ip/ipsec/policy/comment', { '.id': `${a},${b}`, comment: 'office' });
    expect((await call('GET', `ip/ipsec/policy/${b}`)).json.comment).toBe('office');
    await call('POST', 'ip/ipsec/policy/set', { '.id': a, level: 'use' });
    expect((await call('GET', `ip/ipsec/policy/${a}`)).json.level).toBe('use');
    const order = async () => (await call('GET', 'ip/ipsec/policy')).json.map((p: any) => p['.id']);
    expect(await order()).toEqual(['*1', a, b]);
    await call('POST', 'ip/ipsec/policy/move', { '.id': b, destination: '*1' });
    expect(await order()).toEqual([b, '*1', a]);
    const copy = (await call('POST', 'ip/ipsec/policy/add', { 'copy-from': a, 'src-address': '10.0.5.0/24' })).json.ret;
    expect((await call('GET', `ip/ipsec/policy/${copy}`)).json).toMatchObject({
      'dst-address': '10.0.2.0/24',
      level: 'use',
      'src-address': '10.0.5.0/24',
    });
    await call('POST', 'ip/ipsec/policy/remove', { '.id': `${a},${b},${copy}` });
    expect(await order()).toEqual(['*1']);
    expect((await call('POST', 'ip/ipsec/policy/frobnicate', {})).json.detail).toMatch(/no such command/);
  });
  it('a duplicate policy is flagged invalid, as the manual describes', async () => {
    await call('PUT', 'ip/ipsec/peer', { name: 'dup', address: '10.8.8.8/32' });
    const one = (
      await call('PUT', 'ip/ipsec/policy', {
        peer: 'dup',
        'src-address': '10.2.0.0/24',
        'dst-address': '10.3.0.0/24',
        tunnel: 'yes',
      })
    ).json;
    const two = (
      await call('PUT', 'ip/ipsec/policy', {
        peer: 'dup',
        'src-address': '10.2.0.0/24',
        'dst-address': '10.3.0.0/24',
        tunnel: 'yes',
      })
    ).json;
    expect(one.invalid).toBe('false');
    expect(two.invalid).toBe('true');
    await call('POST', 'ip/ipsec/policy/remove', { '.id': `${one['.id']},${two['.id']}` });
  });
  it('keys: generate-key, export-pub-key gives only the public key', async () => {
    const id = (await call('POST', 'ip/ipsec/key/generate-key', { name: 'gen', 'key-size': '1024' })).json.ret;
    const k = (await call('GET', `ip/ipsec/key/${id}`)).json;
    expect(k).toMatchObject({ name: 'gen', 'key-size': '1024', 'private-key': 'true', 'private-key-pem': '********' });
    const pub = (await call('POST', 'ip/ipsec/key/export-pub-key', { key: 'gen' })).json['public-key'];
    expect(pub).toMatch(/BEGIN PUBLIC KEY/);
    expect(pub).not.toMatch(/PRIVATE/);
  });
});

describe('authentication and permissions', () => {
  it('no credentials or wrong ones: 401 with WWW-Authenticate', async () => {
    const res = await fetch(`${t.url}/rest/ip/ipsec/peer`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/Basic/);
    expect((await rest(t.url, 'GET', 'ip/ipsec/peer', undefined, basic('admin', 'nope'))).status).toBe(401);
  });
  it('a read user can print but not change', async () => {
    const s = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
    await s.client.system.users.add.mutate({ name: 'reader', group: 'read', password: 'reader-pw-1' });
    s.close();
    const auth = basic('reader', 'reader-pw-1');
    expect((await call('GET', 'ip/ipsec/peer', undefined, auth)).status).toBe(200);
    const w = await call('PUT', 'ip/ipsec/peer', { name: 'r' }, auth);
    expect(w.status).toBe(403);
    expect(w.json.detail).toMatch(/group read/);
    expect((await call('PATCH', 'ip/ipsec/settings', { accounting: 'yes' }, auth)).status).toBe(403);
    expect((await call('POST', 'ip/ipsec/active-peers/kill-connections', {}, auth)).status).toBe(403);
  });
  it('failed logins are rate limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await rest(t.url, 'GET', 'ip/ipsec/peer', undefined, basic('victim', `guess${i}`))).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[6]).toBe(429);
    const web = await fetch(`${t.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'victim', password: 'x' }),
    });
    expect(web.status).toBe(429);
    expect(web.headers.get('retry-after')).toMatch(/^\d+$/);
  });
  it('no secret ever appears in a response', () => {
    const all = bodies.join('\n');
    for (const secret of SECRETS) expect(all).not.toContain(secret);
    expect(all).not.toContain('PRIVATE KEY');
    expect(all).toContain('********');
  });
});

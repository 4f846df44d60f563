// A user change reaches every channel at once (REST Basic, browser sessions, open WebSockets), and what the
// login code accepts and logs: the Basic scheme in any case, the Origin's scheme, a huge user name cut short.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { logger } from '../src/log.ts';
import {
  ADMIN_PASSWORD,
  basic,
  login,
  rawUpgrade,
  rest,
  startTestAgent,
  trpc,
  withTimeout,
  type TestAgent,
  type TrpcSession,
} from './harness.ts';

let t: TestAgent;
let admin: TrpcSession;
beforeAll(async () => {
  t = await startTestAgent();
  admin = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
});
afterAll(async () => {
  admin.close();
  await t.close();
});

const status = async (auth: string) => (await rest(t.url, 'GET', 'ip/ipsec/peer', undefined, auth)).status;

describe('a user change takes effect at once on every channel', () => {
  it('after a password change the old password fails on REST at once, the new one works', async () => {
    await admin.client.system.users.add.mutate({ name: 'pwchange', group: 'write', password: 'old-password-1' });
    expect(await status(basic('pwchange', 'old-password-1'))).toBe(200); // now cached
    await admin.client.system.users.set.mutate({ name: 'pwchange', password: 'new-password-2' });
    expect(await status(basic('pwchange', 'old-password-1'))).toBe(401);
    expect(await status(basic('pwchange', 'new-password-2'))).toBe(200);
  });

  it("a removed then recreated user's old password fails, and the new one carries the new group", async () => {
    await admin.client.system.users.add.mutate({ name: 'again', group: 'write', password: 'first-password-1' });
    expect(await status(basic('again', 'first-password-1'))).toBe(200);
    await admin.client.system.users.remove.mutate({ name: 'again' });
    expect(await status(basic('again', 'first-password-1'))).toBe(401);
    await admin.client.system.users.add.mutate({ name: 'again', group: 'read', password: 'second-password-2' });
    expect(await status(basic('again', 'first-password-1'))).toBe(401);
    const put = await rest(t.url, 'PUT', 'ip/ipsec/policy/group', { name: 'x' }, basic('again', 'second-password-2'));
    expect(put.status).toBe(403);
  });

  it('a group change applies to the next REST request', async () => {
    await admin.client.system.users.add.mutate({ name: 'regrouped', group: 'write', password: 'regrouped-pw-1' });
    const auth = basic('regrouped', 'regrouped-pw-1');
    expect((await rest(t.url, 'PUT', 'ip/ipsec/policy/group', { name: 'by-regrouped' }, auth)).status).toBe(201);
    await admin.client.system.users.set.mutate({ name: 'regrouped', group: 'read' });
    expect((await rest(t.url, 'PUT', 'ip/ipsec/policy/group', { name: 'by-regrouped-2' }, auth)).status).toBe(403);
  });

  it("a password change closes the user's open WebSocket at once, not at the next sweep", async () => {
    await admin.client.system.users.add.mutate({ name: 'socketed', group: 'write', password: 'socketed-pw-1' });
    const cookie = await login(t.url, 'socketed', 'socketed-pw-1');
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`, { headers: { cookie } });
    await withTimeout(new Promise((r) => ws.once('open', r)), 5000, 'socket open');
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await admin.client.system.users.set.mutate({ name: 'socketed', password: 'socketed-pw-2' });
    expect(await withTimeout(closed, 300, 'socket closed by the change')).toBe(4401);
    const session = await fetch(`${t.url}/api/session`, { headers: { cookie } });
    expect(session.status).toBe(401);
  });
});

describe('a logout', () => {
  it('closes the open WebSocket of that session at once', async () => {
    const cookie = await login(t.url, 'admin', ADMIN_PASSWORD);
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`, { headers: { cookie } });
    await withTimeout(new Promise((r) => ws.once('open', r)), 5000, 'socket open');
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    expect((await fetch(`${t.url}/api/logout`, { method: 'POST', headers: { cookie } })).status).toBe(200);
    expect(await withTimeout(closed, 300, 'socket closed by the logout')).toBe(4401);
  });
});

describe('a user patch changes only what it names', () => {
  it('disabling a user from the web keeps its comment and group', async () => {
    await admin.client.system.users.add.mutate({
      name: 'commented',
      group: 'write',
      password: 'commented-pw-1',
      comment: 'night shift',
    });
    await admin.client.system.users.set.mutate({ name: 'commented', disabled: true });
    const after = (await admin.client.system.users.list.query()).find((u) => u.name === 'commented');
    expect(after).toMatchObject({ comment: 'night shift', group: 'write', disabled: true });
  });
});

describe('what the login code accepts and logs', () => {
  it('the Basic scheme is case-insensitive (RFC 7235)', async () => {
    const token = Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64');
    for (const scheme of ['basic', 'BASIC', 'bAsIc']) expect(await status(`${scheme} ${token}`)).toBe(200);
  });

  it('the WebSocket Origin must have our scheme, host and port', async () => {
    const cookie = await login(t.url, 'admin', ADMIN_PASSWORD);
    const port = new URL(t.url).port;
    expect(await rawUpgrade(t.url, { cookie, origin: `https://127.0.0.1:${port}` })).toBe(403);
    expect(await rawUpgrade(t.url, { cookie, origin: `http://127.0.0.1:${Number(port) + 1}` })).toBe(403);
    expect(await rawUpgrade(t.url, { cookie, origin: 'null' })).toBe(403);
    expect(await rawUpgrade(t.url, { cookie, origin: `http://127.0.0.1:${port}` })).toBe('open');
  });

  it('a 10 KB user name is logged and audited cut to 64 characters', async () => {
    const warn = vi.spyOn(logger, 'warn');
    try {
      const name = 'n'.repeat(10_000);
      expect(await status(basic(name, 'whatever'))).toBe(401);
      const logged = JSON.stringify(warn.mock.calls);
      expect(logged).toContain(`${'n'.repeat(64)}…`);
      expect(logged).not.toContain('n'.repeat(65));
      const audit = await admin.client.system.audit.query({ limit: 5 });
      const line = audit.find((a) => a.action === 'login failed')!;
      expect(line.user).toBe(`${'n'.repeat(64)}…`);
    } finally {
      warn.mockRestore();
    }
  });
});

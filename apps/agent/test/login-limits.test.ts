// Login limits over real sockets, each test from its own loopback address (127.0.0.0/8 is all local on Linux):
// a growing delay per (user, address) and per address that no other login resets, and that an attacker cannot
// turn against the admin logging in from another address.
import { randomBytes, scryptSync } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter, LOGIN_POLICY } from '../src/auth/login-limiter.ts';
import { ADMIN_PASSWORD, basic, login, startTestAgent, trpc, type TestAgent } from './harness.ts';

let t: TestAgent;
beforeAll(async () => {
  t = await startTestAgent();
  const admin = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
  await admin.client.system.users.add.mutate({ name: 'mallory', group: 'read', password: 'mallory-pw-1' });
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'])
    await admin.client.system.users.add.mutate({ name, group: 'write', password: `${name}-secret-1` });
  admin.close();
});
afterAll(async () => {
  await t.close();
});

interface Answer {
  status: number;
  retryAfter: number | undefined;
}

/** One HTTP request to the agent from the local address `from`. */
function send(from: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(`${t.url}${path}`, { method, headers, localAddress: from }, (res) => {
      res.resume();
      res.on('end', () => {
        const retry = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: retry === undefined ? undefined : Number(retry) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const webLogin = (from: string, name: string, password: string) =>
  send(from, 'POST', '/api/login', { 'content-type': 'application/json' }, JSON.stringify({ name, password }));
const restGet = (from: string, name: string, password: string) =>
  send(from, 'GET', '/rest/ip/ipsec/peer', { authorization: basic(name, password) });

describe('password checks run off the event loop', () => {
  it('12 logins with wrong passwords (one scrypt each) keep the event loop busy for less than half their scrypt time', async () => {
    // the agent runs in this process: synchronous scrypt would be event-loop time (at least 12 of them)
    const salt = randomBytes(16);
    const start = performance.now();
    scryptSync('x', salt, 32, { N: 16384, r: 8, p: 1 });
    const oneScryptMs = performance.now() - start;
    const before = performance.eventLoopUtilization();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => webLogin('127.0.0.31', `nobody${i}`, 'wrong-password-1')),
    );
    const busy = performance.eventLoopUtilization(before);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(401));
    expect(busy.active).toBeLessThan(6 * oneScryptMs);
  });
});

describe('login limits', () => {
  it("an attacker's own successful logins do not reset the limit on guessing others' passwords", async () => {
    const from = '127.0.0.11';
    const victims = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
    const statuses: number[] = [];
    // 4 guesses per victim (under the per-user limit), the attacker's own login between each victim
    for (const victim of victims) {
      for (let i = 0; i < 4; i++) statuses.push((await webLogin(from, victim, `guess-${i}`)).status);
      expect((await restGet(from, 'mallory', 'mallory-pw-1')).status).toBe(200);
    }
    expect(statuses.slice(0, LOGIN_POLICY.freePerAddress)).toEqual(Array(LOGIN_POLICY.freePerAddress).fill(401));
    expect(statuses.slice(LOGIN_POLICY.freePerAddress)).toEqual(statuses.slice(20).map(() => 429));
    expect((await webLogin(from, 'mallory', 'mallory-pw-1')).status).toBe(429); // the address waits, whoever it is
  });

  it('an attacker guessing the admin password cannot lock the admin out from another address', async () => {
    const attacker = '127.0.0.12';
    for (let i = 0; i < LOGIN_POLICY.freePerUser; i++)
      expect((await restGet(attacker, 'admin', `guess-${i}`)).status).toBe(401);
    expect((await webLogin(attacker, 'admin', 'guess-x')).status).toBe(429);
    expect((await restGet(attacker, 'admin', 'guess-y')).status).toBe(429); // Basic auth: the same limiter
    expect((await webLogin('127.0.0.13', 'admin', ADMIN_PASSWORD)).status).toBe(200);
    expect((await restGet('127.0.0.13', 'admin', ADMIN_PASSWORD)).status).toBe(200);
    // even from the attacker's address, another user is only slowed by the per-address counter (5 of 20 used)
    expect((await webLogin(attacker, 'bob', 'bob-secret-1')).status).toBe(200);
  });

  it('the delay grows with each failure after the free ones, and says how long in Retry-After', async () => {
    const from = '127.0.0.14';
    for (let i = 0; i < LOGIN_POLICY.freePerUser; i++)
      expect((await webLogin(from, 'carol', `g${i}`)).status).toBe(401);
    const first = await webLogin(from, 'carol', 'g-next');
    expect(first).toEqual({ status: 429, retryAfter: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await webLogin(from, 'carol', 'g-after-wait')).status).toBe(401);
    expect(await webLogin(from, 'carol', 'g-again')).toEqual({ status: 429, retryAfter: 2 });
  });
});

describe('LoginLimiter', () => {
  it('doubles the delay up to the cap, forgets after an hour, and a success clears only its own pair', () => {
    const limiter = new LoginLimiter();
    const at = 1_000_000;
    for (let i = 0; i < 5; i++) limiter.fail('u', 'a', at);
    expect(limiter.waitMs('u', 'a', at)).toBe(1000);
    for (let i = 0; i < 20; i++) limiter.fail('u', 'a', at);
    expect(limiter.waitMs('u', 'a', at)).toBe(LOGIN_POLICY.maxDelayMs);
    expect(limiter.waitMs('other', 'a', at)).toBe(32_000); // the address too: 25 failures, 5 past its 20 free
    expect(limiter.waitMs('u', 'b', at)).toBe(0); // not the user elsewhere
    limiter.succeed('other', 'a');
    expect(limiter.waitMs('other', 'a', at)).toBe(32_000);
    expect(limiter.waitMs('u', 'a', at + LOGIN_POLICY.forgetMs)).toBe(0);
  });

  it('a spray of names evicts the oldest counters, not the spraying address', () => {
    const limiter = new LoginLimiter({ ...LOGIN_POLICY, maxKeys: 50 });
    for (let i = 0; i < 200; i++) limiter.fail(`name-${i}`, 'sprayer', 1000 + i);
    expect(limiter.waitMs('fresh-name', 'sprayer', 1200)).toBeGreaterThan(0);
  });
});

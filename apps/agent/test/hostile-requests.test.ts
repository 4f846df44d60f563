// Requests an attacker or a broken client sends: each gets a 4xx answer and the agent keeps serving
// (an exception thrown out of a request or upgrade handler would stop the agent, and its tunnels with it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, basic, login, startTestAgent, type TestAgent } from './harness.ts';

let t: TestAgent;
beforeAll(async () => {
  t = await startTestAgent();
});
afterAll(async () => {
  await t.close();
});

/** The status a WebSocket upgrade to /trpc is refused with (0 if it was accepted). */
function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? -1));
    ws.on('open', () => {
      ws.close();
      resolve(0);
    });
    ws.on('error', reject);
  });
}

async function stillServing(): Promise<void> {
  expect(await login(t.url, 'admin', ADMIN_PASSWORD)).toMatch(/=/);
}

describe('hostile requests get a 4xx and the agent keeps running', () => {
  it('a cookie with a bad percent-escape: WebSocket upgrade 401, /api/session 401', async () => {
    for (const cookie of ['a=%', 'session=%E0%A4%A', 'a=%zz; b=%']) {
      expect(await upgradeStatus({ cookie })).toBe(401);
      const res = await fetch(`${t.url}/api/session`, { headers: { cookie } });
      expect(res.status).toBe(401);
    }
    await stillServing();
  });

  it('login and REST bodies that are JSON but not an object: 400 naming the problem', async () => {
    for (const body of ['null', '[]', '1', '"admin"', 'true']) {
      const res = await fetch(`${t.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail?: string; message?: string }).detail ?? '').toMatch(/JSON object/);
      const put = await fetch(`${t.url}/rest/ip/ipsec/peer`, {
        method: 'PUT',
        headers: { authorization: basic('admin', ADMIN_PASSWORD), 'content-type': 'application/json' },
        body,
      });
      expect(put.status).toBe(400);
    }
    await stillServing();
  });
});

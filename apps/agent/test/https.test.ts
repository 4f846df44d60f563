// REST over HTTPS, as RouterOS serves it with www-ssl: a certificate made by openssl for the test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAgent, type Agent } from '../src/server.ts';
import { ADMIN_PASSWORD, basic } from './harness.ts';

let agent: Agent;
const dir = mkdtempSync(join(tmpdir(), 'ipsec-https-'));

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  agent = await startAgent({
    dataDir: join(dir, 'data'),
    port: 0,
    adminPassword: ADMIN_PASSWORD,
    tls: { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') },
  });
});
afterAll(async () => {
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${agent.url}${path}`, { headers, ca: readFileSync(join(dir, 'cert.pem')) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves the REST API over verified TLS', async () => {
  expect(agent.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  const r = await get('/rest/ip/ipsec/proposal', { authorization: basic('admin', ADMIN_PASSWORD) });
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)[0]).toMatchObject({ name: 'default', default: 'true' });
  expect((await get('/rest/ip/ipsec/proposal', {})).status).toBe(401);
});

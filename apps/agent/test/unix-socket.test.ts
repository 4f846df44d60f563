// --listen unix:PATH: the API on a local socket (how tests reach an agent inside a namespace).
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startAgent } from '../src/server.ts';
import { ADMIN_PASSWORD, basic } from './harness.ts';

it('serves REST on a unix socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-unix-'));
  const socketPath = join(dir, 'agent.sock');
  const agent = await startAgent({
    dataDir: join(dir, 'data'),
    host: `unix:${socketPath}`,
    adminPassword: ADMIN_PASSWORD,
  });
  try {
    expect(agent.url).toBe(`unix:${socketPath}`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        { socketPath, path: '/rest/ip/ipsec/policy/group', headers: { authorization: basic('admin', ADMIN_PASSWORD) } },
        (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve(b));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toEqual([expect.objectContaining({ name: 'default', default: 'true' })]);
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// The web UI's files as the agent serves them: the build's precompressed .br/.gz chosen by Accept-Encoding, hashed
// assets cached for good, index.html revalidated, the SPA's routes answered with index.html.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../src/server.ts';

const web = mkdtempSync(join(tmpdir(), 'web-root-'));
const dataDir = mkdtempSync(join(tmpdir(), 'web-data-'));
const script = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;
const page = '<!doctype html><script type="module" src="/assets/index-AbC123.js"></script>';
let agent: Agent;

beforeAll(async () => {
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), page);
  writeFileSync(join(web, 'assets', 'index-AbC123.js'), script);
  writeFileSync(join(web, 'assets', 'index-AbC123.js.br'), brotliCompressSync(script));
  writeFileSync(join(web, 'assets', 'index-AbC123.js.gz'), gzipSync(script));
  agent = await startAgent({ dataDir, port: 0, adminPassword: 'web-assets-pw', webRoot: web });
});
afterAll(async () => {
  await agent.close();
  rmSync(web, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** A raw GET (fetch would decode the body and hide what came over the wire). */
function get(path: string, acceptEncoding?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(`${agent.url}${path}`, {
        headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('the web UI files', () => {
  it('an asset comes brotli- or gzip-compressed as the browser accepts, plain otherwise, cached for good', async () => {
    const br = await get('/assets/index-AbC123.js', 'gzip, deflate, br');
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.body.length).toBeLessThan(script.length / 10);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toMatch(/accept-encoding/i);

    const gz = await get('/assets/index-AbC123.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(script);

    const plain = await get('/assets/index-AbC123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it('index.html and the SPA routes are revalidated on every load', async () => {
    for (const path of ['/', '/index.html', '/no/such/window']) {
      const r = await get(path, 'br');
      expect(r.status, path).toBe(200);
      expect(r.body.toString(), path).toBe(page);
      expect(r.headers['cache-control'], path).toBe('no-cache');
    }
  });
});

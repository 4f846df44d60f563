// The transport under hostile or careless clients (issue #12, points 1, 5, 6, 7): garbage on the tRPC WebSocket,
// errors that must not leak stacks or paths, CPU-heavy key generation that must not stall other requests, REST
// bodies that are not JSON by their type, and writes from a foreign Origin.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { logger } from '../src/log.ts';
import { ADMIN_PASSWORD, basic, login, rejects, rest, startTestAgent, trpc, type TestAgent } from './harness.ts';

let t: TestAgent;
let cookie: string;
beforeAll(async () => {
  t = await startTestAgent();
  cookie = await login(t.url, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await t.close();
});

const ADMIN = basic('admin', ADMIN_PASSWORD);

/** An authenticated raw WebSocket on /trpc, and every text message the agent sent on it. */
async function rawSocket(): Promise<{ ws: WebSocket; received: string[] }> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/trpc`, { headers: { cookie } });
  const received: string[] = [];
  ws.on('message', (data) => received.push(data.toString()));
  ws.on('error', () => {}); // the agent may close a socket that sent an invalid frame
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
  });
  return { ws, received };
}

/** A foreign page's request: valid credentials, but the browser says it comes from elsewhere. */
function fromElsewhere(method: string, path: string, body = '{}', headers: Record<string, string> = {}) {
  return fetch(`${t.url}${path}`, {
    method,
    headers: { authorization: ADMIN, origin: 'http://evil.example', 'content-type': 'application/json', ...headers },
    ...(method === 'GET' ? {} : { body }),
  });
}

const STACK_OR_PATH = /"stack"|\/work\/|\/src\/|\.ts:\d+|node_modules/;

describe('the tRPC WebSocket under malformed frames', () => {
  it('garbage frames leave the agent up and other sockets working', async () => {
    const { ws, received } = await rawSocket();
    const other = trpc(t.url, cookie);
    const garbage: (string | Buffer)[] = [
      'not json',
      '{',
      'null',
      '42',
      '"text"',
      '[]',
      '[null, 1, "x"]',
      '{"id":1}',
      '{"id":{},"method":"query","params":{"path":"config.print","input":{"menu":"peer"}}}',
      '{"id":2,"method":"query","params":null}',
      '{"id":3,"method":"query","params":{"path":"__proto__","input":{}}}',
      '{"id":4,"method":"query","params":{"path":"config.print","input":{"menu":"constructor"}}}',
      '{"id":5,"method":"mutation","params":{"path":"config.batch","input":{"ops":[{"op":"add","menu":"peer","values":{"__proto__":{"x":1}}}]}}}',
      '{"id":6,"method":"subscription.stop"}',
      '{"id":7,"method":"subscription","params":{"path":"live.watch","input":"x"}}',
      Buffer.from([0x00, 0xff, 0xfe, 0x80]),
    ];
    for (const frame of garbage) ws.send(frame);
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(10));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(received.join('\n')).not.toMatch(STACK_OR_PATH);
    expect((await other.client.config.print.query({ menu: 'peer' })).items).toEqual([]);

    // A text frame that is not UTF-8 is a protocol error: that socket is closed, no other.
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.send(Buffer.from([0xc3, 0x28]), { binary: false });
    await closed;
    expect((await other.client.config.print.query({ menu: 'proposal' })).items.length).toBeGreaterThan(0);
    other.close();
  });

  it('a batch larger than the limit is refused as a whole, not run', async () => {
    const { ws, received } = await rawSocket();
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      id: i + 1,
      method: 'query',
      params: { path: 'config.print', input: { menu: 'peer' } },
    }));
    ws.send(JSON.stringify(batch));
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(0));
    expect(received.join('\n')).toMatch(/Batch call exceeds maximum size/);
    expect(received.join('\n')).not.toMatch(/"result"/);
    ws.close();
  });
});

describe('errors carry a message and the field issues, never a stack or a server path', () => {
  it('a validation error over tRPC and REST', async () => {
    const session = trpc(t.url, cookie);
    const e = await rejects(
      session.client.config.batch.mutate({ ops: [{ op: 'add', menu: 'peer', values: { address: 'no address' } }] }),
    );
    expect(e.message).toMatch(/address/);
    expect(e.data?.issues?.[0]?.field).toBe('address');
    expect(session.received.join('\n')).not.toMatch(STACK_OR_PATH);
    session.close();
    const r = await rest(t.url, 'PUT', 'ip/ipsec/peer', { address: 'no address' });
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(STACK_OR_PATH);
  });

  it('an internal fault: 500 / INTERNAL_SERVER_ERROR with a generic message; the stack goes to the log', async () => {
    const fault = new Error(`disk on fire at ${import.meta.filename}`);
    const print = vi.spyOn(t.agent.services.config, 'print').mockImplementation(() => {
      throw fault;
    });
    const logged = vi.spyOn(logger, 'error');
    try {
      const session = trpc(t.url, cookie);
      const e = await rejects(session.client.config.print.query({ menu: 'peer' }));
      expect(e.data?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(e.message).toMatch(/internal error/);
      expect(session.received.join('\n')).not.toMatch(/disk on fire/);
      expect(session.received.join('\n')).not.toMatch(STACK_OR_PATH);
      session.close();
      const r = await rest(t.url, 'GET', 'ip/ipsec/peer');
      expect(r.status).toBe(500);
      expect(r.text).not.toMatch(/disk on fire/);
      expect(r.text).not.toMatch(STACK_OR_PATH);
      const stacks = logged.mock.calls.map(([o]) => JSON.stringify(o));
      expect(
        stacks.filter((s) => s.includes('disk on fire') && s.includes('transport-hardening.test.ts')),
      ).toHaveLength(2);
    } finally {
      print.mockRestore();
      logged.mockRestore();
    }
  });
});

describe('CPU-heavy work runs off the event loop, with a cap per request', () => {
  it('while a batch generates RSA-4096 keys, GET /rest/ip/ipsec/peer answers within 200 ms', async () => {
    expect((await rest(t.url, 'GET', 'ip/ipsec/peer')).status).toBe(200); // Basic credentials checked and cached
    const session = trpc(t.url, cookie);
    const keys = ['big1', 'big2'];
    let done = false;
    const batch = session.client.config.batch
      .mutate({
        ops: keys.map((name) => ({ op: 'add' as const, menu: 'key' as const, values: { name, 'key-size': '4096' } })),
      })
      .finally(() => (done = true));
    const latencies: number[] = [];
    await new Promise((r) => setTimeout(r, 50));
    while (!done && latencies.length < 20) {
      const start = performance.now();
      expect((await rest(t.url, 'GET', 'ip/ipsec/peer')).status).toBe(200);
      latencies.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 50));
    }
    await batch;
    expect(latencies.length).toBeGreaterThan(2);
    expect(Math.max(...latencies)).toBeLessThan(200);
    const stored = (await rest(t.url, 'GET', 'ip/ipsec/key')).json as { name: string; 'key-size': string }[];
    expect(stored.filter((k) => keys.includes(k.name)).map((k) => k['key-size'])).toEqual(['4096', '4096']);
    session.close();
  }, 120_000);

  it('while RSA-4096 PKCS#12 bundles are exported and imported, GET /rest/ip/ipsec/peer answers within 150 ms', async () => {
    const made = await rest(t.url, 'PUT', 'certificate', { name: 'p12-big', 'common-name': 'big', 'key-size': '4096' });
    expect(made.status).toBe(201);
    const pass = 'p12-pass-4096';
    // node-forge needs ~100 ms per export and ~250 ms per import of such a bundle: on the event loop, every
    // round stalls the probes below; on the PKCS#12 thread, none does
    let done = false;
    const rounds = (async () => {
      for (let i = 0; i < 3; i++) {
        const out = await rest(t.url, 'POST', 'certificate/export-certificate', {
          number: 'p12-big',
          type: 'pkcs12',
          'export-passphrase': pass,
        });
        expect(out.status).toBe(200);
        const bundle = out.json.files[0].content as string;
        // the same certificate is already here: the import reads it, then skips it (nothing new stored)
        const back = await rest(t.url, 'POST', 'certificate/import', {
          name: `p12-copy${i}`,
          'file-content': bundle,
          passphrase: pass,
        });
        expect(back.status).toBe(200);
      }
    })().finally(() => (done = true));
    const latencies: number[] = [];
    while (!done && latencies.length < 100) {
      const start = performance.now();
      expect((await rest(t.url, 'GET', 'ip/ipsec/peer')).status).toBe(200);
      latencies.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 20));
    }
    await rounds;
    console.log(`PKCS#12 rounds: ${latencies.length} probes, slowest ${Math.max(...latencies).toFixed(0)} ms`);
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(150);
  }, 120_000);

  it('while a 600-line script runs through /rest/execute, GET /rest/ip/ipsec/peer answers within 400 ms', async () => {
    const lines = ['/ip ipsec proposal'];
    for (let i = 0; i < 600; i++) lines.push(`add name=script-load-${i} enc-algorithms=aes-128-cbc`);
    let done = false;
    const run = rest(t.url, 'POST', 'execute', { script: lines.join('\n') }).finally(() => (done = true));
    const latencies: number[] = [];
    await new Promise((r) => setTimeout(r, 50));
    while (!done && latencies.length < 200) {
      const start = performance.now();
      expect((await rest(t.url, 'GET', 'ip/ipsec/peer')).status).toBe(200);
      latencies.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await run).status).toBe(200);
    console.log(`600-line script: ${latencies.length} probes, slowest ${Math.max(...latencies).toFixed(0)} ms`);
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(400); // on the event loop: one stall of the whole run (2 s here)
    const names = (await rest(t.url, 'GET', 'ip/ipsec/proposal')).json.map((p: { name: string }) => p.name);
    expect(names.filter((n: string) => n.startsWith('script-load-'))).toHaveLength(600);
  }, 180_000);

  it('more new keys in one request than the cap: 400 naming the limit, nothing generated or stored', async () => {
    const session = trpc(t.url, cookie);
    const ops = [
      ...['k1', 'k2', 'k3'].map((name) => ({ op: 'add' as const, menu: 'key' as const, values: { name } })),
      ...['c1', 'c2'].map((name) => ({ op: 'add' as const, menu: 'certificate' as const, values: { name } })),
    ];
    const e = await rejects(session.client.config.batch.mutate({ ops }));
    expect(e.data?.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/at most 4 /);
    const names = (await rest(t.url, 'GET', 'ip/ipsec/key')).json.map((k: { name: string }) => k.name);
    expect(names).not.toContain('k1');
    session.close();
  });

  it('a key made over REST from key-size alone, and a key re-generated by emptying its PEM', async () => {
    const made = await rest(t.url, 'POST', 'ip/ipsec/key/generate-key', { name: 'gen1', 'key-size': '1024' });
    expect(made.status).toBe(200);
    const id = made.json.ret as string;
    const pub1 = (await rest(t.url, 'POST', 'ip/ipsec/key/export-pub-key', { '.id': id })).json['public-key'];
    expect(pub1).toMatch(/BEGIN PUBLIC KEY/);
    expect((await rest(t.url, 'PATCH', `ip/ipsec/key/${id}`, { 'private-key-pem': '' })).status).toBe(200);
    const pub2 = (await rest(t.url, 'POST', 'ip/ipsec/key/export-pub-key', { '.id': id })).json['public-key'];
    expect(pub2).toMatch(/BEGIN PUBLIC KEY/);
    expect(pub2).not.toBe(pub1);
    const copy = await rest(t.url, 'POST', 'ip/ipsec/key/add', { 'copy-from': id, name: 'gen1-copy' });
    expect(copy.status).toBe(200);
    const pub3 = (await rest(t.url, 'POST', 'ip/ipsec/key/export-pub-key', { '.id': copy.json.ret })).json;
    expect(pub3['public-key']).toBe(pub2);
  });
});

describe('REST takes JSON bodies only as application/json', () => {
  const peers = async () => ((await rest(t.url, 'GET', 'ip/ipsec/peer')).json as unknown[]).length;

  it('text/plain and form-encoded bodies: 415 naming the type, nothing stored', async () => {
    const before = await peers();
    for (const [type, body] of [
      ['text/plain', '{"name":"p-text","address":"192.0.2.1"}'],
      ['application/x-www-form-urlencoded', '{"name":"p-form","address":"192.0.2.2"}'],
      ['multipart/form-data; boundary=x', '--x\r\n\r\n{}\r\n--x--'],
    ] as const) {
      const res = await fetch(`${t.url}/rest/ip/ipsec/peer`, {
        method: 'PUT',
        headers: { authorization: ADMIN, 'content-type': type },
        body,
      });
      expect(res.status).toBe(415);
      expect(((await res.json()) as { detail: string }).detail).toContain(type.split(';')[0]);
    }
    const none = await fetch(`${t.url}/rest/ip/ipsec/peer/add`, {
      method: 'POST',
      headers: { authorization: ADMIN },
      body: new Uint8Array(Buffer.from('{"name":"p-none","address":"192.0.2.3"}')),
    });
    expect(none.status).toBe(415);
    expect(await peers()).toBe(before);
    // the same for /rest/user and the login: one body reader for every endpoint
    const user = await fetch(`${t.url}/rest/user`, {
      method: 'PUT',
      headers: { authorization: ADMIN, 'content-type': 'text/plain' },
      body: '{"name":"u-text","group":"full","password":"long-enough-1"}',
    });
    expect(user.status).toBe(415);
    const users = (await (await fetch(`${t.url}/rest/user`, { headers: { authorization: ADMIN } })).json()) as {
      name: string;
    }[];
    expect(users.map((u) => u.name)).not.toContain('u-text');
    const loginAnswer = await fetch(`${t.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'admin', password: 'whatever-1' }),
    });
    expect(loginAnswer.status).toBe(415);
  });

  it('application/json with a charset is fine; an empty body needs no type', async () => {
    const res = await fetch(`${t.url}/rest/ip/ipsec/peer`, {
      method: 'PUT',
      headers: { authorization: ADMIN, 'content-type': 'Application/JSON; charset=utf-8' },
      body: '{"name":"p-json","address":"192.0.2.4"}',
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { '.id': string })['.id'];
    const print = await fetch(`${t.url}/rest/ip/ipsec/peer/print`, {
      method: 'POST',
      headers: { authorization: ADMIN },
    });
    expect(print.status).toBe(200);
    const del = await fetch(`${t.url}/rest/ip/ipsec/peer/${id}`, {
      method: 'DELETE',
      headers: { authorization: ADMIN },
    });
    expect(del.status).toBe(204);
  });
});

describe('a foreign Origin may not change anything', () => {
  it('REST writes with valid Basic credentials from a foreign Origin: 403, nothing stored', async () => {
    const added = await rest(t.url, 'PUT', 'ip/ipsec/peer', { name: 'victim', address: '192.0.2.9' });
    const id = added.json['.id'] as string;
    const attempts = [
      fromElsewhere('PUT', '/rest/ip/ipsec/peer', '{"name":"evil","address":"192.0.2.66"}'),
      fromElsewhere('PATCH', `/rest/ip/ipsec/peer/${id}`, '{"address":"192.0.2.66"}'),
      fromElsewhere('POST', '/rest/ip/ipsec/peer/set', `{".id":"${id}","address":"192.0.2.66"}`),
      fromElsewhere('POST', '/rest/ip/ipsec/key/generate-key', '{"name":"evil-key"}'),
      fromElsewhere('DELETE', `/rest/ip/ipsec/peer/${id}`, ''),
      fromElsewhere('POST', '/rest/ip/ipsec/peer/add', '{"name":"evil","address":"192.0.2.66"}'),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/origin/i);
    }
    const peer = (await rest(t.url, 'GET', `ip/ipsec/peer/${id}`)).json as { address: string };
    expect(peer.address).toBe('192.0.2.9/32');
    const names = ((await rest(t.url, 'GET', 'ip/ipsec/peer')).json as { name: string }[]).map((p) => p.name);
    expect(names).not.toContain('evil');
    // Reading is not a write (and a foreign page cannot read the answer anyway); the agent's own origin may write.
    expect((await fromElsewhere('GET', '/rest/ip/ipsec/peer')).status).toBe(200);
    const own = await fromElsewhere('PATCH', `/rest/ip/ipsec/peer/${id}`, '{"comment":"ok"}', { origin: t.url });
    expect(own.status).toBe(200);
  });

  it('logout and wizard downloads from a foreign Origin: 403', async () => {
    const session = await login(t.url, 'admin', ADMIN_PASSWORD);
    const logout = await fetch(`${t.url}/api/logout`, {
      method: 'POST',
      headers: { cookie: session, origin: 'http://evil.example' },
    });
    expect(logout.status).toBe(403);
    expect((await fetch(`${t.url}/api/session`, { headers: { cookie: session } })).status).toBe(200);
    const download = await fetch(`${t.url}/api/wizard/rw/profile/rw-bob.p12`, {
      headers: { cookie: session, origin: 'http://evil.example' },
    });
    expect(download.status).toBe(403);
  });
});

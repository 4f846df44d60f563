// Secrets at rest: the data directory and its files readable by the agent's user only, the secrets in SQLite
// sealed with the key file beside it (a copied database alone reveals nothing), databases of the version that kept
// them in clear sealed on first start, and old secrets pruned from the undo history after the undo window.
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, SECRET_PLACEHOLDER } from '@ipsec/schema';
import { startAgent } from '../src/server.ts';
import { UNDO_WINDOW_MS } from '../src/store/at-rest.ts';
import { ConfigStore } from '../src/store/config-store.ts';
import { openDb, type OpenedDb } from '../src/store/db.ts';
import { ADMIN_PASSWORD, rest } from './harness.ts';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ipsec-at-rest-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PSK = 'psk-at-rest-Zq81xv';
const USER_PASSWORD = 'eap-pw-at-rest-Hw27';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
/** A line of the key's base64 body: its presence in a file is the key in clear. */
const KEY_LINE = KEY_PEM.split('\n')[5]!;

/** Everything SQLite wrote: the database and its WAL and shared memory, as one text to search. */
function rawFiles(dataDir: string): string {
  return ['agent.sqlite', 'agent.sqlite-wal', 'agent.sqlite-shm']
    .map((f) => join(dataDir, f))
    .filter(existsSync)
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
}

const mode = (path: string) => statSync(path).mode & 0o777;

function opened(dataDir: string): OpenedDb {
  const r = openDb(dataDir);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

async function agentWithSecrets(dataDir: string) {
  const agent = await startAgent({ dataDir, port: 0, adminPassword: ADMIN_PASSWORD });
  const add = async (path: string, body: Record<string, string>) =>
    expect((await rest(agent.url, 'PUT', path, body)).status).toBe(201);
  await add('ip/ipsec/peer', { name: 'p1', address: '192.0.2.1/32' });
  await add('ip/ipsec/identity', { peer: 'p1', secret: PSK });
  await add('ip/ipsec/user', { name: 'eap1', password: USER_PASSWORD });
  await add('ip/ipsec/key', { name: 'k1', 'private-key-pem': KEY_PEM });
  return agent;
}

describe('permissions', () => {
  it('a fresh data directory is 0700, the database files and the key file 0600', async () => {
    const dataDir = join(freshDir(), 'data');
    const agent = await agentWithSecrets(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    for (const f of ['agent.sqlite', 'agent.sqlite-wal', 'agent.sqlite-shm', 'agent.key'])
      expect([f, mode(join(dataDir, f))]).toEqual([f, 0o600]);
    await agent.close();
  });

  it('wider modes left by anything before are narrowed at start, and the Log says so', async () => {
    const dataDir = join(freshDir(), 'data');
    await (await agentWithSecrets(dataDir)).close();
    chmodSync(dataDir, 0o755);
    for (const f of ['agent.sqlite', 'agent.key']) chmodSync(join(dataDir, f), 0o644);
    const agent = await startAgent({ dataDir, port: 0 });
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'agent.sqlite'))).toBe(0o600);
    expect(mode(join(dataDir, 'agent.key'))).toBe(0o600);
    const log = agent.services.live.logSince(0).map((l) => l.message);
    expect(log).toContain(`${dataDir} was mode 755: made 700`);
    expect(log).toContain(`${join(dataDir, 'agent.sqlite')} was mode 644: made 600`);
    await agent.close();
  });
});

describe('secrets in the database', () => {
  it('the raw files hold no PSK, EAP password, private key or admin password in clear, running or closed', async () => {
    const dataDir = freshDir();
    const agent = await agentWithSecrets(dataDir);
    // a PSK replaced: the old one must not linger in the undo history in clear either
    const identities = (await rest(agent.url, 'GET', 'ip/ipsec/identity')).json as { '.id': string }[];
    const psk2 = `${PSK}-second`;
    expect(
      (await rest(agent.url, 'PATCH', `ip/ipsec/identity/${identities[0]!['.id']}`, { secret: psk2 })).status,
    ).toBe(200);
    for (const raw of [rawFiles(dataDir), (await agent.close(), rawFiles(dataDir))]) {
      for (const secret of [PSK, psk2, USER_PASSWORD, KEY_LINE, ADMIN_PASSWORD]) expect(raw).not.toContain(secret);
    }
    // and the agent started again on the same files has them all
    const again = opened(dataDir);
    const store = new ConfigStore(again.db, again.box);
    expect(store.list('identity')[0]!.values.secret).toBe(psk2);
    expect(store.list('user')[0]!.values.password).toBe(USER_PASSWORD);
    expect(store.list('key')[0]!.values['private-key-pem']).toBe(KEY_PEM);
    again.db.close();
  });

  it('a copied database without its key file reveals nothing and does not start', async () => {
    const dataDir = freshDir();
    await (await agentWithSecrets(dataDir)).close();
    const copy = freshDir();
    copyFileSync(join(dataDir, 'agent.sqlite'), join(copy, 'agent.sqlite'));
    const raw = rawFiles(copy);
    for (const secret of [PSK, USER_PASSWORD, KEY_LINE]) expect(raw).not.toContain(secret);
    await expect(startAgent({ dataDir: copy, port: 0 })).rejects.toThrow(/agent\.key is missing/);
    // nor with a key file of another installation
    writeFileSync(join(copy, 'agent.key'), readFileSync(join(freshDirWithKey(), 'agent.key')), { mode: 0o600 });
    await expect(startAgent({ dataDir: copy, port: 0 })).rejects.toThrow(/does not open with/);
  });
});

function freshDirWithKey(): string {
  const dir = freshDir();
  opened(dir).db.close();
  return dir;
}

describe('migration from the version that kept secrets in clear', () => {
  it('is sealed on first start, old pages and WAL included, and every secret still reads', () => {
    const dataDir = freshDir();
    // What the previous version wrote: version 1, no key file, secrets in entries and revisions in clear.
    {
      const { db, box } = opened(dataDir);
      const store = new ConfigStore(db, box);
      store.apply('admin', [{ op: 'add', menu: 'peer', values: { name: 'p1', address: '192.0.2.1/32' } }]);
      store.apply('admin', [{ op: 'add', menu: 'identity', values: { peer: 'p1', secret: PSK } }]);
      store.apply('admin', [{ op: 'add', menu: 'user', values: { name: 'u1', password: USER_PASSWORD } }]);
      const clear = (json: string) => json.replace(/\{"sealed":"[^"]+"\}/g, (s) => JSON.stringify(unseal(box, s)));
      for (const r of db.prepare('SELECT menu, id, data FROM entries').all() as {
        menu: string;
        id: number;
        data: string;
      }[])
        db.prepare('UPDATE entries SET data = ? WHERE menu = ? AND id = ?').run(clear(r.data), r.menu, r.id);
      for (const r of db.prepare('SELECT rev, changes FROM revisions').all() as { rev: number; changes: string }[])
        db.prepare('UPDATE revisions SET changes = ? WHERE rev = ?').run(clear(r.changes), r.rev);
      db.pragma('user_version = 1');
      db.close();
      rmSync(join(dataDir, 'agent.key'));
    }
    expect(rawFiles(dataDir)).toContain(PSK);

    const { db, box, notes } = opened(dataDir);
    expect(notes.some((n) => /encrypted \d+ secrets an older version kept in clear/.test(n))).toBe(true);
    const raw = rawFiles(dataDir);
    for (const secret of [PSK, USER_PASSWORD]) expect(raw).not.toContain(secret);
    const store = new ConfigStore(db, box);
    expect(store.list('identity')[0]!.values.secret).toBe(PSK);
    expect(store.list('user')[0]!.values.password).toBe(USER_PASSWORD);
    // the undo history still restores them
    store.undo('admin');
    store.undo('admin');
    store.redo('admin');
    expect(store.list('identity')[0]!.values.secret).toBe(PSK);
    db.close();
  });
});

function unseal(box: OpenedDb['box'], json: string): string {
  const r = box.unseal(JSON.parse(json) as { sealed: string });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('pruning old secrets from the undo history', () => {
  function storeWithReplacedPsk() {
    const { db, box } = opened(freshDir());
    const store = new ConfigStore(db, box);
    store.apply('admin', [{ op: 'add', menu: 'peer', values: { name: 'p1', address: '192.0.2.1/32' } }]);
    store.apply('admin', [{ op: 'add', menu: 'identity', values: { peer: 'p1', secret: 'first-psk' } }]);
    store.apply('admin', [{ op: 'set', menu: 'identity', id: 1, values: { secret: 'second-psk' } }]);
    const secretsInHistory = () =>
      (db.prepare('SELECT changes FROM revisions').all() as { changes: string }[]).flatMap((r) =>
        [...r.changes.matchAll(/\{"sealed":"[^"]+"\}/g)].map((m) => unseal(box, m[0])),
      );
    return { db, store, secretsInHistory };
  }

  it('within the undo window the old PSK stays, and undo restores it', () => {
    const { db, store, secretsInHistory } = storeWithReplacedPsk();
    store.pruneSecrets(Date.now() + UNDO_WINDOW_MS - 60_000);
    expect(secretsInHistory()).toContain('first-psk');
    store.undo('admin');
    expect(store.list('identity')[0]!.values.secret).toBe('first-psk');
    db.close();
  });

  it('past the undo window (7 days) the old PSK is gone, the current one kept, and undo refuses saying why', () => {
    const { db, store, secretsInHistory } = storeWithReplacedPsk();
    store.pruneSecrets(Date.now() + UNDO_WINDOW_MS + 60_000);
    expect(secretsInHistory()).not.toContain('first-psk');
    expect(secretsInHistory()).toContain('second-psk');
    let refusal: unknown;
    try {
      store.undo('admin');
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(String((refusal as ConfigError).message)).toMatch(
      /cannot undo revision \d+: a secret it would restore was replaced more than 7 days ago/,
    );
    expect(store.list('identity')[0]!.values.secret).toBe('second-psk');
    // events rebuilt from the history show a pruned secret as set, never as its old value
    const events = store.eventsSince(0)!;
    expect(JSON.stringify(events)).not.toContain('first-psk');
    expect(JSON.stringify(events)).toContain(SECRET_PLACEHOLDER);
    db.close();
  });

  it("a removed entry's secret leaves the history after the window too", () => {
    const { db, store, secretsInHistory } = storeWithReplacedPsk();
    store.apply('admin', [{ op: 'remove', menu: 'identity', id: 1 }]);
    store.pruneSecrets(Date.now() + UNDO_WINDOW_MS + 60_000);
    expect(secretsInHistory()).toEqual([]);
    db.close();
  });
});

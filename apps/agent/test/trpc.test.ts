// The tRPC API over a real WebSocket: every menu's verbs, atomic batches, undo/redo, live
// change streams between two clients, resume after reconnect, and who may connect at all.
import { STATISTICS_COUNTERS } from '@ipsec/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  login,
  rawUpgrade,
  rejects,
  startTestAgent,
  trpc,
  withTimeout,
  type TestAgent,
  type TrpcSession,
} from './harness.ts';

let t: TestAgent;
let admin: TrpcSession;
let cookie: string;
const SECRETS = ['trpc-psk-secret-1', 'trpc-user-pw-1', 'changed-psk-2'];

beforeAll(async () => {
  t = await startTestAgent();
  cookie = await login(t.url, 'admin', ADMIN_PASSWORD);
  admin = trpc(t.url, cookie);
});
afterAll(async () => {
  admin.close();
  await t.close();
});

describe('every menu over tRPC', () => {
  const CASES = [
    {
      menu: 'profile',
      add: { name: 'pf', 'dh-group': ['ecp256', 'modp2048'], 'enc-algorithm': ['aes-256'], lifetime: 28800 },
      set: { 'nat-traversal': false },
    },
    {
      menu: 'proposal',
      add: { name: 'pp', 'enc-algorithms': ['aes-128-gcm'], 'auth-algorithms': ['null'], 'pfs-group': 'none' },
      set: { lifetime: '8h30m' },
    },
    { menu: 'policy-group', add: { name: 'gg' }, set: { comment: 'c' } },
    {
      menu: 'peer',
      add: { name: 'pe', address: 'vpn.example.com', 'exchange-mode': 'ike2', profile: 'pf' },
      set: { port: 4500 },
    },
    {
      menu: 'identity',
      add: { peer: 'pe', secret: 'trpc-psk-secret-1', 'generate-policy': 'port-strict', 'policy-template-group': 'gg' },
      set: { secret: 'changed-psk-2' },
    },
    {
      menu: 'policy',
      add: {
        group: 'gg',
        template: true,
        'src-address': '0.0.0.0/0',
        'dst-address': '192.168.77.0/24',
        proposal: 'pp',
      },
      set: { level: 'unique' },
    },
    {
      menu: 'mode-config',
      add: {
        name: 'mc',
        address: '192.168.99.2',
        'address-prefix-length': 32,
        'split-include': ['192.168.99.1/32'],
        'system-dns': false,
      },
      set: { 'split-dns': ['corp.example'] },
    },
    { menu: 'key', add: { name: 'kk', 'key-size': '1024' }, set: { name: 'kk2' } },
    { menu: 'user', add: { name: 'uu', password: 'trpc-user-pw-1' }, set: { address: '10.0.0.9' } },
  ] as const;
  const ids: Record<string, number> = {};
  it('add, print, get, set, disable/enable, comment for each', async () => {
    for (const c of CASES) {
      const added = await admin.client.config.add.mutate({ menu: c.menu, values: c.add });
      ids[c.menu] = added.id;
      const { items } = await admin.client.config.print.query({ menu: c.menu });
      expect(
        items.map((e) => e.id),
        c.menu,
      ).toContain(added.id);
      const [updated] = await admin.client.config.set.mutate({ menu: c.menu, ids: [added.id], values: c.set });
      const got = await admin.client.config.get.query({ menu: c.menu, id: added.id });
      expect(got, c.menu).toEqual(updated);
      if ('disabled' in got) {
        await admin.client.config.disable.mutate({ menu: c.menu, ids: [added.id] });
        expect((await admin.client.config.get.query({ menu: c.menu, id: added.id })).disabled).toBe(true);
        await admin.client.config.enable.mutate({ menu: c.menu, ids: [added.id] });
      }
      if ('comment' in got) {
        await admin.client.config.comment.mutate({ menu: c.menu, ids: [added.id], comment: `note ${c.menu}` });
        expect((await admin.client.config.get.query({ menu: c.menu, id: added.id })).comment).toBe(`note ${c.menu}`);
      }
    }
    expect((await admin.client.config.get.query({ menu: 'proposal', id: ids.proposal! })).lifetime).toBe(30600);
    expect((await admin.client.config.get.query({ menu: 'identity', id: ids.identity! })).secret).toBe('********');
  });
  it('remove each, newest dependency first', async () => {
    for (const c of [...CASES].reverse()) {
      await admin.client.config.remove.mutate({ menu: c.menu, ids: [ids[c.menu]!] });
      const e = await rejects(admin.client.config.get.query({ menu: c.menu, id: ids[c.menu]! }));
      expect(e.data?.code).toBe('NOT_FOUND');
    }
  });
  it('validation errors carry issues that name the field', async () => {
    const e = await rejects(
      admin.client.config.add.mutate({ menu: 'peer', values: { name: 'x', address: 'not an address!' } }),
    );
    expect(e.data?.code).toBe('BAD_REQUEST');
    expect(e.data?.issues?.[0]).toMatchObject({ menu: 'peer', field: 'address' });
    expect(e.message).toMatch(/address:/);
    const e2 = await rejects(
      admin.client.config.add.mutate({ menu: 'identity', values: { peer: 'nobody', secret: 's' } }),
    );
    expect(e2.data?.issues?.[0]).toMatchObject({ field: 'peer', message: 'peer "nobody" does not exist' });
  });
});

describe('atomic batches and undo/redo', () => {
  it('a batch that fails halfway leaves nothing behind', async () => {
    const before = await admin.client.config.print.query({ menu: 'profile' });
    const e = await rejects(
      admin.client.config.batch.mutate({
        ops: [
          { op: 'add', menu: 'profile', values: { name: 'half-1' } },
          { op: 'add', menu: 'proposal', values: { name: 'half-2' } },
          { op: 'add', menu: 'peer', values: { name: 'half-3', profile: 'half-1' } },
          { op: 'add', menu: 'identity', values: { peer: 'half-3', 'auth-method': 'pre-shared-key' } }, // no secret: invalid
        ],
      }),
    );
    expect(e.data?.issues).toContainEqual(expect.objectContaining({ menu: 'identity', field: 'secret' }));
    const after = await admin.client.config.print.query({ menu: 'profile' });
    expect(after.rev).toBe(before.rev);
    expect(after.items).toEqual(before.items);
    expect((await admin.client.config.print.query({ menu: 'proposal' })).items.map((p) => p.name)).not.toContain(
      'half-2',
    );
    expect((await admin.client.config.print.query({ menu: 'peer' })).items.map((p) => p.name)).not.toContain('half-3');
  });
  it('a road-warrior set of nine objects is created in one revision', async () => {
    const rev0 = (await admin.client.config.print.query({ menu: 'peer' })).rev;
    const r = await admin.client.config.batch.mutate({
      summary: 'road warrior wizard',
      ops: [
        {
          op: 'add',
          menu: 'profile',
          values: {
            name: 'rw',
            'dh-group': ['modp2048', 'ecp256'],
            'enc-algorithm': ['aes-256'],
            'hash-algorithm': 'sha256',
          },
        },
        {
          op: 'add',
          menu: 'proposal',
          values: { name: 'rw', 'pfs-group': 'none', 'enc-algorithms': ['aes-256-cbc'], 'auth-algorithms': ['sha256'] },
        },
        { op: 'add', menu: 'policy-group', values: { name: 'rw' } },
        {
          op: 'add',
          menu: 'policy',
          values: {
            group: 'rw',
            template: true,
            'src-address': '0.0.0.0/0',
            'dst-address': '192.168.77.0/24',
            proposal: 'rw',
          },
        },
        { op: 'add', menu: 'pool', values: { name: 'rw-pool', ranges: '192.168.77.2-192.168.77.254' } },
        {
          op: 'add',
          menu: 'mode-config',
          values: { name: 'rw', 'address-pool': 'rw-pool', 'address-prefix-length': 32 },
        },
        { op: 'add', menu: 'peer', values: { name: 'rw', 'exchange-mode': 'ike2', passive: true, profile: 'rw' } },
        {
          op: 'add',
          menu: 'identity',
          values: {
            peer: 'rw',
            secret: 'trpc-psk-secret-1',
            'generate-policy': 'port-strict',
            'mode-config': 'rw',
            'policy-template-group': 'rw',
          },
        },
        { op: 'add', menu: 'user', values: { name: 'alice', password: 'trpc-user-pw-1' } },
      ],
    });
    expect(r.rev).toBe(rev0 + 1);
    expect(r.added).toHaveLength(9);
    const history = await admin.client.config.history.query({ limit: 1 });
    expect(history[0]).toMatchObject({ rev: r.rev, user: 'admin', summary: 'road warrior wizard' });
  });
  it('undo restores a removed entry with its id; redo removes it again', async () => {
    const peer = await admin.client.config.add.mutate({
      menu: 'peer',
      values: { name: 'undo-me', address: '10.44.0.1/32', comment: 'keep' },
    });
    await admin.client.config.remove.mutate({ menu: 'peer', ids: [peer.id] });
    const u = await admin.client.config.undo.mutate();
    expect(await admin.client.config.get.query({ menu: 'peer', id: peer.id })).toEqual(peer);
    const r = await admin.client.config.redo.mutate();
    expect(r.redid).toBe(u.undid);
    await rejects(admin.client.config.get.query({ menu: 'peer', id: peer.id }));
    // undo twice walks back two changes; a new change ends redo
    await admin.client.config.undo.mutate(); // peer back
    await admin.client.config.undo.mutate(); // peer add undone -> gone
    await rejects(admin.client.config.get.query({ menu: 'peer', id: peer.id }));
    await admin.client.config.add.mutate({ menu: 'policy-group', values: { name: 'ends-redo' } });
    const e = await rejects(admin.client.config.redo.mutate());
    expect(e.message).toMatch(/nothing to redo/);
  });
  it('undo of a move puts policies back in order', async () => {
    await admin.client.config.add.mutate({ menu: 'peer', values: { name: 'ord', address: '10.45.0.1/32' } });
    const a = await admin.client.config.add.mutate({
      menu: 'policy',
      values: { peer: 'ord', 'src-address': '10.1.0.0/24', 'dst-address': '10.2.0.0/24', tunnel: true },
    });
    const b = await admin.client.config.add.mutate({
      menu: 'policy',
      values: { peer: 'ord', 'src-address': '10.3.0.0/24', 'dst-address': '10.4.0.0/24', tunnel: true },
    });
    const order = async () => (await admin.client.config.print.query({ menu: 'policy' })).items.map((p) => p.id);
    const before = await order();
    await admin.client.config.move.mutate({ menu: 'policy', ids: [b.id], before: before[0] });
    expect((await order())[0]).toBe(b.id);
    await admin.client.config.undo.mutate();
    expect(await order()).toEqual(before);
    expect(before.slice(-2)).toEqual([a.id, b.id]);
  });
});

describe('live changes between clients', () => {
  it("a second client sees the first one's changes, and resumes from a revision", async () => {
    const other = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
    try {
      const { rev } = await other.client.config.print.query({ menu: 'peer' });
      const seen: any[] = [];
      let notify: () => void = () => {};
      const sub = other.client.config.changes.subscribe(
        { since: rev },
        {
          onData: (ev) => {
            seen.push(ev.data);
            notify();
          },
        },
      );
      const waitFor = (pred: () => boolean) =>
        withTimeout(
          new Promise<void>((res) => {
            notify = () => pred() && res();
            notify();
          }),
          5000,
          'change event',
        );
      const added = await admin.client.config.add.mutate({
        menu: 'peer',
        values: { name: 'live-1', address: '10.50.0.1/32' },
      });
      await waitFor(() => seen.some((e) => e.changes.some((c: any) => c.id === added.id && c.menu === 'peer')));
      const ev = seen.find((e) => e.changes.some((c: any) => c.id === added.id))!;
      expect(ev).toMatchObject({ user: 'admin', kind: 'change' });
      expect(ev.changes[0].entry).toMatchObject({ name: 'live-1', address: '10.50.0.1/32' });
      await admin.client.config.remove.mutate({ menu: 'peer', ids: [added.id] });
      await waitFor(() => seen.some((e) => e.changes.some((c: any) => c.id === added.id && c.entry === null)));
      sub.unsubscribe();

      // A client that was away resumes from its last revision and gets what it missed, in order.
      const missed = await admin.client.config.add.mutate({
        menu: 'peer',
        values: { name: 'while-away', address: '10.50.0.2/32' },
      });
      const resumed: any[] = [];
      const sub2 = other.client.config.changes.subscribe(
        { since: rev },
        {
          onData: (e) => {
            resumed.push(e.data);
            notify();
          },
        },
      );
      await waitFor(() => resumed.some((e) => e.changes.some((c: any) => c.id === missed.id)));
      expect(resumed.map((e) => e.rev)).toEqual([...resumed.map((e) => e.rev)].sort((x, y) => x - y));
      expect(resumed[0].rev).toBe(rev + 1);
      sub2.unsubscribe();
    } finally {
      other.close();
    }
  });
});

describe('live state stream', () => {
  it('watch sends everything once, then only deltas; counters as triples; SA keys only to full users', async () => {
    const live = t.agent.services.live;
    const got: any[] = [];
    let notify = () => {};
    const sub = admin.client.live.watch.subscribe(undefined, {
      onData: (d) => {
        got.push(d);
        notify();
      },
    });
    const next = (pred: (d: any) => boolean) =>
      withTimeout(
        new Promise<any>((res) => {
          notify = () => {
            const d = got.find(pred);
            if (d) res(d);
          };
          notify();
        }),
        5000,
        'live delta',
      );
    const first = await next((d) => d.full);
    expect(first).toMatchObject({ peers: [], sas: { set: [], counters: [], removed: [] } });
    expect(Object.keys(first.statistics).sort()).toEqual(STATISTICS_COUNTERS.map(([n]) => n).sort());
    // What the IKE engine and data plane do: record a peer and an SA, count.
    live.peers.set(1, { id: 1, state: 'established', 'remote-address': '192.0.2.2' });
    live.sas.set(7, {
      id: 7,
      spi: '0xc0ffee01',
      'enc-key': 'aabbcc',
      'auth-key': 'ddeeff',
      'current-bytes': 0,
      'current-packets': 0,
    });
    live.statistics['in-no-states'] = 3;
    const added = await next((d) => d.sas?.set.length === 1);
    expect(added.peers).toEqual([expect.objectContaining({ state: 'established' })]);
    expect(added.sas.set[0]).toMatchObject({ spi: '0xc0ffee01', 'enc-key': 'aabbcc' });
    expect(added.statistics).toEqual({ 'in-no-states': 3 });
    const sa = live.sas.get(7)!;
    sa['current-bytes'] = 1500;
    sa['current-packets'] = 1;
    const counted = await next((d) => d.sas?.counters.length === 1);
    expect(counted.sas).toEqual({ set: [], counters: [[7, 1500, 1]], removed: [] });
    expect(counted.peers).toBeUndefined();
    live.sas.delete(7);
    expect((await next((d) => d.sas?.removed.length === 1)).sas.removed).toEqual([7]);
    sub.unsubscribe();

    live.sas.set(8, {
      id: 8,
      spi: '0xc0ffee02',
      'enc-key': 'aabbcc',
      'auth-key': 'ddeeff',
      'expires-at': Date.now() + 60_000,
    });
    await admin.client.system.users.add.mutate({ name: 'sa-writer', group: 'write', password: 'sa-writer-pw-1' });
    const w = trpc(t.url, await login(t.url, 'sa-writer', 'sa-writer-pw-1'));
    try {
      const sas = await w.client.live.installedSa.query();
      expect(sas[0]).toMatchObject({ spi: '0xc0ffee02', 'enc-key': '', 'auth-key': '' });
      expect(sas[0]!['expires-in']).toBeGreaterThan(55);
      const seen = await withTimeout(
        new Promise<any>((res) => {
          const s2 = w.client.live.watch.subscribe(undefined, {
            onData: (d) => {
              s2.unsubscribe();
              res(d);
            },
          });
        }),
        5000,
        'writer watch',
      );
      expect(seen.sas.set[0]).toMatchObject({ spi: '0xc0ffee02', 'enc-key': '', 'auth-key': '' });
    } finally {
      w.close();
      live.peers.clear();
      live.sas.clear();
      live.statistics['in-no-states'] = 0;
    }
  });
});

describe('who may connect and what they may do', () => {
  it('the WebSocket refuses no session, a bad session and a foreign Origin', async () => {
    expect(await rawUpgrade(t.url, {})).toBe(401);
    expect(await rawUpgrade(t.url, { cookie: 'ipsec_session=forged' })).toBe(401);
    expect(await rawUpgrade(t.url, { cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await rawUpgrade(t.url, { cookie, origin: t.url })).toBe('open');
  });
  it('a read user sees everything but secrets and can change nothing', async () => {
    await admin.client.system.users.add.mutate({ name: 'ro', group: 'read', password: 'ro-password-1' });
    const ro = trpc(t.url, await login(t.url, 'ro', 'ro-password-1'));
    try {
      const idents = await ro.client.config.print.query({ menu: 'identity' });
      expect(idents.items.length).toBeGreaterThan(0);
      // everything: the same entries the admin sees (secrets are masked for every user)
      expect(idents.items).toEqual((await admin.client.config.print.query({ menu: 'identity' })).items);
      expect((await rejects(ro.client.config.add.mutate({ menu: 'peer', values: { name: 'no' } }))).data?.code).toBe(
        'FORBIDDEN',
      );
      expect(
        (await rejects(ro.client.config.remove.mutate({ menu: 'identity', ids: [idents.items[0]!.id] }))).data?.code,
      ).toBe('FORBIDDEN');
      expect((await rejects(ro.client.config.undo.mutate())).data?.code).toBe('FORBIDDEN');
      expect((await rejects(ro.client.live.killConnections.mutate())).data?.code).toBe('FORBIDDEN');
      expect((await rejects(ro.client.system.users.list.query())).data?.code).toBe('FORBIDDEN');
      expect(await ro.client.system.me.query()).toMatchObject({
        name: 'ro',
        group: 'read',
        identity: expect.any(String),
      });
      expect(ro.received.join('\n')).not.toMatch(new RegExp(SECRETS.join('|')));
    } finally {
      ro.close();
    }
  });
  it('a disabled user is logged out: its socket closes and new calls fail', async () => {
    await admin.client.system.users.add.mutate({ name: 'temp', group: 'write', password: 'temp-password-1' });
    const tc = await login(t.url, 'temp', 'temp-password-1');
    await admin.client.system.users.set.mutate({ name: 'temp', disabled: true });
    expect(await rawUpgrade(t.url, { cookie: tc })).toBe(401);
  });
  it("changing a user's group ends its sessions and closes its socket", async () => {
    await admin.client.system.users.add.mutate({ name: 'demoted', group: 'write', password: 'demoted-pw-1' });
    const dc = await login(t.url, 'demoted', 'demoted-pw-1');
    const d = trpc(t.url, dc);
    try {
      await d.client.config.add.mutate({ menu: 'policy-group', values: { name: 'by-demoted' } });
      await admin.client.system.users.set.mutate({ name: 'demoted', group: 'read' });
      expect(await rawUpgrade(t.url, { cookie: dc })).toBe(401);
    } finally {
      d.close();
    }
  });
  it('a client resuming from a revision this store never had is told to reload', async () => {
    const { rev } = await admin.client.config.print.query({ menu: 'peer' });
    const got = await withTimeout(
      new Promise<any>((resolve) => {
        const sub = admin.client.config.changes.subscribe(
          { since: rev + 1000 },
          {
            onData: (e) => {
              sub.unsubscribe();
              resolve(e.data);
            },
          },
        );
      }),
      5000,
      'reset event',
    );
    expect(got).toMatchObject({ kind: 'reset', rev });
  });
  it('no secret appears in anything the admin socket received', () => {
    const all = admin.received.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const s of SECRETS) expect(all).not.toContain(s);
    expect(all).not.toContain('PRIVATE KEY');
  });
  it('the audit log records who changed what', async () => {
    const audit = await admin.client.system.audit.query({ limit: 500 });
    expect(
      audit.some((a) => a.user === 'admin' && a.action === 'config change' && a.detail.includes('road warrior wizard')),
    ).toBe(true);
    expect(audit.some((a) => a.action === 'user add' && a.detail.startsWith('ro group=read'))).toBe(true);
    expect(JSON.stringify(audit)).not.toMatch(new RegExp(SECRETS.join('|')));
  });
});

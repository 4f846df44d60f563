// Dynamic entries (flag D): generated policies appear in print/REST/changes while their SA lives, cannot be
// edited or removed, and go; stored policies show live ph2 status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DYNAMIC_ID_BASE } from '../src/live/dynamic-entries.ts';
import {
  ADMIN_PASSWORD,
  login,
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

const generated = (n: number) => ({
  id: DYNAMIC_ID_BASE + n,
  menu: 'policy' as const,
  values: {
    peer: 'rw',
    tunnel: true,
    'src-address': '10.5.8.0/24',
    'src-port': 'any',
    'dst-address': '192.168.77.254/32',
    'dst-port': 'any',
    protocol: 'all',
    level: 'unique',
    proposal: 'default',
    action: 'encrypt',
    group: 'default',
  },
  status: {
    active: true,
    'ph2-state': 'established',
    'ph2-count': 1,
    'sa-src-address': '10.155.107.8',
    'sa-dst-address': '10.155.107.9',
  },
});

describe('dynamic policies', () => {
  it('print/REST show them after the stored ones with D and A; get works; edits and removal are refused; they go', async () => {
    const dyn = t.agent.services.live.dynamic;
    await rest(t.url, 'PUT', 'ip/ipsec/peer', {
      name: 'rw',
      address: '0.0.0.0/0',
      'exchange-mode': 'ike2',
      passive: 'yes',
    });
    dyn.add(generated(1));
    const list = await rest(t.url, 'GET', 'ip/ipsec/policy');
    expect(list.json.at(-1)).toMatchObject({
      '.id': '*40000001',
      dynamic: 'true',
      active: 'true',
      'ph2-state': 'established',
      'ph2-count': '1',
      'src-address': '10.5.8.0/24',
      'dst-address': '192.168.77.254/32',
      level: 'unique',
      template: 'false',
      'sa-dst-address': '10.155.107.9',
    });
    expect(list.json[0]).toMatchObject({ template: 'true', dynamic: 'false' });
    expect((await rest(t.url, 'GET', 'ip/ipsec/policy?dynamic=true')).json).toHaveLength(1);
    expect((await rest(t.url, 'GET', 'ip/ipsec/policy/*40000001')).json).toMatchObject({ dynamic: 'true' });

    for (const [method, path, body] of [
      ['PATCH', 'ip/ipsec/policy/*40000001', { level: 'require' }],
      ['DELETE', 'ip/ipsec/policy/*40000001', undefined],
      ['POST', 'ip/ipsec/policy/disable', { '.id': '*40000001' }],
    ] as const) {
      const r = await rest(t.url, method, path, body);
      expect(r.status).toBe(400);
      expect(r.json.detail).toContain('dynamic entry');
      expect(r.json.detail).toContain('*40000001');
    }
    await expect(admin.client.config.remove.mutate({ menu: 'policy', ids: [DYNAMIC_ID_BASE + 1] })).rejects.toThrow(
      /dynamic entry/,
    );
    const printed = await admin.client.config.print.query({ menu: 'policy' });
    expect(printed.items.at(-1)).toMatchObject({ id: DYNAMIC_ID_BASE + 1, dynamic: true, active: true });

    dyn.remove('policy', DYNAMIC_ID_BASE + 1);
    expect((await rest(t.url, 'GET', 'ip/ipsec/policy?dynamic=true')).json).toEqual([]);
    expect((await rest(t.url, 'GET', 'ip/ipsec/policy/*40000001')).status).toBe(404);
  });

  it('the changes stream reports them (kind dynamic), and stored policies get live ph2 status', async () => {
    const dyn = t.agent.services.live.dynamic;
    const { rev } = await admin.client.config.print.query({ menu: 'policy' });
    const seen: any[] = [];
    let notify = () => {};
    const sub = admin.client.config.changes.subscribe(
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
        'dynamic change',
      );
    try {
      // a stored change first: once it arrives the subscription is live, so no dynamic event can be missed
      const marker = await admin.client.config.add.mutate({
        menu: 'peer',
        values: { name: 'marker', address: '10.60.0.1/32' },
      });
      await waitFor(() => seen.some((e) => e.changes.some((c: any) => c.id === marker.id && c.menu === 'peer')));
      dyn.add(generated(2));
      await waitFor(() => seen.some((e) => e.changes.some((c: any) => c.id === DYNAMIC_ID_BASE + 2 && c.entry)));
      const ev = seen.find((e) => e.changes.some((c: any) => c.id === DYNAMIC_ID_BASE + 2))!;
      expect(ev).toMatchObject({ kind: 'dynamic', rev: marker.id ? rev + 1 : rev, user: 'system' });
      expect(ev.changes.find((c: any) => c.id === DYNAMIC_ID_BASE + 2)).toMatchObject({
        menu: 'policy',
        entry: { dynamic: true, 'src-address': '10.5.8.0/24' },
      });
      dyn.remove('policy', DYNAMIC_ID_BASE + 2);
      await waitFor(() =>
        seen.some((e) => e.changes.some((c: any) => c.id === DYNAMIC_ID_BASE + 2 && c.entry === null)),
      );

      const p = await admin.client.config.add.mutate({
        menu: 'policy',
        values: { peer: 'rw', 'src-address': '10.1.0.0/24', 'dst-address': '10.2.0.0/24', tunnel: true },
      });
      expect(p).toMatchObject({ active: false, 'ph2-state': 'no-phase2', 'ph2-count': 0 });
      dyn.setPolicyLive(p.id, { active: true, 'ph2-state': 'established', 'ph2-count': 2 });
      await waitFor(() =>
        seen.some(
          (e) => e.kind === 'dynamic' && e.changes.some((c: any) => c.id === p.id && c.entry?.['ph2-count'] === 2),
        ),
      );
      expect(await admin.client.config.get.query({ menu: 'policy', id: p.id })).toMatchObject({
        active: true,
        'ph2-state': 'established',
        'ph2-count': 2,
        dynamic: false,
      });
      expect((await rest(t.url, 'GET', `ip/ipsec/policy/*${p.id.toString(16).toUpperCase()}`)).json).toMatchObject({
        'ph2-count': '2',
        active: 'true',
      });
      dyn.setPolicyLive(p.id, { active: false, 'ph2-state': 'expired', 'ph2-count': 0 });
      await waitFor(() =>
        seen.some((e) => e.changes.some((c: any) => c.id === p.id && c.entry?.['ph2-state'] === 'expired')),
      );
    } finally {
      sub.unsubscribe();
    }
  });
});

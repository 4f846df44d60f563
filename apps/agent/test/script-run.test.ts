// The script interpreter on a real agent, driven through POST /rest/execute and /rest/import and checked through
// the REST menus: paths, commands, find/where, numbers from print, variables, one revision per script (undo takes
// it back), errors naming line, column and property with nothing stored, unknown menus, and read users.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, basic, login, rejects, rest, startTestAgent, trpc, type TestAgent } from './harness.ts';

let t: TestAgent;
const READER = basic('reader', 'reader-password-1');

beforeAll(async () => {
  t = await startTestAgent();
  const admin = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
  await admin.client.system.users.add.mutate({ name: 'reader', group: 'read', password: 'reader-password-1' });
  admin.close();
});
afterAll(async () => {
  await t.close();
});

async function exec(script: string, extra: Record<string, unknown> = {}, auth?: string) {
  return rest(t.url, 'POST', 'execute', { script, ...extra }, auth);
}
async function ok(script: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await exec(script, extra);
  if (r.status !== 200) throw new Error(`script failed: ${r.text}`);
  return r.json.ret as string;
}
const revision = () => t.agent.services.config.store.revision();
const list = async (path: string) => (await rest(t.url, 'GET', path)).json as Record<string, string>[];

describe('running scripts', () => {
  it('runs absolute and relative paths, .. and prefixes of menu names', async () => {
    await ok(`/ip ipsec profile
add name=pr-a dh-group=modp2048
..
proposal
add name=pp-a pfs-group=none
/ip ipsec mode-conf
add name=mc-a responder=no
/ip pool add name=pool-a ranges=10.9.0.2-10.9.0.20`);
    expect((await list('ip/ipsec/profile?name=pr-a'))[0]).toMatchObject({ 'dh-group': 'modp2048' });
    expect((await list('ip/ipsec/proposal?name=pp-a'))[0]).toMatchObject({ 'pfs-group': 'none' });
    expect((await list('ip/ipsec/mode-config?name=mc-a'))[0]).toMatchObject({ responder: 'false' });
    expect((await list('ip/pool?name=pool-a'))[0]).toMatchObject({ ranges: '10.9.0.2-10.9.0.20' });
  });

  it('a path with a command runs it there without changing the current menu', async () => {
    await ok(`/ip ipsec peer
/ip pool add name=pool-b ranges=10.9.1.2
add name=peer-b address=10.7.0.1/32`);
    expect(await list('ip/ipsec/peer?name=peer-b')).toHaveLength(1);
    expect(await list('ip/pool?name=peer-b')).toHaveLength(0);
  });

  it('set/enable/disable/comment/remove with [ find ], find where, names, *ids and numbers from print', async () => {
    await ok(`/ip ipsec peer
add name=f1 address=10.8.0.1/32
add name=f2 address=10.8.0.2/32 exchange-mode=ike2
add name=f3 address=10.8.0.3/32 exchange-mode=ike2`);
    await ok(`/ip ipsec peer
set [ find name=f1 ] passive=yes
set [ find where exchange-mode=ike2 and name!=f3 ] comment="ike two"
disable f3
comment [ find name=f1 ] comment=first`);
    const peers = Object.fromEntries((await list('ip/ipsec/peer')).map((p) => [p.name, p]));
    expect(peers.f1).toMatchObject({ passive: 'true', comment: 'first' });
    expect(peers.f2).toMatchObject({ comment: 'ike two', disabled: 'false' });
    expect(peers.f3).toMatchObject({ comment: '', disabled: 'true' });

    // numbers refer to the last print of the menu in the same script
    const printed = await ok(`/ip ipsec peer
print terse where exchange-mode=ike2
enable 1
set 0 comment=zero`);
    expect(printed).toMatch(/^ 0 .*name=f2/m);
    expect(printed).toMatch(/^ 1 X.*name=f3/m);
    const after = Object.fromEntries((await list('ip/ipsec/peer')).map((p) => [p.name, p]));
    expect(after.f3!.disabled).toBe('false');
    expect(after.f2!.comment).toBe('zero');

    const id = after.f1!['.id']!;
    await ok(`/ip ipsec peer remove ${id}; /ip ipsec peer remove [ find where name=f2 or name=f3 ]`);
    expect((await list('ip/ipsec/peer')).filter((p) => /^f\d$/.test(p.name!))).toHaveLength(0);
  });

  it('matches where values by their meaning (12h = 720m = 0d 12:00:00) and status flags (default=yes)', async () => {
    const out = await ok(`/ip ipsec profile
add name=life lifetime=12h
:put [ find lifetime=720m ]
:put [ find default=yes ]
print count-only where lifetime="0d 12:00:00"`);
    const ids = (await list('ip/ipsec/profile')).map((p) => [p.name, p['.id']]);
    const byName = Object.fromEntries(ids);
    expect(out.split('\n').slice(0, 3)).toEqual([byName.life, byName.default, '1']);
  });

  it('variables: :local, :global, :set, $var in values and inside quotes', async () => {
    const out = await ok(`:local net "10.44.0"
:global gname "g-peer"
:local n 1
:set n 2
/ip ipsec peer add name=$gname address="$net.$n/32" comment="made by \\$script for $gname"
:local p [ /ip ipsec peer find name=$gname ]
/ip ipsec peer set $p passive=yes
:put [ /ip ipsec peer get $p address ]`);
    expect(out).toBe('10.44.0.2/32\n');
    expect((await list('ip/ipsec/peer?name=g-peer'))[0]).toMatchObject({
      passive: 'true',
      comment: 'made by $script for g-peer',
    });
  });

  it('add copy-from and place-before; move with destination', async () => {
    await ok(`/ip ipsec peer add name=pl-peer address=10.50.0.1/32
/ip ipsec policy
add peer=pl-peer src-address=10.50.1.0/24 dst-address=10.50.2.0/24 tunnel=yes comment=A
add peer=pl-peer src-address=10.50.3.0/24 dst-address=10.50.4.0/24 tunnel=yes comment=B
add copy-from=[ find comment=A ] dst-address=10.50.9.0/24 comment=C place-before=[ find comment=A ]`);
    const order = () =>
      list('ip/ipsec/policy').then((ps) => ps.map((p) => p.comment).filter((c) => /^[ABC]$/.test(c!)));
    expect(await order()).toEqual(['C', 'A', 'B']);
    const c = (await list('ip/ipsec/policy?comment=C'))[0]!;
    expect(c).toMatchObject({ 'src-address': '10.50.1.0/24', 'dst-address': '10.50.9.0/24', tunnel: 'true' });
    await ok(`/ip ipsec policy move [ find comment=B ] destination=[ find comment=C ]`);
    expect(await order()).toEqual(['B', 'C', 'A']);
    await ok(`/ip ipsec policy
print where comment=A or comment=B or comment=C
move 0`);
    expect(await order()).toEqual(['C', 'A', 'B']);
  });

  it('copy-from on a named menu gives the copy a fresh name', async () => {
    await ok(`/ip ipsec proposal add name=cp-src pfs-group=modp2048 lifetime=1h
/ip ipsec proposal add copy-from=cp-src`);
    expect((await list('ip/ipsec/proposal?name=cp-src-copy'))[0]).toMatchObject({
      lifetime: '1h',
      'pfs-group': 'modp2048',
    });
  });

  it('settings (one entry) take set without a number', async () => {
    await ok('/ip ipsec settings set accounting=no interim-update=30s');
    expect((await rest(t.url, 'GET', 'ip/ipsec/settings')).json).toMatchObject({
      accounting: 'false',
      'interim-update': '30s',
    });
    await ok('/ip ipsec settings set accounting=yes interim-update=0s');
  });

  it('a whole script is one revision, and undo takes it all back', async () => {
    const before = revision();
    await ok(`/ip ipsec profile add name=one-rev
/ip ipsec peer add name=one-rev profile=one-rev address=10.60.0.1/32
/ip ipsec identity add peer=one-rev secret=one-rev-secret`);
    expect(revision()).toBe(before + 1);
    const admin = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
    await admin.client.config.undo.mutate();
    admin.close();
    expect(await list('ip/ipsec/peer?name=one-rev')).toHaveLength(0);
    expect(await list('ip/ipsec/profile?name=one-rev')).toHaveLength(0);
  });

  it('a script that only prints stores no revision', async () => {
    const before = revision();
    await ok('/ip ipsec peer print\n/ip ipsec export');
    expect(revision()).toBe(before);
  });

  it('continues lines ending in a backslash and ignores comments', async () => {
    await ok(`# a guide
/ip ipsec peer
add address=10.61.0.1/32 \\
    name=cont-peer \\
    exchange-mode=ike2
  # indented comment`);
    expect((await list('ip/ipsec/peer?name=cont-peer'))[0]).toMatchObject({ 'exchange-mode': 'ike2' });
  });
});

describe('errors name line, column and property, and store nothing', () => {
  async function fails(script: string, extra: Record<string, unknown> = {}) {
    const before = revision();
    const peersBefore = (await list('ip/ipsec/peer')).length;
    const r = await exec(script, extra);
    expect(r.status).toBe(400);
    expect(revision()).toBe(before);
    expect((await list('ip/ipsec/peer')).length).toBe(peersBefore);
    return r.json as { detail: string; line: number; column: number; property?: string };
  }

  it('a bad value: the property and its column', async () => {
    const e = await fails(`/ip ipsec peer
add name=e1 address=10.70.0.1/32
add name=e2 address=10.70.0.2/32 exchange-mode=ikev9`);
    expect(e).toMatchObject({ line: 3, column: 34, property: 'exchange-mode' });
    expect(e.detail).toContain('"ikev9" is not one of');
    expect(e.detail).toContain('nothing was stored');
  });

  it('an unknown property, named with the known ones', async () => {
    const e = await fails(`/ip ipsec peer\nadd name=e3 colour=blue`);
    expect(e).toMatchObject({ line: 2, column: 13, property: 'colour' });
    expect(e.detail).toContain('unknown property');
  });

  it('a reference to an entry that does not exist (the whole-config check)', async () => {
    const e = await fails(`/ip ipsec peer add name=e4 profile=nope`);
    expect(e).toMatchObject({ line: 1, column: 28, property: 'profile' });
    expect(e.detail).toContain('profile "nope" does not exist');
  });

  it('a missing item, an unknown command, an undefined variable', async () => {
    expect(
      await fails('/ip ipsec peer set [ find name=e1 ] passive=yes\n/ip ipsec peer set nosuch passive=yes'),
    ).toMatchObject({
      line: 2,
      column: 20,
    });
    const cmd = await fails('/ip ipsec peer frobnicate');
    expect(cmd).toMatchObject({ line: 1, column: 16 });
    expect(cmd.detail).toContain('no such command "frobnicate"');
    expect(await fails('/ip ipsec peer add name=$nope')).toMatchObject({ line: 1, column: 25 });
  });

  it('numbers without a print before them', async () => {
    const e = await fails('/ip ipsec policy set 1 comment=x');
    expect(e.detail).toContain('before a print');
  });

  it('a syntax error', async () => {
    expect(await fails('/ip ipsec peer add name="unterminated')).toMatchObject({ line: 1, column: 25 });
  });

  it('at most 1000 changes per script, like one batch', async () => {
    const lines = Array.from({ length: 1001 }, (_, i) => `/ip ipsec policy group add name=many-${i}`);
    const e = await fails(lines.join('\n'));
    expect(e).toMatchObject({ line: 1001, column: 24 });
    expect(e.detail).toContain('at most 1000 changes');
  }, 120_000);

  it('a default entry cannot be removed', async () => {
    const e = await fails('/ip ipsec profile remove [ find default=yes ]');
    expect(e.detail).toContain('a default entry cannot be removed');
  });

  it('removing an entry still in use names its user', async () => {
    await ok('/ip ipsec profile add name=used-prof\n/ip ipsec peer add name=uses-prof profile=used-prof');
    const e = await fails('/ip ipsec profile remove used-prof');
    expect(e.detail).toMatch(/cannot remove "used-prof": used by peer/);
  });

  it('menus the agent lacks: a clear error naming the menu, or skipped with a warning each', async () => {
    const script = `/ip firewall nat
add action=accept chain=srcnat place-before=0
/ip ipsec peer add name=skip-peer address=10.71.0.1/32
/interface bridge add name=loopback`;
    const e = await fails(script);
    expect(e).toMatchObject({ line: 1, column: 1 });
    expect(e.detail).toContain('/ip firewall nat: no such menu in this agent');
    const r = await exec(script, { 'skip-unknown-menus': 'yes' });
    expect(r.status).toBe(200);
    expect(r.json.warnings).toEqual([
      'line 2: skipped /ip firewall nat add: no such menu in this agent',
      'line 4: skipped /interface bridge add: no such menu in this agent',
    ]);
    expect(await list('ip/ipsec/peer?name=skip-peer')).toHaveLength(1);
  });
});

describe('read users', () => {
  it('may print and export (never with secrets), never change', async () => {
    await ok(
      '/ip ipsec peer add name=ro-peer address=10.72.0.1/32\n/ip ipsec identity add peer=ro-peer secret=ro-secret-xyz',
    );
    const r = await exec('/ip ipsec identity print detail\n/ip ipsec export', {}, READER);
    expect(r.status).toBe(200);
    expect(r.json.ret).toContain('peer="ro-peer"');
    expect(r.text).not.toContain('ro-secret-xyz');
    expect(r.json.ret).toMatch(/\/ip ipsec identity\nadd peer=ro-peer\n/);
    const sensitive = await exec('/ip ipsec export show-sensitive', {}, READER);
    expect(sensitive.status).toBe(403);
    expect(sensitive.text).not.toContain('ro-secret-xyz');
    expect(sensitive.json.detail).toContain('needs group full to see secrets');

    const before = revision();
    const w = await exec('/ip ipsec peer print\n/ip ipsec peer add name=ro-new address=10.72.0.2/32', {}, READER);
    expect(w.status).toBe(403);
    expect(w.json.detail).toContain('line 2, column 16: user reader (group read) may not change the configuration');
    expect(revision()).toBe(before);
    expect(await list('ip/ipsec/peer?name=ro-new')).toHaveLength(0);
    const imp = await rest(t.url, 'POST', 'import', { 'file-content': '/ip ipsec peer remove ro-peer' }, READER);
    expect(imp.status).toBe(403);
    expect(await list('ip/ipsec/peer?name=ro-peer')).toHaveLength(1);
  });
});

describe('/rest/import', () => {
  it('imports an uploaded .rsc text; dry-run checks it and stores nothing', async () => {
    const rsc =
      '/ip ipsec profile\nadd name=imp-prof\n/ip ipsec peer\nadd name=imp-peer profile=imp-prof address=10.73.0.1/32\n';
    const before = revision();
    const dry = await rest(t.url, 'POST', 'import', { 'file-content': rsc, 'file-name': 'x.rsc', 'dry-run': 'yes' });
    expect(dry.status).toBe(200);
    expect(revision()).toBe(before);
    const bad = await rest(t.url, 'POST', 'import', {
      'file-content': `${rsc}add name=x address=bad/99`,
      'file-name': 'x.rsc',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/^x\.rsc: line 5, column 12: address: /);
    const r = await rest(t.url, 'POST', 'import', { 'file-content': rsc, 'file-name': 'x.rsc' });
    expect(r.status).toBe(200);
    expect(revision()).toBe(before + 1);
    expect(await list('ip/ipsec/peer?name=imp-peer')).toHaveLength(1);
  });

  it('refuses unknown body properties, a missing script, other methods and non-JSON bodies', async () => {
    expect((await rest(t.url, 'POST', 'execute', { script: '', colour: 1 })).status).toBe(400);
    expect((await rest(t.url, 'POST', 'execute', {})).json.detail).toContain('script: is required');
    expect((await rest(t.url, 'GET', 'execute')).status).toBe(405);
    const res = await fetch(`${t.url}/rest/execute`, {
      method: 'POST',
      headers: { authorization: basic('admin', ADMIN_PASSWORD), 'content-type': 'text/plain' },
      body: '{"script":"/ip ipsec peer add name=csrf"}',
    });
    expect(res.status).toBe(415);
  });
});

describe('tRPC script.run (the Terminal and System > Script)', () => {
  it('keeps the terminal menu between lines, reports a script error as a result, refuses a read user change', async () => {
    const admin = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
    const first = await admin.client.script.run.mutate({ script: '/ip ipsec peer' });
    expect(first).toMatchObject({ ok: true, cwd: ['ip', 'ipsec', 'peer'] });
    const added = await admin.client.script.run.mutate({
      script: 'add name=term-peer address=10.74.0.1/32',
      cwd: first.ok ? first.cwd : [],
    });
    expect(added).toMatchObject({ ok: true, cwd: ['ip', 'ipsec', 'peer'] });
    expect(await list('ip/ipsec/peer?name=term-peer')).toHaveLength(1);
    const up = await admin.client.script.run.mutate({ script: '..', cwd: ['ip', 'ipsec', 'peer'] });
    expect(up).toMatchObject({ ok: true, cwd: ['ip', 'ipsec'] });
    const bad = await admin.client.script.run.mutate({
      script: 'add name=x exchange-mode=nope',
      cwd: ['ip', 'ipsec', 'peer'],
    });
    expect(bad).toMatchObject({ ok: false, error: { line: 1, col: 12, property: 'exchange-mode' } });
    admin.close();

    const reader = trpc(t.url, await login(t.url, 'reader', 'reader-password-1'));
    const printed = await reader.client.script.run.mutate({
      script: '/ip ipsec peer print count-only where name=term-peer',
    });
    expect(printed).toMatchObject({ ok: true, output: '1\n' });
    const refused = await rejects(reader.client.script.run.mutate({ script: '/ip ipsec peer remove term-peer' }));
    expect(refused.data?.code).toBe('FORBIDDEN');
    expect(refused.message).toContain('may not change the configuration');
    reader.close();
    expect(await list('ip/ipsec/peer?name=term-peer')).toHaveLength(1);
  });
});

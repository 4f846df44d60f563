// IKE sockets for the kernel backend, for real in a namespace this test makes: with a policy that blocks every
// packet, a plain UDP socket cannot send, the prepared one (per-socket bypass policy) still can; and the NAT-T
// socket accepts UDP_ENCAP_ESPINUDP. Needs root and XFRM; skipped otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelDataPlane } from '../src/kernel/backend.ts';

const NS = `dps-${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
const canRun =
  process.getuid?.() === 0 && spawnSync('ip', ['xfrm', 'policy', 'count'], { stdio: 'ignore' }).status === 0;
const repo = join(import.meta.dirname, '..', '..', '..');
const tsx = pathToFileURL(createRequire(join(repo, 'apps', 'agent', 'package.json')).resolve('tsx/esm')).href;

// Runs inside the namespace: a receiver, a plain sender and a prepared sender on 127.0.0.1.
const CHILD = (module: string) => `
import dgram from 'node:dgram';
import { prepareIkeSocket } from ${JSON.stringify(module)};
const bind = (s, port) => new Promise((r) => s.bind(port, '127.0.0.1', r));
const rx = dgram.createSocket('udp4'); await bind(rx, 0);
const got = []; rx.on('message', (m) => got.push(m.toString()));
const plain = dgram.createSocket('udp4'); await bind(plain, 0);
const ike = dgram.createSocket('udp4'); await bind(ike, 0);
const natt = dgram.createSocket('udp4'); await bind(natt, 0);
const problems = [...prepareIkeSocket('127.0.0.1', ike.address().port, false), ...prepareIkeSocket('127.0.0.1', natt.address().port, true)];
const send = (s, text) => new Promise((r) => s.send(text, rx.address().port, '127.0.0.1', (e) => r(e ? e.code : 'ok')));
const plainResult = await send(plain, 'plain');
const ikeResult = await send(ike, 'ike');
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify({ problems, plainResult, ikeResult, got }));
process.exit(0);
`;

describe.skipIf(!canRun)('IKE sockets for the kernel backend', () => {
  let dp: KernelDataPlane;
  const dir = mkdtempSync(join(tmpdir(), 'ike-socket-'));

  beforeAll(async () => {
    // loopback normally skips IPsec (disable_xfrm): switch that off so 127.0.0.1 sees the blocking policy
    execFileSync(
      'sh',
      [
        '-c',
        `ip netns add ${NS} && ip -n ${NS} link set lo up && ip netns exec ${NS} sysctl -qw net.ipv4.conf.lo.disable_xfrm=0`,
      ],
      { timeout: 10_000 },
    );
    dp = new KernelDataPlane({ netns: NS, events: false });
    const all = { src: '0.0.0.0/0', dst: '0.0.0.0/0', protocol: 0 };
    await dp.installPolicy({ selector: all, dir: 'out', priority: 1, action: 'discard', templates: [] });
    await dp.installPolicy({ selector: all, dir: 'in', priority: 1, action: 'discard', templates: [] });
  });

  afterAll(async () => {
    await dp?.close();
    spawnSync('ip', ['netns', 'del', NS]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a blocking policy stops a plain socket; the prepared IKE socket bypasses it; the NAT-T socket takes ESP-in-UDP', () => {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, CHILD(pathToFileURL(join(import.meta.dirname, '..', 'src', 'kernel', 'ike-socket.ts')).href));
    const out = execFileSync('ip', ['netns', 'exec', NS, process.execPath, '--import', tsx, script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.problems).toEqual([]);
    expect(r.plainResult).toBe('EPERM');
    expect(r.ikeResult).toBe('ok');
    expect(r.got).toEqual(['ike']);
  });
});

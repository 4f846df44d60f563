// A real TUN device inside a namespace this test makes (and removes): ping through it, read the echo request,
// answer it by writing an echo reply back, and see ping succeed. Needs root and /dev/net/tun; skipped otherwise.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tun } from '../src/userspace/tun.ts';
import { packetFields } from '../src/userspace/spd.ts';

const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
const NS = `dptun-${tag}`;
const IF = `tu${tag}`.slice(0, 15);
const canRun =
  process.getuid?.() === 0 &&
  existsSync('/dev/net/tun') &&
  spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;

function checksum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length & 1) s += b[b.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** The echo reply to an IPv4 echo request: addresses swapped, type 0, checksums recomputed. */
function echoReply(req: Buffer): Buffer {
  const p = Buffer.from(req);
  const hlen = (p[0]! & 0xf) * 4;
  req.copy(p, 12, 16, 20);
  req.copy(p, 16, 12, 16);
  p.writeUInt16BE(0, 10);
  p.writeUInt16BE(checksum(p.subarray(0, hlen)), 10);
  p[hlen] = 0;
  p.writeUInt16BE(0, hlen + 2);
  p.writeUInt16BE(checksum(p.subarray(hlen)), hlen + 2);
  return p;
}

describe.skipIf(!canRun)('TUN device in a test namespace', () => {
  let tun: Tun | undefined;

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS], { timeout: 5000 });
  });

  afterAll(async () => {
    await tun?.close();
    spawnSync('ip', ['netns', 'del', NS], { timeout: 5000 });
  });

  it('a ping routed into the TUN is read as an IPv4 echo request; the reply written back reaches ping', async () => {
    tun = Tun.open({ name: IF, netns: NS });
    expect(tun.name).toBe(IF);
    // The device exists in the test namespace (not in ours).
    expect(execFileSync('ip', ['-n', NS, '-o', 'link', 'show', IF], { encoding: 'utf8' })).toContain(IF);
    expect(spawnSync('ip', ['link', 'show', IF], { stdio: 'ignore' }).status).not.toBe(0);
    execFileSync('sh', ['-c', `ip -n ${NS} link set ${IF} up && ip -n ${NS} addr add 10.77.0.1/24 dev ${IF}`], {
      timeout: 5000,
    });

    const requests: Buffer[] = [];
    const t = tun;
    t.start((p) => {
      const f = packetFields(p);
      if (f?.family === 4 && f.protocol === 1 && f.srcPort === 8) {
        requests.push(Buffer.from(p)); // the listener's buffer is only valid during the call
        t.write(echoReply(p));
      }
    });
    const ping = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        'ip',
        ['netns', 'exec', NS, 'ping', '-c', '1', '-W', '3', '10.77.0.2'],
        { timeout: 8000, encoding: 'utf8' },
        (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }),
      ),
    );
    expect(requests.length).toBeGreaterThanOrEqual(1);
    const req = requests[0]!;
    expect(req[0]! >> 4).toBe(4);
    expect(req.length).toBe(84); // 20 IP + 8 ICMP + 56 data
    expect(packetFields(req)).toMatchObject({
      family: 4,
      protocol: 1,
      src: Buffer.from([10, 77, 0, 1]),
      dst: Buffer.from([10, 77, 0, 2]),
    });
    expect(ping.code, ping.out).toBe(0);
    expect(ping.out).toContain('1 received');
    expect(t.stats.txPackets).toBeGreaterThanOrEqual(1);
    expect(t.stats.rxPackets).toBeGreaterThanOrEqual(requests.length);
    expect(t.stats.rxBytes).toBeGreaterThanOrEqual(84 * requests.length);

    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(t.write(req)).toBe(false);
    // Closing the fd removes the (non-persistent) interface.
    expect(spawnSync('ip', ['-n', NS, 'link', 'show', IF], { stdio: 'ignore' }).status).not.toBe(0);
  }, 15_000);

  it('rejects a name longer than IFNAMSIZ-1', () => {
    expect(() => Tun.open({ name: 'x'.repeat(16), netns: NS })).toThrow(/too long/);
  });
});

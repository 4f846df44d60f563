// The kernel backend for real, inside network namespaces this test makes (and removes), checked with `ip -n NS xfrm`.
// Needs root and XFRM netlink; skipped otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelDataPlane } from '../src/kernel/backend.ts';
import { probeKernel, type ProbeResult } from '../src/kernel/probe.ts';
import { XfrmError } from '../src/kernel/xfrm-socket.ts';
import { policyPriority, type DataPlaneEvent, type SaSpec } from '../src/types.ts';

const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
const NS = `dpt-${tag}-a`;
const PEER = `dpt-${tag}-b`;
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 10_000 });
const ip = (args: string) => sh(`ip -n ${NS} ${args}`);
const canRun =
  process.getuid?.() === 0 && spawnSync('ip', ['xfrm', 'policy', 'count'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!canRun)('kernel backend in a test namespace', () => {
  let dp: KernelDataPlane;
  let probe: ProbeResult;

  beforeAll(async () => {
    sh(`ip netns add ${NS}; ip netns add ${PEER}
        ip link add dpa${tag} netns ${NS} type veth peer name dpb${tag} netns ${PEER}
        ip -n ${NS} link set lo up; ip -n ${NS} link set dpa${tag} up; ip -n ${NS} addr add 10.9.0.1/24 dev dpa${tag}
        ip -n ${NS} route add 10.9.1.0/24 via 10.9.0.2
        ip -n ${PEER} link set dpb${tag} up; ip -n ${PEER} addr add 10.9.0.2/24 dev dpb${tag}`);
    probe = await probeKernel();
    dp = new KernelDataPlane({ netns: NS });
  });

  afterAll(async () => {
    await dp?.close();
    spawnSync('ip', ['netns', 'del', NS]);
    spawnSync('ip', ['netns', 'del', PEER]);
  });

  it("probe: in a fresh namespace, policies work and ESP SAs are refused with the kernel's reason", () => {
    expect(probe.where).toBe('namespace');
    expect(probe.policies).toBe(true);
    if (probe.sas) {
      expect(probe).toMatchObject({ backend: 'kernel' });
    } else {
      // This sandbox: XFRM without esp4/esp6.
      expect(probe.reason).toBe('XFRM policies work, ESP SAs refused: Requested type not found (no esp4/esp6 module)');
      expect(probe).toMatchObject({
        backend: 'userspace',
        saError: { errno: 93, code: 'EPROTONOSUPPORT', message: 'Requested type not found' },
      });
    }
    expect(dp.explainsErrors).toBe(true);
    // The probe cleaned up after itself.
    expect(sh('ip netns list')).not.toMatch(/dpprobe-/);
  });

  it('installs policies in/out/fwd with templates and config-order priorities; `ip xfrm policy` agrees; removes them', async () => {
    const tun = { src: '192.0.2.1', dst: '198.51.100.7', protocol: 'esp' as const, mode: 'tunnel' as const, reqid: 7 };
    await dp.installPolicy({
      selector: { src: '10.1.0.0/16', dst: '10.2.0.0/24', protocol: 0 },
      dir: 'out',
      priority: policyPriority(0),
      action: 'encrypt',
      templates: [{ ...tun, level: 'require' }],
    });
    await dp.installPolicy({
      selector: { src: '10.2.0.0/24', dst: '10.1.0.0/16', protocol: 0 },
      dir: 'in',
      priority: policyPriority(0),
      action: 'encrypt',
      templates: [{ ...tun, src: tun.dst, dst: tun.src, level: 'require' }],
    });
    await dp.installPolicy({
      selector: { src: '10.2.0.0/24', dst: '10.1.0.0/16', protocol: 0 },
      dir: 'fwd',
      priority: policyPriority(0),
      action: 'encrypt',
      templates: [{ ...tun, src: tun.dst, dst: tun.src, level: 'use' }],
    });
    await dp.installPolicy({
      selector: { src: '10.1.5.0/24', dst: '10.3.0.9/32', protocol: 6, dstPort: 443 },
      dir: 'out',
      priority: policyPriority(1),
      action: 'encrypt',
      templates: [{ protocol: 'esp', mode: 'transport', reqid: 9, level: 'unique' }],
    });
    await dp.installPolicy({
      selector: { src: '10.1.0.0/16', dst: '10.4.0.0/16', protocol: 0 },
      dir: 'out',
      priority: policyPriority(2),
      action: 'discard',
      templates: [],
    });
    // Installing the same policy again (config re-applied) replaces it instead of failing.
    await dp.installPolicy({
      selector: { src: '10.1.0.0/16', dst: '10.4.0.0/16', protocol: 0 },
      dir: 'out',
      priority: policyPriority(2),
      action: 'discard',
      templates: [],
    });

    const text = ip('xfrm policy');
    expect(text).toContain(
      'src 10.1.0.0/16 dst 10.2.0.0/24 \n\tdir out priority 1000 ptype main \n\ttmpl src 192.0.2.1 dst ' +
        '198.51.100.7\n\t\tproto esp reqid 7 mode tunnel\n',
    );
    expect(text).toContain(
      'src 10.2.0.0/24 dst 10.1.0.0/16 \n\tdir in priority 1000 ptype main \n\ttmpl src 198.51.100.7 dst ' +
        '192.0.2.1\n\t\tproto esp reqid 7 mode tunnel\n',
    );
    expect(text).toContain(
      'src 10.2.0.0/24 dst 10.1.0.0/16 \n\tdir fwd priority 1000 ptype main \n\ttmpl src 198.51.100.7 dst ' +
        '192.0.2.1\n\t\tproto esp reqid 7 mode tunnel\n\t\tlevel use \n',
    );
    expect(text).toContain(
      'src 10.1.5.0/24 dst 10.3.0.9/32 proto tcp dport 443 \n\tdir out priority 1001 ptype main \n\ttmpl src ' +
        '0.0.0.0 dst 0.0.0.0\n\t\tproto esp reqid 9 mode transport\n',
    );
    expect(text).toContain('src 10.1.0.0/16 dst 10.4.0.0/16 \n\tdir out action block priority 1002 ptype main \n');
    expect(text.match(/^src /gm)?.length).toBe(5);

    const listed = await dp.listPolicies();
    expect(listed).toHaveLength(5);
    const https = listed.find((p) => p.selector.dstPort === 443);
    expect(https).toMatchObject({
      dir: 'out',
      priority: 1001,
      action: 'encrypt',
      selector: { src: '10.1.5.0/24', dst: '10.3.0.9/32', protocol: 6 },
      templates: [{ protocol: 'esp', mode: 'transport', reqid: 9, level: 'require' }],
    });
    expect(listed.find((p) => p.dir === 'fwd')?.templates[0]).toEqual({
      src: '198.51.100.7',
      dst: '192.0.2.1',
      protocol: 'esp',
      mode: 'tunnel',
      reqid: 7,
      level: 'use',
    });
    expect(listed.every((p) => p.index > 0 && p.counters.addTime > 0)).toBe(true);

    for (const p of listed) await dp.removePolicy({ selector: p.selector, dir: p.dir });
    expect(ip('xfrm policy').trim()).toBe('');
    await expect(
      dp.removePolicy({ selector: { src: '10.1.0.0/16', dst: '10.2.0.0/24', protocol: 0 }, dir: 'out' }),
    ).rejects.toMatchObject({ errno: 2, code: 'ENOENT' });
  });

  it('reads policies that iproute2 installed (its encoder, our decoder)', async () => {
    ip(
      'xfrm policy add src 2001:db8:1::/48 dst 2001:db8:2::/48 proto udp sport 500 dir in priority 77 tmpl src ' +
        '2001:db8::2 dst 2001:db8::1 proto esp reqid 42 mode tunnel level use',
    );
    const [p] = await dp.listPolicies();
    expect(p).toMatchObject({
      dir: 'in',
      priority: 77,
      action: 'encrypt',
      selector: { src: '2001:db8:1::/48', dst: '2001:db8:2::/48', protocol: 17, srcPort: 500 },
      templates: [{ src: '2001:db8::2', dst: '2001:db8::1', reqid: 42, mode: 'tunnel', level: 'use' }],
    });
    await dp.removePolicy({ selector: p!.selector, dir: 'in' });
    expect(ip('xfrm policy').trim()).toBe('');
  });

  it('ESP SA add: installs where the kernel has ESP; here refused with EPROTONOSUPPORT "Requested type not found"', async () => {
    const sa: SaSpec = {
      spi: 0xc0ffee01,
      src: '10.9.0.1',
      dst: '10.9.0.2',
      protocol: 'esp',
      mode: 'tunnel',
      reqid: 7,
      encAlgorithm: 'aes-128-cbc',
      encKey: randomBytes(16),
      integAlgorithm: 'sha256',
      integKey: randomBytes(32),
      encap: { sport: 4500, dport: 4500 },
      esn: true,
      replayWindow: 128,
      lifetime: { softSeconds: 3240, hardSeconds: 3600 },
    };
    const err = await dp.installSa(sa).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (probe.sas) {
      expect(err).toBeUndefined();
      expect(ip('xfrm state')).toContain('proto esp spi 0xc0ffee01 reqid 7 mode tunnel');
      await dp.deleteSa({ spi: sa.spi, dst: sa.dst, protocol: 'esp' });
    } else {
      expect(err).toBeInstanceOf(XfrmError);
      expect(err).toMatchObject({ errno: 93, code: 'EPROTONOSUPPORT', kernelMessage: 'Requested type not found' });
      expect((err as Error).message).toBe('add SA 0xc0ffee01: Requested type not found (EPROTONOSUPPORT)');
      // AEAD fails earlier here, on the algorithm lookup (no gcm module), with its own reason.
      const gcm = await dp
        .installSa({
          ...sa,
          encAlgorithm: 'aes-128-gcm',
          encKey: randomBytes(20),
          integAlgorithm: undefined,
          integKey: undefined,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(gcm).toMatchObject({ kernelMessage: 'Requested AEAD algorithm not found' });
      expect(ip('xfrm state').trim()).toBe('');
    }
    await expect(dp.deleteSa({ spi: 0xdead, dst: '10.9.0.2', protocol: 'esp' })).rejects.toMatchObject({
      errno: 3,
      code: 'ESRCH',
    });
  });

  it('allocates an SPI (larval SA), sees it in our dump and in `ip xfrm state`, reads its counters, deletes it', async () => {
    const spi = await dp.allocateSpi({
      src: '10.9.0.1',
      dst: '10.9.0.2',
      reqid: 11,
      mode: 'tunnel',
      min: 0x1000,
      max: 0x1fff,
    });
    expect(spi).toBeGreaterThanOrEqual(0x1000);
    expect(spi).toBeLessThanOrEqual(0x1fff);
    expect(ip('xfrm state')).toContain(`proto esp spi 0x${spi.toString(16).padStart(8, '0')} reqid 11 mode tunnel`);
    const sas = await dp.listSas();
    expect(sas).toHaveLength(1);
    expect(sas[0]).toMatchObject({
      spi,
      src: '10.9.0.1',
      dst: '10.9.0.2',
      protocol: 'esp',
      reqid: 11,
      mode: 'tunnel',
      larval: true,
    });
    expect(await dp.counters({ spi, dst: '10.9.0.2', protocol: 'esp' })).toMatchObject({ bytes: 0, packets: 0 });
    await dp.deleteSa({ spi, dst: '10.9.0.2', protocol: 'esp', src: '10.9.0.1' });
    expect(ip('xfrm state').trim()).toBe('');
    expect(await dp.counters({ spi, dst: '10.9.0.2', protocol: 'esp' })).toBeUndefined();
  });

  it('hears ACQUIRE: a ping matching a `level require` policy with no SA', async () => {
    const events: DataPlaneEvent[] = [];
    const off = dp.onEvent((e) => events.push(e));
    await dp.installPolicy({
      selector: { src: '10.9.0.0/24', dst: '10.9.1.0/24', protocol: 1 },
      dir: 'out',
      priority: policyPriority(0),
      action: 'encrypt',
      templates: [{ src: '10.9.0.1', dst: '10.9.0.2', protocol: 'esp', mode: 'tunnel', reqid: 21, level: 'require' }],
    });
    spawnSync('ip', ['netns', 'exec', NS, 'ping', '-c1', '-W1', '10.9.1.5'], { stdio: 'ignore', timeout: 5000 });
    for (let i = 0; i < 40 && !events.some((e) => e.type === 'acquire'); i++)
      await new Promise((r) => setTimeout(r, 50));
    off();
    const acq = events.find((e) => e.type === 'acquire');
    expect(acq).toMatchObject({
      type: 'acquire',
      packet: { src: '10.9.0.1/32', dst: '10.9.1.5/32', protocol: 1 },
      policy: { dir: 'out', priority: 1000, selector: { src: '10.9.0.0/24', dst: '10.9.1.0/24', protocol: 1 } },
      template: { src: '10.9.0.1', dst: '10.9.0.2', reqid: 21, mode: 'tunnel', level: 'require' },
    });
    // The kernel now holds a larval SA for it (spi 0) until IKE answers or xfrm_acq_expires passes.
    expect(ip('xfrm state')).toContain('proto esp spi 0x00000000 reqid 21 mode tunnel');
    await dp.removePolicy({ selector: { src: '10.9.0.0/24', dst: '10.9.1.0/24', protocol: 1 }, dir: 'out' });
    sh(`ip -n ${NS} xfrm state flush`);
  });

  it('hears a hard EXPIRE: a larval SA from ALLOCSPI outlives net.core.xfrm_acq_expires=1', async () => {
    sh(`ip netns exec ${NS} sysctl -qw net.core.xfrm_acq_expires=1`);
    const events: DataPlaneEvent[] = [];
    const off = dp.onEvent((e) => events.push(e));
    const spi = await dp.allocateSpi({
      src: '10.9.0.1',
      dst: '10.9.0.2',
      reqid: 31,
      mode: 'tunnel',
      min: 0x3000,
      max: 0x3fff,
    });
    for (let i = 0; i < 80 && !events.some((e) => e.type === 'expire'); i++)
      await new Promise((r) => setTimeout(r, 50));
    off();
    expect(events.find((e) => e.type === 'expire')).toMatchObject({
      type: 'expire',
      hard: true,
      spi,
      src: '10.9.0.1',
      dst: '10.9.0.2',
      reqid: 31,
      counters: { bytes: 0, packets: 0 },
    });
    expect(ip('xfrm state').trim()).toBe('');
  });
});

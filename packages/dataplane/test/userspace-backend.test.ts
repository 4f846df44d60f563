import { describe, expect, it } from 'vitest';
import { addrBytes } from '../src/ip.ts';
import { XfrmError } from '../src/kernel/xfrm-socket.ts';
import { UserspaceDataPlane } from '../src/userspace/backend.ts';
import type { DataPlaneEvent, PolicySpec, SaSpec } from '../src/types.ts';

const key = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff));
const A = '192.0.2.1';
const B = '192.0.2.2';

function sa(spi: number, src: string, dst: string, direction: 'in' | 'out', extra: Partial<SaSpec> = {}): SaSpec {
  return {
    spi,
    src,
    dst,
    protocol: 'esp',
    mode: 'tunnel',
    reqid: 1,
    encAlgorithm: 'aes-128-gcm',
    encKey: key(20, spi & 0xff),
    esn: false,
    replayWindow: direction === 'in' ? 64 : 0,
    direction,
    ...extra,
  };
}

/** Policies for 10.1.0.0/16 (behind A) <-> 10.2.0.0/16 (behind B), from `me`'s point of view. */
function policies(me: 'A' | 'B', level: 'require' | 'use' = 'require', reqid = 1): PolicySpec[] {
  const [mine, theirs, self, peer] =
    me === 'A' ? ['10.1.0.0/16', '10.2.0.0/16', A, B] : ['10.2.0.0/16', '10.1.0.0/16', B, A];
  return [
    {
      selector: { src: mine, dst: theirs, protocol: 0 },
      dir: 'out',
      priority: 1000,
      action: 'encrypt',
      templates: [{ protocol: 'esp', mode: 'tunnel', reqid, level, src: self, dst: peer }],
    },
    {
      selector: { src: theirs, dst: mine, protocol: 0 },
      dir: 'in',
      priority: 1000,
      action: 'encrypt',
      templates: [{ protocol: 'esp', mode: 'tunnel', reqid, level, src: peer, dst: self }],
    },
  ];
}

function v4(src: string, dst: string, len = 60): Buffer {
  const p = Buffer.alloc(len);
  p[0] = 0x45;
  p.writeUInt16BE(len, 2);
  p[8] = 64;
  p[9] = 17;
  addrBytes(src).copy(p, 12);
  addrBytes(dst).copy(p, 16);
  p.writeUInt16BE(4000, 20);
  p.writeUInt16BE(53, 22);
  return p;
}

async function pair() {
  const a = new UserspaceDataPlane();
  const b = new UserspaceDataPlane();
  await a.installSa(sa(0x1001, A, B, 'out'));
  await a.installSa(sa(0x2001, B, A, 'in'));
  await b.installSa(sa(0x1001, A, B, 'in'));
  await b.installSa(sa(0x2001, B, A, 'out'));
  for (const p of policies('A')) await a.installPolicy(p);
  for (const p of policies('B')) await b.installPolicy(p);
  return { a, b };
}

describe('UserspaceDataPlane: SAs and policies through the DataPlane interface', () => {
  it('installs, lists, updates and deletes SAs with the kernel errnos for duplicates and missing ones', async () => {
    const dp = new UserspaceDataPlane();
    expect(dp.capability.backend).toBe('userspace');
    await dp.installSa(sa(0x100, A, B, 'out'));
    await dp.installSa(sa(0x100, B, A, 'in')); // same SPI, other destination: a different SA
    await expect(dp.installSa(sa(0x100, A, B, 'out'))).rejects.toMatchObject({ code: 'EEXIST' });
    const list = await dp.listSas();
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({
      spi: 0x100,
      src: A,
      dst: B,
      protocol: 'esp',
      mode: 'tunnel',
      reqid: 1,
      enc: 'aes-128-gcm',
      larval: false,
      esn: false,
    });
    expect(list[0]!.counters).toMatchObject({ bytes: 0, packets: 0, useTime: 0, replayDropped: 0, integrityFailed: 0 });
    expect(list[0]!.counters.addTime).toBeGreaterThan(0);

    await dp.updateSa(sa(0x100, A, B, 'out', { encap: { sport: 4500, dport: 40000 } }));
    expect((await dp.listSas()).find((s) => s.dst === B)?.encap).toEqual({ sport: 4500, dport: 40000 });
    await expect(dp.updateSa(sa(0x999, A, B, 'out'))).rejects.toBeInstanceOf(XfrmError);

    await expect(dp.counters({ spi: 0x100, dst: B, protocol: 'esp', src: '203.0.113.1' })).resolves.toBeUndefined(); // src narrows
    await dp.deleteSa({ spi: 0x100, dst: B, protocol: 'esp' });
    await expect(dp.deleteSa({ spi: 0x100, dst: B, protocol: 'esp' })).rejects.toMatchObject({ code: 'ESRCH' });
    await expect(dp.counters({ spi: 0x100, dst: B, protocol: 'esp' })).resolves.toBeUndefined();
    expect(await dp.listSas()).toHaveLength(1);
    await dp.close();
    expect(await dp.listSas()).toHaveLength(0);
  });

  it('installs (add or replace), lists in priority order, and removes policies', async () => {
    const dp = new UserspaceDataPlane();
    const [out, inn] = policies('A');
    await dp.installPolicy({ ...out!, priority: 1001 });
    await dp.installPolicy(inn!);
    await dp.installPolicy({ ...out!, priority: 999 }); // replaces (same selector + dir)
    const list = await dp.listPolicies();
    expect(list.map((p) => [p.dir, p.priority])).toEqual([
      ['out', 999],
      ['in', 1000],
    ]);
    expect(list[0]).toMatchObject({
      action: 'encrypt',
      templates: [{ reqid: 1, level: 'require' }],
      counters: { packets: 0 },
    });
    expect(list[0]).not.toHaveProperty('compiled');
    await dp.removePolicy({ selector: out!.selector, dir: 'out' });
    await expect(dp.removePolicy({ selector: out!.selector, dir: 'out' })).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await dp.listPolicies()).toHaveLength(1);
  });
});

describe('UserspaceDataPlane: packet path (pure, no sockets)', () => {
  it('A encrypts a packet for B, B decrypts it and accepts it under its inbound policy; counters on both SAs', async () => {
    const { a, b } = await pair();
    const pkt = v4('10.1.0.5', '10.2.0.7');
    const out = a.processOutbound(pkt);
    expect(out).toMatchObject({ action: 'esp', sa: { spi: 0x1001, dst: B } });
    if (out.action !== 'esp' || !out.esp) throw new Error('no ESP');
    expect(out.esp.readUInt32BE(0)).toBe(0x1001);
    const got = b.processInbound(out.esp);
    expect(got).toMatchObject({ action: 'deliver', sa: { spi: 0x1001 } });
    expect(got.action === 'deliver' && Buffer.from(got.packet).equals(pkt)).toBe(true);
    const ca = await a.counters({ spi: 0x1001, dst: B, protocol: 'esp' });
    const cb = await b.counters({ spi: 0x1001, dst: B, protocol: 'esp' });
    for (const c of [ca!, cb!]) {
      expect(c).toMatchObject({ packets: 1, bytes: pkt.length });
      expect(c.useTime).toBeGreaterThan(0);
    }
    // Replayed: dropped and counted.
    expect(b.processInbound(out.esp)).toMatchObject({ action: 'drop', counter: 'in-state-sequence-errors' });
    expect((await b.counters({ spi: 0x1001, dst: B, protocol: 'esp' }))!.replayDropped).toBe(1);
    // Traffic outside the policies passes in clear; unknown SPI is in-no-states.
    expect(a.processOutbound(v4('10.1.0.5', '10.9.0.1'))).toMatchObject({ action: 'clear' });
    expect(b.processInbound(Buffer.alloc(40, 7))).toMatchObject({ action: 'drop', counter: 'in-no-states' });
    expect(b.statistics()).toMatchObject({ 'in-state-sequence-errors': 1, 'in-no-states': 1 });
  });

  it('a decrypted packet its SA policy does not cover is dropped (in-no-policies / in-template-mismatches)', async () => {
    const { a, b } = await pair();
    // A sends 10.1/16 -> 10.3/16 through the same SA (a policy B does not have).
    await a.installPolicy({ ...policies('A')[0]!, selector: { src: '10.1.0.0/16', dst: '10.3.0.0/16', protocol: 0 } });
    const o1 = a.processOutbound(v4('10.1.0.5', '10.3.0.1'));
    expect(b.processInbound((o1 as { esp: Buffer }).esp)).toMatchObject({ action: 'drop', counter: 'in-no-policies' });
    // B's inbound policy for 10.4/16 lists reqid 9 only: the reqid-1 SA does not fit it.
    await b.installPolicy({
      ...policies('B', 'require', 9)[1]!,
      selector: { src: '10.4.0.0/16', dst: '10.2.0.0/16', protocol: 0 },
    });
    await a.installPolicy({ ...policies('A')[0]!, selector: { src: '10.4.0.0/16', dst: '10.2.0.0/16', protocol: 0 } });
    const o2 = a.processOutbound(v4('10.4.0.5', '10.2.0.1'));
    expect(b.processInbound((o2 as { esp: Buffer }).esp)).toMatchObject({
      action: 'drop',
      counter: 'in-template-mismatches',
    });
    expect(b.statistics()).toMatchObject({ 'in-no-policies': 1, 'in-template-mismatches': 1 });
  });

  it('require without an SA: drop, one acquire event (until the SA arrives), out-no-states; use without an SA: clear', async () => {
    const dp = new UserspaceDataPlane();
    for (const p of policies('A')) await dp.installPolicy(p);
    const events: DataPlaneEvent[] = [];
    const off = dp.onEvent((e) => events.push(e));
    const pkt = v4('10.1.0.5', '10.2.0.7');
    expect(dp.processOutbound(pkt)).toMatchObject({ action: 'drop', counter: 'out-no-states' });
    expect(dp.processOutbound(pkt)).toMatchObject({ action: 'drop', counter: 'out-no-states' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'acquire',
      packet: { src: '10.1.0.5/32', dst: '10.2.0.7/32', protocol: 17, srcPort: 4000, dstPort: 53 },
      policy: { dir: 'out', priority: 1000, selector: { dst: '10.2.0.0/16' } },
      template: { reqid: 1, level: 'require', src: A, dst: B },
      seq: 1,
    });
    expect(dp.statistics()['out-no-states']).toBe(2);
    await dp.installSa(sa(0x1001, A, B, 'out'));
    expect(dp.processOutbound(pkt).action).toBe('esp');
    // The SA answered the acquire: after it goes, the next packet asks again.
    await dp.deleteSa({ spi: 0x1001, dst: B, protocol: 'esp' });
    dp.processOutbound(pkt);
    expect(events).toHaveLength(2);
    off();
    dp.processOutbound(v4('10.1.0.6', '10.2.0.7'));
    expect(events).toHaveLength(2);

    const use = new UserspaceDataPlane();
    for (const p of policies('A', 'use')) await use.installPolicy(p);
    expect(use.processOutbound(pkt)).toEqual({ action: 'clear', packet: pkt });
  });

  it('discard policies drop with out-policy-blocked; the newest SA serving a template is used', async () => {
    const dp = new UserspaceDataPlane();
    await dp.installPolicy({
      selector: { src: '10.1.0.0/16', dst: '10.2.9.0/24', protocol: 0 },
      dir: 'out',
      priority: 1,
      action: 'discard',
      templates: [],
    });
    for (const p of policies('A')) await dp.installPolicy(p);
    expect(dp.processOutbound(v4('10.1.0.5', '10.2.9.1'))).toMatchObject({
      action: 'drop',
      counter: 'out-policy-blocked',
    });
    await dp.installSa(sa(0x1001, A, B, 'out'));
    await dp.installSa(sa(0x1002, A, B, 'out')); // rekeyed
    expect(dp.processOutbound(v4('10.1.0.5', '10.2.0.1'))).toMatchObject({ action: 'esp', sa: { spi: 0x1002 } });
    expect(dp.statistics()['out-policy-blocked']).toBe(1);
  });

  it('transport mode: an SA serves only packets between its own addresses; ESP goes inside the packet and comes back out', async () => {
    const tmpl = { protocol: 'esp' as const, mode: 'transport' as const, reqid: 1, level: 'require' as const };
    const a = new UserspaceDataPlane();
    const b = new UserspaceDataPlane();
    await a.installSa(sa(0x3001, A, B, 'out', { mode: 'transport' }));
    await b.installSa(sa(0x3001, A, B, 'in', { mode: 'transport' }));
    await a.installPolicy({
      selector: { src: '192.0.2.0/24', dst: `${B}/32`, protocol: 0 },
      dir: 'out',
      priority: 1,
      action: 'encrypt',
      templates: [tmpl],
    });
    await b.installPolicy({
      selector: { src: '192.0.2.0/24', dst: `${B}/32`, protocol: 0 },
      dir: 'in',
      priority: 1,
      action: 'encrypt',
      templates: [tmpl],
    });
    const pkt = v4(A, B);
    const out = a.processOutbound(pkt);
    expect(out).toMatchObject({ action: 'esp', sa: { spi: 0x3001, mode: 'transport' } });
    if (out.action !== 'esp' || !out.ip) throw new Error('no transport packet');
    expect(out.esp).toBeUndefined();
    expect(out.ip[9]).toBe(50); // protocol ESP, the IP header kept
    expect(out.ip.subarray(12, 20).equals(pkt.subarray(12, 20))).toBe(true);
    expect(out.ip.readUInt32BE(20)).toBe(0x3001);
    const got = b.processInbound(out.ip, true);
    expect(got).toMatchObject({ action: 'deliver', sa: { spi: 0x3001 } });
    if (got.action !== 'deliver') throw new Error('not delivered');
    // the original packet back (its header checksum, left 0 by v4(), is filled in)
    const back = Buffer.from(got.packet);
    expect(back.length).toBe(pkt.length);
    expect(back.readUInt16BE(10)).not.toBe(0);
    back.writeUInt16BE(0, 10);
    expect(back.equals(pkt)).toBe(true);
    // another source inside the selector: the SA is not between its addresses
    expect(a.processOutbound(v4('192.0.2.9', B))).toMatchObject({ action: 'drop', counter: 'out-no-states' });
  });

  it('lifetimes: soft by bytes reports once, hard by time reports and removes the SA', async () => {
    const dp = new UserspaceDataPlane();
    for (const p of policies('A')) await dp.installPolicy(p);
    await dp.installSa(sa(0x1001, A, B, 'out', { lifetime: { softBytes: 1000, hardSeconds: 60 } }));
    const events: DataPlaneEvent[] = [];
    dp.onEvent((e) => events.push(e));
    const now = Math.floor(Date.now() / 1000);
    dp.checkLifetimes(now);
    expect(events).toEqual([]);
    for (let i = 0; i < 20; i++) expect(dp.processOutbound(v4('10.1.0.5', '10.2.0.1', 100)).action).toBe('esp'); // 2000 bytes
    dp.checkLifetimes(now);
    dp.checkLifetimes(now + 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'expire',
      hard: false,
      spi: 0x1001,
      reqid: 1,
      counters: { bytes: 2000, packets: 20 },
    });
    dp.checkLifetimes(now + 61);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ type: 'expire', hard: true, spi: 0x1001 });
    expect(await dp.listSas()).toEqual([]);
    // without its SA the policy asks for a new one
    expect(dp.processOutbound(v4('10.1.0.5', '10.2.0.1'))).toMatchObject({ action: 'drop', counter: 'out-no-states' });
  });
});

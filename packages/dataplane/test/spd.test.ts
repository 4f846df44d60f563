import { describe, expect, it } from 'vitest';
import { addrBytes } from '../src/ip.ts';
import { packetFields, Spd, templateMatchesSa, type SpdSa } from '../src/userspace/spd.ts';
import type { PolicySpec, PolicyTemplate, Selector } from '../src/types.ts';

/** IPv4 packet with the given protocol and (for TCP/UDP) ports or (ICMP) type/code. */
function v4(src: string, dst: string, protocol: number, sport = 0, dport = 0, fragOffset = 0): Buffer {
  const p = Buffer.alloc(28);
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p.writeUInt16BE(fragOffset & 0x1fff, 6);
  p[8] = 64;
  p[9] = protocol;
  addrBytes(src).copy(p, 12);
  addrBytes(dst).copy(p, 16);
  if (protocol === 1) {
    p[20] = sport;
    p[21] = dport;
  } else {
    p.writeUInt16BE(sport, 20);
    p.writeUInt16BE(dport, 22);
  }
  return p;
}

function v6(src: string, dst: string, nh: number, sport = 0, dport = 0, ext?: number): Buffer {
  const extLen = ext === undefined ? 0 : 8;
  const p = Buffer.alloc(40 + extLen + 8);
  p[0] = 0x60;
  p.writeUInt16BE(p.length - 40, 4);
  p[6] = ext ?? nh;
  p[7] = 64;
  addrBytes(src).copy(p, 8);
  addrBytes(dst).copy(p, 24);
  if (ext !== undefined) p[40] = nh; // 8-byte extension header (hdr ext len 0), or a first fragment header
  if (nh === 58) {
    p[40 + extLen] = sport;
    p[41 + extLen] = dport;
  } else {
    p.writeUInt16BE(sport, 40 + extLen);
    p.writeUInt16BE(dport, 42 + extLen);
  }
  return p;
}

const tmpl = (
  reqid: number,
  level: PolicyTemplate['level'] = 'require',
  mode: PolicyTemplate['mode'] = 'tunnel',
): PolicyTemplate =>
  mode === 'tunnel'
    ? { protocol: 'esp', mode, reqid, level, src: '192.0.2.1', dst: '192.0.2.2' }
    : { protocol: 'esp', mode, reqid, level };

function pol(
  selector: Partial<Selector>,
  priority: number,
  action: PolicySpec['action'] = 'encrypt',
  templates: PolicyTemplate[] = [tmpl(1)],
  dir: PolicySpec['dir'] = 'out',
): PolicySpec {
  return {
    selector: { src: '0.0.0.0/0', dst: '0.0.0.0/0', protocol: 0, ...selector },
    dir,
    priority,
    action,
    templates: action === 'encrypt' ? templates : [],
  };
}

const sa = (reqid: number, extra: Partial<SpdSa> = {}): SpdSa => ({
  spi: 0x100 + reqid,
  src: '192.0.2.1',
  dst: '192.0.2.2',
  mode: 'tunnel',
  reqid,
  ...extra,
});
/** An SA table: templates resolve by reqid. */
const byReqid =
  (...sas: SpdSa[]) =>
  (t: PolicyTemplate) =>
    sas.find((s) => templateMatchesSa(t, s));

describe('packetFields', () => {
  it('reads IPv4 TCP/UDP ports, ICMP type/code, and no ports for later fragments', () => {
    expect(packetFields(v4('10.0.0.1', '10.0.1.1', 6, 1234, 80))).toMatchObject({
      family: 4,
      protocol: 6,
      srcPort: 1234,
      dstPort: 80,
    });
    expect(packetFields(v4('10.0.0.1', '10.0.1.1', 1, 8, 0))).toMatchObject({ protocol: 1, srcPort: 8, dstPort: 0 });
    const frag = packetFields(v4('10.0.0.1', '10.0.1.1', 17, 1, 2, 100))!;
    expect(frag.srcPort).toBeUndefined();
    expect(packetFields(v4('10.0.0.1', '10.0.1.1', 47))!.srcPort).toBeUndefined(); // GRE: no ports
  });

  it('reads IPv6 ports, also behind a destination-options header and a first fragment header', () => {
    expect(packetFields(v6('2001:db8::1', '2001:db8:1::1', 17, 500, 4500))).toMatchObject({
      family: 6,
      protocol: 17,
      srcPort: 500,
      dstPort: 4500,
    });
    expect(packetFields(v6('2001:db8::1', '2001:db8:1::1', 6, 5, 22, 60))).toMatchObject({
      protocol: 6,
      srcPort: 5,
      dstPort: 22,
    });
    expect(packetFields(v6('2001:db8::1', '2001:db8:1::1', 6, 5, 22, 44))).toMatchObject({
      protocol: 6,
      srcPort: 5,
      dstPort: 22,
    });
    expect(packetFields(v6('2001:db8::1', '2001:db8:1::1', 58, 128, 0))).toMatchObject({
      protocol: 58,
      srcPort: 128,
      dstPort: 0,
    });
  });

  it('rejects non-IP and truncated packets', () => {
    expect(packetFields(Buffer.alloc(0))).toBeUndefined();
    expect(packetFields(Buffer.from([0x45, 0, 0]))).toBeUndefined();
    expect(packetFields(Buffer.alloc(39, 0x60))).toBeUndefined();
    expect(packetFields(Buffer.alloc(40, 0x10))).toBeUndefined();
  });
});

describe('Spd outbound lookup', () => {
  it('first match in priority order wins, whatever the installation order; ties go to the older policy', () => {
    const spd = new Spd();
    spd.install(pol({ dst: '10.0.0.0/8' }, 1002, 'encrypt', [tmpl(3)]));
    spd.install(pol({ dst: '10.1.0.0/16' }, 1000, 'encrypt', [tmpl(1)]));
    spd.install(pol({ dst: '10.1.2.0/24' }, 1001, 'discard'));
    const look = (dst: string) => spd.lookupOutbound(v4('172.16.0.1', dst, 17, 1, 2), byReqid(sa(1), sa(3)));
    // 10.1.2.3 matches all three: priority 1000 (the /16) wins although the /24 is more specific.
    const d = look('10.1.2.3');
    expect(d.verdict).toBe('encrypt');
    expect(d.verdict === 'encrypt' && d.sas.map((s) => s.reqid)).toEqual([1]);
    expect(look('10.2.0.1')).toMatchObject({ verdict: 'encrypt', sas: [{ reqid: 3 }] });
    expect(look('11.0.0.1')).toEqual({ verdict: 'no-policy' });
    expect(spd.list().map((p) => p.priority)).toEqual([1000, 1001, 1002]);

    const tie = new Spd();
    tie.install(pol({ dst: '10.0.0.0/8' }, 5, 'discard'));
    tie.install(pol({ dst: '10.1.0.0/16' }, 5, 'none'));
    expect(tie.lookupOutbound(v4('1.1.1.1', '10.1.0.1', 6, 1, 1), byReqid()).verdict).toBe('discard');
    // Replacing the older one (same selector) keeps its place.
    tie.install(pol({ dst: '10.0.0.0/8' }, 5, 'none'));
    expect(tie.list().map((p) => p.selector.dst)).toEqual(['10.0.0.0/8', '10.1.0.0/16']);
    expect(tie.list()).toHaveLength(2);
  });

  it('matches protocol, exact ports, and port ranges given as masks', () => {
    const spd = new Spd();
    spd.install(pol({ protocol: 6, dstPort: 443 }, 1, 'discard'));
    spd.install(pol({ protocol: 17, srcPort: 1024, srcPortMask: 0xfc00 }, 2, 'none')); // source ports 1024..2047
    spd.install(pol({ protocol: 1, srcPort: 8, dstPort: 0, dstPortMask: 0xffff }, 3, 'discard')); // ICMP echo request
    spd.install(pol({}, 10, 'encrypt', [tmpl(1)]));
    const v = (p: Buffer) => spd.lookupOutbound(p, byReqid(sa(1))).verdict;
    expect(v(v4('1.1.1.1', '2.2.2.2', 6, 999, 443))).toBe('discard');
    expect(v(v4('1.1.1.1', '2.2.2.2', 6, 443, 80))).toBe('encrypt');
    expect(v(v4('1.1.1.1', '2.2.2.2', 17, 999, 443))).toBe('encrypt');
    expect(v(v4('1.1.1.1', '2.2.2.2', 17, 1024, 9))).toBe('bypass');
    expect(v(v4('1.1.1.1', '2.2.2.2', 17, 2047, 9))).toBe('bypass');
    expect(v(v4('1.1.1.1', '2.2.2.2', 17, 2048, 9))).toBe('encrypt');
    expect(v(v4('1.1.1.1', '2.2.2.2', 1, 8, 0))).toBe('discard');
    expect(v(v4('1.1.1.1', '2.2.2.2', 1, 0, 0))).toBe('encrypt'); // echo reply
    // A later fragment has no ports: port policies do not match it.
    expect(v(v4('1.1.1.1', '2.2.2.2', 6, 999, 443, 10))).toBe('encrypt');
    expect(spd.stats['out-policy-blocked']).toBe(2);
  });

  it('keeps IPv4 and IPv6 apart and matches IPv6 prefixes of any length', () => {
    const spd = new Spd();
    spd.install(pol({ src: '::/0', dst: '2001:db8:0:80::/57' }, 1, 'discard'));
    spd.install(pol({ src: '::/0', dst: '::/0' }, 2, 'none'));
    spd.install(pol({}, 3, 'encrypt'));
    const v = (p: Buffer) => spd.lookupOutbound(p, byReqid(sa(1))).verdict;
    expect(v(v6('2001:db8::1', '2001:db8:0:80::1', 17))).toBe('discard');
    expect(v(v6('2001:db8::1', '2001:db8:0:ff::1', 17))).toBe('discard');
    expect(v(v6('2001:db8::1', '2001:db8:0:100::1', 17))).toBe('bypass');
    expect(v(v6('2001:db8::1', '2001:db8:0:7f::1', 17))).toBe('bypass');
    expect(v(v4('10.0.0.1', '10.0.0.2', 17))).toBe('encrypt');
    expect(() => spd.install(pol({ src: '10.0.0.0/8', dst: '::/0' }, 4))).toThrow(/families/);
  });

  it('levels: require/unique without an SA ask for an acquire, use without an SA passes in clear', () => {
    const spd = new Spd();
    spd.install(pol({ dst: '10.1.0.0/16' }, 1, 'encrypt', [tmpl(1, 'require')]));
    spd.install(pol({ dst: '10.2.0.0/16' }, 2, 'encrypt', [tmpl(2, 'unique')]));
    spd.install(pol({ dst: '10.3.0.0/16' }, 3, 'encrypt', [tmpl(3, 'use')]));
    const pkt = (dst: string) => v4('172.16.0.1', dst, 6, 1, 1);
    const none = byReqid();
    expect(spd.lookupOutbound(pkt('10.1.0.1'), none)).toMatchObject({
      verdict: 'acquire',
      template: { reqid: 1, level: 'require' },
    });
    expect(spd.lookupOutbound(pkt('10.2.0.1'), none)).toMatchObject({
      verdict: 'acquire',
      template: { reqid: 2, level: 'unique' },
    });
    expect(spd.lookupOutbound(pkt('10.3.0.1'), none)).toMatchObject({ verdict: 'pass' });
    const all = byReqid(sa(1), sa(2), sa(3));
    for (const [d, r] of [
      ['10.1.0.1', 1],
      ['10.2.0.1', 2],
      ['10.3.0.1', 3],
    ] as const)
      expect(spd.lookupOutbound(pkt(d), all)).toMatchObject({ verdict: 'encrypt', sas: [{ reqid: r }] });
    // The unique policy's reqid is its own: another reqid's SA does not serve it.
    expect(spd.lookupOutbound(pkt('10.2.0.1'), byReqid(sa(1), sa(3))).verdict).toBe('acquire');
  });

  it('templates resolve by reqid, mode and tunnel endpoints; an optional template without SA is skipped', () => {
    const t = tmpl(7);
    expect(templateMatchesSa(t, sa(7))).toBe(true);
    expect(templateMatchesSa(t, sa(8))).toBe(false);
    expect(templateMatchesSa(t, sa(7, { dst: '192.0.2.9' }))).toBe(false);
    expect(templateMatchesSa(t, sa(7, { mode: 'transport' }))).toBe(false);
    expect(templateMatchesSa({ ...t, reqid: 0 }, sa(99))).toBe(true);
    // endpoints compare as addresses, not as text
    const t6 = { ...t, src: '2001:db8::1', dst: '2001:db8:0:0::2' };
    expect(templateMatchesSa(t6, sa(7, { src: '2001:db8:0::1', dst: '2001:db8::2' }))).toBe(true);
    expect(templateMatchesSa(t6, sa(7, { src: '2001:db8::1', dst: '2001:db8::3' }))).toBe(false);
    const spd = new Spd();
    spd.install(pol({}, 1, 'encrypt', [tmpl(1, 'use', 'transport'), tmpl(2, 'require')]));
    expect(spd.lookupOutbound(v4('1.1.1.1', '2.2.2.2', 6), byReqid(sa(2)))).toMatchObject({
      verdict: 'encrypt',
      sas: [{ reqid: 2 }],
    });
    expect(spd.lookupOutbound(v4('1.1.1.1', '2.2.2.2', 6), byReqid(sa(1, { mode: 'transport' })))).toMatchObject({
      verdict: 'acquire',
      template: { reqid: 2 },
    });
  });

  it('only out policies decide outbound; remove takes a policy away; counters count matched packets', () => {
    const spd = new Spd();
    spd.install(pol({}, 1, 'discard', [], 'in'));
    spd.install(pol({}, 2, 'discard', [], 'fwd'));
    const p = v4('1.1.1.1', '2.2.2.2', 17);
    expect(spd.lookupOutbound(p, byReqid()).verdict).toBe('no-policy');
    const out = spd.install(pol({ dst: '2.2.2.2' }, 3, 'none'));
    spd.lookupOutbound(p, byReqid());
    spd.lookupOutbound(p, byReqid());
    expect(out.counters).toMatchObject({ packets: 2, bytes: 2 * p.length });
    expect(out.counters.useTime).toBeGreaterThan(0);
    // same selector spelled differently
    expect(spd.remove({ selector: { src: '0.0.0.0/0', dst: '2.2.2.2/32', protocol: 0 }, dir: 'out' })).toBe(true);
    expect(spd.lookupOutbound(p, byReqid()).verdict).toBe('no-policy');
    expect(spd.remove({ selector: { src: '0.0.0.0/0', dst: '2.2.2.2', protocol: 0 }, dir: 'out' })).toBe(false);
  });
});

describe('Spd inbound check', () => {
  const spd = new Spd();
  spd.install(
    pol(
      { src: '10.2.0.0/16', dst: '10.1.0.0/16' },
      1,
      'encrypt',
      [{ ...tmpl(1), src: '192.0.2.2', dst: '192.0.2.1' }],
      'in',
    ),
  );
  spd.install(pol({ src: '10.3.0.0/16', dst: '10.1.0.0/16' }, 2, 'encrypt', [tmpl(3, 'use', 'transport')], 'in'));
  spd.install(pol({ src: '10.4.0.0/16' }, 3, 'discard', [], 'in'));
  const inSa = sa(1, { src: '192.0.2.2', dst: '192.0.2.1' });

  it('accepts a packet through the SA its policy lists', () => {
    expect(spd.checkInbound(v4('10.2.0.5', '10.1.0.5', 6, 1, 2), inSa)).toMatchObject({
      ok: true,
      policy: { priority: 1 },
    });
  });

  it('in-template-mismatches: wrong SA for the matching policy, or clear traffic where an SA is required', () => {
    expect(
      spd.checkInbound(v4('10.2.0.5', '10.1.0.5', 6), sa(2, { src: '192.0.2.2', dst: '192.0.2.1' })),
    ).toMatchObject({ ok: false, counter: 'in-template-mismatches' });
    expect(spd.checkInbound(v4('10.2.0.5', '10.1.0.5', 6), sa(1))).toMatchObject({
      ok: false,
      counter: 'in-template-mismatches',
    }); // endpoints reversed
    expect(spd.checkInbound(v4('10.2.0.5', '10.1.0.5', 6), undefined)).toMatchObject({
      ok: false,
      counter: 'in-template-mismatches',
    });
    // level use: clear traffic is fine, and so is the transport SA it lists.
    expect(spd.checkInbound(v4('10.3.0.5', '10.1.0.5', 6), undefined).ok).toBe(true);
    expect(spd.checkInbound(v4('10.3.0.5', '10.1.0.5', 6), sa(3, { mode: 'transport' })).ok).toBe(true);
  });

  it('in-no-policies for SA traffic no policy covers; in-policy-blocked for discard; clear traffic without policy passes', () => {
    expect(spd.checkInbound(v4('10.9.0.5', '10.1.0.5', 6), inSa)).toMatchObject({
      ok: false,
      counter: 'in-no-policies',
    });
    expect(spd.checkInbound(v4('10.9.0.5', '10.1.0.5', 6), undefined)).toEqual({ ok: true });
    expect(spd.checkInbound(v4('10.4.0.5', '10.1.0.5', 6), undefined)).toMatchObject({
      ok: false,
      counter: 'in-policy-blocked',
    });
    expect(spd.checkInbound(Buffer.from([0x45]), inSa)).toMatchObject({ ok: false, counter: 'in-header-errors' });
    expect(spd.stats).toMatchObject({
      'in-template-mismatches': 3,
      'in-no-policies': 1,
      'in-policy-blocked': 1,
      'in-header-errors': 1,
    });
  });

  it('a bypass (action none) inbound policy takes clear packets only', () => {
    const own = new Spd();
    own.install(pol({ src: '10.5.0.0/16' }, 1, 'none', [], 'in'));
    expect(own.checkInbound(v4('10.5.0.5', '10.1.0.5', 6), undefined)).toMatchObject({
      ok: true,
      policy: { action: 'none' },
    });
    expect(own.checkInbound(v4('10.5.0.5', '10.1.0.5', 6), inSa)).toMatchObject({
      ok: false,
      counter: 'in-template-mismatches',
    });
  });
});

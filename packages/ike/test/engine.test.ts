import { formatTsRange } from '../src/ts.ts';
import { describe, expect, it } from 'vitest';
import type { IkeEngine, InstallSaAction, SendAction } from '../src/index.ts';
import { hex } from '../src/util/bytes.ts';
import { A, B, configs, pair } from './world.ts';

function expectMatchingChild(ia: InstallSaAction, ib: InstallSaAction) {
  expect(ia.outbound.spi).toBe(ib.inbound.spi);
  expect(ia.inbound.spi).toBe(ib.outbound.spi);
  expect(hex(ia.outbound.encKey)).toBe(hex(ib.inbound.encKey));
  expect(hex(ia.inbound.encKey)).toBe(hex(ib.outbound.encKey));
  expect(hex(ia.outbound.integKey ?? new Uint8Array())).toBe(hex(ib.inbound.integKey ?? new Uint8Array()));
  expect(hex(ia.inbound.integKey ?? new Uint8Array())).toBe(hex(ib.outbound.integKey ?? new Uint8Array()));
  expect(hex(ia.outbound.encKey)).not.toBe(hex(ia.inbound.encKey));
}

describe('engine to engine', () => {
  it('IKE_SA_INIT + IKE_AUTH with PSK: both ends ESTABLISHED with matching CHILD_SA keys, narrowed selectors', () => {
    const n = pair();
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
    expect(n.b.list()[0]?.state).toBe('established');
    const [ia] = n.installs('a');
    const [ib] = n.installs('b');
    expect(ia && ib).toBeTruthy();
    expectMatchingChild(ia!, ib!);
    expect(ia!.outbound.encKey.length).toBe(32);
    expect(ia!.outbound.integKey?.length).toBe(32);
    expect(ia!.mode).toBe('tunnel');
    // B only allows 10.2.0.0/24 on its side: narrowed from A's 10.2.0.0/16.
    expect(ia!.tsRemote.map(formatTsRange)).toEqual(['10.2.0.0-10.2.0.255']);
    expect(ib!.tsLocal.map(formatTsRange)).toEqual(['10.2.0.0-10.2.0.255']);
    expect(ia!.tsLocal.map(formatTsRange)).toEqual(['10.1.0.0-10.1.255.255']);
    expect(ia!.outbound.src).toBe(A.address);
    const sends = n.log.filter((l) => l.action.type === 'send');
    expect(sends.length).toBe(4);
  });

  it('delete-child removes one CHILD_SA on both sides and keeps the IKE SA; initiate then negotiates the missing CHILD_SA over it', () => {
    const n = pair();
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const ike = n.a.list()[0]!;
    const child = ike.children[0]!.id;
    n.deliver('a', n.a.command({ type: 'delete-child', ikeSa: ike.id, child }));
    expect(n.a.list()[0]?.children).toEqual([]);
    expect(n.b.list()[0]?.children).toEqual([]);
    expect(
      n.log
        .filter((l) => l.action.type === 'deleteSa')
        .map((l) => l.side)
        .sort(),
    ).toEqual(['a', 'b']);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()).toHaveLength(1); // the same IKE SA
    expect(n.a.list()[0]?.id).toBe(ike.id);
    expect(n.a.list()[0]?.children).toHaveLength(1);
    expect(n.b.list()[0]?.children).toHaveLength(1);
    expect(n.installs('a')).toHaveLength(2);
    // asked again while nothing is missing: nothing happens
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('a')).toHaveLength(2);
  });

  it("two passive peers on the same address: the initiator's identity picks the peer (one for another client, one for it)", () => {
    const cfg = configs();
    cfg.b.peers = [
      { name: 'others', address: '0.0.0.0/0', 'exchange-mode': 'ike2', profile: 'p', passive: true },
      ...cfg.b.peers,
    ];
    cfg.b.identities = [
      {
        peer: 'others',
        'auth-method': 'pre-shared-key',
        secret: 'another secret',
        'my-id': 'fqdn:b.example',
        'remote-id': 'fqdn:z.example',
      },
      ...cfg.b.identities!,
    ];
    cfg.b.policies = [...cfg.b.policies!];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
    expect(n.b.list()[0]).toMatchObject({ state: 'established', peer: 'from-a' });
    expect(n.events('b').some((e) => e.includes('belongs to peer from-a: switching from others'))).toBe(true);
    expect(n.installs('b')).toHaveLength(1);
  });

  it('two passive peers on the same address with remote-id auto: the PSK that verifies the AUTH picks the peer', () => {
    const cfg = configs();
    const auto = { 'auth-method': 'pre-shared-key' as const, 'my-id': 'fqdn:b.example', 'remote-id': 'auto' };
    cfg.b.peers = [
      { name: 'first', address: '0.0.0.0/0', 'exchange-mode': 'ike2', profile: 'p', passive: true },
      { ...cfg.b.peers[0]!, name: 'second' },
    ];
    cfg.b.identities = [
      { ...auto, peer: 'first', secret: 'the first setup' },
      { ...auto, peer: 'second', secret: 'correct horse' },
    ];
    cfg.b.policies = [{ ...cfg.b.policies![0]!, peer: 'second' }];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.b.list()[0]).toMatchObject({ state: 'established', peer: 'second' });
    // a client with neither secret is refused, as before
    cfg.a.identities = [{ ...cfg.a.identities![0]!, secret: 'wrong' }];
    const m = pair(cfg);
    m.deliver('a', m.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(m.b.list().filter((x) => x.state === 'established')).toEqual([]);
    expect(
      m
        .events('b')
        .some(
          (e) =>
            e.includes('AUTHENTICATION_FAILED') || e.includes('authentication failed') || e.includes('does not verify'),
        ),
    ).toBe(true);
  });

  for (const forced of ['a', 'b'] as const) {
    it(
      `forceEncap on ${forced === 'a' ? 'the initiator' : 'the responder'} only: both float to 4500 and both ` +
        `CHILD_SAs carry UDP encapsulation`,
      () => {
        const n = pair(configs(), { [forced]: { forceEncap: true } });
        n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
        expect(n.a.list()[0]?.state).toBe('established');
        const [ia] = n.installs('a');
        const [ib] = n.installs('b');
        expect(ia?.encap).toEqual({ localPort: 4500, remotePort: 4500 });
        expect(ib?.encap).toEqual({ localPort: 4500, remotePort: 4500 });
        // the forcing side believes itself behind a NAT: it keeps the (pretend) mapping open with keepalives
        n.advance(1_000); // schedules the first keepalive 20 s later
        const before = n.log.length;
        n.advance(21_000);
        const keepalives = n.log
          .slice(before)
          .filter((l) => l.action.type === 'send' && (l.action as SendAction).data.length === 1);
        expect(keepalives.map((l) => l.side)).toEqual([forced]);
      },
    );
  }

  for (const [enc, esp, dh] of [
    ['aes-128-gcm', 'aes-256-gcm', 'curve25519'],
    ['chacha20poly1305', 'chacha20poly1305', 'modp2048'],
    ['aes-192-ctr', 'aes-128-ctr', 'ecp384'],
    ['3des', '3des', 'modp1024'],
  ] as const) {
    it(`negotiates ${enc} / ESP ${esp} / ${dh}`, () => {
      const auth = esp.includes('gcm') || esp.includes('chacha') ? ['null'] : ['sha1'];
      const n = pair(
        configs({
          profile: { 'enc-algorithm': [enc], 'dh-group': [dh] },
          proposal: { 'enc-algorithms': [esp], 'auth-algorithms': auth },
        }),
      );
      n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
      expect(n.a.list()[0]?.state).toBe('established');
      const [ia] = n.installs('a');
      const [ib] = n.installs('b');
      expectMatchingChild(ia!, ib!);
      expect(ia!.outbound.encAlgorithm).toBe(esp);
    });
  }

  it('INVALID_KE_PAYLOAD: the initiator retries with the group the responder asks for', () => {
    const cfg = configs();
    cfg.a.profiles = [
      {
        name: 'p',
        'hash-algorithm': 'sha256',
        'enc-algorithm': ['aes-256'],
        'dh-group': ['modp2048', 'ecp256'],
        'dpd-interval': 'disable-dpd',
      },
    ];
    cfg.b.profiles = [
      {
        name: 'p',
        'hash-algorithm': 'sha256',
        'enc-algorithm': ['aes-256'],
        'dh-group': ['ecp256'],
        'dpd-interval': 'disable-dpd',
      },
    ];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.events('a').some((e) => e.includes('wants DH group ecp256'))).toBe(true);
    expect(n.a.list()[0]?.state).toBe('established');
    expect(n.b.list()[0]?.state).toBe('established');
    expectMatchingChild(n.installs('a')[0]!, n.installs('b')[0]!);
  });

  it('wrong PSK: AUTHENTICATION_FAILED, nothing installed, both sides clean up', () => {
    const n = pair(configs({ secretB: 'wrong' }));
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('a').length + n.installs('b').length).toBe(0);
    expect(n.a.list()).toEqual([]);
    expect(n.b.list()).toEqual([]);
    expect(n.events('a').some((e) => e.includes('AUTHENTICATION_FAILED'))).toBe(true);
  });

  it('no common proposal: NO_PROPOSAL_CHOSEN', () => {
    const cfg = configs();
    cfg.b.profiles = [{ name: 'p', 'hash-algorithm': 'sha1', 'enc-algorithm': ['aes-128'], 'dh-group': ['modp2048'] }];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()).toEqual([]);
    expect(n.events('a').some((e) => e.includes('NO_PROPOSAL_CHOSEN'))).toBe(true);
    // the responder says why, as in the manual's FAQ: which transform type, ours : the peer's
    expect(n.events('b').some((e) => e.includes('no suitable proposal found'))).toBe(true);
    expect(n.events('b').some((e) => /rejected \w+: ours = .* : peer = /.test(e))).toBe(true);
  });

  it('no common ESP proposal: the CHILD_SA is refused and the responder says which transform', () => {
    const cfg = configs();
    cfg.b.proposals = (cfg.b.proposals ?? []).map((p) => ({
      ...p,
      'enc-algorithms': ['3des'],
      'auth-algorithms': ['md5'],
    }));
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('a')).toEqual([]);
    const b = n.events('b');
    expect(b.some((e) => e.includes('no suitable proposal found'))).toBe(true);
    expect(b.some((e) => /rejected encryption: ours = 3des : peer = /.test(e))).toBe(true);
    // The initiator's Log names the notify and what it offered.
    expect(
      n
        .events('a')
        .some((e) =>
          /peer refused the CHILD_SA: NO_PROPOSAL_CHOSEN \(14\); we offered encryption=aes-256-cbc integrity=sha256/.test(
            e,
          ),
        ),
    ).toBe(true);
  });

  it('refused CHILD_SA offers hold no ESP SPI on either side; installed ones do until deleted', () => {
    const cfg = configs();
    cfg.b.proposals = (cfg.b.proposals ?? []).map((p) => ({
      ...p,
      'enc-algorithms': ['3des'],
      'auth-algorithms': ['md5'],
    }));
    const n = pair(cfg);
    const taken = (e: IkeEngine) => (e as unknown as { espSpis: Set<number> }).espSpis.size;
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
    for (let i = 0; i < 20; i++) n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' })); // CREATE_CHILD_SA, refused each time
    expect(n.events('b').filter((e) => e.includes("we refused the peer's CREATE_CHILD_SA: "))).toHaveLength(20);
    expect([taken(n.a), taken(n.b)]).toEqual([0, 0]);
    const ok = pair();
    ok.deliver('a', ok.a.command({ type: 'initiate', peer: 'to-b' }));
    expect([taken(ok.a), taken(ok.b)]).toEqual([1, 1]);
    const sa = ok.a.list()[0]!;
    ok.deliver('a', ok.a.command({ type: 'delete-child', ikeSa: sa.id, child: sa.children[0]!.id }));
    expect([taken(ok.a), taken(ok.b)]).toEqual([0, 0]);
  });

  it('disjoint selectors: IKE SA up, CHILD_SA refused with TS_UNACCEPTABLE', () => {
    const cfg = configs();
    cfg.b.policies = [
      { peer: 'from-a', tunnel: true, 'src-address': '172.16.0.0/24', 'dst-address': '10.1.0.0/16', proposal: 'esp' },
    ];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
    expect(n.installs('a')).toEqual([]);
    // Both sides of the mismatch, each in the Log of the side that has it: what we offered, what they refused.
    expect(
      n.events('a').some((e) => /TS_UNACCEPTABLE \(38\); we offered TSi 10\.1\.0\.0.* TSr 10\.2\.0\.0/.test(e)),
    ).toBe(true);
    expect(
      n
        .events('b')
        .some((e) =>
          /we refused the peer's traffic selectors TSi 10\.1\.0\.0.*TS_UNACCEPTABLE \(38\); our policies \(ours === peer's\): 172\.16\.0\.0\/24 === 10\.1\.0\.0\/16/.test(
            e,
          ),
        ),
    ).toBe(true);
  });

  it('retransmits lost requests with backoff; the responder answers duplicates from its cache', () => {
    // Drop the first IKE_AUTH request (3rd datagram), and the first IKE_AUTH response (5th).
    const n = pair(configs(), { drop: (_s, i) => i === 2 || i === 4 });
    const first = n.a.command({ type: 'initiate', peer: 'to-b' });
    n.deliver('a', first);
    expect(n.a.list()[0]?.state).toBe('auth-sent');
    const timer = first[first.length - 1];
    expect(timer).toEqual({ type: 'nextTimer', at: n.clock.t + 4000 });
    n.advance(3999);
    expect(n.a.list()[0]?.state).toBe('auth-sent');
    n.advance(1); // retransmission 1 reaches B, whose response is dropped
    expect(n.b.list()[0]?.state).toBe('established');
    expect(n.a.list()[0]?.state).toBe('auth-sent');
    n.advance(4000 * 1.8 - 1);
    expect(n.a.list()[0]?.state).toBe('auth-sent');
    n.advance(1); // retransmission 2: B resends its cached response
    expect(n.a.list()[0]?.state).toBe('established');
    expect(n.events('b').some((e) => e.includes('resending our response'))).toBe(true);
    expect(n.installs('b').length).toBe(1);
    expectMatchingChild(n.installs('a')[0]!, n.installs('b')[0]!);
  });

  it('gives up after the configured retransmissions', () => {
    const n = pair(configs(), { drop: () => true });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    for (let i = 0; i < 10; i++) n.advance(200_000);
    expect(n.a.list()).toEqual([]);
    expect(n.events('a').some((e) => e.includes('no response after 5 retransmissions'))).toBe(true);
  });

  it('drops requests with unexpected message IDs and replayed responses', () => {
    const n = pair();
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const authReq = n.log.filter((l) => l.side === 'a' && l.action.type === 'send')[1]!.action as SendAction;
    const before = n.log.length;
    // A replayed IKE_AUTH request (message ID 1) gets the cached response, not a second CHILD_SA.
    n.deliver('b', n.b.datagram({ from: authReq.from, to: authReq.to, data: authReq.data }));
    expect(n.installs('b').length).toBe(1);
    expect(n.log.length).toBeGreaterThan(before);
    expect(n.a.list()[0]?.state).toBe('established');
  });

  it('DPD, CHILD_SA rekey with PFS, delete of IKE SA', () => {
    const n = pair(configs({ profile: { 'dpd-interval': 30 }, proposal: { 'pfs-group': 'ecp256', lifetime: 600 } }));
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    n.advance(30_000);
    expect(n.a.list()[0]?.state).toBe('established');
    expect(
      n.log.some((l) => l.side === 'a' && l.action.type === 'event' && l.action.message.includes('liveness')),
    ).toBe(false);
    // rekey at 90% of 600 s
    n.advance(540_000);
    const ia = n.installs('a');
    const ib = n.installs('b');
    expect(ia.length).toBe(2);
    expect(ib.length).toBe(2);
    expectMatchingChild(ia[1]!, ib[1]!);
    expect(ia[1]!.replaces).toBe(ia[0]!.child);
    expect(n.a.list()[0]?.children.length).toBe(1);
    expect(n.b.list()[0]?.children.length).toBe(1);
    expect(n.a.list()[0]?.children[0]?.spiIn).toBe(ia[1]!.inbound.spi);
    n.deliver('a', n.a.command({ type: 'terminate', peer: 'to-b' }));
    expect(n.a.list()).toEqual([]);
    expect(n.b.list()).toEqual([]);
    expect(n.log.filter((l) => l.action.type === 'deleteSa').length).toBe(4);
  });

  it('a silent peer is declared dead by DPD', () => {
    let cut = false;
    const n = pair(configs({ profile: { 'dpd-interval': 10 } }), { drop: () => cut });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    cut = true;
    for (let i = 0; i < 40; i++) n.advance(10_000);
    expect(n.a.list()).toEqual([]);
    expect(n.events('a').some((e) => e.includes('considered dead'))).toBe(true);
  });

  it('dpd-maximum-failures counts unanswered checks: 3 failures at 10 s = 3 checks, dead 40 s after the last word', () => {
    let cut = false;
    const n = pair(configs({ profile: { 'dpd-interval': 10, 'dpd-maximum-failures': 3 } }), { drop: () => cut });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const start = n.clock.t;
    const sentBefore = n.log.filter((l) => l.side === 'a' && l.action.type === 'send').length;
    cut = true;
    let deadAfter = 0;
    for (let s = 1; s <= 60 && !deadAfter; s++) {
      n.advance(1000);
      if (n.a.list().length === 0) deadAfter = n.clock.t - start;
    }
    expect(deadAfter).toBe(40_000);
    expect(n.log.filter((l) => l.side === 'a' && l.action.type === 'send').length - sentBefore).toBe(3);
  });

  it('NAT detection floats to port 4500 with the non-ESP marker, and the NATed side sends keepalives', () => {
    const n = pair();
    // Pretend A sits behind a NAT: B sees A's packets from another address.
    const natted = { address: '203.0.113.9', port: 31000 };
    const origDeliver = n.deliver;
    void origDeliver;
    const acts = n.a.command({ type: 'initiate', peer: 'to-b' });
    const init = acts.find((x) => x.type === 'send') as SendAction;
    const resp = n.b.datagram({ from: natted, to: B, data: init.data });
    const r = resp.find((x) => x.type === 'send') as SendAction;
    const next = n.a.datagram({ from: B, to: A, data: r.data });
    const auth = next.find((x) => x.type === 'send') as SendAction;
    expect(auth.to.port).toBe(4500);
    expect(auth.from.port).toBe(4500);
    expect(hex(auth.data.subarray(0, 4))).toBe('00000000');
    const resp2 = n.b.datagram({
      from: { address: natted.address, port: 31001 },
      to: { address: B.address, port: 4500 },
      data: auth.data,
    });
    const r2 = resp2.find((x) => x.type === 'send') as SendAction;
    expect(r2.to).toEqual({ address: natted.address, port: 31001 });
    const inst = resp2.find((x) => x.type === 'installSa') as InstallSaAction;
    expect(inst.encap).toEqual({ localPort: 4500, remotePort: 31001 });
    n.a.datagram({ from: { address: B.address, port: 4500 }, to: { address: A.address, port: 4500 }, data: r2.data });
    expect(n.a.list()[0]?.state).toBe('established');

    // Behind the NAT, A keeps the mapping open: a 1-byte 0xFF to B's NAT-T port every 20 s (RFC 3948).
    const keepalives = (at: number) =>
      n.a.tick(at).filter((x): x is SendAction => x.type === 'send' && x.data.length === 1);
    n.clock.t += 1_000;
    expect(keepalives(n.clock.t)).toEqual([]); // the first one is due 20 s after establishment
    n.clock.t += 20_000;
    const [k] = keepalives(n.clock.t);
    expect(k).toMatchObject({ to: { address: B.address, port: 4500 }, from: { port: 4500 } });
    expect([...k!.data]).toEqual([0xff]);
    n.clock.t += 20_000;
    expect(keepalives(n.clock.t)).toHaveLength(1);
    // B is not behind a NAT: it sends none.
    expect(n.b.tick(n.clock.t).some((x) => x.type === 'send' && x.data.length === 1)).toBe(false);
  });
});

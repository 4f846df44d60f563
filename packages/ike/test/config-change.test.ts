// Configuration changes reaching established IKE SAs (issue #14 point 4), engine to engine on the manual clock:
// policies added and removed, proposals at the next rekey, identities re-authenticating, passive peers on ACQUIRE.
import { describe, expect, it } from 'vitest';
import type { IkeConfig, PolicyConfig } from '../src/index.ts';
import { configs, pair } from './world.ts';

const SECOND_A: PolicyConfig = {
  peer: 'to-b',
  tunnel: true,
  'src-address': '10.1.0.0/16',
  'dst-address': '10.3.0.0/16',
  proposal: 'esp',
};
const SECOND_B: PolicyConfig = {
  peer: 'from-a',
  tunnel: true,
  'src-address': '10.3.0.0/16',
  'dst-address': '10.1.0.0/16',
  proposal: 'esp',
};
const withPolicy = (c: IkeConfig, p: PolicyConfig): IkeConfig => ({ ...c, policies: [...(c.policies ?? []), p] });
const children = (e: { list(): { children: { tsRemote: string[] }[] }[] }) =>
  e.list().flatMap((s) => s.children.map((c) => c.tsRemote.join(',').split('-')[0]!)); // first remote address

function up() {
  const cfg = configs();
  const n = pair(cfg);
  n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
  expect(n.a.list().map((s) => s.state)).toEqual(['established']);
  return { n, cfg };
}

describe('config changes on live SAs', () => {
  it('a policy added while the IKE SA is up gets its CHILD_SA at once (non-passive), on the same IKE SA', () => {
    const { n, cfg } = up();
    const ike = n.a.list()[0]!.id;
    n.deliver('b', n.b.setConfig(withPolicy(cfg.b, SECOND_B))); // passive: waits
    expect(children(n.b)).toHaveLength(1);
    n.deliver('a', n.a.setConfig(withPolicy(cfg.a, SECOND_A)));
    expect(children(n.a).sort()).toEqual(['10.2.0.0', '10.3.0.0']);
    expect(children(n.b).sort()).toEqual(['10.1.0.0', '10.1.0.0']);
    expect(n.a.list().map((s) => s.id)).toEqual([ike]);
    expect(n.installs('a').at(-1)).toMatchObject({ tsRemote: [{ start: '10.3.0.0' }] });
  });

  it('a removed policy deletes its CHILD_SA on both sides; the others stay', () => {
    const { n, cfg } = up();
    n.deliver('b', n.b.setConfig(withPolicy(cfg.b, SECOND_B)));
    n.deliver('a', n.a.setConfig(withPolicy(cfg.a, SECOND_A)));
    expect(children(n.a)).toHaveLength(2);
    n.deliver('a', n.a.setConfig({ ...cfg.a, policies: [SECOND_A] }));
    expect(children(n.a)).toEqual(['10.3.0.0']);
    expect(children(n.b)).toHaveLength(1);
    expect(n.events('a').some((m) => /10\.1\.0\.0\/16 -> 10\.2\.0\.0\/16 removed or changed/.test(m))).toBe(true);
    // and it is not negotiated again
    n.advance(60_000);
    expect(children(n.a)).toEqual(['10.3.0.0']);
  });

  it('a changed proposal applies at the next rekey, not before', () => {
    const { n, cfg } = up();
    const installs = n.installs('a').length;
    const aes128 = (c: IkeConfig): IkeConfig => ({
      ...c,
      proposals: [{ ...c.proposals![0]!, 'enc-algorithms': ['aes-128-cbc'] }],
    });
    n.deliver('b', n.b.setConfig(aes128(cfg.b)));
    n.deliver('a', n.a.setConfig(aes128(cfg.a)));
    expect(n.installs('a')).toHaveLength(installs); // nothing renegotiated yet
    const sa = n.a.list()[0]!;
    n.deliver('a', n.a.command({ type: 'rekey-child', ikeSa: sa.id, child: sa.children[0]!.id }));
    const last = n.installs('a').at(-1)!;
    expect(last.replaces).toBe(sa.children[0]!.id);
    expect(last.outbound.encAlgorithm).toBe('aes-128-cbc');
  });

  it('a changed identity re-authenticates: a new IKE SA, its CHILD_SA again', () => {
    const { n, cfg } = up();
    const old = n.a.list()[0]!.id;
    n.deliver('a', n.a.setConfig({ ...cfg.a, identities: [{ ...cfg.a.identities![0]!, 'remote-id': 'auto' }] }));
    const now = n.a.list();
    expect(now.map((s) => s.state)).toEqual(['established']);
    expect(now[0]!.id).not.toBe(old);
    expect(now[0]!.children).toHaveLength(1);
    expect(n.b.list().map((s) => s.state)).toEqual(['established']);
    expect(n.events('a').some((m) => /identity of peer to-b changed: re-authenticating/.test(m))).toBe(true);
  });

  it('a passive side negotiates a new policy on ACQUIRE (initiate on the IKE SA that is up)', () => {
    const { n, cfg } = up();
    const passiveA: IkeConfig = { ...cfg.a, peers: [{ ...cfg.a.peers[0]!, passive: true }] };
    n.deliver('a', n.a.setConfig(withPolicy(passiveA, SECOND_A)));
    n.deliver('b', n.b.setConfig(withPolicy(cfg.b, SECOND_B)));
    expect(children(n.b)).toHaveLength(1);
    n.deliver('b', n.b.command({ type: 'initiate', peer: 'from-a' }));
    expect(children(n.b)).toHaveLength(2);
    expect(children(n.a).sort()).toEqual(['10.2.0.0', '10.3.0.0']);
  });

  it('a removed peer takes its IKE SA', () => {
    const { n, cfg } = up();
    n.deliver('a', n.a.setConfig({ ...cfg.a, peers: [] }));
    expect(n.a.list()).toEqual([]);
    expect(n.b.list()).toEqual([]);
  });
});

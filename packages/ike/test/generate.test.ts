// generate-policy (templates, narrowing, mode config), identity choice among several of one peer, proposal-check.
import { formatTsRange } from '../src/ts.ts';
import { describe, expect, it } from 'vitest';
import type { Action, IkeConfig, PolicyAddedAction, PolicyRemovedAction } from '../src/index.ts';
import { ok } from '@ipsec/schema';
import { phase2Lifetime } from '../src/index.ts';
import { rangeText } from '../src/exchanges/generate-policy.ts';
import { configs, pair } from './world.ts';

const added = (log: { side: string; action: Action }[], side: 'a' | 'b') =>
  log.filter((l) => l.side === side && l.action.type === 'policyAdded').map((l) => l.action as PolicyAddedAction);
const removed = (log: { side: string; action: Action }[], side: 'a' | 'b') =>
  log.filter((l) => l.side === side && l.action.type === 'policyRemoved').map((l) => l.action as PolicyRemovedAction);

/** A road warrior (A, request-only, 0.0.0.0/0 -> dst) against B (passive, generate-policy, mode config 10.99.0.7). */
function roadWarrior(
  opts: {
    mode?: 'port-strict' | 'port-override';
    templates?: IkeConfig['policies'];
    aPolicy?: object;
    group?: string;
  } = {},
) {
  const cfg = configs();
  cfg.a.identities = [{ ...cfg.a.identities![0]!, 'mode-config': 'request-only' }];
  cfg.a.policies = [
    {
      peer: 'to-b',
      tunnel: true,
      'src-address': '0.0.0.0/0',
      'dst-address': '10.2.0.0/16',
      proposal: 'esp',
      ...opts.aPolicy,
    },
  ];
  cfg.b.identities = [
    {
      ...cfg.b.identities![0]!,
      'mode-config': 'rw',
      'generate-policy': opts.mode ?? 'port-strict',
      'policy-template-group': opts.group ?? 'rw-group',
    },
  ];
  cfg.b.policies = opts.templates ?? [
    {
      peer: '',
      template: true,
      group: 'rw-group',
      'src-address': '10.2.0.0/24',
      'dst-address': '10.99.0.0/24',
      protocol: 'all',
      proposal: 'esp',
      level: 'unique',
    },
  ];
  cfg.b.modeConfigs = [{ name: 'rw', responder: true, address: '10.99.0.7' }];
  return cfg;
}

describe('generate-policy', () => {
  it(
    'port-strict: TSi narrowed to the mode config address, TSr to the template; policyAdded before installSa; ' +
      'gone with the IKE SA',
    () => {
      const n = pair(roadWarrior());
      n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
      const [ia] = n.installs('a');
      expect(ia!.tsLocal.map(formatTsRange)).toEqual(['10.99.0.7-10.99.0.7']);
      expect(ia!.tsRemote.map(formatTsRange)).toEqual(['10.2.0.0-10.2.0.255']);
      const [p] = added(n.log, 'b');
      expect(p).toMatchObject({
        srcAddress: '10.2.0.0/24',
        dstAddress: '10.99.0.7/32',
        srcPort: 'any',
        dstPort: 'any',
        protocol: 'all',
        tunnel: true,
        level: 'unique',
        proposal: 'esp',
        group: 'rw-group',
        saSrc: '198.51.100.2',
        saDst: '192.0.2.1',
      });
      const ib = n.installs('b')[0]!;
      expect(ib.generatedPolicies).toEqual([p!.policy]);
      const bLog = n.log.filter((l) => l.side === 'b').map((l) => l.action.type);
      expect(bLog.indexOf('policyAdded')).toBeLessThan(bLog.indexOf('installSa'));
      expect(added(n.log, 'a')).toEqual([]);
      n.deliver('a', n.a.command({ type: 'terminate', peer: 'to-b' }));
      expect(removed(n.log, 'b').map((r) => r.policy)).toEqual([p!.policy]);
      expect(n.b.list()).toEqual([]);
    },
  );

  it('the generated policy survives CHILD_SA and IKE SA rekeys from either side, and is removed once', () => {
    const n = pair(roadWarrior());
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    const [p] = added(n.log, 'b');
    const saB = n.b.list()[0]!;
    n.deliver('b', n.b.command({ type: 'rekey-child', ikeSa: saB.id, child: saB.children[0]!.id }));
    const saA = n.a.list()[0]!;
    n.deliver('a', n.a.command({ type: 'rekey-child', ikeSa: saA.id, child: saA.children[0]!.id }));
    n.deliver('a', n.a.command({ type: 'rekey-ike', ikeSa: saA.id }));
    expect(n.b.list().filter((s) => s.state === 'established')[0]!.children).toHaveLength(1);
    expect(added(n.log, 'b')).toHaveLength(1);
    expect(removed(n.log, 'b')).toEqual([]);
    expect(n.installs('b').every((i) => i.generatedPolicies?.[0] === p!.policy)).toBe(true);
    expect(n.installs('a').at(-1)!.tsLocal.map(formatTsRange)).toEqual(['10.99.0.7-10.99.0.7']);
    n.deliver('b', n.b.command({ type: 'terminate' }));
    expect(removed(n.log, 'b').map((r) => r.policy)).toEqual([p!.policy]);
  });

  it('a second CHILD_SA for the same selectors shares the generated policy; it goes with the last one', () => {
    const cfg = roadWarrior();
    cfg.a.policies!.push({ ...cfg.a.policies![0]! });
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.b.list()[0]!.children).toHaveLength(2);
    expect(added(n.log, 'b')).toHaveLength(1);
    const [p] = added(n.log, 'b');
    expect(n.installs('b').map((i) => i.generatedPolicies)).toEqual([[p!.policy], [p!.policy]]);
    n.deliver('a', n.a.command({ type: 'terminate', peer: 'to-b' }));
    expect(removed(n.log, 'b')).toHaveLength(1);
  });

  it('port-strict keeps the peer ports and checks them against the template; port-override shows any', () => {
    const tpl = (port: number | 'any') => [
      {
        peer: '',
        template: true,
        group: 'rw-group',
        'src-address': '10.2.0.0/24',
        'src-port': port,
        'dst-address': '10.99.0.0/24',
        protocol: 'udp',
        proposal: 'esp',
      },
    ];
    const strict = pair(roadWarrior({ templates: tpl(1701), aPolicy: { protocol: 'udp', 'dst-port': 1701 } }));
    strict.deliver('a', strict.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(added(strict.log, 'b')[0]).toMatchObject({ srcPort: 1701, dstPort: 'any', protocol: 'udp' });
    expect(strict.installs('a')[0]!.tsRemote.map(formatTsRange)).toEqual(['10.2.0.0-10.2.0.255/17[1701]']);

    const wrongPort = pair(roadWarrior({ templates: tpl(1701), aPolicy: { protocol: 'udp', 'dst-port': 500 } }));
    wrongPort.deliver('a', wrongPort.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(wrongPort.installs('a')).toEqual([]);
    expect(wrongPort.events('b').some((e) => e.includes('no template of policy-template-group=rw-group'))).toBe(true);

    const override = pair(
      roadWarrior({ mode: 'port-override', templates: tpl(1701), aPolicy: { protocol: 'udp', 'dst-port': 500 } }),
    );
    override.deliver('a', override.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(added(override.log, 'b')[0]).toMatchObject({ srcPort: 'any', dstPort: 'any', protocol: 'udp' });
    expect(override.installs('a')[0]!.tsRemote.map(formatTsRange)).toEqual(['10.2.0.0-10.2.0.255/17[500]']);
  });

  it('no matching template: TS_UNACCEPTABLE and a log line naming the group; protocol must be all or equal', () => {
    const n = pair(
      roadWarrior({
        templates: [
          {
            peer: '',
            template: true,
            group: 'rw-group',
            'src-address': '10.3.0.0/24',
            'dst-address': '10.99.0.0/24',
            proposal: 'esp',
          },
        ],
      }),
    );
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]!.state).toBe('established');
    expect(n.installs('a')).toEqual([]);
    expect(n.events('a').some((e) => e.includes('TS_UNACCEPTABLE (38); we offered TSi '))).toBe(true);
    expect(n.events('b').some((e) => e.includes('policy-template-group=rw-group'))).toBe(true);
    expect(added(n.log, 'b')).toEqual([]);

    const gre = pair(
      roadWarrior({
        templates: [
          {
            peer: '',
            template: true,
            group: 'rw-group',
            'src-address': '10.2.0.0/24',
            'dst-address': '10.99.0.0/24',
            protocol: 'gre',
            proposal: 'esp',
          },
        ],
        aPolicy: { protocol: 'tcp' },
      }),
    );
    gre.deliver('a', gre.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(gre.installs('a')).toEqual([]);
    // A template in another group does not count; neither does group none.
    const other = pair(roadWarrior({ group: 'none' }));
    other.deliver('a', other.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(other.installs('a')).toEqual([]);
  });

  it('the built-in ::/0 template of group default matches IPv4; generate-policy=no never generates', () => {
    const any = [
      {
        peer: '',
        template: true,
        group: 'default',
        'src-address': '::/0',
        'dst-address': '::/0',
        protocol: 'all',
        proposal: 'esp',
      },
    ];
    const n = pair(roadWarrior({ templates: any, group: 'default' }));
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(added(n.log, 'b')[0]).toMatchObject({ srcAddress: '10.2.0.0/16', dstAddress: '10.99.0.7/32' });
    const cfg = roadWarrior({ templates: any, group: 'default' });
    cfg.b.identities = [{ ...cfg.b.identities![0]!, 'generate-policy': 'no' }];
    const off = pair(cfg);
    off.deliver('a', off.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(off.installs('a')).toEqual([]);
  });

  it('static policies of the peer come first', () => {
    const cfg = roadWarrior();
    cfg.b.policies!.push({
      peer: 'from-a',
      tunnel: true,
      'src-address': '10.2.0.0/16',
      'dst-address': '10.99.0.0/24',
      proposal: 'esp',
      id: 42,
    });
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(added(n.log, 'b')).toEqual([]);
    expect(n.installs('b')[0]!.policyId).toBe(42);
  });

  it('transport mode request (L2TP style) generates a transport policy', () => {
    const cfg = roadWarrior({
      templates: [
        {
          peer: '',
          template: true,
          group: 'rw-group',
          'src-address': '198.51.100.2/32',
          'dst-address': '0.0.0.0/0',
          protocol: 'udp',
          proposal: 'esp',
        },
      ],
    });
    cfg.a.identities = [{ ...cfg.a.identities![0]!, 'mode-config': 'none' }];
    cfg.b.identities = [{ ...cfg.b.identities![0]!, 'mode-config': 'none' }];
    cfg.a.policies = [
      {
        peer: 'to-b',
        tunnel: false,
        'src-address': '192.0.2.1/32',
        'dst-address': '198.51.100.2/32',
        protocol: 'udp',
        'dst-port': 1701,
        proposal: 'esp',
      },
    ];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('b')[0]!.mode).toBe('transport');
    expect(added(n.log, 'b')[0]).toMatchObject({
      tunnel: false,
      srcAddress: '198.51.100.2/32',
      dstAddress: '192.0.2.1/32',
      srcPort: 1701,
      protocol: 'udp',
    });
  });
});

describe('identity choice (several identities of one passive peer)', () => {
  function twoUsers(aId: string) {
    const cfg = roadWarrior();
    cfg.a.identities = [{ ...cfg.a.identities![0]!, 'my-id': aId }];
    cfg.b.modeConfigs = [
      { name: 'rw', responder: true, address: '10.99.0.7' },
      { name: 'alice', responder: true, address: '10.99.0.20' },
    ];
    const base = cfg.b.identities![0]!;
    cfg.b.identities = [
      { ...base, 'remote-id': 'auto', 'mode-config': 'rw' },
      { ...base, 'remote-id': 'user-fqdn:alice@example.com', 'mode-config': 'alice', secret: 'alice secret' },
    ];
    cfg.a.identities = [{ ...cfg.a.identities[0]!, secret: aId.includes('alice') ? 'alice secret' : 'correct horse' }];
    return cfg;
  }

  it('a specific remote-id wins over auto: different road warriors get different mode configs', () => {
    const alice = pair(twoUsers('user-fqdn:alice@example.com'));
    alice.deliver('a', alice.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(alice.b.list()[0]!.virtualIp).toBe('10.99.0.20');
    const bob = pair(twoUsers('user-fqdn:bob@example.com'));
    bob.deliver('a', bob.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(bob.b.list()[0]!.virtualIp).toBe('10.99.0.7');
  });

  it('only specific remote-ids: an unknown ID is refused', () => {
    const cfg = twoUsers('fqdn:mallory.example');
    cfg.b.identities = cfg.b.identities!.slice(1);
    cfg.b.identities.push({ ...cfg.b.identities[0]!, 'remote-id': 'fqdn:trudy.example' });
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()).toEqual([]);
    expect(n.events('b').some((e) => e.includes('no identity of peer from-a matches fqdn:mallory.example'))).toBe(true);
  });
});

describe('proposal-check', () => {
  it('IKEv1-style rules for a proposed lifetime; IKEv2 (none proposed) uses our own', () => {
    expect(phase2Lifetime('obey', 1800, 600)).toEqual(ok(600));
    expect(phase2Lifetime('obey', 1800, 3600)).toEqual(ok(3600));
    expect(phase2Lifetime('claim', 1800, 3600)).toEqual(ok(1800));
    expect(phase2Lifetime('claim', 1800, 600)).toEqual(ok(600));
    expect(phase2Lifetime('strict', 1800, 600)).toEqual(ok(600));
    expect(phase2Lifetime('strict', 1800, 3600)).toHaveProperty('error');
    expect(phase2Lifetime('exact', 1800, 1800)).toEqual(ok(1800));
    expect(phase2Lifetime('exact', 1800, 600)).toHaveProperty('error');
    for (const c of ['obey', 'claim', 'strict', 'exact'] as const) expect(phase2Lifetime(c, 1800)).toEqual(ok(1800));
  });

  it('each side installs its own proposal lifetime', () => {
    const cfg = configs();
    cfg.b.proposals = [{ ...cfg.b.proposals![0]!, lifetime: 600 }];
    cfg.b.profiles = [{ ...cfg.b.profiles![0]!, 'proposal-check': 'claim' }];
    const n = pair(cfg);
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.installs('b')[0]!.lifetime).toBe(600);
    expect(n.installs('a')[0]!.lifetime).toBe(1800);
  });
});

describe('rangeText', () => {
  it('prefixes and ranges', () => {
    const b = (s: string) => new Uint8Array(s.split('.').map(Number));
    expect(rangeText(b('10.0.0.0'), b('10.0.0.255'))).toBe('10.0.0.0/24');
    expect(rangeText(b('10.0.0.7'), b('10.0.0.7'))).toBe('10.0.0.7/32');
    expect(rangeText(b('0.0.0.0'), b('255.255.255.255'))).toBe('0.0.0.0/0');
    expect(rangeText(b('10.0.0.1'), b('10.0.0.7'))).toBe('10.0.0.1-10.0.0.7');
  });
});

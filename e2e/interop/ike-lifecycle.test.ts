// Interop, the life of an SA against a real strongSwan (charon) in test namespaces: IKE SA and CHILD_SA
// rekeying from either side, Delete from either side, dead peer detection of a killed charon,
// INVALID_KE_PAYLOAD with a charon that guesses the wrong group, and mode config handing charon a
// virtual IP. Success is what an admin would see: `swanctl --list-sas` on charon, and our Active Peers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { TwoHosts, canUseNetns } from './netns.ts';
import { until } from './wait.ts';
import { PSK, charonPskConf, configurePskAgent, type AgentPskOptions, type PskConnOptions } from './charon-psk.ts';

const skip = !canUseNetns();
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;

const charonConf = (o: PskConnOptions = {}) => charonPskConf(hosts, o);

const configureAgent = (o: AgentPskOptions) => configurePskAgent(agent, hosts, o);

/** The agent logs to stdout asynchronously: a line may land just after the state it describes is visible. */
const logged = (re: RegExp) => until(`agent log ${re}`, () => re.test(agent.output) || undefined, 5000);

const established = () => {
  const text = charon.listSas();
  return /ESTABLISHED/.test(text) && /INSTALLED/.test(text) ? text : undefined;
};
const ourPeers = async () => (await agent.rest('GET', 'ip/ipsec/active-peers')).json as any[];
const ourEstablished = async () => {
  const p = await ourPeers();
  return p.length === 1 && p[0].state === 'established' && p[0]['ph2-total'] === '1' ? p : undefined;
};

async function bringUp(passive: boolean): Promise<string> {
  if (passive)
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(
      /initiate completed successfully/,
    );
  const sas = await until('charon to list the SAs', established);
  await until('our Active Peers', ourEstablished);
  return sas;
}

describe.skipIf(skip)('IKEv2 interop with strongSwan: SA lifecycle', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    await charon.start();
    await agent.start();
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      console.log(
        `--- agent output ---\n${agent.output.slice(-8000)}\n--- charon log ---\n${charon.log().slice(-8000)}`,
      );
    }
    agent.cleanup();
    charon.cleanup();
    hosts.down();
  });

  it('charon rekeys the IKE SA and the CHILD_SA (rekey_time 6s/5s): both sides stay ESTABLISHED/INSTALLED', async () => {
    charon.load(
      charonConf({
        conn: 'rekey_time = 6s\n    over_time = 1s\n    rand_time = 0s',
        child: 'rekey_time = 5s\n                     life_time = 9s\n                     rand_time = 0s',
      }),
    );
    await configureAgent({ passive: true });
    await bringUp(true);
    await until(
      'charon to have rekeyed the IKE SA twice',
      () => {
        const t = charon.listSas();
        const m = /ours: #(\d+), ESTABLISHED/.exec(t);
        return m && Number(m[1]) >= 3 && /INSTALLED/.test(t) ? t : undefined;
      },
      25_000,
    );
    await logged(/IKE SA rekeyed/);
    await logged(/CHILD_SA #\d+ established: .*replaces #\d+/);
    await until('our Active Peers after rekeys', ourEstablished);
    expect(((await agent.rest('GET', 'ip/ipsec/installed-sa')).json as any[]).length).toBe(2);
    expect(charon.log()).not.toMatch(/NO_PROPOSAL_CHOSEN|TS_UNACCEPTABLE|AUTHENTICATION_FAILED/);
  }, 60_000);

  it('we rekey the IKE SA and the CHILD_SA (profile lifetime 8s, proposal lifetime 7s): charon follows', async () => {
    charon.load(charonConf({ conn: 'rekey_time = 0', child: 'rekey_time = 0\n                     life_time = 0' }));
    await configureAgent({ passive: false, profile: { lifetime: '8s' }, proposal: { lifetime: '7s' } });
    await bringUp(false);
    await until(
      'charon to see our IKE rekeys',
      () => {
        const t = charon.listSas();
        const m = /ours: #(\d+), ESTABLISHED/.exec(t);
        return m && Number(m[1]) >= 3 && /INSTALLED/.test(t) ? t : undefined;
      },
      30_000,
    );
    await logged(/rekeying IKE SA/);
    await logged(/CHILD_SA #\d+ established: .*replaces #\d+/);
    await until('our Active Peers after rekeys', ourEstablished);
    expect(agent.output).not.toMatch(/hard lifetime expired/);
  }, 60_000);

  it('charon terminates the IKE SA: our Active Peers empties', async () => {
    charon.load(charonConf());
    await configureAgent({ passive: true });
    await bringUp(true);
    charon.swanctl(['--terminate', '--ike', 'ours', '--timeout', '10']);
    await until('our Active Peers to empty', async () => ((await ourPeers()).length === 0 ? true : undefined));
    expect(((await agent.rest('GET', 'ip/ipsec/installed-sa')).json as any[]).length).toBe(0);
  }, 60_000);

  it('our kill-connections deletes the SAs at charon', async () => {
    charon.load(charonConf());
    await configureAgent({ passive: true });
    await bringUp(true);
    const r = await agent.rest('POST', 'ip/ipsec/active-peers/kill-connections', {});
    expect(r.status).toBeLessThan(300);
    await until('charon to have no SA', () =>
      /ESTABLISHED|CONNECTING|DELETING/.test(charon.listSas()) ? undefined : true,
    );
    expect(charon.log()).toMatch(/parsed INFORMATIONAL request \d+ \[ D \]/);
  }, 60_000);

  it('DPD (2s, 2 failures) detects a killed charon', async () => {
    charon.load(charonConf());
    await configureAgent({ passive: true, profile: { 'dpd-interval': '2s', 'dpd-maximum-failures': 2 } });
    await bringUp(true);
    const t0 = Date.now();
    charon.stop('SIGKILL');
    await until('our peer to disappear', async () => ((await ourPeers()).length === 0 ? true : undefined), 20_000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await logged(/considered dead/);
  }, 60_000);

  it('INVALID_KE_PAYLOAD: charon guesses MODP2048, we only take ECP256, charon retries', async () => {
    charon.load(charonConf({ ike: 'aes128-sha256-modp2048-ecp256', esp: 'aes128-sha256' }));
    await configureAgent({ passive: true, profile: { 'dh-group': 'ecp256' }, proposal: { 'pfs-group': 'none' } });
    const sas = await bringUp(true);
    expect(sas).toMatch(/AES_CBC-128\/HMAC_SHA2_256_128\/PRF_HMAC_SHA2_256\/ECP_256/);
    expect(charon.log()).toMatch(/didn't accept DH group MODP_2048, it requested ECP_256/);
  }, 60_000);

  it('fragmentation: charon (fragment_size 200) sends IKE_AUTH in fragments, we reassemble', async () => {
    charon.stop('SIGKILL');
    charon.cleanup();
    charon = new Charon(hosts.b.ns, 'fragment_size = 200');
    await charon.start();
    charon.load(charonConf({ ike: 'aes128-sha256-modp2048', esp: 'aes128-sha256-modp2048' }));
    await configureAgent({ passive: true });
    await bringUp(true);
    expect(charon.log()).toMatch(/splitting IKE message .* into \d+ fragments/);
    await logged(/IKE SA established/);
  }, 60_000);

  it('mode config: charon as road-warrior client (vips = 0.0.0.0) gets the address, DNS from our mode-config', async () => {
    charon.load(charonConf({ vip: true, conn: '' }));
    await agent.add('ip/ipsec/mode-config', {
      name: 'rw',
      responder: 'yes',
      address: '10.99.0.5',
      'system-dns': 'no',
      'static-dns': '10.1.0.53',
      'split-include': `${hosts.a.lan}/32`,
    });
    await configureAgent({ passive: true, identity: { 'mode-config': 'rw' }, dst: '10.99.0.5/32' });
    const sas = await bringUp(true);
    expect(sas).toMatch(/\[10\.99\.0\.5\]/);
    expect(sas).toMatch(/local\s+10\.99\.0\.5\/32\s+remote\s+10\.1\.0\.1\/32/);
    expect(charon.log()).toMatch(/installing new virtual IP 10\.99\.0\.5|assigned virtual IP|virtual IP 10\.99\.0\.5/);
    const peers = await ourPeers();
    expect(peers[0]['dynamic-address']).toBe('10.99.0.5');
  }, 60_000);

  it(
    'mode config address-pool: charon road warrior (vips = 0.0.0.0) gets the first address of our IP > Pool; ' +
      'released when it leaves, leased again on return',
    async () => {
      charon.load(charonConf({ vip: true, conn: '' }));
      await agent.add('ip/pool', { name: 'ike2-pool', ranges: '10.99.0.20-10.99.0.30' });
      const pools = (await agent.rest('GET', 'ip/pool')).json as any[];
      expect(pools).toEqual([expect.objectContaining({ name: 'ike2-pool', ranges: '10.99.0.20-10.99.0.30' })]);
      await agent.add('ip/ipsec/mode-config', {
        name: 'rw',
        'address-pool': 'ike2-pool',
        'address-prefix-length': '32',
        'system-dns': 'no',
        'split-include': `${hosts.a.lan}/32`,
      });
      await configureAgent({ passive: true, identity: { 'mode-config': 'rw' }, dst: '10.99.0.0/24' });
      const sas = await bringUp(true);
      expect(sas).toMatch(/\[10\.99\.0\.20\]/);
      expect(sas).toMatch(/local\s+10\.99\.0\.20\/32\s+remote\s+10\.1\.0\.1\/32/);
      expect((await ourPeers())[0]['dynamic-address']).toBe('10.99.0.20');
      await logged(/leased 10\.99\.0\.20 from pool ike2-pool/);
      charon.swanctl(['--terminate', '--ike', 'ours', '--timeout', '10']);
      await until('our Active Peers to empty', async () => ((await ourPeers()).length === 0 ? true : undefined));
      await logged(/pool lease 10\.99\.0\.20 released/);
      // Back again: the released address is the first free one.
      const again = await bringUp(true);
      expect(again).toMatch(/\[10\.99\.0\.20\]/);
      expect((await ourPeers())[0]['dynamic-address']).toBe('10.99.0.20');
    },
    90_000,
  );

  it("mode config as client: we (request-only) get a virtual IP and DNS from charon's pool", async () => {
    charon.load(
      charonConf({
        conn: 'pools = rw',
        remoteDynamic: true,
        top: 'pools { rw { addrs = 10.88.0.9/32\n             dns = 10.2.0.53 } }',
      }),
    );
    await configureAgent({ passive: false, identity: { 'mode-config': 'request-only' }, src: '0.0.0.0/0' });
    const sas = await bringUp(false);
    expect(sas).toMatch(/remote '192\.0\.2\.1' @ 192\.0\.2\.1\[4500\] \[10\.88\.0\.9\]/);
    expect(sas).toMatch(/remote\s+10\.88\.0\.9\/32/);
    await logged(/mode config received: address 10\.88\.0\.9, dns 10\.2\.0\.53/);
    expect((await ourPeers())[0]['dynamic-address']).toBe('10.88.0.9');
  }, 60_000);

  it(
    'generate-policy: charon road warrior (vips, remote_ts 0.0.0.0/0) gets a policy from our template; REST ' +
      'shows it dynamic+active until charon terminates',
    async () => {
      charon.load(charonConf({ vip: true, remoteTs: '0.0.0.0/0' }));
      await agent.add('ip/ipsec/profile', {
        name: 'interop',
        'enc-algorithm': 'aes-128',
        'hash-algorithm': 'sha256',
        'dh-group': 'modp2048',
      });
      await agent.add('ip/ipsec/proposal', {
        name: 'interop',
        'enc-algorithms': 'aes-128-cbc',
        'auth-algorithms': 'sha256',
        'pfs-group': 'modp2048',
      });
      await agent.add('ip/ipsec/mode-config', {
        name: 'rw',
        responder: 'yes',
        address: '10.99.0.5',
        'system-dns': 'no',
        'split-include': '10.1.0.0/16',
      });
      await agent.add('ip/ipsec/policy/group', { name: 'rw-tpl' });
      await agent.add('ip/ipsec/policy', {
        template: 'yes',
        group: 'rw-tpl',
        'src-address': '10.1.0.0/16',
        'dst-address': '10.99.0.0/24',
        protocol: 'all',
        proposal: 'interop',
        level: 'unique',
      });
      await agent.add('ip/ipsec/peer', {
        name: 'rw',
        address: '0.0.0.0/0',
        'exchange-mode': 'ike2',
        profile: 'interop',
        passive: 'yes',
      });
      await agent.add('ip/ipsec/identity', {
        peer: 'rw',
        secret: PSK,
        'generate-policy': 'port-strict',
        'mode-config': 'rw',
        'policy-template-group': 'rw-tpl',
      });
      const sas = await bringUp(true);
      expect(sas).toMatch(/local\s+10\.99\.0\.5\/32\s+remote\s+10\.1\.0\.0\/16/);
      const dynamic = await until('the generated policy over REST', async () => {
        const rows = (await agent.rest('GET', 'ip/ipsec/policy?dynamic=true')).json as any[];
        return rows.length === 1 ? rows : undefined;
      });
      expect(dynamic[0]).toMatchObject({
        dynamic: 'true',
        active: 'true',
        'ph2-state': 'established',
        'ph2-count': '1',
        'src-address': '10.1.0.0/16',
        'dst-address': '10.99.0.5/32',
        level: 'unique',
        tunnel: 'true',
        'sa-src-address': hosts.a.addr,
        'sa-dst-address': hosts.b.addr,
      });
      expect(dynamic[0]['.id']).toMatch(/^\*4000/);
      const patch = await agent.rest('PATCH', `ip/ipsec/policy/${dynamic[0]['.id']}`, { level: 'require' });
      expect(patch.status).toBe(400);
      expect(charon.swanctl(['--terminate', '--ike', 'ours', '--timeout', '10'])).toMatch(
        /terminate completed successfully/,
      );
      await until(
        'the generated policy to go',
        async () => ((await agent.rest('GET', 'ip/ipsec/policy?dynamic=true')).json as any[]).length === 0 || undefined,
      );
    },
    60_000,
  );

  it('no template fits: TS_UNACCEPTABLE for charon, our log names the group; identities chosen by remote-id', async () => {
    charon.load(charonConf({ vip: true, remoteTs: '172.16.0.0/24' }));
    await agent.add('ip/ipsec/profile', {
      name: 'interop',
      'enc-algorithm': 'aes-128',
      'hash-algorithm': 'sha256',
      'dh-group': 'modp2048',
    });
    await agent.add('ip/ipsec/proposal', {
      name: 'interop',
      'enc-algorithms': 'aes-128-cbc',
      'auth-algorithms': 'sha256',
      'pfs-group': 'modp2048',
    });
    await agent.add('ip/ipsec/mode-config', {
      name: 'anyone',
      responder: 'yes',
      address: '10.99.0.5',
      'system-dns': 'no',
    });
    await agent.add('ip/ipsec/mode-config', {
      name: 'charon',
      responder: 'yes',
      address: '10.99.0.6',
      'system-dns': 'no',
    });
    await agent.add('ip/ipsec/policy/group', { name: 'rw-tpl' });
    await agent.add('ip/ipsec/policy', {
      template: 'yes',
      group: 'rw-tpl',
      'src-address': '10.1.0.0/16',
      'dst-address': '10.99.0.0/24',
      proposal: 'interop',
    });
    await agent.add('ip/ipsec/peer', {
      name: 'rw',
      address: '0.0.0.0/0',
      'exchange-mode': 'ike2',
      profile: 'interop',
      passive: 'yes',
    });
    await agent.add('ip/ipsec/identity', {
      peer: 'rw',
      secret: 'not the one',
      'remote-id': 'auto',
      'generate-policy': 'port-strict',
      'mode-config': 'anyone',
      'policy-template-group': 'rw-tpl',
    });
    await agent.add('ip/ipsec/identity', {
      peer: 'rw',
      secret: PSK,
      'remote-id': `address:${hosts.b.addr}`,
      'generate-policy': 'port-strict',
      'mode-config': 'charon',
      'policy-template-group': 'rw-tpl',
    });
    expect(() => charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toThrow(); // the CHILD_SA fails
    await until(
      'TS_UNACCEPTABLE in our log',
      () => /no template of policy-template-group=rw-tpl/.test(agent.output) || undefined,
    );
    expect(charon.log()).toMatch(/TS_UNACCEPTABLE/);
    // The IKE SA itself is up with the identity that names charon: its secret and its address.
    await until("charon's IKE SA", () => /ESTABLISHED/.test(charon.listSas()) || undefined);
    expect(charon.listSas()).toMatch(/\[10\.99\.0\.6\]/);
    expect((await agent.rest('GET', 'ip/ipsec/policy?dynamic=true')).json as any[]).toEqual([]);
  }, 60_000);

  it('a static policy shows active, ph2-state and ph2-count from the installed CHILD_SA', async () => {
    charon.load(charonConf());
    await configureAgent({ passive: true });
    const before = ((await agent.rest('GET', 'ip/ipsec/policy')).json as any[]).find((p) => p.template === 'false')!;
    expect(before).toMatchObject({ active: 'false', 'ph2-state': 'no-phase2', 'ph2-count': '0' });
    await bringUp(true);
    const row = await until('the policy to be active', async () => {
      const p = ((await agent.rest('GET', 'ip/ipsec/policy')).json as any[]).find((x) => x.template === 'false');
      return p?.active === 'true' ? p : undefined;
    });
    expect(row).toMatchObject({
      'ph2-state': 'established',
      'ph2-count': '1',
      dynamic: 'false',
      'sa-src-address': hosts.a.addr,
      'sa-dst-address': hosts.b.addr,
    });
    expect(charon.swanctl(['--terminate', '--ike', 'ours', '--timeout', '10'])).toMatch(
      /terminate completed successfully/,
    );
    await until('the policy to go idle', async () => {
      const p = ((await agent.rest('GET', 'ip/ipsec/policy')).json as any[]).find((x) => x.template === 'false');
      return p?.active === 'false' && p['ph2-count'] === '0' && p['ph2-state'] === 'no-phase2' ? p : undefined;
    });
  }, 60_000);
});

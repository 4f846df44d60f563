// The kernel data plane as a router runs it: our agent installs its SAs and policies in Linux XFRM, charon its own
// with kernel-netlink (no kernel-libipsec). What only the kernel backend has to get right: NAT traversal by the
// kernel (UDP_ENCAP on the IKE socket, an encap template on the SA) through a real masquerading NAT; Installed SAs
// and Statistics read live from the kernel; and nothing left behind in the kernel when a policy or the IKE SA goes,
// when the agent stops, or when it was killed and starts again. Runs where the kernel does ESP (scripts/kernel-vm.sh,
// part of `npm test`); skipped with the reason elsewhere.
import { afterEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { charonPskConf, configurePskAgent } from './charon-psk.ts';
import { NattedHosts, TwoHosts, canUseNetns, kernelDoesEsp, kernelSaCounters, sh, xfrmDump } from './netns.ts';
import { ping, tcpTransfer } from './traffic.ts';
import { scaled, until } from './wait.ts';

const reason = !canUseNetns()
  ? 'needs root and network namespaces'
  : !kernelDoesEsp()
    ? 'this kernel takes no ESP SAs (no esp4/esp6): run in scripts/kernel-vm.sh'
    : '';

let agent: AgentInNetns | undefined;
let charon: Charon | undefined;
let down: (() => void) | undefined;
let nsOfAgent = '';
let nsOfCharon = '';

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail')
    console.log(
      `--- agent ---\n${agent?.output.slice(-5000)}\n--- charon ---\n${charon?.log().slice(-4000)}\n` +
        `--- XFRM of ours ---\n${xfrmDump(nsOfAgent)}\n--- XFRM of charon's ---\n${xfrmDump(nsOfCharon)}`,
    );
  agent?.cleanup();
  charon?.cleanup();
  down?.();
  agent = charon = down = undefined;
});

async function rows(path: string): Promise<any[]> {
  return (await agent!.rest('GET', path)).json;
}

/** Our XFRM: SAs (by SPI) and the non-socket policies (selector text), as `ip xfrm` lists them. */
function ourXfrm(): { sas: string[]; policies: string[] } {
  const sas = [...sh('ip', ['-n', nsOfAgent, 'xfrm', 'state']).matchAll(/spi (0x[0-9a-f]+)/g)].map((m) => m[1]!);
  const policies = sh('ip', ['-n', nsOfAgent, 'xfrm', 'policy'])
    .split(/\n(?=src )/)
    .filter((b) => /\bdir (in|out|fwd)\b/.test(b))
    .map((b) => b.split('\n')[0]!.trim());
  return { sas, policies };
}

describe.skipIf(reason !== '')(`kernel data plane${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it(
    'NAT-T: behind a masquerading NAT the kernel carries ESP in UDP 4500 both ways (encap on the SAs of both ends)',
    async () => {
      const hosts = new NattedHosts().up();
      down = () => hosts.down();
      [nsOfAgent, nsOfCharon] = [hosts.a.ns, hosts.b.ns];
      charon = new Charon(hosts.b.ns);
      await charon.start();
      // charon sees us as the NAT's outside address: any remote address, our identity is our own address
      charon.load(charonPskConf(hosts, { conn: '' }).replace(`remote_addrs = ${hosts.a.addr}`, 'remote_addrs = %any'));
      agent = new AgentInNetns(hosts.a.ns);
      await agent.start();
      await configurePskAgent(agent, hosts, { passive: false });
      // the agent finds a local address only on a connected subnet; this peer is behind the NAT's route
      const ourPeer = (await rows('ip/ipsec/peer')).find((p) => p.name === 'strongswan');
      const patched = await agent.rest('PATCH', `ip/ipsec/peer/${ourPeer['.id']}`, { 'local-address': hosts.a.addr });
      expect(patched.status).toBe(200);
      await until(
        'the CHILD_SA',
        async () => ((await rows('ip/ipsec/installed-sa')).length === 2 ? true : undefined),
        scaled(20_000),
      );
      const [peer] = await rows('ip/ipsec/active-peers');
      expect(peer).toMatchObject({ port: '4500' });
      // the kernel, not us, encapsulates: both our SAs carry the UDP encap template
      const ours = sh('ip', ['-n', hosts.a.ns, 'xfrm', 'state']);
      expect(ours.match(/encap type espinudp sport 4500 dport 4500/g)).toHaveLength(2);
      expect(charon.listSas()).toMatch(/INSTALLED, TUNNEL-in-UDP/);
      expect(ping(hosts.a.ns, hosts.b.lan, { count: 3, from: hosts.a.lan })).toEqual({ sent: 3, received: 3 });
      expect(ping(hosts.b.ns, hosts.a.lan, { count: 3, from: hosts.b.lan })).toEqual({ sent: 3, received: 3 });
      // and they went through our SAs (6 echo requests/replies each way at least)
      await new Promise((r) => setTimeout(r, 1500));
      for (const sa of await rows('ip/ipsec/installed-sa'))
        expect(Number(sa['current-packets'])).toBeGreaterThanOrEqual(6);
    },
    scaled(120_000),
  );

  it(
    'transport mode between the gateways themselves, and policy order: an earlier `action=none` policy lets one ' +
      'host pair through in clear ahead of the encrypting one',
    async () => {
      const hosts = new TwoHosts().up();
      down = () => hosts.down();
      [nsOfAgent, nsOfCharon] = [hosts.a.ns, hosts.b.ns];
      charon = new Charon(hosts.b.ns);
      await charon.start();
      charon.load(
        charonPskConf(hosts, {
          localTs: `${hosts.b.addr}/32`,
          remoteTs: `${hosts.a.addr}/32`,
          child: 'mode = transport',
        }),
      );
      agent = new AgentInNetns(hosts.a.ns);
      await agent.start();
      // first in the list: ICMP between the gateways passes in clear; then everything else between them encrypted
      await configurePskAgent(agent, hosts, { passive: true, src: `${hosts.a.addr}/32`, dst: `${hosts.b.addr}/32` });
      // the list starts with the default template policy: ours is the one between the gateways
      const encrypting = (await rows('ip/ipsec/policy')).find((p) => p['dst-address'] === `${hosts.b.addr}/32`);
      const icmp = await agent.add('ip/ipsec/policy', {
        'src-address': `${hosts.a.addr}/32`,
        'dst-address': `${hosts.b.addr}/32`,
        protocol: 'icmp',
        action: 'none',
      });
      const moved = await agent.rest('POST', 'ip/ipsec/policy/move', {
        '.id': icmp['.id'],
        destination: encrypting['.id'],
      });
      expect(moved.status).toBe(200);
      expect((await agent.rest('PATCH', `ip/ipsec/policy/${encrypting['.id']}`, { tunnel: 'no' })).status).toBe(200);
      expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '30'])).toMatch(/completed successfully/);
      await until(
        'the CHILD_SA',
        async () => ((await rows('ip/ipsec/installed-sa')).length === 2 ? true : undefined),
        scaled(20_000),
      );
      expect(sh('ip', ['-n', hosts.a.ns, 'xfrm', 'state']).match(/mode transport/g)).toHaveLength(2);
      expect(charon.listSas()).toMatch(/INSTALLED, TRANSPORT/);
      // the ICMP policy comes first (lower priority number in the kernel) and lets ping through in clear
      const policies = sh('ip', ['-n', hosts.a.ns, 'xfrm', 'policy']);
      const prio = (re: RegExp) => Number(re.exec(policies)?.[1]);
      expect(prio(/proto icmp[^\n]*\n\s*dir out priority (\d+)/)).toBeLessThan(
        prio(/dst 192\.0\.2\.2\/32 \n\s*dir out priority (\d+)/),
      );
      // ping leaves in clear (charon, whose policy covers ICMP too, drops it): our outbound SA carries none of it
      ping(hosts.a.ns, hosts.b.addr, { count: 3 });
      await new Promise((r) => setTimeout(r, 1500));
      const outbound = async () => (await rows('ip/ipsec/installed-sa')).find((x) => x.direction === 'out');
      expect(Number((await outbound())['current-packets'])).toBe(0);
      // TCP between the gateways goes through the transport-mode SAs, intact
      const t = await tcpTransfer({ ns: hosts.a.ns }, { ns: hosts.b.ns, addr: hosts.b.addr }, 1 << 20, { port: 5301 });
      expect(t.receivedSha256).toBe(t.sentSha256);
      await new Promise((r) => setTimeout(r, 1500));
      expect(Number((await outbound())['current-packets'])).toBeGreaterThan(100);
    },
    scaled(120_000),
  );

  it(
    "Installed SAs and Statistics are the kernel's; removing the policy, losing the IKE SA and stopping the agent " +
      'leave nothing in the kernel; after kill -9 a restarted agent clears what the old one left',
    async () => {
      const hosts = new TwoHosts().up();
      down = () => hosts.down();
      [nsOfAgent, nsOfCharon] = [hosts.a.ns, hosts.b.ns];
      charon = new Charon(hosts.b.ns);
      await charon.start();
      charon.load(charonPskConf(hosts));
      agent = new AgentInNetns(hosts.a.ns);
      await agent.start();
      await configurePskAgent(agent, hosts, { passive: false });
      const twoSas = async () => ((await rows('ip/ipsec/installed-sa')).length === 2 ? true : undefined);
      await until('the CHILD_SA', twoSas, scaled(20_000));
      expect(ping(hosts.a.ns, hosts.b.lan, { count: 5, from: hosts.a.lan })).toEqual({ sent: 5, received: 5 });

      // counters: what Installed SAs shows is what the kernel counted, SA by SA
      await new Promise((r) => setTimeout(r, 1500));
      const kernel = kernelSaCounters(hosts.a.ns);
      const installed = await rows('ip/ipsec/installed-sa');
      for (const sa of installed) {
        expect(kernel.get(sa.spi), `the kernel has SA ${sa.spi}`).toBeTruthy();
        expect(Number(sa['current-packets'])).toBe(kernel.get(sa.spi)!.packets);
        expect(Number(sa['current-bytes'])).toBe(kernel.get(sa.spi)!.bytes);
        expect(Number(sa['current-packets'])).toBeGreaterThanOrEqual(5);
      }
      // Statistics: /proc/net/xfrm_stat of the agent's namespace under the manual's names
      const procStat = () =>
        new Map(
          sh('cat', ['/proc/net/xfrm_stat'], { ns: hosts.a.ns })
            .trim()
            .split('\n')
            .map((l) => l.trim().split(/\s+/) as [string, string]),
        );
      const stats = (await agent.rest('GET', 'ip/ipsec/statistics')).json as Record<string, string>;
      expect(stats['out-no-states']).toBe(procStat().get('XfrmOutNoStates'));
      expect(stats['in-no-policies']).toBe(procStat().get('XfrmInNoPols'));
      expect(stats['in-state-protocol-errors']).toBe('0');

      // charon ends the IKE SA: our SAs go, the configured policies stay; the agent (not passive) brings it back
      charon.swanctl(['--terminate', '--ike', 'ours', '--timeout', '10']);
      await until(
        'our SAs to go with the IKE SA',
        () => (ourXfrm().sas.length === 0 ? true : undefined),
        scaled(10_000),
      );
      expect(ourXfrm().policies).toHaveLength(3);

      // SIGTERM: the agent takes out everything it put in the kernel
      await until('the CHILD_SA back (the peer is not passive)', twoSas, scaled(30_000));
      await agent.stop('SIGTERM');
      expect(ourXfrm()).toEqual({ sas: [], policies: [] });

      // kill -9 leaves it all behind; the next start clears it and the new SAs carry the traffic
      await agent.start();
      await until('the CHILD_SA after the restart', twoSas, scaled(30_000));
      await agent.stop('SIGKILL');
      const left = ourXfrm();
      expect(left.sas).toHaveLength(2);
      expect(left.policies).toHaveLength(3);
      await agent.start();
      await until('the leftovers removed', () =>
        /removed 3 policies and 2 SAs a previous run left in the kernel/.test(agent!.output) ? true : undefined,
      );
      await until('the CHILD_SA after kill -9', twoSas, scaled(30_000));
      const fresh = (await rows('ip/ipsec/installed-sa')).map((s) => s.spi).sort();
      await until(
        'only the new SAs in the kernel',
        () => (JSON.stringify(ourXfrm().sas.sort()) === JSON.stringify(fresh) ? true : undefined),
        scaled(10_000),
      );
      expect(ping(hosts.a.ns, hosts.b.lan, { count: 3, from: hosts.a.lan })).toEqual({ sent: 3, received: 3 });

      // removing the policy takes its kernel policies and its CHILD_SA (both ends) with it
      const policy = (await rows('ip/ipsec/policy')).find((p) => p['dst-address'] === `${hosts.b.lan}/32`);
      const before = ourXfrm();
      expect(before.policies).toHaveLength(3); // out, in, fwd
      expect(before.sas).toHaveLength(2);
      expect((await agent.rest('DELETE', `ip/ipsec/policy/${policy['.id']}`)).status).toBe(204);
      await until(
        'our XFRM to empty',
        () => {
          const x = ourXfrm();
          return x.policies.length === 0 && x.sas.length === 0 ? true : undefined;
        },
        scaled(10_000),
      );
      expect(await rows('ip/ipsec/installed-sa')).toHaveLength(0);
    },
    scaled(300_000),
  );
});

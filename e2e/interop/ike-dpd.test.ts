// Interop: dead peer detection timing (issue #14 point 7). RouterOS: dpd-maximum-failures is the number of failures
// until the peer is dead; a failure is a liveness check left unanswered for one dpd-interval. charon goes silent
// (nftables in its namespace drops what we send and counts it): exactly that many checks reach it, and we declare
// it dead (1 + failures) x dpd-interval after we last heard from it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { charonPskConf, configurePskAgent } from './charon-psk.ts';
import { TwoHosts, canUseNetns, sh } from './netns.ts';
import { until } from './wait.ts';

const skip = !canUseNetns();
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;

describe.skipIf(skip)('DPD: dpd-maximum-failures as RouterOS means it (charon)', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    await Promise.all([charon.start(), agent.start()]);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail')
      console.log(
        `--- agent output ---\n${agent.output.slice(-6000)}\n--- charon log ---\n${charon.log().slice(-4000)}`,
      );
    agent.cleanup();
    charon.cleanup();
    hosts.down();
  });

  it('3 failures at 2 s: 3 liveness checks, dead about 8 s after the last answer', async () => {
    charon.load(charonPskConf(hosts));
    // passive: we do not bring the peer up again afterwards, so every IKE datagram charon drops is a liveness check
    await configurePskAgent(agent, hosts, {
      passive: true,
      profile: { 'dpd-interval': '2s', 'dpd-maximum-failures': 3 },
    });
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(
      /initiate completed successfully/,
    );
    const peers = async () => (await agent.rest('GET', 'ip/ipsec/active-peers')).json as { state: string }[];
    await until('our Active Peers', async () => (await peers()).some((p) => p.state === 'established') || undefined);
    // Let one liveness check be answered, then drop everything bigger than a NAT keepalive from us.
    await until(
      'a first answered liveness check',
      () => / INFORMATIONAL request \d+ \[ \]/.test(charon.log()) || undefined,
      6_000,
    );
    const nft = (cmd: string) => sh('nft', [cmd], { ns: hosts.b.ns });
    nft('add table inet dpd');
    nft('add chain inet dpd in { type filter hook input priority 0 ; }');
    nft(`add rule inet dpd in ip saddr ${hosts.a.addr} udp length > 40 counter drop`);
    const silentFrom = Date.now();
    await until('our peer to be declared dead', async () => ((await peers()).length === 0 ? true : undefined), 20_000);
    const took = Date.now() - silentFrom;
    const dropped = Number(/counter packets (\d+)/.exec(nft('list chain inet dpd in'))?.[1]);
    expect(dropped).toBe(3);
    // (1 + 3) x 2 s after the last answer, which came at most one interval before the drop began.
    expect(took).toBeGreaterThan(5_500);
    expect(took).toBeLessThan(8_800);
    expect(agent.output).toMatch(/considered dead/);
  }, 60_000);
});

// Interop: a peer that keeps refusing us is retried with exponential backoff (issue #14 point 6), not every keep-up
// round (5 s) forever. charon has another PSK, so each of our IKE SAs fails at IKE_AUTH; we count the IKE_SA_INIT
// requests charon sees.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { PSK, charonPskConf, configurePskAgent } from './charon-psk.ts';
import { TwoHosts, canUseNetns } from './netns.ts';

const skip = !canUseNetns();
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;

describe.skipIf(skip)('retry backoff for a failing peer (charon)', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    await Promise.all([charon.start(), agent.start()]);
  });
  afterEach(() => {
    agent.cleanup();
    charon.cleanup();
    hosts.down();
  });

  it('authentication keeps failing: tries after 5, 10, 20 s..., not every 5 s', async () => {
    charon.load(charonPskConf(hosts).replace(`secret = "${PSK}"`, 'secret = "another-secret-0123456789"'));
    await configurePskAgent(agent, hosts, { passive: false });
    await new Promise((r) => setTimeout(r, 23_000));
    const tries = charon.log().match(/parsed IKE_SA_INIT request 0/g)?.length ?? 0;
    // every 5 s: 5 tries in 23 s; with backoff: at 0, ~5-10 and ~15-20 s
    expect(tries).toBeGreaterThanOrEqual(2);
    expect(tries).toBeLessThanOrEqual(3);
    expect(agent.output).toMatch(/peer strongswan: 2 failed attempts in a row; next try in 10 s/);
  }, 60_000);
});

// Interop: configuration changes reaching live SAs (issue #14 point 4) against a real strongSwan. A policy added
// over REST while the IKE SA is up gets its CHILD_SA on that IKE SA (we are not passive); deleting it deletes the
// CHILD_SA at charon too; the IKE SA stays the same throughout.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { charonPskConf, configurePskAgent } from './charon-psk.ts';
import { TwoHosts, canUseNetns, sh } from './netns.ts';
import { until } from './wait.ts';

const skip = !canUseNetns();
/** A second LAN address of charon's host, for the second policy. */
const SECOND = '10.2.0.2';
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;

/** charon's IKE SA line ("ours: #1, ESTABLISHED") and whether child net2 is installed. */
function charonState(): { ike: string | undefined; net: boolean; net2: boolean } {
  const t = charon.listSas();
  return {
    ike: /ours: #(\d+), ESTABLISHED/.exec(t)?.[1],
    net: /net: #\d+, reqid \d+, INSTALLED/.test(t),
    net2: /net2: #\d+, reqid \d+, INSTALLED/.test(t),
  };
}

describe.skipIf(skip)('config changes reach live SAs (charon)', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    sh('ip', ['-n', hosts.b.ns, 'addr', 'add', `${SECOND}/32`, 'dev', 'lo']);
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    await Promise.all([charon.start(), agent.start()]);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail')
      console.log(
        `--- agent output ---\n${agent.output.slice(-6000)}\n--- charon log ---\n${charon
          .log()
          .split('\n')
          .filter((l) => !/vici|\[CFG\] {2}|\[LIB\]/.test(l))
          .join('\n')
          .slice(-8000)}`,
      );
    agent.cleanup();
    charon.cleanup();
    hosts.down();
  });

  it('a policy added while the IKE SA is up gets its CHILD_SA at once; removed, the CHILD_SA goes', async () => {
    const conf = charonPskConf(hosts).replace(
      'children {',
      `children { net2 { local_ts = ${SECOND}/32
                        remote_ts = ${hosts.a.lan}/32
                        esp_proposals = aes128-sha256-modp2048 }`,
    );
    expect(charon.load(conf)).toMatch(/loaded connection 'ours'/);
    await configurePskAgent(agent, hosts, { passive: false });
    const first = await until('the first CHILD_SA', () => {
      const s = charonState();
      return s.ike && s.net ? s : undefined;
    });
    expect(first.net2).toBe(false);
    const added = await agent.add('ip/ipsec/policy', {
      peer: 'strongswan',
      tunnel: 'yes',
      'src-address': `${hosts.a.lan}/32`,
      'dst-address': `${SECOND}/32`,
      proposal: 'interop',
    });
    // Well before the agent's 5 s keep-up round would matter, and on the same IKE SA.
    const both = await until('the second CHILD_SA', () => (charonState().net2 ? charonState() : undefined), 4_000);
    expect(both).toEqual({ ike: first.ike, net: true, net2: true });
    expect((await agent.rest('GET', 'ip/ipsec/installed-sa')).json).toHaveLength(4);

    expect((await agent.rest('DELETE', `ip/ipsec/policy/${added['.id']}`)).status).toBe(204);
    await until('charon to delete net2', () => (charonState().net2 ? undefined : true), 4_000);
    expect(charonState()).toEqual({ ike: first.ike, net: true, net2: false });
    expect(charon.log()).toMatch(/received DELETE for ESP CHILD_SA/);
    await until(
      'our installed SAs back to 2',
      async () => (await agent.rest('GET', 'ip/ipsec/installed-sa')).json.length === 2 || undefined,
    );
  }, 60_000);
});

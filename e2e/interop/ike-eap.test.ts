// Interop: EAP-MSCHAPv2 road warrior. charon (host a) is the client with `local { auth = eap-mschapv2 }`,
// `remote { auth = pubkey }` and vips = 0.0.0.0; our engine (engine-runner.ts, host b) is the responder with
// auth-method=eap-radius: it signs with a server certificate from the test CA that charon trusts and checks the
// user against IkeConfig.users (IPsec Users) itself. charon needs the eap-identity and eap-mschapv2 plugins;
// MD4 and DES come from its openssl plugin (OpenSSL's legacy provider).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Charon } from './charon.ts';
import { TwoHosts, canUseNetns } from './netns.ts';
import { until } from './wait.ts';

const repo = join(import.meta.dirname, '..', '..');
const fixtures = join(repo, 'packages', 'ike', 'test', 'fixtures');
const fx = (f: string) => readFileSync(join(fixtures, f), 'utf8');
const skip = !canUseNetns();
const ALICE_PASS = 'alice-interop-Secret-1';
const CAROL_PASS = 'carol-interop-Secret-3';
const SERVER_DN = 'C=CH, O=ipsec test, CN=b.example';
let hosts: TwoHosts;
let charon: Charon;
let ours: ChildProcess | undefined;
let output = '';

/** Our responder: a passive peer for anyone, eap-radius identity with the b.example certificate, a pool and users. */
async function startOurs(): Promise<void> {
  const config = {
    peers: [{ name: 'rw', address: '0.0.0.0/0', 'exchange-mode': 'ike2', profile: 'p', passive: true }],
    profiles: [{ name: 'p', 'enc-algorithm': ['aes-256'], 'hash-algorithm': 'sha256', 'dh-group': ['ecp256'] }],
    proposals: [{ name: 'esp', 'enc-algorithms': ['aes-256-gcm'], 'auth-algorithms': ['null'], 'pfs-group': 'none' }],
    identities: [{ peer: 'rw', 'auth-method': 'eap-radius', certificate: 'server', 'mode-config': 'rw' }],
    policies: [
      { peer: 'rw', tunnel: true, 'src-address': `${hosts.b.lan}/32`, 'dst-address': '10.99.0.0/24', proposal: 'esp' },
    ],
    modeConfigs: [{ name: 'rw', responder: true, 'address-pool': 'rw-pool' }],
    pools: [{ name: 'rw-pool', ranges: ['10.99.0.20-10.99.0.30'] }],
    certificates: [
      { name: 'ca', certificate: fx('ca.crt'), trusted: true },
      { name: 'server', certificate: fx('b-rsa.crt'), 'private-key': fx('b-rsa.key') },
    ],
    users: [
      { name: 'alice', password: ALICE_PASS },
      { name: 'carol', password: CAROL_PASS, address: '10.99.0.77' },
    ],
  };
  const file = join(charon.dir, 'ours.json');
  writeFileSync(file, JSON.stringify(config));
  const tsx = createRequire(join(repo, 'apps', 'agent', 'package.json')).resolve('tsx/cli');
  // Its own process group: `ip netns exec` and tsx each run the next process as a child, all killed together.
  ours = spawn(
    'ip',
    [
      'netns',
      'exec',
      hosts.b.ns,
      process.execPath,
      tsx,
      join(import.meta.dirname, 'engine-runner.ts'),
      file,
      hosts.b.addr,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  ours.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  ours.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await until('our engine to start', () => output.includes('"ready"') || undefined);
}

/** charon's road-warrior connection: `local` decides how the EAP user is given (eap_id, or the IKE id itself). */
function charonConf(local: string, user: string, password: string): string {
  writeFileSync(join(charon.dir, 'ca.crt'), fx('ca.crt'));
  return `connections {
  rw {
    version = 2
    local_addrs = ${hosts.a.addr}
    remote_addrs = ${hosts.b.addr}
    encap = yes
    proposals = aes256-sha256-ecp256
    vips = 0.0.0.0
    local { auth = eap-mschapv2
            ${local} }
    remote { auth = pubkey
             cacerts = ${charon.dir}/ca.crt
             id = "${SERVER_DN}" }
    children { net { remote_ts = ${hosts.b.lan}/32
                     esp_proposals = aes256gcm16 } }
  }
}
secrets { eap-user { id = ${user}
                     secret = "${password}" } }
`;
}

const established = () => {
  const t = charon.listSas();
  return /ESTABLISHED/.test(t) && /INSTALLED/.test(t) ? t : undefined;
};
const ourLines = () =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);

describe.skipIf(skip)('IKEv2 interop with strongSwan: EAP-MSCHAPv2 road warrior against our responder', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.a.ns, '', { plugins: ['eap-identity', 'eap-mschapv2'] });
    await charon.start();
    output = '';
    await startOurs();
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail')
      console.log(
        `--- our engine ---\n${output.slice(-8000)}\n--- charon log ---\n${charon
          .log()
          .split('\n')
          .filter((l) => !/vici client|\[CFG\] {2}/.test(l))
          .join('\n')
          .slice(-8000)}`,
      );
    if (ours?.pid) {
      try {
        process.kill(-ours.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    ours = undefined;
    charon.cleanup();
    hosts.down();
  });

  it('eap_id with an address IDi: EAP-Identity round, MS-CHAPv2, AUTH over the MSK; charon gets a pool address', async () => {
    expect(charon.load(charonConf('eap_id = alice', 'alice', ALICE_PASS))).toMatch(/loaded connection 'rw'/);
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '20'])).toMatch(
      /initiate completed successfully/,
    );
    const sas = await until('charon to list the SAs', established);
    expect(sas).toMatch(/\[10\.99\.0\.20\]/);
    expect(sas).toMatch(new RegExp(`remote '${SERVER_DN}'`));
    expect(sas).toMatch(/local\s+10\.99\.0\.20\/32\s+remote\s+10\.2\.0\.1\/32/);
    const log = charon.log();
    expect(log).toMatch(/server requested EAP_IDENTITY \(id 0x[0-9A-F]{2}\), sending 'alice'/);
    expect(log).toMatch(/server requested EAP_MSCHAPV2 authentication/);
    expect(log).toMatch(/EAP method EAP_MSCHAPV2 succeeded, MSK established/);
    expect(log).toMatch(new RegExp(`authentication of '${SERVER_DN}' with RSA\\S* successful`));
    expect(log).toMatch(new RegExp(`authentication of '${SERVER_DN}' with EAP successful`));
    expect(log).toMatch(/installing new virtual IP 10\.99\.0\.20/);
    await until('our IKE SA and CHILD_SA', () => {
      const lines = ourLines();
      return lines.some(
        (l) =>
          l.type === 'ikeSaState' && l.state === 'established' && l.eapUser === 'alice' && l.virtualIp === '10.99.0.20',
      ) && lines.some((l) => l.type === 'installSa')
        ? true
        : undefined;
    });
    expect(output).toMatch(/EAP identity 'alice'/);
    expect(output).toMatch(/EAP-MSCHAPv2: user alice authenticated/);
    expect(output).toMatch(/leased 10\.99\.0\.20 from pool rw-pool for eap:alice/);
    const install = ourLines().find((l) => l.type === 'installSa')!;
    expect(install.tsRemote).toEqual([
      { start: '10.99.0.20', end: '10.99.0.20', protocol: 0, startPort: 0, endPort: 65535 },
    ]);
    expect(output).not.toContain(ALICE_PASS);
  }, 60_000);

  it("IKE id = the user name: MS-CHAPv2 starts at once; the user's own address from IPsec Users", async () => {
    charon.load(charonConf('id = carol', 'carol', CAROL_PASS));
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '20'])).toMatch(
      /initiate completed successfully/,
    );
    const sas = await until('charon to list the SAs', established);
    expect(sas).toMatch(/local {2}'carol' @ 192\.0\.2\.1\[4500\] \[10\.99\.0\.77\]/);
    const log = charon.log();
    expect(log).not.toMatch(/EAP_IDENTITY/);
    expect(log).toMatch(/EAP method EAP_MSCHAPV2 succeeded, MSK established/);
    await until(
      'our IKE SA',
      () =>
        ourLines().some(
          (l) =>
            l.type === 'ikeSaState' &&
            l.state === 'established' &&
            l.eapUser === 'carol' &&
            l.virtualIp === '10.99.0.77',
        ) || undefined,
    );
    expect(output).toMatch(/fqdn:carol authenticates with EAP: EAP-MSCHAPv2 for user carol/);
    expect(output).toMatch(/assigned 10\.99\.0\.77 to the peer \(address of user carol\)/);
    expect(output).not.toContain(CAROL_PASS);
  }, 60_000);

  it('wrong password: charon fails, we log AUTHENTICATION_FAILED, nothing is established, no password in our log', async () => {
    const wrong = 'not-alices-Password-9';
    charon.load(charonConf('eap_id = alice', 'alice', wrong));
    let result: string;
    try {
      result = charon.swanctl(['--initiate', '--child', 'net', '--timeout', '20']);
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string };
      result = `${x.stdout ?? ''}${x.stderr ?? ''}` || String(e);
    }
    expect(result).not.toMatch(/initiate completed successfully/);
    expect(result).toMatch(/initiate failed/);
    await until(
      'our refusal',
      () => /wrong password for user 'alice'; AUTHENTICATION_FAILED/.test(output) || undefined,
      10_000,
    );
    expect(charon.log()).toMatch(/received AUTHENTICATION_FAILED notify error|received EAP_FAILURE/);
    expect(charon.listSas()).not.toMatch(/ESTABLISHED/);
    const lines = ourLines();
    expect(lines.some((l) => l.type === 'installSa')).toBe(false);
    expect(lines.some((l) => l.type === 'ikeSaState' && l.state === 'established')).toBe(false);
    expect(output).not.toContain(wrong);
    expect(output).not.toContain(ALICE_PASS);
  }, 60_000);
});

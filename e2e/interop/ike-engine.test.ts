// Interop with our side as the bare engine on UDP sockets (engine-runner.ts): certificate authentication
// with the fixed test certificates (ECDSA P-256/P-384, RSA 4096: RFC 7427 signatures, CERT/CERTREQ, RFC 7383
// fragmentation of the large IKE_AUTH) both directions, and COOKIE as responder (the engine's cookieThreshold
// is not an agent setting). Certificates made and kept by the agent itself: ike-agent-certs.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
let hosts: TwoHosts;
let charon: Charon;
let ours: ChildProcess | undefined;
let output = '';

async function startOurs(config: object, initiate?: string): Promise<void> {
  const file = join(charon.dir, 'ours.json');
  writeFileSync(file, JSON.stringify(config));
  const tsx = createRequire(join(repo, 'apps', 'agent', 'package.json')).resolve('tsx/cli');
  ours = spawn(
    'ip',
    [
      'netns',
      'exec',
      hosts.a.ns,
      process.execPath,
      tsx,
      join(import.meta.dirname, 'engine-runner.ts'),
      file,
      hosts.a.addr,
      ...(initiate ? [initiate] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  ours.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  ours.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await until('our engine to start', () => output.includes('"ready"') || undefined);
}

function ourConfig(cert: string, passive: boolean) {
  return {
    peers: [{ name: 'strongswan', address: `${hosts.b.addr}/32`, 'exchange-mode': 'ike2', profile: 'p', passive }],
    profiles: [{ name: 'p', 'enc-algorithm': ['aes-256'], 'hash-algorithm': 'sha256', 'dh-group': ['ecp256'] }],
    proposals: [{ name: 'esp', 'enc-algorithms': ['aes-256-gcm'], 'auth-algorithms': ['null'], 'pfs-group': 'none' }],
    identities: [
      {
        peer: 'strongswan',
        'auth-method': 'digital-signature',
        certificate: 'mine',
        'remote-id': 'dn:C=CH, O=ipsec test, CN=b.example',
      },
    ],
    policies: [
      {
        peer: 'strongswan',
        tunnel: true,
        'src-address': `${hosts.a.lan}/32`,
        'dst-address': `${hosts.b.lan}/32`,
        proposal: 'esp',
      },
    ],
    certificates: [
      { name: 'ca', certificate: fx('ca.crt'), trusted: true },
      { name: 'mine', certificate: fx(`${cert}.crt`), 'private-key': fx(`${cert}.key`) },
    ],
  };
}

/** charon's credentials: swanctl loads private keys only from its private/ directory (SWANCTL_DIR). */
function charonConf(auth: 'cert' | 'psk' = 'cert'): string {
  for (const f of ['ca.crt', 'b-rsa.crt']) writeFileSync(join(charon.dir, f), fx(f));
  mkdirSync(join(charon.dir, 'private'), { recursive: true });
  writeFileSync(join(charon.dir, 'private', 'b-rsa.key'), fx('b-rsa.key'));
  process.env.SWANCTL_DIR = charon.dir;
  return `connections {
  ours {
    version = 2
    local_addrs = ${hosts.b.addr}
    remote_addrs = ${hosts.a.addr}
    encap = yes
    proposals = aes256-sha256-ecp256
    ${
      auth === 'cert'
        ? `local { auth = pubkey
            certs = ${charon.dir}/b-rsa.crt }
    remote { auth = pubkey
             cacerts = ${charon.dir}/ca.crt
             id = "C=CH, O=ipsec test, CN=a.example" }`
        : `local { auth = psk
            id = ${hosts.b.addr} }
    remote { auth = psk
             id = ${hosts.a.addr} }`
    }
    children { net { local_ts = ${hosts.b.lan}/32
                     remote_ts = ${hosts.a.lan}/32
                     esp_proposals = aes256gcm16 } }
  }
}
${auth === 'psk' ? `secrets { ike-ours { id-a = ${hosts.a.addr}\n id-b = ${hosts.b.addr}\n secret = "${COOKIE_PSK}" } }\n` : ''}`;
}

const COOKIE_PSK = 'cookie-psk-0123456789';

describe.skipIf(skip)('IKEv2 interop with strongSwan: our engine on sockets', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.b.ns);
    await charon.start();
    output = '';
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail')
      console.log(
        `--- our engine ---\n${output.slice(-6000)}\n--- charon log ---\n${charon
          .log()
          .split('\n')
          .filter((l) => !/vici client|\[CFG\] {2}/.test(l))
          .join('\n')
          .slice(-8000)}`,
      );
    // The whole process group: `ip netns exec` and tsx each leave the next process running as a child.
    if (ours?.pid) {
      try {
        process.kill(-ours.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    ours = undefined;
    delete process.env.SWANCTL_DIR;
    charon.cleanup();
    hosts.down();
  });

  for (const [cert, label] of [
    ['a-ecdsa', 'ECDSA P-256'],
    ['a-p384', 'ECDSA P-384'],
    ['a-rsa', 'RSA 4096'],
  ] as const) {
    for (const direction of ['we initiate', 'charon initiates'] as const) {
      it(`our ${label} certificate, charon's RSA certificate, same CA: ${direction}`, async () => {
        const loaded = charon.load(charonConf());
        expect(loaded).toMatch(/loaded connection 'ours'/);
        await startOurs(
          ourConfig(cert, direction === 'charon initiates'),
          direction === 'we initiate' ? 'strongswan' : undefined,
        );
        if (direction === 'charon initiates')
          expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(
            /initiate completed successfully/,
          );
        const sas = await until('charon to list the SAs', () => {
          const t = charon.listSas();
          return /ESTABLISHED/.test(t) && /INSTALLED/.test(t) ? t : undefined;
        });
        expect(sas).toMatch(/remote 'C=CH, O=ipsec test, CN=a.example'/);
        expect(charon.log()).toMatch(
          /authentication of 'C=CH, O=ipsec test, CN=a.example' with (RSA_EMSA_PKCS1_SHA2_256|ECDSA[-_]\w+) successful/i,
        );
        expect(charon.log()).toMatch(/received end entity cert "C=CH, O=ipsec test, CN=a.example"/);
        await until(
          'our IKE SA',
          () => (/"state":"established"/.test(output) && /"type":"installSa"/.test(output)) || undefined,
        );
        expect(output).toMatch(/\(dn:C=CH, O=ipsec test, CN=b\.example\)/);
        // A 4096-bit certificate and signature make our IKE_AUTH message bigger than 1280 bytes: fragmented (RFC 7383).
        if (cert === 'a-rsa')
          expect(charon.log()).toMatch(
            /received fragment #\d+ of \d+, waiting for complete IKE message|received fragment #\d+ of \d+, reassembled fragmented IKE message/,
          );
      }, 60_000);
    }
  }

  it('COOKIE as responder (threshold 0): charon retries IKE_SA_INIT with our cookie', async () => {
    charon.load(charonConf('psk'));
    const cfg = ourConfig('a-ecdsa', true);
    await startOurs({
      ...cfg,
      identities: [{ peer: 'strongswan', 'auth-method': 'pre-shared-key', secret: COOKIE_PSK }],
      engineOptions: { cookieThreshold: 0 },
    });
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(
      /initiate completed successfully/,
    );
    expect(charon.log()).toMatch(/received COOKIE/i);
    expect(charon.log()).toMatch(/generating IKE_SA_INIT request 0 \[ N\(COOKIE\) SA KE No/);
    await until(
      'our IKE SA',
      () => (/"state":"established"/.test(output) && /"type":"installSa"/.test(output)) || undefined,
    );
    expect(output).toMatch(/asking 192\.0\.2\.2 for a COOKIE/);
  }, 60_000);
});

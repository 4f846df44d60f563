// Interop: certificate authentication through the AGENT (System > Certificates over REST) against a real
// strongSwan. The agent is the CA, RouterOS road-warrior style: `add` a CA, our certificate and one for
// charon, `sign` both with the CA, `export-certificate` charon's (PEM + passphrase-encrypted key) and the
// CA, load them into charon's swanctl directories, and establish with auth-method=digital-signature,
// both directions, RSA 2048 and ECDSA P-256.
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { TwoHosts, canUseNetns } from './netns.ts';
import { until } from './wait.ts';

const skip = !canUseNetns();
const PASS = 'export-pass-123';
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;

async function post(path: string, body: Record<string, unknown>): Promise<any> {
  const r = await agent.rest('POST', path, body);
  if (r.status !== 200) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

type Kind = { label: string; key: Record<string, string>; charonAuth: RegExp };
const KINDS: Kind[] = [
  {
    label: 'RSA 2048',
    key: { 'key-type': 'rsa', 'key-size': '2048' },
    charonAuth: /authentication of 'CN=a\.example' with (RSA_EMSA_PKCS1_SHA2_256|RSA_EMSA_PSS\w*) successful/,
  },
  {
    label: 'ECDSA P-256',
    key: { 'key-type': 'ecdsa', 'key-size': 'prime256v1' },
    charonAuth: /authentication of 'CN=a\.example' with ECDSA[-_]\w+ successful/,
  },
];

/** The agent's certificates: CA, ours (a.example), charon's (b.example), signed by the CA; charon's exported into its swanctl dir. */
async function certificates(k: Kind): Promise<void> {
  await agent.add('certificate', { name: 'ca', 'common-name': 'interop-ca', ...k.key, 'days-valid': '30' });
  await agent.add('certificate', {
    name: 'ours',
    'common-name': 'a.example',
    'subject-alt-name': `IP:${hosts.a.addr}`,
    ...k.key,
    'days-valid': '30',
  });
  await agent.add('certificate', { name: 'charon', 'common-name': 'b.example', ...k.key, 'days-valid': '30' });
  expect((await post('certificate/sign', { number: 'ours', ca: 'ca' })).issuer).toBe('CN=interop-ca');
  expect((await post('certificate/sign', { number: 'charon', ca: 'ca' })).flags).toBe('KI');
  const ca = (await post('certificate/export-certificate', { number: 'ca' })).files;
  const b = (await post('certificate/export-certificate', { number: 'charon', 'export-passphrase': PASS })).files;
  expect(b.map((f: any) => f.name)).toEqual(['cert_export_charon.crt', 'cert_export_charon.key']);
  // swanctl: x509ca/, x509/, private/ under SWANCTL_DIR (the key decrypted here, as an admin would with openssl).
  for (const d of ['x509ca', 'x509', 'private']) mkdirSync(join(charon.dir, d), { recursive: true });
  writeFileSync(join(charon.dir, 'x509ca', 'ca.crt'), ca[0].content);
  writeFileSync(join(charon.dir, 'x509', 'b.crt'), b[0].content);
  writeFileSync(
    join(charon.dir, 'private', 'b.key'),
    createPrivateKey({ key: b[1].content, passphrase: PASS }).export({ type: 'pkcs8', format: 'pem' }),
  );
  process.env.SWANCTL_DIR = charon.dir;
}

function charonConf(): string {
  return `connections {
  ours {
    version = 2
    local_addrs = ${hosts.b.addr}
    remote_addrs = ${hosts.a.addr}
    encap = yes
    proposals = aes256-sha256-ecp256
    local { auth = pubkey
            certs = b.crt
            id = "CN=b.example" }
    remote { auth = pubkey
             cacerts = ca.crt
             id = "CN=a.example" }
    children { net { local_ts = ${hosts.b.lan}/32
                     remote_ts = ${hosts.a.lan}/32
                     esp_proposals = aes256gcm16 } }
  }
}
`;
}

/** Our side over REST: profile, proposal, peer, identity with our certificate, policy. */
async function configureAgent(passive: boolean, pinned: boolean): Promise<void> {
  await agent.add('ip/ipsec/profile', {
    name: 'certs',
    'enc-algorithm': 'aes-256',
    'hash-algorithm': 'sha256',
    'dh-group': 'ecp256',
  });
  await agent.add('ip/ipsec/proposal', {
    name: 'certs',
    'enc-algorithms': 'aes-256-gcm',
    'auth-algorithms': 'null',
    'pfs-group': 'none',
  });
  await agent.add('ip/ipsec/peer', {
    name: 'strongswan',
    address: `${hosts.b.addr}/32`,
    'exchange-mode': 'ike2',
    profile: 'certs',
    passive: passive ? 'yes' : 'no',
  });
  await agent.add('ip/ipsec/identity', {
    peer: 'strongswan',
    'auth-method': 'digital-signature',
    certificate: 'ours',
    ...(pinned ? { 'remote-certificate': 'charon', 'match-by': 'certificate' } : { 'remote-id': 'dn:CN=b.example' }),
  });
  await agent.add('ip/ipsec/policy', {
    peer: 'strongswan',
    tunnel: 'yes',
    'src-address': `${hosts.a.lan}/32`,
    'dst-address': `${hosts.b.lan}/32`,
    proposal: 'certs',
  });
}

describe.skipIf(skip)('IKEv2 certificate interop through the agent (System > Certificates)', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    await Promise.all([charon.start(), agent.start()]);
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      console.log(
        `--- agent output ---\n${agent.output.slice(-6000)}\n--- charon log ---\n${charon
          .log()
          .split('\n')
          .filter((l) => !/vici client|\[CFG\] {2}/.test(l))
          .join('\n')
          .slice(-8000)}`,
      );
    }
    delete process.env.SWANCTL_DIR;
    agent.cleanup();
    charon.cleanup();
    hosts.down();
  });

  for (const k of KINDS) {
    for (const direction of ['we initiate', 'charon initiates'] as const) {
      const pinned = direction === 'charon initiates';
      it(`${k.label}, CA in the agent: ${direction}${pinned ? ' (remote-certificate pinned)' : ' (remote-id dn)'}`, async () => {
        await certificates(k);
        const loaded = charon.load(charonConf());
        expect(loaded).toMatch(/loaded connection 'ours'/);
        expect(loaded).toMatch(/loaded certificate from '.*b\.crt'/);
        await configureAgent(direction === 'charon initiates', pinned);
        if (direction === 'charon initiates')
          expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(
            /initiate completed successfully/,
          );
        const sas = await until('charon to list the SAs', () => {
          const t = charon.listSas();
          return /ESTABLISHED/.test(t) && /INSTALLED/.test(t) ? t : undefined;
        });
        expect(sas).toMatch(/remote 'CN=a\.example'/);
        expect(sas).toMatch(/local {2}'CN=b\.example'/);
        const log = charon.log();
        expect(log).toMatch(k.charonAuth);
        expect(log).toMatch(/received end entity cert "CN=a\.example"/);
        expect(log).toMatch(/using trusted ca certificate "CN=interop-ca"/);
        const peers = await until('our Active Peers', async () => {
          const r = await agent.rest('GET', 'ip/ipsec/active-peers');
          return r.json.find((p: any) => p.state === 'established') ? r.json : undefined;
        });
        expect(peers[0]).toMatchObject({
          'remote-address': hosts.b.addr,
          side: direction === 'we initiate' ? 'initiator' : 'responder',
        });
        expect((await agent.rest('GET', 'ip/ipsec/installed-sa')).json).toHaveLength(2);
        // The certificates as the agent shows them: keys masked, issued by the CA.
        const certs = (await agent.rest('GET', 'certificate')).json;
        expect(certs.map((c: any) => [c.name, c.flags, c['private-key-pem']])).toEqual([
          ['ca', 'KAT', '********'],
          ['ours', 'KI', '********'],
          ['charon', 'KI', '********'],
        ]);
      }, 60_000);
    }
  }

  it('a certificate from a CA the agent does not trust is refused (trusted=no)', async () => {
    const k = KINDS[1]!;
    await certificates(k);
    // Re-sign charon's certificate with a second, untrusted CA of the agent.
    await agent.add('certificate', { name: 'other-ca', 'common-name': 'other-ca', ...k.key, trusted: 'no' });
    await post('certificate/sign', { number: 'charon', ca: 'other-ca' });
    const b = (await post('certificate/export-certificate', { number: 'charon' })).files;
    writeFileSync(join(charon.dir, 'x509', 'b.crt'), b[0].content);
    charon.load(charonConf());
    await configureAgent(false, false);
    await until('our refusal', () => /not issued by a trusted CA/.test(agent.output) || undefined);
    // charon (the responder) had authenticated us and set its side up; we tell it AUTHENTICATION_FAILED
    // (RFC 7296 2.21.2), so it drops its SAs too. Ours must never be up.
    expect((await agent.rest('GET', 'ip/ipsec/installed-sa')).json).toEqual([]);
    const peers = (await agent.rest('GET', 'ip/ipsec/active-peers')).json;
    expect(peers.filter((p: any) => p.state === 'established')).toEqual([]);
    await until(
      'charon to hear AUTHENTICATION_FAILED',
      () => /parsed INFORMATIONAL request \d+ \[ N\(AUTH_FAILED\) \]/.test(charon.log()) || undefined,
      10_000,
    );
  }, 60_000);
});

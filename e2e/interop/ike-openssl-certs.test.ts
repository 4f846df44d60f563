// Interop: certificates made by openssl (as admins make them, not by the agent) against a real strongSwan, issue
// #14 points 1-3: DN identities with UTF8String subjects compared as names; our intermediate CA sent to a peer that
// trusts only the root; RSA 3072 and the other key types node:crypto supports. The agent imports the PEMs over REST
// (System > Certificates); charon loads them from its swanctl directories.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentInNetns } from './agent-in-netns.ts';
import { Charon } from './charon.ts';
import { TwoHosts, canUseNetns } from './netns.ts';
import { OpensslPki, type Issued, type KeySpec } from './openssl-pki.ts';
import { until } from './wait.ts';

const skip = !canUseNetns();
let hosts: TwoHosts;
let agent: AgentInNetns;
let charon: Charon;
let pki: OpensslPki;

/** charon's side: trusts `anchor` only, authenticates with `own` as `id`, expects us as `remoteId`. */
function charonSide(anchor: Issued, own: Issued, o: { id: string; remoteId: string; ike?: string }): string {
  process.env.SWANCTL_DIR = charon.dir;
  for (const d of ['x509ca', 'x509', 'private']) mkdirSync(join(charon.dir, d), { recursive: true });
  writeFileSync(join(charon.dir, 'x509ca', 'root.crt'), anchor.cert);
  writeFileSync(join(charon.dir, 'x509', 'b.crt'), own.cert);
  writeFileSync(join(charon.dir, 'private', 'b.key'), own.key);
  return charon.load(`connections {
  ours {
    version = 2
    local_addrs = ${hosts.b.addr}
    remote_addrs = ${hosts.a.addr}
    encap = yes
    proposals = ${o.ike ?? 'aes256-sha256-ecp256'}
    local { auth = pubkey
            certs = b.crt
            id = "${o.id}" }
    remote { auth = pubkey
             id = "${o.remoteId}" }
    children { net { local_ts = ${hosts.b.lan}/32
                     remote_ts = ${hosts.a.lan}/32
                     esp_proposals = aes256gcm16 } }
  }
}
`);
}

/** Our side over REST: the CA certificates (the root trusted), ours with its key, and a certificate identity. */
async function agentSide(
  cas: { c: Issued; trusted: boolean }[],
  own: Issued,
  o: { passive: boolean; remoteId: string },
): Promise<void> {
  for (const { c, trusted } of cas)
    await agent.add('certificate', { name: c.name, 'certificate-pem': c.cert, trusted: trusted ? 'yes' : 'no' });
  await agent.add('certificate', { name: 'ours', 'certificate-pem': own.cert, 'private-key-pem': own.key });
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
    passive: o.passive ? 'yes' : 'no',
  });
  await agent.add('ip/ipsec/identity', {
    peer: 'strongswan',
    'auth-method': 'digital-signature',
    certificate: 'ours',
    'remote-id': o.remoteId,
  });
  await agent.add('ip/ipsec/policy', {
    peer: 'strongswan',
    tunnel: 'yes',
    'src-address': `${hosts.a.lan}/32`,
    'dst-address': `${hosts.b.lan}/32`,
    proposal: 'certs',
  });
}

async function established(): Promise<string> {
  const sas = await until(
    'charon to list the SAs',
    () => {
      const t = charon.listSas();
      return /ESTABLISHED/.test(t) && /INSTALLED/.test(t) ? t : undefined;
    },
    20_000,
  );
  await until('our installed SAs', async () => {
    const r = await agent.rest('GET', 'ip/ipsec/installed-sa');
    return r.json.length === 2 || undefined;
  });
  return sas;
}

describe.skipIf(skip)('IKEv2 with openssl-made certificates (issue #14 points 1-3)', () => {
  beforeEach(async () => {
    hosts = new TwoHosts().up();
    charon = new Charon(hosts.b.ns);
    agent = new AgentInNetns(hosts.a.ns);
    pki = new OpensslPki();
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
    pki.cleanup();
    hosts.down();
  });

  it('1. DN identities with UTF8String subjects are compared as names (charon initiates, sends its ID as PrintableString)', async () => {
    const ec: KeySpec = { ec: 'P-256' };
    const root = pki.root('root', '/O=x/CN=interop root', ec);
    const a = pki.issue(root, 'a', '/O=x/CN=a.example', ec);
    const b = pki.issue(root, 'b', '/O=x/CN=b.example', ec);
    expect(charonSide(root, b, { id: 'O=x, CN=b.example', remoteId: 'O=x, CN=a.example' })).toMatch(
      /loaded connection 'ours'/,
    );
    // Our remote-id written as an admin would: other spacing and case than the certificate's subject.
    await agentSide([{ c: root, trusted: true }], a, { passive: true, remoteId: 'dn:o=X,  CN=B.example' });
    expect(charon.swanctl(['--initiate', '--child', 'net', '--timeout', '15'])).toMatch(
      /initiate completed successfully/,
    );
    const sas = await established();
    expect(sas).toMatch(/remote 'O=x, CN=a\.example'/);
    expect(sas).toMatch(/local {2}'O=x, CN=b\.example'/);
  }, 90_000);

  it('2. our intermediate CA goes in IKE_AUTH: charon trusts only the root (we initiate)', async () => {
    const ec: KeySpec = { ec: 'P-256' };
    const root = pki.root('root', '/O=x/CN=interop root', ec);
    const inter = pki.issue(root, 'inter', '/O=x/CN=interop intermediate', ec, { ca: true });
    const a = pki.issue(inter, 'a', '/O=x/CN=a.example', ec, { san: `IP:${hosts.a.addr}` });
    const b = pki.issue(root, 'b', '/O=x/CN=b.example', ec);
    charonSide(root, b, { id: 'O=x, CN=b.example', remoteId: 'O=x, CN=a.example' });
    await agentSide(
      [
        { c: root, trusted: true },
        { c: inter, trusted: false },
      ],
      a,
      { passive: false, remoteId: 'dn:O=x, CN=b.example' },
    );
    await established();
    const log = charon.log();
    expect(log).toMatch(/received end entity cert "O=x, CN=a\.example"/);
    expect(log).toMatch(/received issuer cert "O=x, CN=interop intermediate"/);
    // The root is not sent: charon must already have it.
    expect(log).not.toMatch(/received issuer cert "O=x, CN=interop root"/);
  }, 90_000);

  const KEYS: { label: string; spec: KeySpec; ike: string }[] = [
    { label: 'RSA 3072', spec: { rsa: 3072 }, ike: 'aes256-sha256-ecp256' },
    { label: 'ECDSA P-384', spec: { ec: 'P-384' }, ike: 'aes256-sha384-ecp384' },
    { label: 'ECDSA P-521', spec: { ec: 'P-521' }, ike: 'aes256-sha512-ecp521' },
  ];
  for (const k of KEYS) {
    it(`3. ${k.label} keys, both directions of signature`, async () => {
      const root = pki.root('root', '/CN=interop root', k.spec);
      const a = pki.issue(root, 'a', '/CN=a.example', k.spec);
      const b = pki.issue(root, 'b', '/CN=b.example', k.spec);
      charonSide(root, b, { id: 'CN=b.example', remoteId: 'CN=a.example' });
      await agentSide([{ c: root, trusted: true }], a, { passive: false, remoteId: 'dn:CN=b.example' });
      const sas = await established();
      expect(sas).toMatch(/remote 'CN=a\.example'/);
      expect(charon.log()).toMatch(/authentication of 'CN=a\.example' with \S+ successful/);
    }, 90_000);
  }
});

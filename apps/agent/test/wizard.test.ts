// The road-warrior and site-to-site wizards against a real agent over real sockets: preview (objects,
// warnings, errors naming the wizard field), finish as one batch (and nothing when it fails), the
// generated client files checked with the tools that consume them (openssl verify / pkcs12, an XML
// plist parser, JSON, strongSwan's own charon + swanctl where this machine has them), and who may
// finish and download what.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import * as plist from 'plist';
import type { WizardFinishResult } from '@ipsec/schema';
import { ADMIN_PASSWORD, login, rejects, startTestAgent, trpc, type TestAgent, type TrpcSession } from './harness.ts';

let t: TestAgent;
let admin: TrpcSession;
let adminCookie: string;
let work: string;
const PASS = 'p12-passphrase-0123';
const PSK = 'road-warrior-psk-secret-42';
const EAP_PW = 'eap-user-password-1';
const SECRETS = [PASS, PSK, EAP_PW, 'site2site-psk-secret-9'];

beforeAll(async () => {
  t = await startTestAgent();
  adminCookie = await login(t.url, 'admin', ADMIN_PASSWORD);
  admin = trpc(t.url, adminCookie);
  await admin.client.system.users.add.mutate({ name: 'ro', group: 'read', password: 'ro-password-1' });
  await admin.client.system.users.add.mutate({ name: 'wr', group: 'write', password: 'wr-password-1' });
  await admin.client.system.users.add.mutate({ name: 'full2', group: 'full', password: 'full2-password-1' });
  work = mkdtempSync(join(tmpdir(), 'wizard-test-'));
});
afterAll(async () => {
  admin.close();
  await t.close();
  rmSync(work, { recursive: true, force: true });
});

async function get(cookie: string | undefined, url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}${url}`, { headers: { ...(cookie ? { cookie } : {}), ...headers } });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    body,
    text: body.toString('utf8'),
    type: res.headers.get('content-type') ?? '',
    disposition: res.headers.get('content-disposition') ?? '',
  };
}

function file(r: WizardFinishResult, filename: string) {
  const f = r.profiles.find((p) => p.filename === filename);
  if (!f) throw new Error(`no ${filename} in ${r.profiles.map((p) => p.filename).join(', ')}`);
  return f;
}

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** strongswan.conf / swanctl.conf syntax: sections `name { ... }` and `key = value`, # comments. */
function parseSwanctl(text: string): Record<string, any> {
  const root: Record<string, any> = {};
  const stack = [root];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([A-Za-z0-9_.-]+)\s*\{$/.exec(line))) {
      const sec: Record<string, any> = {};
      stack[stack.length - 1]![m[1]!] = sec;
      stack.push(sec);
    } else if (line === '}') {
      stack.pop();
      if (stack.length === 0) throw new Error('unbalanced }');
    } else if ((m = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line))) {
      let v = m[2]!;
      if (v.startsWith('"')) v = JSON.parse(v);
      stack[stack.length - 1]![m[1]!] = v;
    } else throw new Error(`not swanctl syntax: ${line}`);
  }
  if (stack.length !== 1) throw new Error('unclosed section');
  return root;
}

const CHARON = '/usr/lib/ipsec/charon';
const canRunCharon =
  process.getuid?.() === 0 &&
  existsSync(CHARON) &&
  existsSync('/usr/sbin/swanctl') &&
  spawnSync('unshare', ['-m', '-n', 'true']).status === 0;

/**
 * Load a swanctl.conf (and the credentials in `files`) into a real charon running in its own mount
 * and network namespace; returns swanctl's output of --load-all and --list-conns.
 */
async function loadIntoCharon(
  conf: string,
  files: Record<string, Buffer | string>,
): Promise<{ load: string; loadStatus: number | null; conns: string }> {
  const d = mkdtempSync(join(work, 'charon-'));
  const run = join(d, 'run');
  mkdirSync(run);
  for (const sub of ['x509ca', 'x509', 'pkcs12', 'private', 'conf.d'])
    mkdirSync(join(d, 'swanctl', sub), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, 'swanctl', name), content);
  writeFileSync(join(d, 'swanctl', 'swanctl.conf'), conf);
  writeFileSync(
    join(d, 'strongswan.conf'),
    `charon {
  load = random nonce aes des rc2 sha1 sha2 md5 hmac gcm ctr ccm chapoly curve25519 kdf xcbc cmac gmp openssl pem ` +
      `pkcs1 pkcs7 pkcs8 pkcs12 x509 pubkey constraints revocation eap-mschapv2 eap-identity kernel-netlink ` +
      `socket-default vici
  plugins { vici { socket = unix://${run}/charon.vici } }
  filelog { log { path = ${d}/charon.log
                  default = 1 } }
}
`,
  );
  const charon = spawn('unshare', ['-m', '-n', 'sh', '-c', `mount --bind ${run} /run && exec ${CHARON}`], {
    env: { ...process.env, STRONGSWAN_CONF: join(d, 'strongswan.conf') },
    stdio: 'ignore',
  });
  try {
    const vici = join(run, 'charon.vici');
    for (let i = 0; i < 100 && !existsSync(vici); i++) await new Promise((r) => setTimeout(r, 100));
    if (!existsSync(vici))
      throw new Error(
        `charon did not start: ${existsSync(join(d, 'charon.log')) ? readFileSync(join(d, 'charon.log'), 'utf8') : ''}`,
      );
    const env = { ...process.env, SWANCTL_DIR: join(d, 'swanctl') };
    const uri = `unix://${vici}`;
    const load = spawnSync(
      'swanctl',
      ['--load-all', '--noprompt', '--uri', uri, '--file', join(d, 'swanctl', 'swanctl.conf')],
      { encoding: 'utf8', env },
    );
    const conns = spawnSync('swanctl', ['--list-conns', '--uri', uri], { encoding: 'utf8', env });
    return { load: `${load.stdout}${load.stderr}`, loadStatus: load.status, conns: `${conns.stdout}${conns.stderr}` };
  } finally {
    charon.kill('SIGTERM');
    await new Promise((r) => charon.once('exit', r));
  }
}

const RW_CERT = {
  name: 'rw',
  auth: 'certificate' as const,
  serverAddress: 'vpn.example.com',
  pool: '10.10.10.10-10.10.10.200',
  dns: ['10.5.8.1'],
  splitNetworks: ['10.5.8.0/24'],
  clientCertificates: ['alice', 'bob'],
  exportPassphrase: PASS,
};

describe('road warrior with certificates', () => {
  let result: WizardFinishResult;

  it("preview lists the objects it will create, in RouterOS menus, and the clients' warnings", async () => {
    const p = await admin.client.wizard.preview.query(RW_CERT);
    expect(
      p.objects.map((o) => `${o.menu}:${String(o.values.name ?? o.values['auth-method'] ?? o.values.group)}`),
    ).toEqual([
      'certificate:rw-ca',
      'certificate:rw-server',
      'certificate:rw-alice',
      'certificate:rw-bob',
      'pool:rw-pool',
      'mode-config:rw-conf',
      'policy-group:rw-policies',
      'proposal:rw',
      'profile:rw',
      'peer:rw',
      'policy:rw-policies',
      'identity:digital-signature',
    ]);
    const by = (menu: string, name?: string) =>
      p.objects.find((o) => o.menu === menu && (name === undefined || o.values.name === name))!.values;
    expect(by('certificate', 'rw-server')).toMatchObject({
      'common-name': 'vpn.example.com',
      'subject-alt-name': ['DNS:vpn.example.com'],
      'key-usage': expect.arrayContaining(['tls-server']),
    });
    expect(p.objects.find((o) => o.values.name === 'rw-alice')!.note).toMatch(/signed by rw-ca/);
    expect(by('peer')).toMatchObject({ name: 'rw', passive: true, 'exchange-mode': 'ike2', profile: 'rw' });
    expect(by('identity')).toMatchObject({
      'auth-method': 'digital-signature',
      certificate: 'rw-server',
      'generate-policy': 'port-strict',
      'mode-config': 'rw-conf',
      'policy-template-group': 'rw-policies',
      'my-id': 'fqdn:vpn.example.com',
    });
    expect(by('policy')).toMatchObject({
      template: true,
      group: 'rw-policies',
      'src-address': '0.0.0.0/0',
      'dst-address': '10.10.10.0/24',
      proposal: 'rw',
    });
    expect(by('mode-config')).toMatchObject({
      'address-pool': 'rw-pool',
      'split-include': ['10.5.8.0/24'],
      'system-dns': false,
      'static-dns': ['10.5.8.1'],
    });
    expect(by('proposal')).toMatchObject({ 'pfs-group': 'none' });
    expect(p.warnings).toContainEqual(expect.objectContaining({ client: 'windows', field: 'splitNetworks' }));
    expect(p.warnings).toContainEqual(expect.objectContaining({ client: 'ios', field: 'dns' }));
    expect(p.warnings.filter((w) => w.field.startsWith('proposals'))).toEqual([]);
    // Nothing was created by a preview.
    expect((await admin.client.config.print.query({ menu: 'peer' })).items.some((e) => e.name === 'rw')).toBe(false);
  });

  it('preview errors name the wizard field', async () => {
    const e = await rejects(
      admin.client.wizard.preview.query({
        ...RW_CERT,
        pool: ['10.10.10.10-10.10.10.300'],
        users: [{ name: 'x', password: '1' }],
      }),
    );
    expect(e.data?.code).toBe('BAD_REQUEST');
    expect(e.data?.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ menu: 'wizard', field: 'pool.0' }),
        expect.objectContaining({ menu: 'wizard', field: 'users.0.password' }),
      ]),
    );
    const e2 = await rejects(admin.client.wizard.preview.query({ ...RW_CERT, clientCertificates: ['ca'] }));
    expect(e2.data?.issues).toContainEqual(
      expect.objectContaining({
        field: 'clientCertificates.0',
        message: expect.stringMatching(/"rw-ca" would be created twice/),
      }),
    );
  });

  it('a read user cannot finish, and nothing changes', async () => {
    const cookie = await login(t.url, 'ro', 'ro-password-1');
    const ro = trpc(t.url, cookie);
    try {
      const before = (await ro.client.config.history.query({ limit: 1 }))[0]!.rev;
      expect((await ro.client.wizard.preview.query(RW_CERT)).objects.length).toBe(12);
      const e = await rejects(ro.client.wizard.finish.mutate(RW_CERT));
      expect(e.data?.code).toBe('FORBIDDEN');
      expect((await ro.client.config.history.query({ limit: 1 }))[0]!.rev).toBe(before);
    } finally {
      ro.close();
    }
  });

  it("finish creates everything in one revision and lists the clients' files", async () => {
    const before = (await admin.client.config.history.query({ limit: 1 }))[0]!.rev;
    result = await admin.client.wizard.finish.mutate(RW_CERT);
    const history = await admin.client.config.history.query({ limit: 2 });
    expect(history[0]!.rev).toBe(before + 1);
    expect(history[0]!.summary).toMatch(/wizard: road warrior "rw"/);
    expect(result.name).toBe('rw');
    const names = result.profiles.map((p) => `${p.client}:${p.filename}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'all:rw-ca.crt',
        'all:rw-alice.p12',
        'windows:rw-alice.ps1',
        'macos:rw-alice.mobileconfig',
        'ios:rw-alice.mobileconfig',
        'android:rw-alice.sswan',
        'linux:rw-alice.swanctl.conf',
        'all:rw-bob.p12',
      ]),
    );
    expect(file(result, 'rw-alice.p12')).toMatchObject({
      containsKey: true,
      user: 'alice',
      url: '/api/wizard/rw/profile/rw-alice.p12',
    });
    expect(file(result, 'rw-ca.crt').containsKey).toBe(false);
    const certs = (await admin.client.config.print.query({ menu: 'certificate' })).items.map((c) => c.name);
    expect(certs).toEqual(expect.arrayContaining(['rw-ca', 'rw-server', 'rw-alice', 'rw-bob']));
    // The same list again for the stored setup.
    const again = await admin.client.wizard.profiles.query('rw');
    expect(again.profiles.map((p) => p.filename).sort()).toEqual(result.profiles.map((p) => p.filename).sort());
  });

  it('certificates verify against the CA; the .p12 opens with the passphrase', async () => {
    const ca = await get(adminCookie, file(result, 'rw-ca.crt').url);
    expect(ca.status).toBe(200);
    expect(ca.text).toMatch(/BEGIN CERTIFICATE/);
    writeFileSync(join(work, 'ca.crt'), ca.text);
    const p12 = await get(adminCookie, file(result, 'rw-alice.p12').url);
    expect(p12.status).toBe(200);
    expect(p12.type).toBe('application/x-pkcs12');
    expect(p12.disposition).toBe('attachment; filename="rw-alice.p12"');
    writeFileSync(join(work, 'alice.p12'), p12.body);
    const info = openssl(['pkcs12', '-info', '-in', join(work, 'alice.p12'), '-passin', `pass:${PASS}`, '-nodes']);
    expect(info.status, info.out).toBe(0);
    expect(info.out).toMatch(/PRIVATE KEY/);
    expect(info.out).toMatch(/subject=CN = alice/);
    expect(
      openssl(['pkcs12', '-info', '-in', join(work, 'alice.p12'), '-passin', 'pass:wrong-passphrase', '-nodes']).status,
    ).not.toBe(0);
    expect(
      openssl([
        'pkcs12',
        '-in',
        join(work, 'alice.p12'),
        '-passin',
        `pass:${PASS}`,
        '-nokeys',
        '-clcerts',
        '-out',
        join(work, 'alice.crt'),
      ]).status,
    ).toBe(0);
    const v = openssl(['verify', '-CAfile', join(work, 'ca.crt'), join(work, 'alice.crt')]);
    expect(v.out).toMatch(/alice\.crt: OK/);
    const server = (await admin.client.config.print.query({ menu: 'certificate' })).items.find(
      (c) => c.name === 'rw-server',
    )!;
    const exported = await admin.client.config.exportCertificate.mutate({ id: server.id, type: 'pem' });
    writeFileSync(join(work, 'server.crt'), exported.files[0]!.content);
    expect(
      openssl(['verify', '-CAfile', join(work, 'ca.crt'), '-purpose', 'sslserver', join(work, 'server.crt')]).out,
    ).toMatch(/server\.crt: OK/);
    expect(openssl(['x509', '-in', join(work, 'server.crt'), '-noout', '-ext', 'subjectAltName']).out).toMatch(
      /DNS:vpn\.example\.com/,
    );
  });

  it('the .mobileconfig is an XML plist with the server identity, the proposals, the CA and the p12', async () => {
    const r = await get(adminCookie, file(result, 'rw-alice.mobileconfig').url);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/x-apple-aspen-config');
    const doc = plist.parse(r.text) as any;
    expect(doc.PayloadType).toBe('Configuration');
    const vpn = doc.PayloadContent.find((p: any) => p.PayloadType === 'com.apple.vpn.managed');
    expect(vpn.VPNType).toBe('IKEv2');
    expect(vpn.IKEv2).toMatchObject({
      RemoteAddress: 'vpn.example.com',
      RemoteIdentifier: 'vpn.example.com',
      LocalIdentifier: 'alice',
      AuthenticationMethod: 'Certificate',
      IKESecurityAssociationParameters: {
        EncryptionAlgorithm: 'AES-256',
        IntegrityAlgorithm: 'SHA2-256',
        DiffieHellmanGroup: 14,
        LifeTimeInMinutes: 1440,
      },
      ChildSecurityAssociationParameters: {
        EncryptionAlgorithm: 'AES-256',
        IntegrityAlgorithm: 'SHA2-256',
        LifeTimeInMinutes: 30,
      },
      EnablePFS: 0,
      ServerCertificateIssuerCommonName: 'rw-ca',
      ServerCertificateCommonName: 'vpn.example.com',
    });
    const root = doc.PayloadContent.find((p: any) => p.PayloadType === 'com.apple.security.root');
    const p12 = doc.PayloadContent.find((p: any) => p.PayloadType === 'com.apple.security.pkcs12');
    expect(vpn.IKEv2.PayloadCertificateUUID).toBe(p12.PayloadUUID);
    writeFileSync(join(work, 'mc-ca.der'), Buffer.from(root.PayloadContent));
    expect(openssl(['x509', '-inform', 'DER', '-in', join(work, 'mc-ca.der'), '-noout', '-subject']).out).toMatch(
      /CN = rw-ca/,
    );
    writeFileSync(join(work, 'mc.p12'), Buffer.from(p12.PayloadContent));
    expect(openssl(['pkcs12', '-info', '-in', join(work, 'mc.p12'), '-passin', `pass:${PASS}`, '-nodes']).out).toMatch(
      /PRIVATE KEY/,
    );
    expect(r.text).not.toContain(PASS);
    // Downloaded again: same UUIDs, so the device replaces the profile instead of adding one.
    const doc2 = plist.parse((await get(adminCookie, file(result, 'rw-alice.mobileconfig').url)).text) as any;
    expect(doc2.PayloadUUID).toBe(doc.PayloadUUID);
  });

  it('the .sswan is JSON for the strongSwan app with the CA, the p12 and the proposals', async () => {
    const r = await get(adminCookie, file(result, 'rw-alice.sswan').url);
    expect(r.type).toBe('application/vnd.strongswan.profile');
    const j = JSON.parse(r.text);
    expect(j).toMatchObject({
      type: 'ikev2-cert',
      remote: { addr: 'vpn.example.com', id: 'vpn.example.com' },
      local: { id: 'alice' },
      'ike-proposal': 'aes256-aes128-sha256-modp2048-ecp256-modp1024',
      'esp-proposal': 'aes256-aes128-sha256-sha1',
      'split-tunneling': { subnets: '10.5.8.0/24' },
    });
    expect(j.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Buffer.from(j.remote.cert, 'base64').toString()).toMatch(/BEGIN CERTIFICATE/);
    writeFileSync(join(work, 'sswan.p12'), Buffer.from(j.local.p12, 'base64'));
    expect(
      openssl(['pkcs12', '-info', '-in', join(work, 'sswan.p12'), '-passin', `pass:${PASS}`, '-nodes']).status,
    ).toBe(0);
  });

  it('the PowerShell profile adds the connection with matching proposals and imports the certificates', async () => {
    const r = await get(adminCookie, file(result, 'rw-alice.ps1').url);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(
      /Import-Certificate -FilePath \(Join-Path \$here 'rw-ca\.crt'\) -CertStoreLocation Cert:\\LocalMachine\\Root/,
    );
    expect(r.text).toMatch(
      /Import-PfxCertificate -FilePath \(Join-Path \$here 'rw-alice\.p12'\) -CertStoreLocation Cert:\\LocalMachine\\My/,
    );
    expect(r.text).toMatch(
      /Add-VpnConnection -Name 'rw' -ServerAddress 'vpn\.example\.com' -TunnelType Ikev2 -AuthenticationMethod MachineCertificate .*-SplitTunneling/,
    );
    expect(r.text).toMatch(
      /Set-VpnConnectionIPsecConfiguration -ConnectionName 'rw' -AuthenticationTransformConstants SHA256128 -CipherTransformConstants AES256 -EncryptionMethod AES256 -IntegrityCheckMethod SHA256 -DHGroup Group14 -PfsGroup None/,
    );
    expect(r.text).toMatch(/Add-VpnConnectionRoute -ConnectionName 'rw' -DestinationPrefix '10\.5\.8\.0\/24'/);
  });

  it("the swanctl.conf has the server's id, the proposals, vips and pubkey auth, and loads into charon", async () => {
    const r = await get(adminCookie, file(result, 'rw-alice.swanctl.conf').url);
    const conf = parseSwanctl(r.text);
    const c = conf.connections.rw;
    expect(c).toMatchObject({
      version: '2',
      remote_addrs: 'vpn.example.com',
      vips: '0.0.0.0',
      proposals: 'aes256-aes128-sha256-modp2048-ecp256-modp1024',
      local: { auth: 'pubkey', id: 'alice' },
      remote: { auth: 'pubkey', id: 'vpn.example.com', cacerts: 'rw-ca.crt' },
      children: { rw: { remote_ts: '10.5.8.0/24', esp_proposals: 'aes256-aes128-sha256-sha1' } },
    });
    expect(conf.secrets['pkcs12-rw']).toMatchObject({ file: 'rw-alice.p12' });
    if (!canRunCharon) return;
    const ca = (await get(adminCookie, file(result, 'rw-ca.crt').url)).body;
    const p12 = (await get(adminCookie, file(result, 'rw-alice.p12').url)).body;
    // As the file tells the user: fill in the passphrase.
    const filled = r.text.replace('"<passphrase of the .p12 file>"', JSON.stringify(PASS));
    const out = await loadIntoCharon(filled, { 'x509ca/rw-ca.crt': ca, 'pkcs12/rw-alice.p12': p12 });
    expect(out.loadStatus, out.load).toBe(0);
    expect(out.load).toMatch(/loaded RSA key from .*rw-alice\.p12/);
    expect(out.load).toMatch(/loaded connection 'rw'/);
    expect(out.conns).toMatch(/remote_ts: 10\.5\.8\.0\/24|10\.5\.8\.0\/24/);
  });

  it('profiles follow the stored configuration after it is edited', async () => {
    const prof = (await admin.client.config.print.query({ menu: 'profile' })).items.find((p) => p.name === 'rw')!;
    await admin.client.config.set.mutate({
      menu: 'profile',
      ids: [prof.id],
      values: { 'dh-group': ['ecp384'], 'enc-algorithm': ['aes-128'], 'hash-algorithm': 'sha384' },
    });
    const mc = plist.parse((await get(adminCookie, file(result, 'rw-alice.mobileconfig').url)).text) as any;
    const vpn = mc.PayloadContent.find((p: any) => p.PayloadType === 'com.apple.vpn.managed');
    expect(vpn.IKEv2.IKESecurityAssociationParameters).toMatchObject({
      EncryptionAlgorithm: 'AES-128',
      IntegrityAlgorithm: 'SHA2-384',
      DiffieHellmanGroup: 20,
    });
    expect((await get(adminCookie, file(result, 'rw-alice.ps1').url)).text).toMatch(
      /-EncryptionMethod AES128 -IntegrityCheckMethod SHA384 -DHGroup ECP384/,
    );
    expect(JSON.parse((await get(adminCookie, file(result, 'rw-alice.sswan').url)).text)['ike-proposal']).toBe(
      'aes128-sha384-ecp384',
    );
    await admin.client.config.set.mutate({
      menu: 'profile',
      ids: [prof.id],
      values: {
        'dh-group': ['modp2048', 'ecp256', 'modp1024'],
        'enc-algorithm': ['aes-256', 'aes-128'],
        'hash-algorithm': 'sha256',
      },
    });
  });

  it('a name already used is an error on the field it comes from', async () => {
    const e = await rejects(admin.client.wizard.preview.query(RW_CERT));
    expect(e.data?.issues).toContainEqual(
      expect.objectContaining({
        menu: 'wizard',
        field: 'name',
        message: expect.stringMatching(/profile "rw" already exists/),
      }),
    );
    // Another name is no error; a second certificate setup for every address with the same phase 1 algorithms is
    // not shadowed either: the engine picks the setup whose CA issued the client's certificate.
    const p2 = await admin.client.wizard.preview.query({ ...RW_CERT, name: 'rw9' });
    expect(p2.objects).toHaveLength(12);
    expect(p2.warnings.filter((w) => /peer "rw" also answers IKEv2/.test(w.message))).toEqual([]);
    // With other algorithms, a warning: whichever peer is listed first gets every client.
    const other = {
      ...RW_CERT,
      name: 'rw8',
      proposals: {
        ike: { enc: ['aes-128'], hash: ['sha256'], dh: ['ecp256'] },
        esp: { enc: ['aes-128-cbc'], auth: ['sha256'], pfs: 'none' as const },
      },
    };
    const p3 = await admin.client.wizard.preview.query(other);
    expect(p3.warnings).toContainEqual(
      expect.objectContaining({
        client: 'all',
        field: 'name',
        message: expect.stringMatching(
          /peer "rw" also answers IKEv2 from every address, with other phase 1 algorithms/,
        ),
        fix: expect.stringMatching(
          /use profile "rw"'s algorithms here \(the engine then tells the two setups' clients apart by how they authenticate\), or give peer "rw" a specific address, or disable it/,
        ),
      }),
    );
    expect(p2.warnings).toContainEqual(
      expect.objectContaining({ field: 'pool', message: expect.stringMatching(/overlaps pool "rw-pool"/) }),
    );
  });

  it('an EAP setup beside the certificate setup, with the same algorithms, is not shadowed (only one of them uses EAP)', async () => {
    const eap = {
      name: 'rweap',
      auth: 'eap-mschapv2' as const,
      serverAddress: 'vpn.example.com',
      pool: '10.10.11.10-10.10.11.200',
      users: [{ name: 'zed', password: EAP_PW }],
    };
    // Same algorithms as "rw", listed in another order (the engine compares them order-free).
    const rwProfile = (await admin.client.config.print.query({ menu: 'profile' })).items.find((p) => p.name === 'rw')!;
    const same = {
      ike: {
        enc: [...(rwProfile['enc-algorithm'] as string[])].reverse(),
        hash: [rwProfile['hash-algorithm'] as string],
        dh: [...(rwProfile['dh-group'] as string[])].reverse(),
      },
      esp: { enc: ['aes-256-cbc'], auth: ['sha256'], pfs: 'none' as const },
    };
    const p = await admin.client.wizard.preview.query({ ...eap, proposals: same as any });
    expect(p.warnings.filter((w) => /also answers IKEv2/.test(w.message)).map((w) => w.message)).toEqual([]);
    // With other algorithms the peer listed first still takes every client: matching "rw"'s algorithms is the fix.
    const p2 = await admin.client.wizard.preview.query({
      ...eap,
      proposals: { ...same, ike: { enc: ['aes-128'], hash: ['sha256'], dh: ['ecp256'] } } as any,
    });
    expect(p2.warnings).toContainEqual(
      expect.objectContaining({
        field: 'name',
        message: expect.stringMatching(
          /peer "rw" also answers IKEv2 from every address, with other phase 1 algorithms \(profile "rw"\)/,
        ),
        fix: expect.stringMatching(/use profile "rw"'s algorithms here/),
      }),
    );
    // Two EAP setups with the same algorithms: EAP clients send no AUTH to tell them apart.
    await admin.client.wizard.finish.mutate({ ...eap, proposals: same as any });
    const p3 = await admin.client.wizard.preview.query({
      ...eap,
      name: 'rweap2',
      pool: '10.10.12.10-10.10.12.200',
      users: [{ name: 'ann', password: EAP_PW }],
      proposals: same as any,
    });
    expect(p3.warnings).toContainEqual(
      expect.objectContaining({
        field: 'name',
        message: expect.stringMatching(
          /peer "rweap" also answers IKEv2 from every address with the same phase 1 algorithms, and both setups use user name and password \(EAP\)/,
        ),
        fix: expect.stringMatching(
          /give peer "rweap" a specific address, or disable it; or authenticate this setup's clients with certificates or a pre-shared key/,
        ),
      }),
    );
  });
});

describe('downloads: who may get what', () => {
  it('key files are for group full only; public files for any logged-in user; none without a session', async () => {
    const base = '/api/wizard/rw/profile/';
    const ro = await login(t.url, 'ro', 'ro-password-1');
    const wr = await login(t.url, 'wr', 'wr-password-1');
    for (const c of [ro, wr]) {
      expect((await get(c, `${base}rw-alice.p12`, { 'x-export-passphrase': PASS })).status).toBe(403);
      expect((await get(c, `${base}rw-alice.mobileconfig`, { 'x-export-passphrase': PASS })).status).toBe(403);
      expect((await get(c, `${base}rw-alice.sswan`, { 'x-export-passphrase': PASS })).status).toBe(403);
      expect((await get(c, `${base}rw-ca.crt`)).status).toBe(200);
      expect((await get(c, `${base}rw-alice.ps1`)).status).toBe(200);
    }
    expect((await get(undefined, `${base}rw-ca.crt`)).status).toBe(401);
    expect((await get(adminCookie, `${base}nope.p12`)).status).toBe(404);
    expect((await get(adminCookie, '/api/wizard/nope/profile/x.crt')).status).toBe(404);
  });

  it('another full user needs the passphrase (header or POST body); the passphrase stays out of the audit', async () => {
    const f2 = await login(t.url, 'full2', 'full2-password-1');
    const none = await get(f2, '/api/wizard/rw/profile/rw-bob.p12');
    expect(none.status).toBe(400);
    expect(none.text).toMatch(/exportPassphrase/);
    expect(
      (await get(f2, '/api/wizard/rw/profile/rw-bob.p12', { 'x-export-passphrase': 'other-passphrase-1' })).status,
    ).toBe(200);
    const post = await fetch(`${t.url}/api/wizard/rw/profile/rw-bob.p12`, {
      method: 'POST',
      headers: { cookie: f2, 'content-type': 'application/json' },
      body: JSON.stringify({ passphrase: 'posted-passphrase-1' }),
    });
    expect(post.status).toBe(200);
    writeFileSync(join(work, 'bob.p12'), Buffer.from(await post.arrayBuffer()));
    expect(
      openssl(['pkcs12', '-info', '-in', join(work, 'bob.p12'), '-passin', 'pass:posted-passphrase-1', '-nodes'])
        .status,
    ).toBe(0);
    const foreign = await fetch(`${t.url}/api/wizard/rw/profile/rw-bob.p12`, {
      method: 'POST',
      headers: { cookie: f2, origin: 'http://evil.example' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
    const audit = await admin.client.system.audit.query({ limit: 200 });
    const exports = audit.filter((a: any) => a.action === 'wizard export');
    expect(exports.map((a: any) => `${a.user} ${a.detail}`)).toEqual(
      expect.arrayContaining(['full2 rw/rw-bob.p12 (with private key)', 'admin rw/rw-alice.p12 (with private key)']),
    );
    expect(JSON.stringify(audit)).not.toMatch(/p12-passphrase|other-passphrase|posted-passphrase/);
  });
});

describe('road warrior with EAP-MSCHAPv2 users', () => {
  let result: WizardFinishResult;
  const input = {
    name: 'eap',
    auth: 'eap-mschapv2' as const,
    serverAddress: '203.0.113.10',
    pool: ['10.20.0.10-10.20.0.99'],
    clients: ['windows', 'ios', 'android', 'linux'] as const,
    users: [{ name: 'carol', password: EAP_PW }],
    proposals: {
      ike: { enc: ['aes-256'], hash: ['sha256'], dh: ['modp2048', 'modp1024'] },
      esp: { enc: ['aes-256-cbc'], auth: ['sha256', 'sha1'], pfs: 'none' },
    },
  };

  it('finish adds the users and an eap-radius identity with the server certificate', async () => {
    result = await admin.client.wizard.finish.mutate({ ...input, clients: [...input.clients] });
    const ident = (await admin.client.config.print.query({ menu: 'identity' })).items.find((i) => i.peer === 'eap')!;
    expect(ident).toMatchObject({
      'auth-method': 'eap-radius',
      certificate: 'eap-server',
      'my-id': 'address:203.0.113.10',
    });
    const users = (await admin.client.config.print.query({ menu: 'user' })).items;
    expect(users.find((u) => u.name === 'carol')).toMatchObject({ password: '********' });
    expect(result.profiles.map((p) => `${p.client}:${p.filename}`)).toEqual(
      expect.arrayContaining([
        'all:eap-ca.crt',
        'windows:eap.ps1',
        'ios:eap-carol.mobileconfig',
        'android:eap-carol.sswan',
        'linux:eap-carol.swanctl.conf',
      ]),
    );
    expect(result.profiles.some((p) => p.client === 'macos')).toBe(false);
    expect(result.profiles.every((p) => !p.containsKey)).toBe(true);
  });

  it('profiles carry the user name (never the password) and trust the CA', async () => {
    const ro = await login(t.url, 'ro', 'ro-password-1');
    const mc = plist.parse((await get(ro, file(result, 'eap-carol.mobileconfig').url)).text) as any;
    const vpn = mc.PayloadContent.find((p: any) => p.PayloadType === 'com.apple.vpn.managed');
    expect(vpn.IKEv2).toMatchObject({
      RemoteAddress: '203.0.113.10',
      RemoteIdentifier: '203.0.113.10',
      AuthenticationMethod: 'None',
      ExtendedAuthEnabled: 1,
      AuthName: 'carol',
    });
    expect(mc.PayloadContent.some((p: any) => p.PayloadType === 'com.apple.security.root')).toBe(true);
    const sw = JSON.parse((await get(ro, file(result, 'eap-carol.sswan').url)).text);
    expect(sw).toMatchObject({ type: 'ikev2-eap', local: { eap_id: 'carol' }, remote: { id: '203.0.113.10' } });
    expect(sw['split-tunneling']).toBeUndefined();
    const ps1 = (await get(ro, file(result, 'eap.ps1').url)).text;
    expect(ps1).toMatch(/-AuthenticationMethod Eap/);
    expect(ps1).not.toMatch(/SplitTunneling/);
    const text = (await get(ro, file(result, 'eap-carol.swanctl.conf').url)).text;
    const conf = parseSwanctl(text);
    expect(conf.connections.eap.local).toEqual({ auth: 'eap-mschapv2', eap_id: 'carol' });
    expect(conf.connections.eap.remote).toEqual({ auth: 'pubkey', id: '203.0.113.10', cacerts: 'eap-ca.crt' });
    expect(conf.connections.eap.children.eap.remote_ts).toBe('0.0.0.0/0');
    if (canRunCharon) {
      const out = await loadIntoCharon(text.replace('"<password of carol>"', JSON.stringify(EAP_PW)), {
        'x509ca/eap-ca.crt': (await get(ro, file(result, 'eap-ca.crt').url)).body,
      });
      expect(out.loadStatus, out.load).toBe(0);
      expect(out.load).toMatch(/loaded eap secret 'eap-eap'/);
      expect(out.load).toMatch(/loaded connection 'eap'/);
    }
    for (const f of result.profiles) expect((await get(adminCookie, f.url)).text).not.toContain(EAP_PW);
  });
});

describe('road warrior with a pre-shared key', () => {
  it('warns that Windows and the strongSwan app cannot use it; the PSK files are for full users', async () => {
    const input = {
      name: 'psk',
      auth: 'psk' as const,
      serverAddress: '203.0.113.11',
      pool: '10.30.0.2-10.30.0.50',
      psk: PSK,
    };
    const p = await admin.client.wizard.preview.query(input);
    expect(p.warnings).toContainEqual(expect.objectContaining({ client: 'windows', field: 'auth' }));
    expect(p.warnings).toContainEqual(expect.objectContaining({ client: 'android', field: 'auth' }));
    // Beside the certificate setup "rw" (same algorithms): the engine tells PSK clients from certificate clients by
    // their AUTH, so no shadowing warning.
    expect(p.warnings.filter((w) => /peer "rw" also answers IKEv2/.test(w.message)).map((w) => w.message)).toEqual([]);
    expect(JSON.stringify(p)).not.toContain(PSK);
    expect(p.objects.find((o) => o.menu === 'identity')!.values).toMatchObject({
      'auth-method': 'pre-shared-key',
      secret: '********',
    });
    const r = await admin.client.wizard.finish.mutate(input);
    expect(r.profiles.map((f) => f.filename).sort()).toEqual([
      'psk.mobileconfig',
      'psk.mobileconfig',
      'psk.swanctl.conf',
    ]);
    expect(r.profiles.every((f) => f.containsKey)).toBe(true);
    const ro = await login(t.url, 'ro', 'ro-password-1');
    expect((await get(ro, '/api/wizard/psk/profile/psk.mobileconfig')).status).toBe(403);
    const mc = plist.parse((await get(adminCookie, '/api/wizard/psk/profile/psk.mobileconfig')).text) as any;
    const vpn = mc.PayloadContent.find((x: any) => x.PayloadType === 'com.apple.vpn.managed');
    expect(vpn.IKEv2).toMatchObject({
      AuthenticationMethod: 'SharedSecret',
      SharedSecret: PSK,
      RemoteIdentifier: '203.0.113.11',
    });
    const text = (await get(adminCookie, '/api/wizard/psk/profile/psk.swanctl.conf')).text;
    const conf = parseSwanctl(text);
    expect(conf.connections.psk.local.auth).toBe('psk');
    expect(conf.secrets['ike-psk']).toEqual({ id: '203.0.113.11', secret: PSK });
    if (canRunCharon) {
      const out = await loadIntoCharon(text, {});
      expect(out.loadStatus, out.load).toBe(0);
      expect(out.load).toMatch(/loaded ike secret 'ike-psk'/);
      expect(out.load).toMatch(/loaded connection 'psk'/);
    }
  });
});

describe('road warrior with ECDSA keys', () => {
  it('issues prime256v1 certificates; the .p12 and the Apple profile carry them', async () => {
    const r = await admin.client.wizard.finish.mutate({
      name: 'ec',
      keyType: 'ecdsa',
      serverAddress: '203.0.113.20',
      pool: '10.50.0.2-10.50.0.99',
      clients: ['macos', 'linux'],
      clientCertificates: ['gina'],
      exportPassphrase: PASS,
    });
    const ca = (await get(adminCookie, file(r, 'ec-ca.crt').url)).text;
    writeFileSync(join(work, 'ec-ca.crt'), ca);
    expect(openssl(['x509', '-in', join(work, 'ec-ca.crt'), '-noout', '-text']).out).toMatch(/prime256v1|P-256/);
    const p12 = await get(adminCookie, file(r, 'ec-gina.p12').url);
    writeFileSync(join(work, 'ec.p12'), p12.body);
    expect(
      openssl([
        'pkcs12',
        '-in',
        join(work, 'ec.p12'),
        '-passin',
        `pass:${PASS}`,
        '-nokeys',
        '-clcerts',
        '-out',
        join(work, 'ec-gina.crt'),
      ]).status,
    ).toBe(0);
    expect(openssl(['verify', '-CAfile', join(work, 'ec-ca.crt'), join(work, 'ec-gina.crt')]).out).toMatch(/OK/);
    expect(openssl(['pkcs12', '-info', '-in', join(work, 'ec.p12'), '-passin', `pass:${PASS}`, '-nodes']).out).toMatch(
      /PRIVATE KEY/,
    );
    const mc = plist.parse((await get(adminCookie, file(r, 'ec-gina.mobileconfig').url)).text) as any;
    expect(mc.PayloadContent.find((p: any) => p.PayloadType === 'com.apple.vpn.managed').IKEv2).toMatchObject({
      CertificateType: 'ECDSA256',
      RemoteIdentifier: '203.0.113.20',
    });
  });
});

describe('finish is all or nothing', () => {
  it('of two finishes racing for the same names, the loser leaves nothing behind', async () => {
    const before = (await admin.client.config.history.query({ limit: 1 }))[0]!.rev;
    const a = { ...RW_CERT, name: 'race', clientCertificates: ['dave'] };
    const b = { ...RW_CERT, name: 'race', clientCertificates: ['erin', 'frank'] };
    const results = await Promise.allSettled([
      admin.client.wizard.finish.mutate(a),
      admin.client.wizard.finish.mutate(b),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0]!.reason as TRPCClientError<any>).data?.code).toBe('BAD_REQUEST');
    expect((await admin.client.config.history.query({ limit: 1 }))[0]!.rev).toBe(before + 1);
    const winner = results[0]!.status === 'fulfilled' ? a : b;
    const loser = winner === a ? b : a;
    const certs = (await admin.client.config.print.query({ menu: 'certificate' })).items.map((c) => c.name);
    for (const c of winner.clientCertificates) expect(certs).toContain(`race-${c}`);
    for (const c of loser.clientCertificates) expect(certs).not.toContain(`race-${c}`);
    expect(certs.filter((c) => c === 'race-ca')).toHaveLength(1);
  });

  it('a finish the store refuses changes nothing at all', async () => {
    // The EAP user "carol" exists already: the plan says so, and nothing is written.
    const before = await admin.client.config.history.query({ limit: 1 });
    const certsBefore = (await admin.client.config.print.query({ menu: 'certificate' })).items.length;
    const e = await rejects(
      admin.client.wizard.finish.mutate({
        name: 'eap2',
        auth: 'eap-mschapv2',
        serverAddress: '203.0.113.12',
        pool: '10.40.0.2-10.40.0.9',
        users: [
          { name: 'dan', password: 'dan-password-1' },
          { name: 'carol', password: 'x-password-1' },
        ],
      }),
    );
    expect(e.data?.issues).toContainEqual(
      expect.objectContaining({ field: 'users.1.name', message: expect.stringMatching(/user "carol" already exists/) }),
    );
    expect(await admin.client.config.history.query({ limit: 1 })).toEqual(before);
    expect((await admin.client.config.print.query({ menu: 'certificate' })).items.length).toBe(certsBefore);
    expect((await admin.client.config.print.query({ menu: 'user' })).items.some((u) => u.name === 'dan')).toBe(false);
  });
});

describe('site to site', () => {
  const input = {
    name: 'office2',
    localAddress: '192.0.2.1',
    remoteAddress: '198.51.100.7',
    localNetworks: ['10.1.202.0/24'],
    remoteNetworks: ['10.1.101.0/24', '10.1.102.0/24'],
    psk: 'site2site-psk-secret-9',
  };

  it("preview, finish, and the other end's RouterOS script and swanctl.conf with the NAT bypass", async () => {
    const p = await admin.client.wizard.siteToSite.preview.query(input);
    expect(p.objects.map((o) => o.menu)).toEqual(['proposal', 'profile', 'peer', 'identity', 'policy', 'policy']);
    expect(p.objects[2]!.values).toMatchObject({
      address: '198.51.100.7/32',
      'local-address': '192.0.2.1',
      'exchange-mode': 'ike2',
    });
    expect(p.warnings).toContainEqual(
      expect.objectContaining({ field: 'localNetworks', message: expect.stringMatching(/masquerade/) }),
    );
    expect(p.warnings.filter((w) => w.field === 'exchangeMode')).toEqual([]);
    const r = await admin.client.wizard.siteToSite.finish.mutate(input);
    expect(r.profiles.map((f) => f.filename)).toEqual(['office2-remote.rsc', 'office2-remote.swanctl.conf']);
    expect(r.profiles.every((f) => f.containsKey)).toBe(true);
    const rsc = (await get(adminCookie, file(r, 'office2-remote.rsc').url)).text;
    expect(rsc).toMatch(
      /add name="office2" address=192\.0\.2\.1\/32 local-address=198\.51\.100\.7 exchange-mode=ike2 profile="office2"/,
    );
    expect(rsc).toMatch(/secret="site2site-psk-secret-9"/);
    expect(rsc).toMatch(
      /add peer="office2" tunnel=yes src-address=10\.1\.101\.0\/24 dst-address=10\.1\.202\.0\/24 action=encrypt/,
    );
    expect(rsc).toMatch(
      /\/ip firewall nat\nadd chain=srcnat action=accept place-before=0 src-address=10\.1\.101\.0\/24 dst-address=10\.1\.202\.0\/24/,
    );
    expect(rsc).toMatch(/pfs-group=modp2048/);
    const text = (await get(adminCookie, file(r, 'office2-remote.swanctl.conf').url)).text;
    expect(text).toMatch(/iptables -t nat -I POSTROUTING -s 10\.1\.101\.0\/24 -d 10\.1\.202\.0\/24 -j ACCEPT/);
    const conf = parseSwanctl(text);
    expect(conf.connections.office2).toMatchObject({
      version: '2',
      local_addrs: '198.51.100.7',
      remote_addrs: '192.0.2.1',
      proposals: 'aes256-aes128-sha256-modp2048',
      local: { auth: 'psk' },
      remote: { auth: 'psk', id: '192.0.2.1' },
      children: {
        office2: {
          local_ts: '10.1.101.0/24,10.1.102.0/24',
          remote_ts: '10.1.202.0/24',
          esp_proposals: 'aes256-aes128-sha256-modp2048',
        },
      },
    });
    expect(conf.secrets['ike-office2'].secret).toBe(input.psk);
    const ro = await login(t.url, 'ro', 'ro-password-1');
    expect((await get(ro, file(r, 'office2-remote.rsc').url)).status).toBe(403);
    if (canRunCharon) {
      const out = await loadIntoCharon(text, {});
      expect(out.loadStatus, out.load).toBe(0);
      expect(out.load).toMatch(/loaded connection 'office2'/);
    }
  });

  it("the other end expects the ID this router sends: its identity's my-id when set (fqdn, dn), else its address", async () => {
    const ident = (await admin.client.config.print.query({ menu: 'identity' })).items.find(
      (i) => i.peer === 'office2',
    )!;
    const remoteId = async () =>
      parseSwanctl((await get(adminCookie, '/api/wizard/office2/profile/office2-remote.swanctl.conf')).text).connections
        .office2.remote.id;
    try {
      await admin.client.config.set.mutate({
        menu: 'identity',
        ids: [ident.id],
        values: { 'my-id': 'fqdn:site1.example.net' },
      });
      expect(await remoteId()).toBe('site1.example.net');
      await admin.client.config.set.mutate({ menu: 'identity', ids: [ident.id], values: { 'my-id': 'dn:CN=site1' } });
      expect(await remoteId()).toBe('CN=site1');
    } finally {
      await admin.client.config.set.mutate({ menu: 'identity', ids: [ident.id], values: { 'my-id': 'auto' } });
    }
    expect(await remoteId()).toBe('192.0.2.1');
  });
});

describe('site to site with exchange-mode main (IKEv1)', () => {
  it('is offered for old peers, with a warning about what IKEv1 costs', async () => {
    const input = {
      name: 'v1',
      exchangeMode: 'main' as const,
      localAddress: '192.0.2.1',
      remoteAddress: 'branch.example.net',
      localNetworks: ['10.1.203.0/24'],
      remoteNetworks: ['10.1.103.0/24'],
      psk: 'site2site-psk-secret-9',
    };
    const p = await admin.client.wizard.siteToSite.preview.query(input);
    expect(p.objects.find((o) => o.menu === 'peer')!.values).toMatchObject({
      address: 'branch.example.net',
      'exchange-mode': 'main',
    });
    expect(p.warnings).toContainEqual({
      client: 'all',
      field: 'exchangeMode',
      message: expect.stringMatching(/is IKEv1, for peers that cannot do IKEv2: it is the older, weaker protocol/),
      fix: expect.stringMatching(/choose ike2 when the other end supports it/),
    });
  });
});

describe('secrets stay secret', () => {
  it('no tRPC message carried a passphrase, a PSK or a user password', () => {
    const all = admin.received.join('\n');
    for (const s of SECRETS) expect(all, s).not.toContain(s);
  });
});

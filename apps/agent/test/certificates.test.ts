// System > Certificates over real sockets (REST and tRPC): a CA made here signs a server and a client
// certificate (checked with `openssl verify`), exports (PEM, encrypted key, PKCS#12 read by `openssl
// pkcs12`), imports, and private keys that never appear in print, get, REST or subscriptions.
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  basic,
  login,
  rest,
  startTestAgent,
  trpc,
  type TestAgent,
  type TrpcSession,
} from './harness.ts';

let t: TestAgent;
let admin: TrpcSession;
let reader: TrpcSession;
const dir = mkdtempSync(join(tmpdir(), 'cert-test-'));
const bodies: string[] = [];
/** Private keys seen only through export: none of them may appear in any other response. */
const keys: string[] = [];

async function call(method: string, path: string, body?: unknown, auth?: string) {
  const r = await rest(t.url, method, path, body, auth);
  bodies.push(r.text);
  return r;
}
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const openssl = (args: string[]) =>
  execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** The base64 body of a PEM key, the part that would leak. */
const keyBody = (pem: string) =>
  pem
    .replace(/-----[^-]+-----/g, '')
    .replace(/\s+/g, '')
    .slice(0, 64);

beforeAll(async () => {
  t = await startTestAgent();
  admin = trpc(t.url, await login(t.url, 'admin', ADMIN_PASSWORD));
  await admin.client.system.users.add.mutate({ name: 'ro', group: 'read', password: 'ro-password-1' });
  await admin.client.system.users.add.mutate({ name: 'rw', group: 'write', password: 'rw-password-1' });
  reader = trpc(t.url, await login(t.url, 'ro', 'ro-password-1'));
}, 30_000);
afterAll(async () => {
  admin?.close();
  reader?.close();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('certificate authority made here (RouterOS road-warrior steps)', () => {
  it('add common-name=ca name=ca: RSA key, self-signed CA, trusted', async () => {
    const r = await call('PUT', 'certificate', { name: 'ca', 'common-name': 'ca', 'days-valid': '3650' });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({
      name: 'ca',
      'common-name': 'ca',
      'key-type': 'rsa',
      'key-size': '2048',
      'days-valid': '3650',
      'key-usage': '',
      trusted: 'true',
      'private-key': 'true',
      ca: 'true',
      issuer: 'CN=ca',
      'issued-by': 'ca',
      flags: 'KAT',
      expired: 'false',
      'certificate-pem': '********',
      'private-key-pem': '********',
    });
    expect(r.json.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(r.json['expires-after']).toMatch(/^52\d\w/); // 3650 days in RouterOS weeks
    expect(r.json['invalid-after']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });
  it('add server1 (key-usage=tls-server, SAN) and sign server1 ca=ca', async () => {
    const add = await call('PUT', 'certificate', {
      name: 'server1',
      'common-name': '2.2.2.2',
      'subject-alt-name': 'IP:2.2.2.2,DNS:vpn.example.com',
      'key-usage': 'tls-server,digital-signature',
    });
    expect(add.status, add.text).toBe(201);
    expect(add.json).toMatchObject({ issuer: 'CN=2.2.2.2', ca: 'false', trusted: 'false', flags: 'K' });
    const signed = await call('POST', 'certificate/sign', { number: 'server1', ca: 'ca' });
    expect(signed.status, signed.text).toBe(200);
    expect(signed.json).toMatchObject({
      name: 'server1',
      issuer: 'CN=ca',
      'issued-by': 'ca',
      ca: 'false',
      flags: 'KI',
      'subject-alt-name': 'IP:2.2.2.2,DNS:vpn.example.com',
      'key-usage': 'digital-signature,tls-server',
    });
    expect(signed.json['serial-number']).not.toBe(add.json['serial-number']);
  });
  it('ECDSA client over tRPC, signed with the CA over tRPC', async () => {
    const c = await admin.client.config.add.mutate({
      menu: 'certificate',
      values: {
        name: 'client1',
        'common-name': 'rw-client1',
        'key-type': 'ecdsa',
        'key-size': 'prime256v1',
        'subject-alt-name': ['email:client1@example.com'],
      },
    });
    expect(c).toMatchObject({
      'key-type': 'ecdsa',
      'key-size': 'prime256v1',
      ca: true,
      trusted: true,
      'private-key-pem': '********',
    }); // self-signed with automatic usage: a CA until signed
    const s = await admin.client.config.signCertificate.mutate({ id: c.id, ca: 'ca' });
    expect(s).toMatchObject({
      issuer: 'CN=ca',
      ca: false,
      trusted: false,
      'key-usage': [],
      'issued-by': 'ca',
      flags: 'KI',
    });
  });
  it('openssl verify: server1 and client1 chain to the exported CA; usages as asked', async () => {
    const ca = (await call('POST', 'certificate/export-certificate', { number: 'ca' })).json;
    expect(ca.files.map((f: any) => f.name)).toEqual(['cert_export_ca.crt']); // no passphrase: no key
    const caFile = file('ca.crt', ca.files[0].content);
    expect(openssl(['x509', '-in', caFile, '-noout', '-text'])).toMatch(/CA:TRUE[\s\S]*Certificate Sign, CRL Sign/);
    for (const name of ['server1', 'client1']) {
      const e = (await call('POST', 'certificate/export-certificate', { number: name })).json;
      const f = file(`${name}.crt`, e.files[0].content);
      expect(openssl(['verify', '-CAfile', caFile, f])).toContain(': OK');
      const text = openssl(['x509', '-in', f, '-noout', '-text']);
      expect(text).toMatch(/CA:FALSE/);
      if (name === 'server1') expect(text).toMatch(/IP Address:2\.2\.2\.2, DNS:vpn\.example\.com/);
      if (name === 'server1') expect(text).toMatch(/TLS Web Server Authentication/);
      if (name === 'client1') expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/);
      if (name === 'client1') expect(text).toMatch(/ASN1 OID: prime256v1/);
    }
  });
  it('export with a passphrase: the key encrypted (PEM) and PKCS#12 with the CA, read by openssl', async () => {
    const pem = (
      await call('POST', 'certificate/export-certificate', { number: 'server1', 'export-passphrase': '1234567890' })
    ).json;
    expect(pem.files.map((f: any) => f.name)).toEqual(['cert_export_server1.crt', 'cert_export_server1.key']);
    expect(pem.files[1].content).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const key = createPrivateKey({ key: pem.files[1].content, passphrase: '1234567890' });
    keys.push(keyBody(key.export({ type: 'pkcs8', format: 'pem' }) as string));
    expect(openssl(['pkey', '-in', file('s.key', pem.files[1].content), '-passin', 'pass:1234567890', '-noout'])).toBe(
      '',
    );
    for (const name of ['server1', 'client1']) {
      const p12 = (
        await call('POST', 'certificate/export-certificate', {
          number: name,
          type: 'pkcs12',
          'export-passphrase': '1234567890',
        })
      ).json;
      expect(p12.files[0]).toMatchObject({ name: `cert_export_${name}.p12`, encoding: 'base64' });
      const f = file(`${name}.p12`, Buffer.from(p12.files[0].content, 'base64'));
      const info = openssl(['pkcs12', '-info', '-in', f, '-passin', 'pass:1234567890', '-passout', 'pass:x']);
      expect(info.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2); // the certificate and the CA
      expect(info).toMatch(/subject=CN\s?=\s?ca/);
      expect(info).toMatch(/-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      const nokeys = openssl(['pkcs12', '-in', f, '-passin', 'pass:1234567890', '-nodes']);
      const k = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(nokeys)![0];
      keys.push(keyBody(k));
      expect(openssl(['pkey', '-in', file('k.pem', k), '-pubout'])).toBe(
        openssl(['x509', '-in', file('c.pem', nokeys), '-noout', '-pubkey']),
      );
    }
    const bad = await call('POST', 'certificate/export-certificate', { number: 'client1', type: 'pkcs12' });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/export-passphrase/);
  });
  it('export is for group full only (REST and tRPC), and audited', async () => {
    const ro = await call('POST', 'certificate/export-certificate', { number: 'ca' }, basic('ro', 'ro-password-1'));
    expect(ro.status).toBe(403);
    const rw = await call(
      'POST',
      'certificate/export-certificate',
      { number: 'server1', 'export-passphrase': '1234567890' },
      basic('rw', 'rw-password-1'),
    );
    expect(rw.status).toBe(403);
    const list = await reader.client.config.print.query({ menu: 'certificate' });
    await expect(reader.client.config.exportCertificate.mutate({ id: list.items[0]!.id })).rejects.toThrow(
      /needs group full/,
    );
    const audit = await admin.client.system.audit.query({ limit: 100 });
    const exports = audit.filter((a: any) => a.action === 'certificate export');
    expect(exports.map((a: any) => a.detail)).toEqual(
      expect.arrayContaining([
        'server1 type=pem with private key',
        'client1 type=pkcs12 with private key',
        'ca type=pem',
      ]),
    );
    expect(exports.every((a: any) => a.user === 'admin')).toBe(true);
  });
  it('read users cannot add, sign or import', async () => {
    expect((await call('PUT', 'certificate', { name: 'nope' }, basic('ro', 'ro-password-1'))).status).toBe(403);
    expect(
      (await call('POST', 'certificate/sign', { number: 'server1', ca: 'ca' }, basic('ro', 'ro-password-1'))).status,
    ).toBe(403);
    await expect(reader.client.config.signCertificate.mutate({ id: 1 })).rejects.toThrow(/may not change/);
  });
});

describe('import', () => {
  it('PKCS#12 (client1 with its CA) into another agent-like name: skips the CA already here', async () => {
    const p12 = (
      await call('POST', 'certificate/export-certificate', {
        number: 'client1',
        type: 'pkcs12',
        'export-passphrase': 'secret-pass',
      })
    ).json.files[0].content;
    // remove client1 first so the import brings it back under a new name
    const id = (await call('GET', 'certificate?name=client1')).json[0]['.id'];
    expect((await call('DELETE', `certificate/${id}`)).status).toBe(204);
    const wrong = await call('POST', 'certificate/import', { name: 'rw', 'file-content': p12, passphrase: 'wrong' });
    expect(wrong.status).toBe(400);
    const r = await call('POST', 'certificate/import', {
      'file-name': 'client-p12',
      'file-content': p12,
      passphrase: 'secret-pass',
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toHaveLength(1);
    expect(r.json[0]).toMatchObject({
      name: 'client-p12',
      'common-name': 'rw-client1',
      'key-type': 'ecdsa',
      'key-size': 'prime256v1',
      'private-key': 'true',
      'issued-by': 'ca',
      trusted: 'false',
      'subject-alt-name': 'email:client1@example.com',
    });
  });
  it('PEM certificate and encrypted key (openssl-made), then a lone key for a certificate already here', async () => {
    const key = file('o.key', openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']));
    const crt = openssl([
      'req',
      '-new',
      '-x509',
      '-key',
      key,
      '-subj',
      '/C=CH/O=ext/CN=outside',
      '-days',
      '30',
      '-addext',
      'subjectAltName=DNS:outside.example',
    ]);
    const enc = openssl(['pkey', '-in', key, '-aes256', '-passout', 'pass:pem-pass']);
    keys.push(keyBody(openssl(['pkey', '-in', key])));
    const onlyCert = await call('POST', 'certificate/import', { name: 'outside', 'file-content': crt });
    expect(onlyCert.json[0]).toMatchObject({
      name: 'outside',
      'private-key': 'false',
      'key-type': 'ecdsa',
      'key-size': 'secp384r1',
      country: 'CH',
      organization: 'ext',
      'days-valid': '30',
      'subject-alt-name': 'DNS:outside.example',
    });
    const noPass = await call('POST', 'certificate/import', { name: 'outside', 'file-content': enc });
    expect(noPass.status).toBe(400);
    expect(noPass.json.detail).toMatch(/encrypted/);
    const withKey = await call('POST', 'certificate/import', {
      name: 'outside',
      'file-content': enc,
      passphrase: 'pem-pass',
    });
    expect(withKey.status, withKey.text).toBe(200);
    // openssl req -x509 makes a CA: imported as trusted
    expect(withKey.json[0]).toMatchObject({ name: 'outside', 'private-key': 'true', ca: 'true', flags: 'KAT' });
    const other = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const mismatch = await call('POST', 'certificate/import', { name: 'x', 'file-content': other });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.detail).toMatch(/belongs to no certificate/);
  });
  it('DER certificate (a .cer as base64, openssl-made)', async () => {
    const key = file('d.key', openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']));
    const pem = file('d.crt', openssl(['req', '-new', '-x509', '-key', key, '-subj', '/CN=der-cert', '-days', '10']));
    const der = execFileSync('openssl', ['x509', '-in', pem, '-outform', 'DER']);
    const r = await call('POST', 'certificate/import', { name: 'der1', 'file-content': der.toString('base64') });
    expect(r.status, r.text).toBe(200);
    expect(r.json[0]).toMatchObject({
      name: 'der1',
      'common-name': 'der-cert',
      'private-key': 'false',
      'key-type': 'ecdsa',
    });
  });
  it('PUT with certificate-pem and a private key that does not match it is refused, naming the field', async () => {
    const crt = (await call('POST', 'certificate/export-certificate', { number: 'ca' })).json.files[0].content;
    const key = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
    const r = await call('PUT', 'certificate', { name: 'mix', 'certificate-pem': crt, 'private-key-pem': key });
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/certificate.*private-key-pem: does not belong to the certificate/);
    const garbage = await call('PUT', 'certificate', { name: 'g', 'certificate-pem': 'hello' });
    expect(garbage.json.detail).toMatch(/certificate-pem: is not a PEM X.509 certificate/);
  });
});

describe('rules', () => {
  it('key-size must fit key-type; subject properties of an existing certificate cannot change', async () => {
    const bad = await call('PUT', 'certificate', { name: 'ec', 'key-type': 'ecdsa' });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/key-size: 2048 is an RSA size; with key-type=ecdsa use prime256v1/);
    const id = (await call('GET', 'certificate?name=server1')).json[0]['.id'];
    const cn = await call('PATCH', `certificate/${id}`, { 'common-name': 'other' });
    expect(cn.status).toBe(400);
    expect(cn.json.detail).toMatch(/common-name: cannot be changed on an existing certificate/);
    const ok = await call('PATCH', `certificate/${id}`, { comment: 'vpn server', trusted: 'no', name: 'server-1' });
    expect(ok.json).toMatchObject({ comment: 'vpn server', name: 'server-1', 'private-key-pem': '********' });
    expect((await call('POST', 'certificate/sign', { number: 'server-1', ca: 'outside-nope' })).status).toBe(404);
    const notCa = await call('POST', 'certificate/sign', { number: 'ca', ca: 'server-1' });
    expect(notCa.json.detail).toMatch(/"server-1" is not a CA/);
  });
  it('identities refer to certificates; ours needs a key; renames follow; in-use cannot be removed', async () => {
    await call('PUT', 'ip/ipsec/peer', { name: 'rw', address: '10.9.9.9/32', 'exchange-mode': 'ike2' });
    const noKey = await call('PUT', 'ip/ipsec/identity', {
      peer: 'rw',
      'auth-method': 'digital-signature',
      certificate: 'nope',
    });
    expect(noKey.json.detail).toMatch(/certificate: certificate "nope" does not exist/);
    const idn = await call('PUT', 'ip/ipsec/identity', {
      peer: 'rw',
      'auth-method': 'digital-signature',
      certificate: 'server-1',
      'remote-certificate': 'client-p12',
    });
    expect(idn.status, idn.text).toBe(201);
    const ca = (await call('GET', 'certificate?name=ca')).json[0]['.id'];
    await call('PATCH', `certificate/${ca}`, { name: 'root-ca' });
    const server = (await call('GET', 'certificate?name=server-1')).json[0];
    expect(server['issued-by']).toBe('root-ca');
    const rm = await call('DELETE', `certificate/${server['.id']}`);
    expect(rm.status).toBe(400);
    expect(rm.json.detail).toMatch(/used by identity/);
  });
  it('copy makes a new key and certificate', async () => {
    const src = (await admin.client.config.print.query({ menu: 'certificate' })).items.find(
      (e) => e.name === 'server-1',
    )!;
    const copy = await admin.client.config.add.mutate({ menu: 'certificate', values: {}, copyFrom: src.id });
    expect(copy).toMatchObject({ name: 'server-1-copy', 'common-name': '2.2.2.2', issuer: 'CN=2.2.2.2' });
    expect(copy.fingerprint).not.toBe(src.fingerprint);
  });
});

describe('secrets', () => {
  it('no private key or certificate PEM in print, get, REST or the change stream', async () => {
    const sub = await new Promise<string[]>((resolve) => {
      const got: string[] = [];
      const s = admin.client.config.changes.subscribe(
        { since: 0 },
        {
          onData: (d: any) => {
            got.push(JSON.stringify(d));
            if (got.length >= 10) {
              s.unsubscribe();
              resolve(got);
            }
          },
        },
      );
      setTimeout(() => {
        s.unsubscribe();
        resolve(got);
      }, 2000);
    });
    const printed = JSON.stringify(await admin.client.config.print.query({ menu: 'certificate' }));
    const all = [
      ...bodies.filter((b) => !b.includes('"files"')),
      ...sub,
      printed,
      ...admin.received.filter((m) => !m.includes('"files"')),
      ...reader.received,
    ].join('\n');
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const k of keys) expect(all).not.toContain(k);
    expect(all).not.toMatch(/BEGIN (ENCRYPTED )?PRIVATE KEY/);
    expect(all).not.toMatch(/BEGIN CERTIFICATE/);
    expect(printed).toContain('"private-key-pem":"********"');
  });
});

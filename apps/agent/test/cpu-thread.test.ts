// The PKCS#12 thread (cpu-thread.ts): results and failures come back to the caller, and a stopped or failed thread
// does not take later calls down with it.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pkcs12Thread } from '../src/store/pkcs12.ts';

const work = mkdtempSync(join(tmpdir(), 'cpu-thread-'));
afterAll(async () => {
  await pkcs12Thread.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A self-signed certificate and its key, made by openssl: RSA (node-forge's classic form) or ECDSA (PBES2). */
function makeTestCertificate(key: 'rsa:2048' | 'ec' = 'ec'): { certPem: string; keyPem: string } {
  const [k, c] = [join(work, 'k.pem'), join(work, 'c.pem')];
  const keyArgs = key === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', key];
  execFileSync(
    'openssl',
    ['req', '-x509', ...keyArgs, '-nodes', '-subj', '/CN=t', '-days', '1', '-keyout', k, '-out', c],
    {
      stdio: 'ignore',
    },
  );
  return { certPem: readFileSync(c, 'utf8'), keyPem: readFileSync(k, 'utf8') };
}

describe('the PKCS#12 thread', () => {
  it.each(['rsa:2048', 'ec'] as const)(
    'writes a %s bundle that reads back to the same certificate and key',
    async (type) => {
      const { certPem, keyPem } = makeTestCertificate(type);
      const p12 = await pkcs12Thread.call('writePkcs12', {
        certPem,
        chain: [],
        keyPem,
        passphrase: 'pass-1234',
        name: 'x',
      });
      const back = await pkcs12Thread.call('readPkcs12', p12, 'pass-1234');
      expect(back.ok).toBe(true);
      if (!back.ok) return;
      expect(new X509Certificate(back.value.certs[0]!).fingerprint256).toBe(
        new X509Certificate(certPem).fingerprint256,
      );
      expect(back.value.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const wrong = await pkcs12Thread.call('readPkcs12', p12, 'wrong');
      expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/passphrase/) });
    },
  );

  it('a call that throws on the thread rejects with its message; the next call works', async () => {
    await expect(
      pkcs12Thread.call('writePkcs12', { certPem: 'x', chain: [], keyPem: 'not a key', passphrase: 'p', name: 'x' }),
    ).rejects.toThrow(/DECODER/);
    const { certPem, keyPem } = makeTestCertificate();
    await expect(
      pkcs12Thread.call('writePkcs12', { certPem, chain: [], keyPem, passphrase: 'pass-1234', name: 'x' }),
    ).resolves.toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('a stopped thread fails what it had in hand and starts again on the next call', async () => {
    const { certPem, keyPem } = makeTestCertificate();
    const inFlight = pkcs12Thread.call('writePkcs12', { certPem, chain: [], keyPem, passphrase: 'p-1234', name: 'x' });
    await pkcs12Thread.stop();
    await expect(inFlight).rejects.toThrow(/exited/);
    await expect(pkcs12Thread.call('readPkcs12', 'AAAA', 'p')).resolves.toMatchObject({ ok: false });
  });
});

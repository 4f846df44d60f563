// The client's certificate and key as PKCS#12 for the devices the wizard makes profiles for.
// RSA keys: certificates plus a pbeWithSHAAnd3-KeyTripleDES-CBC shrouded key and a SHA-1 MAC, the
// classic form every client imports (Apple keychains and older Android key stores refuse PBES2/AES
// bundles). ECDSA keys: the agent's own exporter (PBES2 AES-256-CBC), as node-forge writes RSA only.
import { createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { ConfigError } from '@ipsec/schema';
import { exportCertificate } from '../../store/certificates.ts';
import type { CertRef } from '../setup.ts';

export function clientPkcs12(cert: CertRef, chain: string[], passphrase: string): Buffer {
  const certPem = cert.values['certificate-pem'];
  const keyPem = cert.values['private-key-pem'];
  if (!keyPem)
    throw new ConfigError([
      {
        menu: 'certificate',
        field: 'private-key-pem',
        message: `certificate "${cert.name}" has no private key to export`,
      },
    ]);
  if (createPrivateKey(keyPem).asymmetricKeyType !== 'rsa') {
    const out = exportCertificate(cert.values, 'pkcs12', passphrase, chain);
    return Buffer.from(out.files[0]!.content, 'base64');
  }
  const key = forge.pki.privateKeyFromPem(keyPem);
  const certs = [certPem, ...chain].map((p) => forge.pki.certificateFromPem(p));
  const p12 = forge.pkcs12.toPkcs12Asn1(key, certs, passphrase, {
    algorithm: '3des',
    friendlyName: cert.name,
    count: 2048,
  });
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}

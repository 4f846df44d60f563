// The client's certificate and key as PKCS#12 for the devices the wizard makes profiles for (the form per key type
// is writePkcs12's), built on the PKCS#12 thread.
import { ConfigError } from '@ipsec/schema';
import { pkcs12Thread } from '../../store/pkcs12.ts';
import type { CertRef } from '../setup.ts';

export async function clientPkcs12(cert: CertRef, chain: string[], passphrase: string): Promise<Buffer> {
  const keyPem = cert.values['private-key-pem'];
  if (!keyPem)
    throw new ConfigError([
      {
        menu: 'certificate',
        field: 'private-key-pem',
        message: `certificate "${cert.name}" has no private key to export`,
      },
    ]);
  const p12 = await pkcs12Thread.call('writePkcs12', {
    certPem: cert.values['certificate-pem'],
    chain,
    keyPem,
    passphrase,
    name: cert.name,
  });
  return Buffer.from(p12, 'base64');
}

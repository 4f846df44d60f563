// PKCS#12 (RFC 7292) bundles: written by /certificate export-certificate and the wizard's client files, read by
// /certificate import. node-forge's pure-JS key derivation and ciphers take 100-300 ms for an RSA-4096 bundle, so
// the agent never calls these on its event loop: it goes through `pkcs12Thread` (below), which runs this module
// on a worker thread. The functions themselves are plain and synchronous (and tested directly).
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { err, ok, type Result } from '@ipsec/schema';
import { CpuThread } from '../cpu-thread.ts';

export interface Pkcs12Contents {
  /** Ours first, then the issuing CAs (PEM). */
  certPem: string;
  chain: string[];
  /** PEM (any form node reads); '' for a bundle of certificates only. */
  keyPem: string;
  passphrase: string;
  /** The friendly name clients show for the certificate. */
  name: string;
}

/**
 * A PKCS#12 bundle (base64). RSA keys: node-forge's classic form (pbeWithSHAAnd3-KeyTripleDES-CBC shrouded key,
 * SHA-1 MAC), the one every client imports: Apple keychains and older Android key stores refuse PBES2/AES bundles.
 * ECDSA keys (node-forge writes RSA only) and bundles without a key: our own writer, PBES2 AES-256-CBC.
 */
export function writePkcs12(c: Pkcs12Contents): string {
  if (c.keyPem !== '' && createPrivateKey(c.keyPem).asymmetricKeyType === 'rsa') {
    const p12 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(c.keyPem),
      [c.certPem, ...c.chain].map((p) => forge.pki.certificateFromPem(p)),
      c.passphrase,
      { algorithm: '3des', friendlyName: c.name, count: 2048 },
    );
    return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary').toString('base64');
  }
  return pbes2Pkcs12(c);
}

/** The certificates (PEM) and the private key (PKCS#8 PEM, '' if none) of a base64 bundle. */
export function readPkcs12(base64: string, passphrase: string): Result<{ certs: string[]; keyPem: string }, string> {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const der = forge.util.decode64(base64.replace(/\s+/g, ''));
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), passphrase);
  } catch (e) {
    return err(
      `file-content is neither PEM nor a PKCS#12 bundle readable with this passphrase (${(e as Error).message})`,
    );
  }
  const { oids } = forge.pki;
  const certs: string[] = [];
  for (const bag of p12.getBags({ bagType: oids.certBag! })[oids.certBag!] ?? []) {
    if (bag.cert) certs.push(forge.pki.certificateToPem(bag.cert));
    else if (bag.asn1)
      certs.push(forge.pem.encode({ type: 'CERTIFICATE', body: forge.asn1.toDer(bag.asn1).getBytes() }));
  }
  const shrouded = p12.getBags({ bagType: oids.pkcs8ShroudedKeyBag! })[oids.pkcs8ShroudedKeyBag!] ?? [];
  const plain = p12.getBags({ bagType: oids.keyBag! })[oids.keyBag!] ?? [];
  const bag = shrouded[0] ?? plain[0];
  // forge decodes RSA keys; any other key stays ASN.1 and node reads it as PKCS#8
  const key = bag?.key
    ? createPrivateKey(forge.pki.privateKeyToPem(bag.key))
    : bag?.asn1
      ? createPrivateKey({
          key: Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary'),
          format: 'der',
          type: 'pkcs8',
        })
      : undefined;
  return ok({ certs, keyPem: key ? (key.export({ type: 'pkcs8', format: 'pem' }) as string) : '' });
}

const pemDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

/**
 * The certificates (ours first, then its CAs) in one SafeContents, the key as a PKCS#8 EncryptedPrivateKeyInfo
 * (PBES2, AES-256-CBC, by node) in another, SHA-1 HMAC integrity with the PKCS#12 key derivation. node-forge
 * supplies ASN.1 and the MAC key derivation only.
 */
function pbes2Pkcs12({ certPem, chain, keyPem, passphrase, name }: Pkcs12Contents): string {
  const { asn1, pki, util } = forge;
  const U = asn1.Class.UNIVERSAL;
  const T = asn1.Type;
  const oid = (o: string) => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
  const seq = (xs: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, xs);
  const octets = (bytes: string) => asn1.create(U, T.OCTETSTRING, false, bytes);
  const explicit0 = (x: forge.asn1.Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [x]);
  const der = (x: forge.asn1.Asn1) => asn1.toDer(x).getBytes();
  const fromDer = (b: Buffer) => asn1.fromDer(util.createBuffer(b.toString('binary')));
  const localKeyId = createHash('sha1').update(pemDer(certPem)).digest().toString('binary');
  const attrs = (withName: boolean) =>
    asn1.create(U, T.SET, true, [
      seq([oid(pki.oids.localKeyId!), asn1.create(U, T.SET, true, [octets(localKeyId)])]),
      ...(withName
        ? [
            seq([
              oid(pki.oids.friendlyName!),
              asn1.create(U, T.SET, true, [
                asn1.create(U, T.BMPSTRING, false, Buffer.from(name, 'utf16le').swap16().toString('binary')),
              ]),
            ]),
          ]
        : []),
    ]);
  const certBag = (pem: string, mine: boolean) =>
    seq([
      oid(pki.oids.certBag!),
      explicit0(seq([oid(pki.oids.x509Certificate!), explicit0(octets(pemDer(pem).toString('binary')))])),
      ...(mine ? [attrs(true)] : []),
    ]);
  const data = (content: forge.asn1.Asn1) => seq([oid(pki.oids.data!), explicit0(octets(der(content)))]);
  const safes = [data(seq([certBag(certPem, true), ...chain.map((c) => certBag(c, false))]))];
  if (keyPem !== '') {
    const enc = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase });
    safes.push(data(seq([seq([oid(pki.oids.pkcs8ShroudedKeyBag!), explicit0(fromDer(enc)), attrs(true)])])));
  }
  const authSafe = der(seq(safes));
  const salt = randomBytes(8).toString('binary');
  const iterations = 2048;
  const macKey = forge.pkcs12.generateKey(passphrase, util.createBuffer(salt), 3, iterations, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey);
  hmac.update(authSafe);
  const macData = seq([
    seq([seq([oid(pki.oids.sha1!), asn1.create(U, T.NULL, false, '')]), octets(hmac.getMac().getBytes())]),
    octets(salt),
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
  ]);
  const pfx = seq([
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(pki.oids.data!), explicit0(octets(authSafe))]),
    macData,
  ]);
  return Buffer.from(der(pfx), 'binary').toString('base64');
}

/** This module on its worker thread: `await pkcs12Thread.call('writePkcs12', contents)`. */
export const pkcs12Thread = new CpuThread<{ writePkcs12: typeof writePkcs12; readPkcs12: typeof readPkcs12 }>(
  import.meta.url,
);

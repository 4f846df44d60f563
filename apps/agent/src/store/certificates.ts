// System > Certificates (RouterOS /certificate): key pairs and X.509 certificates kept in the store.
//  - add without PEM: the agent generates a key (RSA or ECDSA) and a self-signed certificate from the
//    entry's properties (async, before the store's transaction: prepareCertificateOps);
//  - add/set with PEM: an imported certificate (and optionally its private key); the entry's subject
//    properties are then read from the certificate (the store hook certificateHooks);
//  - sign: re-issue the certificate (same key) signed by a CA entry, or self-signed;
//  - export: PEM certificate, PEM private key encrypted with a passphrase, or PKCS#12.
// Private keys leave the agent only through export, which the API allows to group full and audits.
import {
  X509Certificate as NodeX509,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import 'reflect-metadata'; // @peculiar/x509's DI (tsyringe) needs it before it loads
import * as x509 from '@peculiar/x509';
import {
  ConfigError,
  EC_CURVES,
  KEY_USAGES,
  RSA_KEY_SIZES,
  SECRET_PLACEHOLDER,
  applyInput,
  certificate as certificateMenu,
  checkEntry,
  defaults,
  type CertificateValues,
  type ConfigIssue,
} from '@ipsec/schema';
import type { Op } from './config-store.ts';
import { pkcs12Thread } from './pkcs12.ts';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
const crypto = webcrypto;
x509.cryptoProvider.set(crypto as never);

type KeyUsage = (typeof KEY_USAGES)[number];

const fail = (field: string | undefined, message: string, id?: number): never => {
  throw new ConfigError([
    { menu: 'certificate', ...(id !== undefined ? { id } : {}), ...(field ? { field } : {}), message } as ConfigIssue,
  ]);
};

// ------------------------------------------------------------------------------------------ key usage
const KU_FLAGS: [KeyUsage, x509.KeyUsageFlags][] = [
  ['digital-signature', x509.KeyUsageFlags.digitalSignature],
  ['content-commitment', x509.KeyUsageFlags.nonRepudiation],
  ['key-encipherment', x509.KeyUsageFlags.keyEncipherment],
  ['data-encipherment', x509.KeyUsageFlags.dataEncipherment],
  ['key-agreement', x509.KeyUsageFlags.keyAgreement],
  ['key-cert-sign', x509.KeyUsageFlags.keyCertSign],
  ['crl-sign', x509.KeyUsageFlags.cRLSign],
  ['encipher-only', x509.KeyUsageFlags.encipherOnly],
  ['decipher-only', x509.KeyUsageFlags.decipherOnly],
];
const EKU_OIDS: [KeyUsage, string][] = [
  ['tls-server', '1.3.6.1.5.5.7.3.1'],
  ['tls-client', '1.3.6.1.5.5.7.3.2'],
  ['code-sign', '1.3.6.1.5.5.7.3.3'],
  ['email-protect', '1.3.6.1.5.5.7.3.4'],
  ['timestamp', '1.3.6.1.5.5.7.3.8'],
  ['ocsp-sign', '1.3.6.1.5.5.7.3.9'],
];
/** key-usage left empty: what a self-signed CA, and what a certificate signed by a CA, gets. */
export const AUTO_CA_USAGE: KeyUsage[] = ['key-cert-sign', 'crl-sign'];
export const AUTO_END_USAGE: KeyUsage[] = ['digital-signature', 'key-encipherment', 'tls-server', 'tls-client'];

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

// ------------------------------------------------------------------------------------------ parsing
export interface CertInfo {
  node: NodeX509;
  subject: string;
  issuer: string;
  serial: string;
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  selfSigned: boolean;
  keyType: 'rsa' | 'ecdsa' | string;
  keySize: string;
  usages: KeyUsage[];
  commonName: string;
  country: string;
  organization: string;
  unit: string;
  altNames: string[];
}

const cache = new Map<string, CertInfo>();

/** certInfo, or undefined for an empty or unreadable PEM (an entry without a certificate yet). */
export function certInfoOrNone(pem: string): CertInfo | undefined {
  if (!pem) return undefined;
  try {
    return certInfo(pem);
  } catch {
    return undefined;
  }
}

function firstPem(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  return m ? `${m[0]}\n` : pem;
}

/** Everything the agent shows about a certificate; cached by PEM. Throws ConfigError on bad input. */
export function certInfo(pem: string): CertInfo {
  const hit = cache.get(pem);
  if (hit) return hit;
  let node: NodeX509;
  let cert: x509.X509Certificate;
  try {
    node = new NodeX509(pem);
    cert = new x509.X509Certificate(firstPem(pem));
  } catch {
    return fail('certificate-pem', 'is not a PEM X.509 certificate');
  }
  const key = node.publicKey;
  const keyType =
    key.asymmetricKeyType === 'rsa' ? 'rsa' : key.asymmetricKeyType === 'ec' ? 'ecdsa' : String(key.asymmetricKeyType);
  const d = key.asymmetricKeyDetails ?? {};
  const curve = {
    prime256v1: 'prime256v1',
    'P-256': 'prime256v1',
    secp384r1: 'secp384r1',
    'P-384': 'secp384r1',
    secp521r1: 'secp521r1',
    'P-521': 'secp521r1',
  }[String(d.namedCurve)];
  const keySize = keyType === 'rsa' ? String(d.modulusLength ?? '') : (curve ?? String(d.namedCurve ?? ''));
  const usages: KeyUsage[] = [];
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (ku) for (const [name, flag] of KU_FLAGS) if (ku.usages & flag) usages.push(name);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  if (eku) for (const [name, oid] of EKU_OIDS) if ((eku.usages as string[]).includes(oid)) usages.push(name);
  const altNames: string[] = [];
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  for (const n of san?.names.items ?? []) {
    if (n.type === 'ip') altNames.push(`IP:${n.value}`);
    else if (n.type === 'dns') altNames.push(`DNS:${n.value}`);
    else if (n.type === 'email') altNames.push(`email:${n.value}`);
  }
  const attr = (type: string) => cert.subjectName.getField(type)[0] ?? '';
  const info: CertInfo = {
    node,
    subject: node.subject.split('\n').join(', '),
    issuer: node.issuer.split('\n').join(', '),
    serial: node.serialNumber.toLowerCase(),
    fingerprint: createHash('sha256').update(node.raw).digest('hex'),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    ca: node.ca,
    selfSigned: node.checkIssued(node) && node.verify(node.publicKey),
    keyType,
    keySize,
    usages,
    commonName: attr('CN'),
    country: attr('C'),
    organization: attr('O'),
    unit: attr('OU'),
    altNames,
  };
  if (cache.size > 2000) cache.clear();
  cache.set(pem, info);
  return info;
}

function loadPrivateKey(pem: string, passphrase?: string): KeyObject {
  try {
    return createPrivateKey(passphrase ? { key: pem, passphrase } : pem);
  } catch (e) {
    if (/ENCRYPTED/.test(pem) && !passphrase)
      return fail('private-key-pem', 'is encrypted; import it with its passphrase (/certificate/import)');
    return fail(
      'private-key-pem',
      passphrase ? `cannot be read with this passphrase (${(e as Error).message})` : 'is not a PEM private key',
    );
  }
}

const pkcs8 = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }) as string;

// ------------------------------------------------------------------------------------------ store hook
const SUBJECT_FIELDS = [
  'common-name',
  'subject-alt-name',
  'country',
  'organization',
  'unit',
  'key-type',
  'key-size',
  'days-valid',
  'key-usage',
] as const;

/**
 * Every certificate entry holds a certificate. When it changes (import, sign) the entry's subject
 * properties are read from it and its private key must match; they cannot be edited otherwise.
 */
export function prepareCertificate(values: CertificateValues, before: CertificateValues | null): CertificateValues {
  const pem = values['certificate-pem'];
  if (pem === '')
    return fail('certificate-pem', 'is required (the agent generates one when an entry is added without it)');
  let keyPem = values['private-key-pem'];
  const certChanged = !before || before['certificate-pem'] !== pem;
  const keyChanged = !before || before['private-key-pem'] !== keyPem;
  if (!certChanged) {
    for (const f of SUBJECT_FIELDS) {
      if (JSON.stringify(values[f]) !== JSON.stringify(before![f])) {
        return fail(f, 'cannot be changed on an existing certificate; add a new one (or import/sign it again)');
      }
    }
  }
  if (!certChanged && !keyChanged) return values;
  const info = certInfo(pem);
  const keyType =
    info.keyType === 'rsa' || info.keyType === 'ecdsa'
      ? info.keyType
      : fail('certificate-pem', `has a ${info.keyType} key; only RSA and ECDSA certificates are supported`);
  const keySize =
    [...RSA_KEY_SIZES, ...EC_CURVES].find((s) => s === info.keySize) ??
    fail(
      'certificate-pem',
      `has a ${keyType === 'rsa' ? `${info.keySize}-bit RSA key` : `key on curve ${info.keySize}`}; supported: ` +
        `RSA ${RSA_KEY_SIZES.join(', ')} bits, ECDSA ${EC_CURVES.join(', ')}`,
    );
  if (keyPem !== '') {
    const key = loadPrivateKey(keyPem);
    if (!info.node.checkPrivateKey(key)) fail('private-key-pem', 'does not belong to the certificate');
    keyPem = pkcs8(key);
  }
  if (!certChanged) return { ...values, 'private-key-pem': keyPem };
  const days = Math.round((info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000);
  // An empty key-usage ("automatic") stays so while the certificate has exactly the automatic usages.
  const auto = info.selfSigned && info.ca ? AUTO_CA_USAGE : AUTO_END_USAGE;
  const keepAuto = values['key-usage'].length === 0 && sameSet(info.usages, auto);
  return {
    ...values,
    'certificate-pem': firstPem(pem.trim()),
    'private-key-pem': keyPem,
    'common-name': info.commonName.slice(0, 64),
    'subject-alt-name': info.altNames,
    country: info.country.slice(0, 2),
    organization: info.organization.slice(0, 64),
    unit: info.unit.slice(0, 64),
    'key-type': keyType,
    'key-size': keySize,
    'days-valid': Math.min(36500, Math.max(1, days)),
    'key-usage': keepAuto ? [] : info.usages,
  };
}

// ------------------------------------------------------------------------------------------ generation
const WEB_CURVE: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
/** What signing needs of the issuing CA entry. */
interface Issuer {
  values: Pick<CertificateValues, 'certificate-pem' | 'private-key-pem'>;
}

function algorithmFor(
  keyType: string,
  keySize: string,
): { gen: RsaHashedKeyGenParams | EcKeyGenParams; sign: Algorithm | EcdsaParams } {
  if (keyType === 'rsa') {
    return {
      gen: {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: Number(keySize),
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      sign: { name: 'RSASSA-PKCS1-v1_5' },
    };
  }
  const [namedCurve, hash] = (
    { prime256v1: ['P-256', 'SHA-256'], secp384r1: ['P-384', 'SHA-384'], secp521r1: ['P-521', 'SHA-512'] } as const
  )[keySize as 'prime256v1']!;
  return { gen: { name: 'ECDSA', namedCurve }, sign: { name: 'ECDSA', hash } as EcdsaParams };
}

/** A PEM private key as a WebCrypto signing key, with the signature algorithm its certificate uses. */
async function signingKey(keyPem: string): Promise<{ key: CryptoKey; alg: Algorithm | EcdsaParams }> {
  const k = createPrivateKey(keyPem);
  const der = k.export({ type: 'pkcs8', format: 'der' });
  if (k.asymmetricKeyType === 'rsa') {
    return {
      key: await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']),
      alg: { name: 'RSASSA-PKCS1-v1_5' },
    };
  }
  const curve = String(k.asymmetricKeyDetails?.namedCurve);
  const [namedCurve, hash] =
    (
      { prime256v1: ['P-256', 'SHA-256'], secp384r1: ['P-384', 'SHA-384'], secp521r1: ['P-521', 'SHA-512'] } as Record<
        string,
        [string, string]
      >
    )[curve] ?? fail('private-key-pem', `curve ${curve} is not supported`);
  return {
    key: await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve }, false, ['sign']),
    alg: { name: 'ECDSA', hash } as EcdsaParams,
  };
}

function subjectOf(v: CertificateValues): x509.JsonName {
  const name: x509.JsonName = [];
  if (v.country) name.push({ C: [v.country] });
  if (v.organization) name.push({ O: [v.organization] });
  if (v.unit) name.push({ OU: [v.unit] });
  name.push({ CN: [v['common-name'] || v.name] });
  return name;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x10; // positive, 16 bytes
  return b.toString('hex');
}

/**
 * Issue a certificate for `subject` (its properties; its key if it has one, else a new one) signed by
 * `issuer`'s key, or self-signed when there is no issuer. Returns PEMs.
 */
export async function issue(
  subject: CertificateValues,
  issuer?: Issuer,
): Promise<{ certificate: string; privateKey: string; ca: boolean }> {
  let keyPem = subject['private-key-pem'];
  let publicKey: CryptoKey;
  const { gen } = algorithmFor(subject['key-type'], subject['key-size']);
  if (keyPem === '') {
    const pair = (await crypto.subtle.generateKey(gen, true, ['sign', 'verify'])) as CryptoKeyPair;
    keyPem = pkcs8(
      createPrivateKey({
        key: Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey)),
        format: 'der',
        type: 'pkcs8',
      }),
    );
    publicKey = pair.publicKey;
  } else {
    const k = createPrivateKey(keyPem);
    const spki = createPublicKey(k).export({ type: 'spki', format: 'der' });
    const imp =
      k.asymmetricKeyType === 'rsa'
        ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
        : { name: 'ECDSA', namedCurve: WEB_CURVE[String(k.asymmetricKeyDetails?.namedCurve)] };
    publicKey = await crypto.subtle.importKey('spki', spki, imp as EcKeyImportParams, true, ['verify']);
  }
  const requested = subject['key-usage'];
  const usage = requested.length ? requested : issuer ? AUTO_END_USAGE : AUTO_CA_USAGE;
  const ca = usage.includes('key-cert-sign');
  const signer = await signingKey(issuer ? issuer.values['private-key-pem'] : keyPem);
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000); // a minute of clock skew
  const notAfter = new Date(notBefore.getTime() + 60_000 + subject['days-valid'] * 86_400_000);
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(ca, undefined, true)];
  let flags = 0;
  for (const [name, flag] of KU_FLAGS) if (usage.includes(name)) flags |= flag;
  if (flags) extensions.push(new x509.KeyUsagesExtension(flags, true));
  const ekus = EKU_OIDS.filter(([n]) => usage.includes(n)).map(([, oid]) => oid);
  if (ekus.length) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
  const sans = subject['subject-alt-name'].map((s): x509.JsonGeneralName => {
    const [t, ...rest] = s.split(':');
    const value = rest.join(':');
    return { type: t === 'IP' ? 'ip' : t === 'DNS' ? 'dns' : 'email', value };
  });
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  const ski = await x509.SubjectKeyIdentifierExtension.create(publicKey as never, false, crypto as never);
  extensions.push(ski);
  const issuerCert = issuer ? new x509.X509Certificate(issuer.values['certificate-pem']) : undefined;
  const issuerSki =
    issuerCert?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? (issuer ? undefined : ski.keyId);
  if (issuerSki) extensions.push(new x509.AuthorityKeyIdentifierExtension(issuerSki, false));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: subjectOf(subject),
      issuer: issuerCert ? issuerCert.subjectName : subjectOf(subject),
      notBefore,
      notAfter,
      publicKey,
      signingKey: signer.key,
      signingAlgorithm: signer.alg,
      extensions,
    },
    crypto as never,
  );
  return { certificate: cert.toString('pem') + '\n', privateKey: keyPem, ca };
}

// ------------------------------------------------------------------------------------------ the API's side
interface StoreView {
  list(menu: 'certificate'): readonly { id: number; values: CertificateValues }[];
}

/** A certificate added without PEM (a copy too): the agent generates its key pair and certificate. */
export function generatesCertificateKey(op: Op): boolean {
  if (op.menu !== 'certificate' || op.op !== 'add') return false;
  const pem = op.values['certificate-pem'];
  return !(typeof pem === 'string' && pem.trim() !== '' && pem !== SECRET_PLACEHOLDER);
}

/**
 * Before the store's (synchronous) transaction: certificates added without PEM get their key and
 * self-signed certificate here. A copy gets a new key and certificate of its own.
 */
export async function prepareCertificateOps(store: StoreView, ops: Op[]): Promise<Op[]> {
  const menu = certificateMenu;
  const out: Op[] = [];
  for (const op of ops) {
    if (op.menu !== 'certificate' || op.op !== 'add') {
      out.push(op);
      continue;
    }
    const given = op.values;
    let base = defaults(menu);
    if (op.copyFrom !== undefined) {
      const src = store.list('certificate').find((e) => e.id === op.copyFrom);
      if (src) base = { ...src.values, 'certificate-pem': '', 'private-key-pem': '' };
    }
    if (!generatesCertificateKey(op)) {
      // An imported CA is trusted unless said otherwise.
      const trusted = given.trusted !== undefined ? {} : { trusted: certInfo(String(given['certificate-pem'])).ca };
      out.push({ ...op, values: { ...given, ...trusted } });
      continue;
    }
    const values = applyInput(menu, base, { ...given, 'certificate-pem': '', 'private-key-pem': '' });
    const issues = checkEntry(menu, values);
    if (issues.length) throw new ConfigError(issues);
    const made = await issue(values);
    out.push({
      ...op,
      values: {
        ...given,
        'certificate-pem': made.certificate,
        'private-key-pem': made.privateKey,
        ...(given.trusted === undefined ? { trusted: made.ca } : {}),
      },
    });
  }
  return out;
}

/** RouterOS `sign <cert> [ca=<ca>]`: the values to set on the certificate entry. */
export async function signValues(
  cert: { id: number; values: CertificateValues },
  ca: { id: number; values: CertificateValues } | undefined,
): Promise<Pick<CertificateValues, 'certificate-pem' | 'trusted'>> {
  if (!cert.values['private-key-pem'])
    fail(
      'private-key-pem',
      `certificate "${cert.values.name}" has no private key; only certificates made here can be signed`,
      cert.id,
    );
  if (ca) {
    if (!ca.values['private-key-pem']) fail(undefined, `CA "${ca.values.name}" has no private key to sign with`, ca.id);
    if (!certInfo(ca.values['certificate-pem']).ca)
      fail(undefined, `"${ca.values.name}" is not a CA (key-usage needs key-cert-sign)`, ca.id);
  }
  const made = await issue(cert.values, ca);
  return { 'certificate-pem': made.certificate, trusted: !ca && made.ca };
}

// ------------------------------------------------------------------------------------------ import
export interface ImportedEntry {
  certificate: string;
  privateKey: string;
  ca: boolean;
  fingerprint: string;
}

/** A base64 DER X.509 certificate (a .cer/.der file as uploaded), as PEM; undefined when it is not one. */
function derCertificate(base64: string): string | undefined {
  try {
    return new NodeX509(Buffer.from(base64.replace(/\s+/g, ''), 'base64')).toString();
  } catch {
    return undefined;
  }
}

/**
 * RouterOS `/certificate import`: PEM text (certificates and/or a private key, encrypted with
 * `passphrase` or not), a DER certificate (base64) or a PKCS#12 bundle (base64) with its passphrase.
 * The certificate that matches the key comes first.
 */
export async function readImport(
  content: string,
  passphrase = '',
): Promise<{ certs: ImportedEntry[]; orphanKey?: string }> {
  const text = content.trim();
  let certs: string[];
  let keyPem = '';
  if (text.includes('-----BEGIN')) {
    certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const key = /-----BEGIN ((?:ENCRYPTED |RSA |EC )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/.exec(text);
    if (key) keyPem = pkcs8(loadPrivateKey(key[0], passphrase || undefined));
  } else if (derCertificate(text)) {
    certs = [derCertificate(text)!];
  } else {
    const bundle = await pkcs12Thread.call('readPkcs12', text, passphrase);
    if (!bundle.ok) return fail(undefined, bundle.error);
    ({ certs, keyPem } = bundle.value);
  }
  if (certs.length === 0 && keyPem === '') fail(undefined, 'file-content holds no certificate and no private key');
  const entries = certs.map((c) => {
    const info = certInfo(`${c.trim()}\n`);
    const mine = keyPem !== '' && info.node.checkPrivateKey(createPrivateKey(keyPem));
    return { certificate: `${c.trim()}\n`, privateKey: mine ? keyPem : '', ca: info.ca, fingerprint: info.fingerprint };
  });
  entries.sort((a, b) => Number(b.privateKey !== '') - Number(a.privateKey !== ''));
  const used = entries.some((e) => e.privateKey !== '');
  return { certs: entries, ...(keyPem && !used ? { orphanKey: keyPem } : {}) };
}

/** Does `keyPem` belong to this certificate? */
export function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    return certInfo(certPem).node.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------ export
export type ExportType = 'pem' | 'pkcs12';

export interface ExportedFiles {
  /** RouterOS writes cert_export_<name>.crt/.key/.p12; we return the contents. */
  files: { name: string; content: string; encoding: 'utf8' | 'base64' }[];
}

/**
 * RouterOS `export-certificate <name> [type=pem|pkcs12] [export-passphrase=...]`. PEM: the certificate,
 * plus the private key encrypted with the passphrase when one is given. PKCS#12: certificate, key and
 * the issuing CAs found in `chain`, protected by the passphrase (required).
 */
export async function exportCertificate(
  entry: CertificateValues,
  type: ExportType,
  passphrase: string,
  chain: string[],
): Promise<ExportedFiles> {
  const name = entry.name;
  const certPem = entry['certificate-pem'];
  const keyPem = entry['private-key-pem'];
  if (type === 'pem') {
    const files: ExportedFiles['files'] = [{ name: `cert_export_${name}.crt`, content: certPem, encoding: 'utf8' }];
    if (passphrase !== '' && keyPem !== '') {
      if (passphrase.length < 4) fail(undefined, 'export-passphrase must be at least 4 characters');
      const enc = createPrivateKey(keyPem).export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase,
      }) as string;
      files.push({ name: `cert_export_${name}.key`, content: enc, encoding: 'utf8' });
    }
    return { files };
  }
  if (passphrase.length < 4) fail(undefined, 'type=pkcs12 needs an export-passphrase of at least 4 characters');
  return {
    files: [
      {
        name: `cert_export_${name}.p12`,
        content: await pkcs12Thread.call('writePkcs12', { certPem, chain, keyPem, passphrase, name }),
        encoding: 'base64',
      },
    ],
  };
}

/** Issuers of `pem` among `all` (the entries' PEMs), nearest first, excluding itself. */
export function chainOf(pem: string, all: string[]): string[] {
  const out: string[] = [];
  let cur = certInfo(pem);
  for (let depth = 0; depth < 8 && !cur.selfSigned; depth++) {
    const up = all
      .map((p) => ({ p, i: certInfo(p) }))
      .find(
        ({ i }) =>
          i.fingerprint !== cur.fingerprint && cur.node.checkIssued(i.node) && cur.node.verify(i.node.publicKey),
      );
    if (!up) break;
    out.push(up.p);
    cur = up.i;
  }
  return out;
}

/** Which entry (by name) issued `pem`: itself when self-signed, else a store entry whose key signed it. */
export function issuedBy(
  pem: string,
  entries: readonly { values: Pick<CertificateValues, 'name' | 'certificate-pem'> }[],
): string {
  const me = certInfo(pem);
  for (const e of entries) {
    const i = certInfoOrNone(e.values['certificate-pem']);
    if (i && me.node.checkIssued(i.node) && me.node.verify(i.node.publicKey)) return e.values.name;
  }
  return '';
}

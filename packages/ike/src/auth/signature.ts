// Certificate authentication: RSA and ECDSA signatures over the AUTH signed octets, as Digital Signature
// (RFC 7427, method 14, with the AlgorithmIdentifier in front) or the classic methods 1 (RSA PKCS#1 v1.5
// SHA-1) and 9/10/11 (ECDSA P-256/384/521, r|s, RFC 4754); X.509 chains to trusted certificates
// (checked at the engine's clock); CERTREQ authority hashes. node:crypto does the cryptography.
import { X509Certificate, createHash, createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '@ipsec/schema';
import { AuthMethod, IdType } from '../codec/constants.ts';
import type { IdPayload } from '../codec/payloads/id.ts';
import type { CertificateConfig } from '../config.ts';
import { concat, equal, fromHex } from '../util/bytes.ts';
import { formatIp } from '../util/ip.ts';
import { tlv } from './der.ts';
import { formatDnText, parseDnDer, sameDn } from './dn.ts';

/** Hash algorithm identifiers of SIGNATURE_HASH_ALGORITHMS (RFC 7427 7). */
export const SigHash = { SHA256: 2, SHA384: 3, SHA512: 4 } as const;
type SigHashId = (typeof SigHash)[keyof typeof SigHash];
const HASH_NAME: Record<SigHashId, string> = { 2: 'sha256', 3: 'sha384', 4: 'sha512' };

/** RFC 7427 A.1/A.3: AlgorithmIdentifier DER for the signature schemes we use. */
const ALGS: { der: Uint8Array; key: 'rsa' | 'ec'; hash: SigHashId }[] = [
  { der: fromHex('300d06092a864886f70d01010b0500'), key: 'rsa', hash: SigHash.SHA256 },
  { der: fromHex('300d06092a864886f70d01010c0500'), key: 'rsa', hash: SigHash.SHA384 },
  { der: fromHex('300d06092a864886f70d01010d0500'), key: 'rsa', hash: SigHash.SHA512 },
  { der: fromHex('300b06092a864886f70d01010b'), key: 'rsa', hash: SigHash.SHA256 }, // parameters absent (tolerated)
  { der: fromHex('300a06082a8648ce3d040302'), key: 'ec', hash: SigHash.SHA256 },
  { der: fromHex('300a06082a8648ce3d040303'), key: 'ec', hash: SigHash.SHA384 },
  { der: fromHex('300a06082a8648ce3d040304'), key: 'ec', hash: SigHash.SHA512 },
];
/** ECDSA curves: the classic AUTH method of each (RFC 7296 3.8) and the hash it goes with. */
const CURVES: Record<string, { method: number; hash: SigHashId }> = {
  prime256v1: { method: AuthMethod.ECDSA_256, hash: SigHash.SHA256 },
  secp384r1: { method: AuthMethod.ECDSA_384, hash: SigHash.SHA384 },
  secp521r1: { method: AuthMethod.ECDSA_521, hash: SigHash.SHA512 },
};

export interface LoadedCert {
  name: string;
  x509: X509Certificate;
  der: Uint8Array;
  key?: KeyObject;
  trusted: boolean;
}

export function loadCert(c: CertificateConfig): Result<LoadedCert> {
  try {
    const x509 = new X509Certificate(c.certificate);
    const out: LoadedCert = { name: c.name, x509, der: new Uint8Array(x509.raw), trusted: c.trusted ?? false };
    if (c['private-key']) {
      out.key = createPrivateKey(c['private-key']);
      if (!x509.checkPrivateKey(out.key)) return err(`certificate ${c.name}: private key does not match`);
    }
    return ok(out);
  } catch (e) {
    return err(`certificate ${c.name}: ${(e as Error).message}`);
  }
}

// -------------------------------------------------------------------------------- DER

/** The DER of the certificate's subject Name (for ID_DER_ASN1_DN). */
export function subjectDer(certDer: Uint8Array): Uint8Array {
  const cert = tlv(certDer, 0);
  const tbs = tlv(certDer, cert.start);
  let off = tbs.start;
  if (certDer[off] === 0xa0) off = tlv(certDer, off).end; // [0] version
  for (let i = 0; i < 4; i++) off = tlv(certDer, off).end; // serial, signature, issuer, validity
  const subject = tlv(certDer, off);
  return certDer.slice(off, subject.end);
}

/** A DER Name as text, "C=CH, O=ipsec test, CN=host" (strongSwan's order); undefined if it does not parse. */
export function formatDn(der: Uint8Array): string | undefined {
  const dn = parseDnDer(der);
  return dn && formatDnText(dn);
}

// -------------------------------------------------------------------------------- AUTH

/** Sign the AUTH octets: RFC 7427 when the peer announced hash algorithms, the classic method otherwise. */
export function signAuth(
  key: KeyObject,
  octets: Uint8Array,
  peerHashes: readonly number[] | undefined,
): { method: number; data: Uint8Array } {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
  if (type !== 'rsa' && type !== 'ec') throw new Error(`unsupported private key type ${type}`);
  if (peerHashes?.length) {
    const preferred =
      type === 'ec'
        ? [CURVES[curve]?.hash ?? SigHash.SHA256, SigHash.SHA256, SigHash.SHA384, SigHash.SHA512]
        : [SigHash.SHA256, SigHash.SHA384, SigHash.SHA512];
    const alg = preferred
      .filter((h) => peerHashes.includes(h))
      .map((h) => ALGS.find((a) => a.key === type && a.hash === h))
      .find((a) => a !== undefined);
    if (alg) {
      const sig = sign(HASH_NAME[alg.hash], octets, key);
      return {
        method: AuthMethod.DIGITAL_SIGNATURE,
        data: concat(new Uint8Array([alg.der.length]), alg.der, new Uint8Array(sig)),
      };
    }
  }
  if (type === 'rsa') return { method: AuthMethod.RSA, data: new Uint8Array(sign('sha1', octets, key)) };
  const ec = CURVES[curve];
  if (!ec) throw new Error(`unsupported curve ${curve}`);
  return {
    method: ec.method,
    data: new Uint8Array(sign(HASH_NAME[ec.hash], octets, { key, dsaEncoding: 'ieee-p1363' })),
  };
}

export function verifyAuth(method: number, data: Uint8Array, key: KeyObject, octets: Uint8Array): boolean {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
  try {
    if (method === AuthMethod.DIGITAL_SIGNATURE) {
      const len = data[0] ?? 0;
      const algDer = data.subarray(1, 1 + len);
      const alg = ALGS.find((a) => equal(a.der, algDer));
      if (!alg || alg.key !== type) return false;
      return verify(HASH_NAME[alg.hash], octets, key, data.subarray(1 + len));
    }
    if (method === AuthMethod.RSA) return type === 'rsa' && verify('sha1', octets, key, data);
    const ec = CURVES[curve];
    if (type === 'ec' && ec?.method === method)
      return verify(HASH_NAME[ec.hash], octets, { key, dsaEncoding: 'ieee-p1363' }, data);
  } catch {
    return false;
  }
  return false;
}

// -------------------------------------------------------------------------------- trust

function validAt(c: X509Certificate, now: number): boolean {
  return Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);
}

/**
 * Accept the peer's end-entity certificate: equal to `pinned` when remote-certificate names one, otherwise
 * chaining (through the peer's other certificates or ours) to a trusted certificate, every link valid at `now`.
 */
export function checkPeerCert(
  end: X509Certificate,
  extra: X509Certificate[],
  known: LoadedCert[],
  now: number,
  pinned?: LoadedCert,
): Result<void> {
  if (!validAt(end, now))
    return err(
      `certificate "${end.subject.replace(/\n/g, ', ')}" is not valid now (${end.validFrom} - ${end.validTo})`,
    );
  if (pinned)
    return equal(pinned.der, new Uint8Array(end.raw))
      ? ok(undefined)
      : err('certificate differs from the configured remote-certificate');
  const trusted = known.filter((k) => k.trusted);
  if (trusted.some((t) => equal(t.der, new Uint8Array(end.raw)))) return ok(undefined);
  const pool = [...extra, ...known.map((k) => k.x509)];
  let cur = end;
  for (let depth = 0; depth < 6; depth++) {
    const anchor = trusted.find((t) => cur.checkIssued(t.x509) && cur.verify(t.x509.publicKey));
    if (anchor)
      return validAt(anchor.x509, now) ? ok(undefined) : err(`CA certificate ${anchor.name} is not valid now`);
    const issuer = pool.find(
      (c) => c !== cur && c.ca && cur.checkIssued(c) && cur.verify(c.publicKey) && validAt(c, now),
    );
    if (!issuer) return err(`certificate "${end.subject.replace(/\n/g, ', ')}" is not issued by a trusted CA`);
    cur = issuer;
  }
  return err('certificate chain too long');
}

/** The peer's ID must be one its certificate vouches for: the subject DN, or a subjectAltName. */
export function idMatchesCert(id: IdPayload, cert: X509Certificate): boolean {
  const text = Buffer.from(id.data).toString('utf8');
  switch (id.idType) {
    case IdType.DER_ASN1_DN: {
      const want = parseDnDer(id.data);
      const subject = parseDnDer(subjectDer(new Uint8Array(cert.raw)));
      return want !== undefined && subject !== undefined && sameDn(want, subject);
    }
    case IdType.FQDN:
      return cert.checkHost(text) !== undefined;
    case IdType.RFC822_ADDR:
      return cert.checkEmail(text) !== undefined;
    case IdType.IPV4_ADDR:
    case IdType.IPV6_ADDR:
      return cert.checkIP(formatIp(id.data)) !== undefined;
    default:
      return false;
  }
}

/** A CA as CERTREQ names it: SHA-1 of its SubjectPublicKeyInfo (RFC 7296 3.7), hex. */
export function keyHash(c: LoadedCert): string {
  return createHash('sha1')
    .update(c.x509.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** CERTREQ authorities: the hashes of our trusted certificates. */
export function authorityHashes(known: LoadedCert[]): Uint8Array {
  return concat(...known.filter((k) => k.trusted).map((k) => new Uint8Array(Buffer.from(keyHash(k), 'hex'))));
}

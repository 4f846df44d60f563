// Certificates in IKE (RFC 7296 3.6-3.7): the configured ones loaded, CERTREQ naming our trust anchors, CERT with
// ours, and the peer's end-entity certificate chosen, chained to a trusted CA (or the pinned remote-certificate) and
// matched against its ID.
import { X509Certificate } from 'node:crypto';
import { err, ok, type Result } from '@ipsec/schema';
import { PayloadType } from '../codec/constants.ts';
import type { Payload } from '../codec/payload.ts';
import type { IdPayload } from '../codec/payloads/id.ts';
import {
  authorityHashes,
  checkPeerCert,
  idMatchesCert,
  keyHash,
  loadCert,
  type LoadedCert,
} from '../auth/signature.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike-sa.ts';
import { formatId } from './common.ts';

/** Certificate encoding 4: X.509 Certificate - Signature (RFC 7296 3.6). */
const CERT_X509_SIGNATURE = 4;

/** The configured certificates that load; the others are logged. */
export function certs(ctx: Ctx, sa?: IkeSa): LoadedCert[] {
  const out: LoadedCert[] = [];
  for (const c of ctx.config.certificates ?? []) {
    const l = loadCert(c);
    if (l.ok) out.push(l.value);
    else ctx.log('warning', l.error, sa);
  }
  return out;
}

/** CERTREQ naming our trusted certificates (RFC 7296 3.7); without any, an empty one still asks for the peer's. */
export function certReq(ctx: Ctx, known = certs(ctx)): Payload {
  return { type: PayloadType.CERTREQ, encoding: CERT_X509_SIGNATURE, authorities: authorityHashes(known) };
}

/** The CA hashes of the peer's X.509 CERTREQ payloads, hex (empty when it named none). */
export function certReqAuthorities(payloads: readonly Payload[]): string[] {
  const out: string[] = [];
  for (const p of payloads) {
    if (p.type !== PayloadType.CERTREQ || !('authorities' in p) || p.encoding !== CERT_X509_SIGNATURE) continue;
    for (let i = 0; i + 20 <= p.authorities.length && out.length < 32; i += 20)
      out.push(Buffer.from(p.authorities.subarray(i, i + 20)).toString('hex'));
  }
  return out;
}

/**
 * What we send in CERT payloads: our certificate, then the CAs that issued it up to, not including, the root (a
 * peer trusting only the root needs the intermediates to build the path, RFC 7296 3.6). The chain stops early at a
 * CA the peer named in its CERTREQ: it holds that one already.
 */
export function ourChain(mine: LoadedCert, known: LoadedCert[], peerAuthorities: readonly string[] = []): LoadedCert[] {
  const chain = [mine];
  let cur = mine;
  for (let depth = 0; depth < 6; depth++) {
    const issuer = known.find(
      (c) => c !== cur && c.x509.ca && cur.x509.checkIssued(c.x509) && cur.x509.verify(c.x509.publicKey),
    );
    if (!issuer || issuer.x509.checkIssued(issuer.x509) || peerAuthorities.includes(keyHash(issuer))) break;
    chain.push(issuer);
    cur = issuer;
  }
  return chain;
}

/** Our CERT payload. */
export function certPayload(mine: LoadedCert): Payload {
  return { type: PayloadType.CERT, encoding: CERT_X509_SIGNATURE, data: mine.der };
}

/** The first X.509 CERT payload of a message (the peer's end-entity certificate). */
export function firstCert(payloads: readonly Payload[]): { data: Uint8Array } | undefined {
  return payloads.find((p) => p.type === PayloadType.CERT && 'encoding' in p && p.encoding === CERT_X509_SIGNATURE) as
    { data: Uint8Array } | undefined;
}

/**
 * The peer's certificate for `id`: the first it sent (or the pinned remote-certificate), trusted through its other
 * certificates or ours, valid now, and vouching for `id` unless remote-id=ignore.
 */
export function peerCertificate(
  ctx: Ctx,
  sa: IkeSa,
  id: IdPayload,
  payloads: readonly Payload[],
): Result<X509Certificate> {
  const identity = sa.rp.identity;
  const all = certs(ctx, sa);
  const received: X509Certificate[] = [];
  for (const p of payloads) {
    if (p.type !== PayloadType.CERT || !('encoding' in p) || p.encoding !== CERT_X509_SIGNATURE || received.length >= 8)
      continue;
    try {
      received.push(new X509Certificate(p.data));
    } catch {
      return err('peer sent a certificate that does not parse');
    }
  }
  const pinnedName = identity?.['remote-certificate'];
  const pinned = pinnedName ? all.find((c) => c.name === pinnedName) : undefined;
  if (pinnedName && !pinned) return err(`remote-certificate ${pinnedName} is not configured`);
  const end = received[0] ?? pinned?.x509;
  if (!end) return err('peer sent no certificate');
  const trusted = checkPeerCert(end, received.slice(1), all, ctx.now(), pinned);
  if (!trusted.ok) return trusted;
  if (identity?.['remote-id'] !== 'ignore' && !idMatchesCert(id, end))
    return err(`peer ID ${formatId(id)} is not in its certificate ("${end.subject.replace(/\n/g, ', ')}")`);
  return ok(end);
}

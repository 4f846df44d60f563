// Responder: which of the configured identities an initiator is, when several could be (road warriors on
// 0.0.0.0/0 with certificates, EAP users and PSKs side by side). Decided from IDi, the certificate and the AUTH
// payload before authentication proper; the chosen identity may belong to another peer.
import { secretBytes } from '@ipsec/schema';
import { X509Certificate } from 'node:crypto';
import { AuthMethod, PayloadType } from '../codec/constants.ts';
import type { Payload } from '../codec/payload.ts';
import type { IdPayload } from '../codec/payloads/id.ts';
import { verifyPskAuth } from '../auth/psk.ts';
import type { LoadedCert } from '../auth/signature.ts';
import { identitiesOf, ikeAlgorithmsKey, resolvePeer, type IdentityConfig } from '../config.ts';
import type { Ctx } from '../context.ts';
import type { KeyedSa } from '../ike-sa.ts';
import { equal } from '../util/bytes.ts';
import { inRange, parseIp, prefixRange } from '../util/ip.ts';
import { octetsFor } from './authentication/authenticate.ts';
import { certs, firstCert } from './certificates.ts';
import { find, formatId, remoteIdAccepted } from './common.ts';

/**
 * Responder with several identities for the peer: pick the one for this initiator. match-by=certificate with a
 * remote-certificate: the peer's certificate must be that one; match-by=remote-id: a specific remote-id must equal
 * the IDi, auto/ignore take anyone. Certificate matches beat specific IDs, which beat auto; among equals, one whose
 * PSK verifies the AUTH, or whose certificate shares the client certificate's issuer, wins; then the first.
 */
export function chooseIdentity(ctx: Ctx, sa: KeyedSa, idi: IdPayload, payloads: Payload[], eap: boolean): void {
  // Identities of this peer first, then of the other peers the initiator's address also matches whose profile
  // negotiates the same way (two road-warrior setups on 0.0.0.0/0: one for certificates, one for EAP users).
  const all = [sa.peerName, ...samePeers(ctx, sa)].flatMap((peer) => identitiesOf(ctx.config, peer));
  if (all.length === 0 || (all.length === 1 && all[0]?.peer === sa.peerName)) return;
  const certPayload = firstCert(payloads);
  let loaded: LoadedCert[] | undefined;
  const score = (i: IdentityConfig): number => {
    // An IKE_AUTH without AUTH asks for EAP: only eap-radius identities take it, and only those need it.
    if (eap !== (i['auth-method'] === 'eap-radius')) return -1;
    if (
      (i['match-by'] ?? 'remote-id') === 'certificate' &&
      (i['auth-method'] ?? 'pre-shared-key') === 'digital-signature'
    ) {
      if (!i['remote-certificate'] || !certPayload) return -1;
      loaded ??= certs(ctx, sa);
      const c = loaded.find((x) => x.name === i['remote-certificate']);
      return c && equal(c.der, certPayload.data) ? 3 : -1;
    }
    const r = i['remote-id'] ?? 'auto';
    const base = r === 'auto' || r === 'ignore' ? 1 : remoteIdAccepted(r, idi, sa.remote.address) ? 2 : -1;
    return base < 0 ? base : base + proof(i);
  };
  // What the AUTH payload itself says (identities tied on IDs: several road-warrior setups on 0.0.0.0/0): a PSK
  // identity whose secret verifies it, a certificate identity whose own certificate has the client's issuer.
  const auth = find(payloads, PayloadType.AUTH);
  let octets: Uint8Array | undefined;
  let peerIssuer: string | undefined;
  const proof = (i: IdentityConfig): number => {
    if (eap || !auth) return 0;
    const method = i['auth-method'] ?? 'pre-shared-key';
    const mic = auth.method === AuthMethod.SHARED_KEY_MIC;
    if (method === 'pre-shared-key') {
      octets ??= octetsFor(sa, true, idi);
      const key = secretBytes(i.secret ?? '');
      return mic && key.ok && verifyPskAuth(sa.suite.prf, key.value, octets, auth.data) ? 0.5 : -Infinity;
    }
    if (method !== 'digital-signature') return 0;
    if (mic) return -Infinity;
    if (!certPayload || !i.certificate) return 0;
    try {
      peerIssuer ??= new X509Certificate(certPayload.data).issuer;
      const own = ctx.config.certificates?.find((c) => c.name === i.certificate);
      return own && new X509Certificate(own.certificate).issuer === peerIssuer ? 0.5 : 0;
    } catch {
      return 0; // an unreadable certificate is refused later, with its reason
    }
  };
  let best: IdentityConfig | undefined;
  let bestScore = 0;
  for (const i of all) {
    const sc = score(i);
    if (sc > bestScore) {
      best = i;
      bestScore = sc;
    }
  }
  if (!best)
    return ctx.log(
      'warning',
      `no identity of peer ${sa.peerName} matches ${formatId(idi)}${certPayload ? ' or its certificate' : ''}`,
      sa,
    );
  const rp = resolvePeer(ctx.config, best.peer, best);
  if (!rp) return;
  if (best.peer !== sa.peerName) {
    ctx.log('info', `identity for ${formatId(idi)} belongs to peer ${best.peer}: switching from ${sa.peerName}`, sa);
    sa.peerName = best.peer;
  }
  if (best !== all[0])
    ctx.log(
      'debug',
      `identity for ${formatId(idi)}: remote-id=${best['remote-id'] ?? 'auto'}` +
        `${best['match-by'] === 'certificate' ? ` remote-certificate=${best['remote-certificate']}` : ''}`,
      sa,
    );
  sa.rp = rp;
}

/** Other enabled IKEv2 peers whose address also covers the initiator's and whose profile has the same algorithms. */
function samePeers(ctx: Ctx, sa: KeyedSa): string[] {
  const ip = parseIp(sa.remote.address);
  const algs = (name: string | undefined) =>
    ikeAlgorithmsKey(ctx.config.profiles?.find((x) => x.name === (name ?? 'default')));
  const mine = algs(sa.rp.peer.profile);
  return ctx.config.peers
    .filter(
      (p) =>
        p.name !== sa.peerName &&
        !p.disabled &&
        (p['exchange-mode'] ?? 'ike2') === 'ike2' &&
        p.passive === sa.rp.peer.passive,
    )
    .filter((p) => {
      const r = prefixRange(p.address);
      return ip && r && inRange(ip, r) && algs(p.profile) === mine;
    })
    .map((p) => p.name);
}

// Certificate signature authentication (RFC 7296 2.15, RFC 7427 digital signatures): we sign with our certificate's
// key and send the certificate; the peer's signature is checked with its certificate once that is trusted.
import { err, ok } from '@ipsec/schema';
import { AuthMethod, IdType, PayloadType } from '../../codec/constants.ts';
import type { Payload } from '../../codec/payload.ts';
import { idMatchesCert, signAuth, subjectDer, verifyAuth } from '../../auth/signature.ts';
import { certPayload, certReq, certs, ourChain, peerCertificate } from '../certificates.ts';
import { idFromConfig } from '../common.ts';
import type { Authenticator } from './types.ts';

export const signatureAuthenticator: Authenticator = {
  own(ctx, sa, identity, type) {
    const all = certs(ctx, sa);
    const mine = all.find((c) => c.name === identity.certificate);
    if (!mine) return err(`identity certificate ${identity.certificate ?? '(none)'} is not configured`);
    const key = mine.key;
    if (!key) return err(`certificate ${mine.name} has no private key`);
    const spec = identity['my-id'] ?? 'auto';
    const configured =
      spec === 'auto'
        ? ok({ type, idType: IdType.DER_ASN1_DN, data: subjectDer(mine.der) })
        : idFromConfig(spec, sa.local.address, type);
    if (!configured.ok) return configured;
    const id = configured.value;
    if (!idMatchesCert(id, mine.x509)) return err(`my-id ${spec} is not in certificate ${mine.name}`);
    const before: Payload[] = ourChain(mine, all, sa.peerAuthorities).map(certPayload);
    if (type === PayloadType.IDi) before.push(certReq(ctx, all));
    return ok({
      id,
      before,
      auth: (o) => {
        const s = signAuth(key, o, sa.peerSigHashes);
        return { type: PayloadType.AUTH, method: s.method, data: s.data };
      },
    });
  },
  verify(ctx, sa, _identity, id, auth, octets, payloads) {
    if (auth.method === AuthMethod.SHARED_KEY_MIC)
      return err('peer authenticates with a pre-shared key, we expect a certificate signature');
    const end = peerCertificate(ctx, sa, id, payloads);
    if (!end.ok) return end;
    return verifyAuth(auth.method, auth.data, end.value.publicKey, octets)
      ? ok(undefined)
      : err(`signature of "${end.value.subject.replace(/\n/g, ', ')}" does not verify`);
  },
};

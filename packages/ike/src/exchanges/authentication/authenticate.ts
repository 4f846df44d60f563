// Which authentication an identity uses on this side, what AUTH signs (RFC 7296 2.15), and our AUTH and the check
// of the peer's through the method's Authenticator.
import type { Result } from '@ipsec/schema';
import { err } from '@ipsec/schema';
import { signedOctets } from '../../auth/psk.ts';
import { serializeId, type IdPayload } from '../../codec/payloads/id.ts';
import type { Payload } from '../../codec/payload.ts';
import type { Ctx } from '../../context.ts';
import type { IdentityConfig } from '../../config.ts';
import type { IkeSa, KeyedSa } from '../../ike-sa.ts';
import { formatId, remoteIdAccepted } from '../common.ts';
import { pskAuthenticator } from './psk.ts';
import { signatureAuthenticator } from './signature.ts';
import type { Authenticator, IdType, Method, OwnAuth } from './types.ts';

/**
 * The identity's authentication. eap-radius (responder, RouterOS's server-side EAP): we sign with our certificate,
 * the peer runs EAP-MSCHAPv2 against IPsec Users. eap (initiator): the server signs, we run EAP-MSCHAPv2.
 */
export type Kind = 'psk' | 'sig' | 'eap-server' | 'eap-client';

/** The identity of this side and how it authenticates, or undefined (logged) when it cannot. */
export function methodOf(ctx: Ctx, sa: IkeSa): { kind: Kind; identity: IdentityConfig } | undefined {
  const identity = sa.rp.identity;
  const m = identity?.['auth-method'] ?? 'pre-shared-key';
  if (identity && m === 'pre-shared-key') return { kind: 'psk', identity };
  if (identity && m === 'digital-signature') return { kind: 'sig', identity };
  if (identity && m === 'eap-radius' && !sa.initiator) return { kind: 'eap-server', identity };
  if (identity && m === 'eap' && sa.initiator) return { kind: 'eap-client', identity };
  const why = !identity
    ? 'no identity'
    : m === 'eap-radius'
      ? 'auth-method=eap-radius authenticates EAP clients as responder; to initiate with EAP use auth-method=eap'
      : m === 'eap'
        ? 'auth-method=eap is the EAP client side (initiator); a responder uses auth-method=eap-radius'
        : `auth-method=${m} is not implemented (pre-shared-key, digital-signature, eap-radius as responder, eap as initiator are)`;
  ctx.log('error', `peer ${sa.peerName}: ${why}`, sa);
  return undefined;
}

/** The AUTH method of both sides for psk/sig identities; with EAP, of the side that signs (the server). */
export const methodFor = (k: Kind): Method => (k === 'psk' ? 'psk' : 'sig');

const AUTHENTICATORS: Record<Method, Authenticator> = { psk: pskAuthenticator, sig: signatureAuthenticator };

/** What the AUTH payload of the initiator (or responder) signs: its IKE_SA_INIT message, the other nonce, its ID. */
export function octetsFor(sa: KeyedSa, fromInitiator: boolean, id: IdPayload): Uint8Array {
  const { suite, keys } = sa;
  return fromInitiator
    ? signedOctets(suite.prf, sa.initRequest!, sa.nr, keys.pi, serializeId(id))
    : signedOctets(suite.prf, sa.initResponse!, sa.ni, keys.pr, serializeId(id));
}

/** Our ID and how we authenticate: PSK MIC, or a signature with our certificate's key. */
export function ownAuth(
  ctx: Ctx,
  sa: KeyedSa,
  identity: IdentityConfig,
  method: Method,
  type: IdType,
): Result<OwnAuth> {
  return AUTHENTICATORS[method].own(ctx, sa, identity, type);
}

/** Check the peer's AUTH (and certificate) for `id`; why not when it does not hold. */
export function checkPeerAuth(
  ctx: Ctx,
  sa: KeyedSa,
  identity: IdentityConfig,
  method: Method,
  fromInitiator: boolean,
  id: IdPayload,
  auth: { method: number; data: Uint8Array },
  payloads: readonly Payload[],
): Result<void> {
  const byCert = identity['match-by'] === 'certificate' && method === 'sig';
  if (!byCert && !remoteIdAccepted(identity['remote-id'], id, sa.remote.address))
    return err(`identity ${formatId(id)} does not match remote-id ${identity['remote-id']}`);
  return AUTHENTICATORS[method].verify(ctx, sa, identity, id, auth, octetsFor(sa, fromInitiator, id), payloads);
}

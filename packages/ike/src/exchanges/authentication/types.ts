// What an authentication method provides to IKE_AUTH: our ID and AUTH, and the check of the peer's.
import type { Result } from '@ipsec/schema';
import type { PayloadType } from '../../codec/constants.ts';
import type { Payload } from '../../codec/payload.ts';
import type { IdPayload } from '../../codec/payloads/id.ts';
import type { Ctx } from '../../context.ts';
import type { IdentityConfig } from '../../config.ts';
import type { KeyedSa } from '../../ike-sa.ts';

/** How one side's first AUTH payload is made: PSK MIC or certificate signature (EAP's MSK AUTH comes later). */
export type Method = 'psk' | 'sig';

export type IdType = typeof PayloadType.IDi | typeof PayloadType.IDr;

export interface OwnAuth {
  id: IdPayload;
  /** CERT, CERTREQ (initiator) before the AUTH payload. */
  before: Payload[];
  auth: (octets: Uint8Array) => Payload;
}

export interface Authenticator {
  /** Our ID and how we authenticate. */
  own(ctx: Ctx, sa: KeyedSa, identity: IdentityConfig, type: IdType): Result<OwnAuth>;
  /** The peer's AUTH over `octets` for `id`, with the message's other payloads (its certificates). */
  verify(
    ctx: Ctx,
    sa: KeyedSa,
    identity: IdentityConfig,
    id: IdPayload,
    auth: { method: number; data: Uint8Array },
    octets: Uint8Array,
    payloads: readonly Payload[],
  ): Result<void>;
}

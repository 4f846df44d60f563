// Pre-shared key authentication (RFC 7296 2.15): AUTH = prf(prf(secret, "Key Pad for IKEv2"), octets).
import { err, ok, secretBytes } from '@ipsec/schema';
import { AuthMethod, PayloadType } from '../../codec/constants.ts';
import { pskAuth, verifyPskAuth } from '../../auth/psk.ts';
import { formatId, idFromConfig } from '../common.ts';
import type { Authenticator } from './types.ts';

export const pskAuthenticator: Authenticator = {
  own(_ctx, sa, identity, type) {
    const id = idFromConfig(identity['my-id'], sa.local.address, type);
    if (!id.ok) return id;
    // RouterOS syntax (0x... is hex), parsed by the schema's one rule; the store refuses bad hex before we see it
    const key = secretBytes(identity.secret ?? '');
    if (!key.ok) return err(`identity secret: ${key.error}`);
    return ok({
      id: id.value,
      before: [],
      auth: (o) => ({
        type: PayloadType.AUTH,
        method: AuthMethod.SHARED_KEY_MIC,
        data: pskAuth(sa.suite.prf, key.value, o),
      }),
    });
  },
  verify(_ctx, sa, identity, id, auth, octets) {
    if (auth.method !== AuthMethod.SHARED_KEY_MIC)
      return err(`peer authenticates with method ${auth.method}, we expect a pre-shared key`);
    const key = secretBytes(identity.secret ?? '');
    if (!key.ok) return err(`identity secret: ${key.error}`);
    return verifyPskAuth(sa.suite.prf, key.value, octets, auth.data)
      ? ok(undefined)
      : err(`AUTH from ${formatId(id)} does not verify (wrong pre-shared key?)`);
  },
};

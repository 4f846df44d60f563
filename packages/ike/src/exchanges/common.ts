// Helpers shared by the exchanges.
import { err, ok, type Result } from '@ipsec/schema';
import { IdType, PayloadType } from '../codec/constants.ts';
import type { KnownPayload, Payload } from '../codec/payload.ts';
import type { IdPayload } from '../codec/payloads/id.ts';
import type { NotifyPayload } from '../codec/payloads/notify.ts';
import type { SkKeys } from '../crypto/sk.ts';
import type { IkeSa } from '../ike-sa.ts';
import { equal, ParseError, utf8 } from '../util/bytes.ts';
import { formatIp, parseIp } from '../util/ip.ts';
import { formatDn } from '../auth/signature.ts';
import { parseDnDer, parseDnText, sameDn } from '../auth/dn.ts';

type PayloadOf<T extends number> = KnownPayload extends infer P
  ? P extends { type: infer U }
    ? T extends U
      ? P
      : never
    : never
  : never;

export function find<T extends number>(payloads: readonly Payload[], type: T): PayloadOf<T> | undefined {
  return payloads.find((p) => p.type === type && !('unknown' in p)) as PayloadOf<T> | undefined;
}

export function notifies(payloads: readonly Payload[]): NotifyPayload[] {
  return payloads.filter((p): p is NotifyPayload => p.type === PayloadType.NOTIFY && !('unknown' in p));
}

export function findNotify(payloads: readonly Payload[], type: number): NotifyPayload | undefined {
  return notifies(payloads).find((n) => n.notifyType === type);
}

/** Error notifies (types below 16384) in a message. */
export function errorNotify(payloads: readonly Payload[]): NotifyPayload | undefined {
  return notifies(payloads).find((n) => n.notifyType < 16384);
}

/** Keys to protect what we send / to open what we receive on this SA. */
export function outKeys(sa: IkeSa): SkKeys {
  return directionKeys(sa, sa.initiator);
}
export function inKeys(sa: IkeSa): SkKeys {
  return directionKeys(sa, !sa.initiator);
}
function directionKeys(sa: IkeSa, fromInitiator: boolean): SkKeys {
  const s = sa.suite;
  const k = sa.keys;
  if (!s || !k) throw new ParseError('IKE SA has no keys yet', 0);
  const keys: SkKeys = { encr: s.encr, encKey: fromInitiator ? k.ei : k.er };
  if (s.integ) {
    keys.integ = s.integ;
    keys.integKey = fromInitiator ? k.ai : k.ar;
  }
  return keys;
}

/** RouterOS my-id / remote-id ("auto", "address:1.2.3.4", "fqdn:x", "user-fqdn:x", "key-id:x") -> ID payload body. */
export function idFromConfig(
  spec: string | undefined,
  localAddress: string,
  type: typeof PayloadType.IDi | typeof PayloadType.IDr,
): Result<IdPayload> {
  const s = spec ?? 'auto';
  const addr = (a: string): Result<IdPayload> => {
    const b = parseIp(a);
    if (!b) return err(`bad address ID ${a}`);
    return ok({ type, idType: b.length === 4 ? IdType.IPV4_ADDR : IdType.IPV6_ADDR, data: b });
  };
  if (s === 'auto') return addr(localAddress);
  const colon = s.indexOf(':');
  const kind = s.slice(0, colon);
  const value = s.slice(colon + 1);
  switch (kind) {
    case 'address':
      return addr(value);
    case 'fqdn':
      return ok({ type, idType: IdType.FQDN, data: utf8(value) });
    case 'user-fqdn':
      return ok({ type, idType: IdType.RFC822_ADDR, data: utf8(value) });
    case 'key-id':
      return ok({
        type,
        idType: IdType.KEY_ID,
        data: /^0x([0-9a-f]{2})+$/i.test(value) ? new Uint8Array(Buffer.from(value.slice(2), 'hex')) : utf8(value),
      });
    default:
      return err(`ID type ${kind} is not supported with pre-shared keys yet`);
  }
}

export function formatId(id: IdPayload): string {
  switch (id.idType) {
    case IdType.IPV4_ADDR:
    case IdType.IPV6_ADDR:
      return `address:${formatIp(id.data)}`;
    case IdType.FQDN:
      return `fqdn:${Buffer.from(id.data).toString('utf8')}`;
    case IdType.RFC822_ADDR:
      return `user-fqdn:${Buffer.from(id.data).toString('utf8')}`;
    case IdType.KEY_ID:
      return `key-id:0x${Buffer.from(id.data).toString('hex')}`;
    case IdType.DER_ASN1_DN: {
      const dn = formatDn(id.data);
      return dn === undefined ? `dn:0x${Buffer.from(id.data).toString('hex')}` : `dn:${dn}`;
    }
    default:
      return `id-type-${id.idType}:0x${Buffer.from(id.data).toString('hex')}`;
  }
}

/** remote-id check: auto/ignore accept anything; otherwise the received ID must equal the configured one. */
export function remoteIdAccepted(spec: string | undefined, got: IdPayload, remoteAddress: string): boolean {
  const s = spec ?? 'auto';
  if (s === 'auto' || s === 'ignore') return true;
  if (s.startsWith('dn:')) {
    const dn = got.idType === IdType.DER_ASN1_DN ? parseDnDer(got.data) : undefined;
    const want = parseDnText(s.slice(3));
    return dn !== undefined && want !== undefined && sameDn(dn, want);
  }
  const want = idFromConfig(s, remoteAddress, got.type);
  return want.ok && want.value.idType === got.idType && equal(want.value.data, got.data);
}

export function spiNumber(b: Uint8Array): number {
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

// The typed payload union and the per-type parse/serialize dispatch (generic payload header, RFC 7296 3.2).
import { ParseError, Reader, Writer } from '../util/bytes.ts';
import { KNOWN_PAYLOADS, NotifyType, PayloadType } from './constants.ts';
import { parseAuth, serializeAuth, type AuthPayload } from './payloads/auth.ts';
import { parseCert, serializeCert, type CertPayload } from './payloads/cert.ts';
import { parseCertReq, serializeCertReq, type CertReqPayload } from './payloads/certreq.ts';
import { parseCp, serializeCp, type CpPayload } from './payloads/cp.ts';
import { parseDelete, serializeDelete, type DeletePayload } from './payloads/delete.ts';
import { parseEap, serializeEap, type EapPayload } from './payloads/eap.ts';
import { parseId, serializeId, type IdPayload } from './payloads/id.ts';
import { parseKe, serializeKe, type KePayload } from './payloads/ke.ts';
import { parseNonce, serializeNonce, type NoncePayload } from './payloads/nonce.ts';
import { parseNotify, serializeNotify, type NotifyPayload } from './payloads/notify.ts';
import { parseSa, serializeSa, type SaPayload } from './payloads/sa.ts';
import { parseSk, serializeSk, type SkPayload } from './payloads/sk.ts';
import { parseSkf, serializeSkf, type SkfPayload } from './payloads/skf.ts';
import { parseTs, serializeTs, type TsPayload } from './payloads/ts.ts';
import type { UnknownPayload } from './payloads/unknown.ts';
import { parseVendor, serializeVendor, type VendorPayload } from './payloads/vendor.ts';

export type KnownPayload =
  | SaPayload
  | KePayload
  | IdPayload
  | CertPayload
  | CertReqPayload
  | AuthPayload
  | NoncePayload
  | NotifyPayload
  | DeletePayload
  | VendorPayload
  | TsPayload
  | SkPayload
  | CpPayload
  | EapPayload
  | SkfPayload;

export type Payload = KnownPayload | UnknownPayload;

export const MAX_PAYLOADS = 128;

export function isUnknown(p: Payload): p is UnknownPayload {
  return 'unknown' in p;
}

function parseBody(type: number, next: number, body: Uint8Array): KnownPayload {
  switch (type) {
    case PayloadType.SA:
      return parseSa(body);
    case PayloadType.KE:
      return parseKe(body);
    case PayloadType.IDi:
    case PayloadType.IDr:
      return parseId(body, type);
    case PayloadType.CERT:
      return parseCert(body);
    case PayloadType.CERTREQ:
      return parseCertReq(body);
    case PayloadType.AUTH:
      return parseAuth(body);
    case PayloadType.NONCE:
      return parseNonce(body);
    case PayloadType.NOTIFY:
      return parseNotify(body);
    case PayloadType.DELETE:
      return parseDelete(body);
    case PayloadType.VENDOR:
      return parseVendor(body);
    case PayloadType.TSi:
    case PayloadType.TSr:
      return parseTs(body, type);
    case PayloadType.SK:
      return parseSk(body, next);
    case PayloadType.CP:
      return parseCp(body);
    case PayloadType.EAP:
      return parseEap(body);
    case PayloadType.SKF:
      return parseSkf(body, next);
    default:
      throw new ParseError(`no parser for payload ${type}`);
  }
}

function serializeBody(p: Payload): Uint8Array {
  if (isUnknown(p)) return p.data;
  switch (p.type) {
    case PayloadType.SA:
      return serializeSa(p);
    case PayloadType.KE:
      return serializeKe(p);
    case PayloadType.IDi:
    case PayloadType.IDr:
      return serializeId(p);
    case PayloadType.CERT:
      return serializeCert(p);
    case PayloadType.CERTREQ:
      return serializeCertReq(p);
    case PayloadType.AUTH:
      return serializeAuth(p);
    case PayloadType.NONCE:
      return serializeNonce(p);
    case PayloadType.NOTIFY:
      return serializeNotify(p);
    case PayloadType.DELETE:
      return serializeDelete(p);
    case PayloadType.VENDOR:
      return serializeVendor(p);
    case PayloadType.TSi:
    case PayloadType.TSr:
      return serializeTs(p);
    case PayloadType.SK:
      return serializeSk(p);
    case PayloadType.CP:
      return serializeCp(p);
    case PayloadType.EAP:
      return serializeEap(p);
    case PayloadType.SKF:
      return serializeSkf(p);
  }
}

export interface ParsedChain {
  payloads: Payload[];
  /** Offset (within the parsed buffer) of the SK/SKF generic payload header, when the chain ends in one. */
  encryptedOffset?: number;
}

/**
 * Parse a chain of payloads starting with `first`. SK/SKF end the chain (their Next Payload names the
 * first inner payload). Unknown payloads are kept unless their critical bit is set, which is an error
 * answered with UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 2.5).
 */
export function parseChain(buf: Uint8Array, first: number, opts: { inner?: boolean } = {}): ParsedChain {
  const r = new Reader(buf);
  const payloads: Payload[] = [];
  let type = first;
  let encryptedOffset: number | undefined;
  while (type !== PayloadType.NONE) {
    if (payloads.length >= MAX_PAYLOADS) throw new ParseError('too many payloads');
    const start = r.offset;
    const next = r.u8('next payload');
    const flags = r.u8('critical');
    const critical = (flags & 0x80) !== 0;
    const len = r.u16('payload length');
    if (len < 4) throw new ParseError('payload length below 4');
    const body = r.bytes(len - 4, `payload ${type}`);
    if (!KNOWN_PAYLOADS.has(type)) {
      if (critical)
        throw new ParseError(
          `unsupported critical payload ${type}`,
          NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD,
          new Uint8Array([type]),
        );
      payloads.push({ type, critical, data: body, unknown: true });
      type = next;
      continue;
    }
    if (opts.inner && (type === PayloadType.SK || type === PayloadType.SKF))
      throw new ParseError('encrypted payload inside encrypted payload');
    const p = parseBody(type, next, body);
    if (critical) p.critical = true;
    payloads.push(p);
    if (type === PayloadType.SK || type === PayloadType.SKF) {
      encryptedOffset = start;
      if (r.remaining !== 0) throw new ParseError('the encrypted payload must be the last payload');
      break;
    }
    type = next;
  }
  if (r.remaining !== 0) throw new ParseError('trailing bytes after the last payload');
  return encryptedOffset === undefined ? { payloads } : { payloads, encryptedOffset };
}

/** Serialize a payload chain; returns the bytes and the type of the first payload (for the header's Next Payload). */
export function serializeChain(payloads: readonly Payload[]): { first: number; bytes: Uint8Array } {
  const w = new Writer();
  payloads.forEach((p, i) => {
    const enc = !isUnknown(p) && (p.type === PayloadType.SK || p.type === PayloadType.SKF);
    if (enc && i !== payloads.length - 1) throw new Error('SK/SKF must be the last payload');
    const next = enc ? (p as SkPayload | SkfPayload).innerNext : (payloads[i + 1]?.type ?? 0);
    const body = serializeBody(p);
    w.u8(next)
      .u8(p.critical ? 0x80 : 0)
      .u16(4 + body.length)
      .bytes(body);
  });
  return { first: payloads[0]?.type ?? 0, bytes: w.finish() };
}

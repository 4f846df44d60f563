// ISAKMP messages for IKEv1 (RFC 2408 3): the 28-byte header (version 1.0) and the payload chain. The generic
// payload header (next, reserved, length) is IKEv2's too; the payload bodies differ. Parsing returns a Result and
// never throws on any input. The encoding of each payload is kept (`raw`), because IKEv1 hashes cover payload
// bodies as received (SAi_b, IDii_b in HASH_I) and whole payloads (quick mode HASH(1..3)).
import { err, ok, type Result } from '@ipsec/schema';
import { ParseError, Reader, Writer } from '../util/bytes.ts';
import { DOI_IPSEC, ISAKMP_VERSION, SIT_IDENTITY_ONLY, V1PayloadType } from './constants.ts';

export const V1_HEADER_LENGTH = 28;
const MAX_PAYLOADS = 64;
const MAX_PROPOSALS = 64;
const MAX_TRANSFORMS = 64;
const MAX_ATTRIBUTES = 32;

export interface V1Header {
  spiI: Uint8Array;
  spiR: Uint8Array;
  nextPayload: number;
  exchange: number;
  flags: number;
  messageId: number;
  length: number;
}

/** A data attribute (RFC 2408 3.3): TV (16-bit value) or TLV (variable bytes, e.g. a 32-bit lifetime). */
export interface V1Attribute {
  type: number;
  value?: number;
  data?: Uint8Array;
}

export interface V1Transform {
  num: number;
  id: number;
  attributes: V1Attribute[];
}

export interface V1Proposal {
  num: number;
  protocol: number;
  spi: Uint8Array;
  transforms: V1Transform[];
}

export type V1KnownPayload =
  | { type: typeof V1PayloadType.SA; doi: number; situation: number; proposals: V1Proposal[] }
  | { type: typeof V1PayloadType.KE; data: Uint8Array }
  | { type: typeof V1PayloadType.ID; idType: number; protocol: number; port: number; data: Uint8Array }
  | { type: typeof V1PayloadType.HASH; data: Uint8Array }
  | { type: typeof V1PayloadType.NONCE; data: Uint8Array }
  | { type: typeof V1PayloadType.VID; data: Uint8Array }
  | { type: typeof V1PayloadType.NAT_D; data: Uint8Array }
  | { type: typeof V1PayloadType.NAT_D_DRAFT; data: Uint8Array }
  | {
      type: typeof V1PayloadType.NOTIFY;
      doi: number;
      protocol: number;
      spi: Uint8Array;
      notifyType: number;
      data: Uint8Array;
    }
  | { type: typeof V1PayloadType.DELETE; doi: number; protocol: number; spiSize: number; spis: Uint8Array[] };

/** A payload this codec does not read (CERT, SIG...): kept as its body. */
export interface V1OtherPayload {
  type: number;
  body: Uint8Array;
  other: true;
}

export type V1Payload = V1KnownPayload | V1OtherPayload;

/** A payload as received: the typed value and its whole encoding (generic header included). */
export interface V1Received {
  payload: V1Payload;
  raw: Uint8Array;
}

export interface V1Message extends V1Header {
  /** Clear messages: the payloads. Encrypted ones (E flag): empty until decrypted. */
  payloads: V1Received[];
  /** The bytes after the header: the payload chain, or its ciphertext when the E flag is set. */
  body: Uint8Array;
}

/** Bytes of an attribute's value as a number (TV, or TLV of up to 6 bytes: lifetimes, key lengths). */
export function attributeNumber(a: V1Attribute): number | undefined {
  if (a.value !== undefined) return a.value;
  if (!a.data || a.data.length === 0 || a.data.length > 6) return undefined;
  let n = 0;
  for (const b of a.data) n = n * 256 + b;
  return n;
}

/** The attribute to send for a number: TV when it fits 16 bits, else a TLV of 4 bytes (RFC 2408 3.3 allows both). */
export function numberAttribute(type: number, n: number): V1Attribute {
  if (n < 0x10000) return { type, value: n };
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, n);
  return { type, data };
}

// ------------------------------------------------------------------ parse

export function parseV1Header(bytes: Uint8Array): Result<V1Header> {
  if (bytes.length < V1_HEADER_LENGTH) return err('shorter than an ISAKMP header');
  const r = new Reader(bytes);
  const spiI = r.bytes(8);
  const spiR = r.bytes(8);
  const nextPayload = r.u8();
  const version = r.u8();
  const exchange = r.u8();
  const flags = r.u8();
  const messageId = r.u32();
  const length = r.u32();
  if (version >> 4 !== 1) return err(`ISAKMP major version ${version >> 4}`);
  if (length !== bytes.length) return err(`header length ${length} but datagram has ${bytes.length}`);
  return ok({ spiI, spiR, nextPayload, exchange, flags, messageId, length });
}

function parseAttributes(r: Reader): V1Attribute[] {
  const out: V1Attribute[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_ATTRIBUTES) throw new ParseError('too many attributes');
    const t = r.u16('attribute type');
    if (t & 0x8000) out.push({ type: t & 0x7fff, value: r.u16('attribute value') });
    else out.push({ type: t, data: r.bytes(r.u16('attribute length'), 'attribute value') });
  }
  return out;
}

/** Proposal and Transform payloads are chained inside the SA body with their own generic headers (RFC 2408 3.5, 3.6). */
function parseSa(body: Uint8Array): V1KnownPayload {
  const r = new Reader(body);
  const doi = r.u32('DOI');
  const situation = r.u32('situation');
  if (doi !== DOI_IPSEC) throw new ParseError(`DOI ${doi} is not IPsec`);
  if (situation !== SIT_IDENTITY_ONLY) throw new ParseError(`situation ${situation} is not SIT_IDENTITY_ONLY`);
  const proposals: V1Proposal[] = [];
  let next: number = V1PayloadType.PROPOSAL;
  while (next !== V1PayloadType.NONE) {
    if (next !== V1PayloadType.PROPOSAL) throw new ParseError(`payload ${next} inside an SA`);
    if (proposals.length >= MAX_PROPOSALS) throw new ParseError('too many proposals');
    next = r.u8('proposal next');
    r.skip(1);
    const len = r.u16('proposal length');
    if (len < 8) throw new ParseError('proposal shorter than 8 bytes');
    const p = new Reader(r.bytes(len - 4, 'proposal'));
    const num = p.u8();
    const protocol = p.u8();
    const spiSize = p.u8();
    const count = p.u8();
    const spi = p.bytes(spiSize, 'proposal SPI');
    const transforms: V1Transform[] = [];
    let tnext: number = count > 0 ? V1PayloadType.TRANSFORM : V1PayloadType.NONE;
    while (tnext !== V1PayloadType.NONE) {
      if (tnext !== V1PayloadType.TRANSFORM) throw new ParseError(`payload ${tnext} inside a proposal`);
      if (transforms.length >= MAX_TRANSFORMS) throw new ParseError('too many transforms');
      tnext = p.u8('transform next');
      p.skip(1);
      const tlen = p.u16('transform length');
      if (tlen < 8) throw new ParseError('transform shorter than 8 bytes');
      const t = new Reader(p.bytes(tlen - 4, 'transform'));
      const tnum = t.u8();
      const id = t.u8();
      t.skip(2);
      transforms.push({ num: tnum, id, attributes: parseAttributes(t) });
    }
    if (p.remaining !== 0) throw new ParseError('trailing bytes after the last transform');
    if (transforms.length !== count)
      throw new ParseError(`proposal says ${count} transforms, has ${transforms.length}`);
    proposals.push({ num, protocol, spi, transforms });
  }
  if (r.remaining !== 0) throw new ParseError('trailing bytes after the last proposal');
  return { type: V1PayloadType.SA, doi, situation, proposals };
}

function parseBody(type: number, body: Uint8Array): V1Payload {
  const r = new Reader(body);
  switch (type) {
    case V1PayloadType.SA:
      return parseSa(body);
    case V1PayloadType.KE:
    case V1PayloadType.HASH:
    case V1PayloadType.NONCE:
    case V1PayloadType.VID:
    case V1PayloadType.NAT_D:
    case V1PayloadType.NAT_D_DRAFT:
      return { type, data: body } as V1KnownPayload;
    case V1PayloadType.ID: {
      const idType = r.u8('ID type');
      const protocol = r.u8('ID protocol');
      const port = r.u16('ID port');
      return { type, idType, protocol, port, data: r.rest() };
    }
    case V1PayloadType.NOTIFY: {
      const doi = r.u32('notify DOI');
      const protocol = r.u8('notify protocol');
      const spiSize = r.u8('notify SPI size');
      const notifyType = r.u16('notify type');
      const spi = r.bytes(spiSize, 'notify SPI');
      return { type, doi, protocol, spi, notifyType, data: r.rest() };
    }
    case V1PayloadType.DELETE: {
      const doi = r.u32('delete DOI');
      const protocol = r.u8('delete protocol');
      const spiSize = r.u8('delete SPI size');
      const count = r.u16('delete SPI count');
      if (spiSize === 0 && count > 0) throw new ParseError('delete with SPIs of size 0');
      const spis: Uint8Array[] = [];
      for (let i = 0; i < count; i++) spis.push(r.bytes(spiSize, 'delete SPI'));
      if (r.remaining !== 0) throw new ParseError('trailing bytes after the deleted SPIs');
      return { type, doi, protocol, spiSize, spis };
    }
    default:
      return { type, body, other: true };
  }
}

/**
 * Parse a payload chain starting with `first`. A decrypted chain is followed by CBC padding (RFC 2408 3.5 allows
 * it): `padded` accepts trailing bytes after the payload whose Next Payload is NONE.
 */
export function parseV1Payloads(bytes: Uint8Array, first: number, padded = false): Result<V1Received[]> {
  try {
    const r = new Reader(bytes);
    const out: V1Received[] = [];
    let type = first;
    while (type !== V1PayloadType.NONE) {
      if (out.length >= MAX_PAYLOADS) return err('too many payloads');
      if (type === V1PayloadType.PROPOSAL || type === V1PayloadType.TRANSFORM)
        return err(`payload ${type} outside an SA`);
      const start = r.offset;
      const next = r.u8('next payload');
      r.skip(1);
      const len = r.u16('payload length');
      if (len < 4) return err('payload length below 4');
      const body = r.bytes(len - 4, `payload ${type}`);
      out.push({ payload: parseBody(type, body), raw: bytes.slice(start, start + len) });
      type = next;
    }
    if (!padded && r.remaining !== 0) return err('trailing bytes after the last payload');
    return ok(out);
  } catch (e) {
    if (e instanceof ParseError) return err(e.message);
    throw e;
  }
}

/** Parse a datagram: the header, and the payloads unless the E flag says they are encrypted. */
export function parseV1Message(bytes: Uint8Array): Result<V1Message> {
  const h = parseV1Header(bytes);
  if (!h.ok) return h;
  const body = bytes.slice(V1_HEADER_LENGTH);
  if (h.value.flags & 0x01) return ok({ ...h.value, payloads: [], body });
  const payloads = parseV1Payloads(body, h.value.nextPayload);
  if (!payloads.ok) return payloads;
  return ok({ ...h.value, payloads: payloads.value, body });
}

// ------------------------------------------------------------------ serialize

function serializeAttributes(w: Writer, attrs: readonly V1Attribute[]): void {
  for (const a of attrs) {
    if (a.value !== undefined) w.u16(0x8000 | a.type).u16(a.value);
    else {
      const d = a.data ?? new Uint8Array(0);
      w.u16(a.type & 0x7fff)
        .u16(d.length)
        .bytes(d);
    }
  }
}

function serializeSa(p: Extract<V1KnownPayload, { type: 1 }>): Uint8Array {
  const w = new Writer().u32(p.doi).u32(p.situation);
  p.proposals.forEach((pr, i) => {
    const transforms = pr.transforms.map((t, j) => {
      const attrs = new Writer();
      serializeAttributes(attrs, t.attributes);
      const ab = attrs.finish();
      return new Writer()
        .u8(j === pr.transforms.length - 1 ? V1PayloadType.NONE : V1PayloadType.TRANSFORM)
        .u8(0)
        .u16(8 + ab.length)
        .u8(t.num)
        .u8(t.id)
        .u16(0)
        .bytes(ab)
        .finish();
    });
    const tlen = transforms.reduce((n, t) => n + t.length, 0);
    w.u8(i === p.proposals.length - 1 ? V1PayloadType.NONE : V1PayloadType.PROPOSAL)
      .u8(0)
      .u16(8 + pr.spi.length + tlen)
      .u8(pr.num)
      .u8(pr.protocol)
      .u8(pr.spi.length)
      .u8(pr.transforms.length)
      .bytes(pr.spi);
    for (const t of transforms) w.bytes(t);
  });
  return w.finish();
}

/** A payload's body (without the generic header): what IKEv1's HASH_I/HASH_R take for SA and ID. */
export function serializeV1Body(p: V1Payload): Uint8Array {
  if ('other' in p) return p.body;
  switch (p.type) {
    case V1PayloadType.SA:
      return serializeSa(p);
    case V1PayloadType.ID:
      return new Writer().u8(p.idType).u8(p.protocol).u16(p.port).bytes(p.data).finish();
    case V1PayloadType.NOTIFY:
      return new Writer()
        .u32(p.doi)
        .u8(p.protocol)
        .u8(p.spi.length)
        .u16(p.notifyType)
        .bytes(p.spi)
        .bytes(p.data)
        .finish();
    case V1PayloadType.DELETE: {
      const w = new Writer().u32(p.doi).u8(p.protocol).u8(p.spiSize).u16(p.spis.length);
      for (const s of p.spis) w.bytes(s);
      return w.finish();
    }
    default:
      return p.data;
  }
}

/** Each payload's whole encoding, in order, each with the next one's type in its generic header. */
export function serializeV1Payloads(payloads: readonly V1Payload[]): Uint8Array[] {
  return payloads.map((p, i) => {
    const body = serializeV1Body(p);
    return new Writer()
      .u8(payloads[i + 1]?.type ?? V1PayloadType.NONE)
      .u8(0)
      .u16(4 + body.length)
      .bytes(body)
      .finish();
  });
}

export function serializeV1Header(h: Omit<V1Header, 'length'>, bodyLength: number): Uint8Array {
  return new Writer()
    .bytes(h.spiI)
    .bytes(h.spiR)
    .u8(h.nextPayload)
    .u8(ISAKMP_VERSION)
    .u8(h.exchange)
    .u8(h.flags)
    .u32(h.messageId)
    .u32(V1_HEADER_LENGTH + bodyLength)
    .finish();
}

/** A clear message (no E flag). */
export function serializeV1Message(
  h: Omit<V1Header, 'length' | 'nextPayload'>,
  payloads: readonly V1Payload[],
): Uint8Array {
  const body = new Writer();
  for (const p of serializeV1Payloads(payloads)) body.bytes(p);
  const b = body.finish();
  const header = serializeV1Header({ ...h, nextPayload: payloads[0]?.type ?? V1PayloadType.NONE }, b.length);
  return new Writer().bytes(header).bytes(b).finish();
}

// Security Association payload (RFC 7296 3.3): proposals, transforms, transform attributes.
import { ParseError, Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface TransformAttribute {
  type: number;
  /** TV format (AF=1): 16-bit value. */
  value?: number;
  /** TLV format (AF=0): variable bytes. */
  data?: Uint8Array;
}

export interface Transform {
  type: number;
  id: number;
  attributes: TransformAttribute[];
}

export interface Proposal {
  num: number;
  protocol: number;
  spi: Uint8Array;
  transforms: Transform[];
}

export interface SaPayload {
  type: typeof PayloadType.SA;
  critical?: boolean;
  proposals: Proposal[];
}

const MAX_PROPOSALS = 64;
const MAX_TRANSFORMS = 128;

export function keyLengthOf(t: Transform): number | undefined {
  for (const a of t.attributes) if (a.type === 14) return a.value;
  return undefined;
}

function parseAttributes(r: Reader): TransformAttribute[] {
  const out: TransformAttribute[] = [];
  while (r.remaining > 0) {
    const t = r.u16('attribute type');
    if (t & 0x8000) out.push({ type: t & 0x7fff, value: r.u16('attribute value') });
    else {
      const len = r.u16('attribute length');
      out.push({ type: t, data: r.bytes(len, 'attribute value') });
    }
    if (out.length > 16) throw new ParseError('too many transform attributes');
  }
  return out;
}

function parseTransform(r: Reader, last: { v: boolean }): Transform {
  const more = r.u8('transform last');
  if (more !== 0 && more !== 3) throw new ParseError('bad transform last/more');
  last.v = more === 0;
  r.skip(1);
  const len = r.u16('transform length');
  if (len < 8) throw new ParseError('transform too short');
  const body = new Reader(r.bytes(len - 4, 'transform'));
  const type = body.u8();
  body.skip(1);
  const id = body.u16();
  return { type, id, attributes: parseAttributes(body) };
}

function parseProposal(r: Reader, last: { v: boolean }): Proposal {
  const more = r.u8('proposal last');
  if (more !== 0 && more !== 2) throw new ParseError('bad proposal last/more');
  last.v = more === 0;
  r.skip(1);
  const len = r.u16('proposal length');
  if (len < 8) throw new ParseError('proposal too short');
  const body = new Reader(r.bytes(len - 4, 'proposal'));
  const num = body.u8();
  const protocol = body.u8();
  const spiSize = body.u8();
  const count = body.u8();
  const spi = body.bytes(spiSize, 'proposal SPI');
  const transforms: Transform[] = [];
  const tl = { v: false };
  while (!tl.v) {
    if (transforms.length >= MAX_TRANSFORMS) throw new ParseError('too many transforms');
    transforms.push(parseTransform(body, tl));
  }
  if (body.remaining !== 0) throw new ParseError('trailing bytes after last transform');
  if (transforms.length !== count) throw new ParseError('transform count mismatch');
  return { num, protocol, spi, transforms };
}

export function parseSa(body: Uint8Array): SaPayload {
  const r = new Reader(body);
  const proposals: Proposal[] = [];
  const last = { v: false };
  while (!last.v) {
    if (proposals.length >= MAX_PROPOSALS) throw new ParseError('too many proposals');
    proposals.push(parseProposal(r, last));
  }
  if (r.remaining !== 0) throw new ParseError('trailing bytes after last proposal');
  return { type: PayloadType.SA, proposals };
}

function serializeTransform(t: Transform, last: boolean): Uint8Array {
  const attrs = new Writer();
  for (const a of t.attributes) {
    if (a.value !== undefined) attrs.u16(0x8000 | a.type).u16(a.value);
    else {
      const d = a.data ?? new Uint8Array(0);
      attrs
        .u16(a.type & 0x7fff)
        .u16(d.length)
        .bytes(d);
    }
  }
  const ab = attrs.finish();
  return new Writer()
    .u8(last ? 0 : 3)
    .u8(0)
    .u16(8 + ab.length)
    .u8(t.type)
    .u8(0)
    .u16(t.id)
    .bytes(ab)
    .finish();
}

export function serializeSa(p: SaPayload): Uint8Array {
  const w = new Writer();
  p.proposals.forEach((pr, i) => {
    const ts = pr.transforms.map((t, j) => serializeTransform(t, j === pr.transforms.length - 1));
    const tlen = ts.reduce((n, t) => n + t.length, 0);
    w.u8(i === p.proposals.length - 1 ? 0 : 2)
      .u8(0)
      .u16(8 + pr.spi.length + tlen);
    w.u8(pr.num).u8(pr.protocol).u8(pr.spi.length).u8(pr.transforms.length).bytes(pr.spi);
    for (const t of ts) w.bytes(t);
  });
  return w.finish();
}

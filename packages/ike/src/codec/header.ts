// IKE header (RFC 7296 3.1): 28 bytes.
import { ParseError, Reader, Writer } from '../util/bytes.ts';
import { Flags, NotifyType } from './constants.ts';

export const HEADER_LENGTH = 28;

export interface IkeHeader {
  spiI: Uint8Array;
  spiR: Uint8Array;
  nextPayload: number;
  major: number;
  minor: number;
  exchange: number;
  flags: number;
  messageId: number;
  length: number;
}

export function parseHeader(bytes: Uint8Array): IkeHeader {
  if (bytes.length < HEADER_LENGTH) throw new ParseError('shorter than an IKE header');
  const r = new Reader(bytes);
  const spiI = r.bytes(8);
  const spiR = r.bytes(8);
  const nextPayload = r.u8();
  const version = r.u8();
  const exchange = r.u8();
  const flags = r.u8();
  const messageId = r.u32();
  const length = r.u32();
  const major = version >> 4;
  const minor = version & 0x0f;
  if (major !== 2) throw new ParseError(`IKE major version ${major}`, NotifyType.INVALID_MAJOR_VERSION);
  if (length !== bytes.length) throw new ParseError(`header length ${length} but datagram has ${bytes.length}`);
  return { spiI, spiR, nextPayload, major, minor, exchange, flags, messageId, length };
}

export function serializeHeader(
  h: Omit<IkeHeader, 'major' | 'minor'> & { major?: number; minor?: number },
): Uint8Array {
  return new Writer()
    .bytes(h.spiI)
    .bytes(h.spiR)
    .u8(h.nextPayload)
    .u8(((h.major ?? 2) << 4) | (h.minor ?? 0))
    .u8(h.exchange)
    .u8(h.flags)
    .u32(h.messageId)
    .u32(h.length)
    .finish();
}

export const isResponse = (h: { flags: number }): boolean => (h.flags & Flags.RESPONSE) !== 0;
export const isInitiatorFlag = (h: { flags: number }): boolean => (h.flags & Flags.INITIATOR) !== 0;

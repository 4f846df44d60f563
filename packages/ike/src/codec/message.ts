// A whole IKE message: header + typed payload chain. parseMessage never throws; it returns a result
// whose error names the notify to answer with, if any.
import { err, ok, type Result } from '@ipsec/schema';
import { ParseError, concat } from '../util/bytes.ts';
import { HEADER_LENGTH, parseHeader, serializeHeader, type IkeHeader } from './header.ts';
import { parseChain, serializeChain, type Payload } from './payload.ts';

export interface IkeMessage {
  spiI: Uint8Array;
  spiR: Uint8Array;
  exchange: number;
  flags: number;
  messageId: number;
  payloads: Payload[];
  major?: number;
  minor?: number;
}

export interface ParsedMessage extends IkeMessage {
  header: IkeHeader;
  /** The exact received bytes (needed for AUTH signed octets and SK integrity). */
  raw: Uint8Array;
  /** Offset of the SK/SKF generic payload header in `raw`, if the message has one. */
  encryptedOffset?: number;
}

export interface CodecError {
  reason: string;
  notify?: number;
  notifyData?: Uint8Array;
  /** The header, when it parsed (lets the engine answer with an error notify). */
  header?: IkeHeader;
}

export function parseMessage(bytes: Uint8Array): Result<ParsedMessage, CodecError> {
  let header: IkeHeader | undefined;
  try {
    header = parseHeader(bytes);
    const chain = parseChain(bytes.subarray(HEADER_LENGTH), header.nextPayload);
    const msg: ParsedMessage = {
      spiI: header.spiI,
      spiR: header.spiR,
      exchange: header.exchange,
      flags: header.flags,
      messageId: header.messageId,
      major: header.major,
      minor: header.minor,
      payloads: chain.payloads,
      header,
      raw: bytes,
    };
    if (chain.encryptedOffset !== undefined) msg.encryptedOffset = HEADER_LENGTH + chain.encryptedOffset;
    return ok(msg);
  } catch (e) {
    return err(toCodecError(e, header));
  }
}

export function toCodecError(e: unknown, header?: IkeHeader): CodecError {
  const err: CodecError =
    e instanceof ParseError ? { reason: e.message, notify: e.notify } : { reason: `internal: ${String(e)}` };
  if (e instanceof ParseError && e.notifyData) err.notifyData = e.notifyData;
  if (header) err.header = header;
  return err;
}

export function serializeMessage(m: IkeMessage): Uint8Array {
  const chain = serializeChain(m.payloads);
  const hdr = serializeHeader({
    spiI: m.spiI,
    spiR: m.spiR,
    nextPayload: chain.first,
    exchange: m.exchange,
    flags: m.flags,
    messageId: m.messageId,
    length: HEADER_LENGTH + chain.bytes.length,
    ...(m.major !== undefined ? { major: m.major } : {}),
    ...(m.minor !== undefined ? { minor: m.minor } : {}),
  });
  return concat(hdr, chain.bytes);
}

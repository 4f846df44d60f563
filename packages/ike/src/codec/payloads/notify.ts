// Notify payload (RFC 7296 3.10).
import { Reader, Writer } from '../../util/bytes.ts';
import { PayloadType } from '../constants.ts';

export interface NotifyPayload {
  type: typeof PayloadType.NOTIFY;
  critical?: boolean;
  protocol: number;
  spi: Uint8Array;
  notifyType: number;
  data: Uint8Array;
}

export function parseNotify(body: Uint8Array): NotifyPayload {
  const r = new Reader(body);
  const protocol = r.u8('protocol');
  const spiSize = r.u8('SPI size');
  const notifyType = r.u16('notify type');
  const spi = r.bytes(spiSize, 'notify SPI');
  return { type: PayloadType.NOTIFY, protocol, spi, notifyType, data: r.rest() };
}

export function serializeNotify(p: NotifyPayload): Uint8Array {
  return new Writer().u8(p.protocol).u8(p.spi.length).u16(p.notifyType).bytes(p.spi).bytes(p.data).finish();
}

export function notify(
  notifyType: number,
  data: Uint8Array = new Uint8Array(0),
  protocol = 0,
  spi: Uint8Array = new Uint8Array(0),
): NotifyPayload {
  return { type: PayloadType.NOTIFY, protocol, spi, notifyType, data };
}

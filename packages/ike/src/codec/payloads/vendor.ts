// Vendor ID payload (RFC 7296 3.12).
import { PayloadType } from '../constants.ts';

export interface VendorPayload {
  type: typeof PayloadType.VENDOR;
  critical?: boolean;
  data: Uint8Array;
}

export function parseVendor(body: Uint8Array): VendorPayload {
  return { type: PayloadType.VENDOR, data: body.slice() };
}

export function serializeVendor(p: VendorPayload): Uint8Array {
  return p.data;
}

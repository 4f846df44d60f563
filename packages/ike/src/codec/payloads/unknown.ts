// Payloads of types this implementation does not know: kept opaque unless critical (RFC 7296 2.5, 3.2).
export interface UnknownPayload {
  type: number;
  critical: boolean;
  data: Uint8Array;
  unknown: true;
}

// ESP in UDP (RFC 3948) framing on the NAT-T port: one UDP socket carries IKE, ESP and keepalives.

export type UdpPayloadKind = 'esp' | 'ike' | 'keepalive' | 'invalid';

/**
 * Classify one UDP payload received on the encapsulation port (RFC 3948 2.2, 2.3):
 * a single 0xFF byte is a NAT-keepalive; four zero bytes (the non-ESP marker) start an IKE message;
 * anything else starts with a non-zero SPI and is ESP (at least SPI + sequence number = 8 bytes).
 */
export function classifyUdpPayload(p: Uint8Array): UdpPayloadKind {
  if (p.length === 1 && p[0] === 0xff) return 'keepalive';
  if (p.length < 4) return 'invalid';
  if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0) return p.length >= 4 + 28 ? 'ike' : 'invalid'; // marker + IKE header
  return p.length >= 8 ? 'esp' : 'invalid';
}

/** The NAT-keepalive payload (RFC 3948 2.3). Shared, never mutated. */
export const NAT_KEEPALIVE: Readonly<Uint8Array> = Uint8Array.of(0xff);

export function isNatKeepalive(p: Uint8Array): boolean {
  return p.length === 1 && p[0] === 0xff;
}

/** An IKE message for port 4500: the non-ESP marker then the message (copies: IKE is not the hot path). */
export function withNonEspMarker(ike: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + ike.length);
  out.set(ike, 4);
  return out;
}

/** The IKE message inside a port-4500 payload (a view, no copy), or undefined when it is not IKE. */
export function stripNonEspMarker(p: Uint8Array): Uint8Array | undefined {
  return classifyUdpPayload(p) === 'ike' ? p.subarray(4) : undefined;
}

/** ESP travels in the UDP payload as is (the SPI is never zero): no framing to add or remove. */
export function espSpi(p: Uint8Array): number {
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

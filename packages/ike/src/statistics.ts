// Datagrams the engine dropped, by reason. DESIGN: "a malformed packet is counted and logged, and the SA it claims
// to belong to is unharmed"; the log line says which packet, these counters say how often. Names follow RouterOS
// /ip ipsec statistics (in-...-errors) so the agent can list them beside the data plane's.

export interface IkeStatistics {
  /** Shorter than an IKE header (or the non-ESP marker), or a header length that is not the datagram's. */
  'in-length-errors': number;
  /** Header or payload chain that does not parse (wrong version, truncated or unknown critical payloads, bad flags). */
  'in-header-errors': number;
  /** For no IKE SA we know (unknown SPI). */
  'in-no-states': number;
  /** For a known IKE SA, but with the other side's SPI or role wrong. */
  'in-state-mismatches': number;
  /** Encrypted payload whose integrity check fails (or that cannot be opened). */
  'in-integrity-errors': number;
  /** Fragment (RFC 7383) beyond the limits, or whose reassembled message does not parse. */
  'in-fragment-errors': number;
  /** Request with a message ID outside the window, or a response to no request of ours. */
  'in-sequence-errors': number;
  /** IKE_SA_INIT with a COOKIE we did not hand out (RFC 7296 2.6). */
  'in-cookie-errors': number;
  /** IKE_SA_INIT ignored because the half-open or IKE SA limit is reached. */
  'in-no-resources': number;
}

export type DropReason = keyof IkeStatistics;

export function emptyStatistics(): IkeStatistics {
  return {
    'in-length-errors': 0,
    'in-header-errors': 0,
    'in-no-states': 0,
    'in-state-mismatches': 0,
    'in-integrity-errors': 0,
    'in-fragment-errors': 0,
    'in-sequence-errors': 0,
    'in-cookie-errors': 0,
    'in-no-resources': 0,
  };
}

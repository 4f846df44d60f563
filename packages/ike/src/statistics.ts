// Datagrams the engine dropped, by reason. DESIGN: "a malformed packet is counted and logged, and the SA it claims
// to belong to is unharmed"; the log line says which packet, these counters say how often. The reasons and their
// help text live in @ipsec/schema (IKE_DROP_COUNTERS), where the Statistics view lists them as ike-<reason>.
import { IKE_DROP_COUNTERS, type IkeDropReason } from '@ipsec/schema';

export type DropReason = IkeDropReason;
export type IkeStatistics = Record<DropReason, number>;

export function emptyStatistics(): IkeStatistics {
  return Object.fromEntries(IKE_DROP_COUNTERS.map(([reason]) => [reason, 0])) as IkeStatistics;
}

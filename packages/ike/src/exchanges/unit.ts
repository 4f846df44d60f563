// The shape of an exchange unit (after strongSwan's IKEv2 tasks): one concern (auth, delete, DPD, rekey...) that
// answers the requests it claims and keeps its own timers. The engine owns the message window, retransmission and
// SA tables and hands each authenticated request to the first unit that claims it; adding an exchange (MOBIKE,
// IKEv1) is adding units to the list in units.ts, not editing the engine.
import type { ParsedMessage } from '../codec/message.ts';
import type { Payload } from '../codec/payload.ts';
import type { Ctx } from '../context.ts';
import type { Endpoint, IkeState, KeyedSa } from '../ike-sa.ts';

/** A unit answering the peer's requests of one exchange type on an existing IKE SA. */
export interface RequestUnit {
  readonly name: string;
  readonly exchange: number;
  /** Whether this request is the unit's (several units share INFORMATIONAL and CREATE_CHILD_SA). Absent: all. */
  readonly claims?: (payloads: readonly Payload[]) => boolean;
  /** SA states it runs in; in any other the engine answers with `refusal`. */
  readonly states: readonly IkeState[];
  readonly refusal: readonly Payload[];
  /** Requests arrive encrypted, so the SA has its keys. */
  readonly respond: (ctx: Ctx, sa: KeyedSa, req: ParsedMessage, payloads: Payload[]) => void;
}

/** A unit answering a request that belongs to no IKE SA yet and may open one (IKE_SA_INIT). */
export interface OpeningUnit {
  readonly name: string;
  readonly exchange: number;
  readonly open: (ctx: Ctx, msg: ParsedMessage, from: Endpoint, to: Endpoint) => void;
}

/** A unit's timer on a keyed IKE SA: DPD, NAT keepalive, rekeying, lifetimes. */
export interface TimerUnit {
  readonly name: string;
  /** When it wants to run next on `sa`, or undefined for never. */
  readonly due: (sa: KeyedSa, now: number) => number | undefined;
  /** Run (due time reached). Returns true when the SA is done for this tick (deleted, replaced). */
  readonly fire: (ctx: Ctx, sa: KeyedSa, now: number) => boolean;
}

/** The units an engine runs, looked up by exchange type. */
export class UnitRegistry {
  private readonly requests = new Map<number, RequestUnit[]>();
  private readonly openers = new Map<number, OpeningUnit>();

  constructor(
    requestUnits: readonly RequestUnit[],
    openingUnits: readonly OpeningUnit[],
    readonly timers: readonly TimerUnit[],
  ) {
    for (const u of requestUnits) this.requests.set(u.exchange, [...(this.requests.get(u.exchange) ?? []), u]);
    for (const u of openingUnits) this.openers.set(u.exchange, u);
  }

  /** The unit that takes a request of `exchange` with these payloads, if any. */
  forRequest(exchange: number, payloads: readonly Payload[]): RequestUnit | undefined {
    return this.requests.get(exchange)?.find((u) => !u.claims || u.claims(payloads));
  }

  opener(exchange: number): OpeningUnit | undefined {
    return this.openers.get(exchange);
  }
}

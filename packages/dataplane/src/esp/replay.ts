// Anti-replay window (RFC 4303 3.4.3) with ESN high-bit inference (RFC 4303 appendix A2).
// Sequence numbers are kept as (hi, lo) 32-bit halves: differences between the inferred and the top sequence
// number are within one 2^32 step of each other, so plain numbers stay exact without BigInt on the hot path.

export type ReplayVerdict = 'ok' | 'duplicate' | 'too-old';

const TWO32 = 0x1_0000_0000;

export class ReplayWindow {
  /** Window size in packets (64..1024); 0 = anti-replay off (ESN inference still runs, with a 64 window). */
  readonly size: number;
  private readonly w: number;
  /** Ring bitmap of N = next power of two >= size bits, indexed by seq mod N (N divides 2^32). */
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private topHi = 0;
  private topLo = 0;
  /** Result of the last check(): the inferred high 32 bits. */
  hi = 0;

  constructor(
    size: number,
    readonly esn: boolean,
  ) {
    if (size !== 0 && (!Number.isInteger(size) || size < 64 || size > 1024))
      throw new Error(`replay window ${size}: 0 or 64..1024 packets`);
    this.size = size;
    this.w = size || 64;
    let n = 32;
    while (n < this.w) n <<= 1;
    this.bits = new Uint32Array(n / 32);
    this.mask = n - 1;
  }

  /** Highest authenticated sequence number so far, as a number (exact below 2^53). */
  get top(): number {
    return this.topHi * TWO32 + this.topLo;
  }

  /**
   * Before the ICV check: infer the high bits for `lo` (sets this.hi) and say whether the packet may be new.
   * Does not change the window: call update() only after the ICV verified.
   */
  check(lo: number): ReplayVerdict {
    lo >>>= 0;
    const Tl = this.topLo;
    const Th = this.topHi;
    let hi = 0;
    if (this.esn) {
      const W = this.w;
      if (Tl >= W - 1)
        hi = lo >= Tl - W + 1 ? Th : Th + 1; // A2.2 case A
      else hi = lo >= (Tl - W + 1) >>> 0 ? Th - 1 : Th; // case B: window spans the subspace boundary
      if (hi < 0) return 'too-old'; // below 0: before the first packet
      if (hi >= TWO32) return 'too-old'; // 64-bit space exhausted (the SA should long be rekeyed)
    }
    this.hi = hi;
    if (hi === 0 && lo === 0) return 'too-old'; // sequence number 0 is never sent
    if (this.size === 0) return 'ok';
    const diff = (Th - hi) * TWO32 + (Tl - lo); // > 0: older than top
    if (diff < 0) return 'ok';
    if (diff >= this.size) return 'too-old';
    const i = lo & this.mask;
    return this.bits[i >>> 5]! & (1 << (i & 31)) ? 'duplicate' : 'ok';
  }

  /** After the ICV verified: mark (hi, lo) as seen and slide the window if it is the new top. */
  update(hi: number, lo: number): void {
    lo >>>= 0;
    const diff = (hi - this.topHi) * TWO32 + (lo - this.topLo); // > 0: ahead of top
    if (diff > 0) {
      if (diff > this.mask) this.bits.fill(0);
      else
        for (let k = 1; k <= diff; k++) {
          const i = (this.topLo + k) & this.mask;
          this.bits[i >>> 5]! &= ~(1 << (i & 31));
        }
      this.topHi = hi;
      this.topLo = lo;
    }
    const i = lo & this.mask;
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }
}

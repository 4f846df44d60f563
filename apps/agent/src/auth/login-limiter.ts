// Failed logins slow the next try down, RouterOS-like: a delay that grows with each failure, never a hard lockout.
// Two counters, and no login but the same user's from the same address resets either:
//   (user, address)  5 free failures, then 1 s, 2 s, 4 s ... up to 5 min between tries; reset by that user's
//                    own successful login from that address (knowing the password, there is nothing left to guess).
//   address          20 free failures (colleagues behind one NAT mistype too), then the same growing delay; never
//                    reset by a success, so an attacker's own account does not buy more guesses at the others.
// Both are forgotten an hour after their last failure. There is deliberately no counter per user alone: an attacker
// could then lock the admin out everywhere; here a guessing address only slows itself (and its own NAT) down, and
// the admin logs in from any other address at once.

interface Failures {
  count: number;
  last: number;
}

export interface LimiterPolicy {
  freePerUser: number;
  freePerAddress: number;
  firstDelayMs: number;
  maxDelayMs: number;
  forgetMs: number;
  /** Counters kept at most (the least recently failed are dropped first): a spray of names costs bounded memory. */
  maxKeys: number;
}

export const LOGIN_POLICY: LimiterPolicy = {
  freePerUser: 5,
  freePerAddress: 20,
  firstDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  forgetMs: 3600_000,
  maxKeys: 10_000,
};

/** Longer than any user name the agent accepts (64): names beyond it share one counter instead of filling memory. */
const KEY_NAME_LENGTH = 65;

export class LoginLimiter {
  private readonly failures = new Map<string, Failures>();
  constructor(private readonly policy: LimiterPolicy = LOGIN_POLICY) {}

  /** Milliseconds before `user` may try again from `address`; 0 when a try is allowed now. */
  waitMs(user: string, address: string, now = Date.now()): number {
    const { freePerUser, freePerAddress } = this.policy;
    return Math.max(
      this.wait(pairKey(user, address), freePerUser, now),
      this.wait(addressKey(address), freePerAddress, now),
    );
  }

  fail(user: string, address: string, now = Date.now()): void {
    for (const key of [pairKey(user, address), addressKey(address)]) {
      const count = (this.current(key, now)?.count ?? 0) + 1;
      this.failures.delete(key); // re-inserted last: the Map's order is the eviction order
      this.failures.set(key, { count, last: now });
    }
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.policy.maxKeys) break;
      this.failures.delete(key);
    }
  }

  /** A successful login clears only its own (user, address) counter, never the address's. */
  succeed(user: string, address: string): void {
    this.failures.delete(pairKey(user, address));
  }

  private current(key: string, now: number): Failures | undefined {
    const f = this.failures.get(key);
    if (f && now - f.last >= this.policy.forgetMs) {
      this.failures.delete(key);
      return undefined;
    }
    return f;
  }

  private wait(key: string, free: number, now: number): number {
    const f = this.current(key, now);
    if (!f || f.count < free) return 0;
    const { firstDelayMs, maxDelayMs } = this.policy;
    const delay = Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(f.count - free, 30));
    return Math.max(0, f.last + delay - now);
  }
}

const pairKey = (user: string, address: string) => `user\n${address}\n${user.slice(0, KEY_NAME_LENGTH)}`;
const addressKey = (address: string) => `address\n${address}`;

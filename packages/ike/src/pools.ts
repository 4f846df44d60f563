// IP > Pool (RouterOS /ip pool) leases for mode config: a responder mode config with `address-pool` leases
// each client an address from the pool's ranges (the first free one; the pool's `next-pool` when it is full).
// A lease belongs to the client's remote identity (peer + IDi) and is held by IKE SAs: a second IKE SA of the
// same identity gets the same address, an IKE SA rekey passes the hold to its successor, and the lease is
// released when its last IKE SA is gone. Memory is bounded: at most one lease per live IKE SA, and finding a
// free address walks a range only past addresses that are leased.
import { err, formatIpNumber, ok, rangeBounds, type Result } from '@ipsec/schema';

/** /ip/pool: `ranges` as the schema canonicalizes them ("a-b", an address or a prefix). */
export interface PoolConfig {
  name: string;
  ranges: string[];
  /** Pool to continue with when this one is exhausted; '' or 'none' = no other. */
  'next-pool'?: string;
}

interface Lease {
  address: string;
  pool: string;
  owner: string;
  /** IKE SA ids holding the lease. */
  holders: Set<number>;
}

/** What acquire() hands out: the address, its pool, and whether the owner already held it. */
export interface Granted {
  address: string;
  pool: string;
  reused: boolean;
}

export class AddressLeases {
  private readonly byAddress = new Map<string, Lease>();
  private readonly byOwner = new Map<string, Lease>();
  private readonly bySa = new Map<number, Lease>();

  /**
   * An IPv4 address from `poolName` (or its next pools) for IKE SA `saId` of the client `owner`: the address
   * `owner` already holds if it comes from one of these pools, else the first free one that is not `reserved`
   * (addresses configured for particular users).
   */
  acquire(
    pools: readonly PoolConfig[],
    poolName: string,
    owner: string,
    saId: number,
    reserved: ReadonlySet<string> = new Set(),
  ): Result<Granted> {
    const chain: PoolConfig[] = [];
    for (let name = poolName; name !== '' && name !== 'none';) {
      if (chain.some((p) => p.name === name)) break; // next-pool loop
      const p = pools.find((x) => x.name === name);
      if (!p)
        return err(
          chain.length
            ? `next-pool ${name} of pool ${chain.at(-1)?.name} does not exist`
            : `pool ${name} does not exist`,
        );
      chain.push(p);
      name = p['next-pool'] ?? '';
    }
    this.release(saId);
    const held = this.byOwner.get(owner);
    if (held && chain.some((p) => p.name === held.pool)) {
      this.hold(held, saId);
      return ok({ address: held.address, pool: held.pool, reused: true });
    }
    for (const p of chain) {
      const address = this.firstFree(p, reserved);
      if (address === undefined) continue;
      if (held) this.drop(held); // the identity moved to another pool (configuration changed)
      const lease: Lease = { address, pool: p.name, owner, holders: new Set() };
      this.byAddress.set(address, lease);
      this.byOwner.set(owner, lease);
      this.hold(lease, saId);
      return ok({ address, pool: p.name, reused: false });
    }
    const used = chain.map((p) => `${p.name} (${this.count(p.name)} leased)`).join(', then ');
    return err(`pool ${used} has no free IPv4 address`);
  }

  /** An IKE SA rekey: the new SA holds what the old one held. */
  adopt(fromSa: number, toSa: number): void {
    const lease = this.bySa.get(fromSa);
    if (lease) this.hold(lease, toSa);
  }

  /** The IKE SA is gone: the lease goes with its last holder. */
  release(saId: number): string | undefined {
    const lease = this.bySa.get(saId);
    if (!lease) return undefined;
    this.bySa.delete(saId);
    lease.holders.delete(saId);
    if (lease.holders.size > 0) return undefined;
    this.drop(lease);
    return lease.address;
  }

  /** Current leases (status, tests). */
  list(): { address: string; pool: string; owner: string; ikeSas: number[] }[] {
    return [...this.byAddress.values()].map((l) => ({
      address: l.address,
      pool: l.pool,
      owner: l.owner,
      ikeSas: [...l.holders],
    }));
  }

  private count(pool: string): number {
    let n = 0;
    for (const l of this.byAddress.values()) if (l.pool === pool) n++;
    return n;
  }

  private hold(lease: Lease, saId: number): void {
    lease.holders.add(saId);
    this.bySa.set(saId, lease);
  }

  private drop(lease: Lease): void {
    for (const id of lease.holders) if (this.bySa.get(id) === lease) this.bySa.delete(id);
    lease.holders.clear();
    if (this.byAddress.get(lease.address) === lease) this.byAddress.delete(lease.address);
    if (this.byOwner.get(lease.owner) === lease) this.byOwner.delete(lease.owner);
  }

  /** First IPv4 address of the pool's ranges that nobody leases; walks at most (leases + 1) per range. */
  private firstFree(p: PoolConfig, reserved: ReadonlySet<string>): string | undefined {
    for (const text of p.ranges) {
      let r;
      try {
        r = rangeBounds(text);
      } catch {
        continue;
      }
      if (r.family !== 4) continue; // INTERNAL_IP4_ADDRESS only
      for (let n = r.start; n <= r.end; n++) {
        const a = formatIpNumber(4, n);
        if (!this.byAddress.has(a) && !reserved.has(a)) return a;
      }
    }
    return undefined;
  }
}

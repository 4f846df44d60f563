// The Policies menu's live side: generated policies (dynamic entries) and every policy's phase 2 status
// (active, ph2-state, ph2-count, sa-src/dst-address), counted from the CHILD_SAs that serve it.
import type { DeleteSaAction, InstallSaAction, PolicyAddedAction, PolicyRemovedAction } from '@ipsec/ike';
import { DYNAMIC_ID_BASE, type DynamicEntries } from '../live/dynamic-entries.ts';
import { generatedPolicyEntry } from '../live/rows.ts';

export class PolicyStatus {
  /** CHILD_SA id -> the stored policy id or the generated policy ids it serves. */
  private readonly served = new Map<number, { stored?: number; generated: number[] }>();
  /** CHILD_SAs per stored policy. */
  private readonly storedCount = new Map<number, number>();

  constructor(private readonly dynamic: DynamicEntries) {}

  added(a: PolicyAddedAction): void {
    this.dynamic.add(generatedPolicyEntry(a, DYNAMIC_ID_BASE));
  }

  removed(a: PolicyRemovedAction): void {
    this.dynamic.remove('policy', DYNAMIC_ID_BASE + a.policy);
  }

  /** A new CHILD_SA serves its policy. */
  childUp(a: InstallSaAction): void {
    const stored = a.policyId;
    const generated = a.generatedPolicies ?? [];
    this.served.set(a.child, { ...(stored !== undefined ? { stored } : {}), generated });
    if (stored !== undefined) {
      const n = (this.storedCount.get(stored) ?? 0) + 1;
      this.storedCount.set(stored, n);
      this.dynamic.setPolicyLive(stored, {
        active: true,
        'ph2-state': 'established',
        'ph2-count': n,
        'sa-src-address': a.outbound.src,
        'sa-dst-address': a.outbound.dst,
      });
    }
    for (const g of generated) this.bumpGenerated(g, +1);
  }

  childDown(a: DeleteSaAction): void {
    const p = this.served.get(a.child);
    if (!p) return;
    this.served.delete(a.child);
    if (p.stored !== undefined) {
      const n = Math.max(0, (this.storedCount.get(p.stored) ?? 1) - 1);
      if (n) this.storedCount.set(p.stored, n);
      else this.storedCount.delete(p.stored);
      // RouterOS ph2-state: expired once the SA ran out without a successor, else no-phase2.
      const last = this.dynamic.policyLive(p.stored);
      this.dynamic.setPolicyLive(p.stored, {
        active: n > 0,
        'ph2-state': n > 0 ? 'established' : a.reason.includes('lifetime') ? 'expired' : 'no-phase2',
        'ph2-count': n,
        ...(n > 0 && last?.['sa-src-address']
          ? { 'sa-src-address': last['sa-src-address'], 'sa-dst-address': last['sa-dst-address'] }
          : {}),
      });
    }
    for (const g of p.generated) this.bumpGenerated(g, -1);
  }

  private bumpGenerated(policy: number, by: number): void {
    const e = this.dynamic.get('policy', DYNAMIC_ID_BASE + policy);
    if (!e) return;
    const n = Math.max(0, Number(e.status['ph2-count'] ?? 0) + by);
    this.dynamic.update('policy', e.id, {
      'ph2-count': n,
      active: n > 0,
      'ph2-state': n > 0 ? 'established' : 'no-phase2',
    });
  }
}

// Routes into the TUN device: the kernel must route each destination an outbound tunnel-mode policy protects into
// our TUN, or the userspace backend never sees the packets. Counted per destination: several policies may want one.
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { prefixContains, prefixLength } from '@ipsec/schema';
import { policyKeyText, type DataPlaneEvent, type PolicyKey, type PolicySpec, type Selector } from '../types.ts';

const run = promisify(execFile);

/** Outbound tunnel-mode encryption: the destination must be routed into the TUN. */
const needsRoute = (p: PolicySpec) => p.dir === 'out' && p.action === 'encrypt' && p.templates[0]?.mode === 'tunnel';

export class TunRoutes {
  /** Policies that want each destination. */
  private readonly wanted = new Map<string, number>();
  /** What each routed policy (by key) routed. */
  private readonly routed = new Map<string, Selector>();

  constructor(
    private readonly device: string,
    private readonly report: (e: DataPlaneEvent) => void,
  ) {}

  /** A policy was installed or replaced: an edit may turn it into or out of one that needs a route. */
  async installed(p: PolicySpec): Promise<void> {
    const key = policyKeyText(p);
    const before = this.routed.get(key);
    if (needsRoute(p) && !before) {
      this.routed.set(key, p.selector);
      await this.route(p.selector);
    } else if (!needsRoute(p) && before) {
      this.routed.delete(key);
      await this.unroute(before);
    }
  }

  async removed(key: PolicyKey): Promise<void> {
    const text = policyKeyText(key);
    const before = this.routed.get(text);
    if (!before) return;
    this.routed.delete(text);
    await this.unroute(before);
  }

  /** Every route goes (the backend closes). */
  async clear(): Promise<void> {
    for (const dst of this.wanted.keys()) if (prefixLength(dst) > 0) await this.del(dst);
    this.wanted.clear();
    this.routed.clear();
  }

  /** Route a protected destination into the TUN, from a local address inside the policy's source when we have one. */
  private async route(sel: Selector): Promise<void> {
    const n = this.wanted.get(sel.dst) ?? 0;
    this.wanted.set(sel.dst, n + 1);
    if (n > 0) return;
    if (prefixLength(sel.dst) === 0)
      return this.report({
        type: 'warning',
        message: `not routing ${sel.dst} into ${this.device} (it would also capture IKE); add narrower policies`,
      });
    const src = localAddressIn(sel.src);
    try {
      await run('ip', ['route', 'replace', sel.dst, 'dev', this.device, ...(src ? ['src', src] : [])]);
    } catch (e) {
      this.report({
        type: 'error',
        message: `cannot route ${sel.dst} into ${this.device}: ${(e as Error).message.trim()}`,
      });
    }
  }

  private async unroute(sel: Selector): Promise<void> {
    const n = (this.wanted.get(sel.dst) ?? 1) - 1;
    if (n > 0) return void this.wanted.set(sel.dst, n);
    this.wanted.delete(sel.dst);
    if (prefixLength(sel.dst) > 0) await this.del(sel.dst);
  }

  private del(dst: string): Promise<unknown> {
    return run('ip', ['route', 'del', dst, 'dev', this.device]).catch(() => undefined);
  }
}

/** A local interface address inside `prefix` (the source the kernel should use for routed traffic). */
function localAddressIn(prefix: string): string | undefined {
  if (prefixLength(prefix) === 0) return undefined;
  for (const list of Object.values(networkInterfaces()))
    for (const i of list ?? [])
      if (!i.address.startsWith('fe80') && prefixContains(prefix, i.address)) return i.address;
  return undefined;
}

// Routes for outbound tunnel-mode policies: a packet must be routed somewhere before either backend sees it. The
// userspace backend routes each protected destination into its TUN device; the kernel backend routes it towards the
// tunnel's far end (as charon's kernel-netlink does), so a gateway with no route to the remote LAN still sends its
// traffic into the policy. Counted per destination: several policies may want one.
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { prefixContains, prefixLength } from '@ipsec/schema';
import { policyKeyText, type DataPlaneEvent, type PolicyKey, type PolicySpec, type Selector } from './types.ts';

const run = promisify(execFile);

/** Outbound tunnel-mode encryption: the destination must be routed. */
const needsRoute = (p: PolicySpec) => p.dir === 'out' && p.action === 'encrypt' && p.templates[0]?.mode === 'tunnel';

/**
 * Where a policy's destination goes: `ip route` arguments after the prefix (`dev ipsec0`, `via G dev D`), or a reason
 * it cannot be routed (yet: the kernel's tunnel end may only be known once IKE ran).
 */
export type RouteTarget = (p: PolicySpec) => Promise<{ args: string[] } | { skip: string }>;

interface Routed {
  dst: string;
  args: string[];
}

export class PolicyRoutes {
  /** Policies that want each destination, and whether the route is ours (we added it, we remove it). */
  private readonly wanted = new Map<string, { count: number; ours: boolean; args: string[] }>();
  /** What each routed policy (by key) routed. */
  private readonly routed = new Map<string, Routed>();

  constructor(
    private readonly target: RouteTarget,
    private readonly report: (e: DataPlaneEvent) => void,
    /** `ip route replace` (the TUN is ours) or `add` (leave a route the admin made alone). */
    private readonly verb: 'replace' | 'add' = 'replace',
    /** `ip` arguments before `route` (e.g. `-n NS`). */
    private readonly ipArgs: string[] = [],
  ) {}

  /** A policy was installed or replaced: an edit may turn it into or out of one that needs a route. */
  async installed(p: PolicySpec): Promise<void> {
    const key = policyKeyText(p);
    const before = this.routed.get(key);
    let want: Routed | undefined;
    if (needsRoute(p)) {
      const t = await this.target(p);
      if ('args' in t) want = { dst: p.selector.dst, args: t.args };
      else this.report({ type: 'warning', message: t.skip });
    }
    if (JSON.stringify(before) === JSON.stringify(want)) return;
    if (before) {
      this.routed.delete(key);
      await this.unroute(before.dst);
    }
    if (want) {
      this.routed.set(key, want);
      await this.route(p.selector, want.args);
    }
  }

  async removed(key: PolicyKey): Promise<void> {
    const text = policyKeyText(key);
    const before = this.routed.get(text);
    if (!before) return;
    this.routed.delete(text);
    await this.unroute(before.dst);
  }

  /** Every route goes (the backend closes). */
  async clear(): Promise<void> {
    for (const [dst, w] of this.wanted) if (w.ours) await this.del(dst, w.args);
    this.wanted.clear();
    this.routed.clear();
  }

  /** Route a protected destination, from a local address inside the policy's source when we have one. */
  private async route(sel: Selector, args: string[]): Promise<void> {
    const w = this.wanted.get(sel.dst);
    if (w) return void w.count++;
    const entry = { count: 1, ours: false, args };
    this.wanted.set(sel.dst, entry);
    if (prefixLength(sel.dst) === 0)
      return this.report({
        type: 'warning',
        message: `not routing ${sel.dst} (${args.join(' ')}): it would also capture IKE; add narrower policies`,
      });
    const src = localAddressIn(sel.src);
    try {
      await run('ip', [...this.ipArgs, 'route', this.verb, sel.dst, ...args, ...(src ? ['src', src] : [])]);
      entry.ours = true;
    } catch (e) {
      const text = (e as { stderr?: string }).stderr ?? (e as Error).message;
      if (this.verb === 'add' && /File exists/.test(text)) return; // the admin's own route to it: keep it, as is
      this.report({ type: 'error', message: `cannot route ${sel.dst} ${args.join(' ')}: ${text.trim()}` });
    }
  }

  private async unroute(dst: string): Promise<void> {
    const w = this.wanted.get(dst);
    if (!w) return;
    if (--w.count > 0) return;
    this.wanted.delete(dst);
    if (w.ours) await this.del(dst, w.args);
  }

  private del(dst: string, args: string[]): Promise<unknown> {
    return run('ip', [...this.ipArgs, 'route', 'del', dst, ...args]).catch(() => undefined);
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

/** The userspace backend's routes: every protected destination into the TUN device. */
export const intoDevice =
  (device: string): RouteTarget =>
  async () => ({ args: ['dev', device] });

/**
 * The kernel backend's routes: a protected destination goes the way the tunnel's far end goes (its gateway and
 * device, as `ip route get` finds them). A destination that contains the far end is not routed: IKE and ESP to it
 * must keep their own route.
 */
export const towardsTunnelEnd =
  (ipArgs: string[] = []): RouteTarget =>
  async (p) => {
    const far = p.templates[0]?.dst;
    if (!far) return { skip: `no route for ${p.selector.dst} until the tunnel's far end is known` };
    if (prefixContains(p.selector.dst, far))
      return { skip: `not routing ${p.selector.dst}: it contains the tunnel end ${far}` };
    try {
      const { stdout } = await run('ip', [...ipArgs, 'route', 'get', far]);
      const via = /\svia\s(\S+)/.exec(stdout)?.[1];
      const dev = /\sdev\s(\S+)/.exec(stdout)?.[1];
      if (!dev) return { skip: `no route for ${p.selector.dst}: ip route get ${far} names no device` };
      return { args: [...(via ? ['via', via] : []), 'dev', dev] };
    } catch (e) {
      return { skip: `no route for ${p.selector.dst}: ${far} is unreachable (${(e as Error).message.trim()})` };
    }
  };

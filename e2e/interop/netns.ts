// Test hosts in network namespaces that the test creates and removes itself. Only documentation
// addresses inside those namespaces are used (192.0.2.0/24 outer "internet", 10.x inner LANs).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function sh(cmd: string, args: string[], opts: { ns?: string; input?: string } = {}): string {
  const [c, a] = opts.ns ? ['ip', ['netns', 'exec', opts.ns, cmd, ...args]] : [cmd, args];
  return execFileSync(c, a, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(opts.input ? { input: opts.input } : {}) });
}

export interface Host {
  ns: string;
  /** Outer address on the shared link. */
  addr: string;
  /** Inner "LAN" address on lo (/32), for tunnel-mode traffic selectors. */
  lan: string;
}

/** Two namespaces joined by a veth pair: a and b, each with an outer and an inner address. */
export class TwoHosts {
  readonly a: Host;
  readonly b: Host;
  private readonly tag = randomBytes(3).toString('hex');

  constructor() {
    this.a = { ns: `ipsA-${this.tag}`, addr: '192.0.2.1', lan: '10.1.0.1' };
    this.b = { ns: `ipsB-${this.tag}`, addr: '192.0.2.2', lan: '10.2.0.1' };
  }

  up(): this {
    const va = `va${this.tag}`;
    const vb = `vb${this.tag}`;
    sh('ip', ['netns', 'add', this.a.ns]);
    sh('ip', ['netns', 'add', this.b.ns]);
    sh('ip', ['link', 'add', va, 'type', 'veth', 'peer', 'name', vb]);
    sh('ip', ['link', 'set', va, 'netns', this.a.ns]);
    sh('ip', ['link', 'set', vb, 'netns', this.b.ns]);
    for (const [h, dev] of [[this.a, va], [this.b, vb]] as const) {
      sh('ip', ['-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', dev]);
      sh('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', h.ns, 'link', 'set', dev, 'up']);
      sh('ip', ['-n', h.ns, 'addr', 'add', `${h.lan}/32`, 'dev', 'lo']);
    }
    return this;
  }

  down(): void {
    for (const ns of [this.a.ns, this.b.ns]) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  }
}

export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    sh('ip', ['netns', 'list']);
    return true;
  } catch {
    return false;
  }
}

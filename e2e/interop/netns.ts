// Test hosts in network namespaces that the test creates and removes itself. Only documentation
// addresses inside those namespaces are used (192.0.2.0/24 outer "internet", 10.x inner LANs).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function sh(cmd: string, args: string[], opts: { ns?: string; input?: string } = {}): string {
  const [c, a] = opts.ns ? ['ip', ['netns', 'exec', opts.ns, cmd, ...args]] : [cmd, args];
  return execFileSync(c, a, {
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.input ? { input: opts.input } : {}),
  });
}

export interface Host {
  ns: string;
  /** Outer address on the shared link. */
  addr: string;
  /** Inner "LAN" address on lo (/32), for tunnel-mode traffic selectors. */
  lan: string;
}

/** A machine on a gateway's LAN (its own namespace), reached through that gateway. */
export interface LanHost {
  ns: string;
  addr: string;
}

/** Two namespaces joined by a veth pair: a and b, each with an outer and an inner address. */
export class TwoHosts {
  readonly a: Host;
  readonly b: Host;
  /** After withLanHosts(): a host behind each gateway. */
  lanA?: LanHost;
  lanB?: LanHost;
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
    for (const [h, dev] of [
      [this.a, va],
      [this.b, vb],
    ] as const) {
      sh('ip', ['-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', dev]);
      sh('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', h.ns, 'link', 'set', dev, 'up']);
      sh('ip', ['-n', h.ns, 'addr', 'add', `${h.lan}/32`, 'dev', 'lo']);
    }
    return this;
  }

  /** A host behind each gateway (see addLanHost). */
  withLanHosts(): this {
    this.lanA = addLanHost(this.a, 'A', this.tag);
    this.lanB = addLanHost(this.b, 'B', this.tag);
    return this;
  }

  down(): void {
    // by name, so a LAN host whose setup failed half-way goes too
    removeNamespaces([this.a.ns, this.b.ns, lanHostNs('A', this.tag), lanHostNs('B', this.tag)]);
  }
}

function removeNamespaces(names: string[]): void {
  for (const ns of names) {
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      // already gone (or never made)
    }
  }
}

const lanHostNs = (side: string, tag: string) => `ipsL${side}-${tag}`;

/**
 * A host behind a gateway: namespace with 10.x.0.2/24 on a veth to the gateway, default route via the
 * gateway's LAN address (10.x.0.1, already on its lo), and forwarding on in the gateway.
 */
function addLanHost(gw: Host, side: string, tag: string): LanHost {
  const h = { ns: lanHostNs(side, tag), addr: gw.lan.replace(/\.1$/, '.2') };
  const [g, l] = [`g${side}${tag}`, `l${side}${tag}`];
  sh('ip', ['netns', 'add', h.ns]);
  sh('ip', ['link', 'add', g, 'type', 'veth', 'peer', 'name', l]);
  sh('ip', ['link', 'set', g, 'netns', gw.ns]);
  sh('ip', ['link', 'set', l, 'netns', h.ns]);
  sh('ip', ['-n', gw.ns, 'link', 'set', g, 'up']);
  sh('ip', ['-n', gw.ns, 'route', 'add', gw.lan.replace(/\.1$/, '.0/24'), 'dev', g, 'src', gw.lan]);
  sh('ip', ['netns', 'exec', gw.ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  sh('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', h.ns, 'link', 'set', l, 'up']);
  sh('ip', ['-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', l]);
  sh('ip', ['-n', h.ns, 'route', 'add', 'default', 'via', gw.lan]);
  return h;
}

/**
 * A road-warrior server and its clients: the server namespace (192.0.2.1/24 on a bridge, LAN 10.1.0.1
 * on lo) with a LAN host behind it (10.1.0.2/24), and `clients` namespaces 192.0.2.2, 192.0.2.3, ...
 * each on a veth whose other end is in the server's bridge. Everything lives in namespaces it creates;
 * down() removes them all.
 */
export class RoadWarriorNet {
  readonly server: Host;
  readonly clients: LanHost[];
  lan?: LanHost;
  private readonly tag = randomBytes(3).toString('hex');
  private readonly created: string[] = [];

  constructor(clients = 2) {
    this.server = { ns: `ipsS-${this.tag}`, addr: '192.0.2.1', lan: '10.1.0.1' };
    this.clients = Array.from({ length: clients }, (_, i) => ({
      ns: `ipsC${i}-${this.tag}`,
      addr: `192.0.2.${i + 2}`,
    }));
  }

  up(): this {
    const s = this.server;
    const br = `br${this.tag}`;
    sh('ip', ['netns', 'add', s.ns]);
    this.created.push(s.ns);
    sh('ip', ['-n', s.ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', s.ns, 'link', 'add', br, 'type', 'bridge']);
    sh('ip', ['-n', s.ns, 'addr', 'add', `${s.addr}/24`, 'dev', br]);
    sh('ip', ['-n', s.ns, 'link', 'set', br, 'up']);
    sh('ip', ['-n', s.ns, 'addr', 'add', `${s.lan}/32`, 'dev', 'lo']);
    this.clients.forEach((c, i) => {
      const [p, v] = [`p${i}${this.tag}`, `c${i}${this.tag}`];
      sh('ip', ['netns', 'add', c.ns]);
      this.created.push(c.ns);
      sh('ip', ['link', 'add', p, 'netns', s.ns, 'type', 'veth', 'peer', 'name', v, 'netns', c.ns]);
      sh('ip', ['-n', s.ns, 'link', 'set', p, 'master', br]);
      sh('ip', ['-n', s.ns, 'link', 'set', p, 'up']);
      sh('ip', ['-n', c.ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', c.ns, 'addr', 'add', `${c.addr}/24`, 'dev', v]);
      sh('ip', ['-n', c.ns, 'link', 'set', v, 'up']);
    });
    this.created.push(lanHostNs('S', this.tag));
    this.lan = addLanHost(s, 'S', this.tag);
    return this;
  }

  down(): void {
    removeNamespaces(this.created.reverse());
    this.created.length = 0;
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

let espInKernel: boolean | undefined;

/**
 * Whether this kernel takes ESP SAs (esp4/esp6): tried once, in a throwaway namespace. It decides which data plane
 * both ends use: our agent's probe picks the kernel backend, and charon runs with kernel-netlink instead of
 * kernel-libipsec (charon.ts). On this repository's CI host it is false; in scripts/kernel-vm.sh it is true.
 */
export function kernelDoesEsp(): boolean {
  if (espInKernel !== undefined) return espInKernel;
  if (!canUseNetns()) return (espInKernel = false);
  const ns = `ipsProbe-${randomBytes(3).toString('hex')}`;
  const key = (n: number) => `0x${'ab'.repeat(n)}`;
  const addSa = (spi: string, ...algorithm: string[]) =>
    sh(
      'ip',
      ['-n', ns, 'xfrm', 'state', 'add', 'src', '192.0.2.1', 'dst', '192.0.2.2', 'proto', 'esp', 'spi', spi].concat(
        algorithm,
      ),
    );
  try {
    sh('ip', ['netns', 'add', ns]);
    addSa('0x100', 'enc', 'cbc(aes)', key(16), 'auth', 'hmac(sha256)', key(32));
    espInKernel = true;
    // The kernel builds (and self-tests) each crypto template on first use: under emulation rfc4106(gcm(aes)) took
    // longer than a test's IKE exchange. Build it here, once, so the first AES-GCM CHILD_SA is not the one waiting.
    try {
      addSa('0x101', 'aead', 'rfc4106(gcm(aes))', key(20), '128');
    } catch {
      // no GCM: the cases that use it say so themselves
    }
  } catch {
    espInKernel = false;
  } finally {
    removeNamespaces([ns]);
  }
  return espInKernel;
}

/** `ip xfrm state` and `ip xfrm policy` of a namespace, for a failed test's output (keys hidden). */
export function xfrmDump(ns: string): string {
  try {
    return `${sh('ip', ['-n', ns, '-s', 'xfrm', 'state'])}${sh('ip', ['-n', ns, 'xfrm', 'policy'])}`.replace(
      /0x[0-9a-f]{16,}/g,
      '(key)',
    );
  } catch (e) {
    return `(ip xfrm: ${(e as Error).message})`;
  }
}

/**
 * Gateway a behind a NAT router, gateway b on the "internet" side: a (192.168.1.2/24, default route via the NAT) --
 * nat (192.168.1.1 | 192.0.2.254, nftables masquerade out of its internet side) -- b (192.0.2.2/24). Each gateway has
 * its inner LAN address on lo, as in TwoHosts.
 */
export class NattedHosts {
  readonly a: Host;
  readonly b: Host;
  readonly nat: { ns: string; outside: string };
  private readonly tag = randomBytes(3).toString('hex');

  constructor() {
    this.a = { ns: `ipsA-${this.tag}`, addr: '192.168.1.2', lan: '10.1.0.1' };
    this.b = { ns: `ipsB-${this.tag}`, addr: '192.0.2.2', lan: '10.2.0.1' };
    this.nat = { ns: `ipsN-${this.tag}`, outside: '192.0.2.254' };
  }

  up(): this {
    const [a, b, n] = [this.a.ns, this.b.ns, this.nat.ns];
    for (const ns of [a, b, n]) {
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const [ai, an, bi, bn] = [`ai${this.tag}`, `an${this.tag}`, `bi${this.tag}`, `bn${this.tag}`];
    sh('ip', ['link', 'add', ai, 'netns', a, 'type', 'veth', 'peer', 'name', an, 'netns', n]);
    sh('ip', ['link', 'add', bi, 'netns', b, 'type', 'veth', 'peer', 'name', bn, 'netns', n]);
    for (const [ns, dev, addr] of [
      [a, ai, '192.168.1.2/24'],
      [n, an, '192.168.1.1/24'],
      [n, bn, `${this.nat.outside}/24`],
      [b, bi, `${this.b.addr}/24`],
    ] as const) {
      sh('ip', ['-n', ns, 'addr', 'add', addr, 'dev', dev]);
      sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    sh('ip', ['-n', a, 'route', 'add', 'default', 'via', '192.168.1.1']);
    for (const h of [this.a, this.b]) sh('ip', ['-n', h.ns, 'addr', 'add', `${h.lan}/32`, 'dev', 'lo']);
    sh('ip', ['netns', 'exec', n, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    sh('nft', ['-f', '-'], {
      ns: n,
      input: `table ip nat {\n  chain post {\n    type nat hook postrouting priority 100;\n    oifname "${bn}" masquerade\n  }\n}\n`,
    });
    return this;
  }

  down(): void {
    removeNamespaces([this.a.ns, this.b.ns, this.nat.ns]);
  }
}

/** Packets and bytes of each SA (by SPI, "0x..." as Installed SAs shows it) as the kernel counts them. */
export function kernelSaCounters(ns: string): Map<string, { bytes: number; packets: number }> {
  const out = new Map<string, { bytes: number; packets: number }>();
  for (const block of sh('ip', ['-n', ns, '-s', 'xfrm', 'state']).split(/\n(?=src )/)) {
    const spi = /spi (0x[0-9a-f]+)/.exec(block)?.[1];
    const cur = /lifetime current:\s+(\d+)\(bytes\), (\d+)\(packets\)/.exec(block);
    if (spi && cur) out.set(spi, { bytes: Number(cur[1]), packets: Number(cur[2]) });
  }
  return out;
}

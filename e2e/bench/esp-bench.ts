// pnpm bench:esp - throughput through an IPsec tunnel between two LAN hosts, our agents on both gateways versus
// strongSwan's charon on both gateways, in the same run on the same machine: iperf3 TCP (Mbit/s) and UDP with 64-byte
// datagrams (packets/s delivered), then the ratios. Each side uses the ESP this kernel allows: on a kernel without ESP
// ours is userspace ESP on a TUN device (raw ESP between the gateways) and charon's is kernel-libipsec (ESP in UDP,
// the only way it can); on a kernel with ESP (e.g. inside scripts/kernel-vm.sh) both use the kernel's XFRM, and ours
// also runs once with `--dataplane userspace` so the two backends stand side by side.
// Run as root: it makes its own namespaces.  BENCH_ESP_SECONDS (default 5), BENCH_ESP_CIPHER gcm128|cbc128 (default gcm128)
import { spawn } from 'node:child_process';
import { AgentInNetns } from '../interop/agent-in-netns.ts';
import { configureAgentPair } from '../interop/agent-pair.ts';
import { Charon, charonEncap, charonEspDefault } from '../interop/charon.ts';
import { TwoHosts, canUseNetns, kernelDoesEsp, sh, type LanHost } from '../interop/netns.ts';
import { until } from '../interop/wait.ts';

const SECONDS = Number(process.env.BENCH_ESP_SECONDS ?? 5);
const CIPHER = process.env.BENCH_ESP_CIPHER ?? 'gcm128';
const PSK = 'bench-psk-0123456789';
const SUITE = {
  gcm128: {
    ours: { 'enc-algorithms': 'aes-128-gcm', 'auth-algorithms': 'null' },
    charon: 'aes128gcm16',
    label: 'AES-GCM-128',
  },
  cbc128: {
    ours: { 'enc-algorithms': 'aes-128-cbc', 'auth-algorithms': 'sha256' },
    charon: 'aes128-sha256',
    label: 'AES-CBC-128/SHA-256',
  },
}[CIPHER];
if (!SUITE) {
  console.error(`BENCH_ESP_CIPHER: "${CIPHER}" is not gcm128 or cbc128`);
  process.exit(2);
}
if (!canUseNetns()) {
  console.error('bench:esp needs root and network namespaces');
  process.exit(1);
}

interface Result {
  tcpMbit: number;
  udpPps: number;
  udpLossPct: number;
}

/** iperf3 client in `from` against a one-off server in `to`; JSON output. */
async function iperf(from: LanHost, to: LanHost, args: string[]): Promise<any> {
  const server = spawn('ip', ['netns', 'exec', to.ns, 'iperf3', '-s', '-1', '-B', to.addr], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500));
    return JSON.parse(
      sh('iperf3', ['-c', to.addr, '-B', from.addr, '-t', String(SECONDS), '-J', ...args], { ns: from.ns }),
    );
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

async function measure(hosts: TwoHosts): Promise<Result> {
  const tcp = await iperf(hosts.lanA!, hosts.lanB!, []);
  const udp = await iperf(hosts.lanA!, hosts.lanB!, ['-u', '-b', '0', '-l', '64']);
  const s = udp.end.sum;
  return {
    tcpMbit: tcp.end.sum_received.bits_per_second / 1e6,
    udpPps: (s.packets - s.lost_packets) / s.seconds,
    udpLossPct: s.lost_percent,
  };
}

function charonConf(me: { addr: string }, peer: { addr: string }, localTs: string, remoteTs: string): string {
  return `connections { bench { version = 2
    local_addrs = ${me.addr}
    remote_addrs = ${peer.addr}
    ${charonEncap()}
    proposals = aes128-sha256-modp2048
    local { auth = psk
            id = ${me.addr} }
    remote { auth = psk
             id = ${peer.addr} }
    children { net { local_ts = ${localTs}
                     remote_ts = ${remoteTs}
                     esp_proposals = ${SUITE!.charon} } } } }
secrets { ike-bench { id-a = ${me.addr}
                      id-b = ${peer.addr}
                      secret = "${PSK}" } }
`;
}

async function charonRound(): Promise<Result> {
  const hosts = new TwoHosts().up().withLanHosts();
  const a = new Charon(hosts.a.ns);
  const b = new Charon(hosts.b.ns);
  try {
    await a.start();
    await b.start();
    a.load(charonConf(hosts.a, hosts.b, '10.1.0.0/24', '10.2.0.0/24'));
    b.load(charonConf(hosts.b, hosts.a, '10.2.0.0/24', '10.1.0.0/24'));
    a.swanctl(['--initiate', '--child', 'net', '--timeout', '15']);
    return await measure(hosts);
  } finally {
    a.cleanup();
    b.cleanup();
    hosts.down();
  }
}

async function oursRound(agentArgs: string[] = []): Promise<Result> {
  const hosts = new TwoHosts().up().withLanHosts();
  const a = new AgentInNetns(hosts.a.ns, agentArgs);
  const b = new AgentInNetns(hosts.b.ns, agentArgs);
  try {
    await Promise.all([a.start(), b.start()]);
    await configureAgentPair(a, b, hosts, {
      psk: PSK,
      name: 'bench',
      profile: { 'enc-algorithm': 'aes-128', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048' },
      proposal: { ...SUITE!.ours, 'pfs-group': 'none' },
    });
    await until(
      'our CHILD_SA',
      async () => ((await a.rest('GET', 'ip/ipsec/installed-sa')).json.length === 2 ? true : undefined),
      60_000,
    );
    return await measure(hosts);
  } finally {
    a.cleanup();
    b.cleanup();
    hosts.down();
  }
}

const fmt = (n: number, d = 1) => n.toFixed(d).padStart(12);
console.log(
  `bench:esp  ${SUITE.label}, iperf3 ${SECONDS}s per test, LAN host -> gateway -> tunnel -> gateway -> LAN host`,
);
const kernelEsp = kernelDoesEsp();
const rounds: [string, () => Promise<Result>][] = [
  [`charon(${charonEspDefault()})`, charonRound],
  [`ours(${kernelEsp ? 'kernel' : 'userspace'})`, () => oursRound()],
];
if (kernelEsp) rounds.push(['ours(userspace)', () => oursRound(['--dataplane', 'userspace'])]);
const results: [string, Result][] = [];
for (const [name, round] of rounds) results.push([name, await round()]);
console.log(
  kernelEsp
    ? '(a kernel with ESP: charon and ours(kernel) use XFRM, raw ESP; ours(userspace) our ESP on a TUN, raw ESP)'
    : '(no ESP in this kernel: charon kernel-libipsec sends ESP in UDP, the only way it can; ours send raw ESP)',
);
const base = results[0]![1];
console.log(`\n${''.padEnd(22)}${results.map(([n]) => n.padStart(20)).join('')}`);
const row = (label: string, f: (r: Result) => number, d: number) =>
  console.log(`${label.padEnd(22)}${results.map(([, r]) => fmt(f(r), d).padStart(20)).join('')}`);
row('TCP Mbit/s', (r) => r.tcpMbit, 1);
row('  ratio to charon', (r) => r.tcpMbit / base.tcpMbit, 2);
row('UDP 64 B packets/s', (r) => r.udpPps, 0);
row('  ratio to charon', (r) => r.udpPps / base.udpPps, 2);
row('UDP 64 B loss %', (r) => r.udpLossPct, 1);

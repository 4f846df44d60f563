// pnpm bench:ike - IKE_SA+CHILD_SA setups per second with our agent as responder versus
// strongSwan's charon as responder, under the same initiator load in the same run, and each
// responder's memory per established SA at COUNT SAs. Run as root: it makes its own namespaces.
//   BENCH_IKE_COUNT (default 1000), BENCH_IKE_WINDOW (default 32)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AgentInNetns } from '../interop/agent-in-netns.ts';
import { Charon } from '../interop/charon.ts';
import { TwoHosts, canUseNetns } from '../interop/netns.ts';

const COUNT = Number(process.env.BENCH_IKE_COUNT ?? 1000);
const WINDOW = Number(process.env.BENCH_IKE_WINDOW ?? 32);
const PSK = 'bench-psk-0123456789';
if (!canUseNetns()) {
  console.error('bench:ike needs root and network namespaces');
  process.exit(1);
}

interface Result {
  established: number;
  failed: number;
  seconds: number;
  rssKiB: number;
  cpuMs: number;
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, clock ticks at 100 Hz
}

async function load(hosts: TwoHosts): Promise<{ established: number; failed: number; seconds: number }> {
  const tsx = createRequire(join(import.meta.dirname, '..', 'package.json')).resolve('tsx/cli');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      hosts.a.ns,
      process.execPath,
      tsx,
      join(import.meta.dirname, 'ike-load.ts'),
      hosts.a.addr,
      hosts.b.addr,
      String(COUNT),
      String(WINDOW),
      PSK,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once('exit', r));
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function measure(pid: number, hosts: TwoHosts): Promise<Result> {
  const rss0 = rssKiB(pid);
  const cpu0 = cpuMs(pid);
  const r = await load(hosts);
  await new Promise((res) => setTimeout(res, 1000));
  return { ...r, rssKiB: rssKiB(pid) - rss0, cpuMs: cpuMs(pid) - cpu0 };
}

async function charonRound(): Promise<Result> {
  const hosts = new TwoHosts().up();
  // The generator is one address with many half-open SAs: lift charon's per-address block (ours has
  // none) so it is measured doing setups. Both keep their default COOKIE threshold (10 half-open).
  const charon = new Charon(hosts.b.ns, 'block_threshold = 100000');
  try {
    await charon.start();
    charon.load(`connections {
  bench {
    version = 2
    local_addrs = ${hosts.b.addr}
    remote_addrs = ${hosts.a.addr}
    proposals = aes128gcm16-prfsha256-ecp256
    unique = no
    local { auth = psk
            id = ${hosts.b.addr} }
    remote { auth = psk }
    children { net { local_ts = 10.2.0.0/16
                     remote_ts = 10.1.0.0/16
                     esp_proposals = aes128gcm16 } }
  }
}
secrets { ike-bench { secret = "${PSK}" } }
`);
    return await measure(charon.pid!, hosts);
  } finally {
    charon.cleanup();
    hosts.down();
  }
}

async function agentRound(): Promise<Result> {
  const hosts = new TwoHosts().up();
  const agent = new AgentInNetns(hosts.b.ns);
  try {
    await agent.start();
    await agent.add('ip/ipsec/profile', {
      name: 'bench',
      'enc-algorithm': 'aes-128-gcm',
      'hash-algorithm': 'sha256',
      'prf-algorithm': 'sha256',
      'dh-group': 'ecp256',
    });
    await agent.add('ip/ipsec/proposal', {
      name: 'bench',
      'enc-algorithms': 'aes-128-gcm',
      'auth-algorithms': 'null',
      'pfs-group': 'none',
    });
    await agent.add('ip/ipsec/peer', {
      name: 'load',
      address: `${hosts.a.addr}/32`,
      'exchange-mode': 'ike2',
      profile: 'bench',
      passive: 'yes',
    });
    await agent.add('ip/ipsec/identity', { peer: 'load', secret: PSK });
    await agent.add('ip/ipsec/policy', {
      peer: 'load',
      tunnel: 'yes',
      'src-address': '10.2.0.0/16',
      'dst-address': '10.1.0.0/16',
      proposal: 'bench',
    });
    return await measure(agent.pid!, hosts);
  } finally {
    agent.cleanup();
    hosts.down();
  }
}

const charon = await charonRound();
const ours = await agentRound();
const rate = (r: Result) => r.established / r.seconds;
const row = (name: string, r: Result) =>
  `  ${name.padEnd(22)}${rate(r).toFixed(1).padStart(10)}${String(r.established).padStart(8)}` +
  `${String(r.failed).padStart(8)}${(r.cpuMs / Math.max(1, r.established)).toFixed(2).padStart(12)}` +
  `${(r.rssKiB / Math.max(1, r.established)).toFixed(1).padStart(14)}`;
console.log(
  `\nIKE benchmark: ${COUNT} IKE_SA+CHILD_SA setups (PSK, ECP256, AES-GCM-128), ${WINDOW} in flight, same ` +
    `generator (our engine) for both responders`,
);
console.log(
  `  ${'responder'.padEnd(22)}${'setups/s'.padStart(10)}${'done'.padStart(8)}${'failed'.padStart(8)}` +
    `${'CPU ms/SA'.padStart(12)}${'RSS KiB/SA'.padStart(14)}`,
);
console.log(row('strongSwan charon', charon));
console.log(row('ours (agent)', ours));
console.log(
  `  ratio ours/charon: setups/s ${(rate(ours) / rate(charon)).toFixed(2)}, memory per SA ` +
    `${(ours.rssKiB / Math.max(1, ours.established) / (charon.rssKiB / Math.max(1, charon.established))).toFixed(2)}`,
);
console.log(
  '  both install each CHILD_SA into their userspace ESP (charon: kernel-libipsec; ours: the userspace data ' +
    'plane, as this kernel has no ESP).',
);
process.exit(0);

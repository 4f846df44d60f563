// Real traffic between namespaces: ping, and a TCP transfer of random bytes whose SHA-256 the receiver checks,
// with the longest pause between received chunks (a rekey must not stall the stream). Each side is a short node
// process inside its namespace, stopped by PID if it overruns.
import { spawn } from 'node:child_process';
import { sh } from './netns.ts';
import { scaled } from './wait.ts';

export function ping(
  ns: string,
  to: string,
  opts: { count?: number; from?: string } = {},
): { sent: number; received: number } {
  let out: string;
  try {
    out = sh(
      'ping',
      ['-c', String(opts.count ?? 3), '-i', '0.2', '-W', '2', ...(opts.from ? ['-I', opts.from] : []), to],
      { ns },
    );
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
  return { sent: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0) };
}

const RECEIVER = `
const net = require('node:net'); const { createHash } = require('node:crypto');
const [addr, port] = process.argv.slice(1);
const srv = net.createServer((s) => {
  const h = createHash('sha256'); let n = 0, last = 0, maxGap = 0;
  s.on('data', (d) => { const t = Date.now(); if (last) maxGap = Math.max(maxGap, t - last); last = t; n += d.length; h.update(d); });
  s.on('end', () => { console.log(JSON.stringify({ bytes: n, sha256: h.digest('hex'), maxGapMs: maxGap })); s.end(); srv.close(); });
});
srv.listen(Number(port), addr, () => console.log('listening'));
`;

const SENDER =
  `
const net = require('node:net'); const { createHash, randomBytes } = require('node:crypto');
const [addr, port, total] = process.argv.slice(1);
const h = createHash('sha256'); let left = Number(total); const t0 = Date.now();
const s = net.connect(Number(port), addr, () => {
  const pump = () => { while (left > 0) { const c = randomBytes(Math.min(65536, left)); left -= c.length; ` +
  `h.update(c); if (!s.write(c)) return s.once('drain', pump); } s.end(); };
  pump();
});
s.on('close', () => console.log(JSON.stringify({ sha256: h.digest('hex'), ms: Date.now() - t0 })));
s.on('error', (e) => { console.error(e.message); process.exit(1); });
`;

function nodeIn(ns: string, script: string, args: string[], timeoutMs: number) {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node in ${ns} exited ${code ?? 'by signal'}: ${err.slice(-500)}`));
    }),
  );
  return { child, done, output: () => out };
}

export interface TransferResult {
  bytes: number;
  sentSha256: string;
  receivedSha256: string;
  maxGapMs: number;
  ms: number;
  mbitPerSec: number;
}

/**
 * Send `bytes` random bytes over TCP from `from` to `to.addr:port`; `during` runs once the stream is flowing
 * (e.g. a rekey). Bounded by timeoutMs.
 */
export async function tcpTransfer(
  from: { ns: string },
  to: { ns: string; addr: string },
  bytes: number,
  opts: { port?: number; timeoutMs?: number; during?: () => Promise<void> | void } = {},
): Promise<TransferResult> {
  const port = String(opts.port ?? 5201);
  const timeoutMs = opts.timeoutMs ?? scaled(60_000);
  const rx = nodeIn(to.ns, RECEIVER, [to.addr, port], timeoutMs);
  for (let i = 0; i < 100 && !rx.output().includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
  const tx = nodeIn(from.ns, SENDER, [to.addr, port, String(bytes)], timeoutMs);
  let during: Promise<void> | undefined;
  if (opts.during) {
    const f = opts.during;
    during = new Promise((r) => setTimeout(r, 1000)).then(() => f());
  }
  const [rxOut, txOut] = await Promise.all([rx.done, tx.done]);
  await during;
  const r = JSON.parse(rxOut.trim().split('\n').pop()!) as { bytes: number; sha256: string; maxGapMs: number };
  const t = JSON.parse(txOut.trim().split('\n').pop()!) as { sha256: string; ms: number };
  return {
    bytes: r.bytes,
    sentSha256: t.sha256,
    receivedSha256: r.sha256,
    maxGapMs: r.maxGapMs,
    ms: t.ms,
    mbitPerSec: (r.bytes * 8) / 1000 / t.ms,
  };
}

// A minimal DNS server (UDP, one A record for every name asked) and a lookup through a given server from a given
// source address: a client that received a DNS server by mode config resolves through the tunnel with it.
const DNS_SERVER =
  `
const dgram = require('node:dgram');
const [addr, answer] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
s.on('message', (q, r) => {
  let i = 12; while (q[i] !== 0) i += q[i] + 1; const qEnd = i + 5;
  const head = Buffer.from(q.subarray(0, 12)); head.writeUInt16BE(0x8180, 2); head.writeUInt16BE(1, 4); ` +
  `head.writeUInt16BE(1, 6); head.writeUInt16BE(0, 8); head.writeUInt16BE(0, 10);
  const rr = Buffer.alloc(16); rr.writeUInt16BE(0xc00c, 0); rr.writeUInt16BE(1, 2); rr.writeUInt16BE(1, 4); ` +
  `rr.writeUInt32BE(60, 6); rr.writeUInt16BE(4, 10);
  answer.split('.').forEach((o, k) => (rr[12 + k] = Number(o)));
  s.send(Buffer.concat([head, q.subarray(12, qEnd), rr]), r.port, r.address);
  console.log('query from ' + r.address);
});
s.bind(53, addr, () => console.log('listening'));
`;

const DNS_LOOKUP = `
const { Resolver } = require('node:dns').promises;
const [server, name, from] = process.argv.slice(1);
const r = new Resolver({ timeout: 2000, tries: 2 }); r.setServers([server]); if (from) r.setLocalAddress(from);
r.resolve4(name).then((a) => console.log(JSON.stringify(a)), (e) => { console.error(e.message); process.exit(1); });
`;

/** A DNS server on `addr` (port 53) in `ns` answering every A query with `answer`; stop() kills it by PID. */
export async function dnsServer(
  ns: string,
  addr: string,
  answer: string,
): Promise<{ stop: () => void; queries: () => string[] }> {
  const srv = nodeIn(ns, DNS_SERVER, [addr, answer], 600_000);
  srv.done.catch(() => undefined);
  for (let i = 0; i < 100 && !srv.output().includes('listening'); i++) await new Promise((r) => setTimeout(r, 50));
  if (!srv.output().includes('listening')) throw new Error(`DNS server on ${addr} in ${ns} did not start`);
  return {
    stop: () => {
      if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
    },
    queries: () => [...srv.output().matchAll(/query from (\S+)/g)].map((m) => m[1]!),
  };
}

/** Resolve `name` (A) through `server` from inside `ns`, sourced from `from`; the addresses, or the error. */
export async function dnsLookup(ns: string, server: string, name: string, from?: string): Promise<string[] | Error> {
  const q = nodeIn(ns, DNS_LOOKUP, [server, name, ...(from ? [from] : [])], 15_000);
  try {
    return JSON.parse((await q.done).trim()) as string[];
  } catch (e) {
    return e as Error;
  }
}

// The data plane an IKE daemon runs: probe the kernel, then open the kernel backend when it can do ESP, else the
// userspace one on a TUN device (with raw ESP sockets when we may open them).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { err, ok, type Result } from '@ipsec/schema';
import { KernelDataPlane } from './kernel/backend.ts';
import { probeKernel } from './kernel/probe.ts';
import type { HostedDataPlane } from './types.ts';
import { UserspaceDataPlane } from './userspace/backend.ts';
import { UserspaceHost, type UdpSend } from './userspace/host.ts';
import { RawEsp } from './userspace/raw-esp.ts';
import { Tun } from './userspace/tun.ts';

const run = promisify(execFile);

export type DataPlaneChoice = 'auto' | 'kernel' | 'userspace';

export interface OpenDataPlaneOptions {
  /** auto: the kernel when it can do ESP, else userspace. */
  choice: DataPlaneChoice;
  /** Sends ESP-in-UDP from the IKE daemon's NAT-T socket (the userspace backend's way out). */
  send: UdpSend;
  /** TUN device of the userspace backend (default ipsec0). */
  tunName?: string;
  /** MTU of the TUN device (default 1400: room for ESP-in-UDP over a 1500-byte link). */
  tunMtu?: number;
}

export interface OpenedDataPlane {
  plane: HostedDataPlane;
  /** What works less well than it could, for the log. */
  warnings: string[];
}

export async function openDataPlane(o: OpenDataPlaneOptions): Promise<Result<OpenedDataPlane>> {
  if (o.choice === 'userspace') return openUserspace(o, 'userspace ESP chosen (--dataplane userspace)');
  const probe = await probeKernel();
  if (probe.sas)
    return ok({
      plane: new KernelDataPlane({ capability: { backend: 'kernel', reason: probe.reason } }),
      warnings: [],
    });
  if (o.choice === 'kernel') return err(`--dataplane kernel: ${probe.reason}`);
  return openUserspace(o, probe.reason);
}

async function openUserspace(o: OpenDataPlaneOptions, why: string): Promise<Result<OpenedDataPlane>> {
  let tun: Tun;
  try {
    tun = Tun.open({ name: o.tunName ?? 'ipsec0' });
  } catch (e) {
    return err((e as Error).message);
  }
  try {
    // a longer queue than the default 500 absorbs bursts while the event loop is busy elsewhere
    await run('ip', ['link', 'set', 'dev', tun.name, 'mtu', String(o.tunMtu ?? 1400), 'txqueuelen', '4096', 'up']);
  } catch (e) {
    await tun.close();
    return err(`cannot bring ${tun.name} up: ${(e as Error).message.trim()}`);
  }
  const warnings: string[] = [];
  let raw: RawEsp | undefined;
  try {
    raw = RawEsp.open();
  } catch (e) {
    warnings.push(`no raw ESP (${(e as Error).message}): ESP travels only in UDP, IKE always encapsulates`);
  }
  const reason = `${o.choice === 'userspace' ? why : `userspace ESP on ${tun.name}: ${why}`}${raw ? '' : '; ESP in UDP only'}`;
  const backend = new UserspaceDataPlane({
    capability: { backend: 'userspace', reason, device: tun.name, rawEsp: raw !== undefined },
  });
  const host = new UserspaceHost(backend, tun, o.send, raw ? { raw } : {});
  host.start();
  return ok({ plane: host, warnings });
}

// Capability probe: can this kernel do ESP? Try a policy and an ESP SA in a namespace of our own.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Capability } from '../types.ts';
import { KernelDataPlane } from './backend.ts';
import { XfrmError } from './xfrm-socket.ts';

export interface ProbeResult extends Capability {
  policies: boolean;
  sas: boolean;
  /** The kernel's refusal of the test SA, if any. */
  saError?: { errno: number; code: string; message?: string };
  /** Where the probe ran: a throwaway namespace, or ours when namespaces were not available. */
  where: 'namespace' | 'current';
}

const EPROTONOSUPPORT = 93;

/** Why the SA was refused, in words for the UI. */
function saRefusal(e: XfrmError): string {
  if (e.errno === EPROTONOSUPPORT) return `${e.kernelMessage ?? 'Requested type not found'} (no esp4/esp6 module)`;
  if (e.kernelMessage) return `${e.kernelMessage} (${e.code})`;
  return e.code;
}

/**
 * Probe the kernel. By default in a fresh network namespace (`ip netns add`, removed afterwards) so nothing touches
 * the host's SPD/SAD; when that is impossible, in our own namespace with TEST-NET addresses, removed right after.
 */
export async function probeKernel(opts: { netns?: string; timeout?: number } = {}): Promise<ProbeResult> {
  let ns = opts.netns;
  let made = false;
  if (!ns) {
    const name = `dpprobe-${process.pid}-${randomBytes(3).toString('hex')}`;
    if (spawnSync('ip', ['netns', 'add', name], { stdio: 'ignore', timeout: 5000 }).status === 0) {
      ns = name;
      made = true;
    }
  }
  let dp: KernelDataPlane | undefined;
  try {
    try {
      dp = new KernelDataPlane({
        ...(ns ? { netns: ns } : {}),
        events: false,
        routes: false,
        timeout: opts.timeout ?? 3000,
      });
    } catch (e) {
      return {
        backend: 'userspace',
        reason: `no XFRM netlink: ${(e as Error).message}`,
        policies: false,
        sas: false,
        where: ns ? 'namespace' : 'current',
      };
    }
    const where = ns ? 'namespace' : 'current';
    const reqid = 0x7fff0000 + (process.pid & 0xffff);
    const selector = { src: '192.0.2.1/32', dst: '198.51.100.1/32', protocol: 0 };
    try {
      await dp.installPolicy({
        selector,
        dir: 'out',
        priority: 0xfffff,
        action: 'encrypt',
        templates: [
          { src: '192.0.2.1', dst: '198.51.100.1', protocol: 'esp', mode: 'tunnel', reqid, level: 'require' },
        ],
      });
      await dp.removePolicy({ selector, dir: 'out' });
    } catch (e) {
      return {
        backend: 'userspace',
        reason: `XFRM policies refused: ${(e as Error).message}`,
        policies: false,
        sas: false,
        where,
      };
    }
    const spi = 0x7f000000 | (process.pid & 0xffffff);
    try {
      await dp.installSa({
        spi,
        src: '192.0.2.1',
        dst: '198.51.100.1',
        protocol: 'esp',
        mode: 'tunnel',
        reqid,
        encAlgorithm: 'aes-128-cbc',
        encKey: randomBytes(16),
        integAlgorithm: 'sha256',
        integKey: randomBytes(32),
        esn: false,
        replayWindow: 32,
      });
      await dp.deleteSa({ spi, dst: '198.51.100.1', protocol: 'esp' });
      return {
        backend: 'kernel',
        reason: 'XFRM policies and ESP SAs work: the kernel does ESP',
        policies: true,
        sas: true,
        where,
      };
    } catch (e) {
      if (!(e instanceof XfrmError)) throw e;
      const saError = { errno: e.errno, code: e.code, ...(e.kernelMessage ? { message: e.kernelMessage } : {}) };
      return {
        backend: 'userspace',
        reason: `XFRM policies work, ESP SAs refused: ${saRefusal(e)}`,
        policies: true,
        sas: false,
        saError,
        where,
      };
    }
  } finally {
    await dp?.close();
    if (made && ns) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 });
  }
}

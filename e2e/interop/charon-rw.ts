// A strongSwan road-warrior client (charon + swanctl in its own namespace) set up from the files a
// server hands out: a swanctl.conf, the CA certificate (swanctl/x509ca), the client's PKCS#12
// (swanctl/pkcs12) or PEM certificate and key (swanctl/x509, swanctl/private). swanctl reads them
// from this client's own SWANCTL_DIR (charon's directory), as it would from /etc/swanctl.
// charon runs the resolve plugin writing to a file of its own: the DNS servers it received by mode
// config end up there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Charon } from './charon.ts';
import type { LanHost } from './netns.ts';

export interface ClientFile {
  /** swanctl subdirectory: x509ca, x509, private, pkcs12, conf.d. */
  dir: 'x509ca' | 'x509' | 'private' | 'pkcs12' | 'conf.d';
  name: string;
  content: string | Buffer;
}

export class RoadWarriorClient {
  readonly charon: Charon;
  readonly resolvFile: string;

  /** `eap`: load eap-identity and eap-mschapv2 too. */
  constructor(
    readonly host: LanHost,
    opts: { eap?: boolean } = {},
  ) {
    const plugins = ['resolve', ...(opts.eap ? ['eap-identity', 'eap-mschapv2'] : [])];
    this.charon = new Charon(host.ns, (dir) => `plugins { resolve { file = ${dir}/resolv.conf } }`, { plugins });
    this.resolvFile = join(this.charon.dir, 'resolv.conf');
    writeFileSync(this.resolvFile, '');
  }

  start(): Promise<void> {
    return this.charon.start();
  }

  /** Put credential files where swanctl looks for them. */
  install(files: ClientFile[]): void {
    for (const f of files) {
      mkdirSync(join(this.charon.dir, f.dir), { recursive: true });
      writeFileSync(join(this.charon.dir, f.dir, f.name), f.content);
    }
  }

  /** swanctl --load-all with this client's swanctl.conf and credential directories. */
  load(swanctlConf: string): string {
    const file = join(this.charon.dir, 'swanctl.conf');
    writeFileSync(file, swanctlConf);
    return this.swanctl(['--load-all', '--noprompt', '--file', file]);
  }

  /**
   * swanctl --load-all as on an installed system: swanctl.conf (Debian's: `include conf.d/*.conf`) and the
   * credential directories, all under this client's SWANCTL_DIR.
   */
  loadAll(): string {
    const file = join(this.charon.dir, 'swanctl.conf');
    if (!existsSync(file)) writeFileSync(file, 'include conf.d/*.conf\n');
    return this.swanctl(['--load-all', '--noprompt']);
  }

  swanctl(args: string[]): string {
    try {
      return execFileSync('swanctl', [...args, '--uri', this.charon.vici], {
        encoding: 'utf8',
        env: { ...process.env, SWANCTL_DIR: this.charon.dir },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string };
      throw new Error(`swanctl ${args.join(' ')} failed:\n${x.stdout ?? ''}${x.stderr ?? ''}`, { cause: e });
    }
  }

  /** swanctl --initiate --child <child>; returns its output (throws with it on failure). */
  initiate(child: string, timeoutS = 20): string {
    return this.swanctl(['--initiate', '--child', child, '--timeout', String(timeoutS)]);
  }

  listSas(): string {
    return this.swanctl(['--list-sas']);
  }

  /** The virtual IP of an established IKE SA (`local ... [10.10.10.10]` in --list-sas), if any. */
  virtualIp(): string | undefined {
    const t = this.listSas();
    if (!/ESTABLISHED/.test(t) || !/INSTALLED/.test(t)) return undefined;
    return /local\s+'[^']*' @ \S+ \[(\d+\.\d+\.\d+\.\d+)\]/.exec(t)?.[1];
  }

  /** Name servers the resolve plugin wrote (what mode config gave). */
  dnsServers(): string[] {
    if (!existsSync(this.resolvFile)) return [];
    return [...readFileSync(this.resolvFile, 'utf8').matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]!);
  }

  log(): string {
    return this.charon.log();
  }

  /** The log without the vici chatter, the tail: for a failure report. */
  logTail(chars = 6000): string {
    return this.log()
      .split('\n')
      .filter((l) => !/vici client|\[CFG\] {2}/.test(l))
      .join('\n')
      .slice(-chars);
  }

  cleanup(): void {
    this.charon.cleanup();
  }
}

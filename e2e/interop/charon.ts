// A real strongSwan (Debian's charon + swanctl) inside a test namespace, as the IKE peer our
// agent must interoperate with. Where the kernel does ESP (scripts/kernel-vm.sh) charon installs its SAs there
// (kernel-netlink), as on a real router; where it does not (this repository's CI host), ESP runs in charon's
// userspace (kernel-libipsec), which needs UDP encapsulation (`encap = yes`, see CHARON_ENCAP).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelDoesEsp, sh } from './netns.ts';

const PLUGINS =
  'random nonce aes des sha1 sha2 md5 hmac gcm ctr ccm chapoly curve25519 kdf xcbc cmac gmp openssl pem pkcs1 ' +
  'pkcs8 x509 pubkey constraints revocation';
/** After the kernel interface: kernel-libipsec must come before kernel-netlink to take the IPsec part from it. */
const PLUGINS_AFTER = 'socket-default vici updown';

/** Where charon's ESP runs: the kernel's when it has ESP, else kernel-libipsec in charon's process. */
export type CharonEsp = 'kernel' | 'libipsec';
export const charonEspDefault = (): CharonEsp => (kernelDoesEsp() ? 'kernel' : 'libipsec');

/** The connection line kernel-libipsec needs (it can only do ESP in UDP); nothing with the kernel's ESP. */
export const charonEncap = (esp: CharonEsp = charonEspDefault()): string => (esp === 'libipsec' ? 'encap = yes' : '');

export class Charon {
  readonly dir = mkdtempSync(join(tmpdir(), 'charon-'));
  private child?: ChildProcess;

  /**
   * `settings`: extra strongswan.conf lines inside charon { } (e.g. cookie_threshold, fragment_size), or a function
   * of charon's directory for settings that name files in it.
   * `opts.plugins`: plugins loaded on top of the usual ones (e.g. eap-identity eap-mschapv2).
   */
  constructor(
    readonly ns: string,
    settingsOf: string | ((dir: string) => string) = '',
    opts: { plugins?: string[]; esp?: CharonEsp } = {},
  ) {
    const esp = opts.esp ?? charonEspDefault();
    const settings = typeof settingsOf === 'string' ? settingsOf : settingsOf(this.dir);
    mkdirSync(join(this.dir, 'run'));
    writeFileSync(
      join(this.dir, 'strongswan.conf'),
      `charon {
  load = ${[PLUGINS, esp === 'libipsec' ? 'kernel-libipsec kernel-netlink' : 'kernel-netlink', PLUGINS_AFTER, ...(opts.plugins ?? [])].join(' ')}
  retransmit_tries = 3
  retransmit_timeout = 1.0
  ${settings}
  filelog { log { path = ${this.dir}/charon.log
                  flush_line = yes
                  default = 1
                  ike = 2
                  cfg = 2
                  time_format = %H:%M:%S } }
  plugins { vici { socket = unix://${this.dir}/run/charon.vici } }
}
`,
    );
  }

  get vici(): string {
    return `unix://${this.dir}/run/charon.vici`;
  }

  /** charon writes /run/charon.pid: each instance runs in its own mount namespace with its own /run. */
  async start(): Promise<void> {
    this.child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.ns,
        'unshare',
        '-m',
        'sh',
        '-c',
        `mount --bind ${this.dir}/run /run && STRONGSWAN_CONF=${this.dir}/strongswan.conf exec /usr/lib/ipsec/charon`,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (existsSync(join(this.dir, 'run', 'charon.vici'))) return;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`charon did not start in ${this.ns}: ${this.log()}`);
  }

  get pid(): number | undefined {
    const f = join(this.dir, 'run', 'charon.pid');
    return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
  }

  swanctl(args: string[]): string {
    return sh('swanctl', [...args, '--uri', this.vici]);
  }

  /** Load a swanctl.conf (connections, secrets, authorities). */
  load(swanctlConf: string): string {
    const file = join(this.dir, 'swanctl.conf');
    writeFileSync(file, swanctlConf);
    return this.swanctl(['--load-all', '--noprompt', '--file', file]);
  }

  listSas(): string {
    return this.swanctl(['--list-sas']);
  }

  log(): string {
    const f = join(this.dir, 'charon.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '(no log)';
  }

  /** Stop by PID (SIGKILL as a test's "killed charon" too) and remove its files. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    const pidFile = join(this.dir, 'run', 'charon.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), signal);
      } catch {
        // already gone
      }
    }
    if (this.child?.pid && this.child.exitCode === null) {
      try {
        process.kill(this.child.pid, signal);
      } catch {
        // already gone
      }
    }
  }

  cleanup(): void {
    this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

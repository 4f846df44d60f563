// Certificates as admins make them with the openssl command line (not by the agent): a root CA, optional
// intermediate CAs, end-entity certificates. openssl writes subjects as UTF8String (string_mask utf8only), which
// is what exposes byte-for-byte DN comparison.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** openssl genpkey arguments of a key: RSA of any size, an EC curve, or Ed25519. */
export type KeySpec = { rsa: number } | { ec: 'P-256' | 'P-384' | 'P-521' } | 'ed25519';

export interface Issued {
  name: string;
  /** PEM certificate and PKCS#8 PEM key. */
  cert: string;
  key: string;
}

export class OpensslPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'openssl-pki-'));
  private serial = 1;

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private genkey(name: string, spec: KeySpec): void {
    const alg =
      spec === 'ed25519'
        ? ['-algorithm', 'ED25519']
        : 'rsa' in spec
          ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec.rsa}`]
          : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${spec.ec}`];
    this.openssl(['genpkey', ...alg, '-out', `${name}.key`]);
  }

  private read(name: string): Issued {
    return {
      name,
      cert: readFileSync(join(this.dir, `${name}.crt`), 'utf8'),
      key: readFileSync(join(this.dir, `${name}.key`), 'utf8'),
    };
  }

  /** A self-signed root CA. `subject` in openssl's form, "/O=x/CN=root". */
  root(name: string, subject: string, spec: KeySpec): Issued {
    this.genkey(name, spec);
    writeFileSync(
      join(this.dir, `${name}.ext`),
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n',
    );
    this.openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-subj',
      subject,
      '-days',
      '30',
      '-extensions',
      'v3',
      '-config',
      this.reqConfig(name),
      '-out',
      `${name}.crt`,
    ]);
    return this.read(name);
  }

  /** A certificate signed by `issuer`: a CA (intermediate) or an end entity with subjectAltNames. */
  issue(issuer: Issued, name: string, subject: string, spec: KeySpec, o: { ca?: boolean; san?: string } = {}): Issued {
    this.genkey(name, spec);
    this.openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
    writeFileSync(
      join(this.dir, `${name}.ext`),
      o.ca
        ? 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n'
        : `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n${o.san ? `subjectAltName=${o.san}\n` : ''}`,
    );
    this.openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer.name}.crt`,
      '-CAkey',
      `${issuer.name}.key`,
      '-set_serial',
      String(++this.serial),
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
    return this.read(name);
  }

  private reqConfig(name: string): string {
    const file = join(this.dir, `${name}.cnf`);
    writeFileSync(
      file,
      `[req]\ndistinguished_name=dn\nstring_mask=utf8only\n[dn]\n[v3]\n${readFileSync(join(this.dir, `${name}.ext`), 'utf8')}`,
    );
    return file;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

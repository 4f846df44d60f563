// Two road-warrior setups on 0.0.0.0/0, each with its own CA and server certificate (as the wizard makes them):
// the responder takes the setup whose CA issued the client's certificate. Certificates are made with openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IkeConfig } from '../src/index.ts';
import { configs, pair } from './world.ts';

const dir = mkdtempSync(join(tmpdir(), 'ike-idc-'));
const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

/** key + certificate `name` (CN, SAN DNS), self-signed CA when `ca` is absent, else signed by it. */
function make(name: string, ca?: string): void {
  ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  if (!ca) {
    ossl(
      'req',
      '-new',
      '-x509',
      '-key',
      `${name}.key`,
      '-subj',
      `/CN=${name}`,
      '-days',
      '30',
      '-out',
      `${name}.crt`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=keyCertSign,cRLSign',
    );
    return;
  }
  ossl('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-out', `${name}.csr`);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=DNS:${name}\nkeyUsage=digitalSignature\n`);
  ossl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("identity choice among peers by the client certificate's issuer", () => {
  it('the setup whose CA issued the client certificate takes the client, wherever it is listed', () => {
    for (const n of ['ca-one', 'ca-two']) make(n);
    make('vpn-one.example', 'ca-one');
    make('vpn-two.example', 'ca-two');
    make('laptop.example', 'ca-two');
    const own = (n: string) => ({ name: n, certificate: read(`${n}.crt`), 'private-key': read(`${n}.key`) });
    const ca = (n: string) => ({ name: n, certificate: read(`${n}.crt`), trusted: true });
    const cfg = configs();
    const a: IkeConfig = {
      ...cfg.a,
      certificates: [own('laptop.example'), ca('ca-two')],
      identities: [{ peer: 'to-b', 'auth-method': 'digital-signature', certificate: 'laptop.example' }],
    };
    const peer = (name: string) => ({
      name,
      address: '0.0.0.0/0',
      'exchange-mode': 'ike2' as const,
      profile: 'p',
      passive: true,
    });
    const b: IkeConfig = {
      ...cfg.b,
      peers: [peer('one'), peer('two')],
      certificates: [own('vpn-one.example'), own('vpn-two.example'), ca('ca-one'), ca('ca-two')],
      identities: [
        { peer: 'one', 'auth-method': 'digital-signature', certificate: 'vpn-one.example' },
        { peer: 'two', 'auth-method': 'digital-signature', certificate: 'vpn-two.example' },
      ],
      policies: [
        { ...cfg.b.policies![0]!, peer: 'one' },
        { ...cfg.b.policies![0]!, peer: 'two' },
      ],
    };
    const n = pair({ a, b }, { start: Date.now() });
    n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
    expect(n.a.list()[0]?.state).toBe('established');
    expect(n.b.list()[0]).toMatchObject({ state: 'established', peer: 'two' });
    expect(n.events('a').some((e) => e.includes('vpn-two.example'))).toBe(true); // the server showed setup two's certificate
  });
});

// The files a setup offers its clients, and each file's content, generated from the stored setup.
// Road warrior: the CA (PEM), per client certificate its .p12 and profiles, per EAP user profiles,
// or one PSK profile set. Site to site: the other end's RouterOS script and swanctl.conf.
import {
  ConfigError,
  WIZARD_CLIENTS,
  WIZARD_PASSPHRASE_MIN,
  type WizardClient,
  type WizardProfileFile,
} from '@ipsec/schema';
import { chainOf } from '../../store/certificates.ts';
import type { CertRef, RoadWarriorSetup, Setup } from '../setup.ts';
import { mobileconfig } from './apple.ts';
import { sswan } from './android.ts';
import { swanctlConf } from './linux.ts';
import { clientPkcs12 } from './pkcs12.ts';
import { routerosScript, swanctlSiteToSite } from './site-to-site.ts';
import { powershell } from './windows.ts';

export interface ProfileFile extends Omit<WizardProfileFile, 'url'> {
  containsKey: boolean;
  contentType: string;
  /** Builds the content; `passphrase` protects the private key of files that hold one. */
  render(opts: { passphrase?: string; allCertPems: string[]; org: string }): Buffer | Promise<Buffer>;
}

const CT = {
  pem: 'application/x-x509-ca-cert',
  p12: 'application/x-pkcs12',
  mobileconfig: 'application/x-apple-aspen-config',
  sswan: 'application/vnd.strongswan.profile',
  text: 'text/plain; charset=utf-8',
};

export const profileUrl = (setup: string, filename: string) =>
  `/api/wizard/${encodeURIComponent(setup)}/profile/${encodeURIComponent(filename)}`;

function needPassphrase(passphrase: string | undefined, filename: string): string {
  if (!passphrase || passphrase.length < WIZARD_PASSPHRASE_MIN) {
    throw new ConfigError([
      {
        menu: 'wizard',
        field: 'exportPassphrase',
        message: `${filename} holds a private key: give an export passphrase of at least ${WIZARD_PASSPHRASE_MIN} characters`,
      },
    ]);
  }
  return passphrase;
}

/** Every file of a setup, for the clients asked for (default all). */
export function listProfiles(setup: Setup, clients: readonly WizardClient[] = WIZARD_CLIENTS): ProfileFile[] {
  return setup.kind === 'road-warrior' ? roadWarriorFiles(setup, clients) : siteToSiteFiles(setup);
}

function roadWarriorFiles(s: RoadWarriorSetup, clients: readonly WizardClient[]): ProfileFile[] {
  const out: ProfileFile[] = [];
  const want = (c: WizardClient) => clients.includes(c);
  const caFile = s.ca ? `${s.ca.name}.crt` : undefined;
  if (s.ca && caFile) {
    const pem = s.ca.values['certificate-pem'];
    out.push({
      client: 'all',
      label: `CA certificate ${s.ca.name} (PEM): install as a trusted root`,
      filename: caFile,
      containsKey: false,
      contentType: CT.pem,
      render: () => Buffer.from(pem),
    });
  }
  const p12Of = (cert: CertRef, passphrase: string | undefined, all: string[], filename: string) =>
    clientPkcs12(cert, chainOf(cert.values['certificate-pem'], all), needPassphrase(passphrase, filename));
  const apple = (file: Omit<ProfileFile, 'client'>) => {
    for (const c of ['macos', 'ios'] as const) if (want(c)) out.push({ ...file, client: c });
  };

  if (s.auth === 'certificate') {
    for (const cert of s.clients) {
      const user = cert.values['common-name'] || cert.name;
      const p12File = `${cert.name}.p12`;
      out.push({
        client: 'all',
        user,
        label: `${user}: certificate and private key (PKCS#12)`,
        filename: p12File,
        containsKey: true,
        contentType: CT.p12,
        render: ({ passphrase, allCertPems }) => p12Of(cert, passphrase, allCertPems, p12File),
      });
      if (want('windows')) {
        const f = `${cert.name}.ps1`;
        out.push({
          client: 'windows',
          user,
          label: `${user}: PowerShell setup (with ${caFile} and ${p12File})`,
          filename: f,
          containsKey: false,
          contentType: CT.text,
          render: () => Buffer.from(powershell({ setup: s, client: cert, ...(caFile ? { caFile } : {}), p12File })),
        });
      }
      const mc = `${cert.name}.mobileconfig`;
      apple({
        user,
        label: `${user}: Apple profile (CA, certificate and key)`,
        filename: mc,
        containsKey: true,
        contentType: CT.mobileconfig,
        render: async ({ passphrase, allCertPems, org }) => {
          const p12 = await p12Of(cert, passphrase, allCertPems, mc);
          return Buffer.from(mobileconfig({ setup: s, client: { cert, p12 }, org }));
        },
      });
      if (want('android')) {
        const f = `${cert.name}.sswan`;
        out.push({
          client: 'android',
          user,
          label: `${user}: strongSwan app profile (certificate and key)`,
          filename: f,
          containsKey: true,
          contentType: CT.sswan,
          render: async ({ passphrase, allCertPems, org }) => {
            const p12 = await p12Of(cert, passphrase, allCertPems, f);
            return Buffer.from(sswan({ setup: s, client: { cert, p12 }, org }));
          },
        });
      }
      if (want('linux')) {
        const f = `${cert.name}.swanctl.conf`;
        out.push({
          client: 'linux',
          user,
          label: `${user}: swanctl.conf (with ${caFile} and ${p12File})`,
          filename: f,
          containsKey: false,
          contentType: CT.text,
          render: () => Buffer.from(swanctlConf({ setup: s, client: cert, ...(caFile ? { caFile } : {}), p12File })),
        });
      }
    }
  } else if (s.auth === 'eap-mschapv2') {
    if (want('windows')) {
      const f = `${s.name}.ps1`;
      out.push({
        client: 'windows',
        label: `PowerShell setup (with ${caFile}); user name and password are asked at connect`,
        filename: f,
        containsKey: false,
        contentType: CT.text,
        render: () => Buffer.from(powershell({ setup: s, ...(caFile ? { caFile } : {}) })),
      });
    }
    for (const user of s.users) {
      apple({
        user,
        label: `${user}: Apple profile (CA and user name; the password is asked)`,
        filename: `${s.name}-${user}.mobileconfig`,
        containsKey: false,
        contentType: CT.mobileconfig,
        render: ({ org }) => Buffer.from(mobileconfig({ setup: s, user, org })),
      });
      if (want('android'))
        out.push({
          client: 'android',
          user,
          label: `${user}: strongSwan app profile (CA and user name)`,
          filename: `${s.name}-${user}.sswan`,
          containsKey: false,
          contentType: CT.sswan,
          render: ({ org }) => Buffer.from(sswan({ setup: s, user, org })),
        });
      if (want('linux'))
        out.push({
          client: 'linux',
          user,
          label: `${user}: swanctl.conf (with ${caFile})`,
          filename: `${s.name}-${user}.swanctl.conf`,
          containsKey: false,
          contentType: CT.text,
          render: () => Buffer.from(swanctlConf({ setup: s, user, ...(caFile ? { caFile } : {}) })),
        });
    }
  } else {
    // The pre-shared key is a secret like a private key: these files are for group full only.
    apple({
      label: 'Apple profile (with the pre-shared key)',
      filename: `${s.name}.mobileconfig`,
      containsKey: true,
      contentType: CT.mobileconfig,
      render: ({ org }) => Buffer.from(mobileconfig({ setup: s, org })),
    });
    if (want('linux'))
      out.push({
        client: 'linux',
        label: 'swanctl.conf (with the pre-shared key)',
        filename: `${s.name}.swanctl.conf`,
        containsKey: true,
        contentType: CT.text,
        render: () => Buffer.from(swanctlConf({ setup: s })),
      });
  }
  return out;
}

function siteToSiteFiles(s: Extract<Setup, { kind: 'site-to-site' }>): ProfileFile[] {
  return [
    {
      client: 'all',
      label: `Other end (${s.remoteAddress}): RouterOS script (with the pre-shared key and NAT bypass)`,
      filename: `${s.name}-remote.rsc`,
      containsKey: true,
      contentType: CT.text,
      render: () => Buffer.from(routerosScript(s)),
    },
    {
      client: 'all',
      label: `Other end (${s.remoteAddress}): strongSwan swanctl.conf (with the pre-shared key)`,
      filename: `${s.name}-remote.swanctl.conf`,
      containsKey: true,
      contentType: CT.text,
      render: () => Buffer.from(swanctlSiteToSite(s)),
    },
  ];
}

/** The public shape (what tRPC returns). */
export function describeFiles(setupName: string, files: ProfileFile[]): WizardProfileFile[] {
  return files.map((f) => ({
    client: f.client,
    label: f.label,
    filename: f.filename,
    url: profileUrl(setupName, f.filename),
    containsKey: f.containsKey,
    ...(f.user ? { user: f.user } : {}),
  }));
}

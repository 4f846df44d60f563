// Apple configuration profile (.mobileconfig, an XML property list) for macOS and iOS: the CA as a
// root certificate payload (iOS does not install a CA from a PKCS#12 bundle, manual), the client's
// PKCS#12 for certificate authentication, and an IKEv2 VPN payload whose RemoteIdentifier is the
// server's identity and whose IKE/Child SA parameters are a combination the server accepts.
import type { RoadWarriorSetup, CertRef } from '../setup.ts';
import { certInfo } from '../../store/certificates.ts';
import { appleEsp, appleIke } from './algorithms.ts';
import { pemToDer, stableUuid, xmlText } from './text.ts';

type PlistValue = string | number | boolean | Buffer | PlistValue[] | { [k: string]: PlistValue };

function xml(v: PlistValue, indent: string): string {
  const next = `${indent}\t`;
  if (Buffer.isBuffer(v)) return `${indent}<data>${v.toString('base64')}</data>`;
  if (typeof v === 'string') return `${indent}<string>${xmlText(v)}</string>`;
  if (typeof v === 'number') return `${indent}<integer>${Math.trunc(v)}</integer>`;
  if (typeof v === 'boolean') return `${indent}<${v}/>`;
  if (Array.isArray(v))
    return v.length
      ? `${indent}<array>\n${v.map((x) => xml(x, next)).join('\n')}\n${indent}</array>`
      : `${indent}<array/>`;
  const keys = Object.keys(v);
  if (!keys.length) return `${indent}<dict/>`;
  return `${indent}<dict>\n${keys.map((k) => `${next}<key>${xmlText(k)}</key>\n${xml(v[k]!, next)}`).join('\n')}\n${indent}</dict>`;
}

export function plist(root: PlistValue): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" ` +
    `"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n${xml(root, '')}\n</plist>\n`
  );
}

export interface AppleProfileInput {
  setup: RoadWarriorSetup;
  /** auth=certificate: the client certificate and its PKCS#12 (the device asks for the passphrase at install). */
  client?: { cert: CertRef; p12: Buffer };
  /** auth=eap-mschapv2: the user name (the password is asked at connect). */
  user?: string;
  /** Identifier base of the payloads, e.g. the agent's host name. */
  org: string;
}

const minutes = (seconds: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(seconds / 60)));

export function mobileconfig({ setup, client, user, org }: AppleProfileInput): string {
  const who = client ? client.cert.values['common-name'] || client.cert.name : (user ?? 'shared key');
  const id = (what: string) => `${org}.ipsec.${setup.name}.${who}.${what}`.replace(/[^A-Za-z0-9.-]/g, '-');
  const uuid = (what: string) => stableUuid(org, setup.name, who, what);
  const payloads: PlistValue[] = [];
  if (setup.ca) {
    const pem = setup.ca.values['certificate-pem'];
    payloads.push({
      PayloadType: 'com.apple.security.root',
      PayloadVersion: 1,
      PayloadIdentifier: id('ca'),
      PayloadUUID: uuid('ca'),
      PayloadDisplayName: `${setup.ca.name} (IPsec CA)`,
      PayloadCertificateFileName: `${setup.ca.name}.crt`,
      PayloadContent: pemToDer(pem),
    });
  }
  if (client) {
    payloads.push({
      PayloadType: 'com.apple.security.pkcs12',
      PayloadVersion: 1,
      PayloadIdentifier: id('identity'),
      PayloadUUID: uuid('identity'),
      PayloadDisplayName: `${client.cert.name} (IPsec client certificate)`,
      PayloadCertificateFileName: `${client.cert.name}.p12`,
      PayloadContent: client.p12,
    });
  }
  const ikeSa = appleIke(setup.ike);
  const childSa = appleEsp(setup.esp, ikeSa?.DiffieHellmanGroup);
  const ikev2: Record<string, PlistValue> = {
    RemoteAddress: setup.serverAddress,
    RemoteIdentifier: setup.serverId.value,
    LocalIdentifier: client ? clientLocalId(client.cert) : (user ?? ''),
    DeadPeerDetectionRate: 'Medium',
    DisableMOBIKE: 0,
    DisableRedirect: 0,
    EnableCertificateRevocationCheck: 0,
    EnablePFS: childSa?.pfs ? 1 : 0,
    UseConfigurationAttributeInternalIPSubnet: 0,
  };
  if (setup.serverCert) {
    if (setup.ca) ikev2.ServerCertificateIssuerCommonName = certInfo(setup.ca.values['certificate-pem']).commonName;
    ikev2.ServerCertificateCommonName = certInfo(setup.serverCert.values['certificate-pem']).commonName;
  }
  if (setup.auth === 'certificate' && client) {
    ikev2.AuthenticationMethod = 'Certificate';
    ikev2.PayloadCertificateUUID = uuid('identity');
    ikev2.CertificateType = client.cert.values['key-type'] === 'ecdsa' ? 'ECDSA256' : 'RSA';
    ikev2.ExtendedAuthEnabled = 0;
  } else if (setup.auth === 'eap-mschapv2') {
    // EAP-only for the client; the server still proves itself with its certificate.
    ikev2.AuthenticationMethod = 'None';
    ikev2.ExtendedAuthEnabled = 1;
    ikev2.AuthName = user ?? '';
  } else {
    ikev2.AuthenticationMethod = 'SharedSecret';
    ikev2.SharedSecret = setup.psk ?? '';
    ikev2.ExtendedAuthEnabled = 0;
  }
  if (ikeSa)
    ikev2.IKESecurityAssociationParameters = { ...ikeSa, LifeTimeInMinutes: minutes(setup.ike.lifetime, 10, 1440) };
  if (childSa) {
    const { pfs: _pfs, ...params } = childSa;
    ikev2.ChildSecurityAssociationParameters = { ...params, LifeTimeInMinutes: minutes(setup.esp.lifetime, 10, 1440) };
  }
  payloads.push({
    PayloadType: 'com.apple.vpn.managed',
    PayloadVersion: 1,
    PayloadIdentifier: id('vpn'),
    PayloadUUID: uuid('vpn'),
    PayloadDisplayName: `IPsec ${setup.name}`,
    UserDefinedName: `${setup.name} (${setup.serverAddress})`,
    VPNType: 'IKEv2',
    IKEv2: ikev2,
    // Full tunnel: all traffic through the VPN; split: only the networks mode config sends.
    IPv4: { OverridePrimary: setup.fullTunnel ? 1 : 0 },
  });
  return plist({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: id('profile'),
    PayloadUUID: uuid('profile'),
    PayloadDisplayName: `IPsec ${setup.name} (${who})`,
    PayloadDescription: `IKEv2 VPN to ${setup.serverAddress}`,
    PayloadRemovalDisallowed: false,
    PayloadContent: payloads,
  });
}

/** What a client with this certificate sends as its ID: the DNS SAN when there is one, else the subject DN. */
export function clientLocalId(cert: CertRef): string {
  const info = certInfo(cert.values['certificate-pem']);
  const dns = info.altNames.find((s) => s.startsWith('DNS:'));
  if (dns) return dns.slice(4);
  const email = info.altNames.find((s) => s.startsWith('email:'));
  if (email) return email.slice(6);
  return info.subject;
}

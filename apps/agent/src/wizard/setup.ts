// A wizard-made setup as it is stored now: read back through the references (peer -> profile,
// identity -> certificate / mode config -> pool, policy template group -> proposal), so client
// profiles describe what the server really does, also after the admin edited any of it.
import type {
  CertificateValues,
  Config,
  Entry,
  IdentityValues,
  PeerValues,
  WizardAuth,
  WizardProposals,
} from '@ipsec/schema';
import { NotFoundError } from '../api/config-service.ts';
import { certInfo, issuedBy } from '../store/certificates.ts';

export interface CertRef {
  name: string;
  values: CertificateValues;
}

export interface RoadWarriorSetup {
  kind: 'road-warrior';
  name: string;
  auth: WizardAuth;
  /** Where clients connect to (IP or DNS name). */
  serverAddress: string;
  /** The server's IKE identity as clients must expect it: its value and type. */
  serverId: { type: 'address' | 'fqdn' | 'user-fqdn' | 'dn' | 'key-id'; value: string };
  ike: WizardProposals['ike'] & { prf: string; lifetime: number };
  esp: WizardProposals['esp'] & { lifetime: number };
  /** split-include as sent (0.0.0.0/0 or empty = full tunnel). */
  splitNetworks: string[];
  fullTunnel: boolean;
  dns: string[];
  ca?: CertRef;
  serverCert?: CertRef;
  /** Client certificates with keys issued by the setup's CA (auth=certificate). */
  clients: CertRef[];
  /** IPsec Users names (auth=eap-mschapv2): everyone in the Users menu may log in. */
  users: string[];
  /** auth=psk: the identity's secret (only ever put into files for group full). */
  psk?: string;
}

export interface SiteToSiteSetup {
  kind: 'site-to-site';
  name: string;
  /** This router's address (peer local-address). */
  localAddress: string;
  /** The other end (peer address without /32, or its DNS name). */
  remoteAddress: string;
  exchangeMode: 'ike2' | 'main' | 'aggressive' | 'base';
  localNetworks: string[];
  remoteNetworks: string[];
  ike: WizardProposals['ike'] & { prf: string; lifetime: number };
  esp: WizardProposals['esp'] & { lifetime: number };
  psk: string;
  myId: string;
  remoteId: string;
}

export type Setup = RoadWarriorSetup | SiteToSiteSetup;

const AUTH_OF: Record<string, WizardAuth | undefined> = {
  'digital-signature': 'certificate',
  'eap-radius': 'eap-mschapv2',
  'pre-shared-key': 'psk',
};
const uniq = <T>(xs: T[]) => [...new Set(xs)];

type NamedMenu = 'peer' | 'profile' | 'proposal' | 'certificate' | 'mode-config';

function named<M extends NamedMenu>(config: Config, menu: M, name: string): Entry<M> | undefined {
  return config[menu].find((e) => e.values.name === name);
}

function ikeOf(config: Config, profileName: string) {
  const p = named(config, 'profile', profileName)?.values ?? named(config, 'profile', 'default')!.values;
  return {
    enc: p['enc-algorithm'],
    hash: [p['hash-algorithm']],
    dh: p['dh-group'],
    prf: p['prf-algorithm'],
    lifetime: p.lifetime,
  };
}

function espOf(config: Config, proposalName: string) {
  const p = named(config, 'proposal', proposalName)?.values ?? named(config, 'proposal', 'default')!.values;
  return { enc: p['enc-algorithms'], auth: p['auth-algorithms'], pfs: p['pfs-group'], lifetime: p.lifetime };
}

/** An identity's my-id / remote-id as its type and value ("fqdn:vpn.example.com"); undefined for auto and the like. */
export function idParts(id: string): { type: RoadWarriorSetup['serverId']['type']; value: string } | undefined {
  const m = /^(address|fqdn|user-fqdn|dn|key-id):(.+)$/.exec(id);
  return m ? { type: m[1] as RoadWarriorSetup['serverId']['type'], value: m[2]! } : undefined;
}

export function readSetup(config: Config, name: string): Setup {
  const peer = named(config, 'peer', name);
  if (!peer) throw new NotFoundError(`wizard: no setup "${name}" (no peer of that name)`);
  const identity =
    config.identity.find((i) => i.values.peer === name && !i.values.disabled) ??
    config.identity.find((i) => i.values.peer === name);
  if (!identity) throw new NotFoundError(`wizard: peer "${name}" has no identity`);
  const iv = identity.values;
  return peer.values.passive
    ? readRoadWarrior(config, name, peer.values, iv)
    : readSiteToSite(config, name, peer.values, iv);
}

function readRoadWarrior(config: Config, name: string, pv: PeerValues, iv: IdentityValues): RoadWarriorSetup {
  const auth = AUTH_OF[iv['auth-method']];
  if (!auth)
    throw new NotFoundError(
      `wizard: peer "${name}" uses auth-method=${iv['auth-method']}; client profiles exist for ` +
        `digital-signature, eap-radius and pre-shared-key`,
    );
  const certs = config.certificate;
  const server = iv.certificate ? named(config, 'certificate', iv.certificate) : undefined;
  const serverPem = server ? server.values['certificate-pem'] : '';
  const caName = serverPem
    ? issuedBy(
        serverPem,
        certs.filter((c) => c !== server),
      )
    : '';
  const ca = caName ? named(config, 'certificate', caName) : undefined;
  const caFingerprint = ca ? certInfo(ca.values['certificate-pem']).fingerprint : undefined;
  const clients =
    auth === 'certificate' && ca
      ? certs.filter((c) => {
          if (c === server || c === ca || !c.values['private-key-pem'] || !c.values['certificate-pem']) return false;
          const info = certInfo(c.values['certificate-pem']);
          if (info.ca || info.fingerprint === caFingerprint) return false;
          return issuedBy(c.values['certificate-pem'], [ca]) === caName;
        })
      : [];

  // The server's identity: my-id, else what its certificate vouches for.
  let serverId = idParts(iv['my-id']);
  const serverInfo = serverPem ? certInfo(serverPem) : undefined;
  if (!serverId && serverInfo) {
    const san = serverInfo.altNames.find((s) => s.startsWith('DNS:') || s.startsWith('IP:'));
    if (san)
      serverId = san.startsWith('IP:')
        ? { type: 'address', value: san.slice(3) }
        : { type: 'fqdn', value: san.slice(4) };
    else if (serverInfo.commonName) serverId = { type: 'fqdn', value: serverInfo.commonName };
  }
  if (!serverId && pv['local-address']) serverId = { type: 'address', value: pv['local-address'] };
  if (!serverId)
    throw new NotFoundError(
      `wizard: cannot tell the server address of "${name}"; set its identity's my-id (address:... or fqdn:...)`,
    );
  const serverAddress =
    serverId.type === 'address' || serverId.type === 'fqdn' ? serverId.value : pv['local-address'] || serverId.value;

  const templates = config.policy.filter(
    (p) => p.values.template && p.values.group === iv['policy-template-group'] && !p.values.disabled,
  );
  const proposalName = templates[0]?.values.proposal ?? 'default';
  const mc =
    iv['mode-config'] && iv['mode-config'] !== 'none'
      ? named(config, 'mode-config', iv['mode-config'])?.values
      : undefined;
  const split = mc?.['split-include'] ?? [];
  const fullTunnel = split.length === 0 || split.includes('0.0.0.0/0');
  const dns = mc ? uniq([...mc['static-dns']]) : [];
  return {
    kind: 'road-warrior',
    name,
    auth,
    serverAddress,
    serverId,
    ike: ikeOf(config, pv.profile),
    esp: espOf(config, proposalName),
    splitNetworks: fullTunnel ? [] : split,
    fullTunnel,
    dns,
    ...(ca ? { ca: { name: caName, values: ca.values } } : {}),
    ...(server ? { serverCert: { name: server.values.name, values: server.values } } : {}),
    clients: clients.map((c) => ({ name: c.values.name, values: c.values })),
    users: auth === 'eap-mschapv2' ? config.user.filter((u) => !u.values.disabled).map((u) => u.values.name) : [],
    ...(auth === 'psk' ? { psk: iv.secret } : {}),
  };
}

function readSiteToSite(config: Config, name: string, pv: PeerValues, iv: IdentityValues): SiteToSiteSetup {
  if (iv['auth-method'] !== 'pre-shared-key')
    throw new NotFoundError(
      `wizard: site-to-site peer "${name}" uses auth-method=${iv['auth-method']}; the other end's settings are made for pre-shared-key`,
    );
  const policies = config.policy.filter((p) => p.values.peer === name && !p.values.template && !p.values.disabled);
  if (!policies.length) throw new NotFoundError(`wizard: peer "${name}" has no policies`);
  const address = pv.address;
  const local = pv['local-address'];
  if (!local)
    throw new NotFoundError(`wizard: peer "${name}" has no local-address; the other end needs this router's address`);
  return {
    kind: 'site-to-site',
    name,
    localAddress: local,
    remoteAddress: address.replace(/\/(32|128)$/, ''),
    exchangeMode: pv['exchange-mode'],
    localNetworks: uniq(policies.map((p) => p.values['src-address'])),
    remoteNetworks: uniq(policies.map((p) => p.values['dst-address'])),
    ike: ikeOf(config, pv.profile),
    esp: espOf(config, policies[0]!.values.proposal),
    psk: iv.secret,
    myId: iv['my-id'],
    remoteId: iv['remote-id'],
  };
}

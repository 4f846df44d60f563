// strongSwan VPN Client for Android profile (.sswan, JSON; see the app's "VPN Profile Import"
// documentation): the server is always authenticated with a certificate (the CA goes in
// remote.cert), the client with its PKCS#12 (ikev2-cert) or an EAP user name (ikev2-eap).
import type { CertRef, RoadWarriorSetup } from '../setup.ts';
import { strongswanEsp, strongswanIke } from './algorithms.ts';
import { clientLocalId } from './apple.ts';
import { stableUuid } from './text.ts';

export interface SswanInput {
  setup: RoadWarriorSetup;
  client?: { cert: CertRef; p12: Buffer };
  user?: string;
  org: string;
}

export function sswan({ setup, client, user, org }: SswanInput): string {
  const who = client ? client.cert.name : (user ?? '');
  const profile: Record<string, unknown> = {
    uuid: stableUuid(org, setup.name, who, 'sswan').toLowerCase(),
    name: `${setup.name} (${who})`,
    type: client ? 'ikev2-cert' : 'ikev2-eap',
    remote: {
      addr: setup.serverAddress,
      id: setup.serverId.value,
      ...(setup.ca ? { cert: Buffer.from(setup.ca.values['certificate-pem']).toString('base64') } : {}),
    },
    local: client ? { id: clientLocalId(client.cert), p12: client.p12.toString('base64') } : { eap_id: user ?? '' },
    'ike-proposal': strongswanIke(setup.ike),
    'esp-proposal': strongswanEsp(setup.esp),
  };
  if (!setup.fullTunnel) profile['split-tunneling'] = { subnets: setup.splitNetworks.join(' ') };
  return `${JSON.stringify(profile, null, 2)}\n`;
}

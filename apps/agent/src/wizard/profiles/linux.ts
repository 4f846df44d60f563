// Linux strongSwan client: swanctl.conf (the vici/swanctl syntax): one IKEv2 connection to the
// server with its identity, the proposals it accepts, a virtual IP by mode config (vips = 0.0.0.0)
// and the client's authentication: pubkey (PKCS#12 from /etc/swanctl/pkcs12), eap-mschapv2 or psk.
import type { CertRef, RoadWarriorSetup } from '../setup.ts';
import { strongswanEsp, strongswanIke } from './algorithms.ts';
import { clientLocalId } from './apple.ts';
import { sw } from './text.ts';

export interface SwanctlInput {
  setup: RoadWarriorSetup;
  client?: CertRef;
  user?: string;
  caFile?: string;
  p12File?: string;
}

const section = (name: string, body: string[], indent: string): string[] => [
  `${indent}${name} {`,
  ...body.map((l) => `${indent}  ${l}`),
  `${indent}}`,
];

export function swanctlConf({ setup, client, user, caFile, p12File }: SwanctlInput): string {
  const conn = setup.name.replace(/[^A-Za-z0-9_-]/g, '_');
  const local: string[] = [];
  const remote: string[] = [`id = ${sw(setup.serverId.value)}`];
  const secrets: string[] = [];
  if (setup.auth === 'certificate' && client) {
    local.push('auth = pubkey', `id = ${sw(clientLocalId(client))}`);
    remote.unshift('auth = pubkey');
    if (caFile) remote.push(`cacerts = ${sw(caFile)}`);
    secrets.push(
      ...section(`pkcs12-${conn}`, [`file = ${sw(p12File ?? '')}`, 'secret = "<passphrase of the .p12 file>"'], ''),
    );
  } else if (setup.auth === 'eap-mschapv2') {
    local.push('auth = eap-mschapv2', `eap_id = ${sw(user ?? '')}`);
    remote.unshift('auth = pubkey');
    if (caFile) remote.push(`cacerts = ${sw(caFile)}`);
    secrets.push(
      ...section(
        `eap-${conn}`,
        [`id = ${sw(user ?? '')}`, `secret = ${sw(`<password of ${user ?? 'the user'}>`)}`],
        '',
      ),
    );
  } else {
    local.push('auth = psk');
    remote.unshift('auth = psk');
    secrets.push(
      ...section(`ike-${conn}`, [`id = ${sw(setup.serverId.value)}`, `secret = ${sw(setup.psk ?? '')}`], ''),
    );
  }
  const child = [
    `remote_ts = ${setup.fullTunnel ? '0.0.0.0/0' : setup.splitNetworks.join(',')}`,
    `esp_proposals = ${strongswanEsp(setup.esp)}`,
    'start_action = none',
  ];
  const connection = [
    'version = 2',
    `remote_addrs = ${sw(setup.serverAddress)}`,
    'vips = 0.0.0.0',
    `proposals = ${strongswanIke(setup.ike)}`,
    ...section('local', local, ''),
    ...section('remote', remote, ''),
    ...section('children', section(conn, child, ''), ''),
  ];
  const files: string[] = [];
  if (caFile) files.push(`#   ${sw(caFile)} -> /etc/swanctl/x509ca/`);
  if (p12File) files.push(`#   ${sw(p12File)} -> /etc/swanctl/pkcs12/`);
  return [
    `# IPsec road warrior ${sw(setup.name)}${client ? ` for ${sw(client.name)}` : user ? ` for ${sw(user)}` : ''}: strongSwan swanctl.conf`,
    '# Save as /etc/swanctl/conf.d/' + `${conn}.conf` + (files.length ? ', with:' : ''),
    ...files,
    ...(setup.auth !== 'psk'
      ? ['# Fill in the secret below, then: swanctl --load-all && swanctl --initiate --child ' + conn]
      : [`# Then: swanctl --load-all && swanctl --initiate --child ${conn}`]),
    '',
    ...section('connections', section(conn, connection, ''), ''),
    '',
    ...section('secrets', secrets, ''),
    '',
  ].join('\n');
}

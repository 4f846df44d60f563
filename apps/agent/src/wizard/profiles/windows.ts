// Windows built-in IKEv2 client: a PowerShell script (run as Administrator) that trusts the CA,
// imports the machine certificate (the manual: "Local Machine store", "Use machine certificates"),
// adds the connection and sets proposals the server accepts (Set-VpnConnectionIPsecConfiguration),
// since Windows 10's own defaults offer only modp1024 for phase 1. Split networks become routes:
// Windows ignores split-include (manual, known limitations).
import type { CertRef, RoadWarriorSetup } from '../setup.ts';
import { windowsEsp, windowsIke } from './algorithms.ts';
import { ps } from './text.ts';

export interface Ps1Input {
  setup: RoadWarriorSetup;
  client?: CertRef;
  caFile?: string;
  p12File?: string;
}

export function powershell({ setup, client, caFile, p12File }: Ps1Input): string {
  const conn = ps(setup.name);
  const lines: string[] = [
    `# IPsec road warrior ${conn}${client ? ` for ${ps(client.name)}` : ''}: Windows built-in IKEv2 client.`,
    '# Run in PowerShell as Administrator, from the folder that also holds the files named below.',
    "$ErrorActionPreference = 'Stop'",
    '$here = Split-Path -Parent $MyInvocation.MyCommand.Path',
  ];
  if (caFile) {
    lines.push('', '# The CA that issued the server certificate, as a trusted root of this computer.');
    lines.push(
      `Import-Certificate -FilePath (Join-Path $here ${ps(caFile)}) -CertStoreLocation Cert:\\LocalMachine\\Root | Out-Null`,
    );
  }
  if (client && p12File) {
    lines.push('', '# The client certificate and key, in the Local Machine store.');
    lines.push(`$passphrase = Read-Host -AsSecureString ${ps(`Passphrase of ${p12File}`)}`);
    lines.push(
      `Import-PfxCertificate -FilePath (Join-Path $here ${ps(p12File)}) -CertStoreLocation ` +
        `Cert:\\LocalMachine\\My -Password $passphrase | Out-Null`,
    );
  }
  const method = setup.auth === 'certificate' ? 'MachineCertificate' : 'Eap';
  lines.push(
    '',
    '# The connection (' +
      (setup.auth === 'certificate'
        ? 'machine certificate'
        : 'EAP-MSCHAPv2: user name and password are asked at connect') +
      ').',
  );
  lines.push(
    `Add-VpnConnection -Name ${conn} -ServerAddress ${ps(setup.serverAddress)} -TunnelType Ikev2 ` +
      `-AuthenticationMethod ${method} -EncryptionLevel Required -AllUserConnection` +
      `${setup.fullTunnel ? '' : ' -SplitTunneling'}` +
      `${setup.auth === 'eap-mschapv2' ? ' -RememberCredential' : ''} -Force`,
  );
  const ike = windowsIke(setup.ike);
  const esp = windowsEsp(setup.esp);
  if (ike && esp) {
    lines.push('', '# Proposals this server accepts.');
    lines.push(
      `Set-VpnConnectionIPsecConfiguration -ConnectionName ${conn} -AuthenticationTransformConstants ` +
        `${esp.AuthenticationTransformConstants} -CipherTransformConstants ${esp.CipherTransformConstants} ` +
        `-EncryptionMethod ${ike.EncryptionMethod} -IntegrityCheckMethod ${ike.IntegrityCheckMethod} -DHGroup ` +
        `${ike.DHGroup} -PfsGroup ${esp.PfsGroup} -AllUserConnection -Force`,
    );
  } else {
    lines.push('', '# No algorithm combination this server accepts can be named here; Windows uses its defaults.');
  }
  if (!setup.fullTunnel) {
    lines.push('', '# Windows ignores split-include: route the split networks through the tunnel.');
    for (const net of setup.splitNetworks)
      lines.push(`Add-VpnConnectionRoute -ConnectionName ${conn} -DestinationPrefix ${ps(net)} -AllUserConnection`);
  }
  lines.push(
    '',
    `Write-Host ${ps(`VPN connection "${setup.name}" added; connect it from Settings > Network & Internet > VPN.`)}`,
    '',
  );
  return lines.join('\r\n');
}

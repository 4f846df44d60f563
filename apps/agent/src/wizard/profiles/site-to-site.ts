// The other end of a site-to-site tunnel: a RouterOS CLI script and a strongSwan swanctl.conf with
// the mirror image of this router's settings (same profile/proposal, peer = this router, policies
// with source and destination swapped), and the NAT bypass the manual warns about: a srcnat accept
// rule before masquerade, or the tunnel's packets get the public source address and match no policy.
import { hostPeerAddress, isIpLiteral, printTime } from '@ipsec/schema';
import { idParts, type SiteToSiteSetup } from '../setup.ts';
import { strongswanEsp, strongswanIke } from './algorithms.ts';
import { ros, sw } from './text.ts';

export function routerosScript(s: SiteToSiteSetup): string {
  const name = ros(s.name);
  const lines = [
    `# Site to site ${name}: the other end (${ros(s.remoteAddress)}) of ${s.localAddress}.`,
    "# Paste into the other router's terminal (RouterOS v7).",
    '/ip ipsec profile',
    `add name=${name} hash-algorithm=${s.ike.hash[0]} enc-algorithm=${s.ike.enc.join(',')} dh-group=` +
      `${s.ike.dh.join(',')}${s.ike.prf && s.ike.prf !== 'auto' ? ` prf-algorithm=${s.ike.prf}` : ''} lifetime=` +
      `${printTime(s.ike.lifetime)}`,
    '/ip ipsec proposal',
    `add name=${name} auth-algorithms=${s.esp.auth.join(',')} enc-algorithms=${s.esp.enc.join(',')} pfs-group=` +
      `${s.esp.pfs} lifetime=${printTime(s.esp.lifetime)}`,
    '/ip ipsec peer',
    `add name=${name} address=${hostPeerAddress(s.localAddress)}` +
      `${isIpLiteral(s.remoteAddress) ? ` local-address=${s.remoteAddress}` : ''} exchange-mode=${s.exchangeMode}` +
      ` profile=${name}`,
    '/ip ipsec identity',
    `add peer=${name} auth-method=pre-shared-key secret=${ros(s.psk)}`,
    '/ip ipsec policy',
  ];
  for (const r of s.remoteNetworks)
    for (const l of s.localNetworks) {
      lines.push(`add peer=${name} tunnel=yes src-address=${r} dst-address=${l} action=encrypt proposal=${name}`);
    }
  lines.push(
    '# NAT bypass (manual: "NAT and Fasttrack Bypass"): tunnel traffic must not be masqueraded;',
    '# these accept rules go before every other srcnat rule.',
    '/ip firewall nat',
  );
  for (const r of s.remoteNetworks)
    for (const l of s.localNetworks)
      lines.push(
        `add chain=srcnat action=accept place-before=0 src-address=${r} dst-address=${l} comment=${ros(`ipsec ${s.name} bypass`)}`,
      );
  lines.push('');
  return lines.join('\n');
}

export function swanctlSiteToSite(s: SiteToSiteSetup): string {
  const conn = s.name.replace(/[^A-Za-z0-9_-]/g, '_');
  // What this router sends as its ID: my-id when it names one (a DN as strongSwan writes one), else its address.
  const myId = idParts(s.myId)?.value ?? s.localAddress;
  const lines = [
    `# Site to site ${sw(s.name)}: the other end (${sw(s.remoteAddress)}) of ${s.localAddress}, strongSwan swanctl.conf.`,
    `# Save as /etc/swanctl/conf.d/${conn}.conf, then: swanctl --load-all`,
    '# NAT bypass (the RouterOS manual warns about it): if this host masquerades, exempt the tunnel traffic',
    '# before the masquerade rule, e.g.',
    ...s.remoteNetworks.flatMap((r) =>
      s.localNetworks.map((l) => `#   iptables -t nat -I POSTROUTING -s ${r} -d ${l} -j ACCEPT`),
    ),
    '',
    'connections {',
    `  ${conn} {`,
    `    version = ${s.exchangeMode === 'ike2' ? 2 : 1}`,
    ...(s.exchangeMode === 'aggressive' ? ['    aggressive = yes'] : []),
    ...(isIpLiteral(s.remoteAddress) ? [`    local_addrs = ${s.remoteAddress}`] : []),
    `    remote_addrs = ${s.localAddress}`,
    `    proposals = ${strongswanIke(s.ike)}`,
    '    local {',
    '      auth = psk',
    '    }',
    '    remote {',
    '      auth = psk',
    `      id = ${sw(myId)}`,
    '    }',
    '    children {',
    `      ${conn} {`,
    `        local_ts = ${s.remoteNetworks.join(',')}`,
    `        remote_ts = ${s.localNetworks.join(',')}`,
    `        esp_proposals = ${strongswanEsp(s.esp)}`,
    '        start_action = trap',
    '      }',
    '    }',
    '  }',
    '}',
    '',
    'secrets {',
    `  ike-${conn} {`,
    `    id = ${sw(myId)}`,
    `    secret = ${sw(s.psk)}`,
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

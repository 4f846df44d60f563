// Client compatibility, as the RouterOS manual (seed 000, "Road Warrior setup using IKEv2 with RSA
// authentication": Windows / macOS / iOS / Android (strongSwan) client configuration and "Known
// limitations") states it. The tables are the proposal sets each client's built-in defaults accept;
// `check` turns a wizard input into warnings that name the wizard field to change and how.
//
// The tables use the manual's words translated to our algorithm names: "SHA*" and "AES-*" rows are
// expanded; phase 2 "none" hash with an AEAD cipher means no integrity algorithm (null).
import {
  WIZARD_CLIENT_LABELS,
  type DhGroupName,
  type EspAuthName,
  type EspCipherName,
  type HashName,
  type IkeCipherName,
  type RoadWarriorConfig,
  type WizardClient,
  type WizardProposals,
  type WizardWarning,
  isAead,
  prefixContains,
} from '@ipsec/schema';
import { appleIke, appleEsp, windowsIke, windowsEsp } from './profiles/algorithms.ts';

export interface Phase1Row {
  hash: HashName;
  enc: IkeCipherName;
  dh: DhGroupName;
}
export interface Phase2Row {
  auth: EspAuthName;
  enc: EspCipherName;
  pfs: DhGroupName | 'none';
}
export interface ClientTable {
  client: WizardClient;
  title: string;
  phase1: Phase1Row[];
  phase2: Phase2Row[];
}

const p1 = (hash: HashName[], enc: IkeCipherName[], dh: DhGroupName[]): Phase1Row[] =>
  hash.flatMap((h) => enc.flatMap((e) => dh.map((d) => ({ hash: h, enc: e, dh: d }))));
const p2 = (auth: EspAuthName, enc: EspCipherName): Phase2Row => ({ auth, enc, pfs: 'none' });

const SHA_ANY: HashName[] = ['sha1', 'sha256', 'sha384', 'sha512'];
const AES_CBC_ANY: IkeCipherName[] = ['aes-128', 'aes-192', 'aes-256'];
const AES_GCM_ANY: IkeCipherName[] = ['aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm'];
const STRONGSWAN_DH: DhGroupName[] = [
  'modp2048',
  'ecp256',
  'ecp384',
  'ecp521',
  'modp3072',
  'modp4096',
  'modp6144',
  'modp8192',
];

/** "Currently, Windows 10 is compatible with the following Phase 1 (profiles) and Phase 2 (proposals) proposal sets". */
const WINDOWS: ClientTable = {
  client: 'windows',
  title: 'Windows 10 built-in client',
  phase1: p1(['sha1', 'sha256'], ['3des', 'aes-128', 'aes-192', 'aes-256', 'aes-128-gcm', 'aes-256-gcm'], ['modp1024']),
  phase2: [
    p2('sha1', 'aes-256-cbc'),
    p2('sha1', 'aes-128-cbc'),
    p2('sha1', '3des'),
    p2('sha1', 'des'),
    p2('sha1', 'null'),
  ],
};

const APPLE_P1: Phase1Row[] = [
  { hash: 'sha256', enc: 'aes-256', dh: 'modp2048' },
  { hash: 'sha256', enc: 'aes-256', dh: 'ecp256' },
  { hash: 'sha256', enc: 'aes-256', dh: 'modp1536' },
  { hash: 'sha1', enc: 'aes-128', dh: 'modp1024' },
  { hash: 'sha1', enc: '3des', dh: 'modp1024' },
];
const APPLE_P2: Phase2Row[] = [p2('sha256', 'aes-256-cbc'), p2('sha1', 'aes-128-cbc'), p2('sha1', '3des')];

const MACOS: ClientTable = { client: 'macos', title: 'macOS built-in client', phase1: APPLE_P1, phase2: APPLE_P2 };
const IOS: ClientTable = { client: 'ios', title: 'iOS built-in client', phase1: APPLE_P1, phase2: APPLE_P2 };

/** "Currently, strongSwan by default is compatible with the following ..." (SHA* and AES-* expanded). */
const ANDROID: ClientTable = {
  client: 'android',
  title: 'strongSwan app for Android (default proposals)',
  phase1: [...p1(SHA_ANY, AES_CBC_ANY, STRONGSWAN_DH), ...p1(SHA_ANY, AES_GCM_ANY, STRONGSWAN_DH)],
  phase2: [
    p2('null', 'aes-256-gcm'),
    p2('null', 'aes-128-gcm'),
    ...(['aes-256-cbc', 'aes-192-cbc', 'aes-128-cbc'] as const).flatMap((e) =>
      (['sha256', 'sha512', 'sha1'] as const).map((a) => p2(a, e)),
    ),
  ],
};

/** The manual's tables; Linux has none (the generated swanctl.conf carries the proposals). */
export const CLIENT_TABLES: Partial<Record<WizardClient, ClientTable>> = {
  windows: WINDOWS,
  macos: MACOS,
  ios: IOS,
  android: ANDROID,
};

const upper = (xs: readonly string[]) => xs.map((x) => x.toUpperCase()).join(', ');

/** Does a server profile accept one of the table's phase 1 rows? */
export function phase1Accepted(table: ClientTable, ike: WizardProposals['ike']): boolean {
  return table.phase1.some((r) => ike.hash.includes(r.hash) && ike.enc.includes(r.enc) && ike.dh.includes(r.dh));
}

/** Does a server proposal accept one of the table's phase 2 rows? (AEAD rows need no integrity algorithm.) */
export function phase2Accepted(table: ClientTable, esp: WizardProposals['esp']): boolean {
  return table.phase2.some(
    (r) => esp.enc.includes(r.enc) && (isAead(r.enc) || esp.auth.includes(r.auth)) && esp.pfs === r.pfs,
  );
}

function describeP1(t: ClientTable): string {
  const by = new Map<string, Set<string>>();
  for (const r of t.phase1) {
    const k = `${r.hash}/${r.dh}`;
    by.set(k, (by.get(k) ?? new Set()).add(r.enc));
  }
  return [...by]
    .map(([k, encs]) => `${k.split('/')[0]!.toUpperCase()} + ${upper([...encs])} + ${k.split('/')[1]}`)
    .join('; ');
}

/** Which single field change would make phase 1 acceptable to `t` (the first that works), with the fix text. */
function phase1Fix(t: ClientTable, ike: WizardProposals['ike']): { field: string; fix: string } {
  const withDh = (dh: DhGroupName) => phase1Accepted(t, { ...ike, dh: [...ike.dh, dh] });
  const dh = [...new Set(t.phase1.map((r) => r.dh))].find(withDh);
  if (dh) return { field: 'proposals.ike.dh', fix: `add ${dh} to the phase 1 DH groups` };
  const hash = [...new Set(t.phase1.map((r) => r.hash))].find((h) => phase1Accepted(t, { ...ike, hash: [h] }));
  if (hash) return { field: 'proposals.ike.hash', fix: `use ${hash} as the phase 1 hash` };
  const enc = [...new Set(t.phase1.map((r) => r.enc))].find((e) => phase1Accepted(t, { ...ike, enc: [...ike.enc, e] }));
  if (enc) return { field: 'proposals.ike.enc', fix: `add ${enc} to the phase 1 encryption algorithms` };
  const r = t.phase1[0]!;
  return { field: 'proposals.ike', fix: `offer e.g. ${r.hash} + ${r.enc} + ${r.dh}` };
}

function phase2Fix(t: ClientTable, esp: WizardProposals['esp']): { field: string; fix: string } {
  if (esp.pfs !== 'none')
    return {
      field: 'proposals.esp.pfs',
      fix: 'set the phase 2 PFS group to none (the manual advises pfs-group=none for road warriors)',
    };
  const enc = [...new Set(t.phase2.map((r) => r.enc))].find((e) => phase2Accepted(t, { ...esp, enc: [...esp.enc, e] }));
  if (enc) return { field: 'proposals.esp.enc', fix: `add ${enc} to the phase 2 encryption algorithms` };
  const auth = [...new Set(t.phase2.map((r) => r.auth))].find((a) =>
    phase2Accepted(t, { ...esp, auth: [...esp.auth, a] }),
  );
  if (auth) return { field: 'proposals.esp.auth', fix: `add ${auth} to the phase 2 integrity algorithms` };
  const r = t.phase2[0]!;
  return { field: 'proposals.esp', fix: `offer e.g. ${r.enc} with ${r.auth}, PFS none` };
}

/** How a client gets its proposals set when its built-in defaults do not fit. */
const PROFILE_WAY: Partial<Record<WizardClient, string>> = {
  windows:
    'or import the generated PowerShell profile, which sets matching proposals with Set-VpnConnectionIPsecConfiguration',
  macos:
    'or install the generated .mobileconfig, which sets matching IKESecurityAssociationParameters/ChildSecurityAssociationParameters',
  ios: 'or install the generated .mobileconfig, which sets matching IKESecurityAssociationParameters/ChildSecurityAssociationParameters',
  android: 'or import the generated .sswan profile, which sets matching ike-proposal/esp-proposal',
};

/** The smallest prefix holding all of `prefixes` (IPv4), for the "one split network" fix. */
export function coveringPrefix(prefixes: string[]): string {
  const nums = prefixes.map((p) => {
    const [a, len] = p.split('/');
    const n = a!.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    return { n, len: Number(len) };
  });
  let len = Math.min(...nums.map((x) => x.len));
  const mask = (l: number) => (l === 0 ? 0 : (0xffffffff << (32 - l)) >>> 0);
  while (len > 0 && new Set(nums.map((x) => (x.n & mask(len)) >>> 0)).size > 1) len--;
  const base = (nums[0]!.n & mask(len)) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join('.')}/${len}`;
}

/** Warnings for the selected clients: the manual's tables and known limitations, and what a generated profile cannot express. */
export function check(input: RoadWarriorConfig): WizardWarning[] {
  const out: WizardWarning[] = [];
  const { ike, esp } = input.proposals;
  for (const client of input.clients) {
    const label = WIZARD_CLIENT_LABELS[client];
    const t = CLIENT_TABLES[client];
    if (t && !phase1Accepted(t, ike)) {
      const { field, fix } = phase1Fix(t, ike);
      out.push({
        client,
        field,
        message:
          `${t.title} proposes only these phase 1 sets (hash + encryption + DH group): ${describeP1(t)}; this ` +
          `server offers ${ike.hash.join(',')} + ${ike.enc.join(',')} + ${ike.dh.join(',')}`,
        fix: `${fix}, ${PROFILE_WAY[client]}`,
      });
    }
    if (t && !phase2Accepted(t, esp)) {
      const { field, fix } = phase2Fix(t, esp);
      out.push({
        client,
        field,
        message:
          `${t.title} proposes only these phase 2 sets: ` +
          `${t.phase2
            .map(
              (r) =>
                `${r.auth === 'null' ? 'no integrity' : r.auth.toUpperCase()} + ` +
                `${r.enc.toUpperCase()} + PFS ${r.pfs}`,
            )
            .join('; ')}` +
          `; this server offers ${esp.auth.join(',')} + ${esp.enc.join(',')} + PFS ${esp.pfs}`,
        fix: esp.pfs !== 'none' ? fix : `${fix}, ${PROFILE_WAY[client]}`,
      });
    }
    // What the generated profile can set at all.
    if (client === 'windows' && (!windowsIke(ike) || !windowsEsp(esp))) {
      out.push({
        client,
        field: !windowsIke(ike) ? 'proposals.ike' : 'proposals.esp',
        message:
          `Set-VpnConnectionIPsecConfiguration has no value for any combination this server accepts (` +
          `${!windowsIke(ike) ? 'phase 1' : 'phase 2'}); the PowerShell profile leaves Windows's defaults`,
        fix:
          'offer an algorithm Windows can be told to use: AES-128/192/256 (CBC or GCM), SHA1/SHA256/SHA384, ' +
          'modp1024/modp2048/ecp256/ecp384',
      });
    }
    if ((client === 'macos' || client === 'ios') && (!appleIke(ike) || !appleEsp(esp))) {
      out.push({
        client,
        field: !appleIke(ike) ? 'proposals.ike' : 'proposals.esp',
        message:
          `an Apple VPN profile has no value for any combination this server accepts (` +
          `${!appleIke(ike) ? 'phase 1' : 'phase 2'}); the .mobileconfig leaves ${label}'s defaults`,
        fix:
          'offer an algorithm Apple profiles can name: AES-128/AES-256 (CBC or GCM), 3DES; ' +
          'SHA1/SHA2-256/384/512; DH groups 1, 2, 5, 14-21, 31',
      });
    }
    if (input.auth === 'psk' && client === 'windows') {
      out.push({
        client,
        field: 'auth',
        message:
          'the Windows built-in IKEv2 client offers no pre-shared key method (Add-VpnConnection ' +
          '-AuthenticationMethod takes PAP, CHAP, MSCHAPv2, EAP or MachineCertificate); no PowerShell profile ' +
          'is generated',
        fix: 'use auth certificate or eap-mschapv2 for Windows clients',
      });
    }
    if (input.auth === 'psk' && client === 'android') {
      out.push({
        client,
        field: 'auth',
        message:
          'the strongSwan app for Android always authenticates the server with a certificate; it has no ' +
          'pre-shared key profile type, so no .sswan profile is generated',
        fix: 'use auth certificate or eap-mschapv2 for Android clients',
      });
    }
  }
  const has = (...cs: WizardClient[]) => cs.filter((c) => input.clients.includes(c));
  // Known limitations.
  if (input.splitNetworks.length > 0 && has('windows').length) {
    out.push({
      client: 'windows',
      field: 'splitNetworks',
      message:
        'Windows always ignores the networks sent by split-include and requests 0.0.0.0/0; RouterOS answers ' +
        'its DHCP option 249 request with the split networks, which this agent does not',
      fix:
        'nothing to change here: the generated PowerShell profile turns on split tunneling and adds the routes ' +
        'itself (Add-VpnConnectionRoute); a Windows set up by hand needs the same',
    });
  }
  for (const c of has('macos', 'ios')) {
    if (input.splitNetworks.length > 1) {
      out.push({
        client: c,
        field: 'splitNetworks',
        message:
          `${WIZARD_CLIENT_LABELS[c]} accepts only the first split-include network (${input.splitNetworks[0]}); ` +
          `${input.splitNetworks.slice(1).join(', ')} would not be routed through the tunnel`,
        fix:
          `list one network that covers them all, e.g. ${coveringPrefix(input.splitNetworks)}, or leave ` +
          `splitNetworks empty for a full tunnel`,
      });
    }
    const sendsDns = input.dns === 'system' || input.dns.length > 0;
    if (input.splitNetworks.length > 0 && !input.splitNetworks.includes('0.0.0.0/0') && sendsDns) {
      out.push({
        client: c,
        field: 'dns',
        message:
          `${WIZARD_CLIENT_LABELS[c]} uses the DNS servers from system-dns and static-dns only when ` +
          `split-include is 0.0.0.0/0 (full tunnel)`,
        fix: 'leave splitNetworks empty (full tunnel) if clients must use these DNS servers',
      });
    }
  }
  if (esp.pfs !== 'none') {
    out.push({
      client: 'all',
      field: 'proposals.esp.pfs',
      message:
        'some clients can use a PFS group for phase 2, but the manual advises pfs-group=none to avoid compatibility issues',
      fix: 'set the phase 2 PFS group to none',
    });
  }
  if (input.auth === 'eap-mschapv2') {
    out.push({
      client: 'all',
      field: 'auth',
      message:
        `with EAP-MSCHAPv2 clients validate the server certificate; the manual's example uses a publicly trusted ` +
        `(Let's Encrypt) certificate, this wizard issues one from its own CA "${input.name}-ca"`,
      fix: `install ${input.name}-ca.crt on every device as a trusted root (the generated profiles carry it)`,
    });
  }
  if (input.auth === 'certificate' && has('ios').length) {
    out.push({
      client: 'ios',
      field: 'clientCertificates',
      message:
        'iOS does not install the CA certificate from a PKCS#12 bundle, and a self-signed CA must be marked ' +
        'trusted (Settings > General > About > Certificate Trust Settings)',
      fix: `install the .mobileconfig (it carries the CA as its own payload), or ${input.name}-ca.crt separately, then trust it`,
    });
  }
  // The pool must not hand out an address of a split network's own side (mode config addresses are the clients').
  for (const [i, net] of input.splitNetworks.entries()) {
    const first = input.pool[0]!.split('-')[0]!.split('/')[0]!;
    if (prefixContains(net, first) && net !== '0.0.0.0/0') {
      out.push({
        client: 'all',
        field: `splitNetworks.${i}`,
        message: `${net} contains the client address pool (${input.pool[0]})`,
        fix: 'use a pool outside the networks behind this router',
      });
    }
  }
  return out;
}

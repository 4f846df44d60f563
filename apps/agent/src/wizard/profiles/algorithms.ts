// Our (RouterOS) algorithm names in each client's vocabulary: strongSwan proposal keywords
// (swanctl.conf, .sswan), Apple VPN payload values (.mobileconfig) and Windows
// Set-VpnConnectionIPsecConfiguration constants. A client profile names one combination the
// server accepts; these pick the first one (in the server's order) the client can express.
import { DH_GROUPS, isAead, type WizardProposals } from '@ipsec/schema';

type Ike = WizardProposals['ike'] & { prf?: string };
type Esp = WizardProposals['esp'];

const first = <K extends string, V>(xs: readonly string[], map: Partial<Record<K, V>>): V | undefined => {
  for (const x of xs) if (x in map) return map[x as K];
  return undefined;
};

// ------------------------------------------------------------------------------------ strongSwan
const SS_IKE_ENC: Record<string, string> = {
  des: 'des',
  '3des': '3des',
  'aes-128': 'aes128',
  'aes-192': 'aes192',
  'aes-256': 'aes256',
  blowfish: 'blowfish128',
  'camellia-128': 'camellia128',
  'camellia-192': 'camellia192',
  'camellia-256': 'camellia256',
  'aes-128-gcm': 'aes128gcm16',
  'aes-192-gcm': 'aes192gcm16',
  'aes-256-gcm': 'aes256gcm16',
  'aes-128-ctr': 'aes128ctr',
  'aes-192-ctr': 'aes192ctr',
  'aes-256-ctr': 'aes256ctr',
  chacha20poly1305: 'chacha20poly1305',
};
const SS_ESP_ENC: Record<string, string> = {
  null: 'null',
  des: 'des',
  '3des': '3des',
  'aes-128-cbc': 'aes128',
  'aes-192-cbc': 'aes192',
  'aes-256-cbc': 'aes256',
  'aes-128-ctr': 'aes128ctr',
  'aes-192-ctr': 'aes192ctr',
  'aes-256-ctr': 'aes256ctr',
  'aes-128-gcm': 'aes128gcm16',
  'aes-192-gcm': 'aes192gcm16',
  'aes-256-gcm': 'aes256gcm16',
  blowfish: 'blowfish128',
  'camellia-128': 'camellia128',
  'camellia-192': 'camellia192',
  'camellia-256': 'camellia256',
  twofish: 'twofish128',
  chacha20poly1305: 'chacha20poly1305',
};
const SS_DH: Record<string, string> = Object.fromEntries(DH_GROUPS.map((g) => [g.name, g.name]));

/** IKE proposals for swanctl.conf / .sswan: "aes256-aes128-sha256-modp2048-ecp256[,aes256gcm16-prfsha256-...]". */
export function strongswanIke(ike: Ike): string {
  const dh = ike.dh.map((d) => SS_DH[d]!).join('-');
  const hash = ike.hash[0]!;
  const prf = `prf${ike.prf && ike.prf !== 'auto' ? ike.prf : hash}`;
  const plain = ike.enc.filter((e) => !isAead(e)).map((e) => SS_IKE_ENC[e]!);
  const combined = ike.enc.filter(isAead).map((e) => SS_IKE_ENC[e]!);
  const out: string[] = [];
  if (plain.length)
    out.push([...plain, hash, ...(ike.prf && ike.prf !== 'auto' && ike.prf !== hash ? [prf] : []), dh].join('-'));
  if (combined.length) out.push([...combined, prf, dh].join('-'));
  return out.join(',');
}

/** ESP proposals: "aes256-aes128-sha256-sha1[-modp2048][,aes256gcm16]". */
export function strongswanEsp(esp: Esp): string {
  const pfs = esp.pfs === 'none' ? [] : [SS_DH[esp.pfs]!];
  const integ = esp.auth.filter((a) => a !== 'null');
  const plain = esp.enc.filter((e) => !isAead(e)).map((e) => SS_ESP_ENC[e]!);
  const combined = esp.enc.filter(isAead).map((e) => SS_ESP_ENC[e]!);
  const out: string[] = [];
  if (plain.length && integ.length) out.push([...plain, ...integ, ...pfs].join('-'));
  if (combined.length) out.push([...combined, ...pfs].join('-'));
  return out.join(',');
}

// ------------------------------------------------------------------------------------ Apple
const APPLE_IKE_ENC: Record<string, string> = {
  'aes-256': 'AES-256',
  'aes-128': 'AES-128',
  '3des': '3DES',
  des: 'DES',
  'aes-256-gcm': 'AES-256-GCM',
  'aes-128-gcm': 'AES-128-GCM',
  chacha20poly1305: 'ChaCha20Poly1305',
};
const APPLE_ESP_ENC: Record<string, string> = {
  'aes-256-cbc': 'AES-256',
  'aes-128-cbc': 'AES-128',
  '3des': '3DES',
  des: 'DES',
  'aes-256-gcm': 'AES-256-GCM',
  'aes-128-gcm': 'AES-128-GCM',
  chacha20poly1305: 'ChaCha20Poly1305',
};
const APPLE_INTEG: Record<string, string> = {
  sha1: 'SHA1-96',
  sha256: 'SHA2-256',
  sha384: 'SHA2-384',
  sha512: 'SHA2-512',
};
const APPLE_DH = new Set([1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 31]);
const ianaOf = (dh: string) => DH_GROUPS.find((g) => g.name === dh)?.iana;

export interface AppleSa {
  EncryptionAlgorithm: string;
  IntegrityAlgorithm: string;
  DiffieHellmanGroup: number;
}

export function appleIke(ike: Ike): AppleSa | undefined {
  const enc = first(ike.enc, APPLE_IKE_ENC);
  const integ = first(ike.hash, APPLE_INTEG);
  const dh = ike.dh.map(ianaOf).find((n) => n !== undefined && APPLE_DH.has(n));
  return enc && integ && dh
    ? { EncryptionAlgorithm: enc, IntegrityAlgorithm: integ, DiffieHellmanGroup: dh }
    : undefined;
}

/** Child SA parameters; `pfs` is undefined without PFS (the DH group then only fills the required key). */
export function appleEsp(esp: Esp, ikeDh = 14): (AppleSa & { pfs: boolean }) | undefined {
  const enc = first(esp.enc, APPLE_ESP_ENC);
  const onlyAead = esp.enc.filter((e) => e in APPLE_ESP_ENC).every(isAead);
  const integ = first(esp.auth, APPLE_INTEG) ?? (onlyAead ? 'SHA2-256' : undefined);
  const pfs = esp.pfs === 'none' ? undefined : ianaOf(esp.pfs);
  if (esp.pfs !== 'none' && (pfs === undefined || !APPLE_DH.has(pfs))) return undefined;
  return enc && integ
    ? { EncryptionAlgorithm: enc, IntegrityAlgorithm: integ, DiffieHellmanGroup: pfs ?? ikeDh, pfs: pfs !== undefined }
    : undefined;
}

// ------------------------------------------------------------------------------------ Windows
const WIN_IKE_ENC: Record<string, string> = {
  'aes-256': 'AES256',
  'aes-192': 'AES192',
  'aes-128': 'AES128',
  '3des': 'DES3',
  des: 'DES',
  'aes-256-gcm': 'GCMAES256',
  'aes-128-gcm': 'GCMAES128',
};
const WIN_INTEG: Record<string, string> = { sha256: 'SHA256', sha384: 'SHA384', sha1: 'SHA1', md5: 'MD5' };
const WIN_DH: Record<string, string> = {
  modp2048: 'Group14',
  ecp256: 'ECP256',
  ecp384: 'ECP384',
  modp1024: 'Group2',
  modp768: 'Group1',
};
const WIN_CIPHER: Record<string, string> = {
  'aes-256-cbc': 'AES256',
  'aes-192-cbc': 'AES192',
  'aes-128-cbc': 'AES128',
  '3des': 'DES3',
  des: 'DES',
  'aes-256-gcm': 'GCMAES256',
  'aes-192-gcm': 'GCMAES192',
  'aes-128-gcm': 'GCMAES128',
  null: 'None',
};
const WIN_AUTH: Record<string, string> = { sha256: 'SHA256128', sha1: 'SHA196', md5: 'MD596' };
const WIN_PFS: Record<string, string> = {
  none: 'None',
  modp2048: 'PFS2048',
  ecp256: 'ECP256',
  ecp384: 'ECP384',
  modp1024: 'PFS2',
  modp768: 'PFS1',
};

export interface WindowsIke {
  EncryptionMethod: string;
  IntegrityCheckMethod: string;
  DHGroup: string;
}
export interface WindowsEsp {
  CipherTransformConstants: string;
  AuthenticationTransformConstants: string;
  PfsGroup: string;
}

export function windowsIke(ike: Ike): WindowsIke | undefined {
  const enc = first(ike.enc, WIN_IKE_ENC);
  const integ = first(ike.hash, WIN_INTEG);
  const dh = first(ike.dh, WIN_DH);
  return enc && integ && dh ? { EncryptionMethod: enc, IntegrityCheckMethod: integ, DHGroup: dh } : undefined;
}

export function windowsEsp(esp: Esp): WindowsEsp | undefined {
  const pfs = WIN_PFS[esp.pfs];
  if (!pfs) return undefined;
  for (const e of esp.enc) {
    const cipher = WIN_CIPHER[e];
    if (!cipher) continue;
    // With GCM the authentication transform is the same GCM constant.
    if (isAead(e)) return { CipherTransformConstants: cipher, AuthenticationTransformConstants: cipher, PfsGroup: pfs };
    const auth = first(esp.auth, WIN_AUTH);
    if (auth) return { CipherTransformConstants: cipher, AuthenticationTransformConstants: auth, PfsGroup: pfs };
  }
  return undefined;
}

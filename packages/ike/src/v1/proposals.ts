// IKEv1 proposals (RFC 2409 Appendix A, RFC 2407 4.4-4.5): what we offer from a profile (phase 1) or a proposal
// (phase 2), and the first offered transform that our configuration accepts. The algorithms are the schema's and
// their implementations IKEv2's (crypto/); only the IKEv1 numbers differ.
import type { EspCipherName, HashName, ProfileValues, ProposalValues } from '@ipsec/schema';
import { encrByName, ESP_INFO, type EspCipherInfo, type PlainCipher } from '../crypto/cipher.ts';
import { dhById, dhByName, type DhGroupImpl } from '../crypto/dh.ts';
import { integByName, type IntegAlg } from '../crypto/integ.ts';
import { attributeNumber, numberAttribute, type V1Attribute, type V1Proposal, type V1Transform } from './codec.ts';
import {
  Encapsulation,
  KEY_IKE,
  LifeType,
  P1Attr,
  P1Auth,
  P1Encryption,
  P1Hash,
  P2Attr,
  V1Protocol,
} from './constants.ts';

export interface Phase1Suite {
  cipher: PlainCipher;
  hash: HashName;
  dh: DhGroupImpl;
  /** Seconds. */
  lifetime: number;
}

export interface Phase2Suite {
  encr: EspCipherInfo;
  integ: IntegAlg;
  dh?: DhGroupImpl;
  lifetime: number;
}

const P1_HASH: Partial<Record<HashName, number>> = {
  md5: P1Hash.MD5,
  sha1: P1Hash.SHA1,
  sha256: P1Hash.SHA256,
  sha384: P1Hash.SHA384,
  sha512: P1Hash.SHA512,
};
const P2_AUTH: Partial<Record<HashName, number>> = { md5: 1, sha1: 2, sha256: 5, sha384: 6, sha512: 7 };

function hashOfP1(id: number): HashName | undefined {
  return (Object.keys(P1_HASH) as HashName[]).find((h) => P1_HASH[h] === id);
}
function hashOfP2(id: number): HashName | undefined {
  return (Object.keys(P2_AUTH) as HashName[]).find((h) => P2_AUTH[h] === id);
}

/** The IKEv1 encryption ID and key length of a profile cipher; CBC ciphers OpenSSL runs here only. */
function p1Cipher(name: string): { cipher: PlainCipher; id: number; keyLength?: number } | undefined {
  const c = encrByName(name);
  if (!c || c.aead) return undefined;
  if (name === '3des') return { cipher: c, id: P1Encryption.TRIPLE_DES };
  if (name.startsWith('aes-') && c.blockLen === 16 && c.id === 12)
    return { cipher: c, id: P1Encryption.AES, keyLength: c.keyLen * 8 };
  return undefined;
}

function attr(attrs: readonly V1Attribute[], type: number): number | undefined {
  const a = attrs.find((x) => x.type === type);
  return a ? attributeNumber(a) : undefined;
}

/** Phase 1: one transform per cipher and DH group, with the profile's hash, PSK and lifetime. */
export function phase1Offer(profile: ProfileValues): V1Proposal {
  const transforms: V1Transform[] = [];
  const hash = P1_HASH[profile['hash-algorithm']];
  for (const name of profile['enc-algorithm'])
    for (const g of profile['dh-group']) {
      const c = p1Cipher(name);
      const dh = dhByName(g);
      if (!c || !dh || hash === undefined) continue;
      transforms.push({
        num: transforms.length + 1,
        id: KEY_IKE,
        attributes: [
          { type: P1Attr.ENCRYPTION, value: c.id },
          ...(c.keyLength ? [{ type: P1Attr.KEY_LENGTH, value: c.keyLength }] : []),
          { type: P1Attr.HASH, value: hash },
          { type: P1Attr.AUTH_METHOD, value: P1Auth.PSK },
          { type: P1Attr.GROUP, value: dh.id },
          { type: P1Attr.LIFE_TYPE, value: LifeType.SECONDS },
          numberAttribute(P1Attr.LIFE_DURATION, profile.lifetime),
        ],
      });
    }
  return { num: 1, protocol: V1Protocol.ISAKMP, spi: new Uint8Array(0), transforms };
}

/** The suite a phase 1 transform describes, if we implement it and it uses a pre-shared key. */
export function phase1SuiteOf(t: V1Transform): Phase1Suite | undefined {
  const a = t.attributes;
  if (t.id !== KEY_IKE || attr(a, P1Attr.AUTH_METHOD) !== P1Auth.PSK) return undefined;
  const enc = attr(a, P1Attr.ENCRYPTION);
  const keyLength = attr(a, P1Attr.KEY_LENGTH);
  const name =
    enc === P1Encryption.TRIPLE_DES ? '3des' : enc === P1Encryption.AES ? `aes-${keyLength ?? 128}` : undefined;
  const c = name ? p1Cipher(name) : undefined;
  const hash = hashOfP1(attr(a, P1Attr.HASH) ?? -1);
  const dh = dhById(attr(a, P1Attr.GROUP) ?? -1);
  if (!c || !hash || !dh) return undefined;
  const lifeType = attr(a, P1Attr.LIFE_TYPE);
  const lifetime = lifeType === LifeType.SECONDS ? (attr(a, P1Attr.LIFE_DURATION) ?? 28800) : 28800;
  return { cipher: c.cipher, hash, dh, lifetime };
}

/** Responder: the first offered transform within our profile (RFC 2409 5: exactly one comes back). */
export function selectPhase1(
  offered: readonly V1Proposal[],
  profile: ProfileValues,
): { transform: V1Transform; proposal: V1Proposal; suite: Phase1Suite } | undefined {
  for (const p of offered) {
    if (p.protocol !== V1Protocol.ISAKMP) continue;
    for (const t of p.transforms) {
      const s = phase1SuiteOf(t);
      if (!s) continue;
      if (!profile['enc-algorithm'].includes(s.cipher.name)) continue;
      if (profile['hash-algorithm'] !== s.hash || !profile['dh-group'].includes(s.dh.name)) continue;
      return { transform: t, proposal: p, suite: s };
    }
  }
  return undefined;
}

export function describePhase1(s: Phase1Suite): string {
  return `${s.cipher.name}/${s.hash}/${s.dh.name}/${s.lifetime}s`;
}

function espCipher(name: EspCipherName): EspCipherInfo | undefined {
  const c = ESP_INFO.find((x) => x.name === name);
  return c && !c.aead && (c.id === 3 || c.id === 12) ? c : undefined;
}

/** Phase 2: one ESP proposal, a transform per cipher and integrity algorithm (tunnel mode). */
export function phase2Offer(p: ProposalValues, spi: Uint8Array, transport: boolean, udp = false): V1Proposal {
  const mode = udp
    ? transport
      ? Encapsulation.UDP_TRANSPORT
      : Encapsulation.UDP_TUNNEL
    : transport
      ? Encapsulation.TRANSPORT
      : Encapsulation.TUNNEL;
  const dh = p['pfs-group'] === 'none' ? undefined : dhByName(p['pfs-group']);
  const transforms: V1Transform[] = [];
  for (const e of p['enc-algorithms'])
    for (const a of p['auth-algorithms']) {
      const c = espCipher(e);
      const auth = a === 'null' ? undefined : P2_AUTH[a];
      if (!c || auth === undefined) continue;
      transforms.push({
        num: transforms.length + 1,
        id: c.id,
        attributes: [
          { type: P2Attr.LIFE_TYPE, value: LifeType.SECONDS },
          numberAttribute(P2Attr.LIFE_DURATION, p.lifetime),
          ...(dh ? [{ type: P2Attr.GROUP, value: dh.id }] : []),
          { type: P2Attr.ENCAPSULATION, value: mode },
          { type: P2Attr.AUTH_ALG, value: auth },
          ...(c.keyLengthAttr ? [{ type: P2Attr.KEY_LENGTH, value: c.keyLengthAttr }] : []),
        ],
      });
    }
  return { num: 1, protocol: V1Protocol.ESP, spi, transforms };
}

/** The suite a phase 2 ESP transform describes, if we implement it. */
export function phase2SuiteOf(t: V1Transform): (Phase2Suite & { transport: boolean }) | undefined {
  const a = t.attributes;
  const keyLength = attr(a, P2Attr.KEY_LENGTH);
  const encr = ESP_INFO.find((c) => !c.aead && c.id === t.id && c.keyLengthAttr === keyLength);
  const hash = hashOfP2(attr(a, P2Attr.AUTH_ALG) ?? -1);
  const integ = hash ? integByName(hash) : undefined;
  const mode = attr(a, P2Attr.ENCAPSULATION) ?? Encapsulation.TUNNEL;
  const group = attr(a, P2Attr.GROUP);
  const dh = group === undefined ? undefined : dhById(group);
  if (!encr || !integ || (group !== undefined && !dh)) return undefined;
  const transport = [Encapsulation.TRANSPORT, Encapsulation.UDP_TRANSPORT, Encapsulation.UDP_TRANSPORT_DRAFT];
  const tunnel = [Encapsulation.TUNNEL, Encapsulation.UDP_TUNNEL, Encapsulation.UDP_TUNNEL_DRAFT];
  if (!(transport as number[]).includes(mode) && !(tunnel as number[]).includes(mode)) return undefined;
  const lifetime = attr(a, P2Attr.LIFE_TYPE) === LifeType.SECONDS ? (attr(a, P2Attr.LIFE_DURATION) ?? 28800) : 28800;
  return { encr, integ, lifetime, transport: (transport as number[]).includes(mode), ...(dh ? { dh } : {}) };
}

/** Responder: the first offered ESP transform our proposal allows, PFS group included (RFC 2409 5.5). */
export function selectPhase2(
  offered: readonly V1Proposal[],
  p: ProposalValues,
): { proposal: V1Proposal; transform: V1Transform; suite: Phase2Suite & { transport: boolean } } | undefined {
  const pfs = p['pfs-group'] === 'none' ? undefined : p['pfs-group'];
  for (const pr of offered) {
    if (pr.protocol !== V1Protocol.ESP || pr.spi.length !== 4) continue;
    for (const t of pr.transforms) {
      const s = phase2SuiteOf(t);
      if (!s || !p['enc-algorithms'].includes(s.encr.name) || !p['auth-algorithms'].includes(s.integ.name)) continue;
      if ((s.dh?.name ?? undefined) !== pfs) continue;
      return { proposal: pr, transform: t, suite: s };
    }
  }
  return undefined;
}

export function describePhase2(s: Phase2Suite): string {
  return `${s.encr.name}/${s.integ.name}${s.dh ? `/${s.dh.name}` : ''}/${s.lifetime}s`;
}

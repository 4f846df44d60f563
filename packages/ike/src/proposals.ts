// Building SA proposals from profile/proposal config and selecting one from a peer's offer (RFC 7296 2.7, 3.3).
import type { DhGroupName } from '@ipsec/schema';
import { AttributeType, ProtocolId, TransformType } from './codec/constants.ts';
import { keyLengthOf, type Proposal, type Transform } from './codec/payloads/sa.ts';
import {
  encrByName,
  encrByTransform,
  ESP_INFO,
  espByTransform,
  type EncrAlg,
  type EspCipherInfo,
} from './crypto/cipher.ts';
import { dhById, dhByName, type DhGroupImpl } from './crypto/dh.ts';
import { integById, integByName, type IntegAlg } from './crypto/integ.ts';
import { prfById, prfByName, type PrfAlg } from './crypto/prf.ts';
import type { ProfileConfig, ProposalConfig } from './config.ts';

export interface IkeSuite {
  encr: EncrAlg;
  integ?: IntegAlg;
  prf: PrfAlg;
  dh: DhGroupImpl;
}

export interface EspSuite {
  encr: EspCipherInfo;
  integ?: IntegAlg;
  esn: boolean;
  dh?: DhGroupImpl;
}

function tf(type: number, id: number, keyLength?: number): Transform {
  return {
    type,
    id,
    attributes: keyLength === undefined ? [] : [{ type: AttributeType.KEY_LENGTH, value: keyLength }],
  };
}

export interface Unsupported {
  warnings: string[];
}

/** IKE proposals for a profile: one for non-AEAD ciphers (with INTEG), one for AEAD ciphers (without). */
export function ikeProposals(profile: Required<ProfileConfig>, out: Unsupported = { warnings: [] }): Proposal[] {
  const encrs: EncrAlg[] = [];
  for (const n of profile['enc-algorithm']) {
    const e = encrByName(n);
    if (e) encrs.push(e);
    else out.warnings.push(`enc-algorithm ${n} is not supported by this engine`);
  }
  const prfName = profile['prf-algorithm'] === 'auto' ? profile['hash-algorithm'] : profile['prf-algorithm'];
  const prf = prfByName(prfName);
  const integ = integByName(profile['hash-algorithm']);
  const dhs = profile['dh-group'].map((g) => dhByName(g)).filter((g): g is DhGroupImpl => g !== undefined);
  const proposals: Proposal[] = [];
  const common = [...(prf ? [tf(TransformType.PRF, prf.id)] : []), ...dhs.map((g) => tf(TransformType.DH, g.id))];
  const plain = encrs.filter((e) => !e.aead);
  const aead = encrs.filter((e) => e.aead);
  const enc = (es: EncrAlg[]) => es.map((e) => tf(TransformType.ENCR, e.id, e.keyLengthAttr));
  if (plain.length && integ)
    proposals.push({
      num: 0,
      protocol: ProtocolId.IKE,
      spi: new Uint8Array(0),
      transforms: [...enc(plain), ...common.slice(0, 1), tf(TransformType.INTEG, integ.id), ...common.slice(1)],
    });
  if (aead.length)
    proposals.push({ num: 0, protocol: ProtocolId.IKE, spi: new Uint8Array(0), transforms: [...enc(aead), ...common] });
  proposals.forEach((p, i) => (p.num = i + 1));
  return proposals;
}

/** ESP proposals for a policy's proposal; `dh` adds the PFS group (CREATE_CHILD_SA only). */
export function espProposals(
  cfg: Required<ProposalConfig>,
  spi: Uint8Array,
  dh?: DhGroupName,
  out: Unsupported = { warnings: [] },
): Proposal[] {
  const ciphers: EspCipherInfo[] = [];
  for (const n of cfg['enc-algorithms']) {
    const c = ESP_INFO.find((x) => x.name === n);
    if (c) ciphers.push(c);
    else out.warnings.push(`enc-algorithms ${n} has no IKEv2 transform ID`);
  }
  const integs = cfg['auth-algorithms']
    .filter((a) => a !== 'null')
    .map((a) => integByName(a))
    .filter((x): x is IntegAlg => x !== undefined);
  const dhT = dh ? dhByName(dh) : undefined;
  const tail = [...(dhT ? [tf(TransformType.DH, dhT.id)] : []), tf(TransformType.ESN, 0)];
  const enc = (cs: EspCipherInfo[]) => cs.map((c) => tf(TransformType.ENCR, c.id, c.keyLengthAttr));
  const proposals: Proposal[] = [];
  const aead = ciphers.filter((c) => c.aead);
  const plain = ciphers.filter((c) => !c.aead);
  if (aead.length) proposals.push({ num: 0, protocol: ProtocolId.ESP, spi, transforms: [...enc(aead), ...tail] });
  if (plain.length)
    proposals.push({
      num: 0,
      protocol: ProtocolId.ESP,
      spi,
      transforms: [...enc(plain), ...integs.map((i) => tf(TransformType.INTEG, i.id)), ...tail],
    });
  proposals.forEach((p, i) => (p.num = i + 1));
  return proposals;
}

function byType(p: Proposal, type: number): Transform[] {
  return p.transforms.filter((t) => t.type === type);
}

function pick<T>(
  offered: Transform[],
  mine: Transform[],
  resolve: (t: Transform) => T | undefined,
): { t: Transform; v: T } | undefined {
  for (const o of offered) {
    if (o.attributes.some((a) => a.type !== AttributeType.KEY_LENGTH)) continue; // unknown attribute: skip transform (3.3.6)
    if (!mine.some((m) => m.id === o.id && keyLengthOf(m) === keyLengthOf(o))) continue;
    const v = resolve(o);
    if (v !== undefined) return { t: o, v };
  }
  return undefined;
}

/** Responder: the first offered IKE proposal fully acceptable under our proposals. Returns the single-transform answer. */
export function selectIke(offered: Proposal[], mine: Proposal[]): { answer: Proposal; suite: IkeSuite } | undefined {
  for (const o of offered) {
    if (o.protocol !== ProtocolId.IKE) continue;
    if (o.spi.length !== 0 && o.spi.length !== 8) continue;
    for (const m of mine) {
      const e = pick(byType(o, TransformType.ENCR), byType(m, TransformType.ENCR), (t) =>
        encrByTransform(t.id, keyLengthOf(t)),
      );
      const p = pick(byType(o, TransformType.PRF), byType(m, TransformType.PRF), (t) => prfById(t.id));
      const d = pick(byType(o, TransformType.DH), byType(m, TransformType.DH), (t) => dhById(t.id));
      if (!e || !p || !d) continue;
      let integ: { t: Transform; v: IntegAlg } | undefined;
      if (!e.v.aead) {
        integ = pick(byType(o, TransformType.INTEG), byType(m, TransformType.INTEG), (t) => integById(t.id));
        if (!integ) continue;
      } else if (byType(o, TransformType.INTEG).some((t) => t.id !== 0)) continue; // AEAD with INTEG is malformed
      const transforms = [e.t, p.t, ...(integ ? [integ.t] : []), d.t];
      const suite: IkeSuite = { encr: e.v, prf: p.v, dh: d.v };
      if (integ) suite.integ = integ.v;
      return { answer: { num: o.num, protocol: ProtocolId.IKE, spi: o.spi, transforms }, suite };
    }
  }
  return undefined;
}

/** Initiator: check the responder's single-transform answer is one we offered, and resolve it. */
export function acceptIke(answer: Proposal[], mine: Proposal[]): IkeSuite | undefined {
  if (answer.length !== 1) return undefined;
  const a = answer[0] as Proposal;
  for (const type of [TransformType.ENCR, TransformType.PRF, TransformType.INTEG, TransformType.DH])
    if (byType(a, type).length > 1) return undefined;
  const r = selectIke([a], mine);
  if (!r || r.answer.transforms.length !== a.transforms.length) return undefined;
  return r.suite;
}

/** Responder: first acceptable ESP proposal. `wantDh` is the group we require for PFS (CREATE_CHILD_SA), if any. */
export function selectEsp(
  offered: Proposal[],
  mine: Proposal[],
  spi: Uint8Array,
): { answer: Proposal; suite: EspSuite; peerSpi: Uint8Array } | undefined {
  for (const o of offered) {
    if (o.protocol !== ProtocolId.ESP || o.spi.length !== 4) continue;
    for (const m of mine) {
      const e = pick(byType(o, TransformType.ENCR), byType(m, TransformType.ENCR), (t) =>
        espByTransform(t.id, keyLengthOf(t)),
      );
      if (!e) continue;
      let integ: { t: Transform; v: IntegAlg } | undefined;
      const mineInteg = byType(m, TransformType.INTEG);
      if (!e.v.aead && mineInteg.length) {
        integ = pick(byType(o, TransformType.INTEG), mineInteg, (t) => integById(t.id));
        if (!integ) continue;
      }
      const esnOffered = byType(o, TransformType.ESN);
      const esn = pick(
        esnOffered.length ? esnOffered : [tf(TransformType.ESN, 0)],
        byType(m, TransformType.ESN),
        (t) => t.id,
      );
      if (!esn) continue;
      const mineDh = byType(m, TransformType.DH);
      const offeredDh = byType(o, TransformType.DH).filter((t) => t.id !== 0);
      let dh: { t: Transform; v: DhGroupImpl } | undefined;
      if (mineDh.length) {
        dh = pick(offeredDh, mineDh, (t) => dhById(t.id));
        if (!dh) continue;
      } else if (offeredDh.length && !byType(o, TransformType.DH).some((t) => t.id === 0)) continue;
      const transforms = [e.t, ...(integ ? [integ.t] : []), ...(dh ? [dh.t] : []), esn.t];
      const suite: EspSuite = { encr: e.v, esn: esn.v === 1 };
      if (integ) suite.integ = integ.v;
      if (dh) suite.dh = dh.v;
      return { answer: { num: o.num, protocol: ProtocolId.ESP, spi, transforms }, suite, peerSpi: o.spi };
    }
  }
  return undefined;
}

export function acceptEsp(answer: Proposal[], mine: Proposal[]): { suite: EspSuite; peerSpi: Uint8Array } | undefined {
  if (answer.length !== 1) return undefined;
  const a = answer[0] as Proposal;
  for (const type of [TransformType.ENCR, TransformType.INTEG, TransformType.DH, TransformType.ESN])
    if (byType(a, type).length > 1) return undefined;
  const r = selectEsp([a], mine, a.spi);
  if (!r || r.answer.transforms.length !== a.transforms.length) return undefined;
  return { suite: r.suite, peerSpi: r.peerSpi };
}

export function describeIke(s: IkeSuite): string {
  return `${s.encr.name}${s.integ ? `/${s.integ.name}` : ''}/prf-${s.prf.name}/${s.dh.name}`;
}

export function describeEsp(s: EspSuite): string {
  return `${s.encr.name}${s.integ ? `/${s.integ.name}` : ''}${s.dh ? `/${s.dh.name}` : ''}`;
}

// The proposal-mismatch diagnosis of the RouterOS manual's FAQ ("Phase 1 Failed to get a valid
// proposal"): for each transform type, what we accept and what the peer offered, and which types
// have nothing in common. Log lines read like RouterOS's, ours before the colon, the peer's after.
import { AttributeType, ProtocolId, TransformType } from './codec/constants.ts';
import { keyLengthOf, type Proposal, type Transform } from './codec/payloads/sa.ts';
import { encrByTransform, espByTransform } from './crypto/cipher.ts';
import { dhById } from './crypto/dh.ts';
import { integById } from './crypto/integ.ts';
import { prfById } from './crypto/prf.ts';

const TYPE_NAMES: Record<number, string> = {
  [TransformType.ENCR]: 'encryption',
  [TransformType.PRF]: 'prf',
  [TransformType.INTEG]: 'integrity',
  [TransformType.DH]: 'dh-group',
  [TransformType.ESN]: 'esn',
};

function transformName(protocol: number, t: Transform): string {
  const keyLength = keyLengthOf(t);
  switch (t.type) {
    case TransformType.ENCR:
      return (
        (protocol === ProtocolId.IKE
          ? encrByTransform(t.id, keyLength)?.name
          : espByTransform(t.id, keyLength)?.name) ?? `encr#${t.id}${keyLength ? `-${keyLength}` : ''}`
      );
    case TransformType.PRF:
      return prfById(t.id)?.name ?? `prf#${t.id}`;
    case TransformType.INTEG:
      return t.id === 0 ? 'none' : (integById(t.id)?.name ?? `integ#${t.id}`);
    case TransformType.DH:
      return t.id === 0 ? 'none' : (dhById(t.id)?.name ?? `dh#${t.id}`);
    case TransformType.ESN:
      return t.id === 1 ? 'esn' : 'no-esn';
    default:
      return `type${t.type}#${t.id}`;
  }
}

function namesByType(proposals: Proposal[], protocol: number): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const p of proposals) {
    if (p.protocol !== protocol) continue;
    for (const t of p.transforms) {
      if (t.attributes.some((a) => a.type !== AttributeType.KEY_LENGTH)) continue;
      const list = out.get(t.type) ?? [];
      const name = transformName(protocol, t);
      if (!list.includes(name)) list.push(name);
      out.set(t.type, list);
    }
  }
  return out;
}

const describe = (m: Map<number, string[]>) =>
  [...m].map(([type, names]) => `${TYPE_NAMES[type] ?? type}=${names.join(',')}`).join(' ') || 'nothing';

/** What a list of proposals offers, "encryption=aes-256-cbc integrity=sha256 dh-group=none". */
export function describeProposals(proposals: Proposal[]): string {
  return describe(namesByType(proposals, proposals[0]?.protocol ?? ProtocolId.IKE));
}

/**
 * Lines explaining why no proposal matched: "rejected dh-group: ours = ecp256 : peer = modp2048,modp1024"
 * for every transform type without a common value, then what each side offered in full.
 */
export function explainMismatch(offered: Proposal[], mine: Proposal[]): string[] {
  const protocol = mine[0]?.protocol ?? ProtocolId.IKE;
  const ours = namesByType(mine, protocol);
  const theirs = namesByType(offered, protocol);
  const lines: string[] = [];
  for (const type of [
    TransformType.ENCR,
    TransformType.PRF,
    TransformType.INTEG,
    TransformType.DH,
    TransformType.ESN,
  ]) {
    const a = (ours.get(type) ?? []).filter((n) => n !== 'none');
    const b = (theirs.get(type) ?? []).filter((n) => n !== 'none');
    if (a.length === 0 && b.length === 0) continue;
    if (!a.some((n) => b.includes(n)))
      lines.push(`rejected ${TYPE_NAMES[type]}: ours = ${a.join(',') || 'none'} : peer = ${b.join(',') || 'none'}`);
  }
  lines.push(`we accept: ${describe(ours)}`);
  lines.push(`peer offered: ${describe(theirs)}`);
  return lines;
}

// What a responder's CHILD_SA selection is: the chosen policy, ESP suite, narrowed selectors and the answer
// payloads. Shared by configured policies (child.ts) and generated ones (generate-policy.ts), which is why it is
// its own module.
import type { DhGroupName } from '@ipsec/schema';
import { NotifyType, PayloadType } from '../codec/constants.ts';
import type { Payload } from '../codec/payload.ts';
import { notify } from '../codec/payloads/notify.ts';
import type { Proposal } from '../codec/payloads/sa.ts';
import type { TrafficSelector } from '../codec/payloads/ts.ts';
import type { ProposalConfig } from '../config.ts';
import type { EspSuite } from '../proposals.ts';

/** The proposal's PFS group when the exchange carries a KE (CREATE_CHILD_SA; IKE_AUTH never does). */
export function pfsGroup(proposal: Required<ProposalConfig>, pfs: boolean): DhGroupName | undefined {
  return pfs && proposal['pfs-group'] !== 'none' ? proposal['pfs-group'] : undefined;
}

export interface ChildSelection {
  index: number;
  answer: Payload[];
  suite: EspSuite;
  spiIn: Uint8Array;
  spiOut: Uint8Array;
  tsi: TrafficSelector[];
  tsr: TrafficSelector[];
  transport: boolean;
}

/** Responder: a chosen ESP proposal and narrowed selectors as the selection and its answer payloads. */
export function childSelection(
  index: number,
  chosen: { answer: Proposal; suite: EspSuite; peerSpi: Uint8Array },
  spiIn: Uint8Array,
  tsi: TrafficSelector[],
  tsr: TrafficSelector[],
  transport: boolean,
): ChildSelection {
  return {
    index,
    suite: chosen.suite,
    spiIn,
    spiOut: chosen.peerSpi,
    tsi,
    tsr,
    transport,
    answer: [
      ...(transport ? [notify(NotifyType.USE_TRANSPORT_MODE)] : []),
      { type: PayloadType.SA, proposals: [chosen.answer] },
      { type: PayloadType.TSi, selectors: tsi },
      { type: PayloadType.TSr, selectors: tsr },
    ],
  };
}

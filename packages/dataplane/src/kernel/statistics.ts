// The kernel's IPsec counters (/proc/net/xfrm_stat of our network namespace) under the Statistics menu's names.
import { readFileSync } from 'node:fs';
import type { StatCounter } from '@ipsec/schema';

/** /proc/net/xfrm_stat names -> the Statistics menu's names. */
const XFRM_STAT_NAMES: Record<string, StatCounter> = {
  XfrmInError: 'in-errors',
  XfrmInBufferError: 'in-buffer-errors',
  XfrmInHdrError: 'in-header-errors',
  XfrmInNoStates: 'in-no-states',
  XfrmInStateProtoError: 'in-state-protocol-errors',
  XfrmInStateModeError: 'in-state-mode-errors',
  XfrmInStateSeqError: 'in-state-sequence-errors',
  XfrmInStateExpired: 'in-state-expired',
  XfrmInStateMismatch: 'in-state-mismatches',
  XfrmInStateInvalid: 'in-state-invalid',
  XfrmInTmplMismatch: 'in-template-mismatches',
  XfrmInNoPols: 'in-no-policies',
  XfrmInPolBlock: 'in-policy-blocked',
  XfrmInPolError: 'in-policy-errors',
  XfrmOutError: 'out-errors',
  XfrmOutBundleGenError: 'out-bundle-errors',
  XfrmOutBundleCheckError: 'out-bundle-check-errors',
  XfrmOutNoStates: 'out-no-states',
  XfrmOutStateProtoError: 'out-state-protocol-errors',
  XfrmOutStateModeError: 'out-state-mode-errors',
  XfrmOutStateSeqError: 'out-state-sequence-errors',
  XfrmOutStateExpired: 'out-state-expired',
  XfrmOutPolBlock: 'out-policy-blocked',
  XfrmOutPolDead: 'out-policy-dead',
  XfrmOutPolError: 'out-policy-errors',
};

/** The kernel's XFRM counters (/proc/net/xfrm_stat of our namespace) under the manual's names. */
export function kernelStatistics(
  text = readFileSync('/proc/net/xfrm_stat', 'utf8'),
): Partial<Record<StatCounter, number>> {
  const out: Partial<Record<StatCounter, number>> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    const ours = name ? XFRM_STAT_NAMES[name] : undefined;
    if (ours) out[ours] = Number(value);
  }
  return out;
}

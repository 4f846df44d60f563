// The site-to-site wizard's draft: what the user typed, kept in this tab's memory only (it holds
// the pre-shared key) until Finish or Cancel, and each step's check: the whole input through the
// schema's siteToSiteInputSchema, so its cross-field rules apply, with stand-ins for later steps.
import {
  WIZARD_PSK_MIN,
  defaultSiteToSiteProposals,
  siteToSiteInputSchema,
  type SiteToSiteInput,
  type WizardProposals,
} from '@ipsec/schema';
import { compact, issuesOf, remap, type Errors } from './draft.ts';
import { stepOfField, type WizardStep } from './useWizardSteps.ts';

export interface S2sDraft {
  name: string;
  exchangeMode: 'ike2' | 'main';
  localAddress: string;
  remoteAddress: string;
  localNetworks: string[];
  remoteNetworks: string[];
  psk: string;
  customProposals: boolean;
  proposals: WizardProposals;
}

export const newS2sDraft = (): S2sDraft => ({
  name: 's2s',
  exchangeMode: 'ike2',
  localAddress: '',
  remoteAddress: '',
  localNetworks: [''],
  remoteNetworks: [''],
  psk: '',
  customProposals: false,
  proposals: defaultSiteToSiteProposals(),
});

export const S2S_STEPS: WizardStep[] = [
  { slug: 'tunnel', label: 'Tunnel', fields: ['name', 'exchangeMode', 'localAddress', 'remoteAddress'] },
  { slug: 'networks', label: 'Networks', fields: ['localNetworks', 'remoteNetworks'] },
  { slug: 'authentication', label: 'Pre-shared Key', fields: ['psk'] },
  { slug: 'algorithms', label: 'Algorithms', fields: ['proposals'] },
  { slug: 'review', label: 'Review', fields: [] },
];
const REVIEW = S2S_STEPS.length - 1;

export function toS2sInput(d: S2sDraft): SiteToSiteInput {
  return {
    name: d.name.trim(),
    exchangeMode: d.exchangeMode,
    localAddress: d.localAddress.trim(),
    remoteAddress: d.remoteAddress.trim(),
    localNetworks: compact(d.localNetworks).list,
    remoteNetworks: compact(d.remoteNetworks).list,
    psk: d.psk,
    ...(d.customProposals ? { proposals: d.proposals } : {}),
  };
}

/** Valid stand-ins for the fields of steps not reached yet, so the whole schema (with its cross-field rules) can run. */
const FILLER: Partial<SiteToSiteInput>[] = [
  {},
  { localNetworks: ['192.0.2.0/26'], remoteNetworks: ['192.0.2.64/26'] },
  { psk: 'x'.repeat(WIZARD_PSK_MIN) },
  {},
];

/** Issues of step `i`'s fields: the whole input checked, later steps' fields replaced by stand-ins. */
export function checkS2sStep(d: S2sDraft, i: number): Errors {
  if (i >= REVIEW) return {};
  let input: SiteToSiteInput = toS2sInput(d);
  for (let k = i + 1; k < FILLER.length; k++) input = { ...input, ...FILLER[k] };
  const all = issuesOf(siteToSiteInputSchema.safeParse(input));
  const mine = Object.fromEntries(Object.entries(all).filter(([field]) => stepOfField(S2S_STEPS, field) === i));
  // list items: back from the sent list's index to the row the user sees
  return remap(
    remap(mine, 'localNetworks', compact(d.localNetworks).row),
    'remoteNetworks',
    compact(d.remoteNetworks).row,
  );
}

/** The draft outlives the window but not the page (as the road warrior's). */
let current: S2sDraft | null = null;
export const loadS2sDraft = (): S2sDraft => current ?? newS2sDraft();
export const saveS2sDraft = (d: S2sDraft) => {
  current = d;
};
export const dropS2sDraft = () => {
  current = null;
};

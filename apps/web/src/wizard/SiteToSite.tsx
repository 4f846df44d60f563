// Wizards > Site to Site (the manual's "Site to Site IPsec tunnel" with a pre-shared key):
// #/wizard/site-to-site/<step>, the same frame, review and downloads as the road warrior; the
// other end gets a RouterOS script and a swanctl.conf. The draft lives in this tab's memory only.
import { useMemo, useState } from 'react';
import { Checkbox, FormControlLabel, MenuItem, Select } from '@mui/material';
import { WIZARD_NAME_MAX, WIZARD_PSK_MIN, defaultSiteToSiteProposals } from '@ipsec/schema';
import { navigate } from '../shell/route.ts';
import { finishSiteToSite, previewSiteToSite } from './api.ts';
import { compact } from './draft.ts';
import { ReviewBody, useWizardReview } from './Review.tsx';
import { DefaultProposals, ProposalsInput } from './RwSteps.tsx';
import { ListInput, Row, Secret, StepIntro, Text } from './widgets.tsx';
import { Done, WizardFrame, rememberFinish } from './Frame.tsx';
import {
  S2S_STEPS,
  checkS2sStep,
  dropS2sDraft,
  loadS2sDraft,
  saveS2sDraft,
  toS2sInput,
  type S2sDraft,
} from './site-to-site-draft.ts';
import { useWizardSteps } from './useWizardSteps.ts';

const BASE = '/wizard/site-to-site';

export function SiteToSiteWizard({ route }: { route: string[] }) {
  if (route[0] !== 'done') return <SiteToSiteSteps route={route} />;
  const name = route[1] ?? '';
  return (
    <Done
      mode="site-to-site"
      title="Site to Site Wizard"
      heading={`Site to site “${name}” is set up`}
      intro={
        'Set up the other end with one of these files: a RouterOS script to paste into its terminal, or a ' +
        'strongSwan swanctl.conf. Both carry the pre-shared key and the NAT bypass rules.'
      }
      name={name}
      where={[
        ['IPsec Peers', '/ip/ipsec/peers'],
        ['Identities', '/ip/ipsec/identities'],
        ['Policies', '/ip/ipsec/policies'],
        ['Profiles', '/ip/ipsec/profiles'],
        ['Proposals', '/ip/ipsec/proposals'],
      ]}
      again={['New site to site…', `${BASE}/tunnel`]}
      filesTitle="Files for the other end"
      allLabel="Other end"
    />
  );
}

function SiteToSiteSteps({ route }: { route: string[] }) {
  const [draft, setDraft] = useState<S2sDraft>(loadS2sDraft);

  const { index, isReview, errors, setAgentErrors, links, frame } = useWizardSteps({
    base: BASE,
    steps: S2S_STEPS,
    slug: route[0],
    check: (i) => checkS2sStep(draft, i),
  });
  const set = (patch: Partial<S2sDraft>) => {
    setDraft((d) => {
      const next = { ...d, ...patch };
      saveS2sDraft(next);
      return next;
    });
    setAgentErrors({});
  };

  const input = useMemo(() => toS2sInput(draft), [draft]);
  const review = useWizardReview({
    input,
    active: isReview,
    preview: previewSiteToSite,
    finish: finishSiteToSite,
    onAgentErrors: setAgentErrors,
    onFinished: (result) => {
      rememberFinish('site-to-site', result);
      dropS2sDraft();
      navigate(`${BASE}/done/${encodeURIComponent(result.name)}`, true);
      return `Site to site "${result.name}" created`;
    },
  });

  return (
    <WizardFrame title="Site to Site Wizard" {...frame} onCancel={dropS2sDraft} review={review}>
      {index === 0 ? (
        <>
          <StepIntro title="1. Tunnel">
            The two routers' public addresses: this one (peer local-address) and the other end (peer address).
          </StepIntro>
          <Row
            label="Local address"
            error={errors.localAddress}
            help="This router's public IP address, e.g. 192.168.90.1"
          >
            <Text
              label="Local address"
              value={draft.localAddress}
              onChange={(localAddress) => set({ localAddress })}
              error={errors.localAddress}
              autoFocus
            />
          </Row>
          <Row
            label="Remote address"
            error={errors.remoteAddress}
            help="The other router's public IP address or DNS name."
          >
            <Text
              label="Remote address"
              value={draft.remoteAddress}
              onChange={(remoteAddress) => set({ remoteAddress })}
              error={errors.remoteAddress}
            />
          </Row>
          <Row
            label="Exchange mode"
            error={errors.exchangeMode}
            help={
              'ike2 unless the other end cannot do it: main (IKEv1) is for old peers (TP-Link, old Cisco), ' +
              'and the review says what it costs.'
            }
          >
            <Select
              size="small"
              value={draft.exchangeMode}
              onChange={(e) => set({ exchangeMode: e.target.value as S2sDraft['exchangeMode'] })}
              inputProps={{ 'aria-label': 'Exchange mode' }}
              sx={{ width: 220 }}
            >
              <MenuItem value="ike2" dense>
                ike2
              </MenuItem>
              <MenuItem value="main" dense>
                main (IKEv1)
              </MenuItem>
            </Select>
          </Row>
          <Row
            label="Name"
            error={errors.name}
            help={`Of the peer, profile and proposal (at most ${WIZARD_NAME_MAX} characters).`}
          >
            <Text label="Name" value={draft.name} onChange={(name) => set({ name })} error={errors.name} width={220} />
          </Row>
        </>
      ) : index === 1 ? (
        <>
          <StepIntro title="2. Networks">
            Traffic between these networks goes through the tunnel: one policy per local and remote network pair.
          </StepIntro>
          <Row label="Local networks" error={errors.localNetworks} help="Behind this router, e.g. 10.1.202.0/24">
            <ListInput
              field="localNetworks"
              itemLabel="Local network"
              addLabel="Add local network"
              rows={draft.localNetworks}
              onChange={(localNetworks) => set({ localNetworks })}
              errors={{ ...errors, localNetworks: '' }}
              placeholder="10.1.202.0/24"
            />
          </Row>
          <Row label="Remote networks" error={errors.remoteNetworks} help="Behind the other end, e.g. 10.1.101.0/24">
            <ListInput
              field="remoteNetworks"
              itemLabel="Remote network"
              addLabel="Add remote network"
              rows={draft.remoteNetworks}
              onChange={(remoteNetworks) => set({ remoteNetworks })}
              errors={{ ...errors, remoteNetworks: '' }}
              placeholder="10.1.101.0/24"
            />
          </Row>
        </>
      ) : index === 2 ? (
        <>
          <StepIntro title="3. Pre-shared key">
            Both routers authenticate with this secret; the other end's files carry it.
          </StepIntro>
          <Row
            label="Pre-shared key"
            error={errors.psk}
            help={`At least ${WIZARD_PSK_MIN} characters; a value starting with 0x is hex.`}
          >
            <Secret
              label="Pre-shared key"
              value={draft.psk}
              onChange={(psk) => set({ psk })}
              error={errors.psk}
              generate={32}
            />
          </Row>
        </>
      ) : index === 3 ? (
        <>
          <StepIntro title="4. Algorithms">
            Phase 1 (profile) and phase 2 (proposal); the other end gets the same.
          </StepIntro>
          <Row label="Algorithms" error={errors.proposals}>
            <FormControlLabel
              sx={{ m: 0, '& .MuiFormControlLabel-label': { fontSize: 13 } }}
              control={
                <Checkbox
                  size="small"
                  sx={{ p: '3px', mr: 0.5 }}
                  checked={draft.customProposals}
                  onChange={(e) => set({ customProposals: e.target.checked })}
                />
              }
              label="Choose the algorithms myself"
            />
            {!draft.customProposals ? <DefaultProposals proposals={defaultSiteToSiteProposals()} /> : null}
          </Row>
          {draft.customProposals ? (
            <ProposalsInput proposals={draft.proposals} onChange={(proposals) => set({ proposals })} errors={errors} />
          ) : null}
        </>
      ) : (
        <>
          <StepIntro title="5. Review">
            Nothing has been changed yet. Finish creates all of this at once (one revision: Undo takes it back) and then
            offers the other end's files.
          </StepIntro>
          <ReviewBody
            loading={review.loading}
            error={review.state.error}
            problems={review.state.problems}
            objects={review.state.objects}
            warnings={review.state.warnings}
            warningsTitle="Warnings"
            links={links}
            summary={[
              ['Tunnel', `${input.localAddress} ⇄ ${input.remoteAddress} (${draft.exchangeMode}) · name ${input.name}`],
              [
                'Networks',
                `${compact(draft.localNetworks).list.join(', ')} ⇄ ${compact(draft.remoteNetworks).list.join(', ')}`,
              ],
              ['Authentication', 'pre-shared key'],
              ['Algorithms', draft.customProposals ? 'chosen' : 'defaults'],
            ]}
          />
        </>
      )}
    </WizardFrame>
  );
}

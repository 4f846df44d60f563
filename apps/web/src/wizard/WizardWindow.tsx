// Wizards > Road Warrior: a stepper over the draft (#/wizard/road-warrior/<step>), checked step by
// step with the schema's zod step schemas; Review asks the agent for a preview (nothing stored),
// Finish creates everything in one transaction, then the downloads panel
// (#/wizard/road-warrior/done/<name>) links every client profile. Cancel drops the draft: nothing
// was sent. Groups write and full only (read users see no menu entry and no Finish).
import { useMemo, useState } from 'react';
import { Alert } from '@mui/material';
import { navigate } from '../shell/route.ts';
import { useSession } from '../shell/session.ts';
import { Window } from '../shell/Window.tsx';
import { finishRoadWarrior, previewRoadWarrior } from './api.ts';
import { Done, WizardFrame, rememberFinish } from './Frame.tsx';
import { RW_STEPS, dropRwDraft, loadRwDraft, saveRwDraft, toInput, type Errors, type RwDraft } from './draft.ts';
import { ReviewBody, useWizardReview, type FieldLink } from './Review.tsx';
import {
  AUTH_LABELS,
  AuthStep,
  ClientsStep,
  DnsStep,
  NetworksStep,
  PoolStep,
  ServerStep,
  type StepProps,
} from './RwSteps.tsx';
import { SiteToSiteWizard } from './SiteToSite.tsx';
import { WIZARD_MODES } from './modes.ts';
import { useWizardSteps } from './useWizardSteps.ts';
import { StepIntro } from './widgets.tsx';

export function WizardWindow({ mode, route }: { mode: string; route: string[] }) {
  const { canWrite } = useSession();
  const title = WIZARD_MODES.find((m) => m.slug === mode)?.title ?? 'Wizard';
  if (!canWrite) {
    return (
      <Window title={title}>
        <Alert severity="info" sx={{ m: 1 }}>
          The wizards create configuration: they need group write or full.
        </Alert>
      </Window>
    );
  }
  return mode === 'site-to-site' ? <SiteToSiteWizard route={route} /> : <RoadWarriorWizard route={route} />;
}

const BASE = '/wizard/road-warrior';
const STEP_VIEWS: ((p: StepProps) => React.ReactNode)[] = [
  AuthStep,
  ServerStep,
  PoolStep,
  DnsStep,
  NetworksStep,
  ClientsStep,
];

function RoadWarriorWizard({ route }: { route: string[] }) {
  if (route[0] !== 'done') return <RoadWarriorSteps route={route} />;
  const name = route[1] ?? '';
  return (
    <Done
      mode="road-warrior"
      title="Road Warrior Wizard"
      heading={`Road warrior “${name}” is set up`}
      intro={
        'Give each client its profile. The CA certificate lets clients check the router; files with a key (.p12, ' +
        'and the profiles that embed one) are protected by the export passphrase.'
      }
      name={name}
      where={[
        ['IPsec Peers', '/ip/ipsec/peers'],
        ['Identities', '/ip/ipsec/identities'],
        ['Mode Configs', '/ip/ipsec/mode-configs'],
        ['Policies', '/ip/ipsec/policies'],
        ['IPsec Users', '/ip/ipsec/users'],
        ['IP Pool', '/ip/pool'],
        ['Certificates', '/system/certificates'],
      ]}
      again={['New road warrior…', `${BASE}/authentication`]}
    />
  );
}

function RoadWarriorSteps({ route }: { route: string[] }) {
  const [draft, setDraft] = useState<RwDraft>(loadRwDraft);
  const { index, isReview, errors, setAgentErrors, links, frame } = useWizardSteps({
    base: BASE,
    steps: RW_STEPS,
    slug: route[0],
    check: (i) => RW_STEPS[i]!.check?.(draft) ?? {},
  });
  const review = useReview(draft, isReview, setAgentErrors);

  const set = (patch: Partial<RwDraft>) => {
    setDraft((d) => {
      const next = { ...d, ...patch };
      saveRwDraft(next);
      return next;
    });
    setAgentErrors({});
  };

  return (
    <WizardFrame
      title="Road Warrior Wizard"
      {...frame}
      onCancel={() => {
        dropRwDraft();
      }}
      review={review}
    >
      {isReview ? (
        <ReviewStep draft={draft} review={review} links={links} />
      ) : (
        STEP_VIEWS[index]!({ draft, set, errors })
      )}
    </WizardFrame>
  );
}

/** The road warrior's review: preview/finish of this draft; after Finish the downloads. */
function useReview(draft: RwDraft, active: boolean, onAgentErrors: (e: Errors) => void) {
  const input = useMemo(() => toInput(draft), [draft]);
  const review = useWizardReview({
    input,
    active,
    preview: previewRoadWarrior,
    finish: finishRoadWarrior,
    onAgentErrors,
    onFinished: (result) => {
      rememberFinish('road-warrior', result);
      dropRwDraft();
      navigate(`${BASE}/done/${encodeURIComponent(result.name)}`, true);
      return `Road warrior "${result.name}" created`;
    },
  });
  return { ...review, input };
}

type Review = ReturnType<typeof useReview>;

/** Step 7: what Finish will do. */
function ReviewStep({ draft, review, links }: { draft: RwDraft; review: Review; links: FieldLink }) {
  const { input, state, loading } = review;
  const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));
  const summary: [string, string][] = [
    [
      'Authentication',
      AUTH_LABELS[draft.auth] +
        (draft.auth === 'eap-mschapv2'
          ? ` · users: ${(input.users ?? []).map((u) => u.name).join(', ')}`
          : draft.auth === 'certificate'
            ? ` · certificates: ${list(input.clientCertificates)}`
            : ''),
    ],
    [
      'Server',
      `${input.serverAddress} · ${draft.keyType === 'rsa' ? 'RSA 2048' : 'ECDSA P-256'} · names ${input.name}-*`,
    ],
    ['Address pool', list(input.pool)],
    ['DNS', input.dns === 'system' ? 'this router (system-dns)' : list(input.dns) || 'none'],
    ['Tunnel', draft.tunnel === 'full' ? 'full tunnel (0.0.0.0/0)' : `split: ${list(input.splitNetworks)}`],
    ['Platforms', draft.clients.join(', ')],
  ];
  return (
    <>
      <StepIntro title="7. Review">
        Nothing has been changed yet. Finish creates all of this at once (one revision: Undo takes it back) and then
        offers the client profiles.
      </StepIntro>
      <ReviewBody
        loading={loading}
        error={state.error}
        problems={state.problems}
        objects={state.objects}
        warnings={state.warnings}
        links={links}
        summary={summary}
      />
    </>
  );
}

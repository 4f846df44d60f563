// Wizards > Road Warrior: a stepper over the draft (#/wizard/road-warrior/<step>), checked step by
// step with the schema's zod step schemas; Review asks the agent for a preview (nothing stored),
// Finish creates everything in one transaction, then the downloads panel
// (#/wizard/road-warrior/done/<name>) links every client profile. Cancel drops the draft: nothing
// was sent. Groups write and full only (read users see no menu entry and no Finish).
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Box, Button, CircularProgress, Step, StepButton, Stepper, Typography, useMediaQuery, useTheme } from '@mui/material';
import type { WizardFinishResult, WizardObject, WizardWarning } from '@ipsec/schema';
import { issuesOf, messageOf } from '../api/trpc.ts';
import { useDialogs } from '../shell/dialogs.tsx';
import { navigate } from '../shell/route.ts';
import { useSession } from '../shell/session.ts';
import { Window } from '../shell/Window.tsx';
import { finishRoadWarrior, previewRoadWarrior, profilesOf } from './api.ts';
import { DownloadsPanel } from './Downloads.tsx';
import { RW_STEPS, dropRwDraft, firstInvalidStep, loadRwDraft, saveRwDraft, stepOfField, toInput, type Errors, type RwDraft } from './draft.ts';
import { ReviewBody, type Problem } from './Review.tsx';
import { AUTH_LABELS, AuthStep, ClientsStep, DnsStep, NetworksStep, PoolStep, ServerStep, type StepProps } from './RwSteps.tsx';
import { SiteToSiteWizard } from './SiteToSite.tsx';
import { StepIntro } from './widgets.tsx';

export const WIZARD_MODES = [
  { slug: 'road-warrior', title: 'Road Warrior Wizard' },
  { slug: 'site-to-site', title: 'Site to Site Wizard' },
] as const;

export function WizardWindow({ mode, route }: { mode: string; route: string[] }) {
  const { canWrite } = useSession();
  const title = WIZARD_MODES.find((m) => m.slug === mode)?.title ?? 'Wizard';
  if (!canWrite) {
    return (
      <Window title={title}>
        <Alert severity="info" sx={{ m: 1 }}>The wizards create configuration: they need group write or full.</Alert>
      </Window>
    );
  }
  return mode === 'site-to-site' ? <SiteToSiteWizard route={route} /> : <RoadWarriorWizard route={route} />;
}

const BASE = '/wizard/road-warrior';
const STEP_VIEWS: ((p: StepProps) => React.ReactNode)[] = [AuthStep, ServerStep, PoolStep, DnsStep, NetworksStep, ClientsStep];
const REVIEW = RW_STEPS.length - 1;

/** The last finished wizard's downloads, shown without asking again. */
let lastResult: WizardFinishResult | null = null;

function RoadWarriorWizard({ route }: { route: string[] }) {
  return route[0] === 'done' ? <Done name={route[1] ?? ''} /> : <RoadWarriorSteps route={route} />;
}

function RoadWarriorSteps({ route }: { route: string[] }) {
  const { confirm } = useDialogs();
  const [draft, setDraft] = useState<RwDraft>(loadRwDraft);
  const [attempted, setAttempted] = useState<Set<number>>(() => new Set());
  /** The agent's issues from the last preview/finish, by wizard field; dropped when the draft changes. */
  const [agentErrors, setAgentErrors] = useState<Errors>({});
  const body = useRef<HTMLDivElement>(null);

  const set = (patch: Partial<RwDraft>) => {
    setDraft((d) => {
      const next = { ...d, ...patch };
      saveRwDraft(next);
      return next;
    });
    setAgentErrors({});
  };

  const asked = RW_STEPS.findIndex((s) => s.slug === route[0]);
  const reachable = firstInvalidStep(draft);
  const index = asked < 0 ? 0 : Math.min(asked, reachable);
  // The URL names a step this draft cannot be at yet (reload, typed URL): go to the first unfinished one.
  const wrongUrl = asked !== index;
  useEffect(() => {
    if (wrongUrl) navigate(`${BASE}/${RW_STEPS[index]!.slug}`, true);
  }, [wrongUrl, index]);

  const step = RW_STEPS[index]!;
  const localErrors = attempted.has(index) && step.check ? step.check(draft) : {};
  const agentHere = Object.fromEntries(Object.entries(agentErrors).filter(([f]) => stepOfField(f) === index));
  const errors = { ...agentHere, ...localErrors };

  const go = (i: number) => navigate(`${BASE}/${RW_STEPS[i]!.slug}`);
  const review = useReview(draft, index === REVIEW, setAgentErrors);
  const next = () => {
    const errs = step.check?.(draft) ?? {};
    if (Object.keys(errs).length > 0) {
      setAttempted((a) => new Set(a).add(index));
      // after React shows them: focus the first input in error
      setTimeout(() => body.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
      return;
    }
    go(index + 1);
  };
  const cancel = async () => {
    if (!(await confirm('Close the wizard and discard what you entered? Nothing has been changed on the router.', 'Cancel wizard'))) return;
    dropRwDraft();
    navigate('/ip/ipsec/peers');
  };

  return (
    <WizardFrame
      title="Road Warrior Wizard"
      labels={RW_STEPS.map((s) => s.label)}
      index={index}
      reachable={reachable}
      onStep={go}
      bodyRef={body}
      onSubmit={index < REVIEW ? next : undefined}
      footer={(
        <>
          <Button size="small" variant="outlined" onClick={cancel}>Cancel</Button>
          <Box sx={{ flex: 1 }} />
          <Button size="small" variant="outlined" disabled={index === 0} onClick={() => go(index - 1)}>&lt; Back</Button>
          {index < REVIEW ? (
            <Button size="small" variant="contained" type="submit" form="wizard-step">Next &gt;</Button>
          ) : (
            <Button
              size="small"
              variant="contained"
              onClick={review.finish}
              disabled={!review.ready || review.finishing}
              startIcon={review.finishing ? <CircularProgress size={14} color="inherit" /> : undefined}
            >
              Finish
            </Button>
          )}
        </>
      )}
    >
      {index < REVIEW ? (
        STEP_VIEWS[index]!({ draft, set, errors })
      ) : (
        <ReviewStep draft={draft} review={review} goTo={go} />
      )}
    </WizardFrame>
  );
}

/** Window, stepper, scrolling step body (a form: Enter = Next) and the button bar. */
export function WizardFrame({ title, labels, index, reachable, onStep, bodyRef, onSubmit, footer, children }: {
  title: string;
  labels: string[];
  index: number;
  reachable: number;
  onStep: (i: number) => void;
  bodyRef?: React.Ref<HTMLDivElement>;
  onSubmit?: () => void;
  footer: React.ReactNode;
  children: React.ReactNode;
}) {
  const theme = useTheme();
  const narrow = useMediaQuery(theme.breakpoints.down('lg'));
  return (
    <Window title={title}>
      <Box sx={{ px: 1, py: 1, borderBottom: 1, borderColor: 'divider', overflowX: 'auto' }}>
        <Stepper nonLinear activeStep={index} alternativeLabel={narrow} aria-label="Wizard steps" sx={{ minWidth: narrow ? 560 : 0, '& .MuiStepLabel-label': { fontSize: 12, mt: narrow ? '4px !important' : undefined } }}>
          {labels.map((label, i) => (
            <Step key={label} completed={i < index} disabled={i > reachable}>
              <StepButton onClick={() => onStep(i)} aria-current={i === index ? 'step' : undefined} sx={{ py: 0.5, my: -0.5 }}>
                {label}
              </StepButton>
            </Step>
          ))}
        </Stepper>
      </Box>
      <Box
        ref={bodyRef}
        component="form"
        id="wizard-step"
        noValidate
        autoComplete="off"
        onSubmit={(e: React.FormEvent) => {
          e.preventDefault();
          onSubmit?.();
        }}
        sx={{ flex: 1, minHeight: 0, overflow: 'auto', px: 2, py: 1.5 }}
      >
        {children}
      </Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', px: 1, py: 0.75, borderTop: 1, borderColor: 'divider', bgcolor: 'action.hover' }}>{footer}</Box>
    </Window>
  );
}

interface ReviewState {
  key: string;
  objects: WizardObject[] | null;
  warnings: WizardWarning[];
  problems: Problem[];
  error: string | null;
}

/** The agent's preview of the draft while the review step shows (again after each change), and Finish. */
function useReview(draft: RwDraft, active: boolean, onAgentErrors: (e: Errors) => void) {
  const { notify } = useDialogs();
  const input = useMemo(() => toInput(draft), [draft]);
  const key = JSON.stringify(input);
  const [state, setState] = useState<ReviewState>({ key: '', objects: null, warnings: [], problems: [], error: null });
  const [finishing, setFinishing] = useState(false);

  /** The agent's refusal: issues on wizard fields (shown in the review and on their steps), or a message. */
  const refused = (e: unknown) => {
    const problems = issuesOf(e).map((i) => ({ field: i.field ?? '', message: i.message }));
    const byField: Errors = {};
    for (const p of problems) if (p.field && !(p.field in byField)) byField[p.field] = p.message;
    onAgentErrors(byField);
    return { problems, error: problems.length ? null : messageOf(e) };
  };

  useEffect(() => {
    if (!active) return;
    let stale = false;
    previewRoadWarrior(input).then(
      (p) => !stale && setState({ key, objects: p.objects, warnings: p.warnings, problems: [], error: null }),
      (e: unknown) => !stale && setState({ key, objects: null, warnings: [], ...refused(e) }),
    );
    return () => {
      stale = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, active]);

  const finish = async () => {
    setFinishing(true);
    try {
      const result = await finishRoadWarrior(input);
      lastResult = result;
      dropRwDraft();
      notify(`Road warrior "${result.name}" created`, 'success');
      navigate(`${BASE}/done/${encodeURIComponent(result.name)}`, true);
    } catch (e) {
      setState((s) => ({ ...s, ...refused(e) }));
    } finally {
      setFinishing(false);
    }
  };

  const loading = state.key !== key;
  return { input, state, loading, finishing, finish, ready: !loading && state.problems.length === 0 && state.error === null };
}

type Review = ReturnType<typeof useReview>;

/** Step 7: what Finish will do. */
function ReviewStep({ draft, review, goTo }: { draft: RwDraft; review: Review; goTo: (step: number) => void }) {
  const { input, state, loading } = review;
  const links = {
    stepLabel: (field: string) => {
      const i = stepOfField(field);
      return i >= 0 ? `${i + 1}. ${RW_STEPS[i]!.label}` : undefined;
    },
    goTo: (field: string) => {
      const i = stepOfField(field);
      if (i >= 0) goTo(i);
    },
  };
  const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));
  const summary: [string, string][] = [
    [
      'Authentication',
      AUTH_LABELS[draft.auth] +
        (draft.auth === 'eap-mschapv2' ? ` · users: ${(input.users ?? []).map((u) => u.name).join(', ')}` : draft.auth === 'certificate' ? ` · certificates: ${list(input.clientCertificates)}` : ''),
    ],
    ['Server', `${input.serverAddress} · ${draft.keyType === 'rsa' ? 'RSA 2048' : 'ECDSA P-256'} · names ${input.name}-*`],
    ['Address pool', list(input.pool)],
    ['DNS', input.dns === 'system' ? 'this router (system-dns)' : list(input.dns) || 'none'],
    ['Tunnel', draft.tunnel === 'full' ? 'full tunnel (0.0.0.0/0)' : `split: ${list(input.splitNetworks)}`],
    ['Platforms', draft.clients.join(', ')],
  ];
  return (
    <>
      <StepIntro title="7. Review">
        Nothing has been changed yet. Finish creates all of this at once (one revision: Undo takes it back) and then offers the client profiles.
      </StepIntro>
      <ReviewBody loading={loading} error={state.error} problems={state.problems} objects={state.objects} warnings={state.warnings} links={links} summary={summary} />
    </>
  );
}

/** After Finish: the profiles of wizard `name` (from Finish, or asked again after a reload). */
function Done({ name }: { name: string }) {
  const { isFull } = useSession();
  const [result, setResult] = useState<WizardFinishResult | null>(lastResult?.name === name ? lastResult : null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (result) return;
    profilesOf(name).then(setResult, (e: unknown) => setError(messageOf(e)));
  }, [name, result]);
  return (
    <Window title="Road Warrior Wizard">
      <Box sx={{ flex: 1, minHeight: 0, overflow: 'auto', px: 2, py: 1.5 }}>
        <Typography component="h2" variant="subtitle1" sx={{ fontWeight: 600, fontSize: 15 }}>Road warrior “{name}” is set up</Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5, maxWidth: 760 }}>
          Give each client its profile. The CA certificate (.pem) lets clients check the router; files with a key (.p12) are protected by the export passphrase.
        </Typography>
        {error ? <Alert severity="error">{error}</Alert> : null}
        {!result && !error ? <CircularProgress size={20} /> : null}
        {result ? (
          <DownloadsPanel
            result={result}
            isFull={isFull}
            where={[
              ['IPsec Peers', '/ip/ipsec/peers'],
              ['Identities', '/ip/ipsec/identities'],
              ['Mode Configs', '/ip/ipsec/mode-configs'],
              ['Policies', '/ip/ipsec/policies'],
              ['IPsec Users', '/ip/ipsec/users'],
              ['IP Pool', '/ip/pool'],
              ['Certificates', '/system/certificates'],
            ]}
          />
        ) : null}
      </Box>
      <Box sx={{ display: 'flex', gap: 1, px: 1, py: 0.75, borderTop: 1, borderColor: 'divider', bgcolor: 'action.hover' }}>
        <Box sx={{ flex: 1 }} />
        <Button size="small" variant="outlined" onClick={() => navigate(`${BASE}/authentication`)}>New road warrior…</Button>
        <Button size="small" variant="contained" onClick={() => navigate('/ip/ipsec/peers')}>Close</Button>
      </Box>
    </Window>
  );
}

// The review step: what Finish will create, grouped by menu with each object's values (secrets
// masked), the agent's issues (a refused plan: fix them first) and the client compatibility
// warnings with their fix. It only previews: nothing is stored before Finish.
import { useEffect, useState } from 'react';
import { Alert, AlertTitle, Box, Chip, CircularProgress, Link, Typography } from '@mui/material';
import {
  SECRET_PLACEHOLDER,
  WIZARD_CLIENT_LABELS,
  getMenu,
  type WizardFinishResult,
  type WizardObject,
  type WizardPreview,
  type WizardWarning,
} from '@ipsec/schema';
import { issuesOf, messageOf } from '../api/trpc.ts';
import { printCell } from '../fields/format.ts';
import { useDialogs } from '../shell/dialogs.tsx';
import type { Errors } from './draft.ts';

export interface Problem {
  field: string;
  message: string;
}

/** RouterOS text of one planned value; secrets are never shown. */
export function printValue(menu: string, prop: string, value: unknown): string {
  const field = getMenu(menu)?.fields[prop];
  if (field?.meta.secret) return SECRET_PLACEHOLDER;
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean' && (!field || field.kind === 'bool')) return value ? 'yes' : 'no';
  if (Array.isArray(value) && value.length === 0) return '""';
  const text = printCell(field, value);
  return text === '' ? '""' : text;
}

/** "IP > IPsec > Peers", "System > Certificates", "IP > Pool": where to find it afterwards. */
export function menuPlace(menu: string): string {
  const m = getMenu(menu);
  if (!m) return menu;
  if (m.path.startsWith('ip/ipsec')) return `IP > IPsec > ${m.title}`;
  if (m.path === 'certificate') return `System > ${m.title}`;
  if (m.path === 'ip/pool') return 'IP > Pool';
  return m.title;
}

function groupByMenu(objects: WizardObject[]): [string, WizardObject[]][] {
  const groups = new Map<string, WizardObject[]>();
  for (const o of objects) groups.set(o.menu, [...(groups.get(o.menu) ?? []), o]);
  return [...groups];
}

/** What a fix is about: the step that holds the field, to go and change it. */
export interface FieldLink {
  stepLabel: (field: string) => string | undefined;
  goTo: (field: string) => void;
}

export function ReviewBody({
  loading,
  error,
  problems,
  objects,
  warnings,
  links,
  summary,
  warningsTitle = 'Compatibility warnings',
}: {
  loading: boolean;
  error: string | null;
  problems: Problem[];
  objects: WizardObject[] | null;
  warnings: WizardWarning[];
  links: FieldLink;
  summary: [string, string][];
  warningsTitle?: string;
}) {
  const change = (field: string) => {
    const label = links.stepLabel(field);
    return label ? (
      <Link
        component="button"
        type="button"
        variant="body2"
        onClick={() => links.goTo(field)}
        sx={{ ml: 0.5, verticalAlign: 'baseline' }}
      >
        Change in {label}
      </Link>
    ) : null;
  };
  return (
    <Box>
      <Box
        component="dl"
        sx={{
          display: 'grid',
          gridTemplateColumns: { xs: '120px 1fr', md: '170px 1fr' },
          columnGap: 1.5,
          rowGap: 0.25,
          m: 0,
          mb: 1.5,
          maxWidth: 760,
        }}
        aria-label="Summary"
      >
        {summary.map(([k, v]) => (
          <Box key={k} sx={{ display: 'contents' }}>
            <Typography component="dt" variant="body2" color="text.secondary" sx={{ textAlign: 'right' }}>
              {k}:
            </Typography>
            <Typography component="dd" variant="body2" sx={{ m: 0, wordBreak: 'break-word' }}>
              {v}
            </Typography>
          </Box>
        ))}
      </Box>

      {error ? (
        <Alert severity="error" sx={{ mb: 1 }}>
          {error}
        </Alert>
      ) : null}
      {problems.length ? (
        <Alert severity="error" sx={{ mb: 1 }} role="alert" data-testid="wizard-problems">
          <AlertTitle sx={{ fontSize: 13, mb: 0.25 }}>Finish would be refused: fix these first</AlertTitle>
          {problems.map((p, i) => (
            <Box key={i} sx={{ fontSize: 13 }}>
              {p.field ? <b>{p.field}: </b> : null}
              {p.message}
              {change(p.field)}
            </Box>
          ))}
        </Alert>
      ) : null}

      {warnings.length ? (
        <Box component="section" aria-label={warningsTitle} sx={{ mb: 1.5 }}>
          <Typography component="h3" variant="body2" sx={{ fontWeight: 600, mb: 0.5 }}>
            {warningsTitle} ({warnings.length})
          </Typography>
          {warnings.map((w, i) => (
            <Alert
              key={i}
              severity="warning"
              sx={{ mb: 0.5, py: 0, '& .MuiAlert-message': { py: '6px' } }}
              data-testid="wizard-warning"
            >
              <Box sx={{ fontSize: 13 }}>
                <Chip
                  size="small"
                  label={w.client === 'all' ? 'All clients' : WIZARD_CLIENT_LABELS[w.client]}
                  sx={{ height: 18, fontSize: 11, mr: 0.75 }}
                />
                {w.message}
              </Box>
              <Box sx={{ fontSize: 13, mt: 0.25 }}>
                <b>Fix:</b> {w.fix}
                {change(w.field)}
              </Box>
            </Alert>
          ))}
        </Box>
      ) : null}

      <Typography component="h3" variant="body2" sx={{ fontWeight: 600, mb: 0.5 }}>
        Objects Finish will create{objects ? ` (${objects.length})` : ''}
      </Typography>
      {loading && !objects ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, color: 'text.secondary' }}>
          <CircularProgress size={16} /> <Typography variant="body2">Asking the router for a preview…</Typography>
        </Box>
      ) : null}
      {objects
        ? groupByMenu(objects).map(([menu, list]) => (
            <Box
              key={menu}
              component="section"
              aria-label={menuPlace(menu)}
              sx={{ mb: 1, border: 1, borderColor: 'divider', borderRadius: 1, overflow: 'hidden' }}
            >
              <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1, px: 1, py: 0.25, bgcolor: 'action.hover' }}>
                <Typography component="h4" variant="body2" sx={{ fontWeight: 600 }}>
                  {menuPlace(menu)}
                </Typography>
                <Typography variant="caption" color="text.secondary">
                  /{(getMenu(menu)?.path ?? menu).replace(/\//g, ' ')} · {list.length} new
                </Typography>
              </Box>
              {list.map((o, i) => (
                <Box
                  key={i}
                  data-testid="wizard-object"
                  data-menu={menu}
                  sx={{
                    px: 1,
                    py: 0.4,
                    borderTop: i ? 1 : 0,
                    borderColor: 'divider',
                    fontFamily: 'monospace',
                    fontSize: 12,
                    lineHeight: 1.6,
                    wordBreak: 'break-word',
                  }}
                >
                  <Box component="span" sx={{ color: 'text.secondary' }}>
                    add{' '}
                  </Box>
                  {Object.entries(o.values).map(([k, v]) => (
                    <Box
                      component="span"
                      key={k}
                      sx={{
                        mr: 1,
                        whiteSpace: 'nowrap',
                        display: 'inline-block',
                        maxWidth: '100%',
                        overflow: 'hidden',
                        textOverflow: 'ellipsis',
                        verticalAlign: 'bottom',
                      }}
                      title={`${k}=${printValue(menu, k, v)}`}
                    >
                      <Box component="span" sx={{ color: 'primary.main' }}>
                        {k}
                      </Box>
                      ={printValue(menu, k, v)}
                    </Box>
                  ))}
                  {o.note ? (
                    <Box component="span" sx={{ color: 'text.secondary', fontFamily: 'inherit', fontStyle: 'italic' }}>
                      ({o.note})
                    </Box>
                  ) : null}
                </Box>
              ))}
            </Box>
          ))
        : null}
    </Box>
  );
}

interface ReviewState {
  key: string;
  objects: WizardObject[] | null;
  warnings: WizardWarning[];
  problems: Problem[];
  error: string | null;
}

/**
 * The agent's preview of `input` while the review step shows (asked again when the input changed),
 * and Finish. The agent's issues name wizard fields: they go to `onAgentErrors` for their steps.
 */
export function useWizardReview<I>({
  input,
  active,
  preview,
  finish,
  onAgentErrors,
  onFinished,
}: {
  input: I;
  active: boolean;
  preview: (input: I) => Promise<WizardPreview>;
  finish: (input: I) => Promise<WizardFinishResult>;
  onAgentErrors: (e: Errors) => void;
  /** Returns the notice to show. */
  onFinished: (result: WizardFinishResult) => string;
}) {
  const { notify } = useDialogs();
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
    preview(input).then(
      (p) => !stale && setState({ key, objects: p.objects, warnings: p.warnings, problems: [], error: null }),
      (e: unknown) => !stale && setState({ key, objects: null, warnings: [], ...refused(e) }),
    );
    return () => {
      stale = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, active]);

  const run = async () => {
    setFinishing(true);
    try {
      notify(onFinished(await finish(input)), 'success');
    } catch (e) {
      setState((s) => ({ ...s, ...refused(e) }));
    } finally {
      setFinishing(false);
    }
  };

  const loading = state.key !== key;
  return {
    state,
    loading,
    finishing,
    finish: run,
    ready: !loading && state.problems.length === 0 && state.error === null,
  };
}

// The wizards' shared frame (window, stepper, step body as a form, button bar) and the page after
// Finish (downloads of the setup's files, links to its objects).
import { useEffect, useState } from 'react';
import {
  Alert,
  Box,
  Button,
  CircularProgress,
  Step,
  StepButton,
  Stepper,
  Typography,
  useMediaQuery,
  useTheme,
} from '@mui/material';
import type { WizardFinishResult } from '@ipsec/schema';
import { messageOf } from '../api/trpc.ts';
import { navigate } from '../shell/route.ts';
import { useDialogs } from '../shell/dialogs.tsx';
import { useSession } from '../shell/session.ts';
import { Window } from '../shell/Window.tsx';
import { profilesOf } from './api.ts';
import { DownloadsPanel } from './Downloads.tsx';

/** The review step's Finish: enabled once the preview came back clean, spinning while the batch runs. */
export interface FinishState {
  ready: boolean;
  finishing: boolean;
  finish: () => void;
}

const CANCEL_QUESTION = 'Close the wizard and discard what you entered? Nothing has been changed on the router.';

/**
 * Window, stepper, scrolling step body (a form: Enter = Next) and the button bar: Cancel (asks, then `onCancel`
 * drops the draft), Back, and Next on the steps or Finish on the last one (the review).
 */
export function WizardFrame({
  title,
  labels,
  index,
  reachable,
  onStep,
  bodyRef,
  onSubmit,
  onCancel,
  review,
  children,
}: {
  title: string;
  labels: string[];
  index: number;
  reachable: number;
  onStep: (i: number) => void;
  bodyRef?: React.Ref<HTMLDivElement>;
  onSubmit?: () => void;
  onCancel: () => void;
  review: FinishState;
  children: React.ReactNode;
}) {
  const { confirm } = useDialogs();
  const last = labels.length - 1;
  const cancel = async () => {
    if (!(await confirm(CANCEL_QUESTION, 'Cancel wizard'))) return;
    onCancel();
    navigate('/ip/ipsec/peers');
  };
  const footer = (
    <>
      <Button size="small" variant="outlined" onClick={cancel}>
        Cancel
      </Button>
      <Box sx={{ flex: 1 }} />
      <Button size="small" variant="outlined" disabled={index === 0} onClick={() => onStep(index - 1)}>
        &lt; Back
      </Button>
      {index < last ? (
        <Button size="small" variant="contained" type="submit" form="wizard-step">
          Next &gt;
        </Button>
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
  );
  const theme = useTheme();
  const narrow = useMediaQuery(theme.breakpoints.down('lg'));
  return (
    <Window title={title}>
      <Box sx={{ px: 1, py: 1, borderBottom: 1, borderColor: 'divider', overflowX: 'auto' }}>
        <Stepper
          nonLinear
          activeStep={index}
          alternativeLabel={narrow}
          aria-label="Wizard steps"
          sx={{
            minWidth: narrow ? 560 : 0,
            '& .MuiStepLabel-label': { fontSize: 12, mt: narrow ? '4px !important' : undefined },
          }}
        >
          {labels.map((label, i) => (
            <Step key={label} completed={i < index} disabled={i > reachable}>
              <StepButton
                onClick={() => onStep(i)}
                aria-current={i === index ? 'step' : undefined}
                sx={{ py: 0.5, my: -0.5 }}
              >
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
      <Box
        sx={{
          display: 'flex',
          gap: 1,
          alignItems: 'center',
          px: 1,
          py: 0.75,
          borderTop: 1,
          borderColor: 'divider',
          bgcolor: 'action.hover',
        }}
      >
        {footer}
      </Box>
    </Window>
  );
}

/** Results of this page's Finishes, shown without asking again ("<mode>/<name>"). */
const finished = new Map<string, WizardFinishResult>();
export const rememberFinish = (mode: string, result: WizardFinishResult) =>
  finished.set(`${mode}/${result.name}`, result);

/** After Finish: the files of setup `name` (from Finish, or asked again after a reload) and where its objects are. */
export function Done({
  mode,
  title,
  heading,
  intro,
  name,
  where,
  again,
  filesTitle,
  allLabel,
}: {
  mode: string;
  title: string;
  heading: string;
  intro: string;
  name: string;
  where: [string, string][];
  again: [string, string];
  filesTitle?: string;
  allLabel?: string;
}) {
  const { isFull } = useSession();
  const [result, setResult] = useState<WizardFinishResult | null>(finished.get(`${mode}/${name}`) ?? null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (result) return;
    profilesOf(name).then(setResult, (e: unknown) => setError(messageOf(e)));
  }, [name, result]);
  return (
    <Window title={title}>
      <Box sx={{ flex: 1, minHeight: 0, overflow: 'auto', px: 2, py: 1.5 }}>
        <Typography component="h2" variant="subtitle1" sx={{ fontWeight: 600, fontSize: 15 }}>
          {heading}
        </Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1.5, maxWidth: 760 }}>
          {intro}
        </Typography>
        {error ? <Alert severity="error">{error}</Alert> : null}
        {!result && !error ? <CircularProgress size={20} /> : null}
        {result ? (
          <DownloadsPanel
            result={result}
            isFull={isFull}
            where={where}
            {...(filesTitle ? { filesTitle } : {})}
            {...(allLabel ? { allLabel } : {})}
          />
        ) : null}
      </Box>
      <Box
        sx={{ display: 'flex', gap: 1, px: 1, py: 0.75, borderTop: 1, borderColor: 'divider', bgcolor: 'action.hover' }}
      >
        <Box sx={{ flex: 1 }} />
        <Button size="small" variant="outlined" onClick={() => navigate(again[1])}>
          {again[0]}
        </Button>
        <Button size="small" variant="contained" onClick={() => navigate('/ip/ipsec/peers')}>
          Close
        </Button>
      </Box>
    </Window>
  );
}

// Promise-based confirm / prompt dialogs and a snackbar for action results and errors.
import { createContext, useCallback, useContext, useRef, useState } from 'react';
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Snackbar,
  TextField,
  Typography,
} from '@mui/material';

interface Api {
  confirm(message: string, title?: string): Promise<boolean>;
  prompt(title: string, initial: string, label?: string): Promise<string | null>;
  notify(message: string, severity?: 'error' | 'success' | 'info' | 'warning'): void;
}

const Ctx = createContext<Api | null>(null);
export function useDialogs(): Api {
  const api = useContext(Ctx);
  if (!api) throw new Error('DialogsProvider missing');
  return api;
}

type Open =
  | { kind: 'confirm'; title: string; message: string; resolve: (ok: boolean) => void }
  | { kind: 'prompt'; title: string; label: string; resolve: (v: string | null) => void };

export function DialogsProvider({ children }: { children: React.ReactNode }) {
  const [open, setOpen] = useState<Open | null>(null);
  const [text, setText] = useState('');
  const [snack, setSnack] = useState<{
    message: string;
    severity: 'error' | 'success' | 'info' | 'warning';
    key: number;
  } | null>(null);
  const keyRef = useRef(0);

  const confirm = useCallback(
    (message: string, title = 'Confirm') =>
      new Promise<boolean>((resolve) => setOpen({ kind: 'confirm', title, message, resolve })),
    [],
  );
  const prompt = useCallback(
    (title: string, initial: string, label = 'Comment') =>
      new Promise<string | null>((resolve) => {
        setText(initial);
        setOpen({ kind: 'prompt', title, label, resolve });
      }),
    [],
  );
  const notify = useCallback(
    (message: string, severity: 'error' | 'success' | 'info' | 'warning' = 'error') =>
      setSnack({ message, severity, key: ++keyRef.current }),
    [],
  );

  const close = (result: boolean) => {
    if (!open) return;
    if (open.kind === 'confirm') open.resolve(result);
    else open.resolve(result ? text : null);
    setOpen(null);
  };

  return (
    <Ctx.Provider value={{ confirm, prompt, notify }}>
      {children}
      <Dialog open={open !== null} onClose={() => close(false)} maxWidth="xs" fullWidth>
        <DialogTitle sx={{ py: 1, fontSize: 15 }}>{open?.title}</DialogTitle>
        <DialogContent dividers>
          {open?.kind === 'confirm' ? (
            <Typography variant="body2">{open.message}</Typography>
          ) : (
            <TextField
              autoFocus
              fullWidth
              size="small"
              label={open?.kind === 'prompt' ? open.label : ''}
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && close(true)}
            />
          )}
        </DialogContent>
        <DialogActions>
          <Button size="small" variant="contained" onClick={() => close(true)} autoFocus={open?.kind === 'confirm'}>
            OK
          </Button>
          <Button size="small" onClick={() => close(false)}>
            Cancel
          </Button>
        </DialogActions>
      </Dialog>
      <Snackbar
        key={snack?.key}
        open={snack !== null}
        autoHideDuration={snack?.severity === 'error' ? 8000 : 3000}
        onClose={() => setSnack(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      >
        <Alert
          severity={snack?.severity ?? 'info'}
          variant="filled"
          onClose={() => setSnack(null)}
          sx={{ maxWidth: 700 }}
        >
          {snack?.message}
        </Alert>
      </Snackbar>
    </Ctx.Provider>
  );
}

// System > Script: download the configuration as a RouterOS export (.rsc; with secrets for group full only), and
// upload a script (a guide's commands, an export from another router) to run as one change. Both go through the
// agent's interpreter.
import { useState } from 'react';
import { Alert, Box, Button, Checkbox, FormControlLabel, Stack, Typography } from '@mui/material';
import DownloadIcon from '@mui/icons-material/Download';
import UploadIcon from '@mui/icons-material/Upload';
import { messageOf, trpc } from '../api/trpc.ts';
import { useSession } from '../shell/session.ts';
import { Window } from '../shell/Window.tsx';
import { exportCommand } from './terminal.ts';

type Outcome = { severity: 'success' | 'error' | 'info'; text: string; warnings: string[] };

export function ScriptWindow() {
  const { canWrite, isFull } = useSession();
  const [showSensitive, setShowSensitive] = useState(false);
  const [verbose, setVerbose] = useState(false);
  const [skipUnknown, setSkipUnknown] = useState(true);
  const [dryRun, setDryRun] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const download = async () => {
    try {
      const r = await trpc().script.run.mutate({ script: exportCommand({ showSensitive, verbose }) });
      if (!r.ok) return setOutcome({ severity: 'error', text: r.message, warnings: [] });
      const url = URL.createObjectURL(new Blob([r.output], { type: 'text/plain' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'export.rsc';
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      setOutcome({ severity: 'error', text: messageOf(e), warnings: [] });
    }
  };

  const upload = async (file: File) => {
    try {
      const script = await file.text();
      const r = await trpc().script.run.mutate({ script, skipUnknownMenus: skipUnknown, dryRun });
      if (!r.ok)
        return setOutcome({ severity: 'error', text: `${file.name}: ${r.message}; nothing was stored`, warnings: [] });
      setOutcome({
        severity: r.rev === undefined ? 'info' : 'success',
        text: dryRun
          ? `${file.name}: checked, nothing stored (dry run)`
          : r.rev === undefined
            ? `${file.name}: ran, nothing changed`
            : `${file.name}: stored as revision ${r.rev} (Undo takes it back)`,
        warnings: r.warnings,
      });
    } catch (e) {
      setOutcome({ severity: 'error', text: messageOf(e), warnings: [] });
    }
  };

  return (
    <Window title="Script">
      <Stack spacing={2} sx={{ p: 2, overflow: 'auto' }}>
        <Box>
          <Typography variant="subtitle2">Export</Typography>
          <FormControlLabel
            control={<Checkbox checked={verbose} onChange={(e) => setVerbose(e.target.checked)} />}
            label="Verbose (every value, not only changed ones)"
          />
          {isFull && (
            <FormControlLabel
              control={<Checkbox checked={showSensitive} onChange={(e) => setShowSensitive(e.target.checked)} />}
              label="Show sensitive (secrets and private keys in the file; audited)"
            />
          )}
          <Box>
            <Button variant="contained" size="small" startIcon={<DownloadIcon />} onClick={() => void download()}>
              Download export.rsc
            </Button>
          </Box>
        </Box>
        {canWrite && (
          <Box>
            <Typography variant="subtitle2">Import a script</Typography>
            <FormControlLabel
              control={<Checkbox checked={skipUnknown} onChange={(e) => setSkipUnknown(e.target.checked)} />}
              label="Skip commands on menus this agent does not have (firewall, interfaces...), with a warning each"
            />
            <FormControlLabel
              control={<Checkbox checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />}
              label="Dry run (check only, store nothing)"
            />
            <Box>
              <Button variant="outlined" size="small" component="label" startIcon={<UploadIcon />}>
                Upload .rsc
                <input
                  hidden
                  type="file"
                  accept=".rsc,.txt,text/plain"
                  data-testid="script-upload"
                  onChange={(e) => {
                    const f = e.target.files?.[0];
                    e.target.value = '';
                    if (f) void upload(f);
                  }}
                />
              </Button>
            </Box>
          </Box>
        )}
        {outcome && (
          <Alert severity={outcome.severity} data-testid="script-outcome">
            {outcome.text}
            {outcome.warnings.map((w) => (
              <div key={w}>{w}</div>
            ))}
          </Alert>
        )}
      </Stack>
    </Window>
  );
}

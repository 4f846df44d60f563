// System > Certificates (RouterOS /certificate): the generic table and entry dialog from the schema,
// plus the menu's commands: Import (PEM or PKCS#12 file), Sign (with a CA here, or self-signed) and,
// for group full, Export (PEM, passphrase-encrypted key, PKCS#12) as a file download.
// Routes: #/system/certificates, .../new, .../copy-3, .../3 (the entry dialog).
import { useState } from 'react';
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  Select,
  TextField,
} from '@mui/material';
import ImportIcon from '@mui/icons-material/FileUpload';
import SignIcon from '@mui/icons-material/Draw';
import ExportIcon from '@mui/icons-material/FileDownload';
import { configMenu, useMenuItems, type ApiEntry } from '../api/config.ts';
import { messageOf, trpc, type RouterOutputs } from '../api/trpc.ts';
import { FieldRow } from '../fields/FieldInput.tsx';
import { ConfigTable, Tool } from '../ipsec/ConfigTable.tsx';
import { RoutedEntryDialog } from '../ipsec/EntryDialog.tsx';
import { useDialogs } from '../shell/dialogs.tsx';
import { useSession } from '../shell/session.ts';
import { Window } from '../shell/Window.tsx';

const BASE = '/system/certificates';
const menu = configMenu('certificate');

type Open = { kind: 'sign'; cert: ApiEntry } | { kind: 'export'; cert: ApiEntry } | { kind: 'import' } | null;

export function CertificatesWindow({ route }: { route: string[] }) {
  const { canWrite, isFull } = useSession();
  const [open, setOpen] = useState<Open>(null);

  return (
    <Window title="Certificates">
      <ConfigTable
        menu={menu}
        basePath={BASE}
        tools={(selected) => (
          <>
            {canWrite ? (
              <Tool title="Import" onClick={() => setOpen({ kind: 'import' })}>
                <ImportIcon fontSize="small" />
              </Tool>
            ) : null}
            {canWrite ? (
              <Tool
                title="Sign"
                disabled={selected.length !== 1 || selected[0]!['private-key'] !== true}
                onClick={() => setOpen({ kind: 'sign', cert: selected[0]! })}
              >
                <SignIcon fontSize="small" />
              </Tool>
            ) : null}
            {isFull ? (
              <Tool
                title="Export"
                disabled={selected.length !== 1}
                onClick={() => setOpen({ kind: 'export', cert: selected[0]! })}
              >
                <ExportIcon fontSize="small" />
              </Tool>
            ) : null}
          </>
        )}
      />
      <RoutedEntryDialog menu={menu} base={BASE} item={route[0]} />
      {open?.kind === 'sign' ? <SignDialog cert={open.cert} onClose={() => setOpen(null)} /> : null}
      {open?.kind === 'export' ? <ExportDialog cert={open.cert} onClose={() => setOpen(null)} /> : null}
      {open?.kind === 'import' ? <ImportDialog onClose={() => setOpen(null)} /> : null}
    </Window>
  );
}

/**
 * A dialog's command: busy while it runs; on success a notice and the dialog closes, on failure
 * the agent's message (naming the field) stays in the dialog.
 */
function useCommand(onClose: () => void, run: () => Promise<string>) {
  const { notify } = useDialogs();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    setBusy(true);
    try {
      notify(await run(), 'success');
      onClose();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, start };
}

function Frame({
  title,
  error,
  children,
  onOk,
  okLabel = 'OK',
  busy,
  onClose,
}: {
  title: string;
  error: string | null;
  children: React.ReactNode;
  onOk: () => void;
  okLabel?: string;
  busy?: boolean;
  onClose: () => void;
}) {
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth>
      <DialogTitle sx={{ py: 0.75, fontSize: 14, fontWeight: 600, bgcolor: 'action.hover' }}>{title}</DialogTitle>
      <DialogContent sx={{ pt: '12px !important' }}>
        {error ? (
          <Alert severity="error" sx={{ mb: 1, py: 0 }}>
            {error}
          </Alert>
        ) : null}
        {children}
      </DialogContent>
      <DialogActions>
        <Button size="small" variant="contained" onClick={onOk} disabled={busy}>
          {okLabel}
        </Button>
        <Button size="small" variant="outlined" onClick={onClose}>
          Cancel
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** RouterOS `sign <cert> ca=<ca>`: the CAs here that hold their key, or self-signed. */
function SignDialog({ cert, onClose }: { cert: ApiEntry; onClose: () => void }) {
  const cas = (useMenuItems('certificate').data?.items ?? []).filter(
    (e) => e.ca === true && e['private-key'] === true && e.id !== cert.id,
  );
  const [ca, setCa] = useState<string>(cas[0] ? String(cas[0].name) : '');
  const {
    busy,
    error,
    start: sign,
  } = useCommand(onClose, async () => {
    await trpc().config.signCertificate.mutate({ id: cert.id, ...(ca ? { ca } : {}) });
    return `Certificate ${String(cert.name)} signed ${ca ? `by ${ca}` : '(self-signed)'}`;
  });
  return (
    <Frame title={`Sign <${String(cert.name)}>`} error={error} onOk={sign} okLabel="Sign" busy={busy} onClose={onClose}>
      <FieldRow
        label="CA"
        help="The certificate authority that signs it (a CA here with its private key); none = self-signed."
      >
        <Select
          size="small"
          fullWidth
          value={ca}
          displayEmpty
          onChange={(e) => setCa(e.target.value)}
          inputProps={{ 'aria-label': 'CA' }}
        >
          <MenuItem value="" dense>
            (self-signed)
          </MenuItem>
          {cas.map((c) => (
            <MenuItem key={c.id} value={String(c.name)} dense>
              {String(c.name)}
            </MenuItem>
          ))}
        </Select>
      </FieldRow>
    </Frame>
  );
}

/** Downloads `files` from an export (text or base64) in the browser. */
function download(files: RouterOutputs['config']['exportCertificate']['files']): void {
  for (const f of files) {
    const data = f.encoding === 'base64' ? Uint8Array.from(atob(f.content), (c) => c.charCodeAt(0)) : f.content;
    const url = URL.createObjectURL(
      new Blob([data], { type: f.encoding === 'base64' ? 'application/x-pkcs12' : 'application/x-pem-file' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = f.name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** RouterOS `export-certificate <cert> type=pem|pkcs12 export-passphrase=...` (group full; audited). */
function ExportDialog({ cert, onClose }: { cert: ApiEntry; onClose: () => void }) {
  const [type, setType] = useState<'pem' | 'pkcs12'>('pem');
  const [passphrase, setPassphrase] = useState('');
  const hasKey = cert['private-key'] === true;
  const {
    busy,
    error,
    start: run,
  } = useCommand(onClose, async () => {
    const out = await trpc().config.exportCertificate.mutate({ id: cert.id, type, passphrase });
    download(out.files);
    return `Exported ${out.files.map((f) => f.name).join(', ')}`;
  });
  return (
    <Frame
      title={`Export <${String(cert.name)}>`}
      error={error}
      onOk={run}
      okLabel="Export"
      busy={busy}
      onClose={onClose}
    >
      <FieldRow
        label="Type"
        help="pem: the certificate (.crt), and with a passphrase its encrypted key (.key); pkcs12: certificate, key and CA in one .p12."
      >
        <Select
          size="small"
          fullWidth
          value={type}
          onChange={(e) => setType(e.target.value as 'pem' | 'pkcs12')}
          inputProps={{ 'aria-label': 'Type' }}
        >
          <MenuItem value="pem" dense>
            pem
          </MenuItem>
          <MenuItem value="pkcs12" dense>
            pkcs12
          </MenuItem>
        </Select>
      </FieldRow>
      <FieldRow
        label="Export Passphrase"
        help={
          hasKey
            ? 'Encrypts the private key. Empty with pem: the certificate only. Required for pkcs12.'
            : 'This entry has no private key; required for pkcs12.'
        }
      >
        <TextField
          size="small"
          fullWidth
          type="password"
          autoComplete="new-password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          slotProps={{ htmlInput: { 'aria-label': 'Export Passphrase' } }}
        />
      </FieldRow>
    </Frame>
  );
}

/** RouterOS `/certificate import`: a PEM (certificates, key) or PKCS#12 file, or pasted PEM. */
function ImportDialog({ onClose }: { onClose: () => void }) {
  const [name, setName] = useState('');
  const [content, setContent] = useState('');
  const [fileName, setFileName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const pick = async (f: File | undefined) => {
    if (!f) return;
    const bytes = new Uint8Array(await f.arrayBuffer());
    const asText = new TextDecoder().decode(bytes);
    // PEM as text; anything else (PKCS#12) as base64.
    setContent(
      asText.includes('-----BEGIN') ? asText : btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join('')),
    );
    setFileName(f.name);
    if (!name) setName(f.name.replace(/\.(p12|pfx|pem|crt|cer|key)$/i, ''));
  };
  const {
    busy,
    error,
    start: run,
  } = useCommand(onClose, async () => {
    const added = await trpc().config.importCertificate.mutate({
      name: name || 'import',
      content,
      ...(passphrase ? { passphrase } : {}),
    });
    return `Imported ${added.map((e) => String(e.name)).join(', ') || 'nothing new'}`;
  });
  return (
    <Frame
      title="Import Certificate"
      error={error}
      onOk={run}
      okLabel="Import"
      busy={busy || content.trim() === ''}
      onClose={onClose}
    >
      <FieldRow label="File" help="A .p12/.pfx bundle, or PEM (.crt, .pem, .key).">
        <Button size="small" variant="outlined" component="label" sx={{ textTransform: 'none' }}>
          {fileName || 'Choose file…'}
          <input
            hidden
            type="file"
            accept=".p12,.pfx,.pem,.crt,.cer,.key"
            onChange={(e) => void pick(e.target.files?.[0])}
            aria-label="File"
          />
        </Button>
      </FieldRow>
      <FieldRow label="PEM" help="Or paste PEM text: certificates and/or a private key.">
        <TextField
          size="small"
          fullWidth
          multiline
          minRows={3}
          maxRows={8}
          value={content.includes('-----BEGIN') || content === '' ? content : '(binary file)'}
          disabled={content !== '' && !content.includes('-----BEGIN')}
          onChange={(e) => setContent(e.target.value)}
          slotProps={{
            htmlInput: { 'aria-label': 'PEM', spellCheck: false, style: { fontFamily: 'monospace', fontSize: 11 } },
          }}
        />
      </FieldRow>
      <FieldRow label="Name" help="Name of the imported certificate; further ones get _1, _2…" required>
        <TextField
          size="small"
          fullWidth
          value={name}
          onChange={(e) => setName(e.target.value)}
          slotProps={{ htmlInput: { 'aria-label': 'Name' } }}
        />
      </FieldRow>
      <FieldRow label="Passphrase" help="Of the PKCS#12 file or the encrypted key.">
        <TextField
          size="small"
          fullWidth
          type="password"
          autoComplete="off"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          slotProps={{ htmlInput: { 'aria-label': 'Passphrase' } }}
        />
      </FieldRow>
    </Frame>
  );
}

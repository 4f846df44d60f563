// After Finish: one download link per client profile, grouped by platform (GET with the session
// cookie; files with a private key can be given an export passphrase here), and links to where
// the created objects are.
import { useState } from 'react';
import { Alert, Box, Button, Link, Typography } from '@mui/material';
import DownloadIcon from '@mui/icons-material/Download';
import KeyIcon from '@mui/icons-material/Key';
import {
  WIZARD_CLIENTS,
  WIZARD_CLIENT_LABELS,
  WIZARD_PASSPHRASE_MIN,
  type WizardFinishResult,
  type WizardProfileFile,
} from '@ipsec/schema';
import { useDialogs } from '../shell/dialogs.tsx';
import { navigate } from '../shell/route.ts';
import { downloadFile } from './api.ts';
import { Secret } from './widgets.tsx';

const ORDER: WizardProfileFile['client'][] = ['all', ...WIZARD_CLIENTS];
export function DownloadsPanel({
  result,
  isFull,
  where,
  filesTitle = 'Client profiles',
  allLabel = 'Every client',
}: {
  result: WizardFinishResult;
  isFull: boolean;
  /** Heading of the files, and of those for every client (site to site: the other end). */
  filesTitle?: string;
  allLabel?: string;
  /** Windows and tabs where the created objects are: [label, route]. */
  where: [string, string][];
}) {
  const { notify } = useDialogs();
  const clientTitle = (c: WizardProfileFile['client']) => (c === 'all' ? allLabel : WIZARD_CLIENT_LABELS[c]);
  const [passphrase, setPassphrase] = useState('');
  const groups = ORDER.map((c) => [c, result.profiles.filter((p) => p.client === c)] as const).filter(
    ([, list]) => list.length > 0,
  );
  const keyed = result.profiles.some((p) => p.containsKey);
  // A .p12 (and the profiles that embed one) is encrypted with an export passphrase.
  const encrypted = isFull && result.profiles.some((p) => p.containsKey && p.filename.endsWith('.p12'));
  const passphraseError =
    passphrase !== '' && passphrase.length < WIZARD_PASSPHRASE_MIN
      ? `at least ${WIZARD_PASSPHRASE_MIN} characters`
      : undefined;

  const get = async (e: React.MouseEvent, p: WizardProfileFile) => {
    e.preventDefault();
    const done = await downloadFile(
      p.url,
      p.filename,
      p.containsKey && passphrase && !passphraseError ? passphrase : undefined,
    );
    if (!done.ok) notify(done.error);
  };

  return (
    <Box sx={{ maxWidth: 900 }}>
      <Box component="section" aria-label={filesTitle}>
        <Typography component="h3" variant="body2" sx={{ fontWeight: 600, mb: 0.5 }}>
          {filesTitle}
        </Typography>
        {keyed && !isFull ? (
          <Alert severity="info" sx={{ mb: 1, py: 0 }}>
            Files with a private key or the pre-shared key can be downloaded by users of group full only.
          </Alert>
        ) : null}
        {encrypted ? (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1, flexWrap: 'wrap' }}>
            <Typography variant="body2" color="text.secondary">
              Export passphrase for the files with a key:
            </Typography>
            <Box sx={{ width: 240 }}>
              <Secret label="Export passphrase" value={passphrase} onChange={setPassphrase} error={passphraseError} />
            </Box>
            <Typography variant="caption" color={passphraseError ? 'error' : 'text.secondary'}>
              {passphraseError ?? 'empty: the one given in the wizard (remembered for 30 minutes)'}
            </Typography>
          </Box>
        ) : null}
        {groups.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            No files.
          </Typography>
        ) : null}
        <Box
          sx={{
            display: 'grid',
            gridTemplateColumns: { xs: '1fr', md: '210px 1fr' },
            border: 1,
            borderColor: 'divider',
            borderRadius: 1,
            overflow: 'hidden',
          }}
        >
          {groups.map(([client, list], gi) => (
            <Box key={client} sx={{ display: 'contents' }}>
              <Typography
                variant="body2"
                sx={{
                  fontWeight: 600,
                  px: 1,
                  py: 0.5,
                  bgcolor: 'action.hover',
                  borderTop: gi ? 1 : 0,
                  borderColor: 'divider',
                }}
              >
                {clientTitle(client)}
              </Typography>
              <Box
                component="ul"
                aria-label={clientTitle(client)}
                sx={{ listStyle: 'none', m: 0, px: 1, py: 0.5, borderTop: gi ? 1 : 0, borderColor: 'divider' }}
              >
                {list.map((p) => {
                  const blocked = p.containsKey && !isFull;
                  return (
                    <Box
                      component="li"
                      key={p.url}
                      sx={{ display: 'flex', alignItems: 'center', columnGap: 1, py: 0.25, flexWrap: 'wrap' }}
                    >
                      {blocked ? (
                        <Typography
                          variant="body2"
                          color="text.disabled"
                          sx={{ fontFamily: 'monospace', fontSize: 12 }}
                        >
                          {p.filename}
                        </Typography>
                      ) : (
                        <Link
                          href={p.url}
                          download={p.filename}
                          onClick={(e) => void get(e, p)}
                          underline="hover"
                          sx={{
                            display: 'inline-flex',
                            alignItems: 'center',
                            gap: 0.5,
                            fontFamily: 'monospace',
                            fontSize: 12,
                          }}
                        >
                          <DownloadIcon sx={{ fontSize: 16 }} />
                          {p.filename}
                        </Link>
                      )}
                      {p.containsKey ? (
                        <KeyIcon
                          titleAccess="contains a secret (private key or pre-shared key)"
                          sx={{ fontSize: 14, color: 'warning.main' }}
                        />
                      ) : null}
                      <Typography variant="caption" color="text.secondary">
                        {p.label}
                      </Typography>
                    </Box>
                  );
                })}
              </Box>
            </Box>
          ))}
        </Box>
      </Box>
      <Box component="section" aria-label="Created objects" sx={{ mt: 2 }}>
        <Typography component="h3" variant="body2" sx={{ fontWeight: 600, mb: 0.5 }}>
          Created objects
        </Typography>
        <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
          {where.map(([label, path]) => (
            <Button
              key={path}
              size="small"
              variant="outlined"
              href={`#${path}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(path);
              }}
              sx={{ py: 0 }}
            >
              {label}
            </Button>
          ))}
        </Box>
      </Box>
    </Box>
  );
}

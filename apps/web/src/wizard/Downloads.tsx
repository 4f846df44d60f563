// After Finish: one download link per client profile (plain GETs with the session cookie), grouped
// by platform, and links to where the created objects are.
import { Alert, Box, Button, Link, Typography } from '@mui/material';
import DownloadIcon from '@mui/icons-material/Download';
import KeyIcon from '@mui/icons-material/Key';
import { WIZARD_CLIENTS, WIZARD_CLIENT_LABELS, type WizardFinishResult, type WizardProfileFile } from '@ipsec/schema';
import { navigate } from '../shell/route.ts';

const ORDER: (WizardProfileFile['client'])[] = ['all', ...WIZARD_CLIENTS];
const clientTitle = (c: WizardProfileFile['client']) => (c === 'all' ? 'Every client' : WIZARD_CLIENT_LABELS[c]);

export function DownloadsPanel({ result, isFull, where }: {
  result: WizardFinishResult;
  isFull: boolean;
  /** Windows and tabs where the created objects are: [label, route]. */
  where: [string, string][];
}) {
  const groups = ORDER.map((c) => [c, result.profiles.filter((p) => p.client === c)] as const).filter(([, list]) => list.length > 0);
  const keyed = result.profiles.some((p) => p.containsKey);
  return (
    <Box sx={{ maxWidth: 860 }}>
      <Box component="section" aria-label="Client profiles">
        <Typography component="h3" variant="body2" sx={{ fontWeight: 600, mb: 0.5 }}>Client profiles</Typography>
        {keyed && !isFull ? (
          <Alert severity="info" sx={{ mb: 1, py: 0 }}>Files with a private key (.p12) can be downloaded by users of group full only.</Alert>
        ) : null}
        {groups.length === 0 ? <Typography variant="body2" color="text.secondary">No files.</Typography> : null}
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '200px 1fr' }, border: 1, borderColor: 'divider', borderRadius: 1, overflow: 'hidden' }}>
          {groups.map(([client, list], gi) => (
            <Box key={client} sx={{ display: 'contents' }}>
              <Typography
                variant="body2"
                sx={{ fontWeight: 600, px: 1, py: 0.5, bgcolor: 'action.hover', borderTop: gi ? 1 : 0, borderColor: 'divider' }}
              >
                {clientTitle(client)}
              </Typography>
              <Box component="ul" aria-label={clientTitle(client)} sx={{ listStyle: 'none', m: 0, px: 1, py: 0.5, borderTop: { xs: 0, md: gi ? 1 : 0 }, borderColor: 'divider' }}>
                {list.map((p) => {
                  const blocked = p.containsKey && !isFull;
                  return (
                    <Box component="li" key={p.url} sx={{ display: 'flex', alignItems: 'center', gap: 1, py: 0.25, flexWrap: 'wrap' }}>
                      {blocked ? (
                        <Typography variant="body2" color="text.disabled" sx={{ fontFamily: 'monospace', fontSize: 12 }}>{p.filename}</Typography>
                      ) : (
                        <Link href={p.url} download={p.filename} underline="hover" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5, fontFamily: 'monospace', fontSize: 12 }}>
                          <DownloadIcon sx={{ fontSize: 16 }} />
                          {p.filename}
                        </Link>
                      )}
                      <Typography variant="caption" color="text.secondary">
                        {p.label}
                        {p.user ? ` · ${p.user}` : ''}
                      </Typography>
                      {p.containsKey ? <KeyIcon titleAccess="contains a private key" sx={{ fontSize: 14, color: 'warning.main' }} /> : null}
                    </Box>
                  );
                })}
              </Box>
            </Box>
          ))}
        </Box>
      </Box>
      <Box component="section" aria-label="Created objects" sx={{ mt: 2 }}>
        <Typography component="h3" variant="body2" sx={{ fontWeight: 600, mb: 0.5 }}>Created objects</Typography>
        <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
          {where.map(([label, path]) => (
            <Button key={path} size="small" variant="outlined" href={`#${path}`} onClick={(e) => { e.preventDefault(); navigate(path); }} sx={{ py: 0 }}>
              {label}
            </Button>
          ))}
        </Box>
      </Box>
    </Box>
  );
}

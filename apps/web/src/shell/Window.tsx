// A WinBox-style window frame: title bar (window name, and the router it belongs to) and a body
// that fills the desktop area.
import { Box, Paper, Typography } from '@mui/material';
import { deviceName, useSession } from './session.ts';

export function Window({
  title,
  children,
  actions,
}: {
  title: string;
  children: React.ReactNode;
  actions?: React.ReactNode;
}) {
  const { user } = useSession();
  return (
    <Paper
      variant="outlined"
      sx={{ height: '100%', display: 'flex', flexDirection: 'column', overflow: 'hidden', borderRadius: 1 }}
      role="region"
      aria-label={title}
    >
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          gap: 1,
          px: 1,
          py: 0.4,
          bgcolor: (t) => (t.palette.mode === 'dark' ? '#24405e' : t.palette.primary.main),
          color: '#fff',
          minHeight: 26,
        }}
      >
        <Typography variant="body2" sx={{ fontWeight: 600, flex: 1 }}>
          {title}
        </Typography>
        {actions}
        <Typography variant="caption" sx={{ opacity: 0.85 }} data-testid="window-identity">
          {deviceName(user)}
        </Typography>
      </Box>
      {children}
    </Paper>
  );
}

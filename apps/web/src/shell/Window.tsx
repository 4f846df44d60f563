// A WinBox-style window frame: title bar and a body that fills the desktop area.
import { Box, Paper, Typography } from '@mui/material';

export function Window({ title, children, actions }: { title: string; children: React.ReactNode; actions?: React.ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ height: '100%', display: 'flex', flexDirection: 'column', overflow: 'hidden', borderRadius: 1 }} role="region" aria-label={title}>
      <Box sx={{ display: 'flex', alignItems: 'center', px: 1, py: 0.4, bgcolor: 'primary.main', color: 'primary.contrastText', minHeight: 26 }}>
        <Typography variant="body2" sx={{ fontWeight: 600, flex: 1 }}>{title}</Typography>
        {actions}
      </Box>
      {children}
    </Paper>
  );
}

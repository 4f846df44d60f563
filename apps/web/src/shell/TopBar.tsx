// Top bar: product and device, undo/redo, connection state, user and group, theme, logout.
import { AppBar, Box, Chip, IconButton, Toolbar, Tooltip, Typography } from '@mui/material';
import UndoIcon from '@mui/icons-material/Undo';
import RedoIcon from '@mui/icons-material/Redo';
import DarkIcon from '@mui/icons-material/DarkMode';
import LightIcon from '@mui/icons-material/LightMode';
import LogoutIcon from '@mui/icons-material/Logout';
import { messageOf, trpc, useConnectionState } from '../api/trpc.ts';
import { useDialogs } from './dialogs.tsx';
import { deviceName, useSession } from './session.ts';

export function TopBar({
  mode,
  onToggleMode,
  onLogout,
  lastChange,
}: {
  mode: 'light' | 'dark';
  onToggleMode: () => void;
  onLogout: () => void;
  lastChange: string;
}) {
  const { user, canWrite } = useSession();
  const conn = useConnectionState();
  const { notify } = useDialogs();

  const undoRedo = async (which: 'undo' | 'redo') => {
    try {
      const r = which === 'undo' ? await trpc().config.undo.mutate() : await trpc().config.redo.mutate();
      notify(`${which === 'undo' ? 'Undid' : 'Redid'} revision ${'undid' in r ? r.undid : r.redid}`, 'success');
    } catch (e) {
      notify(messageOf(e));
    }
  };

  return (
    <AppBar position="static" elevation={0} color="default" sx={{ borderBottom: 1, borderColor: 'divider' }}>
      <Toolbar variant="dense" sx={{ minHeight: 38, gap: 1, px: '8px !important' }}>
        <Typography variant="body2" sx={{ fontWeight: 700 }}>
          IPsec WinBox
        </Typography>
        <Typography variant="body2" color="text.secondary" data-testid="device">
          {user.name}@{deviceName(user)}
        </Typography>
        {canWrite ? (
          <Box sx={{ ml: 1 }}>
            <Tooltip title="Undo the last change">
              <IconButton size="small" aria-label="Undo" onClick={() => undoRedo('undo')}>
                <UndoIcon fontSize="small" />
              </IconButton>
            </Tooltip>
            <Tooltip title="Redo">
              <IconButton size="small" aria-label="Redo" onClick={() => undoRedo('redo')}>
                <RedoIcon fontSize="small" />
              </IconButton>
            </Tooltip>
          </Box>
        ) : null}
        <Typography
          variant="caption"
          color="text.secondary"
          noWrap
          sx={{ flex: 1, minWidth: 0, ml: 1 }}
          title={lastChange}
        >
          {lastChange}
        </Typography>
        <Chip
          size="small"
          variant="outlined"
          color={conn === 'connected' ? 'success' : 'warning'}
          label={conn === 'connected' ? 'connected' : conn === 'reconnecting' ? 'reconnecting…' : 'connecting…'}
          sx={{ height: 22 }}
        />
        <Chip size="small" label={`${user.name} (${user.group})`} sx={{ height: 22 }} />
        <Tooltip title={mode === 'light' ? 'Dark theme' : 'Light theme'}>
          <IconButton size="small" aria-label="Toggle theme" onClick={onToggleMode}>
            {mode === 'light' ? <DarkIcon fontSize="small" /> : <LightIcon fontSize="small" />}
          </IconButton>
        </Tooltip>
        <Tooltip title="Log out">
          <IconButton size="small" aria-label="Log out" onClick={onLogout}>
            <LogoutIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Toolbar>
    </AppBar>
  );
}

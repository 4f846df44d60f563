// System > Users (group full): the agent's logins with groups full / write / read.
import { useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  IconButton,
  MenuItem,
  Select,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { DataGrid, type GridColDef } from '@mui/x-data-grid';
import AddIcon from '@mui/icons-material/Add';
import RemoveIcon from '@mui/icons-material/Remove';
import CheckIcon from '@mui/icons-material/Check';
import CloseIcon from '@mui/icons-material/Close';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf, trpc, type RouterOutputs } from '../api/trpc.ts';
import type { UserGroup } from '../api/session.ts';
import { FieldRow } from '../fields/FieldInput.tsx';
import { useDialogs } from '../shell/dialogs.tsx';
import { useSession } from '../shell/session.ts';
import { Window } from '../shell/Window.tsx';

/** An agent login as system.users.list answers it. */
type U = RouterOutputs['system']['users']['list'][number];

export function UsersWindow() {
  const qc = useQueryClient();
  const me = useSession().user;
  const { confirm, notify } = useDialogs();
  const q = useQuery({
    queryKey: ['system', 'users'],
    queryFn: () => trpc().system.users.list.query(),
  });
  const [sel, setSel] = useState<string | null>(null);
  const [editing, setEditing] = useState<U | 'new' | null>(null);
  const users = q.data ?? [];
  const selected = users.find((u) => u.name === sel);
  const refresh = () => qc.invalidateQueries({ queryKey: ['system', 'users'] });

  const run = async (f: () => Promise<unknown>) => {
    try {
      await f();
      await refresh();
    } catch (e) {
      notify(messageOf(e));
    }
  };

  const columns: GridColDef<U>[] = [
    {
      field: 'flags',
      headerName: '',
      width: 40,
      valueGetter: (_v, r) => (r.disabled ? 'X' : ''),
      renderCell: (p) => <b style={{ fontFamily: 'monospace' }}>{p.value as string}</b>,
    },
    { field: 'name', headerName: 'Name', flex: 1 },
    { field: 'group', headerName: 'Group', flex: 1 },
    { field: 'comment', headerName: 'Comment', flex: 2 },
  ];

  return (
    <Window title="Users">
      <Box sx={{ display: 'flex', gap: 0.25, px: 0.5, py: 0.25, borderBottom: 1, borderColor: 'divider' }}>
        <Tooltip title="Add">
          <IconButton size="small" aria-label="Add" onClick={() => setEditing('new')}>
            <AddIcon fontSize="small" color="primary" />
          </IconButton>
        </Tooltip>
        <Tooltip title="Remove">
          <span>
            <IconButton
              size="small"
              aria-label="Remove"
              disabled={!selected || selected.name === me.name}
              onClick={async () =>
                selected &&
                (await confirm(`Remove user ${selected.name}?`, 'Remove')) &&
                run(() => trpc().system.users.remove.mutate({ name: selected.name }))
              }
            >
              <RemoveIcon fontSize="small" color="error" />
            </IconButton>
          </span>
        </Tooltip>
        <Tooltip title="Enable">
          <span>
            <IconButton
              size="small"
              aria-label="Enable"
              disabled={!selected}
              onClick={() =>
                selected && run(() => trpc().system.users.set.mutate({ name: selected.name, disabled: false }))
              }
            >
              <CheckIcon fontSize="small" sx={{ color: 'success.main' }} />
            </IconButton>
          </span>
        </Tooltip>
        <Tooltip title="Disable">
          <span>
            <IconButton
              size="small"
              aria-label="Disable"
              disabled={!selected || selected.name === me.name}
              onClick={() =>
                selected && run(() => trpc().system.users.set.mutate({ name: selected.name, disabled: true }))
              }
            >
              <CloseIcon fontSize="small" sx={{ color: 'error.main' }} />
            </IconButton>
          </span>
        </Tooltip>
      </Box>
      <Box sx={{ flex: 1, minHeight: 0 }}>
        <DataGrid
          rows={users}
          columns={columns}
          getRowId={(r) => r.name}
          density="compact"
          rowHeight={26}
          columnHeaderHeight={28}
          hideFooter
          loading={q.isPending}
          onRowClick={(p) => setSel(String(p.id))}
          onRowDoubleClick={(p) => setEditing(p.row)}
          getRowClassName={(p) => (p.row.disabled ? 'row-disabled' : '')}
          localeText={{ noRowsLabel: q.isError ? `Cannot load: ${q.error.message}` : 'No users' }}
          sx={{
            border: 0,
            borderRadius: 0,
            fontSize: 13,
            '& .row-disabled': { color: 'text.disabled' },
            '& .MuiDataGrid-columnHeaderTitle': { fontWeight: 600 },
          }}
        />
      </Box>
      <Box sx={{ px: 1, py: 0.25, borderTop: 1, borderColor: 'divider' }}>
        <Typography variant="caption">
          {users.length} user{users.length === 1 ? '' : 's'}
        </Typography>
      </Box>
      {editing ? (
        <UserDialog user={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />
      ) : null}
    </Window>
  );
}

function UserDialog({ user, onClose, onSaved }: { user: U | null; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(user?.name ?? '');
  const [group, setGroup] = useState<UserGroup>(user?.group ?? 'read');
  const [password, setPassword] = useState('');
  const [comment, setComment] = useState(user?.comment ?? '');
  const [error, setError] = useState<string | null>(null);

  const save = async () => {
    try {
      if (user)
        await trpc().system.users.set.mutate({ name: user.name, group, comment, ...(password ? { password } : {}) });
      else await trpc().system.users.add.mutate({ name, group, password, comment });
      onSaved();
      onClose();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth>
      <DialogTitle sx={{ py: 0.75, fontSize: 14, fontWeight: 600, bgcolor: 'action.hover' }}>
        {user ? `User <${user.name}>` : 'New User'}
      </DialogTitle>
      <DialogContent sx={{ pt: '12px !important' }}>
        {error ? (
          <Alert severity="error" sx={{ mb: 1, py: 0 }}>
            {error}
          </Alert>
        ) : null}
        <FieldRow label="Name" help="1-64 letters, digits, . _ @ -" required>
          <TextField
            size="small"
            fullWidth
            value={name}
            disabled={Boolean(user)}
            onChange={(e) => setName(e.target.value)}
            slotProps={{ htmlInput: { 'aria-label': 'Name' } }}
          />
        </FieldRow>
        <FieldRow
          label="Group"
          help="read: sees everything but secrets; write: also changes IPsec; full: also manages users."
        >
          <Select
            size="small"
            fullWidth
            value={group}
            onChange={(e) => setGroup(e.target.value as UserGroup)}
            inputProps={{ 'aria-label': 'Group' }}
          >
            {(['full', 'write', 'read'] as const).map((g) => (
              <MenuItem key={g} value={g} dense>
                {g}
              </MenuItem>
            ))}
          </Select>
        </FieldRow>
        <FieldRow label="Password" help="At least 8 characters." required={!user}>
          <TextField
            size="small"
            fullWidth
            type="password"
            autoComplete="new-password"
            placeholder={user ? 'unchanged' : ''}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            slotProps={{ htmlInput: { 'aria-label': 'Password' } }}
          />
        </FieldRow>
        <FieldRow label="Comment" help="Short description.">
          <TextField
            size="small"
            fullWidth
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            slotProps={{ htmlInput: { 'aria-label': 'Comment' } }}
          />
        </FieldRow>
      </DialogContent>
      <DialogActions>
        <Button size="small" variant="contained" onClick={save}>
          OK
        </Button>
        <Button size="small" variant="outlined" onClick={onClose}>
          Cancel
        </Button>
      </DialogActions>
    </Dialog>
  );
}

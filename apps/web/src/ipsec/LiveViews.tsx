// Read-only live tables: Active Peers, Installed SAs (with Kill / Flush) and Statistics.
import { useMemo, useState } from 'react';
import { Box, Button, Table, TableBody, TableCell, TableRow, TextField, Typography } from '@mui/material';
import { DataGrid, type GridColDef } from '@mui/x-data-grid';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ViewDef } from '@ipsec/schema';
import { messageOf, trpc } from '../api/trpc.ts';
import { printCell } from '../fields/format.ts';
import { useDialogs } from '../shell/dialogs.tsx';
import { useSession } from '../shell/session.ts';

/** Live state has no change stream yet; refresh while the tab is shown, as WinBox does. */
const REFRESH_MS = 2000;

type LiveRow = { id: number; [prop: string]: unknown };

function fetchView(name: ViewDef['name']): Promise<unknown> {
  if (name === 'active-peers') return trpc().live.activePeers.query();
  if (name === 'installed-sa') return trpc().live.installedSa.query();
  return trpc().live.statistics.query();
}

export function useLiveView(view: ViewDef) {
  return useQuery({ queryKey: ['live', view.name], queryFn: () => fetchView(view.name), refetchInterval: REFRESH_MS });
}

export function LiveTable({ view }: { view: ViewDef }) {
  const { canWrite } = useSession();
  const { confirm, notify } = useDialogs();
  const qc = useQueryClient();
  const q = useLiveView(view);
  const [find, setFind] = useState('');
  const rows = (Array.isArray(q.data) ? q.data : []) as LiveRow[];
  const columns: GridColDef<LiveRow>[] = useMemo(
    () =>
      Object.entries(view.fields).map(([prop, field]) => ({
        field: prop,
        headerName: field.meta.label,
        description: field.meta.help,
        flex: 1,
        minWidth: 80,
        type: field.kind === 'int' ? 'number' : 'string',
        valueGetter: (_v: unknown, row: LiveRow) => (field.kind === 'int' ? row[prop] : printCell(field, row[prop])),
      })),
    [view],
  );
  const hidden = Object.fromEntries(Object.keys(view.fields).filter((p) => !view.columns.includes(p)).map((p) => [p, false]));

  const command = view.name === 'active-peers'
    ? { label: 'Kill connections', ask: 'Kill all IPsec connections? Every phase 1 and phase 2 SA is dropped and tunnels must renegotiate.', run: () => trpc().live.killConnections.mutate() }
    : { label: 'Flush', ask: 'Flush all installed SAs? Traffic stops until new SAs are negotiated.', run: () => trpc().live.flush.mutate() };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, px: 0.5, py: 0.25, borderBottom: 1, borderColor: 'divider' }}>
        {canWrite ? (
          <Button
            size="small"
            variant="outlined"
            color="warning"
            sx={{ py: 0, textTransform: 'none' }}
            onClick={async () => {
              if (!(await confirm(command.ask, command.label))) return;
              try {
                const r = await command.run();
                notify(`${command.label}: ${typeof r === 'number' ? r : 'done'}`, 'success');
                void qc.invalidateQueries({ queryKey: ['live'] });
              } catch (e) {
                notify(messageOf(e));
              }
            }}
          >
            {command.label}
          </Button>
        ) : null}
        <Box sx={{ flex: 1 }} />
        <TextField size="small" placeholder="Find" value={find} onChange={(e) => setFind(e.target.value)} slotProps={{ htmlInput: { 'aria-label': 'Find', style: { padding: '3px 8px', fontSize: 13 } } }} sx={{ width: 200 }} />
      </Box>
      <Box sx={{ flex: 1, minHeight: 0 }}>
        <DataGrid
          rows={rows}
          columns={columns}
          density="compact"
          rowHeight={26}
          columnHeaderHeight={28}
          hideFooter
          loading={q.isPending}
          initialState={{ columns: { columnVisibilityModel: hidden } }}
          filterModel={{ items: [], quickFilterValues: find.trim() ? find.trim().split(/\s+/) : [] }}
          localeText={{
            noRowsLabel: q.isError
              ? `Cannot load: ${q.error.message}`
              : view.name === 'active-peers'
                ? 'No active peers. Peers appear here once IKE negotiates with them (the IKE engine is not running yet).'
                : 'No installed SAs. SAs appear here once phase 2 is established (the IKE engine is not running yet).',
          }}
          sx={{ border: 0, borderRadius: 0, fontSize: 13, '& .MuiDataGrid-columnHeaderTitle': { fontWeight: 600 } }}
        />
      </Box>
      <Box sx={{ px: 1, py: 0.25, borderTop: 1, borderColor: 'divider' }}>
        <Typography variant="caption">{rows.length} item{rows.length === 1 ? '' : 's'}</Typography>
      </Box>
    </Box>
  );
}

export function StatisticsView({ view }: { view: ViewDef }) {
  const q = useLiveView(view);
  const stats = (q.data ?? {}) as Record<string, number>;
  const nonZero = Object.values(stats).filter((n) => n > 0).length;
  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 1 }}>
      <Typography variant="caption" color="text.secondary" sx={{ display: 'block', mb: 0.5 }}>
        {q.isError ? `Cannot load: ${q.error.message}` : nonZero ? `${nonZero} non-zero counter${nonZero === 1 ? '' : 's'} (highlighted)` : 'All counters are zero.'}
      </Typography>
      <Table size="small" sx={{ maxWidth: 900, '& td': { py: 0.25, fontSize: 13 } }}>
        <TableBody>
          {view.columns.map((prop) => {
            const field = view.fields[prop]!;
            const n = stats[prop] ?? 0;
            return (
              <TableRow key={prop} sx={n > 0 ? { bgcolor: 'warning.light', '& td': { fontWeight: 700, color: 'warning.contrastText' } } : undefined}>
                <TableCell title={field.meta.help} sx={{ width: 260 }}>{field.meta.label}</TableCell>
                <TableCell align="right" sx={{ fontFamily: 'monospace', width: 120 }}>{n}</TableCell>
                <TableCell sx={{ color: 'text.secondary', whiteSpace: 'nowrap' }}>{field.meta.help}</TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Box>
  );
}

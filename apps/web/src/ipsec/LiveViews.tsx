// Read-only live tables: Active Peers, Installed SAs (with Kill / Flush) and Statistics, fed by the
// live.watch subscription (pushed on change, never polled). Installed SAs show each SA's byte
// rate and Statistics highlight counters that are non-zero, with how fast they grow.
import { useMemo, useRef, useState } from 'react';
import { Box, Button, Table, TableBody, TableCell, TableRow, TextField, Tooltip, Typography } from '@mui/material';
import { DataGrid, type GridColumnVisibilityModel } from '@mui/x-data-grid';
import type { ViewDef } from '@ipsec/schema';
import { counterRates, rowRates, useLiveWatch, type DataPlaneInfo, type PeerRow, type SaRow } from '../api/live.ts';
import { messageOf, trpc } from '../api/trpc.ts';
import { dataPlaneText, formatByteRate, formatCount, formatCountRate } from '../fields/format.ts';
import { useDialogs } from '../shell/dialogs.tsx';
import { useSession } from '../shell/session.ts';
import { fieldColumn, sizeColumns, type SizedColumn } from './columns.ts';

type Row = (PeerRow | SaRow) & { rate?: number; trend?: Trend };

/** Rates kept per SA for its sparkline: the last minute at one update a second, in a ring (no copies). */
const TREND_POINTS = 60;
interface Trend {
  values: Float64Array;
  /** Points written so far (at most TREND_POINTS are kept). */
  count: number;
}

function pushTrend(t: Trend, v: number): void {
  t.values[t.count % TREND_POINTS] = v;
  t.count++;
}

/** A tiny line of the last rates, newest at the right, scaled to its own maximum. */
function Sparkline({ trend }: { trend?: Trend }) {
  const w = 64;
  const h = 14;
  const n = Math.min(trend?.count ?? 0, TREND_POINTS);
  if (!trend || n < 2) return <svg width={w} height={h} aria-hidden />;
  const at = (i: number) => trend.values[(trend.count - n + i) % TREND_POINTS]!; // i = 0 is the oldest kept
  let max = 1;
  for (let i = 0; i < n; i++) max = Math.max(max, at(i));
  let points = '';
  for (let i = 0; i < n; i++)
    points += `${(w - ((n - 1 - i) / (TREND_POINTS - 1)) * w).toFixed(1)},${(h - 1 - (at(i) / max) * (h - 2)).toFixed(1)} `;
  return (
    <svg width={w} height={h} aria-hidden style={{ flex: 'none' }}>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth={1.2} />
    </svg>
  );
}

export function LiveTable({ view }: { view: ViewDef }) {
  const { canWrite } = useSession();
  const { confirm, notify } = useDialogs();
  const live = useLiveWatch();
  const [find, setFind] = useState('');
  const isSa = view.name === 'installed-sa';

  // Each SA's recent rates, appended once per snapshot (a ref: history, not render state).
  const trends = useRef({ at: 0, byId: new Map<number, Trend>() });
  const rows: Row[] = useMemo(() => {
    const list = live.cur ? (isSa ? live.cur.sas : live.cur.peers) : [];
    if (!isSa) return list;
    const rates = rowRates(live, 'sas', 'current-bytes');
    const t = trends.current;
    const fresh = live.cur !== undefined && live.cur.at !== t.at;
    if (fresh) t.at = live.cur!.at;
    const next = new Map<number, Trend>();
    const out = list.map((r) => {
      const rate = rates.get(r.id) ?? 0;
      const trend = t.byId.get(r.id) ?? { values: new Float64Array(TREND_POINTS), count: 0 };
      if (fresh) pushTrend(trend, rate);
      next.set(r.id, trend);
      return { ...r, rate, trend };
    });
    t.byId = next;
    return out;
  }, [live, isSa]);

  const base: SizedColumn<Row>[] = useMemo(() => {
    const cols: SizedColumn<Row>[] = [];
    // The view's columns in their order first, then the rest (hidden until chosen in Columns).
    const order = [...view.columns, ...Object.keys(view.fields).filter((p) => !view.columns.includes(p))];
    for (const prop of order) {
      const field = view.fields[prop]!;
      // live addresses are plain text in the view schema; size them like addresses all the same
      cols.push(fieldColumn<Row>(prop, field, /address$/.test(prop) ? 'address' : field.kind));
      if (isSa && prop === 'current-bytes') {
        cols.push({
          kind: 'int',
          text: (r) => formatByteRate(r.rate ?? 0),
          extraPx: 72, // the sparkline
          col: {
            field: 'rate',
            headerName: 'Rate',
            description: 'Bytes per second through this SA, from the last two updates; the line shows the last minute.',
            type: 'number',
            valueFormatter: (v: unknown) => formatByteRate(typeof v === 'number' ? v : 0),
            cellClassName: (p) => ((p.value as number) > 0 ? 'rate-moving' : ''),
            renderCell: (p) => (
              <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'flex-end', gap: 1, width: '100%' }}>
                <Sparkline trend={p.row.trend} />
                <span>{p.formattedValue as string}</span>
              </Box>
            ),
          },
        });
      }
    }
    return cols;
  }, [view, isSa]);
  const [visibility, setVisibility] = useState<GridColumnVisibilityModel>(() =>
    Object.fromEntries(
      Object.keys(view.fields)
        .filter((p) => !view.columns.includes(p))
        .map((p) => [p, false]),
    ),
  );
  const [userWidths, setUserWidths] = useState<Record<string, number>>({});
  // Counters tick every second; widths follow new or removed rows at once, growing numbers every 10 s.
  const sizeKey = `${rows.length}:${Math.floor((live.cur?.at ?? 0) / 10_000)}`;
  const columns = useMemo(
    () => sizeColumns(base, rows, visibility, userWidths),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- sizeKey stands for rows, so widths do not move every tick
    [base, sizeKey, visibility, userWidths],
  );

  const command =
    view.name === 'active-peers'
      ? {
          label: 'Kill connections',
          ask: 'Kill all IPsec connections? Every phase 1 and phase 2 SA is dropped and tunnels must renegotiate.',
          run: () => trpc().live.killConnections.mutate(),
        }
      : {
          label: 'Flush',
          ask: 'Flush all installed SAs? Traffic stops until new SAs are negotiated.',
          run: () => trpc().live.flush.mutate(),
        };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 }}>
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          gap: 1,
          px: 0.5,
          py: 0.25,
          borderBottom: 1,
          borderColor: 'divider',
          minHeight: 32,
        }}
      >
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
              } catch (e) {
                notify(messageOf(e));
              }
            }}
          >
            {command.label}
          </Button>
        ) : null}
        <Box sx={{ flex: 1 }} />
        {isSa && live.cur ? <DataPlaneLabel info={live.cur.dataplane} /> : null}
        <TextField
          size="small"
          placeholder="Find"
          value={find}
          onChange={(e) => setFind(e.target.value)}
          slotProps={{ htmlInput: { 'aria-label': 'Find', style: { padding: '3px 8px', fontSize: 13 } } }}
          sx={{ width: 200 }}
        />
      </Box>
      <Box sx={{ flex: 1, minHeight: 0 }}>
        <DataGrid
          rows={rows}
          columns={columns}
          density="compact"
          rowHeight={26}
          columnHeaderHeight={28}
          hideFooter
          columnBufferPx={4000}
          loading={!live.cur && !live.error}
          columnVisibilityModel={visibility}
          onColumnVisibilityModelChange={setVisibility}
          onColumnWidthChange={(p) => setUserWidths((w) => ({ ...w, [p.colDef.field]: p.width }))}
          filterModel={{ items: [], quickFilterValues: find.trim() ? find.trim().split(/\s+/) : [] }}
          localeText={{
            noRowsLabel: live.error
              ? `Cannot load: ${live.error}`
              : view.name === 'active-peers'
                ? 'No active peers. Peers appear here once IKE negotiates with them.'
                : 'No installed SAs. SAs appear here once phase 2 is established.',
          }}
          sx={{
            border: 0,
            borderRadius: 0,
            fontSize: 13,
            '& .MuiDataGrid-columnHeaderTitle': { fontWeight: 600 },
            '& .rate-moving': { color: 'success.main', fontWeight: 600 },
            '& .MuiDataGrid-overlay': { bgcolor: 'transparent', color: 'text.secondary' },
          }}
        />
      </Box>
      <Box sx={{ px: 1, py: 0.25, borderTop: 1, borderColor: 'divider' }}>
        <Typography variant="caption">
          {rows.length} item{rows.length === 1 ? '' : 's'}
        </Typography>
      </Box>
    </Box>
  );
}

function DataPlaneLabel({ info }: { info: DataPlaneInfo | null }) {
  const text = dataPlaneText(info);
  return (
    <Tooltip title={text}>
      <Typography
        variant="caption"
        color={info ? 'text.secondary' : 'warning.main'}
        data-testid="dataplane"
        noWrap
        sx={{ maxWidth: 420 }}
      >
        {info
          ? `Data plane: ${info.backend === 'kernel' ? 'kernel XFRM' : `userspace ESP (${info.device ?? 'TUN'})`}`
          : 'Data plane: none'}
      </Typography>
    </Tooltip>
  );
}

export function StatisticsView({ view }: { view: ViewDef }) {
  const live = useLiveWatch();
  const stats = live.cur?.statistics ?? {};
  const rates = counterRates(live);
  const nonZero = Object.values(stats).filter((n) => n > 0).length;
  return (
    <Box sx={{ height: '100%', overflow: 'auto', p: 1 }}>
      <Typography
        variant="caption"
        color="text.secondary"
        sx={{ display: 'block', mb: 0.5 }}
        data-testid="statistics-summary"
      >
        {live.error
          ? `Cannot load: ${live.error}`
          : !live.cur
            ? 'Loading…'
            : nonZero
              ? `${nonZero} non-zero counter${nonZero === 1 ? '' : 's'} (highlighted, with their rate)`
              : 'All counters are zero.'}
      </Typography>
      {live.cur ? (
        <Typography
          variant="caption"
          color={live.cur.dataplane ? 'text.secondary' : 'warning.main'}
          sx={{ display: 'block', mb: 0.5 }}
          data-testid="statistics-dataplane"
        >
          {dataPlaneText(live.cur.dataplane)}
        </Typography>
      ) : null}
      <Table size="small" sx={{ maxWidth: 980, '& td': { py: 0.25, fontSize: 13 } }} aria-label="Statistics">
        <TableBody>
          {view.columns.map((prop) => {
            const field = view.fields[prop]!;
            const n = stats[prop] ?? 0;
            const rate = rates[prop] ?? 0;
            return (
              <TableRow
                key={prop}
                data-counter={prop}
                sx={
                  n > 0
                    ? { bgcolor: 'warning.light', '& td': { fontWeight: 700, color: 'warning.contrastText' } }
                    : undefined
                }
              >
                <TableCell title={field.meta.help} sx={{ width: 240, whiteSpace: 'nowrap' }}>
                  {field.meta.label}
                </TableCell>
                <TableCell align="right" sx={{ fontFamily: 'monospace', width: 110 }}>
                  {formatCount(n)}
                </TableCell>
                <TableCell align="right" sx={{ fontFamily: 'monospace', width: 80 }} title="Increase per second">
                  {n > 0 ? formatCountRate(rate) : ''}
                </TableCell>
                <TableCell sx={{ color: n > 0 ? undefined : 'text.secondary', whiteSpace: 'nowrap' }}>
                  {field.meta.help}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </Box>
  );
}

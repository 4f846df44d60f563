// One table for every config menu: flags, #, the menu's columns printed RouterOS-style,
// a WinBox toolbar (add, remove, enable, disable, comment, copy, move), find box and counts.
import { useMemo, useState } from 'react';
import { Box, Divider, IconButton, TextField, Tooltip, Typography } from '@mui/material';
import {
  DataGrid,
  GridPreferencePanelsValue,
  useGridApiRef,
  type GridColumnVisibilityModel,
  type GridRowSelectionModel,
} from '@mui/x-data-grid';
import AddIcon from '@mui/icons-material/Add';
import RemoveIcon from '@mui/icons-material/Remove';
import CheckIcon from '@mui/icons-material/Check';
import CloseIcon from '@mui/icons-material/Close';
import CommentIcon from '@mui/icons-material/ChatBubbleOutlineOutlined';
import CopyIcon from '@mui/icons-material/ContentCopy';
import UpIcon from '@mui/icons-material/ArrowUpward';
import DownIcon from '@mui/icons-material/ArrowDownward';
import ColumnsIcon from '@mui/icons-material/ViewColumn';
import { useMenuItems, type ApiEntry, type ConfigMenuDef } from '../api/config.ts';
import { navigate } from '../shell/route.ts';
import { useSession } from '../shell/session.ts';
import { useConfigActions } from './actions.ts';
import { fieldColumn, sizeColumns, type SizedColumn } from './columns.ts';
import { CERT_FLAG_LEGEND, FLAG_LEGEND, flagTitle, flagsOf } from './flags.ts';

/** An entry with its position and flag letters, as the table shows it. */
type Row = ApiEntry & { '#': number; flags: string };

const emptySelection = (): GridRowSelectionModel => ({ type: 'include', ids: new Set() });

export function ConfigTable({
  menu,
  basePath,
  tools,
}: {
  menu: ConfigMenuDef;
  basePath: string;
  /** Menu commands beside the standard tools (System > Certificates: Import, Sign, Export). */
  tools?: (selected: ApiEntry[]) => React.ReactNode;
}) {
  const { canWrite } = useSession();
  const q = useMenuItems(menu.name);
  const actions = useConfigActions(menu);
  const apiRef = useGridApiRef();
  const [find, setFind] = useState('');
  const [selection, setSelection] = useState<GridRowSelectionModel>(emptySelection);

  const items = useMemo(() => q.data?.items ?? [], [q.data]);
  const rows: Row[] = useMemo(() => items.map((e, i) => ({ ...e, '#': i, flags: flagsOf(e) })), [items]);
  const selectedIds = useMemo(() => {
    const ids = [...selection.ids].map(Number);
    return selection.type === 'include'
      ? items.filter((e) => ids.includes(e.id)).map((e) => e.id)
      : items.filter((e) => !ids.includes(e.id)).map((e) => e.id);
  }, [selection, items]);
  const selected = items.filter((e) => selectedIds.includes(e.id));

  const base = useMemo(() => columnsOf(menu), [menu]);
  const [visibility, setVisibility] = useState<GridColumnVisibilityModel>(base.hidden);
  const [userWidths, setUserWidths] = useState<Record<string, number>>({});
  const columns = useMemo(
    () => sizeColumns(base.columns, rows, visibility, userWidths),
    [base, rows, visibility, userWidths],
  );

  const hasDisabled = 'disabled' in menu.fields;
  const hasComment = 'comment' in menu.fields;
  const open = (id: number | string) => navigate(`${basePath}/${id}`);

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 }}>
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          gap: 0.25,
          px: 0.5,
          py: 0.25,
          borderBottom: 1,
          borderColor: 'divider',
        }}
      >
        {canWrite ? (
          <>
            <Tool title="Add" onClick={() => open('new')}>
              <AddIcon fontSize="small" color="primary" />
            </Tool>
            <Tool
              title="Remove"
              disabled={!selected.length || selected.some((e) => e.default === true)}
              onClick={async () => (await actions.remove(selectedIds)) && setSelection(emptySelection())}
            >
              <RemoveIcon fontSize="small" color="error" />
            </Tool>
            {hasDisabled ? (
              <>
                <Tool title="Enable" disabled={!selected.length} onClick={() => actions.enable(selectedIds)}>
                  <CheckIcon fontSize="small" sx={{ color: 'success.main' }} />
                </Tool>
                <Tool title="Disable" disabled={!selected.length} onClick={() => actions.disable(selectedIds)}>
                  <CloseIcon fontSize="small" sx={{ color: 'error.main' }} />
                </Tool>
              </>
            ) : null}
            {hasComment ? (
              <Tool title="Comment" disabled={!selected.length} onClick={() => actions.comment(selected)}>
                <CommentIcon fontSize="small" />
              </Tool>
            ) : null}
            <Tool title="Copy" disabled={selected.length !== 1} onClick={() => open(`copy-${selectedIds[0]}`)}>
              <CopyIcon fontSize="small" />
            </Tool>
            {menu.ordered ? (
              <>
                <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />
                <Tool title="Move up" disabled={!selected.length} onClick={() => actions.move(items, selectedIds, -1)}>
                  <UpIcon fontSize="small" />
                </Tool>
                <Tool title="Move down" disabled={!selected.length} onClick={() => actions.move(items, selectedIds, 1)}>
                  <DownIcon fontSize="small" />
                </Tool>
              </>
            ) : null}
            <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />
          </>
        ) : null}
        {tools ? (
          <>
            {tools(selected)}
            <Divider orientation="vertical" flexItem sx={{ mx: 0.5 }} />
          </>
        ) : null}
        <Tool title="Columns" onClick={() => apiRef.current?.showPreferences(GridPreferencePanelsValue.columns)}>
          <ColumnsIcon fontSize="small" />
        </Tool>
        <Box sx={{ flex: 1 }} />
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
          apiRef={apiRef}
          rows={rows}
          columns={columns}
          getRowId={(r) => r.id}
          loading={q.isPending}
          density="compact"
          rowHeight={26}
          columnHeaderHeight={28}
          disableColumnMenu={false}
          hideFooter
          columnVisibilityModel={visibility}
          onColumnVisibilityModelChange={setVisibility}
          onColumnWidthChange={(p) => setUserWidths((w) => ({ ...w, [p.colDef.field]: p.width }))}
          filterModel={{ items: [], quickFilterValues: find.trim() ? find.trim().split(/\s+/) : [] }}
          rowSelectionModel={selection}
          onRowSelectionModelChange={setSelection}
          onRowDoubleClick={(p) => open(p.id)}
          getRowClassName={({ row }) =>
            row.disabled === true ? 'row-disabled' : row.invalid === true ? 'row-invalid' : ''
          }
          localeText={{ noRowsLabel: q.isError ? `Cannot load: ${q.error.message}` : 'No items' }}
          sx={{
            border: 0,
            borderRadius: 0,
            fontSize: 13,
            '& .row-disabled': { color: 'text.disabled' },
            '& .row-invalid': { color: 'error.main' },
            '& .MuiDataGrid-columnHeaderTitle': { fontWeight: 600 },
            '& .MuiDataGrid-overlay': { bgcolor: 'transparent', color: 'text.secondary' },
            '& .MuiDataGrid-cell:focus, & .MuiDataGrid-cell:focus-within': { outline: 'none' },
          }}
        />
      </Box>
      <Box sx={{ px: 1, py: 0.25, borderTop: 1, borderColor: 'divider', display: 'flex', gap: 2 }}>
        <Typography variant="caption">
          {items.length} item{items.length === 1 ? '' : 's'}
          {selected.length ? ` (${selected.length} selected)` : ''}
        </Typography>
        {q.isError ? (
          <Typography variant="caption" color="error">
            {q.error.message}
          </Typography>
        ) : null}
      </Box>
    </Box>
  );
}

export function Tool({
  title,
  children,
  onClick,
  disabled,
}: {
  title: string;
  children: React.ReactNode;
  onClick: () => void;
  disabled?: boolean;
}) {
  return (
    <Tooltip title={title}>
      <span>
        <IconButton
          size="small"
          aria-label={title}
          onClick={onClick}
          disabled={disabled}
          sx={{ borderRadius: 1, p: '3px' }}
        >
          {children}
        </IconButton>
      </span>
    </Tooltip>
  );
}

function columnsOf(menu: ConfigMenuDef): { columns: SizedColumn<Row>[]; hidden: Record<string, boolean> } {
  const legend = menu.name === 'certificate' ? CERT_FLAG_LEGEND : FLAG_LEGEND;
  const columns: SizedColumn<Row>[] = [
    {
      kind: 'flags',
      text: (r) => r.flags,
      col: {
        field: 'flags',
        headerName: '',
        sortable: true,
        description: `Flags: ${legend.map(([l, n]) => `${l} ${n}`).join(', ')}`,
        renderCell: (p) => (
          <Box
            component="span"
            title={flagTitle(p.value as string, legend)}
            sx={{ fontFamily: 'monospace', fontWeight: 700 }}
          >
            {p.value as string}
          </Box>
        ),
      },
    },
    {
      kind: 'index',
      text: (r) => String(r['#']),
      col: { field: '#', headerName: '#', type: 'number', align: 'right', headerAlign: 'right' },
    },
  ];
  const hidden: Record<string, boolean> = {};
  const all = { ...menu.fields, ...menu.status };
  const order = [...menu.columns, ...Object.keys(all).filter((p) => !menu.columns.includes(p))];
  for (const prop of order) {
    const field = all[prop]!;
    if (
      field.meta.secret ||
      prop === 'disabled' ||
      prop === 'flags' ||
      (menu.status[prop] && ['default', 'dynamic', 'invalid', 'active'].includes(prop))
    )
      continue;
    columns.push(fieldColumn(prop, field));
    if (!menu.columns.includes(prop) && prop !== 'comment') hidden[prop] = false;
  }
  return { columns, hidden };
}

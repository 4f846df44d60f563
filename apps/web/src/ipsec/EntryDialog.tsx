// One dialog for every config menu: fields generated from the schema, grouped by meta.tab,
// WinBox buttons (OK, Cancel, Apply, Disable/Enable, Comment, Copy, Remove), server issues inline.
import { useMemo, useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Tab,
  Tabs,
  Typography,
} from '@mui/material';
import { useQueryClient } from '@tanstack/react-query';
import { ConfigError, applyInput, checkEntry, defaults, formatIssue, type Field } from '@ipsec/schema';
import { menuKey, useMenuItems, type ApiEntry, type ConfigMenuDef, type MenuData } from '../api/config.ts';
import { issuesOf, messageOf, trpc, type ApiIssue } from '../api/trpc.ts';
import { FieldInput, FieldRow } from '../fields/FieldInput.tsx';
import { printCell, sameDraft, secretIsSet, toDraft } from '../fields/format.ts';
import { useDialogs } from '../shell/dialogs.tsx';
import { navigate } from '../shell/route.ts';
import { useSession } from '../shell/session.ts';
import { copyName, dialogModeOf, singular, type DialogMode } from './entry.ts';
import { RefNames } from './RefNames.tsx';

/**
 * The entry dialog of a menu window's route: `item` is the segment after `base` ("new", "copy-3",
 * "3"); nothing when it names no dialog. Closing goes back to `base`, a created entry to its own
 * route, Copy to base/copy-id.
 */
export function RoutedEntryDialog({
  menu,
  base,
  item,
}: {
  menu: ConfigMenuDef;
  base: string;
  item: string | undefined;
}) {
  const mode = dialogModeOf(item);
  if (!mode) return null;
  return (
    <EntryDialog
      key={`${base}/${item}`}
      menu={menu}
      mode={mode}
      onClose={() => navigate(base)}
      onCreated={(id) => navigate(`${base}/${id}`, true)}
      onCopy={(id) => navigate(`${base}/copy-${id}`)}
    />
  );
}

const TAB_ORDER = ['General', 'Advanced', 'Encryption', 'Authentication', 'Status'] as const;
/** Shown as dialog buttons and in the footer, not as fields (as in WinBox). */
const BUTTON_FIELDS = ['disabled', 'comment'];

export function EntryDialog({
  menu,
  mode,
  onClose,
  onCreated,
  onCopy,
}: {
  menu: ConfigMenuDef;
  mode: DialogMode;
  onClose: () => void;
  onCreated: (id: number) => void;
  onCopy: (id: number) => void;
}) {
  const { canWrite } = useSession();
  const readOnly = !canWrite;
  const qc = useQueryClient();
  const { confirm, prompt } = useDialogs();
  const q = useMenuItems(menu.name);
  const items = q.data?.items ?? [];
  const srcId = mode.kind === 'edit' ? mode.id : mode.kind === 'copy' ? mode.from : undefined;
  const live = menu.single ? items[0] : srcId !== undefined ? items.find((e) => e.id === srcId) : undefined;
  const isNew = mode.kind !== 'edit' && !menu.single;

  /** Values the dialog starts from: the entry, the copied entry, or the schema defaults. */
  const source: Record<string, unknown> = useMemo(() => {
    if (mode.kind === 'new' && !menu.single) return defaults(menu);
    if (mode.kind === 'copy' && live && menu.key)
      return { ...live, [menu.key]: copyName(items, menu.key, String(live[menu.key] ?? '')) };
    return live ?? {};
    // The copy's name is chosen once, when the original is known; later changes to the list do not rename it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode.kind, menu, live]);

  const [edits, setEdits] = useState<Record<string, unknown>>({});
  const [issues, setIssues] = useState<ApiIssue[]>([]);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<string>('General');

  const draftOf = (prop: string, field: Field) => (prop in edits ? edits[prop] : toDraft(field, source[prop]));
  /** Fields whose `when` condition fails for the dialog's current values are hidden and not sent (WinBox). */
  const relevant = (field: Field): boolean => {
    const w = field.meta.when;
    if (!w) return true;
    const other = menu.fields[w.field];
    if (!other) return true;
    const v = draftOf(w.field, other);
    return w.in.some((x) => x === v || String(x) === String(v));
  };

  const tabs = useMemo(() => {
    const groups = new Map<string, [string, Field][]>();
    for (const [prop, field] of Object.entries(menu.fields)) {
      if (BUTTON_FIELDS.includes(prop) || field.meta.readOnly) continue;
      const t = field.meta.tab;
      groups.set(t, [...(groups.get(t) ?? []), [prop, field]]);
    }
    if (!isNew && Object.keys(menu.status).length) groups.set('Status', Object.entries(menu.status));
    return TAB_ORDER.filter((t) => groups.has(t)).map((t) => ({ name: t, fields: groups.get(t)! }));
  }, [menu, isNew]);
  const shownTabs = tabs
    .map((t) => (t.name === 'Status' ? t : { ...t, fields: t.fields.filter(([, field]) => relevant(field)) }))
    .filter((t) => t.fields.length > 0);
  const current = shownTabs.find((t) => t.name === tab) ?? shownTabs[0]!;

  /** Issues about this entry's own fields show under the field; the rest (other entries, references) above. */
  const ownField = (i: ApiIssue) =>
    Boolean(
      i.field && menu.fields[i.field] && i.menu === menu.name && (i.id === undefined || isNew || i.id === live?.id),
    );
  const fieldErrors = new Map<string, string>();
  for (const i of issues) if (ownField(i) && !fieldErrors.has(i.field!)) fieldErrors.set(i.field!, i.message);
  const shownProps = new Set(shownTabs.flatMap((t) => t.fields.map(([p]) => p)));
  const otherIssues = issues.filter((i) => !ownField(i) || !shownProps.has(i.field!));
  const issueText = (i: ApiIssue) => {
    const mine = i.menu === menu.name && (i.id === undefined || isNew || i.id === live?.id);
    if (!mine) return formatIssue(i);
    const label = i.field ? (menu.fields[i.field]?.meta.label ?? i.field) : '';
    return label ? `${label}: ${i.message}` : i.message;
  };

  /** The edited properties (secrets only when typed), as the user wrote them. */
  const changed = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [prop, v] of Object.entries(edits)) {
      const field = menu.fields[prop];
      if (!field || !relevant(field)) continue;
      if (field.meta.secret ? v === '' : sameDraft(v, toDraft(field, source[prop]))) continue;
      out[prop] = v;
    }
    return out;
  };

  const save = async (close: boolean) => {
    const input = changed();
    const base = isNew && mode.kind === 'new' ? defaults(menu) : { ...source };
    let typed: Record<string, unknown>;
    try {
      const values = applyInput(menu, base, input);
      const local = checkEntry(menu, values);
      if (local.length) {
        showIssues(local);
        return;
      }
      typed = Object.fromEntries(Object.keys(input).map((p) => [p, values[p]]));
    } catch (e) {
      if (e instanceof ConfigError) return showIssues(e.issues);
      throw e;
    }
    if (!isNew && Object.keys(typed).length === 0) {
      setIssues([]);
      if (close) onClose();
      return;
    }
    setBusy(true);
    try {
      if (isNew) {
        const created = await trpc().config.add.mutate({
          menu: menu.name,
          values: typed,
          ...(mode.kind === 'copy' ? { copyFrom: mode.from } : {}),
        });
        upsertCache(created);
        setEdits({});
        setIssues([]);
        if (close) onClose();
        else onCreated(created.id);
      } else {
        const updated = await trpc().config.set.mutate({
          menu: menu.name,
          ids: [live!.id],
          values: typed,
        });
        for (const u of updated) upsertCache(u);
        setEdits({});
        setIssues([]);
        if (close) onClose();
      }
    } catch (e) {
      const list = issuesOf(e);
      showIssues(list.length ? list : [{ menu: menu.name, message: messageOf(e) }]);
    } finally {
      setBusy(false);
    }
  };

  const showIssues = (list: ApiIssue[]) => {
    setIssues(list);
    const firstField = list.find(ownField);
    if (firstField) {
      const t = shownTabs.find((t) => t.fields.some(([p]) => p === firstField.field));
      if (t) setTab(t.name);
    }
  };

  const upsertCache = (e: ApiEntry) =>
    qc.setQueryData<MenuData>(menuKey(menu.name), (old) => {
      if (!old) return old;
      const i = old.items.findIndex((x) => x.id === e.id);
      return { ...old, items: i >= 0 ? old.items.map((x) => (x.id === e.id ? e : x)) : [...old.items, e] };
    });

  const disabled = Boolean('disabled' in edits ? edits.disabled : source.disabled);
  const comment = String('comment' in edits ? edits.comment : (source.comment ?? ''));
  // WinBox names the entry in the title: its name, or for an identity the peer it belongs to.
  const keyName = menu.key ? String(source[menu.key] ?? '') : menu.name === 'identity' ? String(live?.peer ?? '') : '';
  const area = menu.path.startsWith('ip/ipsec') ? 'IPsec ' : '';
  const title = menu.single
    ? `${area}${menu.title}`
    : `${isNew ? 'New ' : ''}${area}${singular(menu.title)}` +
      `${!isNew && keyName ? ` <${keyName}>` : !isNew && live ? ` <${live['.id']}>` : ''}`;
  const gone = !isNew && !menu.single && q.isSuccess && !live;

  const remove = async () => {
    if (!live || !(await confirm(`Remove this ${singular(menu.title).toLowerCase()}?`, 'Remove'))) return;
    try {
      await trpc().config.remove.mutate({ menu: menu.name, ids: [live.id] });
      onClose();
    } catch (e) {
      // Shown in the dialog, like a failed OK: e.g. 'cannot remove "x": used by peer *1 (profile)'.
      const list = issuesOf(e);
      showIssues(list.length ? list : [{ menu: menu.name, message: messageOf(e) }]);
    }
  };

  return (
    <Dialog
      open
      onClose={onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="entry-dialog-title"
      slotProps={{ paper: { sx: shownTabs.length > 1 ? { height: 'min(640px, 90vh)' } : { maxHeight: '90vh' } } }}
    >
      <DialogTitle
        id="entry-dialog-title"
        sx={{ py: 0.75, px: 2, fontSize: 14, fontWeight: 600, bgcolor: 'action.hover' }}
      >
        {title}
        {readOnly ? (
          <Typography component="span" variant="caption" sx={{ ml: 1, color: 'text.secondary' }}>
            (read-only)
          </Typography>
        ) : null}
      </DialogTitle>
      {shownTabs.length > 1 ? (
        <Tabs
          value={current.name}
          onChange={(_e, v: string) => setTab(v)}
          variant="scrollable"
          sx={{
            minHeight: 30,
            borderBottom: 1,
            borderColor: 'divider',
            '& .MuiTab-root': { minHeight: 30, py: 0, fontSize: 13, textTransform: 'none' },
          }}
        >
          {shownTabs.map((t) => (
            <Tab
              key={t.name}
              value={t.name}
              label={t.name}
              sx={t.fields.some(([p]) => fieldErrors.has(p)) ? { color: 'error.main' } : undefined}
            />
          ))}
        </Tabs>
      ) : null}
      <DialogContent sx={{ pt: 1.5, pb: 1 }}>
        {gone ? (
          <Alert severity="warning" sx={{ mb: 1 }}>
            This entry no longer exists (removed, possibly by another user).
          </Alert>
        ) : null}
        {otherIssues.map((i, n) => (
          <Alert key={n} severity="error" sx={{ mb: 1, py: 0 }}>
            {issueText(i)}
          </Alert>
        ))}
        {current.name === 'Status'
          ? current.fields.map(([prop, field]) => (
              <FieldRow key={prop} label={field.meta.label} help={field.meta.help}>
                <Typography variant="body2" sx={{ pt: '6px', fontFamily: 'monospace' }}>
                  {printCell(field, live?.[prop]) || '\u00a0'}
                </Typography>
              </FieldRow>
            ))
          : current.fields.map(([prop, field]) => (
              <RefNames key={prop} menu={field.kind === 'ref' ? field.ref?.menu : undefined}>
                {(names) => (
                  <FieldInput
                    prop={prop}
                    field={field}
                    value={draftOf(prop, field)}
                    onChange={(v) => setEdits((e) => ({ ...e, [prop]: v }))}
                    error={fieldErrors.get(prop)}
                    readOnly={readOnly || busy}
                    refNames={names}
                    secretSet={secretIsSet(source[prop])}
                  />
                )}
              </RefNames>
            ))}
      </DialogContent>
      <DialogActions sx={{ justifyContent: 'space-between', px: 2, py: 1, borderTop: 1, borderColor: 'divider' }}>
        <Typography
          variant="caption"
          color="text.secondary"
          sx={{ maxWidth: 200, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
        >
          {'disabled' in menu.fields ? (disabled ? 'disabled' : 'enabled') : ''}
          {comment ? ` · ;;; ${comment}` : ''}
        </Typography>
        <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap', justifyContent: 'flex-end' }}>
          {readOnly ? (
            <Button size="small" variant="contained" onClick={onClose}>
              Close
            </Button>
          ) : (
            <>
              <Button size="small" variant="contained" disabled={busy || gone} onClick={() => save(true)}>
                OK
              </Button>
              <Button size="small" variant="outlined" onClick={onClose}>
                Cancel
              </Button>
              <Button size="small" variant="outlined" disabled={busy || gone} onClick={() => save(false)}>
                Apply
              </Button>
              {'disabled' in menu.fields ? (
                <Button
                  size="small"
                  variant="outlined"
                  onClick={() => setEdits((e) => ({ ...e, disabled: !disabled }))}
                >
                  {disabled ? 'Enable' : 'Disable'}
                </Button>
              ) : null}
              {'comment' in menu.fields ? (
                <Button
                  size="small"
                  variant="outlined"
                  onClick={async () => {
                    const c = await prompt('Comment', comment);
                    if (c !== null) setEdits((e) => ({ ...e, comment: c }));
                  }}
                >
                  Comment
                </Button>
              ) : null}
              {!menu.single && !isNew && live ? (
                <>
                  <Button size="small" variant="outlined" onClick={() => onCopy(live.id)}>
                    Copy
                  </Button>
                  <Button
                    size="small"
                    variant="outlined"
                    color="error"
                    disabled={live.default === true}
                    onClick={remove}
                  >
                    Remove
                  </Button>
                </>
              ) : null}
            </>
          )}
        </Box>
      </DialogActions>
    </Dialog>
  );
}

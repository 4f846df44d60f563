// Config menus in the react-query cache, kept current by one config.changes subscription
// (resumed by revision after a reconnect; no polling).
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { CONFIG_MENUS, getMenu, type MenuDef, type MenuName } from '@ipsec/schema';
import { trpc, type RouterOutputs, type Yielded } from './trpc.ts';

/** A menu's entries as config.print answers them, at a revision. */
export type MenuData = RouterOutputs['config']['print'];
/** One entry as the agent presents it: '.id', id, values (secrets masked) and status. */
export type ApiEntry = MenuData['items'][number];
/** One config.changes event: a revision's changes, a reset, or run-time (dynamic) changes. */
export type ConfigChange = Yielded<RouterOutputs['config']['changes']>['data'];
type EntryChange = ConfigChange['changes'][number];

/** A config menu's schema definition, its name typed as the API takes it. */
export type ConfigMenuDef = MenuDef & { name: MenuName };

/** The config menu called `name`, if any (a field's reference names its menu as plain text). */
export const findConfigMenu = (name: string): ConfigMenuDef | undefined => CONFIG_MENUS.find((m) => m.name === name);

export function configMenu(name: MenuName): ConfigMenuDef {
  const menu = findConfigMenu(name);
  if (!menu) throw new Error(`no config menu ${name}`); // a MenuName is a CONFIG_MENUS name
  return menu;
}

export const menuKey = (menu: MenuName) => ['config', menu] as const;

export function useMenuItems(menu: MenuName) {
  return useQuery({
    queryKey: menuKey(menu),
    queryFn: () => trpc().config.print.query({ menu }),
    staleTime: Infinity,
  });
}

/** Applies one change event to a menu's cached list the way the agent's store does. */
export function applyToMenu(data: MenuData, rev: number, changes: EntryChange[]): MenuData {
  const ordered = getMenu(changes[0]!.menu)?.ordered ?? false;
  const ids = new Set(changes.map((c) => c.id));
  const items = data.items.filter((e) => !ids.has(e.id));
  const back = changes.filter((c) => c.entry).sort((a, b) => a.position - b.position);
  for (const c of back) {
    if (ordered) items.splice(Math.min(c.position, items.length), 0, c.entry!);
    else items.push(c.entry!);
  }
  if (!ordered) items.sort((a, b) => a.id - b.id);
  return { rev, items };
}

/**
 * Folds one config.changes event into the cache: each changed menu's list moves to the event's
 * revision (lists already there or further are left alone); a reset makes every menu print again.
 */
export function foldChange(qc: QueryClient, ev: ConfigChange): void {
  if (ev.kind === 'reset') {
    // The agent does not know our revision (its data was replaced): print every menu again.
    void qc.invalidateQueries({ queryKey: ['config'] });
    return;
  }
  const byMenu = new Map<MenuName, EntryChange[]>();
  for (const c of ev.changes) byMenu.set(c.menu, [...(byMenu.get(c.menu) ?? []), c]);
  for (const [menu, changes] of byMenu) {
    qc.setQueryData<MenuData>(menuKey(menu), (old) =>
      old && old.rev < ev.rev ? applyToMenu(old, ev.rev, changes) : old,
    );
  }
  // A policy's status (invalid, SA addresses) depends on peers and on the other policies.
  if (byMenu.has('peer') || byMenu.has('policy')) void qc.invalidateQueries({ queryKey: menuKey('policy') });
  // A certificate's issued-by and flags depend on the other certificates (rename, re-sign, remove).
  if (byMenu.has('certificate')) void qc.invalidateQueries({ queryKey: menuKey('certificate') });
}

/** Subscribes once to config.changes from the current revision and folds events into the cache. */
export async function startConfigSync(qc: QueryClient, onEvent?: (ev: ConfigChange) => void): Promise<() => void> {
  const first = await trpc().config.print.query({ menu: 'settings' });
  qc.setQueryData(menuKey('settings'), first);
  const sub = trpc().config.changes.subscribe(
    { since: first.rev },
    {
      onData: (tracked) => {
        foldChange(qc, tracked.data);
        onEvent?.(tracked.data);
      },
      onError: (e) => console.error('config.changes', e),
    },
  );
  return () => sub.unsubscribe();
}

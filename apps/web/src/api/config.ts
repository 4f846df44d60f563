// Config menus in the react-query cache, kept current by one config.changes subscription
// (resumed by revision after a reconnect; no polling).
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { getMenu } from '@ipsec/schema';
import { trpc, type Trpc } from './trpc.ts';

export interface ApiEntry {
  '.id': string;
  id: number;
  [prop: string]: unknown;
}

export interface MenuData {
  rev: number;
  items: ApiEntry[];
}

export type MenuName = Parameters<Trpc['config']['print']['query']>[0]['menu'];

export const menuKey = (menu: string) => ['config', menu] as const;

export function useMenuItems(menu: MenuName) {
  return useQuery({
    queryKey: menuKey(menu),
    queryFn: () => trpc().config.print.query({ menu }) as Promise<MenuData>,
    staleTime: Infinity,
  });
}

interface ChangeEv {
  rev: number;
  changes: { menu: string; id: number; entry: ApiEntry | null; position: number }[];
}

/** Applies one change event to a menu's cached list the way the agent's store does. */
function applyToMenu(data: MenuData, rev: number, changes: ChangeEv['changes']): MenuData {
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

/** Subscribes once to config.changes from the current revision and folds events into the cache. */
export async function startConfigSync(
  qc: QueryClient,
  onEvent?: (ev: { rev: number; user: string; kind: string; summary: string }) => void,
): Promise<() => void> {
  const first = (await trpc().config.print.query({ menu: 'settings' })) as MenuData;
  qc.setQueryData(menuKey('settings'), first);
  const sub = trpc().config.changes.subscribe(
    { since: first.rev },
    {
      onData: (tracked) => {
        const ev = tracked.data as unknown as ChangeEv & { user: string; kind: string; summary: string };
        if (ev.kind === 'reset') {
          // The agent does not know our revision (its data was replaced): print every menu again.
          void qc.invalidateQueries({ queryKey: ['config'] });
          onEvent?.(ev);
          return;
        }
        const byMenu = new Map<string, ChangeEv['changes']>();
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
        onEvent?.(ev);
      },
      onError: (e) => console.error('config.changes', e),
    },
  );
  return () => sub.unsubscribe();
}

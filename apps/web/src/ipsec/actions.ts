// The RouterOS verbs on selected entries, with confirmation where destructive and errors reported.
import { useCallback } from 'react';
import { trpc, messageOf } from '../api/trpc.ts';
import type { ApiEntry, ConfigMenuDef } from '../api/config.ts';
import { useDialogs } from '../shell/dialogs.tsx';

export function useConfigActions(menu: ConfigMenuDef) {
  const { confirm, prompt, notify } = useDialogs();
  const { name } = menu;

  const run = useCallback(
    async (what: () => Promise<unknown>): Promise<boolean> => {
      try {
        await what();
        return true;
      } catch (e) {
        notify(messageOf(e));
        return false;
      }
    },
    [notify],
  );

  return {
    remove: async (ids: number[]) => {
      if (!ids.length) return false;
      const ok = await confirm(
        `Remove ${ids.length === 1 ? 'this item' : `${ids.length} items`} from ${menu.title}?`,
        'Remove',
      );
      return ok && run(() => trpc().config.remove.mutate({ menu: name, ids }));
    },
    enable: (ids: number[]) => ids.length > 0 && run(() => trpc().config.enable.mutate({ menu: name, ids })),
    disable: (ids: number[]) => ids.length > 0 && run(() => trpc().config.disable.mutate({ menu: name, ids })),
    comment: async (entries: ApiEntry[]) => {
      if (!entries.length) return false;
      const c = await prompt(`Comment (${menu.title})`, entries.length === 1 ? String(entries[0]!.comment ?? '') : '');
      return (
        c !== null && run(() => trpc().config.comment.mutate({ menu: name, ids: entries.map((e) => e.id), comment: c }))
      );
    },
    /** Moves the selection one place up or down in an ordered menu. */
    move: async (items: ApiEntry[], ids: number[], dir: -1 | 1) => {
      const idx = items.map((e, i) => (ids.includes(e.id) ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) return false;
      let before: number | undefined;
      if (dir === -1) {
        const first = idx[0]!;
        if (first === 0) return false;
        before = items[first - 1]!.id;
      } else {
        const last = idx[idx.length - 1]!;
        if (last >= items.length - 1) return false;
        before = items[last + 2]?.id; // undefined = to the end
      }
      return run(() => trpc().config.move.mutate({ menu: name, ids, ...(before !== undefined ? { before } : {}) }));
    },
  };
}

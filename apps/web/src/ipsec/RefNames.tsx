// Names of a referenced menu's entries (for ref selects), loaded only for ref fields.
import type { ReactNode } from 'react';
import { findConfigMenu, useMenuItems, type ConfigMenuDef } from '../api/config.ts';

export function RefNames({
  menu,
  children,
}: {
  menu: string | undefined;
  children: (names: string[] | undefined) => ReactNode;
}) {
  if (!menu) return <>{children(undefined)}</>;
  const target = findConfigMenu(menu);
  if (!target) return <>{children([])}</>;
  return <Loaded menu={target}>{children}</Loaded>;
}

function Loaded({ menu, children }: { menu: ConfigMenuDef; children: (names: string[] | undefined) => ReactNode }) {
  const q = useMenuItems(menu.name);
  const key = menu.key ?? 'name';
  const names = (q.data?.items ?? []).map((e) => String(e[key] ?? '')).filter(Boolean);
  return <>{children(names)}</>;
}

// Names of a referenced menu's entries (for ref selects), loaded only for ref fields.
import type { ReactNode } from 'react';
import { getMenu } from '@ipsec/schema';
import { useMenuItems, type MenuName } from '../api/config.ts';

export function RefNames({
  menu,
  children,
}: {
  menu: string | undefined;
  children: (names: string[] | undefined) => ReactNode;
}) {
  if (!menu) return <>{children(undefined)}</>;
  return <Loaded menu={menu}>{children}</Loaded>;
}

function Loaded({ menu, children }: { menu: string; children: (names: string[] | undefined) => ReactNode }) {
  const q = useMenuItems(menu as MenuName);
  const key = getMenu(menu)?.key ?? 'name';
  const names = (q.data?.items ?? []).map((e) => String(e[key] ?? '')).filter(Boolean);
  return <>{children(names)}</>;
}

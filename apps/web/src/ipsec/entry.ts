// What the entry dialog needs besides the widgets: which dialog a route segment opens, the name a
// copy gets, and the singular of a menu title.
import type { ApiEntry } from '../api/config.ts';

export type DialogMode = { kind: 'edit'; id: number } | { kind: 'new' } | { kind: 'copy'; from: number };

/** The dialog a route segment opens: "new", "copy-3" or "3" (#/ip/ipsec/peers/3). */
export function dialogModeOf(item: string | undefined): DialogMode | null {
  if (!item) return null;
  if (item === 'new') return { kind: 'new' };
  const copy = /^copy-(\d+)$/.exec(item);
  if (copy) return { kind: 'copy', from: Number(copy[1]) };
  return /^\d+$/.test(item) ? { kind: 'edit', id: Number(item) } : null;
}

/** "Peers" -> "Peer", "Identities" -> "Identity": the dialog title's name for one entry. */
export const singular = (title: string) => (title.endsWith('ies') ? title.slice(0, -3) + 'y' : title.replace(/s$/, ''));

/** "<name>-copy", "<name>-copy2", ...: the first name not taken (the agent picks the same for copyFrom). */
export function copyName(items: readonly ApiEntry[], key: string, name: string): string {
  const taken = new Set(items.map((e) => e[key]));
  for (let n = 1; ; n++) {
    const candidate = `${name}-copy${n > 1 ? n : ''}`;
    if (!taken.has(candidate)) return candidate;
  }
}

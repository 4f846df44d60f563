import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import {
  applyToMenu,
  configMenu,
  findConfigMenu,
  foldChange,
  menuKey,
  type ApiEntry,
  type ConfigChange,
  type MenuData,
} from '../src/api/config.ts';

const e = (id: number, name = `e${id}`): ApiEntry => ({ '.id': `*${id}`, id, name });
const ids = (d: MenuData | undefined) => d?.items.map((x) => x.id);
type EntryChange = ConfigChange['changes'][number];
const change = (c: Partial<EntryChange> & Pick<EntryChange, 'menu' | 'id'>): EntryChange => ({
  entry: e(c.id),
  position: 0,
  ...c,
});
const event = (rev: number, changes: EntryChange[], kind: ConfigChange['kind'] = 'change'): ConfigChange => ({
  rev,
  at: 0,
  user: 'admin',
  kind,
  summary: '',
  changes,
});

describe('applyToMenu', () => {
  it('an ordered menu (policies) takes entries at their position', () => {
    const data = { rev: 1, items: [e(1), e(2), e(3)] };
    const out = applyToMenu(data, 2, [change({ menu: 'policy', id: 9, position: 1 })]);
    expect(out.rev).toBe(2);
    expect(ids(out)).toEqual([1, 9, 2, 3]);
    expect(ids(data)).toEqual([1, 2, 3]); // the cached list is not mutated
  });

  it('an ordered menu moves an entry by removing it and inserting it at its new position', () => {
    const out = applyToMenu({ rev: 1, items: [e(1), e(2), e(3)] }, 2, [change({ menu: 'policy', id: 3, position: 0 })]);
    expect(ids(out)).toEqual([3, 1, 2]);
  });

  it('an unordered menu keeps entries sorted by id, and a null entry removes', () => {
    const out = applyToMenu({ rev: 1, items: [e(1), e(4), e(6)] }, 2, [
      change({ menu: 'peer', id: 5 }),
      change({ menu: 'peer', id: 4, entry: null }),
      change({ menu: 'peer', id: 1, entry: e(1, 'renamed') }),
    ]);
    expect(out.items.map((x) => [x.id, x.name])).toEqual([
      [1, 'renamed'],
      [5, 'e5'],
      [6, 'e6'],
    ]);
  });
});

describe('foldChange', () => {
  const cached = (qc: QueryClient, menu: 'peer' | 'policy' | 'certificate' | 'proposal', rev: number) =>
    qc.setQueryData(menuKey(menu), { rev, items: [e(1)] });
  const stale = (qc: QueryClient, menu: 'peer' | 'policy' | 'certificate' | 'proposal') =>
    qc.getQueryState(menuKey(menu))?.isInvalidated;

  it('moves each changed menu to the revision, leaving lists already there alone', () => {
    const qc = new QueryClient();
    cached(qc, 'proposal', 4);
    cached(qc, 'peer', 5);
    foldChange(qc, event(5, [change({ menu: 'proposal', id: 2 }), change({ menu: 'peer', id: 2 })]));
    expect(qc.getQueryData<MenuData>(menuKey('proposal'))).toEqual({ rev: 5, items: [e(1), e(2)] });
    expect(ids(qc.getQueryData<MenuData>(menuKey('peer')))).toEqual([1]);
  });

  it('leaves menus nobody printed yet uncached', () => {
    const qc = new QueryClient();
    foldChange(qc, event(5, [change({ menu: 'proposal', id: 2 })]));
    expect(qc.getQueryData(menuKey('proposal'))).toBeUndefined();
  });

  it('reprints policies after a peer change and certificates after a certificate change', () => {
    const qc = new QueryClient();
    for (const m of ['peer', 'policy', 'certificate', 'proposal'] as const) cached(qc, m, 1);
    foldChange(qc, event(2, [change({ menu: 'peer', id: 2 })]));
    expect(stale(qc, 'policy')).toBe(true);
    expect(stale(qc, 'certificate')).toBe(false);
    foldChange(qc, event(3, [change({ menu: 'certificate', id: 2 })]));
    expect(stale(qc, 'certificate')).toBe(true);
    expect(stale(qc, 'proposal')).toBe(false);
  });

  it('a reset reprints every menu', () => {
    const qc = new QueryClient();
    for (const m of ['peer', 'proposal'] as const) cached(qc, m, 1);
    foldChange(qc, event(1, [], 'reset'));
    expect(stale(qc, 'peer')).toBe(true);
    expect(stale(qc, 'proposal')).toBe(true);
    expect(ids(qc.getQueryData<MenuData>(menuKey('peer')))).toEqual([1]);
  });
});

describe('configMenu', () => {
  it("is the schema's menu, found by name", () => {
    expect(configMenu('peer').path).toBe('ip/ipsec/peer');
    expect(findConfigMenu('pool')?.title).toBeDefined();
    expect(findConfigMenu('no-such-menu')).toBeUndefined();
  });
});

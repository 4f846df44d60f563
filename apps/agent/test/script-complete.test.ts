// Tab completion for the Terminal: menus and commands where the line is, property names, value sets from the
// schema, and names of entries that exist.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../src/store/config-store.ts';
import { openDb } from '../src/store/db.ts';
import { complete } from '../src/script/complete.ts';

const dir = mkdtempSync(join(tmpdir(), 'ipsec-complete-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opened = openDb(dir);
if (!opened.ok) throw new Error(opened.error);
const store = new ConfigStore(opened.value.db, opened.value.box);
store.apply('admin', [
  { op: 'add', menu: 'profile', values: { name: 'prof-a' } },
  { op: 'add', menu: 'peer', values: { name: 'peer-a', address: '10.0.0.1/32', profile: 'prof-a' } },
]);
const config = store.config();

describe('complete', () => {
  it('menus and commands along a path, absolute or from the current menu', () => {
    expect(complete('/ip ips', [], config)).toEqual({ word: 'ips', options: ['ipsec'] });
    expect(complete('/ip ipsec p', [], config).options).toEqual(['peer', 'policy', 'profile', 'proposal']);
    expect(complete('pe', ['ip', 'ipsec'], config).options).toEqual(['peer']);
    expect(complete('/ip ipsec peer pr', [], config).options).toEqual(['print']);
    expect(complete('.. po', ['ip', 'ipsec', 'peer'], config).options).toEqual(['policy']);
  });

  it('property names after a command, and value sets after "="', () => {
    expect(complete('add exch', ['ip', 'ipsec', 'peer'], config).options).toEqual(['exchange-mode=']);
    expect(complete('add exchange-mode=i', ['ip', 'ipsec', 'peer'], config).options).toEqual(['exchange-mode=ike2']);
    expect(complete('add passive=', ['ip', 'ipsec', 'peer'], config).options).toEqual(['passive=no', 'passive=yes']);
    expect(complete('/ip ipsec proposal add pfs-group=modp1', [], config).options).toEqual([
      'pfs-group=modp1024',
      'pfs-group=modp1536',
    ]);
  });

  it('names of existing entries for references and targets', () => {
    expect(complete('add profile=', ['ip', 'ipsec', 'peer'], config).options).toEqual([
      'profile=default',
      'profile=prof-a',
    ]);
    expect(complete('set pe', ['ip', 'ipsec', 'peer'], config).options).toEqual(['peer-a']);
    expect(complete('/ip ipsec export ', [], config).options).toContain('show-sensitive');
  });
});

// Every command block of the IPsec guides in seed 000 (the RouterOS manual) and seed 001 (guides), pasted verbatim
// into POST /rest/execute on a real agent, one fresh agent per router of a guide (fixtures/seed-ipsec-blocks.json
// says where each block came from and what it must do). A block that runs has its objects checked through the
// REST menus, read back independently of the interpreter; a refused one names line, column (and property) and
// stores nothing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { CONFIG_MENUS, parseBool, type MenuDef } from '@ipsec/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rest, startTestAgent, type TestAgent } from './harness.ts';

interface Outcome {
  ok?: true;
  warnings?: string[];
  error?: { line: number; column: number; property?: string; says: string };
  why?: string;
}
interface Block {
  id: string;
  seed: string;
  lines: [number, number];
  section: string;
  router: string;
  agentMenus: boolean;
  text: string;
  expect: Outcome;
  expectSkippingUnknownMenus?: Outcome;
  repaired?: string;
  repair?: string;
  expectRepaired?: Outcome;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/seed-ipsec-blocks.json', import.meta.url), 'utf8')) as {
  blocks: Block[];
};

const scenarios = new Map<string, Block[]>();
for (const b of fixture.blocks) {
  const key = `${b.section} — ${b.router}`;
  scenarios.set(key, [...(scenarios.get(key) ?? []), b]);
}

it('the fixture holds the seeds’ IPsec blocks', () => {
  const ids = fixture.blocks.map((b) => b.id);
  expect(new Set(ids).size).toBe(ids.length);
  // Each block is the seed's text at its line numbers, verbatim.
  const seeds = Object.fromEntries(['000', '001'].map((n) => [n, seedText('/work/shared/seeds', n)]));
  for (const b of fixture.blocks) {
    const lines = seeds[b.seed]?.split('\n');
    if (!lines) continue; // the seeds are not on every machine; the fixture is
    expect(lines.slice(b.lines[0] - 1, b.lines[1]).join('\n') + '\n', b.id).toBe(b.text);
  }
  expect(fixture.blocks.filter((b) => b.text.includes('/ip ipsec')).length).toBeGreaterThan(90);
});

/** A seed's text, where the seeds are (the task machine); the fixture carries the blocks everywhere else. */
function seedText(dir: string, n: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).find((f) => f.startsWith(`${n}_`));
  return file ? readFileSync(`${dir}/${file}`, 'utf8') : undefined;
}

for (const [name, blocks] of scenarios) {
  describe(name, () => {
    let t: TestAgent;
    beforeAll(async () => {
      t = await startTestAgent();
    });
    afterAll(async () => {
      await t.close();
    });

    for (const b of blocks) {
      it(`${b.id} (seed ${b.seed} lines ${b.lines[0]}-${b.lines[1]})`, async () => {
        const revision = () => t.agent.services.config.store.revision();
        const runs: [string, boolean, Outcome | undefined][] = [
          [b.text, false, b.expect],
          [b.text, true, b.expectSkippingUnknownMenus],
          [b.repaired ?? '', true, b.expectRepaired],
        ];
        for (const [script, skip, want] of runs) {
          if (!want) continue;
          const before = revision();
          const r = await rest(t.url, 'POST', 'execute', { script, ...(skip ? { 'skip-unknown-menus': 'yes' } : {}) });
          if (want.ok) {
            expect(r.status, r.text).toBe(200);
            expect(r.json.warnings ?? [], r.text).toEqual(want.warnings ?? []);
            await checkObjects(t, script);
          } else {
            expect(r.status, r.text).toBe(400);
            const e = want.error!;
            expect(r.json).toMatchObject({
              line: e.line,
              column: e.column,
              ...(e.property ? { property: e.property } : {}),
            });
            expect(r.json.detail).toContain(e.says);
            expect(r.json.detail).toContain('nothing was stored');
            expect(revision()).toBe(before);
          }
        }
      }, 30_000);
    }
  });
}

// ------------------------------------------------------------------------------------- reading the objects back
const MENUS = CONFIG_MENUS as readonly MenuDef[];

/** The agent's menu a typed path names (RouterOS takes unambiguous prefixes: "mode-conf"). */
function menuAt(words: string[]): MenuDef | undefined {
  return MENUS.find((m) => {
    const segs = m.path.split('/');
    return segs.length === words.length && segs.every((s, i) => s.startsWith(words[i]!));
  });
}

/** `k=v` words of a command line, values unquoted and unescaped. */
function pairs(words: string[], menu: MenuDef): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const m = /^([a-z-]+)=(.*)$/s.exec(w);
    if (!m) continue;
    let v = m[2]!;
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    const names = Object.keys(menu.fields);
    const prop = names.includes(m[1]!) ? m[1]! : names.find((n) => n.startsWith(m[1]!));
    if (prop) out[prop] = v;
  }
  return out;
}

/** What REST shows for a value given as text: the field's own print of its parsed value ("yes" -> "true"). */
function shown(menu: MenuDef, prop: string, text: string): string {
  const field = menu.fields[prop]!;
  if (field.meta.secret) return '********';
  if (field.kind === 'bool') return String(parseBool(text));
  const parsed = field.schema.safeParse(text);
  return parsed.success ? field.print(parsed.data) : text;
}

/** Each add and set of the script, on the agent's menus, must be there through REST with what it gave. */
async function checkObjects(t: TestAgent, script: string): Promise<void> {
  // Continuations joined; an escaped space ("=\\ 10.5.8.0/24", a flattened continuation) only pads a list value.
  const lines = script
    .replace(/\\\r?\n\s*/g, '')
    .replace(/=\\ /g, '=')
    .split('\n');
  let cwd: string[] = [];
  for (const raw of lines) {
    const words = raw.trim().match(/"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+=?"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    if (words.length === 0 || words[0]!.startsWith('#')) continue;
    let path = cwd;
    let i = 0;
    if (words[0]!.startsWith('/')) {
      path = [words[0]!.slice(1)];
      i = 1;
      while (i < words.length && !/^(add|set|print|sign|remove|export)$/.test(words[i]!) && !words[i]!.includes('='))
        path.push(words[i++]!);
      if (i === words.length) {
        cwd = path;
        continue;
      }
    }
    const menu = menuAt(path);
    const cmd = words[i];
    if (!menu || (cmd !== 'add' && cmd !== 'set')) continue;
    const props = pairs(words.slice(i + 1), menu);
    const entries = (await rest(t.url, 'GET', menu.path)).json as Record<string, string>[] | Record<string, string>;
    const list = Array.isArray(entries) ? entries : [entries];
    let candidates = list;
    if (cmd === 'set' && !menu.single) {
      const target = words[i + 1]!;
      const byName = /name="?([^"\]\s]+)"?/.exec(target)?.[1] ?? (target.startsWith('[') ? undefined : target);
      candidates = list.filter((e) =>
        byName === 'default' ? e.default === 'true' || e.name === 'default' : e.name === byName,
      );
      if (candidates.length === 0) continue; // a set on nothing (the guide's entry is not in this guide): a warning
    }
    const match = candidates.find((e) => Object.entries(props).every(([k, v]) => e[k] === shown(menu, k, v)));
    expect(match, `${menu.path}: no entry with ${JSON.stringify(props)} after "${raw}"`).toBeDefined();
  }
}

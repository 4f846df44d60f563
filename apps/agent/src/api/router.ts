// The agent's tRPC API: every config menu's RouterOS verbs, atomic batches, undo/redo, and
// subscriptions that stream changes (resumable by revision) and live state.
import { on } from 'node:events';
import { hostname } from 'node:os';
import { TRPCError, tracked } from '@trpc/server';
import { inputProperties, menuNameSchema, getMenu, type MenuName, type Result } from '@ipsec/schema';
import { z } from 'zod';
import { USER_GROUPS, type UserRefusal, type Users } from '../auth/users.ts';
import type { LiveState, LogLine } from '../live/live-state.ts';
import type { ChangeEvent } from '../store/config-store.ts';
import type { ConfigService } from './config-service.ts';
import { presentEntry, type ApiEntry } from './present.ts';
import type { DynamicChange } from '../live/dynamic-entries.ts';
import { LiveDiff } from '../live/watch.ts';
import { authed, full, router, writer } from './trpc.ts';
import { wizardRouter } from '../wizard/router.ts';
import { MAX_SCRIPT_LENGTH } from '../script/parse.ts';
import { formatScriptError, runScript } from '../script/run.ts';
import { complete } from '../script/complete.ts';

export interface Services {
  config: ConfigService;
  users: Users;
  live: LiveState;
}

const values = inputProperties;
const ids = z.array(z.number().int().positive()).min(1);
const menu = menuNameSchema;
const WATCH_CADENCE_MS = 1000;

/** Resolves after `ms`, or at once when the subscription ends. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A refused user change as the tRPC error a client sees (the message names the field). */
function userResult<T>(r: Result<T, UserRefusal>): T {
  if (r.ok) return r.value;
  throw new TRPCError({ code: r.error.status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', message: r.error.message });
}

const op = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), menu, values, copyFrom: z.number().int().optional() }),
  z.object({ op: z.literal('set'), menu, id: z.number().int(), values }),
  z.object({ op: z.literal('remove'), menu, id: z.number().int() }),
  z.object({ op: z.literal('move'), menu, ids, before: z.number().int().optional() }),
]);

export interface PresentedChange {
  rev: number;
  at: number;
  user: string;
  /**
   * 'reset': the client's revision is unknown here; it must print every menu again. 'dynamic': run-time entries
   * (generated policies) or live status changed; `rev` is the current revision, not a new one.
   */
  kind: ChangeEvent['kind'] | 'reset' | 'dynamic';
  summary: string;
  changes: { menu: MenuName; id: number; entry: ApiEntry | null; position: number }[];
}

export function createRouter(s: Services) {
  const present = (ev: ChangeEvent): PresentedChange => {
    const config = s.config.store.config();
    return {
      ...ev,
      changes: ev.changes.map((c) => ({
        ...c,
        entry: c.entry ? presentEntry(getMenu(c.menu)!, c.entry, config, s.live.dynamic) : null,
      })),
    };
  };

  /** Run-time changes as the stream shows them: the entry as it is now (null when gone) at its print position. */
  const presentDynamicChanges = (list: DynamicChange[]): PresentedChange => {
    const rev = s.config.store.revision();
    const byMenu = new Map<MenuName, ApiEntry[]>();
    const printed = (m: MenuName) => byMenu.get(m) ?? byMenu.set(m, s.config.print(m).items).get(m)!;
    const changes = list.map((c) => {
      const items = printed(c.menu);
      const position = items.findIndex((e) => e.id === c.id);
      return {
        menu: c.menu,
        id: c.id,
        entry: position >= 0 ? items[position]! : null,
        position: Math.max(position, 0),
      };
    });
    const added = list.filter((c) => c.kind === 'added').length;
    const removed = list.filter((c) => c.kind === 'removed').length;
    const summary = [
      added ? `${added} dynamic entr${added === 1 ? 'y' : 'ies'} added or changed` : '',
      removed ? `${removed} removed` : '',
      list.length - added - removed ? 'live status changed' : '',
    ]
      .filter(Boolean)
      .join(', ');
    return { rev, at: Date.now(), user: 'system', kind: 'dynamic', summary, changes };
  };

  return router({
    config: router({
      print: authed.input(z.object({ menu })).query(({ input }) => s.config.print(input.menu)),
      get: authed
        .input(z.object({ menu, id: z.number().int() }))
        .query(({ input }) => s.config.get(input.menu, input.id)),
      add: writer
        .input(z.object({ menu, values, copyFrom: z.number().int().optional() }))
        .mutation(({ ctx, input }) => s.config.add(ctx.user, input.menu, input.values, input.copyFrom)),
      set: writer
        .input(z.object({ menu, ids, values }))
        .mutation(({ ctx, input }) => s.config.set(ctx.user, input.menu, input.ids, input.values)),
      remove: writer
        .input(z.object({ menu, ids }))
        .mutation(({ ctx, input }) => s.config.remove(ctx.user, input.menu, input.ids)),
      enable: writer
        .input(z.object({ menu, ids }))
        .mutation(({ ctx, input }) => s.config.set(ctx.user, input.menu, input.ids, { disabled: false })),
      disable: writer
        .input(z.object({ menu, ids }))
        .mutation(({ ctx, input }) => s.config.set(ctx.user, input.menu, input.ids, { disabled: true })),
      comment: writer
        .input(z.object({ menu, ids, comment: z.string().max(255) }))
        .mutation(({ ctx, input }) => s.config.set(ctx.user, input.menu, input.ids, { comment: input.comment })),
      move: writer
        .input(z.object({ menu, ids, before: z.number().int().optional() }))
        .mutation(({ ctx, input }) => s.config.move(ctx.user, input.menu, input.ids, input.before)),
      /** Several changes, all or nothing (the road-warrior wizard creates eight objects this way). */
      batch: writer
        .input(z.object({ ops: z.array(op).min(1).max(1000), summary: z.string().max(500).optional() }))
        .mutation(({ ctx, input }) => s.config.apply(ctx.user, input.ops, input.summary)),
      undo: writer.mutation(({ ctx }) => s.config.undo(ctx.user)),
      redo: writer.mutation(({ ctx }) => s.config.redo(ctx.user)),
      history: authed
        .input(z.object({ limit: z.number().int().min(1).max(1000).default(100) }))
        .query(({ input }) => s.config.store.history(input.limit)),
      /** System > Certificates: sign, import, export (group full; audited). */
      signCertificate: writer
        .input(z.object({ id: z.number().int(), ca: z.string().optional() }))
        .mutation(({ ctx, input }) => s.config.sign(ctx.user, input.id, input.ca || undefined)),
      importCertificate: writer
        .input(
          z.object({
            name: z.string().min(1).max(64),
            content: z
              .string()
              .min(1)
              .max(1 << 20),
            passphrase: z.string().max(1024).optional(),
            trusted: z.boolean().optional(),
          }),
        )
        .mutation(({ ctx, input }) => s.config.importCertificates(ctx.user, input)),
      exportCertificate: full
        .input(
          z.object({
            id: z.number().int(),
            type: z.enum(['pem', 'pkcs12']).default('pem'),
            passphrase: z.string().max(1024).default(''),
          }),
        )
        .mutation(({ ctx, input }) => s.config.exportCertificate(ctx.user, input.id, input.type, input.passphrase)),
      exportPublicKey: authed
        .input(z.object({ id: z.number().int() }))
        .mutation(({ ctx, input }) => s.config.exportPublicKey(ctx.user, input.id)),
      /**
       * Every change after revision `since` (or after the client's last event id when it
       * reconnects), then live. Entries arrive presented: secrets masked, status computed.
       */
      changes: authed
        .input(z.object({ since: z.number().int().min(0), lastEventId: z.string().nullish() }))
        .subscription(async function* ({ input, signal }) {
          // Two sources: stored revisions (resumable) and run-time entries/status (kind 'dynamic', carrying the
          // current revision; after a reconnect the client reprints, so nothing of them needs replaying).
          const queue: ({ store: ChangeEvent } | { dynamic: DynamicChange[] })[] = [];
          let wake: (() => void) | undefined;
          const push = (item: (typeof queue)[number]) => {
            queue.push(item);
            wake?.();
          };
          const onStore = (ev: ChangeEvent) => push({ store: ev });
          const onDynamic = (list: DynamicChange[]) => push({ dynamic: list });
          const onAbort = () => wake?.();
          s.config.store.on('change', onStore);
          s.live.dynamic.on('change', onDynamic);
          signal?.addEventListener('abort', onAbort, { once: true });
          try {
            let last = input.lastEventId ? Number(input.lastEventId) : input.since;
            const backlog = s.config.store.eventsSince(last);
            if (backlog === null) {
              // The client knows a revision this store never had (data directory replaced): start over.
              last = s.config.store.revision();
              yield tracked(String(last), {
                rev: last,
                at: Date.now(),
                user: 'system',
                kind: 'reset',
                summary: 'configuration replaced; reload',
                changes: [],
              } satisfies PresentedChange);
            }
            for (const ev of backlog ?? []) {
              last = ev.rev;
              yield tracked(String(ev.rev), present(ev));
            }
            while (!signal?.aborted) {
              const item = queue.shift();
              if (!item) {
                await new Promise<void>((resolve) => (wake = resolve));
                wake = undefined;
                continue;
              }
              if ('store' in item) {
                if (item.store.rev <= last) continue;
                last = item.store.rev;
                yield tracked(String(item.store.rev), present(item.store));
              } else yield tracked(String(last), presentDynamicChanges(item.dynamic));
            }
          } finally {
            s.config.store.off('change', onStore);
            s.live.dynamic.off('change', onDynamic);
            signal?.removeEventListener('abort', onAbort);
          }
        }),
    }),

    live: router({
      activePeers: authed.query(() => [...s.live.peers.values()]),
      installedSa: authed.query(({ ctx }) => s.config.installedSas(ctx.user)),
      statistics: authed.query(() => ({ ...s.live.statistics })),
      killConnections: writer.mutation(({ ctx }) => s.config.killConnections(ctx.user)),
      flush: writer.mutation(({ ctx }) => s.config.flushSas(ctx.user)),
      /**
       * Active Peers, Installed SAs and Statistics: everything first, then once a second only what
       * changed (counters as compact triples). The UI derives rates; it never polls.
       */
      watch: authed.subscription(async function* ({ ctx, signal }) {
        const diff = new LiveDiff(s.live, (row) => s.config.visibleSa(ctx.user, row));
        yield diff.next()!;
        while (!signal?.aborted) {
          await sleep(WATCH_CADENCE_MS, signal);
          const delta = diff.next();
          if (delta) yield delta;
        }
      }),
      log: authed
        .input(z.object({ since: z.number().int().min(0).default(0), lastEventId: z.string().nullish() }))
        .subscription(async function* ({ input, signal }) {
          const lines = on(s.live, 'log', { signal }) as AsyncIterableIterator<[LogLine]>;
          let last = input.lastEventId ? Number(input.lastEventId) : input.since;
          for (const l of s.live.logSince(last)) {
            last = l.seq;
            yield tracked(String(l.seq), l);
          }
          for await (const [l] of lines) {
            if (l.seq <= last) continue;
            last = l.seq;
            yield tracked(String(l.seq), l);
          }
        }),
    }),

    /** Road warrior / site to site wizards: preview, finish (one batch), client profiles. */
    wizard: wizardRouter(s),

    /**
     * RouterOS script (System > Script, the Terminal): runs as the user (a read user's change is FORBIDDEN). A
     * script's own error comes back as a result naming line and column, not as a thrown error. `cwd` is the
     * terminal's current menu, given back as the script leaves it.
     */
    script: router({
      run: authed
        .input(
          z.object({
            script: z.string().max(MAX_SCRIPT_LENGTH),
            skipUnknownMenus: z.boolean().default(false),
            dryRun: z.boolean().default(false),
            cwd: z.array(z.string().max(64)).max(8).default([]),
          }),
        )
        .mutation(async ({ ctx, input }) => {
          const session = { cwd: input.cwd, globals: new Map() };
          const r = await runScript(input.script, s, ctx.user, {
            skipUnknownMenus: input.skipUnknownMenus,
            dryRun: input.dryRun,
            session,
          });
          return r.ok
            ? { ok: true as const, ...r.value, cwd: session.cwd }
            : { ok: false as const, error: r.error, message: formatScriptError(r.error) };
        }),
      /** Tab in the Terminal: what may follow the line typed so far (menus, commands, properties, values, names). */
      complete: authed
        .input(z.object({ line: z.string().max(4096), cwd: z.array(z.string().max(64)).max(8).default([]) }))
        .query(({ input }) => complete(input.line, input.cwd, s.config.store.config())),
    }),

    system: router({
      me: authed.query(({ ctx }) => ({ ...ctx.user, identity: hostname() })),
      users: router({
        list: full.query(() => s.users.list()),
        add: full
          .input(
            z.object({
              name: z.string(),
              group: z.enum(USER_GROUPS),
              password: z.string(),
              comment: z.string().optional(),
            }),
          )
          .mutation(async ({ ctx, input }) => userResult(await s.users.add(ctx.user.name, input))),
        set: full
          .input(
            z.object({
              name: z.string(),
              group: z.enum(USER_GROUPS).optional(),
              password: z.string().optional(),
              comment: z.string().optional(),
              disabled: z.boolean().optional(),
            }),
          )
          .mutation(async ({ ctx, input }) => userResult(await s.users.set(ctx.user.name, input.name, input))),
        remove: full
          .input(z.object({ name: z.string() }))
          .mutation(({ ctx, input }) => userResult(s.users.remove(ctx.user.name, input.name))),
      }),
      audit: full
        .input(z.object({ limit: z.number().int().min(1).max(1000).default(200) }))
        .query(({ input }) => s.users.auditLog(input.limit)),
    }),
  });
}

export type AppRouter = ReturnType<typeof createRouter>;

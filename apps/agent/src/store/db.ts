// The agent's SQLite file: configuration entries, revisions (undo/redo + audit), users, sessions.
// WAL with synchronous=FULL: a change acknowledged to a client survives kill -9 and power loss.
// Only the agent's user reads it: the data directory is 0700 and the files 0600, whatever they were before, and
// the secrets in it are sealed with the key file beside it (secret-box.ts).
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok, type Result } from '@ipsec/schema';
import { sealChanges, sealValues, type ChangeRecord } from './at-rest.ts';
import { SecretBox } from './secret-box.ts';

export type Db = Database.Database;

/** A migration: SQL, or work SQLite cannot do alone (it returns what to tell the Log). */
type Migration = string | ((db: Db, box: SecretBox) => string[]);

const MIGRATIONS: Migration[] = [
  `CREATE TABLE entries (
     menu TEXT NOT NULL,
     id INTEGER NOT NULL,
     position INTEGER NOT NULL,
     builtin INTEGER NOT NULL DEFAULT 0,
     data TEXT NOT NULL,
     PRIMARY KEY (menu, id)
   );
   CREATE TABLE id_counters (menu TEXT PRIMARY KEY, next_id INTEGER NOT NULL);
   CREATE TABLE revisions (
     rev INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     user TEXT NOT NULL,
     kind TEXT NOT NULL,            -- change | undo | redo
     target INTEGER,                -- the revision an undo/redo acts on
     summary TEXT NOT NULL,         -- human-readable, secrets never included
     changes TEXT NOT NULL,         -- JSON [{menu,id,before,after,position}] for undo/redo
     undone INTEGER NOT NULL DEFAULT 0  -- change revisions: 0 live, 1 undone (redoable), 2 undone for good
   );
   CREATE TABLE users (
     name TEXT PRIMARY KEY,
     grp TEXT NOT NULL,
     hash TEXT NOT NULL,
     comment TEXT NOT NULL DEFAULT '',
     disabled INTEGER NOT NULL DEFAULT 0,
     created INTEGER NOT NULL
   );
   CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);
   CREATE TABLE audit (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);`,
  sealClearSecrets,
];

/** The database, the key that opens its secrets, and what was fixed on the way (for the Log). */
export interface OpenedDb {
  db: Db;
  box: SecretBox;
  notes: string[];
}

export function openDb(dataDir: string): Result<OpenedDb> {
  const notes: string[] = [];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  tighten(dataDir, 0o700, notes);
  const file = join(dataDir, 'agent.sqlite');
  // SQLite gives -wal and -shm the mode of the database file: it exists 0600 before SQLite opens it.
  if (!existsSync(file)) writeFileSync(file, '', { mode: 0o600 });
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) tighten(f, 0o600, notes);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Freed space is zeroed: a replaced or pruned secret leaves no old copy in the file.
  db.pragma('secure_delete = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  // A database whose secrets are sealed already needs its key file: a fresh key would open nothing.
  const keyFile = join(dataDir, 'agent.key');
  const keyed = SecretBox.open(keyFile, version < MIGRATIONS.indexOf(sealClearSecrets) + 1);
  if (!keyed.ok) {
    db.close();
    return keyed;
  }
  tighten(keyFile, 0o600, notes);
  const box = keyed.value.box;
  if (keyed.value.created)
    notes.push(`created the key file ${keyFile} that encrypts the secrets in the database: back it up with it`);
  let rewrote = false;
  for (let v = version; v < MIGRATIONS.length; v++) {
    const migration = MIGRATIONS[v]!;
    db.transaction(() => {
      if (typeof migration === 'string') db.exec(migration);
      else {
        const said = migration(db, box);
        notes.push(...said);
        rewrote ||= said.length > 0;
      }
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  if (rewrote) wipeFreedSpace(db);
  return ok({ db, box, notes });
}

/** Rebuild the file and empty the WAL, so no page keeps what a migration replaced. */
export function wipeFreedSpace(db: Db): void {
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}

function tighten(path: string, mode: number, notes: string[]): void {
  const was = statSync(path).mode & 0o777;
  if ((was & ~mode) === 0) return;
  chmodSync(path, mode);
  notes.push(`${path} was mode ${was.toString(8)}: made ${mode.toString(8)}`);
}

/** Version 2: secrets written in clear by version 1, in entries and in the undo history, sealed. */
function sealClearSecrets(db: Db, box: SecretBox): string[] {
  const sealed = { count: 0 };
  const entries = db.prepare('SELECT menu, id, data FROM entries').all() as {
    menu: string;
    id: number;
    data: string;
  }[];
  const setEntry = db.prepare('UPDATE entries SET data = ? WHERE menu = ? AND id = ?');
  for (const e of entries) {
    const before = sealed.count;
    const data = sealValues(box, e.menu, JSON.parse(e.data) as Record<string, unknown>, sealed);
    if (sealed.count > before) setEntry.run(JSON.stringify(data), e.menu, e.id);
  }
  const revisions = db.prepare('SELECT rev, changes FROM revisions').all() as { rev: number; changes: string }[];
  const setChanges = db.prepare('UPDATE revisions SET changes = ? WHERE rev = ?');
  for (const r of revisions) {
    const before = sealed.count;
    const changes = sealChanges(box, JSON.parse(r.changes) as ChangeRecord[], sealed);
    if (sealed.count > before) setChanges.run(JSON.stringify(changes), r.rev);
  }
  return sealed.count ? [`encrypted ${sealed.count} secrets an older version kept in clear in the database`] : [];
}

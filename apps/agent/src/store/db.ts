// The agent's SQLite file: configuration entries, revisions (undo/redo + audit), users, sessions.
// WAL with synchronous=FULL: a change acknowledged to a client survives kill -9 and power loss.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

const MIGRATIONS: string[] = [
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
];

export function openDb(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, 'agent.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

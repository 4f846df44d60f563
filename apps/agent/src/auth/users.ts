// System > Users: the agent's own logins, with RouterOS groups full / write / read.
//   read  - sees everything except secrets, changes nothing
//   write - also changes the IPsec configuration
//   full  - also manages users, sees SA keys, exports private keys
// Passwords are stored as scrypt hashes; sessions as SHA-256 of a random token (a stolen
// database file gives no usable session cookie).
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { err, ok, plainText, type Result } from '@ipsec/schema';
import { z } from 'zod';
import type { Db } from '../store/db.ts';

export const USER_GROUPS = ['full', 'write', 'read'] as const;
export type UserGroup = (typeof USER_GROUPS)[number];

export interface User {
  /** SQLite's rowid: the RouterOS `.id` of /rest/user. */
  id: number;
  name: string;
  group: UserGroup;
  comment: string;
  disabled: boolean;
}

/** A user's fields and their rules, for the web (tRPC) and REST alike. */
const userFields = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'name: 1-64 letters, digits, . _ @ -'),
  group: z.enum(USER_GROUPS, { error: 'group: must be full, write or read' }),
  password: z.string().min(8, 'password: at least 8 characters').max(256, 'password: at most 256 characters'),
  comment: z
    .string()
    .max(255, 'comment: at most 255 characters')
    .superRefine((v, ctx) => {
      const text = plainText(v); // the schema's one rule for text values
      if (!text.ok) ctx.addIssue({ code: 'custom', message: `comment: ${text.error}` });
    }),
  disabled: z.boolean({ error: 'disabled: must be yes or no' }),
});

const userInput = userFields.extend({
  comment: userFields.shape.comment.default(''),
  disabled: userFields.shape.disabled.default(false),
});

export const SESSION_COOKIE = 'ipsec_session';
const SESSION_TTL_MS = 12 * 3600 * 1000;

const SCRYPT: ScryptOptions = { N: 16384, r: 8, p: 1 };

/** scrypt on libuv's thread pool: slow on purpose, so never on the event loop while the agent serves. */
function scryptAsync(password: string, salt: Buffer, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, SCRYPT, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

function formatHash(salt: Buffer, hash: Buffer): string {
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return formatHash(salt, await scryptAsync(password, salt, 32));
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const got = await scryptAsync(password, Buffer.from(saltB64, 'base64'), expected.length);
  return timingSafeEqual(got, expected);
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// A hash to compare against when the user does not exist, so timing does not reveal user names.
// Made once when the module loads, before the agent serves anything.
const DUMMY_SALT = randomBytes(16);
const DUMMY_HASH = formatHash(DUMMY_SALT, scryptSync(randomBytes(12).toString('hex'), DUMMY_SALT, 32, SCRYPT));

/** Why a user change was refused, naming the field (or 404 when the user does not exist). */
export interface UserRefusal {
  status: 400 | 404;
  message: string;
}

/** A user's fields as a caller hands them in (web or REST): Users checks each one itself. */
export type UserFieldsInput = { [K in keyof z.infer<typeof userFields>]?: unknown };

// No defaults here: a field the patch leaves out keeps its value.
const userPatch = userFields.omit({ name: true }).partial();

/** Zod's issues as one line that names each field. */
function refusal(e: z.ZodError): UserRefusal {
  const text = e.issues.map((i) => {
    const field = i.path.join('.');
    return !field || i.message.startsWith(`${field}:`) ? i.message : `${field}: ${i.message}`;
  });
  return { status: 400, message: text.join('; ') };
}

/**
 * The users and their sessions. Every change (add, set, remove) bumps `revision` and emits `change` with the
 * user's name once committed: whatever holds a user beyond one request (the Basic-auth cache, open WebSockets)
 * follows at once.
 */
export class Users extends EventEmitter<{ change: [name: string] }> {
  private changes = 0;
  constructor(private readonly db: Db) {
    super();
  }

  /** Changes since the agent started: a credential checked at an older revision must be checked again. */
  get revision(): number {
    return this.changes;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  list(): User[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY name`).all() as Row[]).map(toUser);
  }

  get(name: string): User | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE name = ?`).get(name) as Row | undefined;
    return row && toUser(row);
  }

  async add(by: string, input: UserFieldsInput): Promise<Result<User, UserRefusal>> {
    const parsed = userInput.safeParse(input);
    if (!parsed.success) return err(refusal(parsed.error));
    const u = parsed.data;
    const exists = () => err({ status: 400 as const, message: `name: user "${u.name}" already exists` });
    if (this.get(u.name)) return exists();
    const hash = await hashPassword(u.password);
    if (this.get(u.name)) return exists(); // added by another request while the hash was made
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO users (name, grp, hash, comment, disabled, created) VALUES (?, ?, ?, ?, ?, ?)')
        .run(u.name, u.group, hash, u.comment, u.disabled ? 1 : 0, Date.now());
      this.audit(by, 'user add', `${u.name} group=${u.group}${u.disabled ? ' disabled=yes' : ''}`);
    })();
    this.changed(u.name);
    return ok(this.get(u.name)!);
  }

  async set(by: string, name: string, patch: UserFieldsInput): Promise<Result<User, UserRefusal>> {
    const parsed = userPatch.safeParse(patch);
    if (!parsed.success) return err(refusal(parsed.error));
    const p = parsed.data;
    const hash = p.password ? await hashPassword(p.password) : undefined;
    // read after the hash: the checks below see the user as it is when the change is written
    const cur = this.get(name);
    if (!cur) return err({ status: 404, message: `name: no such user "${name}"` });
    const next = {
      ...cur,
      ...(p.group ? { group: p.group } : {}),
      ...(p.comment !== undefined ? { comment: p.comment } : {}),
      ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
    };
    if (cur.group === 'full' && (next.group !== 'full' || next.disabled) && this.fullUsersExcept(name) === 0) {
      return err({ status: 400, message: 'group: the last enabled full user cannot be demoted or disabled' });
    }
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE users SET grp = ?, comment = ?, disabled = ? WHERE name = ?')
        .run(next.group, next.comment, next.disabled ? 1 : 0, name);
      if (hash) this.db.prepare('UPDATE users SET hash = ? WHERE name = ?').run(hash, name);
      // A new password, a new group or disabling ends the user's sessions (open sockets close).
      if (p.password || next.disabled || next.group !== cur.group)
        this.db.prepare('DELETE FROM sessions WHERE user = ?').run(name);
      this.audit(
        by,
        'user set',
        `${name}${p.group ? ` group=${p.group}` : ''}${p.password ? ' password=(set)' : ''}` +
          `${p.disabled !== undefined ? ` disabled=${p.disabled ? 'yes' : 'no'}` : ''}`,
      );
    })();
    this.changed(name);
    return ok(this.get(name)!);
  }

  remove(by: string, name: string): Result<void, UserRefusal> {
    const cur = this.get(name);
    if (!cur) return err({ status: 404, message: `name: no such user "${name}"` });
    if (cur.group === 'full' && this.fullUsersExcept(name) === 0)
      return err({ status: 400, message: 'name: the last full user cannot be removed' });
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM sessions WHERE user = ?').run(name);
      this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
      this.audit(by, 'user remove', name);
    })();
    this.changed(name);
    return ok(undefined);
  }

  /** Check a password. Always spends one scrypt, whether or not the user exists. */
  async authenticate(name: string, password: string): Promise<User | undefined> {
    const row = this.db.prepare(`SELECT ${COLUMNS}, hash FROM users WHERE name = ?`).get(name) as
      (Row & { hash: string }) | undefined;
    const ok = await verifyPassword(password, row?.hash ?? DUMMY_HASH);
    if (!row || !ok || row.disabled) return undefined;
    return toUser(row);
  }

  createSession(user: string): string {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    this.db.prepare('DELETE FROM sessions WHERE expires < ?').run(now);
    this.db
      .prepare('INSERT INTO sessions (id_hash, user, created, expires) VALUES (?, ?, ?, ?)')
      .run(sha256(token), user, now, now + SESSION_TTL_MS);
    this.audit(user, 'login', 'web session');
    return token;
  }

  sessionUser(token: string | undefined): User | undefined {
    if (!token) return undefined;
    const row = this.db
      .prepare(
        'SELECT u.rowid AS id, u.name, u.grp, u.comment, u.disabled FROM sessions s JOIN users u ON u.name = s.user WHERE s.id_hash = ? AND s.expires > ?',
      )
      .get(sha256(token), Date.now()) as Row | undefined;
    return row && !row.disabled ? toUser(row) : undefined;
  }

  endSession(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha256(token));
  }

  audit(user: string, action: string, detail: string): void {
    this.db
      .prepare('INSERT INTO audit (at, user, action, detail) VALUES (?, ?, ?, ?)')
      .run(Date.now(), user, action, detail);
  }

  auditLog(limit = 200): AuditRecord[] {
    return this.db
      .prepare('SELECT seq, at, user, action, detail FROM audit ORDER BY seq DESC LIMIT ?')
      .all(limit) as AuditRecord[];
  }

  private changed(name: string): void {
    this.changes++;
    this.emit('change', name);
  }

  private fullUsersExcept(name: string): number {
    return (
      this.db
        .prepare(`SELECT COUNT(*) AS n FROM users WHERE grp = 'full' AND disabled = 0 AND name != ?`)
        .get(name) as { n: number }
    ).n;
  }
}

/** A line of the audit table, as SQLite returns it. */
export interface AuditRecord {
  seq: number;
  at: number;
  user: string;
  action: string;
  detail: string;
}

const COLUMNS = 'rowid AS id, name, grp, comment, disabled';
interface Row {
  id: number;
  name: string;
  grp: string;
  comment: string;
  disabled: number;
}
const toUser = (r: Row): User => ({
  id: r.id,
  name: r.name,
  group: r.grp as UserGroup,
  comment: r.comment,
  disabled: r.disabled === 1,
});

export const canWrite = (u: User) => u.group === 'full' || u.group === 'write';
export const isFull = (u: User) => u.group === 'full';

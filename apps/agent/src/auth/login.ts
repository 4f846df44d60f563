// Logging in, on every channel: the web login (/api/login) and HTTP Basic on REST share one limiter, one
// password check and one log line. Basic credentials are cached (scrypt is slow on purpose), but only while no
// user has changed: a new password, a new group or a removed user is seen by the very next request.
import { createHash } from 'node:crypto';
import { CONTROL_CHARACTER, err, ok, type Result } from '@ipsec/schema';
import { logger } from '../log.ts';
import { LoginLimiter } from './login-limiter.ts';
import type { User, Users } from './users.ts';

export type LoginRefusal = { status: 401; message: string } | { status: 429; message: string; retryAfter: number };

const BASIC_CACHE_MS = 60_000;
const BASIC_CACHE_MAX = 1000;
/** What a log line or the audit shows of a user name someone typed: a 10 KB name is not logged whole. */
const SHOWN_NAME_LENGTH = 64;
/** The schema's control characters (the one rule for text), every one of them. */
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

export class Logins {
  private readonly basicCache = new Map<string, { user: User; revision: number; until: number }>();
  constructor(
    private readonly users: Users,
    private readonly limiter = new LoginLimiter(),
  ) {}

  /** A name and password typed at `address`: the user, or why not (429 while that address must wait). */
  async check(
    name: string,
    password: string,
    address: string,
    channel: 'web' | 'rest',
  ): Promise<Result<User, LoginRefusal>> {
    const wait = Math.ceil(this.limiter.waitMs(name, address) / 1000);
    if (wait > 0)
      return err({ status: 429, message: `too many failed logins; try again in ${wait} s`, retryAfter: wait });
    const user = await this.users.authenticate(name, password);
    if (!user) {
      this.limiter.fail(name, address);
      const shown = shownName(name);
      this.users.audit(shown || '?', 'login failed', `from ${address} (${channel})`);
      logger.warn({ ip: address, user: shown, channel }, 'login failed');
      return err({ status: 401, message: 'wrong user name or password' });
    }
    this.limiter.succeed(name, address);
    return ok(user);
  }

  /** An `Authorization: Basic` header (RFC 7617) from `address`. */
  async basic(header: string | undefined, address: string): Promise<Result<User, LoginRefusal>> {
    const credentials = parseBasic(header);
    if (!credentials.ok) return err({ status: 401, message: credentials.error });
    const key = createHash('sha256').update(header!).digest('base64');
    const cached = this.basicCache.get(key);
    if (cached && cached.revision === this.users.revision && cached.until > Date.now()) return ok(cached.user);
    const revision = this.users.revision; // as of the check: a change while it runs makes the entry stale
    const checked = await this.check(credentials.value.name, credentials.value.password, address, 'rest');
    if (checked.ok) {
      this.basicCache.delete(key);
      this.basicCache.set(key, { user: checked.value, revision, until: Date.now() + BASIC_CACHE_MS });
      const oldest = this.basicCache.keys().next();
      if (this.basicCache.size > BASIC_CACHE_MAX && !oldest.done) this.basicCache.delete(oldest.value);
    }
    return checked;
  }
}

/** `Basic <base64 of user:password>`; the scheme is case-insensitive (RFC 7235 section 2.1). */
export function parseBasic(header: string | undefined): Result<{ name: string; password: string }> {
  const m = /^basic +([A-Za-z0-9+/=_-]+) *$/i.exec(header ?? '');
  if (!m) return err('no HTTP Basic credentials');
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return err('HTTP Basic credentials are not user:password');
  return ok({ name: decoded.slice(0, colon), password: decoded.slice(colon + 1) });
}

/** A typed user name as logs show it: at most 64 characters, control characters as "?". */
export function shownName(name: string): string {
  const chars = [...name];
  const cut = chars.length > SHOWN_NAME_LENGTH ? `${chars.slice(0, SHOWN_NAME_LENGTH).join('')}…` : name;
  return cut.replace(CONTROL_CHARACTERS, '?');
}

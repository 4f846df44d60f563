// REST endpoints around the session cookie: login, logout, who am I.
export type UserGroup = 'full' | 'write' | 'read';

export interface SessionUser {
  name: string;
  group: UserGroup;
  comment?: string;
  disabled?: boolean;
  /** The router's identity (its host name), sent with the session: what WinBox shows in titles. */
  identity?: string;
}

export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<LoginError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { message?: string; detail?: string; error?: string };
    message = body.detail || body.message || body.error || message;
  } catch {
    /* not JSON */
  }
  const retry = Number(res.headers.get('retry-after'));
  return new LoginError(message, res.status, Number.isFinite(retry) && retry > 0 ? retry : undefined);
}

export async function login(name: string, password: string): Promise<SessionUser> {
  const res = await fetch('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
    credentials: 'same-origin',
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as SessionUser;
}

export async function logout(): Promise<void> {
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' });
}

/** The logged-in user, or null when the session is missing or expired. */
export async function currentSession(): Promise<SessionUser | null> {
  const res = await fetch('/api/session', { credentials: 'same-origin' });
  if (res.status === 401) return null;
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as SessionUser;
}

export const canWrite = (u: SessionUser) => u.group === 'full' || u.group === 'write';
export const isFull = (u: SessionUser) => u.group === 'full';

// REST endpoints around the session cookie: login, logout, who am I.
import type { Result } from '@ipsec/schema/result';
import { jsonOf, send, type RestFailure } from './rest.ts';
import type { RouterOutputs } from './trpc.ts';

/**
 * The logged-in user with the router's identity (its host name, what WinBox shows in titles):
 * /api/login and /api/session answer what system.me answers.
 */
export type SessionUser = RouterOutputs['system']['me'];
export type UserGroup = SessionUser['group'];

export async function login(name: string, password: string): Promise<Result<SessionUser, RestFailure>> {
  return jsonOf(
    await send('/api/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, password }),
      credentials: 'same-origin',
    }),
  );
}

export async function logout(): Promise<void> {
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' });
}

/** The logged-in user; a failure with status 401 when the session is missing or expired. */
export async function currentSession(): Promise<Result<SessionUser, RestFailure>> {
  return jsonOf(await send('/api/session', { credentials: 'same-origin' }));
}

export const canWrite = (u: SessionUser) => u.group === 'full' || u.group === 'write';
export const isFull = (u: SessionUser) => u.group === 'full';

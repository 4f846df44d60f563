// The logged-in user, available to every window (read users get no editing controls).
import { createContext, useContext } from 'react';
import { canWrite, isFull, type SessionUser } from '../api/session.ts';

export const SessionContext = createContext<SessionUser | null>(null);

export function useSession() {
  const user = useContext(SessionContext);
  if (!user) throw new Error('no session');
  return { user, canWrite: canWrite(user), isFull: isFull(user) };
}

/** The router's identity as the agent reports it (WinBox titles say user@identity). */
export const deviceName = (u: SessionUser) => u.identity || 'router';

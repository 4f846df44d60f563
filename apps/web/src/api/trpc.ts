// The tRPC client over the agent's WebSocket (/trpc, cookie auth) and its connection state, and the
// wire contract: every type the agent sends or takes is inferred from its router, never re-declared,
// so a change on the agent side fails this app's typecheck instead of its users.
import { createTRPCClient, createWSClient, wsLink, TRPCClientError } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@ipsec/agent/router';
import { useSyncExternalStore } from 'react';

export type Trpc = ReturnType<typeof createTRPCClient<AppRouter>>;
/** What each procedure answers, as it arrives (after JSON). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** What a subscription yields, one message. */
export type Yielded<S> = S extends AsyncIterable<infer T> ? T : never;
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

let state: ConnectionState = 'connecting';
let everConnected = false;
const listeners = new Set<() => void>();
function setState(s: ConnectionState) {
  if (s === state) return;
  state = s;
  for (const l of listeners) l();
}

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

let client: Trpc | null = null;
let closeClient: (() => void) | null = null;

/** Opens the socket (after login). The ws client reconnects by itself and resumes tracked subscriptions. */
export function connect(onDisconnect: () => void): Trpc {
  disconnect();
  everConnected = false;
  setState('connecting');
  const ws = createWSClient({
    url: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/trpc',
    onOpen: () => {
      everConnected = true;
      setState('connected');
    },
    onClose: () => {
      setState(everConnected ? 'reconnecting' : 'connecting');
      onDisconnect();
    },
  });
  client = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] });
  closeClient = () => ws.close();
  return client;
}

export function disconnect() {
  closeClient?.();
  closeClient = null;
  client = null;
}

export function trpc(): Trpc {
  if (!client) throw new Error('not connected');
  return client;
}

/** An error of one of the router's procedures: its `data` has the shape of the agent's error formatter. */
type ApiError = TRPCClientError<AppRouter>;
const isApiError = (e: unknown): e is ApiError => e instanceof TRPCClientError;

/** One config issue of a refused change (menu, entry, field, message). */
export type ApiIssue = NonNullable<NonNullable<ApiError['data']>['issues']>[number];

/** Config issues carried by a tRPC error (data.issues), if any. */
export function issuesOf(e: unknown): ApiIssue[] {
  return (isApiError(e) && e.data?.issues) || [];
}

export { messageOf } from './rest.ts';

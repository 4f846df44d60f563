// The tRPC client over the agent's WebSocket (/trpc, cookie auth) and its connection state.
import { createTRPCClient, createWSClient, wsLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@ipsec/agent/router';
import { useSyncExternalStore } from 'react';

export type Trpc = ReturnType<typeof createTRPCClient<AppRouter>>;
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

export interface ApiIssue {
  menu: string;
  id?: number;
  field?: string;
  message: string;
}

/** Config issues carried by a tRPC error (data.issues), if any. */
export function issuesOf(e: unknown): ApiIssue[] {
  if (e instanceof TRPCClientError) {
    const data = e.data as { issues?: ApiIssue[] } | undefined;
    if (data?.issues) return data.issues;
  }
  return [];
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

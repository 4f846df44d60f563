// Test harness: a real agent on a real loopback socket with a fresh SQLite file, and real
// clients (fetch for REST/login, tRPC over a real WebSocket).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTRPCClient, createWSClient, TRPCClientError, wsLink, type TRPCClient } from '@trpc/client';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '../src/api/router.ts';
import { startAgent, type Agent } from '../src/server.ts';

export const ADMIN_PASSWORD = 'admin-test-pw-1';

export interface TestAgent {
  agent: Agent;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestAgent(): Promise<TestAgent> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ipsec-agent-test-'));
  const agent = await startAgent({ dataDir, port: 0, adminPassword: ADMIN_PASSWORD });
  return {
    agent,
    url: agent.url,
    dataDir,
    async close() {
      await agent.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export async function rest(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  auth = basic('admin', ADMIN_PASSWORD),
) {
  const res = await fetch(`${url}/rest/${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? (JSON.parse(text) as any) : undefined };
}

/** Log in like the web UI does; returns the session cookie. */
export async function login(url: string, name: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!;
  return cookie.split(';')[0]!;
}

export interface TrpcSession {
  client: TRPCClient<AppRouter>;
  /** Every JSON message the server sent on this socket, for "no secret anywhere" checks. */
  received: string[];
  close(): void;
}

export function trpc(url: string, cookie: string, origin?: string): TrpcSession {
  const received: string[] = [];
  const headers = { cookie, ...(origin ? { origin } : {}) };
  class CookieWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
      this.on('message', (data) => received.push(data.toString()));
    }
  }
  const wsClient = createWSClient({
    url: url.replace('http', 'ws') + '/trpc',
    WebSocket: CookieWebSocket as unknown as typeof globalThis.WebSocket,
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  return { client, received, close: () => void wsClient.close() };
}

/** Await a tRPC call that must fail; returns its TRPCClientError (and fails the test if it succeeds). */
export async function rejects(p: Promise<unknown>): Promise<TRPCClientError<any>> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TRPCClientError);
    return e as TRPCClientError<any>;
  }
  throw new Error('expected the call to fail');
}

/** Open a raw WebSocket and report how the upgrade ended: 'open' or the HTTP status. */
export function rawUpgrade(url: string, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace('http', 'ws') + '/trpc', { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

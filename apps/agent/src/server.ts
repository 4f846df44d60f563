// The agent's composition root: store, users, live state, tRPC over one WebSocket, REST,
// login, and the built web UI, all on one HTTP listener (127.0.0.1 unless told otherwise).
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { hostname } from 'node:os';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import sirv from 'sirv';
import { WebSocketServer, type WebSocket } from 'ws';
import { ConfigService } from './api/config-service.ts';
import { createRouter, type Services } from './api/router.ts';
import { INTERNAL_ERROR_MESSAGE, type Context } from './api/trpc.ts';
import { Logins, type LoginRefusal } from './auth/login.ts';
import { SESSION_COOKIE, Users, type User } from './auth/users.ts';
import { handleRest, readJson, sendError, sendJson, HttpError } from './http/rest.ts';
import { handleWizardHttp } from './wizard/http.ts';
import { LiveState, NO_ENGINE } from './live/live-state.ts';
import { logger } from './log.ts';
import { ConfigStore } from './store/config-store.ts';
import { openDb } from './store/db.ts';
import { prepareKey } from './store/key-hooks.ts';
import { prepareCertificate } from './store/certificates.ts';
import { openDataPlane, type DataPlaneChoice, type HostedDataPlane } from '@ipsec/dataplane';
import { IkeService, type IkeServiceOptions } from './ike/ike-service.ts';
import { UdpSockets } from './ike/udp-sockets.ts';
import { DataPlaneService } from './dataplane/dataplane-service.ts';

/**
 * IPsec, wired: the UDP sockets, the data plane (which sends ESP-in-UDP through those sockets) and the IKE engine.
 * Every path between them is here: datagrams and ESP from the sockets, ACQUIRE and hard expiry from the data plane.
 */
async function startIpsec(
  store: ConfigStore,
  live: LiveState,
  opts: IkeServiceOptions,
  choice: DataPlaneChoice | 'off',
): Promise<{ ike: IkeService; close(): Promise<void> }> {
  const sockets = new UdpSockets(live, opts.ports ?? [500, 4500]);
  let plane: HostedDataPlane | undefined;
  let warnings: string[] = [];
  if (choice !== 'off') {
    const opened = await openDataPlane({ choice, send: (from, to, data) => void sockets.send(from, to, data) });
    if (opened.ok) ({ plane, warnings } = opened.value);
    // e.g. no CAP_NET_ADMIN for a TUN device: IKE still runs, but nothing is protected; the UI says so
    else if (choice === 'auto')
      live.log(['ipsec', 'error'], `no data plane: ${opened.error}; SAs are negotiated but no traffic is protected`);
    else throw new Error(opened.error);
  }
  const dataplane = new DataPlaneService(store, live, plane);
  const ike = new IkeService(store, live, sockets, dataplane, opts);
  sockets.on('bound', (address, port, natt) => dataplane.ikeSocketBound(address, port, natt));
  sockets.on('esp', (payload) => dataplane.receiveEsp(payload));
  sockets.on('ike', (datagram) => ike.received(datagram));
  dataplane.on('acquire', (policyId) => ike.acquire(policyId));
  dataplane.on('hardExpire', (child) => ike.deleteChild(child));
  dataplane.on('policyRemoved', (child) => ike.deleteChild(child));
  const close = async () => {
    await dataplane.close(); // first: no ESP may still go out through IKE sockets being closed
    ike.close();
    await sockets.close();
  };
  try {
    await dataplane.start(warnings);
    await sockets.bindAll();
    ike.start();
  } catch (e) {
    await close(); // the TUN, raw sockets and routes do not outlive a failed start
    throw e;
  }
  return { ike, close };
}

export interface AgentOptions {
  dataDir: string;
  host?: string;
  port?: number;
  /** Directory of the built web UI (apps/web/dist); served at / when present. */
  webRoot?: string;
  /** Password for the first `admin` user; random (and printed once) when absent. */
  adminPassword?: string;
  /** Extra origins allowed to open the WebSocket (the page's own origin always is). */
  allowedOrigins?: string[];
  /** PEM certificate and key: serve HTTPS (RouterOS www-ssl) instead of HTTP. */
  tls?: { cert: string; key: string };
  /** Run the IKE engine on UDP sockets (off unless given: API tests need no sockets on 500). */
  ike?: IkeServiceOptions;
  /** With ike: the data plane backend ('off' = negotiate SAs but protect no traffic). Default auto. */
  dataplane?: DataPlaneChoice | 'off';
}

export interface Agent {
  url: string;
  port: number;
  services: Services;
  /** The generated admin password on first start, else undefined. */
  initialAdminPassword?: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:",
};

/** Methods that change nothing: the only ones a page of another origin may send (RFC 9110, 9.2.1). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A fault of the agent's own (not the client's): the stack goes to the log, never to the client. */
function logFault(e: unknown, where: Record<string, unknown>, what: string): void {
  logger.error({ ...where, stack: e instanceof Error ? (e.stack ?? e.message) : String(e) }, what);
}

/** The request's path for the log, cut short: a client chooses it. */
const pathForLog = (req: IncomingMessage) => (req.url ?? '').slice(0, 200);

/** The request's cookies; a value that is not valid percent-encoding is not ours and is skipped, never thrown. */
function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // e.g. "a=%": an unauthenticated client must not be able to throw out of a request handler
    }
  }
  return out;
}

function sendLoginRefusal(res: ServerResponse, refusal: LoginRefusal): void {
  const extra: Record<string, string> = refusal.status === 429 ? { 'retry-after': String(refusal.retryAfter) } : {};
  sendError(res, refusal.status, refusal.message, extra);
}

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const opened = openDb(opts.dataDir);
  if (!opened.ok) throw new Error(opened.error);
  const { db, box } = opened.value;
  const users = new Users(db);
  let initialAdminPassword: string | undefined;
  if (users.count() === 0) {
    const password = opts.adminPassword ?? randomBytes(12).toString('base64url');
    const added = await users.add('system', { name: 'admin', group: 'full', password });
    if (!added.ok) throw new Error(`the first admin: ${added.error.message}`);
    if (!opts.adminPassword) initialAdminPassword = password;
  }
  const live = new LiveState();
  for (const note of opened.value.notes) live.log(['system', 'warning'], note);
  const store = new ConfigStore(db, box, { key: prepareKey, certificate: prepareCertificate });
  const ipsec = opts.ike ? await startIpsec(store, live, opts.ike, opts.dataplane ?? 'auto') : undefined;
  const services: Services = {
    config: new ConfigService(store, live, (u, a, d) => users.audit(u, a, d), ipsec?.ike ?? NO_ENGINE),
    users,
    live,
  };
  const appRouter = createRouter(services);
  const logins = new Logins(users);
  const serveWeb =
    opts.webRoot && existsSync(opts.webRoot)
      ? sirv(opts.webRoot, {
          single: true,
          etag: true,
          // the build writes .br and .gz beside each asset (apps/web/vite.config.ts): served as the browser accepts
          brotli: true,
          gzip: true,
          setHeaders: (res, pathname) =>
            res.setHeader(
              'cache-control',
              // hashed names change with their content: cached for good; index.html is checked on every load
              pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
            ),
        })
      : undefined;

  /** The page's origin is ours: the same scheme, host and port (RFC 6454), or one the operator allowed. */
  const ownScheme = opts.tls ? 'https:' : 'http:';
  const sameOrigin = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (!origin) return true; // not a browser: no cross-site risk; the session is still required
    if (opts.allowedOrigins?.includes(origin)) return true;
    try {
      const page = new URL(origin);
      return page.protocol === ownScheme && page.host === new URL(`${ownScheme}//${req.headers.host}`).host;
    } catch {
      return false; // "null", or no Host header
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://agent');
    const ip = req.socket.remoteAddress ?? '?';
    const method = req.method ?? 'GET';

    if (url.pathname === '/api/login' && method === 'POST') {
      if (!sameOrigin(req)) return sendError(res, 403, 'foreign origin');
      const body = await readJson(req, 4096);
      const name = typeof body.name === 'string' ? body.name : '';
      const password = typeof body.password === 'string' ? body.password : '';
      const login = await logins.check(name, password, ip, 'web');
      if (!login.ok) return sendLoginRefusal(res, login.error);
      const user = login.value;
      const token = users.createSession(user.name);
      res.setHeader(
        'set-cookie',
        `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200${opts.tls ? '; Secure' : ''}`,
      );
      logger.info({ ip, user: user.name }, 'login');
      return sendJson(res, 200, { ...user, identity: hostname() });
    }
    if (url.pathname === '/api/logout' && method === 'POST') {
      if (!sameOrigin(req)) return sendError(res, 403, 'foreign origin');
      const token = cookies(req)[SESSION_COOKIE];
      if (token) {
        users.endSession(token);
        closeEndedSessions();
      }
      res.setHeader('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
      return sendJson(res, 200, {});
    }
    if (url.pathname === '/api/session' && method === 'GET') {
      const user = users.sessionUser(cookies(req)[SESSION_COOKIE]);
      return user ? sendJson(res, 200, { ...user, identity: hostname() }) : sendError(res, 401, 'not logged in');
    }
    if (url.pathname === '/rest' || url.pathname.startsWith('/rest/')) {
      // before the credentials: a browser holding Basic credentials sends them along with another site's request
      if (!SAFE_METHODS.has(method) && !sameOrigin(req)) return sendError(res, 403, 'foreign origin');
      // RouterOS REST uses HTTP Basic with the agent's users
      const login = await logins.basic(req.headers.authorization, ip);
      if (!login.ok)
        return login.error.status === 429
          ? sendLoginRefusal(res, login.error)
          : sendError(res, 401, 'HTTP Basic authentication with an agent user is required', {
              'www-authenticate': 'Basic realm="ipsec-agent"',
            });
      return handleRest(req, res, url, login.value, services);
    }
    if (url.pathname.startsWith('/api/wizard/')) {
      // even a GET: downloading a client's .p12 creates its key, and any such request carrying an Origin is a script's
      if (!sameOrigin(req)) return sendError(res, 403, 'foreign origin');
      const user = users.sessionUser(cookies(req)[SESSION_COOKIE]);
      if (!user) return sendError(res, 401, 'not logged in');
      return handleWizardHttp(req, res, url, user, services);
    }
    if (url.pathname.startsWith('/api/') || url.pathname === '/trpc') return sendError(res, 404, 'no such API');
    if (serveWeb && (method === 'GET' || method === 'HEAD')) {
      return serveWeb(req, res, () => sendError(res, 404));
    }
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ipsec agent: the web UI is not built (run npm start from the repository root)\n');
      return;
    }
    sendError(res, 404);
  }

  const listener: RequestListener = (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!(e instanceof HttpError)) logFault(e, { path: pathForLog(req) }, 'request failed');
      if (res.headersSent) return void res.end();
      if (e instanceof HttpError) sendError(res, e.status, e.detail);
      else sendError(res, 500, INTERNAL_ERROR_MESSAGE);
    });
  };
  const server = opts.tls
    ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener)
    : createServer(listener);

  // One WebSocket carries tRPC. It is opened only with a valid session and from our own origin.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const socketUsers = new WeakMap<IncomingMessage, { user: User; token: string }>();
  const sockets = new Map<WebSocket, string>();
  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, why: string) => {
      logger.warn({ ip: req.socket.remoteAddress, why }, 'websocket refused');
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      upgrade(req, socket, head, reject);
    } catch (e) {
      // nothing a client sends may throw out of here: an uncaught exception would stop the agent and its tunnels
      logFault(e, { path: pathForLog(req) }, 'websocket upgrade failed');
      reject(400, 'Bad Request');
    }
  });
  function upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    reject: (status: number, why: string) => void,
  ): void {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname !== '/trpc') return reject(404, 'Not Found');
    if (!sameOrigin(req)) return reject(403, 'Forbidden');
    const token = cookies(req)[SESSION_COOKIE];
    const user = users.sessionUser(token);
    if (!user || !token) return reject(401, 'Unauthorized');
    socketUsers.set(req, { user, token });
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.set(ws, token);
      ws.on('close', () => sockets.delete(ws));
      wss.emit('connection', ws, req);
    });
  }
  const trpcHandler = applyWSSHandler({
    wss,
    router: appRouter,
    // Once per connection. A session that ends (logout, new password or group, user disabled or
    // removed) has its socket closed by the sweep below, so a stale user never outlives it.
    createContext: ({ req }): Context => {
      const s = socketUsers.get(req);
      if (!s) throw new Error('unauthenticated socket');
      return { user: s.user };
    },
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    // One frame's calls (the web batches what it asks in one tick: a few dozen); beyond, the frame is refused whole.
    maxBatchSize: 200,
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') logFault(error.cause ?? error, { path }, 'procedure failed');
    },
  });
  // Sessions that end close their sockets: at once on a logout or a user change (new password or group,
  // disabled, removed), and every 2 s for the rest (expiry).
  const closeEndedSessions = () => {
    for (const [ws, token] of sockets) if (!users.sessionUser(token)) ws.close(4401, 'session ended');
  };
  users.on('change', closeEndedSessions);
  const sweep = setInterval(closeEndedSessions, 2_000);
  sweep.unref();

  const host = opts.host ?? '127.0.0.1';
  // host "unix:/path": a local socket, e.g. for an agent inside a network namespace that its
  // operator (or a test) reaches from outside through the file system.
  const socketPath = host.startsWith('unix:') ? host.slice(5) : undefined;
  if (socketPath) rmSync(socketPath, { force: true });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    if (socketPath) server.listen(socketPath, () => resolveListen());
    else server.listen(opts.port ?? 8080, host, () => resolveListen());
  });
  const port = socketPath ? 0 : (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = socketPath ? `unix:${socketPath}` : `${opts.tls ? 'https' : 'http'}://${shownHost}:${port}`;
  logger.info({ url, dataDir: opts.dataDir }, 'agent listening');
  live.log(['system', 'info'], `agent started on ${url}`);

  return {
    url,
    port,
    services,
    initialAdminPassword,
    async close() {
      clearInterval(sweep);
      users.off('change', closeEndedSessions);
      await ipsec?.close();
      trpcHandler.broadcastReconnectNotification();
      for (const ws of sockets.keys()) ws.terminate();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
      db.close();
    },
  };
}

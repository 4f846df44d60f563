// RouterOS v7-compatible REST API, so admins' curl scripts work unchanged:
//   GET    /rest/ip/ipsec/peer            print
//   GET    /rest/ip/ipsec/peer/*1         get
//   PUT    /rest/ip/ipsec/peer            add (JSON body, RouterOS property names) -> the new entry
//   PATCH  /rest/ip/ipsec/peer/*1         set -> the entry
//   DELETE /rest/ip/ipsec/peer/*1         remove
//   POST   /rest/ip/ipsec/peer/<verb>     add/set/remove/enable/disable/comment/move/print/get and
//                                        menu commands (kill-connections, flush, generate-key, ...)
// Errors: {"error": code, "message": reason, "detail": what is wrong, naming the field}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, CONFIG_MENUS, VIEWS, parseId, type MenuDef, type MenuName, type ViewDef } from '@ipsec/schema';
import type { User } from '../auth/users.ts';
import { handleUsersRest } from '../auth/users-rest.ts';
import { handleScriptRest } from './script-rest.ts';
import { ForbiddenError, NotFoundError } from '../api/config-service.ts';
import { printEntry, printValue } from '../api/present.ts';
import type { Services } from '../api/router.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  detail?: string,
  extra: Record<string, string> = {},
): void {
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  sendJson(res, status, { error: status, message: REASON[status] ?? 'Error', ...(detail ? { detail } : {}) });
}

/** A request's body as text; more than `limit` bytes is a 413. */
async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** JSON text that must be an object (an empty body is {}); anything else is a 400, never a throw. */
function jsonObject(text: string): Record<string, unknown> {
  if (text === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * A request's JSON body, which must be an object (an empty body is {}), sent as application/json (415 otherwise):
 * a page of another site can send text/plain or a form without the browser asking first, never application/json.
 * Anything else is a 4xx, never a throw.
 */
export async function readJson(req: IncomingMessage, limit = 1 << 20): Promise<Record<string, unknown>> {
  const text = await readText(req, limit);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase().slice(0, 100);
  if (text !== '' && type !== 'application/json')
    throw new HttpError(415, `the body must be sent as application/json, not ${type || 'without a content-type'}`);
  return jsonObject(text);
}

/** The properties each command takes (add and set take the menu's, which applyInput checks); by "menu/command" first. */
const COMMAND_PROPERTIES = new Map<string, readonly string[]>([
  ['print', []],
  ['get', []],
  ['remove', []],
  ['enable', []],
  ['disable', []],
  ['comment', ['comment']],
  ['move', ['destination']],
  ['key/generate-key', ['name', 'key-size']],
  ['key/import', ['name', 'private-key-pem', 'key']],
  ['key/export-pub-key', ['key']],
  ['certificate/sign', ['number', 'numbers', 'name', 'ca']],
  [
    'certificate/import',
    ['name', 'file-name', 'file-content', 'certificate-pem', 'private-key-pem', 'passphrase', 'trusted'],
  ],
  ['certificate/export-certificate', ['number', 'numbers', 'name', 'type', 'export-passphrase']],
]);

/** A command's body holds only the properties it takes (and RouterOS's ".proplist"-like keys): 400 naming another. */
function checkCommandProperties(menu: MenuDef, command: string, props: Record<string, unknown>): void {
  const takes = COMMAND_PROPERTIES.get(`${menu.name}/${command}`) ?? COMMAND_PROPERTIES.get(command);
  if (!takes) return;
  const unknown = Object.keys(props).find((p) => !p.startsWith('.') && !takes.includes(p));
  if (unknown !== undefined)
    throw new HttpError(
      400,
      `${menu.name}: ${unknown}: unknown property for ${command} (takes: ${takes.join(', ') || 'only .id'})`,
    );
}

type Target = { kind: 'menu'; menu: MenuDef } | { kind: 'view'; view: ViewDef };

function resolve(path: string): { target: Target; rest: string } | undefined {
  const candidates: [string, Target][] = [
    ...(CONFIG_MENUS as readonly MenuDef[]).map((m): [string, Target] => [m.path, { kind: 'menu', menu: m }]),
    ...VIEWS.map((v): [string, Target] => [v.path, { kind: 'view', view: v }]),
  ];
  candidates.sort((a, b) => b[0].length - a[0].length);
  for (const [p, target] of candidates) {
    if (path === p || path.startsWith(`${p}/`)) return { target, rest: path.slice(p.length + 1) };
  }
  return undefined;
}

function idsOf(menu: MenuDef, text: unknown): number[] {
  if (typeof text !== 'string' || text === '') throw new HttpError(400, `${menu.name}: .id is required`);
  return text.split(',').map((t) => {
    const id = parseId(t);
    if (id === undefined) throw new HttpError(400, `${menu.name}: .id "${t}" is not an id like *1`);
    return id;
  });
}

/** RouterOS filters print by query parameters: ?name=x&disabled=false; .proplist picks columns. */
export function filterAndPick(rows: Record<string, string>[], query: URLSearchParams): Record<string, string>[] {
  let out = rows;
  for (const [k, v] of query) {
    if (k === '.proplist') continue;
    out = out.filter((r) => r[k] === v);
  }
  const props = query.get('.proplist');
  if (props) {
    const keep = props.split(',');
    out = out.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => keep.includes(k))));
  }
  return out;
}

export async function handleRest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  user: User,
  s: Services,
): Promise<void> {
  try {
    await route(req, res, url, user, s);
  } catch (e) {
    sendErrorFor(res, e);
  }
}

/** The JSON error answer for what a handler threw (bad input 400, forbidden 403, missing 404); anything else rethrows. */
export function sendErrorFor(res: ServerResponse, e: unknown): void {
  if (e instanceof HttpError) sendError(res, e.status, e.detail);
  else if (e instanceof ConfigError) sendError(res, 400, e.message);
  else if (e instanceof ForbiddenError) sendError(res, 403, e.message);
  else if (e instanceof NotFoundError) sendError(res, 404, e.message);
  else throw e;
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, user: User, s: Services): Promise<void> {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.replace(/^\/rest\/?/, '').replace(/\/$/, ''));
  } catch {
    throw new HttpError(400, 'malformed path');
  }
  if (path === 'user' || path.startsWith('user/')) return handleUsersRest(req, res, path, url, user, s.users);
  if (path === 'execute' || path === 'import') return handleScriptRest(req, res, path, user, s);
  const found = resolve(path);
  if (!found) throw new HttpError(404, `no such command or directory (${path})`);
  const { target, rest } = found;
  const method = req.method ?? 'GET';

  if (target.kind === 'view') return routeView(method, res, target.view, rest, url, user, s);

  const menu = target.menu;
  const name = menu.name as MenuName;
  const print = () => s.config.print(name).items.map((e) => printEntry(menu, e));
  const one = (id: number) => printEntry(menu, s.config.get(name, id));
  const id = rest.startsWith('*') ? parseId(rest) : undefined;
  if (rest.startsWith('*') && id === undefined) throw new HttpError(400, `"${rest}" is not an id like *1`);

  if (menu.single) {
    // ip/ipsec/settings: one object. GET prints it, PATCH or POST .../set changes it.
    if (method === 'GET' && rest === '') return sendJson(res, 200, print()[0]);
    if ((method === 'PATCH' && rest === '') || (method === 'POST' && rest === 'set')) {
      const [entry] = await s.config.set(user, name, [], await readJson(req));
      return sendJson(res, 200, printEntry(menu, entry!));
    }
    throw new HttpError(405, `${menu.path} supports GET and PATCH`);
  }

  if (method === 'GET') {
    if (rest === '') return sendJson(res, 200, filterAndPick(print(), url.searchParams));
    if (id !== undefined) return sendJson(res, 200, one(id));
    throw new HttpError(404, `no such command or directory (${path})`);
  }
  if (method === 'PUT' && rest === '') {
    const entry = await s.config.add(user, name, await readJson(req));
    return sendJson(res, 201, printEntry(menu, entry));
  }
  if (method === 'PATCH' && id !== undefined) {
    const [entry] = await s.config.set(user, name, [id], await readJson(req));
    return sendJson(res, 200, printEntry(menu, entry!));
  }
  if (method === 'DELETE' && id !== undefined) {
    s.config.get(name, id); // 404 if missing
    await s.config.remove(user, name, [id]);
    res.writeHead(204).end();
    return;
  }
  if (method === 'POST' && rest !== '' && id === undefined) {
    const body = await readJson(req);
    const { '.id': idText, ...props } = body;
    checkCommandProperties(menu, rest, props);
    switch (rest) {
      case 'print':
        return sendJson(res, 200, print());
      case 'get':
        return sendJson(res, 200, one(idsOf(menu, idText)[0]!));
      case 'add': {
        const { 'copy-from': copyFrom, ...values } = props;
        const entry = await s.config.add(
          user,
          name,
          values,
          copyFrom === undefined ? undefined : idsOf(menu, copyFrom)[0],
        );
        return sendJson(res, 200, { ret: entry['.id'] });
      }
      case 'set':
        await s.config.set(user, name, idsOf(menu, idText), props);
        return sendJson(res, 200, []);
      case 'remove':
        await s.config.remove(user, name, idsOf(menu, idText));
        return sendJson(res, 200, []);
      case 'enable':
      case 'disable':
        await s.config.set(user, name, idsOf(menu, idText), { disabled: rest === 'disable' });
        return sendJson(res, 200, []);
      case 'comment':
        await s.config.set(user, name, idsOf(menu, idText), { comment: props.comment ?? '' });
        return sendJson(res, 200, []);
      case 'move': {
        const dest = props.destination === undefined ? undefined : idsOf(menu, props.destination)[0];
        await s.config.move(user, name, idsOf(menu, idText), dest);
        return sendJson(res, 200, []);
      }
    }
    if (name === 'key') {
      if (rest === 'generate-key') {
        const entry = await s.config.add(user, 'key', {
          name: props.name ?? '',
          'key-size': props['key-size'] ?? '2048',
        });
        return sendJson(res, 200, { ret: entry['.id'] });
      }
      if (rest === 'import') {
        const entry = await s.config.add(user, 'key', {
          name: props.name ?? '',
          'private-key-pem': props['private-key-pem'] ?? props.key ?? '',
        });
        return sendJson(res, 200, { ret: entry['.id'] });
      }
      if (rest === 'export-pub-key') {
        const keyId =
          props.key !== undefined
            ? s.config.print('key').items.find((k) => k.name === props.key)?.id
            : idsOf(menu, idText)[0];
        if (keyId === undefined)
          throw new HttpError(
            400,
            typeof props.key === 'string'
              ? `key: key "${props.key}" does not exist`
              : 'key: give the key by name or .id',
          );
        return sendJson(res, 200, { 'public-key': s.config.exportPublicKey(user, keyId) });
      }
    }
    if (name === 'certificate') return certificateCommand(res, rest, props, idText, user, s);
    throw new HttpError(400, `${menu.path}: no such command "${rest}"`);
  }
  throw new HttpError(405, `${method} is not supported on ${path}`);
}

/**
 * /certificate commands, RouterOS style (the certificate by name or .id in `number`/`numbers`/`.id`):
 *   sign {number, ca?}                                   -> the signed entry
 *   import {name|file-name, file-content, passphrase?}   -> [entries]   (PEM text or base64 PKCS#12)
 *   export-certificate {number, type=pem|pkcs12, export-passphrase?} -> {files: [{name, content, encoding}]}
 */
async function certificateCommand(
  res: ServerResponse,
  cmd: string,
  props: Record<string, unknown>,
  idText: unknown,
  user: User,
  s: Services,
): Promise<void> {
  // A property is text (or a number); anything else is the client's error, named, never String()'s exception.
  const str = (v: unknown, field: string): string => {
    if (v === undefined || v === null) return '';
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new HttpError(400, `certificate: ${field} must be text`);
  };
  const which = (): string => {
    const ref = str(props.number ?? props.numbers ?? idText ?? props.name, 'number');
    if (ref === '') throw new HttpError(400, 'certificate: give the certificate as number=<name> (or .id)');
    return ref.split(',')[0]!;
  };
  const menu = CONFIG_MENUS.find((m) => m.name === 'certificate') as MenuDef;
  switch (cmd) {
    case 'sign': {
      const entry = await s.config.sign(user, which(), str(props.ca, 'ca') || undefined);
      return sendJson(res, 200, printEntry(menu, entry));
    }
    case 'import': {
      const content =
        str(props['file-content'] ?? props['certificate-pem'], 'file-content') +
        (props['private-key-pem'] ? `\n${str(props['private-key-pem'], 'private-key-pem')}` : '');
      if (content.trim() === '')
        throw new HttpError(400, 'certificate: file-content is required (PEM text or base64 PKCS#12)');
      const name = str(props.name ?? props['file-name'], 'name') || 'import';
      const trusted =
        props.trusted === undefined
          ? undefined
          : props.trusted === true || props.trusted === 'yes' || props.trusted === 'true';
      const entries = await s.config.importCertificates(user, {
        name,
        content,
        passphrase: str(props.passphrase, 'passphrase'),
        ...(trusted !== undefined ? { trusted } : {}),
      });
      return sendJson(
        res,
        200,
        entries.map((e) => printEntry(menu, e)),
      );
    }
    case 'export-certificate': {
      const type = str(props.type, 'type') || 'pem';
      if (type !== 'pem' && type !== 'pkcs12') throw new HttpError(400, 'certificate: type must be pem or pkcs12');
      return sendJson(
        res,
        200,
        await s.config.exportCertificate(user, which(), type, str(props['export-passphrase'], 'export-passphrase')),
      );
    }
  }
  throw new HttpError(400, `certificate: no such command "${cmd}" (sign, import, export-certificate)`);
}

function routeView(
  method: string,
  res: ServerResponse,
  view: ViewDef,
  rest: string,
  url: URL,
  user: User,
  s: Services,
): void {
  const print = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) =>
        k === 'id' ? ['.id', `*${Number(v).toString(16).toUpperCase()}`] : [k, printValue(view.fields[k], v)],
      ),
    );
  if (method === 'GET' && rest === '') {
    if (view.name === 'statistics') return sendJson(res, 200, print(s.live.statistics));
    const rows = view.name === 'active-peers' ? [...s.live.peers.values()] : s.config.installedSas(user);
    return sendJson(res, 200, filterAndPick(rows.map(print), url.searchParams));
  }
  if (method === 'POST' && view.name === 'active-peers' && rest === 'kill-connections') {
    s.config.killConnections(user);
    return sendJson(res, 200, []);
  }
  if (method === 'POST' && view.name === 'installed-sa' && rest === 'flush') {
    s.config.flushSas(user);
    return sendJson(res, 200, []);
  }
  throw new HttpError(view.name === 'statistics' ? 405 : 404, `${view.path} is read-only`);
}

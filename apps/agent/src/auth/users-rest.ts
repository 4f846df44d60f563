// /rest/user and /rest/user/group, as RouterOS has them, so scripts can manage the agent's users:
//   GET    /rest/user                 print (?name=x filters, .proplist picks)   GET /rest/user/*1 or /rest/user/bob
//   PUT    /rest/user                 add {name, group, password, comment?, disabled?} -> the new entry
//   PATCH  /rest/user/*1              set {group?, password?, comment?, disabled?} -> the entry
//   DELETE /rest/user/*1              remove
//   POST   /rest/user/<verb>          add, set, remove, enable, disable, comment, print, get (.id or numbers)
//   GET    /rest/user/group           the three groups, read-only
// Only group full may use any of it. The rules (names, password length, the last full user) are the Users
// class's, the same as the web's; each change is audited there. `password` is write-only: never printed or logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatId, parseId, type Result } from '@ipsec/schema';
import { filterAndPick, HttpError, readJson, sendJson } from '../http/rest.ts';
import { isFull, USER_GROUPS, type User, type UserFieldsInput, type UserRefusal, type Users } from './users.ts';

const GROUP_POLICIES: Record<User['group'], string> = {
  full: 'read,write,policy,sensitive,web,rest-api',
  write: 'read,write,web,rest-api,!policy,!sensitive',
  read: 'read,web,rest-api,!write,!policy,!sensitive',
};

const printUser = (u: User): Record<string, string> => ({
  '.id': formatId(u.id),
  name: u.name,
  group: u.group,
  disabled: String(u.disabled),
  comment: u.comment,
});

const printGroups = (): Record<string, string>[] =>
  USER_GROUPS.map((name, i) => ({ '.id': formatId(i + 1), name, policy: GROUP_POLICIES[name], comment: '' }));

/** The Users' answer, or the HTTP error that names the field. */
function accepted<T>(r: Result<T, UserRefusal>): T {
  if (!r.ok) throw new HttpError(r.error.status, r.error.message);
  return r.value;
}

/** RouterOS's yes/no, as JSON booleans or text. */
function yesNo(field: string, v: unknown): boolean {
  if (v === true || v === 'yes' || v === 'true') return true;
  if (v === false || v === 'no' || v === 'false') return false;
  throw new HttpError(400, `${field}: must be yes or no`);
}

function text(field: string, v: unknown): string {
  if (typeof v !== 'string') throw new HttpError(400, `${field}: must be text`);
  return v;
}

const SETTABLE = ['group', 'password', 'comment', 'disabled'];

/**
 * A set's properties for Users, which checks each value; an unknown property (or `name`: renaming is not
 * supported) is a 400 naming it.
 */
function patchOf(props: Record<string, unknown>): UserFieldsInput {
  const unknown = Object.keys(props).find((k) => !SETTABLE.includes(k));
  if (unknown !== undefined)
    throw new HttpError(400, `user: unknown property "${unknown.slice(0, 64)}" (${SETTABLE.join(', ')})`);
  const { disabled, ...rest } = props;
  return { ...rest, ...(disabled !== undefined ? { disabled: yesNo('disabled', disabled) } : {}) };
}

export async function handleUsersRest(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  url: URL,
  by: User,
  users: Users,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (!isFull(by)) throw new HttpError(403, `user ${by.name} (group ${by.group}) needs group full to manage users`);

  const find = (ref: string): User => {
    const id = parseId(ref);
    const found = id !== undefined ? users.list().find((u) => u.id === id) : users.get(ref);
    if (!found) throw new HttpError(404, `user: no such item (${ref.slice(0, 64)})`);
    return found;
  };
  const refs = (v: unknown): User[] =>
    text('.id', v ?? '')
      .split(',')
      .map(find);

  if (path === 'user/group' || path.startsWith('user/group/')) {
    const rest = path.slice('user/group/'.length);
    if (method !== 'GET') throw new HttpError(405, 'user/group is read-only');
    if (path === 'user/group') return sendJson(res, 200, filterAndPick(printGroups(), url.searchParams));
    const group = printGroups().find((g) => g['.id'] === rest || g.name === rest);
    if (!group) throw new HttpError(404, `user/group: no such item (${rest.slice(0, 64)})`);
    return sendJson(res, 200, group);
  }

  const rest = path.slice('user/'.length);
  const add = async (props: Record<string, unknown>): Promise<User> => {
    const { name, ...settable } = props;
    return accepted(await users.add(by.name, { name, ...patchOf(settable) }));
  };
  if (path === 'user') {
    if (method === 'GET') return sendJson(res, 200, filterAndPick(users.list().map(printUser), url.searchParams));
    if (method === 'PUT') return sendJson(res, 201, printUser(await add(await readJson(req))));
    throw new HttpError(405, `${method} is not supported on user`);
  }
  if (method === 'GET') return sendJson(res, 200, printUser(find(rest)));
  if (method === 'PATCH') {
    const patch = patchOf(await readJson(req));
    return sendJson(res, 200, printUser(accepted(await users.set(by.name, find(rest).name, patch))));
  }
  if (method === 'DELETE') {
    accepted(users.remove(by.name, find(rest).name));
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') throw new HttpError(405, `${method} is not supported on user`);

  const { '.id': id, numbers, ...props } = await readJson(req);
  const targets = () => refs(id ?? numbers);
  const setEach = async (patch: UserFieldsInput) => {
    for (const u of targets()) accepted(await users.set(by.name, u.name, patch));
    sendJson(res, 200, []);
  };
  switch (rest) {
    case 'print':
      return sendJson(res, 200, users.list().map(printUser));
    case 'get':
      return sendJson(res, 200, printUser(targets()[0]!));
    case 'add':
      return sendJson(res, 200, { ret: formatId((await add(props)).id) });
    case 'set':
      return setEach(patchOf(props));
    case 'enable':
    case 'disable':
      return setEach({ disabled: rest === 'disable' });
    case 'comment':
      return setEach({ comment: props.comment ?? '' });
    case 'remove':
      for (const u of targets()) accepted(users.remove(by.name, u.name));
      return sendJson(res, 200, []);
  }
  throw new HttpError(400, `user: no such command "${rest.slice(0, 64)}"`);
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { failureOf, jsonOf, send } from '../src/api/rest.ts';
import { currentSession, login } from '../src/api/session.ts';
import { loginFailureText } from '../src/shell/Login.tsx';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

afterEach(() => vi.unstubAllGlobals());

describe('failureOf', () => {
  it("prefers the RouterOS error body's detail, then its message", async () => {
    expect(await failureOf(json(400, { error: 400, message: 'Bad Request', detail: 'name: required' }))).toEqual({
      status: 400,
      message: 'name: required',
    });
    expect(await failureOf(json(404, { error: 404, message: 'Not Found' }))).toEqual({
      status: 404,
      message: 'Not Found',
    });
  });

  it('falls back to the status line when the body is not JSON, and reads retry-after', async () => {
    const res = new Response('<html>', {
      status: 429,
      statusText: 'Too Many Requests',
      headers: { 'retry-after': '30' },
    });
    expect(await failureOf(res)).toEqual({ status: 429, message: '429 Too Many Requests', retryAfter: 30 });
    const bad = new Response('', { status: 502, statusText: 'Bad Gateway', headers: { 'retry-after': 'soon' } });
    expect(await failureOf(bad)).toEqual({ status: 502, message: '502 Bad Gateway' });
  });
});

describe('send / jsonOf', () => {
  it('no answer is a failure with status 0, not a throw', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    expect(await send('/api/session', {})).toEqual({ ok: false, error: { status: 0, message: 'Failed to fetch' } });
    expect(await currentSession()).toEqual({ ok: false, error: { status: 0, message: 'Failed to fetch' } });
  });

  it('a 2xx answer with JSON is its value; without JSON a failure', async () => {
    expect(await jsonOf({ ok: true, value: json(200, { a: 1 }) })).toEqual({ ok: true, value: { a: 1 } });
    const notJson = await jsonOf({ ok: true, value: new Response('nope', { status: 200 }) });
    expect(notJson.ok).toBe(false);
    if (!notJson.ok) expect(notJson.error.status).toBe(200);
  });

  it('login posts the credentials and answers the user, or why not', async () => {
    const user = { name: 'admin', group: 'full', comment: '', disabled: false, identity: 'router' };
    const calls: [string, RequestInit][] = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push([url, init]);
      return Promise.resolve(json(200, user));
    });
    expect(await login('admin', 'pw')).toEqual({ ok: true, value: user });
    expect(calls[0]![0]).toBe('/api/login');
    expect(calls[0]![1]).toMatchObject({ method: 'POST', body: JSON.stringify({ name: 'admin', password: 'pw' }) });

    vi.stubGlobal('fetch', () =>
      Promise.resolve(json(401, { error: 401, message: 'Unauthorized', detail: 'wrong user name or password' })),
    );
    expect(await login('admin', 'x')).toEqual({
      ok: false,
      error: { status: 401, message: 'wrong user name or password' },
    });
  });
});

describe('loginFailureText', () => {
  it('says what to do for each failure', () => {
    expect(loginFailureText({ status: 401, message: 'x' })).toBe('Wrong user name or password.');
    expect(loginFailureText({ status: 429, message: 'slow down', retryAfter: 12 })).toBe(
      'Too many failed logins. Try again in 12 s.',
    );
    expect(loginFailureText({ status: 429, message: 'too many failed logins; try again later' })).toBe(
      'Too many failed logins. too many failed logins; try again later',
    );
    expect(loginFailureText({ status: 0, message: 'Failed to fetch' })).toBe('Cannot log in: Failed to fetch');
  });
});

// The agent's few plain HTTP endpoints (session, wizard downloads): an answer is a Result whose
// failure carries the HTTP status and the agent's words. Its error bodies are RouterOS REST's:
// { error: <status>, message: <reason>, detail?: <what went wrong> }.
// Only the schema's Result helpers (not its menus and zod): the login page loads this before anything else.
import { err, ok, type Result } from '@ipsec/schema/result';

export interface RestFailure {
  /** HTTP status; 0 when the agent did not answer at all. */
  status: number;
  message: string;
  /** Seconds the agent asks to wait before trying again (429). */
  retryAfter?: number;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `fetch`, with no answer (network down, agent gone) as a failure instead of a throw. */
export async function send(url: string, init: RequestInit): Promise<Result<Response, RestFailure>> {
  try {
    return ok(await fetch(url, init));
  } catch (e) {
    return err({ status: 0, message: messageOf(e) });
  }
}

/** Why `res` failed: the body's detail, else its message, else the status line. */
export async function failureOf(res: Response): Promise<RestFailure> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body: unknown = await res.json();
    message = textField(body, 'detail') || textField(body, 'message') || message;
  } catch {
    /* not JSON */
  }
  const retry = Number(res.headers.get('retry-after'));
  return { status: res.status, message, ...(Number.isFinite(retry) && retry > 0 ? { retryAfter: retry } : {}) };
}

/**
 * The JSON body of a successful answer. `T` is what the agent's handler sends; these endpoints are
 * outside the tRPC router, so the caller names it (from the router's types where the answer is the same).
 */
export async function jsonOf<T>(answer: Result<Response, RestFailure>): Promise<Result<T, RestFailure>> {
  if (!answer.ok) return answer;
  const res = answer.value;
  if (!res.ok) return err(await failureOf(res));
  try {
    return ok(await res.json());
  } catch (e) {
    return err({ status: res.status, message: messageOf(e) });
  }
}

function textField(body: unknown, key: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const v: unknown = Object.entries(body).find(([k]) => k === key)?.[1];
  return typeof v === 'string' ? v : '';
}

// The one shape of "a value, or why not" across the workspace (schema, engine, data plane, agent):
// check `ok`, then read `value` or `error`. Throwing is for bugs; expected failures are Results.

export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

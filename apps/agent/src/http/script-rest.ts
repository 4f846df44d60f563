// RouterOS scripts over REST:
//   POST /rest/execute {"script": "...", "as-string": ""}        -> {"ret": output}  (RouterOS v7's /execute; the
//        agent always waits for the script, so "as-string" changes nothing and the answer is the output)
//   POST /rest/import  {"file-content": "<.rsc text>", "file-name"?: "x.rsc", "dry-run"?: "yes"}
//        -> {"ret": output, "warnings": [...]}  (RouterOS's /import of an uploaded file; the agent keeps no
//        files, so the file's text comes in the body)
// Both take "skip-unknown-menus": "yes" to skip commands on menus the agent lacks, each with a warning.
// A script's error is a 400 whose detail names line, column and property (also as fields); a read user's change
// a 403. Either way nothing of the script is stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseBool } from '@ipsec/schema';
import type { User } from '../auth/users.ts';
import type { Services } from '../api/router.ts';
import { formatScriptError, runScript } from '../script/run.ts';
import { MAX_SCRIPT_LENGTH } from '../script/parse.ts';
import { HttpError, readJson, sendJson } from './rest.ts';

/** Room for the longest script, escaped in JSON. */
const BODY_LIMIT = 2 * MAX_SCRIPT_LENGTH + 4096;

const EXECUTE_PROPERTIES = ['script', 'as-string', 'skip-unknown-menus'];
const IMPORT_PROPERTIES = ['file-content', 'file-name', 'dry-run', 'skip-unknown-menus', 'verbose'];

export async function handleScriptRest(
  req: IncomingMessage,
  res: ServerResponse,
  command: 'execute' | 'import',
  user: User,
  s: Services,
): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, `/${command} takes POST`);
  const body = await readJson(req, BODY_LIMIT);
  const takes = command === 'execute' ? EXECUTE_PROPERTIES : IMPORT_PROPERTIES;
  const unknown = Object.keys(body).find((k) => !k.startsWith('.') && !takes.includes(k));
  if (unknown !== undefined)
    throw new HttpError(400, `${command}: ${unknown}: unknown property (takes: ${takes.join(', ')})`);
  const scriptProp = command === 'execute' ? 'script' : 'file-content';
  const script = body[scriptProp];
  if (typeof script !== 'string') throw new HttpError(400, `${command}: ${scriptProp}: is required (the script text)`);
  const outcome = await runScript(script, s, user, {
    skipUnknownMenus: flag(body, 'skip-unknown-menus', command),
    dryRun: command === 'import' && flag(body, 'dry-run', command),
  });
  if (!outcome.ok) {
    const e = outcome.error;
    const file = command === 'import' && typeof body['file-name'] === 'string' ? `${body['file-name']}: ` : '';
    return sendJson(res, 400, {
      error: 400,
      message: 'Bad Request',
      detail: `${file}${formatScriptError(e)}; nothing was stored`,
      line: e.line,
      column: e.col,
      ...(e.property !== undefined ? { property: e.property } : {}),
    });
  }
  const { output, warnings } = outcome.value;
  return sendJson(res, 200, { ret: output, ...(warnings.length ? { warnings } : {}) });
}

/** A yes/no property of the body (RouterOS REST sends them as "yes"/"true" strings; JSON booleans too). */
function flag(body: Record<string, unknown>, prop: string, command: string): boolean {
  const v = body[prop];
  if (v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (v === '') return true; // RouterOS passes a flag without a value as ""
  if (typeof v === 'string') {
    try {
      return parseBool(v);
    } catch {
      // fall through to the error
    }
  }
  throw new HttpError(400, `${command}: ${prop}: must be yes or no`);
}

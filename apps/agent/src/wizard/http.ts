// Downloads of the wizards' client files over the agent's HTTP server, with the session cookie:
//   GET  /api/wizard/<setup>/profile/<filename>    (header X-Export-Passphrase for key files, or the
//                                                   passphrase given to wizard.finish/profiles earlier)
//   POST /api/wizard/<setup>/profile/<filename>    {"passphrase": "..."}
// Files holding a private key or pre-shared key: group full only, audited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { User } from '../auth/users.ts';
import type { Services } from '../api/router.ts';
import { HttpError, readJson, sendErrorFor } from '../http/rest.ts';
import { wizardService } from './service.ts';

export async function handleWizardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  user: User,
  s: Services,
): Promise<void> {
  try {
    const m = /^\/api\/wizard\/([^/]+)\/profile\/([^/]+)$/.exec(url.pathname);
    if (!m) throw new HttpError(404, 'no such wizard file (/api/wizard/<setup>/profile/<filename>)');
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') throw new HttpError(405, 'use GET or POST');
    let name: string;
    let filename: string;
    try {
      name = decodeURIComponent(m[1]!);
      filename = decodeURIComponent(m[2]!);
    } catch {
      throw new HttpError(400, 'malformed path');
    }
    let passphrase = req.headers['x-export-passphrase'];
    if (method === 'POST') {
      const body = await readJson(req, 8192);
      if (typeof body.passphrase === 'string') passphrase = body.passphrase;
    }
    const file = await wizardService(s).download(
      user,
      name,
      filename,
      typeof passphrase === 'string' ? passphrase : undefined,
    );
    res.writeHead(200, {
      'content-type': file.contentType,
      'content-length': file.body.length,
      'content-disposition': `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`,
      'cache-control': 'no-store',
    });
    res.end(file.body);
  } catch (e) {
    sendErrorFor(res, e);
  }
}

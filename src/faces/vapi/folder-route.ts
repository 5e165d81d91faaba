/**
 * Datastore file access the way vSphere serves it: `GET|PUT|DELETE
 * /folder/<path>?dsName=<datastore>&dcPath=<datacenter>` on the HTTPS listener.
 *
 * - Authentication: the `vmware-api-session-id` header of a vAPI session, or HTTP Basic
 *   (as ESXi and vCenter accept on /folder); none is 401 with a Basic challenge.
 * - GET of a file streams it (`application/octet-stream`, Content-Length); GET of a folder
 *   lists it: JSON (`[{name, type, size, modified}]`) when the client accepts
 *   `application/json`, else a small HTML index like vSphere's.
 * - PUT streams the body into a temporary file beside the target and renames it into
 *   place (missing folders are made): the target is the old file or the whole new one,
 *   never a part; a body that breaks off leaves nothing behind. 201 for a new file, 200
 *   for a replaced one.
 * - DELETE removes a file or an empty folder: 204.
 * - Errors are plain text with a status: 400 bad input, 401 no or bad credentials, 403 no
 *   right (or a path that escapes the datastore), 404 unknown datastore or file, 409 busy
 *   or not in a state to do it, 507 datastore full.
 *
 * Everything goes through core.datastoreFiles (permission checks: Datastore.Browse to
 * read, Datastore.FileManagement to write; confinement in the file layer).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreApi, Logger } from '../../core/index.ts';
import type { ErrorKind } from '../../core/errors.ts';
import { invalidArgument, isVmgateError, toVmgateError, unauthenticated } from '../../core/errors.ts';
import type { Caller } from '../../core/caller.ts';
import { authenticate, restSecurity } from './auth.ts';

/** Core error kinds → the status of a /folder answer. */
export const FOLDER_STATUS: Readonly<Record<ErrorKind, number>> = {
  not_found: 404,
  already_exists: 409,
  invalid_argument: 400,
  not_allowed_in_current_state: 409,
  unauthenticated: 401,
  unauthorized: 403,
  resource_busy: 409,
  resource_exhausted: 507,
  timed_out: 504,
  unsupported: 400,
  cancelled: 400,
  internal: 500,
};

interface FolderQuery {
  dsName?: string;
  dcPath?: string;
}

type FolderRequest = FastifyRequest<{ Params: { '*': string }; Querystring: FolderQuery }>;

export function registerFolder(app: FastifyInstance, core: CoreApi, log: Logger): void {
  app.removeAllContentTypeParsers();
  // The body stays a stream: PUT reads it chunk by chunk, whatever its type.
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  const text = (reply: FastifyReply, status: number, message: string) => reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(`${message}\n`);
  const fail = (reply: FastifyReply, e: unknown) => {
    const err = toVmgateError(e, 'face.vapi');
    const status = FOLDER_STATUS[err.kind] ?? 500;
    if (status === 500) log.error({ err: e }, 'datastore file access failed');
    if (status === 401) reply.header('www-authenticate', 'Basic realm="vmgate", charset="UTF-8"');
    return text(reply, status, status === 500 && !isVmgateError(e) ? 'internal error' : err.message);
  };
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error({ err }, 'datastore file route error');
    return text(reply, status, status === 500 ? 'internal error' : err.message);
  });
  app.setNotFoundHandler((req, reply) => text(reply, 405, `${req.method} is not supported on /folder (GET, PUT and DELETE are)`));

  const callerOf = async (req: FastifyRequest): Promise<Caller> => {
    const sec = restSecurity(req.headers);
    if (sec.scheme === 'none') throw unauthenticated('log in: send a vmware-api-session-id header or HTTP Basic credentials', { module: 'face.vapi' });
    return (await authenticate(core, sec, req.ip)).caller;
  };
  const target = async (req: FolderRequest, privilege: 'Datastore.Browse' | 'Datastore.FileManagement') => {
    const caller = await callerOf(req);
    const q = req.query;
    if (typeof q.dsName !== 'string' || q.dsName === '') throw invalidArgument('dsName is required: /folder/<path>?dsName=<datastore>&dcPath=<datacenter>', { module: 'face.vapi' });
    const rel = req.params['*'] ?? '';
    return { caller, r: await core.datastoreFiles.resolveIn(caller, q.dsName, typeof q.dcPath === 'string' ? q.dcPath : undefined, rel, privilege) };
  };

  app.get('/*', { exposeHeadRoute: false }, async (req: FolderRequest, reply) => {
    try {
      const { caller, r } = await target(req, 'Datastore.Browse');
      const st = await core.datastoreFiles.stat(caller, r.path);
      if (st.type === 'directory') {
        const entries = await core.datastoreFiles.list(caller, r.path);
        if (String(req.headers.accept ?? '').includes('application/json')) {
          return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(entries.map((e) => ({ name: e.name, type: e.type, size: e.size, modified: e.mtime }))));
        }
        const query = `?dsName=${encodeURIComponent(r.datastore.name)}${typeof req.query.dcPath === 'string' ? `&dcPath=${encodeURIComponent(req.query.dcPath)}` : ''}`;
        return reply.code(200).header('content-type', 'text/html; charset=utf-8').send(htmlIndex(r.path, r.rel, query, entries));
      }
      const file = await core.datastoreFiles.openRead(caller, r);
      reply.raw.once('close', () => file.stream.destroy());
      return reply.code(200).headers({ 'content-type': 'application/octet-stream', 'content-length': String(file.size), 'last-modified': new Date(file.mtime).toUTCString() }).send(file.stream);
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.put('/*', async (req: FolderRequest, reply) => {
    const raw = req.raw;
    const aborted = new AbortController();
    const onClose = () => {
      if (!raw.readableEnded) aborted.abort(new Error('the client went away before the upload was complete'));
    };
    raw.once('close', onClose);
    try {
      const { caller, r } = await target(req, 'Datastore.FileManagement');
      const done = await core.datastoreFiles.writeStream(caller, r, raw as AsyncIterable<Uint8Array>, { signal: aborted.signal });
      return reply.code(done.created ? 201 : 200).send();
    } catch (e) {
      if (!raw.readableEnded && !raw.destroyed) raw.resume();
      return fail(reply, e);
    } finally {
      raw.off('close', onClose);
    }
  });

  app.delete('/*', async (req: FolderRequest, reply) => {
    try {
      const { caller, r } = await target(req, 'Datastore.FileManagement');
      await core.datastoreFiles.remove(caller, r);
      return reply.code(204).send();
    } catch (e) {
      return fail(reply, e);
    }
  });
}

function htmlIndex(path: string, rel: string, query: string, entries: readonly { name: string; type: string; size: number; mtime: string }[]): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const base = ['/folder', ...rel.split('/').filter((p) => p !== '').map(encodeURIComponent)].join('/');
  const rows = entries.map((e) => `<tr><td><a href="${esc(`${base}/${encodeURIComponent(e.name)}${query}`)}">${esc(e.name)}${e.type === 'directory' ? '/' : ''}</a></td><td>${e.type === 'directory' ? '-' : e.size}</td><td>${esc(e.mtime)}</td></tr>`);
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${esc(path)}</title></head><body><h1>${esc(path)}</h1><table><tr><th>Name</th><th>Size</th><th>Modified</th></tr>${rows.join('')}</table></body></html>\n`;
}

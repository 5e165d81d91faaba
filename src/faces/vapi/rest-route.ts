import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreApi, Logger } from '../../core/index.ts';
import { EncodeError, decodeRestInput, encodeRestOutput, inputError, matchRestRoute, renderRestError, stdError, SERVER_INPUT_OPTIONS } from '../../protocols/vapi/codec/index.ts';
import { clearedSessionCookie, isWebRequest, restSecurity, sessionCookie } from './auth.ts';
import { invoke } from './dispatch.ts';
import { toStdError } from './errors.ts';
import { baseUrlOf } from './request-info.ts';

/**
 * REST `/api/...`: every operation of the registry at the path, method and status of the
 * 7.0.3 specs (and vmgate's additions under /api/vmgate). One catch-all route; the
 * registry's matcher picks the operation (path, `action`, `vmw-task`).
 */
export function registerRest(app: FastifyInstance, core: CoreApi, log: Logger): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const sendError = (e: ReturnType<typeof stdError>) => {
      const r = renderRestError(e);
      return reply.code(r.status).header('content-type', 'application/json').send(JSON.stringify(r.body));
    };
    const match = matchRestRoute(req.method, req.url);
    if (!match) {
      const path = req.url.split('?')[0];
      return sendError(stdError('operation_not_found', [`no operation for ${req.method} ${path}${/[?&]action=/.test(req.url) ? ' with that action' : ''}`]));
    }
    let body: unknown;
    const raw = req.body as Buffer | undefined;
    if (raw && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (e) {
        return sendError(stdError('invalid_request', [`the request body is not valid JSON: ${(e as Error).message}`]));
      }
    }
    const input = decodeRestInput(match.op, { pathParams: match.pathParams, query: match.query, body }, SERVER_INPUT_OPTIONS);
    if (!input.ok) return sendError(inputError(input.issues));
    const security = restSecurity(req.headers);
    try {
      const output = await invoke(core, match.serviceId, match.operationId, input.value, security, { appCtx: {}, baseUrl: baseUrlOf(req), flavour: 'rest', source: req.ip });
      const cookie = webSessionCookie(match.serviceId, match.operationId, output, req.headers);
      if (cookie !== null) reply.header('set-cookie', cookie);
      const r = encodeRestOutput(match.op, output);
      if (r.body === undefined) return reply.code(r.status).send();
      return reply.code(r.status).header('content-type', 'application/json').send(JSON.stringify(r.body));
    } catch (e) {
      if (e instanceof EncodeError) {
        log.error({ err: e, service: match.serviceId, operation: match.operationId }, 'vAPI handler output does not match its declared type');
        return sendError(stdError('error', ['internal error']));
      }
      const err = toStdError(e);
      // A browser whose cookie names a session that has ended forgets it.
      if (security.scheme === 'session_id' && security.source === 'cookie' && err.kind === 'unauthenticated') reply.header('set-cookie', clearedSessionCookie());
      return sendError(err);
    }
  };
  // Under the face's `/api` prefix: '/*' is every path below /api/.
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', handler });
}

/**
 * The web app's session cookie: `POST /api/session` with `X-Vmgate-Web: 1` sets it to the
 * new session's token, `DELETE /api/session` with it clears it. Null: no cookie change.
 */
function webSessionCookie(serviceId: string, operationId: string, output: unknown, headers: FastifyRequest['headers']): string | null {
  if (serviceId !== 'com.vmware.cis.session' || !isWebRequest(headers)) return null;
  if (operationId === 'create' && typeof output === 'string') return sessionCookie(output);
  if (operationId === 'delete') return clearedSessionCookie();
  return null;
}

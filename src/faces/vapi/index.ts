import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Face, FaceDeps } from '../face.ts';
import { message, renderProtocolError, renderRestError, stdError, JsonRpcCode } from '../../protocols/vapi/codec/index.ts';
import { registerJsonRpc } from './jsonrpc-route.ts';
import { registerRest } from './rest-route.ts';
import { registerTransfers } from './transfer-route.ts';
import { registerFolder } from './folder-route.ts';
import { createConsoleProxy } from './console-proxy.ts';
import { createEventStreams, type EventStreams } from './event-stream.ts';
import { CONSOLE_PROXY_PATH } from './handlers/console.ts';
import { PUBLIC_URL } from './request-info.ts';

/** The media type the face reads request bodies in; anything else is refused with 415. */
const JSON_MEDIA_TYPE = 'application/json';

/**
 * The vSphere Automation API face: JSON-RPC `POST /api` and REST `/api/...`, plus the
 * URLs it hands out: guest file transfers `/guestFile/<token>` (vm.guest.filesystem) and
 * the WebSocket console proxy `/console/vnc/<ticket>` (vm.console.tickets).
 */
export const vapiFace: Face = {
  name: 'vapi',
  title: 'vSphere Automation API',
  start(deps) {
    const consoles = createConsoleProxy(deps.core, deps.log, CONSOLE_PROXY_PATH);
    const streams = createEventStreams(deps.core, deps.log);
    return {
      http: [
        { prefix: '/api', note: '(JSON-RPC, REST)', register: (scope) => registerApi(scope, deps, streams) },
        { prefix: '/guestFile', register: (scope) => registerGuestFiles(scope, deps) },
        { prefix: '/folder', note: '(datastore files)', register: async (scope) => registerFolder(scope, deps.core, deps.log) },
        { prefix: '/console', note: '(WebSocket console proxy)', register: registerConsole, upgrade: (req, socket, head) => consoles.upgrade(req, socket, head) },
      ],
      stop: () => {
        streams.stop();
        return consoles.stop();
      },
    };
  },
};

/** `/console`: WebSocket upgrades only (see console-proxy.ts); a plain request is told so. */
async function registerConsole(app: FastifyInstance): Promise<void> {
  app.setNotFoundHandler((req, reply) =>
    reply.code(426).header('upgrade', 'websocket').header('content-type', 'text/plain; charset=utf-8').send(`${req.url.split('?')[0]} is a WebSocket console: connect with Upgrade: websocket and a ticket from POST /api/vcenter/vm/{vm}/console/tickets\n`),
  );
}

/**
 * `/api`: bodies are read raw (as a Buffer) so that malformed JSON gets the face's own
 * error, not fastify's, and only `application/json` bodies are read at all: a
 * `text/plain`, form or multipart body (what a browser may send cross-site without asking)
 * is answered 415 before any handler runs.
 */
async function registerApi(app: FastifyInstance, deps: FaceDeps, streams: EventStreams): Promise<void> {
  app.decorate(PUBLIC_URL, deps.publicUrl ?? null);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) deps.log.error({ err }, 'vAPI face error');
    const text =
      status === 413
        ? `the request body is larger than the server accepts (${err.message})`
        : status === 415
          ? `the request body must be ${JSON_MEDIA_TYPE}, not ${req.headers['content-type'] === undefined ? 'a body without Content-Type' : `'${String(req.headers['content-type']).slice(0, 100)}'`}`
          : status === 500
            ? 'internal error'
            : err.message;
    if (isJsonRpc(req)) {
      const r = renderProtocolError(null, status === 500 ? JsonRpcCode.INTERNAL_ERROR : JsonRpcCode.INVALID_REQUEST, text);
      return reply.code(status === 413 || status === 415 ? status : 200).header('content-type', 'application/json').send(r.body);
    }
    const e = status === 415 ? stdError('invalid_request', [message('vmgate.unsupported_media_type', text)]) : stdError(status === 500 ? 'error' : 'invalid_request', [text]);
    const r = renderRestError(e);
    return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(r.body));
  });
  app.setNotFoundHandler((req, reply) => notFound(req, reply));
  registerJsonRpc(app, deps.core, deps.log);
  // Before the REST catch-all: the stream is a plain route, not a vAPI operation.
  streams.register(app);
  registerRest(app, deps.core, deps.log);
}

/** `/guestFile/<token>`: the transfer scope (raw streams, plain-text answers). */
async function registerGuestFiles(app: FastifyInstance, deps: FaceDeps): Promise<void> {
  app.decorate(PUBLIC_URL, deps.publicUrl ?? null);
  app.setNotFoundHandler((req, reply) => reply.code(404).header('content-type', 'text/plain; charset=utf-8').send(`no such guest file transfer: ${req.method} ${req.url.split('?')[0]}\n`));
  registerTransfers(app, deps.core, deps.log);
}

function isJsonRpc(req: FastifyRequest): boolean {
  return req.method === 'POST' && req.url.split('?')[0] === '/api';
}

/** A path under /api no route takes (a method REST does not use, `GET /api`): the face's `operation_not_found`. */
function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const r = renderRestError(stdError('operation_not_found', [`no operation for ${req.method} ${req.url.split('?')[0]}`]));
  return reply.code(r.status).header('content-type', 'application/json').send(JSON.stringify(r.body));
}

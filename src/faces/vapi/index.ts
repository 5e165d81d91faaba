import type { FastifyError } from 'fastify';
import type { HttpFace } from '../face.ts';
import { renderProtocolError, renderRestError, stdError, JsonRpcCode } from '../../protocols/vapi/codec/index.ts';
import { registerJsonRpc } from './jsonrpc-route.ts';
import { registerRest } from './rest-route.ts';
import { registerTransfers } from './transfer-route.ts';
import { PUBLIC_URL } from './request-info.ts';

/**
 * The vSphere Automation API face: JSON-RPC `POST /api` and REST `/api/...`.
 * Bodies are read raw so that malformed JSON gets the face's own error, not fastify's.
 */
export const vapiFace: HttpFace = {
  name: 'vSphere Automation API',
  paths: ['/api (JSON-RPC)', '/api/... (REST)'],
  async register(app, deps) {
    app.decorate(PUBLIC_URL, deps.publicUrl ?? null);
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) deps.log.error({ err }, 'vAPI face error');
      const text = status === 413 ? `the request body is larger than the server accepts (${err.message})` : status === 500 ? 'internal error' : err.message;
      if (req.method === 'POST' && req.url.split('?')[0] === '/api') {
        const r = renderProtocolError(null, status === 500 ? JsonRpcCode.INTERNAL_ERROR : JsonRpcCode.INVALID_REQUEST, text);
        return reply.code(status === 413 ? 413 : 200).header('content-type', 'application/json').send(r.body);
      }
      const r = renderRestError(stdError(status === 500 ? 'error' : 'invalid_request', [text]));
      return reply.code(status === 500 ? 500 : status).header('content-type', 'application/json').send(JSON.stringify(r.body));
    });
    registerJsonRpc(app, deps.core, deps.log);
    registerRest(app, deps.core, deps.log);
    registerTransfers(app, deps.core, deps.log);
  },
};

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CoreApi, Logger } from '../../core/index.ts';
import type { JsonRpcReply } from '../../protocols/vapi/codec/index.ts';
import { EncodeError, decodeOperationInput, encodeOperationOutput, inputError, negotiateFormat, parseJsonRpcRequest, renderProtocolError, renderResult, renderStdError, stdError, CLEAN_JSON_MEDIA_TYPE, JsonRpcCode } from '../../protocols/vapi/codec/index.ts';
import { invoke, operationOf } from './dispatch.ts';
import { toStdError } from './errors.ts';
import { findOperation } from '../../protocols/vapi/types/index.ts';
import { baseUrlOf } from './request-info.ts';

/**
 * `POST /api`: the JSON-RPC flavour the official SDKs speak. Protocol problems answer
 * JSON-RPC errors; API errors travel inside `result` with the `vapi-error` header.
 */
export function registerJsonRpc(app: FastifyInstance, core: CoreApi, log: Logger): void {
  // Registered under the face's `/api` prefix: '/' is `POST /api` itself (not `/api/`, which is REST's).
  app.post('/', { prefixTrailingSlash: 'no-slash' }, async (req: FastifyRequest, reply: FastifyReply) => {
    const format = negotiateFormat(req.headers.accept);
    const send = (r: JsonRpcReply) => {
      void reply.code(200).headers({ 'content-type': format === 'clean' ? CLEAN_JSON_MEDIA_TYPE : 'application/json', ...r.headers }).send(r.body);
      return reply;
    };
    const parsed = parseJsonRpcRequest(req.body as Buffer | undefined ?? '', req.headers);
    if (!parsed.ok) return send(renderProtocolError(parsed.error));
    const rq = parsed.request;
    const op = findOperation(rq.serviceId, rq.operationId) ?? operationOf(rq.serviceId, rq.operationId);
    if (!op) {
      return send(renderStdError(rq.id, stdError('operation_not_found', [`operation '${rq.operationId}' of service '${rq.serviceId}' does not exist`]), format));
    }
    const input = decodeOperationInput(op, rq.input, format);
    if (!input.ok) return send(renderStdError(rq.id, inputError(input.issues), format));
    try {
      const output = await invoke(core, rq.serviceId, rq.operationId, input.value, rq.security, { appCtx: rq.appCtx, baseUrl: baseUrlOf(req), flavour: 'jsonrpc', source: req.ip });
      return send(renderResult(rq.id, encodeOperationOutput(op, output, format)));
    } catch (e) {
      if (e instanceof EncodeError) {
        log.error({ err: e, service: rq.serviceId, operation: rq.operationId }, 'vAPI handler output does not match its declared type');
        return send(renderProtocolError(rq.id, JsonRpcCode.INTERNAL_ERROR, 'internal error'));
      }
      return send(renderStdError(rq.id, toStdError(e), format));
    }
  });
}

/**
 * The two wire flavours the client speaks: JSON-RPC (`POST /api`, what the official SDKs
 * send) and REST (`/api/...`). Both return wire JSON and raise {@link VapiError} /
 * {@link VapiProtocolError}; the client above them encodes and decodes values.
 */
import { randomUUID } from 'node:crypto';
import { anyError } from '../../protocols/vapi/types/vapi-type.ts';
import type { LocalizableMessage } from '../../protocols/vapi/types/std.ts';
import { LocalizableMessage as LocalizableMessageType } from '../../protocols/vapi/types/std.ts';
import { JsonRpcCode, VapiHeader } from '../../protocols/vapi/codec/jsonrpc-envelope.ts';
import { decodeValue, isPlainObject } from '../../protocols/vapi/codec/value-codec.ts';
import { stringifyWire } from '../../protocols/vapi/codec/wire-json.ts';
import type { Transport } from './transport.ts';
import { VapiError, VapiProtocolError } from './vapi-error.ts';

export const USER_AGENT = `vmgate-vapi-client/0.1.0 node/${process.versions.node}`;

/** The JSON-RPC `securityCtx` to send, or undefined for none. */
export type WireSecurityContext = Readonly<Record<string, string>> | undefined;

export class JsonRpcConnector {
  private counter = 0;

  constructor(
    private readonly transport: Transport,
    private readonly url: string,
  ) {}

  /**
   * One `invoke`. Returns `result.output` (wire JSON) or throws: a std error in
   * `result.error` as {@link VapiError}, a JSON-RPC `error` as {@link VapiProtocolError}.
   */
  async invoke(
    serviceId: string,
    operationId: string,
    input: unknown,
    security: WireSecurityContext,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const id = String(this.counter++);
    const opId = randomUUID();
    const ctx: Record<string, unknown> = { appCtx: { opId } };
    if (security !== undefined) ctx.securityCtx = security;
    const body = stringifyWire({ jsonrpc: '2.0', method: 'invoke', params: { serviceId, operationId, input, ctx }, id });
    const res = await this.transport.request({
      method: 'POST',
      url: this.url,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': USER_AGENT,
        [VapiHeader.SERVICE]: serviceId,
        [VapiHeader.OPERATION]: operationId,
        'vapi-ctx-opid': opId,
      },
      body,
      ...(signal === undefined ? {} : { signal }),
    });
    if (res.status !== 200) {
      throw new VapiProtocolError(JsonRpcCode.TRANSPORT_ERROR, `HTTP ${res.status} from ${this.url}`, {
        httpStatus: res.status,
        data: res.body.toString('utf8').slice(0, 500),
      });
    }
    let msg: unknown;
    try {
      msg = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new VapiProtocolError(JsonRpcCode.PARSE_ERROR, 'the reply is not JSON', { httpStatus: res.status });
    }
    if (!isPlainObject(msg) || msg.jsonrpc !== '2.0') {
      throw new VapiProtocolError(JsonRpcCode.INVALID_PARAMS, 'the reply is not a JSON-RPC 2.0 response');
    }
    if (isPlainObject(msg.error)) {
      const code = typeof msg.error.code === 'number' ? msg.error.code : JsonRpcCode.INTERNAL_ERROR;
      const text = typeof msg.error.message === 'string' ? msg.error.message : 'JSON-RPC error';
      throw new VapiProtocolError(code, text, { data: msg.error.data });
    }
    if (msg.id !== id) {
      throw new VapiProtocolError(JsonRpcCode.INVALID_PARAMS, `the reply id ${JSON.stringify(msg.id)} is not the request id "${id}"`);
    }
    const result = msg.result;
    if (!isPlainObject(result)) throw new VapiProtocolError(JsonRpcCode.INVALID_PARAMS, 'the reply has no result');
    if (Object.hasOwn(result, 'error')) throw vapiErrorFromSpecialized(result.error);
    return result.output;
  }
}

/** A std error in specialized JSON (`{"ERROR":{"<name>":{…}}}`) as a {@link VapiError}. */
export function vapiErrorFromSpecialized(wire: unknown): VapiError {
  const named = isPlainObject(wire) && isPlainObject(wire.ERROR) ? wire.ERROR : undefined;
  const errorName = named === undefined ? undefined : Object.keys(named)[0];
  const decoded = decodeValue<Record<string, unknown>>(wire, anyError(), 'specialized');
  const fields = decoded.ok ? decoded.value : {};
  return vapiErrorFromFields(fields, { ...(errorName === undefined ? {} : { errorName }) });
}

/** A std error from its clean fields (`{error_type, messages, data, challenge}`). */
export function vapiErrorFromFields(
  fields: unknown,
  extra: { errorName?: string; httpStatus?: number } = {},
): VapiError {
  const f = isPlainObject(fields) ? fields : {};
  const messages: LocalizableMessage[] = [];
  if (Array.isArray(f.messages)) {
    for (const m of f.messages) {
      const d = decodeValue<LocalizableMessage>(m, LocalizableMessageType, 'rest');
      if (d.ok) messages.push(d.value);
    }
  }
  return new VapiError({
    ...extra,
    ...(typeof f.error_type === 'string' ? { errorType: f.error_type } : {}),
    messages,
    data: f.data,
    ...(typeof f.challenge === 'string' ? { challenge: f.challenge } : {}),
  });
}

export interface RestReply {
  readonly status: number;
  /** Parsed JSON body; undefined when empty. */
  readonly body: unknown;
}

export class RestConnector {
  constructor(
    private readonly transport: Transport,
    private readonly baseUrl: string,
  ) {}

  /**
   * One REST call. `body` is wire JSON (or undefined). A status of 400 and above throws a
   * {@link VapiError} when the body is a std error (`{error_type, messages}`), else a
   * {@link VapiProtocolError}.
   */
  async send(
    method: string,
    pathAndQuery: string,
    body: unknown,
    headers: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<RestReply> {
    const h: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT, ...headers };
    let text: string | undefined;
    if (body !== undefined) {
      text = stringifyWire(body);
      h['content-type'] = 'application/json';
    }
    const res = await this.transport.request({
      method,
      url: new URL(pathAndQuery, this.baseUrl).toString(),
      headers: h,
      ...(text === undefined ? {} : { body: text }),
      ...(signal === undefined ? {} : { signal }),
    });
    const raw = res.body.toString('utf8');
    let json: unknown;
    if (raw.trim() !== '') {
      try {
        json = JSON.parse(raw);
      } catch {
        if (res.status < 400) throw new VapiProtocolError(JsonRpcCode.PARSE_ERROR, `${method} ${pathAndQuery}: the reply is not JSON`);
        json = undefined;
      }
    }
    if (res.status >= 400) {
      if (isPlainObject(json) && (typeof json.error_type === 'string' || Array.isArray(json.messages))) {
        throw vapiErrorFromFields(json, { httpStatus: res.status });
      }
      throw new VapiProtocolError(JsonRpcCode.TRANSPORT_ERROR, `HTTP ${res.status} from ${method} ${pathAndQuery}`, {
        httpStatus: res.status,
        data: raw.slice(0, 500),
      });
    }
    return { status: res.status, body: json };
  }
}

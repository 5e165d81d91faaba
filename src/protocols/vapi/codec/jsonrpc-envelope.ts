/**
 * The vAPI JSON-RPC envelope (`POST /api`): parsing and validating a request, extracting
 * its security and application contexts, and rendering results, std errors and protocol
 * errors — as vapi_runtime's `JsonApiHandler` does (`protocol/server/msg/json_handler.py`).
 *
 * ```
 * {"jsonrpc":"2.0","method":"invoke","id":"0",
 *  "params":{"serviceId":"com.vmware.cis.session","operationId":"create",
 *            "input":{"STRUCTURE":{"operation-input":{}}},
 *            "ctx":{"appCtx":{"opId":"…"},"securityCtx":{"schemeId":"…user_pass","userName":"…","password":"…"}}}}
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { StdError } from './std-errors.ts';
import { encodeStdError, stdErrorNameOf } from './std-errors.ts';
import type { WireFormat } from './value-codec.ts';
import { isPlainObject } from './value-codec.ts';
import { stringifyWire } from './wire-json.ts';
import { setOwn } from './set-own.ts';

export const JSONRPC_VERSION = '2.0';
export const VAPI_INVOKE = 'invoke';

/** JSON-RPC error codes vAPI uses. */
export const JsonRpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  TRANSPORT_ERROR: -32300,
  /** `vapi-service` / `vapi-operation` headers disagree with the body. */
  INVALID_OPERATION: -31001,
} as const;
export type JsonRpcCode = (typeof JsonRpcCode)[keyof typeof JsonRpcCode];

const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  [JsonRpcCode.PARSE_ERROR]: 'Parse error.',
  [JsonRpcCode.INVALID_REQUEST]: 'Invalid Request.',
  [JsonRpcCode.METHOD_NOT_FOUND]: 'Method not found.',
  [JsonRpcCode.INVALID_PARAMS]: 'Invalid params.',
  [JsonRpcCode.INTERNAL_ERROR]: 'Internal error.',
  [JsonRpcCode.TRANSPORT_ERROR]: 'Transport error.',
  [JsonRpcCode.INVALID_OPERATION]: 'Mismatching operation identifier in HTTP header and payload',
};

export type JsonRpcId = string | number | null;

/** Header names (lower case). */
export const VapiHeader = {
  SERVICE: 'vapi-service',
  OPERATION: 'vapi-operation',
  ERROR: 'vapi-error',
  SESSION: 'vmware-api-session-id',
  CTX_PREFIX: 'vapi-ctx-',
} as const;

export const SecurityScheme = {
  NONE: 'com.vmware.vapi.std.security.no_authentication',
  USER_PASS: 'com.vmware.vapi.std.security.user_pass',
  SESSION_ID: 'com.vmware.vapi.std.security.session_id',
  SAML_BEARER: 'com.vmware.vapi.std.security.saml_bearer_token',
  SAML_HOK: 'com.vmware.vapi.std.security.saml_hok_token',
  OAUTH: 'com.vmware.vapi.std.security.oauth',
} as const;

/**
 * Who the caller says it is. `unsupported`: a scheme vmgate does not know, or a known one
 * with missing members — answer `unauthenticated` naming `schemeId` and `problem`.
 */
export type SecurityContext =
  | { readonly scheme: 'none' }
  | { readonly scheme: 'user_pass'; readonly userName: string; readonly password: string }
  | { readonly scheme: 'session_id'; readonly sessionId: string; readonly source: 'body' | 'header' | 'cookie' }
  | { readonly scheme: 'saml_bearer'; readonly samlToken: string }
  | {
      readonly scheme: 'saml_hok';
      readonly samlToken: string;
      readonly signature: string;
      readonly signatureAlgorithm?: string;
      readonly created?: string;
      readonly expires?: string;
    }
  | { readonly scheme: 'oauth'; readonly accessToken: string }
  | { readonly scheme: 'unsupported'; readonly schemeId: string; readonly problem: string };

export interface JsonRpcRequest {
  readonly id: JsonRpcId;
  readonly serviceId: string;
  readonly operationId: string;
  /** `params.input` as sent: specialized JSON of the `operation-input` structure. */
  readonly input: unknown;
  readonly security: SecurityContext;
  /** Application context: `params.ctx.appCtx` overridden by `vapi-ctx-*` headers; always has `opId`. */
  readonly appCtx: Readonly<Record<string, string>>;
}

export interface JsonRpcProtocolError {
  readonly id: JsonRpcId;
  readonly code: JsonRpcCode;
  readonly message: string;
  readonly data?: string;
}

export type ParseRequestResult =
  | { readonly ok: true; readonly request: JsonRpcRequest }
  | { readonly ok: false; readonly error: JsonRpcProtocolError };

/** Lower-case header names to values, as node's `IncomingHttpHeaders`. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** `vapi-ctx-<name>` headers whose application-context member is case-sensitive. */
const CTX_HEADER_NAMES: Readonly<Record<string, string>> = {
  opid: 'opId',
  actid: 'actId',
  $showunreleasedapis: '$showUnreleasedAPIs',
  $useragent: '$userAgent',
  $donotroute: '$doNotRoute',
  vmwaresessionid: 'vmwareSessionId',
  activationid: 'ActivationId',
  $taskid: '$taskId',
};

function header(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : (v as string | undefined);
}

function protocolError(id: JsonRpcId, code: JsonRpcCode, data?: string): { ok: false; error: JsonRpcProtocolError } {
  const nullId = code === JsonRpcCode.PARSE_ERROR || code === JsonRpcCode.INVALID_REQUEST;
  return {
    ok: false,
    error: { id: nullId ? null : id, code, message: DEFAULT_MESSAGES[code] ?? 'Server error.', ...(data === undefined ? {} : { data }) },
  };
}

/**
 * Parses a request body (text, bytes, or an already parsed value) and validates the
 * envelope. Protocol problems come back as the JSON-RPC error to answer:
 * -32700 unparsable JSON; -32600 not a JSON-RPC 2.0 request (no `jsonrpc:"2.0"`, bad or
 * missing `id`, `method` not a string); -32601 `method` other than `invoke`; -32602 bad
 * `params` (not an object, missing `serviceId` / `operationId` / `ctx`, non-string app
 * context); -31001 `vapi-service` / `vapi-operation` headers that disagree with the body.
 * Input decoding is not done here (see `operation-codec.ts`).
 */
export function parseJsonRpcRequest(body: string | Uint8Array | unknown, headers: HeaderMap = {}): ParseRequestResult {
  let msg: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    try {
      msg = JSON.parse(text);
    } catch (e) {
      return protocolError(null, JsonRpcCode.PARSE_ERROR, e instanceof Error ? e.message : String(e));
    }
  }
  if (!isPlainObject(msg)) return protocolError(null, JsonRpcCode.INVALID_REQUEST, 'the request must be a JSON object');
  if (msg.jsonrpc !== JSONRPC_VERSION) return protocolError(null, JsonRpcCode.INVALID_REQUEST, 'jsonrpc must be "2.0"');
  if (!Object.hasOwn(msg, 'id')) return protocolError(null, JsonRpcCode.INVALID_REQUEST, 'id is required (notifications are not supported)');
  const id = msg.id;
  if (!(id === null || typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)))) {
    return protocolError(null, JsonRpcCode.INVALID_REQUEST, 'id must be a string, an integer or null');
  }
  if (typeof msg.method !== 'string') return protocolError(id, JsonRpcCode.INVALID_REQUEST, 'method must be a string');
  if (msg.method !== VAPI_INVOKE) return protocolError(id, JsonRpcCode.METHOD_NOT_FOUND, `no such method: ${msg.method}`);
  const params = msg.params;
  if (!isPlainObject(params)) return protocolError(id, JsonRpcCode.INVALID_PARAMS, 'params must be an object');
  const { serviceId, operationId, ctx } = params;
  if (typeof serviceId !== 'string' || serviceId === '') {
    return protocolError(id, JsonRpcCode.INVALID_PARAMS, 'params.serviceId must be a non-empty string');
  }
  if (typeof operationId !== 'string' || operationId === '') {
    return protocolError(id, JsonRpcCode.INVALID_PARAMS, 'params.operationId must be a non-empty string');
  }
  if (!isPlainObject(ctx)) return protocolError(id, JsonRpcCode.INVALID_PARAMS, 'params.ctx must be an object');

  const svcHeader = header(headers, VapiHeader.SERVICE);
  const opHeader = header(headers, VapiHeader.OPERATION);
  if ((svcHeader !== undefined || opHeader !== undefined) && (svcHeader !== serviceId || opHeader !== operationId)) {
    return protocolError(
      id,
      JsonRpcCode.INVALID_OPERATION,
      `headers name ${svcHeader ?? '(none)'}.${opHeader ?? '(none)'}, the body ${serviceId}.${operationId}`,
    );
  }

  const appCtx: Record<string, string> = {};
  if (ctx.appCtx !== undefined && ctx.appCtx !== null) {
    if (!isPlainObject(ctx.appCtx)) return protocolError(id, JsonRpcCode.INVALID_PARAMS, 'params.ctx.appCtx must be an object');
    for (const [k, v] of Object.entries(ctx.appCtx)) {
      if (typeof v !== 'string') return protocolError(id, JsonRpcCode.INVALID_PARAMS, `params.ctx.appCtx.${k} must be a string`);
      setOwn(appCtx, k, v);
    }
  }
  Object.assign(appCtx, appCtxFromHeaders(headers));
  appCtx.opId ??= randomUUID();

  let security = securityFromBody(ctx.securityCtx);
  const sessionHeader = header(headers, VapiHeader.SESSION);
  if (sessionHeader !== undefined) security = { scheme: 'session_id', sessionId: sessionHeader, source: 'header' };

  return { ok: true, request: { id, serviceId, operationId, input: params.input, security, appCtx } };
}

/**
 * Application-context members carried as headers: `vapi-ctx-<name>` (names lower-cased,
 * a few well-known ones restored to their case: `opId`, `actId`, `$userAgent`, …),
 * `user-agent` → `$userAgent`, `accept-language` → `locale`, `format-locale`, `timezone`.
 */
export function appCtxFromHeaders(headers: HeaderMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const value = Array.isArray(rawValue) ? rawValue[0] : (rawValue as string | undefined);
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name.startsWith(VapiHeader.CTX_PREFIX)) {
      const member = name.slice(VapiHeader.CTX_PREFIX.length);
      out[CTX_HEADER_NAMES[member] ?? member] = value;
    }
  }
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const value = Array.isArray(rawValue) ? rawValue[0] : (rawValue as string | undefined);
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name === 'user-agent') out.$userAgent = value;
    else if (name === 'accept-language') out.locale = value;
    else if (name === 'format-locale' || name === 'timezone') out[name] = value;
  }
  return out;
}

/** The security context a request body carries (`params.ctx.securityCtx`). */
export function securityFromBody(sec: unknown): SecurityContext {
  if (sec === undefined || sec === null) return { scheme: 'none' };
  if (!isPlainObject(sec)) return { scheme: 'unsupported', schemeId: '', problem: 'securityCtx is not an object' };
  const schemeId = sec.schemeId;
  if (typeof schemeId !== 'string') return { scheme: 'unsupported', schemeId: '', problem: 'securityCtx.schemeId is missing' };
  const str = (v: unknown): v is string => typeof v === 'string';
  const missing = (what: string): SecurityContext => ({ scheme: 'unsupported', schemeId, problem: `${what} is missing` });
  switch (schemeId) {
    case SecurityScheme.NONE:
      return { scheme: 'none' };
    case SecurityScheme.USER_PASS:
      if (!str(sec.userName)) return missing('userName');
      if (!str(sec.password)) return missing('password');
      return { scheme: 'user_pass', userName: sec.userName, password: sec.password };
    case SecurityScheme.SESSION_ID:
      return str(sec.sessionId) ? { scheme: 'session_id', sessionId: sec.sessionId, source: 'body' } : missing('sessionId');
    case SecurityScheme.SAML_BEARER:
      return str(sec.samlToken) ? { scheme: 'saml_bearer', samlToken: sec.samlToken } : missing('samlToken');
    case SecurityScheme.SAML_HOK: {
      const sig = sec.signature;
      if (!isPlainObject(sig) || !str(sig.samlToken)) return missing('signature.samlToken');
      if (!str(sig.value)) return missing('signature.value');
      const ts = isPlainObject(sec.timestamp) ? sec.timestamp : {};
      return {
        scheme: 'saml_hok',
        samlToken: sig.samlToken,
        signature: sig.value,
        ...(str(sec.signatureAlgorithm) ? { signatureAlgorithm: sec.signatureAlgorithm } : {}),
        ...(str(ts.created) ? { created: ts.created } : {}),
        ...(str(ts.expires) ? { expires: ts.expires } : {}),
      };
    }
    case SecurityScheme.OAUTH:
      return str(sec.accessToken) ? { scheme: 'oauth', accessToken: sec.accessToken } : missing('accessToken');
    default:
      return { scheme: 'unsupported', schemeId, problem: 'unknown security scheme' };
  }
}

// ---------------------------------------------------------------------------------------
// Responses

export interface JsonRpcReply {
  /** The response body text. */
  readonly body: string;
  /** Extra response headers (`vapi-error` on a std error). */
  readonly headers: Readonly<Record<string, string>>;
}

/** `{"jsonrpc":"2.0","id":…,"result":{"output":…}}`; `output` is already wire-encoded. */
export function renderResult(id: JsonRpcId, output: unknown): JsonRpcReply {
  return {
    body: stringifyWire({ jsonrpc: JSONRPC_VERSION, id, result: { output: output === undefined ? null : output } }),
    headers: {},
  };
}

/** A std error inside `result` (HTTP 200) with the `vapi-error` header. */
export function renderStdError(id: JsonRpcId, error: StdError, format: WireFormat = 'specialized'): JsonRpcReply {
  return {
    body: stringifyWire({ jsonrpc: JSONRPC_VERSION, id, result: { error: encodeStdError(error, format) } }),
    headers: { [VapiHeader.ERROR]: stdErrorNameOf(error) },
  };
}

/** A JSON-RPC `error` object reply (also HTTP 200, as vAPI servers answer). */
export function renderProtocolError(error: JsonRpcProtocolError): JsonRpcReply;
export function renderProtocolError(id: JsonRpcId, code: JsonRpcCode, data?: string): JsonRpcReply;
export function renderProtocolError(a: JsonRpcProtocolError | JsonRpcId, code?: JsonRpcCode, data?: string): JsonRpcReply {
  const e: JsonRpcProtocolError =
    isPlainObject(a) && 'code' in a ? (a as unknown as JsonRpcProtocolError) : protocolError(a as JsonRpcId, code as JsonRpcCode, data).error;
  const error = { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) };
  return { body: stringifyWire({ jsonrpc: JSONRPC_VERSION, id: e.id, error }), headers: {} };
}

/**
 * Which data format a reply should use, from the `Accept` header:
 * `application/vnd.vmware.vapi.cleanjson` → clean, anything else → specialized.
 */
export function negotiateFormat(accept: string | undefined): 'specialized' | 'clean' {
  return accept !== undefined && /application\/vnd\.vmware\.vapi\.cleanjson/i.test(accept) ? 'clean' : 'specialized';
}

export const CLEAN_JSON_MEDIA_TYPE = 'application/vnd.vmware.vapi.cleanjson';

/**
 * The REST flavour (`/api/...`, vSphere 7.0+): plain JSON with the vAPI field names
 * (snake_case), maps as objects, optionals left out, secrets and binaries as strings,
 * doubles as ordinary JSON numbers. How an operation's input is spread over path, query
 * and body is its `rest` mapping (see `types/operation.ts`), taken from the 7.0.3 specs.
 *
 * Server side: {@link matchRestRoute} finds the operation of a request,
 * {@link decodeRestInput} builds its plain input, {@link encodeRestOutput} the reply.
 * Client side: {@link buildRestRequest} and {@link decodeRestOutput}.
 */
import type { OperationDef } from '../types/operation.ts';
import type { Fields, Infer, VapiType } from '../types/vapi-type.ts';
import { OPERATION_INPUT, resolveType } from '../types/vapi-type.ts';
import { SERVICE_LIST } from '../types/index.ts';
import type { DecodeOptions, DecodeResult } from './decode-result.ts';
import { decodeValue, encodeValue, isPlainObject } from './value-codec.ts';
import { setOwn } from './set-own.ts';

export function toRest<T extends VapiType>(value: Infer<T> | unknown, type: T, path = 'value'): unknown {
  return encodeValue(value, type, 'rest', path);
}

export function fromRest<T extends VapiType>(json: unknown, type: T, options?: DecodeOptions): DecodeResult<Infer<T>> {
  return decodeValue<Infer<T>>(json, type, 'rest', options);
}

// =======================================================================================
// Paths

interface CompiledRoute {
  readonly serviceId: string;
  readonly operationId: string;
  readonly op: OperationDef;
  readonly method: string;
  /** Literal segments, or `{name}` for a path variable. */
  readonly segments: readonly string[];
  /** The fixed query of the template: `action`, `vmw-task`. */
  readonly dispatch: ReadonlyMap<string, string>;
}

export interface RestRoute {
  readonly serviceId: string;
  readonly operationId: string;
  readonly op: OperationDef;
  readonly method: string;
  /** Fastify-style pattern: `/api/vcenter/vm/:vm/power`. */
  readonly pattern: string;
  /** Query parameters that select this operation: `{ action: 'start' }`. */
  readonly dispatch: Readonly<Record<string, string>>;
}

let compiled: CompiledRoute[] | undefined;

function routes(): CompiledRoute[] {
  compiled ??= SERVICE_LIST.flatMap((svc) =>
    Object.entries(svc.operations as Readonly<Record<string, OperationDef>>).map(([operationId, op]) => {
      const [pathPart, queryPart] = splitTemplate(op.rest.path);
      return {
        serviceId: svc.id,
        operationId,
        op,
        method: op.rest.method,
        segments: pathPart.split('/').slice(1),
        dispatch: new Map(new URLSearchParams(queryPart)),
      };
    }),
  );
  return compiled;
}

function splitTemplate(path: string): [string, string] {
  const q = path.indexOf('?');
  return q < 0 ? [path, ''] : [path.slice(0, q), path.slice(q + 1)];
}

/** Every REST route of the registry, for registering them with an HTTP router. */
export function restRoutes(): readonly RestRoute[] {
  return routes().map((r) => ({
    serviceId: r.serviceId,
    operationId: r.operationId,
    op: r.op,
    method: r.method,
    pattern: '/' + r.segments.map((s) => (s.startsWith('{') ? `:${s.slice(1, -1)}` : s)).join('/'),
    dispatch: Object.fromEntries(r.dispatch),
  }));
}

export interface RestMatch {
  readonly serviceId: string;
  readonly operationId: string;
  readonly op: OperationDef;
  /** Decoded path variables: `{ vm: 'vm-42' }`. */
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/**
 * The operation a REST request addresses. `url` is the request target (`/api/vcenter/vm?names=a`).
 * `action` must equal the template's (or both be absent) and `vmw-task=true` selects the
 * `$task` variant. Undefined when nothing matches (answer 404 / `operation_not_found`).
 */
export function matchRestRoute(method: string, url: string): RestMatch | undefined {
  const parsed = new URL(url, 'http://localhost');
  let segments: string[];
  try {
    segments = parsed.pathname.replace(/\/+$/, '').split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const action = parsed.searchParams.get('action') ?? undefined;
  const task = parsed.searchParams.get('vmw-task') === 'true';
  for (const r of routes()) {
    if (r.method !== method.toUpperCase() || r.segments.length !== segments.length) continue;
    if ((r.dispatch.get('action') ?? undefined) !== action) continue;
    if ((r.dispatch.get('vmw-task') === 'true') !== task) continue;
    const pathParams: Record<string, string> = {};
    let ok = true;
    for (const [i, s] of r.segments.entries()) {
      const got = segments[i] as string;
      if (s.startsWith('{')) pathParams[s.slice(1, -1)] = got;
      else if (s !== got) ok = false;
    }
    if (ok) return { serviceId: r.serviceId, operationId: r.operationId, op: r.op, pathParams, query: parsed.searchParams };
  }
  return undefined;
}

// =======================================================================================
// Server side

export interface RestRequestParts {
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
}

/**
 * Reassembles an operation's input from a REST request and decodes it. Root of issue
 * paths: `operation-input`. Servers pass `{ unknownFields: 'reject', strictEnums: true }`.
 */
export function decodeRestInput(
  op: OperationDef,
  req: RestRequestParts,
  options: DecodeOptions = {},
): DecodeResult<Record<string, unknown>> {
  const input: Record<string, unknown> = {};
  const fields = op.input.fields;
  const [pathPart] = splitTemplate(op.rest.path);
  for (const m of pathPart.matchAll(/\{(\w+)\}/g)) {
    const name = m[1] as string;
    const raw = req.pathParams[name];
    if (raw !== undefined) input[name] = fromQueryValues([raw], fields[name] as VapiType);
  }
  for (const name of op.rest.query ?? []) {
    const ft = resolveType(fields[name] as VapiType);
    const inner = ft.kind === 'optional' ? resolveType(ft.element) : ft;
    if (inner.kind === 'structure') {
      const sub: Record<string, unknown> = {};
      for (const [sf, st] of Object.entries(inner.fields)) {
        const values = req.query.getAll(sf);
        if (values.length > 0) sub[sf] = fromQueryValues(values, st);
      }
      if (Object.keys(sub).length > 0 || ft.kind !== 'optional') input[name] = sub;
    } else {
      const values = req.query.getAll(name);
      if (values.length > 0) input[name] = fromQueryValues(values, ft);
    }
  }
  const body = op.rest.body;
  if (body === 'fields') {
    if (req.body !== undefined && req.body !== null) {
      if (!isPlainObject(req.body)) {
        return {
          ok: false,
          issues: [{ path: 'body', message: 'body: expected a JSON object', code: 'invalid' }],
        };
      }
      for (const [k, v] of Object.entries(req.body)) if (!Object.hasOwn(input, k)) setOwn(input, k, v);
    }
  } else if (body !== undefined && req.body !== undefined) {
    input[body] = req.body;
  }
  return decodeValue(input, op.input, 'rest', { path: OPERATION_INPUT, ...options });
}

/** Query/path text to the JSON the rest decoder expects (it then validates). */
function fromQueryValues(values: readonly string[], type: VapiType): unknown {
  const t = resolveType(type);
  const inner = t.kind === 'optional' ? resolveType(t.element) : t;
  if (inner.kind === 'list' || inner.kind === 'set') return values.map((v) => fromQueryText(v, inner.element));
  return fromQueryText(values[values.length - 1] as string, inner);
}

function fromQueryText(text: string, type: VapiType): unknown {
  const t = resolveType(type);
  switch (t.kind) {
    case 'long':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'double':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

/** Status and JSON body of a successful REST reply (`body` undefined: send none). */
export function encodeRestOutput(op: OperationDef, value: unknown): { status: number; body: unknown } {
  const out = resolveType(op.output);
  if (out.kind === 'void') return { status: op.rest.status === 200 ? 204 : op.rest.status, body: undefined };
  return { status: op.rest.status, body: encodeValue(value, op.output, 'rest', 'output') };
}

// =======================================================================================
// Client side

export interface BuiltRestRequest {
  readonly method: string;
  /** Path and query, encoded: `/api/vcenter/vm?names=a&names=b`. */
  readonly path: string;
  /** JSON body (already encoded for the wire), or undefined. */
  readonly body: unknown;
}

/** Spreads a plain input over path, query and body as the operation's REST mapping says. */
export function buildRestRequest(op: OperationDef, input: Readonly<Record<string, unknown>>): BuiltRestRequest {
  const [pathPart, queryPart] = splitTemplate(op.rest.path);
  const used = new Set<string>();
  const path = pathPart.replace(/\{(\w+)\}/g, (_, name: string) => {
    used.add(name);
    const v = input[name];
    if (v === undefined || v === null) throw new TypeError(`path parameter ${name} is required`);
    return encodeURIComponent(String(v));
  });
  const query = new URLSearchParams(queryPart);
  for (const name of op.rest.query ?? []) {
    used.add(name);
    const v = input[name];
    if (v === undefined || v === null) continue;
    const ft = resolveType(op.input.fields[name] as VapiType);
    const inner = ft.kind === 'optional' ? resolveType(ft.element) : ft;
    if (inner.kind === 'structure') {
      const enc = encodeValue(v, inner, 'rest', name) as Record<string, unknown>;
      for (const [k, sv] of Object.entries(enc)) appendQuery(query, k, sv);
    } else {
      appendQuery(query, name, encodeValue(v, inner, 'rest', name));
    }
  }
  let body: unknown;
  const b = op.rest.body;
  if (b === 'fields') {
    const rest: Record<string, VapiType> = {};
    for (const [k, t] of Object.entries(op.input.fields)) if (!used.has(k)) rest[k] = t;
    body = encodeValue(input, { kind: 'structure', name: OPERATION_INPUT, fields: rest as Fields }, 'rest', 'body');
  } else if (b !== undefined) {
    body = encodeValue(input[b], op.input.fields[b] as VapiType, 'rest', b);
  }
  const qs = query.toString();
  return { method: op.rest.method, path: qs === '' ? path : `${path}?${qs}`, body };
}

function appendQuery(query: URLSearchParams, name: string, v: unknown): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) for (const e of v) query.append(name, String(e));
  else query.append(name, String(v));
}

/** Decodes a successful REST reply body (`undefined` for an empty body). */
export function decodeRestOutput(op: OperationDef, body: unknown, options: DecodeOptions = {}): DecodeResult<unknown> {
  if (resolveType(op.output).kind === 'void') return { ok: true, value: undefined };
  return decodeValue(body, op.output, 'rest', { path: 'output', ...options });
}

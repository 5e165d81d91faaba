/**
 * The one encoder and decoder of vAPI values, parametrised by wire format. The format
 * modules (`specialized-json.ts`, `clean-json.ts`, `rest-json.ts`) are thin fronts on it.
 *
 * | type      | specialized                                   | clean / rest              |
 * |-----------|-----------------------------------------------|---------------------------|
 * | structure | `{"STRUCTURE":{"<name>":{fields}}}`           | `{fields}`                |
 * | error     | `{"ERROR":{"<name>":{fields}}}`               | `{fields}`                |
 * | optional  | `{"OPTIONAL":v}` / `{"OPTIONAL":null}`        | `v`, omitted (null in lists) |
 * | secret    | `{"SECRET":"…"}`                              | `"…"`                     |
 * | binary    | `{"BINARY":"<base64>"}`                       | `"<base64>"`              |
 * | map       | `[{"STRUCTURE":{"map-entry":{key,value}}}…]`  | `{"<key>":value}`         |
 * | double    | canonical `1.5E0`                             | canonical (rest: plain)   |
 * | date_time | `"2024-01-02T03:04:05.000Z"`                  | same                      |
 * | void      | `null`                                        | `null`                    |
 *
 * Plain values (what handlers and clients see) use the clean shape: objects with the
 * wire's snake_case fields, unset optionals absent, maps as objects, binaries as
 * `Uint8Array`, date-times as canonical strings.
 */
import type { VapiType } from '../types/vapi-type.ts';
import { MAP_ENTRY, OPERATION_INPUT, Typed, describeType, resolveType } from '../types/vapi-type.ts';
import { STD_ERROR_TYPES, stdErrorKindOf, stdErrorKindOfType, stdErrorTypeOf } from '../types/std.ts';
import type { DecodeIssue, DecodeOptions, DecodeResult } from './decode-result.ts';
import { EncodeError } from './decode-result.ts';
import { WireDouble, canonicalDateTime, formatDateTime, fromBase64, toBase64 } from './wire-json.ts';
import { setOwn } from './set-own.ts';

export type WireFormat = 'specialized' | 'clean' | 'rest';

/** Name the runtime gives a structure whose type name is not known. */
export const DYNAMIC_STRUCTURE = 'dynamic-structure';

// =======================================================================================
// Encoding

/** Encodes a plain value as `type` in `format`; throws {@link EncodeError} if it does not fit. */
/** Throws the encoder's error; one function, not a closure per encoded value (hot path). */
function failEncode(path: string, value: unknown, what: string): never {
  throw new EncodeError(path, `expected ${what}, got ${describeValue(value)}`);
}

export function encodeValue(value: unknown, type: VapiType, format: WireFormat, path = 'value'): unknown {
  const t = resolveType(type);
  switch (t.kind) {
    case 'string':
    case 'id':
    case 'uri':
    case 'enum':
      return typeof value === 'string' ? value : failEncode(path, value, describeType(t));
    case 'boolean':
      return typeof value === 'boolean' ? value : failEncode(path, value, 'boolean');
    case 'long':
      if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) return Number(value);
      return typeof value === 'number' && Number.isInteger(value) ? value : failEncode(path, value, 'long (an integer)');
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) return failEncode(path, value, 'double (a finite number)');
      return format === 'rest' ? value : new WireDouble(value);
    case 'date_time':
      return encodeDateTime(value, path);
    case 'binary': {
      if (!(value instanceof Uint8Array)) return failEncode(path, value, 'binary (a Uint8Array)');
      const b64 = toBase64(value);
      return format === 'specialized' ? { BINARY: b64 } : b64;
    }
    case 'secret':
      if (typeof value !== 'string') return failEncode(path, value, 'secret (a string)');
      return format === 'specialized' ? { SECRET: value } : value;
    case 'void':
      return value === undefined || value === null ? null : failEncode(path, value, 'void (nothing)');
    case 'optional': {
      const unset = value === undefined || value === null;
      if (format === 'specialized') {
        return { OPTIONAL: unset ? null : encodeValue(value, t.element, format, path) };
      }
      return unset ? undefined : encodeValue(value, t.element, format, path);
    }
    case 'list':
    case 'set': {
      const items = t.kind === 'set' && value instanceof Set ? [...value] : value;
      if (!Array.isArray(items)) return failEncode(path, value, describeType(t));
      return items.map((e, i) => {
        const enc = encodeValue(e, t.element, format, `${path}[${i}]`);
        return enc === undefined ? null : enc;
      });
    }
    case 'map': {
      const entries = mapEntries(value);
      if (entries === undefined) return failEncode(path, value, describeType(t));
      const keyType = resolveType(t.key);
      const encoded = entries.map(([k, v]) => {
        const key = keyType.kind === 'long' && typeof k === 'string' && /^-?\d+$/.test(k) ? Number(k) : k;
        const kPath = `${path}[${JSON.stringify(k)}]`;
        return [encodeValue(key, keyType, format, kPath), encodeValue(v, t.value, format, kPath)] as const;
      });
      if (format === 'specialized') {
        return encoded.map(([key, v]) => ({ STRUCTURE: { [MAP_ENTRY]: { key, value: v } } }));
      }
      const obj: Record<string, unknown> = {};
      for (const [key, v] of encoded) setOwn(obj, String(key), v);
      return obj;
    }
    case 'structure':
    case 'error': {
      if (!isPlainObject(value)) return failEncode(path, value, t.name);
      const fields: Record<string, unknown> = {};
      for (const [name, ft] of Object.entries(t.fields)) {
        const fv = Object.hasOwn(value, name) ? value[name] : undefined;
        if ((fv === undefined || fv === null) && resolveType(ft).kind !== 'optional' && resolveType(ft).kind !== 'void') {
          throw new EncodeError(`${path}.${name}`, `required field of ${t.name} is missing`);
        }
        const enc = encodeValue(fv, ft, format, `${path}.${name}`);
        if (enc !== undefined) fields[name] = enc;
      }
      if (format !== 'specialized') return fields;
      return t.kind === 'structure' ? { STRUCTURE: { [t.name]: fields } } : { ERROR: { [t.name]: fields } };
    }
    case 'opaque':
      return value instanceof Typed ? encodeValue(value.value, value.type, format, path) : encodeGeneric(value, format, path);
    case 'dynamic_structure':
      if (value instanceof Typed) return encodeValue(value.value, value.type, format, path);
      if (!isPlainObject(value)) return failEncode(path, value, 'a structure (an object)');
      return encodeGeneric(value, format, path);
    case 'any_error': {
      if (value instanceof Typed) return encodeValue(value.value, value.type, format, path);
      if (!isPlainObject(value)) return failEncode(path, value, 'an error (an object)');
      const kind = typeof value.error_type === 'string' ? stdErrorKindOfType(value.error_type) : undefined;
      if (kind === undefined) return failEncode(path, value, 'a std error (an object with a known error_type) or a Typed value');
      return encodeValue(value, STD_ERROR_TYPES[kind], format, path);
    }
  }
}

function encodeDateTime(value: unknown, path: string): string {
  const fail = (what: string): never => failEncode(path, value, what);
  if (value instanceof Date) {
    try {
      return formatDateTime(value);
    } catch {
      return fail('date_time (a valid Date)');
    }
  }
  if (typeof value === 'string') return canonicalDateTime(value) ?? fail('date_time (RFC 3339 text)');
  return fail('date_time');
}

/** Encodes a value without a schema (opaque results, dynamic structures). */
export function encodeGeneric(value: unknown, format: WireFormat, path = 'value'): unknown {
  if (value instanceof Typed) return encodeValue(value.value, value.type, format, path);
  if (value === undefined || value === null) return format === 'specialized' ? { OPTIONAL: null } : null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EncodeError(path, `cannot encode ${value}`);
    return Number.isInteger(value) || format === 'rest' ? value : new WireDouble(value);
  }
  if (value instanceof Date) return formatDateTime(value);
  if (value instanceof Uint8Array) return format === 'specialized' ? { BINARY: toBase64(value) } : toBase64(value);
  if (Array.isArray(value)) return value.map((e, i) => encodeGeneric(e, format, `${path}[${i}]`));
  if (isPlainObject(value)) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      setOwn(fields, k, encodeGeneric(v, format, `${path}.${k}`));
    }
    return format === 'specialized' ? { STRUCTURE: { [DYNAMIC_STRUCTURE]: fields } } : fields;
  }
  throw new EncodeError(path, `cannot encode ${describeValue(value)}`);
}

// =======================================================================================
// Decoding

const INVALID: unique symbol = Symbol('invalid');
type Decoded = unknown | typeof INVALID;

interface DecodeCtx {
  readonly format: WireFormat;
  readonly issues: DecodeIssue[];
  readonly rejectUnknown: boolean;
  readonly strictEnums: boolean;
  readonly maxIssues: number;
}

/** Decodes `json` (already parsed) as `type` in `format`, collecting every issue. */
export function decodeValue<T = unknown>(
  json: unknown,
  type: VapiType,
  format: WireFormat,
  options: DecodeOptions = {},
): DecodeResult<T> {
  const ctx: DecodeCtx = {
    format,
    issues: [],
    rejectUnknown: options.unknownFields === 'reject',
    strictEnums: options.strictEnums ?? false,
    maxIssues: options.maxIssues ?? 20,
  };
  const value = decodeAt(json, type, options.path ?? 'value', ctx);
  if (ctx.issues.length > 0 || value === INVALID) {
    return { ok: false, issues: ctx.issues.length > 0 ? ctx.issues : [invalid('value', 'invalid value')] };
  }
  return { ok: true, value: value as T };
}

function invalid(path: string, text: string): DecodeIssue {
  return { path, message: `${path}: ${text}`, code: 'invalid' };
}

function report(ctx: DecodeCtx, issue: DecodeIssue): typeof INVALID {
  if (ctx.issues.length < ctx.maxIssues) ctx.issues.push(issue);
  return INVALID;
}

function mismatch(ctx: DecodeCtx, path: string, expected: string, json: unknown): typeof INVALID {
  return report(ctx, invalid(path, `expected ${expected}, got ${describeJson(json)}`));
}

/** The single member of `{TAG: x}`; INVALID (and an issue) if `json` is not exactly that. */
function unwrap(json: unknown, tag: string, path: string, expected: string, ctx: DecodeCtx): Decoded {
  if (!isPlainObject(json)) return mismatch(ctx, path, `${expected} as {"${tag}":…}`, json);
  const keys = Object.keys(json);
  if (keys.length !== 1 || keys[0] !== tag) return mismatch(ctx, path, `${expected} as {"${tag}":…}`, json);
  return json[tag];
}

function decodeAt(json: unknown, type: VapiType, path: string, ctx: DecodeCtx): Decoded {
  if (ctx.issues.length >= ctx.maxIssues) return INVALID;
  const t = resolveType(type);
  const special = ctx.format === 'specialized';
  switch (t.kind) {
    case 'string':
    case 'id':
    case 'uri':
      return typeof json === 'string' ? json : mismatch(ctx, path, t.kind, json);
    case 'enum': {
      if (typeof json !== 'string') return mismatch(ctx, path, describeType(t), json);
      if (ctx.strictEnums && !t.values.includes(json)) {
        return report(ctx, invalid(path, `expected one of ${listValues(t.values)} (${t.name}), got ${JSON.stringify(json)}`));
      }
      return json;
    }
    case 'boolean':
      return typeof json === 'boolean' ? json : mismatch(ctx, path, 'boolean', json);
    case 'long':
      return typeof json === 'number' && Number.isInteger(json) ? json : mismatch(ctx, path, 'long (an integer)', json);
    case 'double':
      return typeof json === 'number' ? json : mismatch(ctx, path, 'double', json);
    case 'date_time': {
      if (typeof json !== 'string') return mismatch(ctx, path, 'date_time', json);
      return canonicalDateTime(json) ?? report(ctx, invalid(path, `expected an RFC 3339 date_time, got ${JSON.stringify(json)}`));
    }
    case 'binary': {
      const inner = special ? unwrap(json, 'BINARY', path, 'binary', ctx) : json;
      if (inner === INVALID) return INVALID;
      if (typeof inner !== 'string') return mismatch(ctx, path, 'binary (base64 text)', inner);
      return fromBase64(inner) ?? report(ctx, invalid(path, 'expected binary as base64 text, got text that is not base64'));
    }
    case 'secret': {
      const inner = special ? unwrap(json, 'SECRET', path, 'secret', ctx) : json;
      if (inner === INVALID) return INVALID;
      return typeof inner === 'string' ? inner : mismatch(ctx, path, 'secret (a string)', inner);
    }
    case 'void':
      return json === null || json === undefined ? undefined : mismatch(ctx, path, 'void (null)', json);
    case 'optional': {
      const inner = special ? unwrap(json, 'OPTIONAL', path, describeType(t), ctx) : json;
      if (inner === INVALID) return INVALID;
      return inner === null || inner === undefined ? undefined : decodeAt(inner, t.element, path, ctx);
    }
    case 'list':
    case 'set': {
      if (!Array.isArray(json)) return mismatch(ctx, path, describeType(t), json);
      let bad = false;
      const out = json.map((e, i) => {
        const v = decodeAt(e, t.element, `${path}[${i}]`, ctx);
        if (v === INVALID) bad = true;
        return v;
      });
      if (bad) return INVALID;
      if (t.kind === 'set') {
        const seen = new Set<string>();
        for (const [i, v] of out.entries()) {
          const key = typeof v === 'object' ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
          if (seen.has(key)) return report(ctx, invalid(`${path}[${i}]`, `duplicate element ${JSON.stringify(v)} in a set`));
          seen.add(key);
        }
      }
      return out;
    }
    case 'map':
      return decodeMap(json, t.key, t.value, path, ctx);
    case 'structure':
    case 'error': {
      const fields = special ? unwrapNamed(json, t.kind === 'structure' ? 'STRUCTURE' : 'ERROR', t.name, path, ctx) : json;
      if (fields === INVALID) return INVALID;
      if (!isPlainObject(fields)) return mismatch(ctx, path, t.name, fields);
      return decodeFields(fields, t.fields, t.name, path, ctx);
    }
    case 'opaque':
      return special ? decodeGeneric(json) : json;
    case 'dynamic_structure': {
      if (!special) return isPlainObject(json) ? json : mismatch(ctx, path, 'a structure', json);
      if (isPlainObject(json) && Object.keys(json).length === 1 && ('STRUCTURE' in json || 'ERROR' in json)) {
        return decodeGeneric(json);
      }
      return mismatch(ctx, path, 'a structure as {"STRUCTURE":…}', json);
    }
    case 'any_error': {
      if (!special) return isPlainObject(json) ? json : mismatch(ctx, path, 'an error', json);
      const named = isPlainObject(json) ? json.ERROR : undefined;
      if (!isPlainObject(named) || Object.keys(json as object).length !== 1 || Object.keys(named).length !== 1) {
        return mismatch(ctx, path, 'an error as {"ERROR":{"<name>":…}}', json);
      }
      const name = Object.keys(named)[0] as string;
      const kind = stdErrorKindOf(name);
      if (kind === undefined) return decodeGeneric(json);
      const v = decodeAt(json, STD_ERROR_TYPES[kind], path, ctx);
      if (v === INVALID || !isPlainObject(v)) return v;
      return v.error_type === undefined ? { ...v, error_type: stdErrorTypeOf(kind) } : v;
    }
  }
}

function unwrapNamed(json: unknown, tag: string, name: string, path: string, ctx: DecodeCtx): Decoded {
  const inner = unwrap(json, tag, path, name, ctx);
  if (inner === INVALID) return INVALID;
  if (!isPlainObject(inner) || Object.keys(inner).length !== 1) {
    return mismatch(ctx, path, `${name} as {"${tag}":{"${name}":{…}}}`, json);
  }
  const got = Object.keys(inner)[0] as string;
  // Like the runtime, tolerate any name for the two magic structures.
  if (got !== name && name !== OPERATION_INPUT && name !== MAP_ENTRY) {
    return report(ctx, invalid(path, `expected structure ${name}, got ${got}`));
  }
  return inner[got];
}

function decodeFields(
  obj: Record<string, unknown>,
  fields: Readonly<Record<string, VapiType>>,
  typeName: string,
  path: string,
  ctx: DecodeCtx,
): Decoded {
  const out: Record<string, unknown> = {};
  let bad = false;
  for (const [name, ft] of Object.entries(fields)) {
    const fPath = `${path}.${name}`;
    const kind = resolveType(ft).kind;
    if (!Object.hasOwn(obj, name) || (obj[name] === null && ctx.format !== 'specialized')) {
      if (kind !== 'optional' && kind !== 'void') {
        report(ctx, invalid(fPath, `required field of ${typeName} is missing`));
        bad = true;
      }
      continue;
    }
    const v = decodeAt(obj[name], ft, fPath, ctx);
    if (v === INVALID) bad = true;
    else if (v !== undefined) out[name] = v;
  }
  if (ctx.rejectUnknown) {
    for (const [name, v] of Object.entries(obj)) {
      if (Object.hasOwn(fields, name) || isUnset(v, ctx.format)) continue;
      report(ctx, {
        path: `${path}.${name}`,
        message: `${path}.${name}: unexpected field "${name}" in structure ${typeName}`,
        code: 'unexpected_field',
      });
      bad = true;
    }
  }
  return bad ? INVALID : out;
}

function isUnset(v: unknown, format: WireFormat): boolean {
  if (v === null || v === undefined) return true;
  return format === 'specialized' && isPlainObject(v) && Object.keys(v).length === 1 && v.OPTIONAL === null;
}

function decodeMap(json: unknown, keyType: VapiType, valueType: VapiType, path: string, ctx: DecodeCtx): Decoded {
  const pairs: [unknown, unknown, string][] = [];
  let bad = false;
  if (Array.isArray(json)) {
    // specialized: [{"STRUCTURE":{"map-entry":{key,value}}}]; clean (runtime): [{key,value}]
    for (const [i, e] of json.entries()) {
      const ePath = `${path}[${i}]`;
      let entry: unknown = e;
      if (ctx.format === 'specialized') {
        const inner = unwrap(e, 'STRUCTURE', ePath, 'map-entry', ctx);
        if (inner === INVALID) {
          bad = true;
          continue;
        }
        entry = isPlainObject(inner) && Object.keys(inner).length === 1 ? Object.values(inner)[0] : undefined;
      }
      if (!isPlainObject(entry) || !Object.hasOwn(entry, 'key') || !Object.hasOwn(entry, 'value')) {
        mismatch(ctx, ePath, 'a map entry with key and value', e);
        bad = true;
        continue;
      }
      pairs.push([entry.key, entry.value, ePath]);
    }
  } else if (isPlainObject(json)) {
    // clean / rest: {"k": v}; specialized from REST-2018 style peers: {"STRUCTURE":{name:{k: v}}}
    let obj: unknown = json;
    if (ctx.format === 'specialized') {
      const inner = unwrap(json, 'STRUCTURE', path, 'a map', ctx);
      if (inner === INVALID) return INVALID;
      obj = isPlainObject(inner) && Object.keys(inner).length === 1 ? Object.values(inner)[0] : undefined;
      if (!isPlainObject(obj)) return mismatch(ctx, path, 'a map', json);
    }
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) pairs.push([k, v, `${path}[${JSON.stringify(k)}]`]);
  } else {
    return mismatch(ctx, path, 'a map', json);
  }
  const kt = resolveType(keyType);
  const out: Record<string, unknown> = {};
  for (const [k, v, ePath] of pairs) {
    let key: unknown = k;
    if (kt.kind === 'long' && typeof k === 'string' && /^-?\d+$/.test(k)) key = Number(k);
    const dk = decodeAt(key, kt, `${ePath}.key`, ctx);
    const dv = decodeAt(v, valueType, Array.isArray(json) ? `${ePath}.value` : ePath, ctx);
    if (dk === INVALID || dv === INVALID) {
      bad = true;
      continue;
    }
    const sk = String(dk);
    if (Object.hasOwn(out, sk)) {
      report(ctx, invalid(ePath, `duplicate map key ${JSON.stringify(sk)}`));
      bad = true;
      continue;
    }
    setOwn(out, sk, dv);
  }
  return bad ? INVALID : out;
}

/**
 * Specialized JSON to plain values without a schema: wrappers dropped, unset optionals
 * omitted, lists of map entries turned into objects, binaries into Buffers.
 */
export function decodeGeneric(json: unknown): unknown {
  if (Array.isArray(json)) {
    const entries = json.map(mapEntryOf);
    if (json.length > 0 && entries.every((e) => e !== undefined)) {
      const obj: Record<string, unknown> = {};
      for (const e of entries as [unknown, unknown][]) setOwn(obj, String(decodeGeneric(e[0])), decodeGeneric(e[1]));
      return obj;
    }
    return json.map(decodeGeneric);
  }
  if (!isPlainObject(json)) return json;
  const keys = Object.keys(json);
  if (keys.length === 1) {
    const tag = keys[0] as string;
    const inner = json[tag];
    if (tag === 'OPTIONAL') return inner === null ? undefined : decodeGeneric(inner);
    if (tag === 'SECRET' && typeof inner === 'string') return inner;
    if (tag === 'BINARY' && typeof inner === 'string') return fromBase64(inner) ?? inner;
    if ((tag === 'STRUCTURE' || tag === 'ERROR') && isPlainObject(inner) && Object.keys(inner).length === 1) {
      const fields = Object.values(inner)[0];
      if (isPlainObject(fields)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(fields)) {
          const d = decodeGeneric(v);
          if (d !== undefined) setOwn(out, k, d);
        }
        return out;
      }
    }
  }
  return json;
}

function mapEntryOf(e: unknown): [unknown, unknown] | undefined {
  if (!isPlainObject(e) || Object.keys(e).length !== 1 || !isPlainObject(e.STRUCTURE)) return undefined;
  const entry = e.STRUCTURE[MAP_ENTRY];
  if (!isPlainObject(entry) || !Object.hasOwn(entry, 'key') || !Object.hasOwn(entry, 'value')) return undefined;
  return [entry.key, entry.value];
}

// =======================================================================================
// Small helpers

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function mapEntries(value: unknown): [string | number, unknown][] | undefined {
  if (value instanceof Map) return [...value.entries()].map(([k, v]) => [k as string | number, v]);
  if (isPlainObject(value)) return Object.entries(value);
  return undefined;
}

function listValues(values: readonly string[]): string {
  const shown = values.slice(0, 8).join(', ');
  return values.length > 8 ? `${shown}, … (${values.length} values)` : shown;
}

/** How a JSON value looks, for messages: `number 3`, `string "x"`, `{"OPTIONAL":…}`. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case 'number':
      return `number ${v}`;
    case 'boolean':
      return `boolean ${v}`;
    case 'object': {
      const keys = Object.keys(v);
      if (keys.length === 1 && /^[A-Z]+$/.test(keys[0] as string)) {
        const inner = (v as Record<string, unknown>)[keys[0] as string];
        if (isPlainObject(inner) && Object.keys(inner).length === 1) return `${keys[0]} ${Object.keys(inner)[0]}`;
        return `{"${keys[0]}":…}`;
      }
      return 'an object';
    }
    default:
      return typeof v;
  }
}

function describeValue(v: unknown): string {
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'a Date';
  return describeJson(v);
}

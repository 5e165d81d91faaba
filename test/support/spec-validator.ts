/**
 * Validates vAPI REST bodies against VMware's published vSphere 7.0.3 API description
 * (Swagger 2.0, copied into test/fixtures/vsphere-specs/ so tests need nothing outside the
 * repository).
 *
 * ```ts
 * const errors = validateResponse('GET', '/api/vcenter/vm/{vm}/power', 200, body);
 * assert.deepEqual(errors, []);
 * ```
 * `pathTemplate` is the spec's path key, query included
 * (`/api/vcenter/vm/{vm}/power?action=start`). Swagger schemas become JSON Schema for ajv:
 * `#/definitions/X` references resolve inside the spec they come from; `x-vmw-*`
 * extensions and formats (`int64`, `date-time`, `password`, …) are ignored; `enum`,
 * `required`, `type`, `additionalProperties` are enforced.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';

const SPEC_DIR = new URL('../fixtures/vsphere-specs/', import.meta.url);
const SPEC_NAMES = ['session', 'cis', 'vcenter'] as const;

export interface SwaggerOperation {
  readonly parameters?: readonly { readonly in: string; readonly name: string; readonly schema?: unknown }[];
  readonly responses: Readonly<Record<string, { readonly description?: string; readonly schema?: unknown }>>;
}
interface SwaggerSpec {
  readonly paths: Readonly<Record<string, Readonly<Record<string, SwaggerOperation>>>>;
  readonly definitions?: Readonly<Record<string, unknown>>;
}

interface Loaded {
  readonly ajv: Ajv;
  readonly specs: ReadonlyMap<string, SwaggerSpec>;
  /** path key → spec id that declares it */
  readonly owner: ReadonlyMap<string, { readonly id: string; readonly spec: SwaggerSpec }>;
  readonly cache: Map<string, ValidateFunction>;
}

let loaded: Loaded | undefined;

/**
 * Known defects of the published specs, corrected before validation (each with its reason):
 * - `CisTaskInfo.error` is declared `type: string`; it is a std error (an object with
 *   `error_type` and `messages`) on the wire, as `com.vmware.cis.task.info` says (`any_error`).
 */
const SPEC_FIXES: readonly { readonly spec: string; readonly definition: string; readonly property: string; readonly schema: unknown }[] = [
  { spec: 'cis', definition: 'CisTaskInfo', property: 'error', schema: { type: 'object' } },
];

function load(): Loaded {
  if (loaded !== undefined) return loaded;
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const owner = new Map<string, { id: string; spec: SwaggerSpec }>();
  const specs = new Map<string, SwaggerSpec>();
  for (const name of SPEC_NAMES) {
    const spec = JSON.parse(readFileSync(new URL(`vsphere-7.0.3-${name}.json`, SPEC_DIR), 'utf8')) as SwaggerSpec;
    specs.set(name, spec);
    const id = `vsphere-${name}`;
    for (const fix of SPEC_FIXES) {
      const props = (spec.definitions?.[fix.definition] as { properties?: Record<string, unknown> } | undefined)?.properties;
      if (fix.spec === name && props !== undefined) props[fix.property] = fix.schema;
    }
    ajv.addSchema({ $id: id, definitions: toJsonSchema(spec.definitions ?? {}) }, id);
    for (const path of Object.keys(spec.paths)) if (!owner.has(path)) owner.set(path, { id, spec });
  }
  loaded = { ajv, specs, owner, cache: new Map() };
  return loaded;
}

/** Drops Swagger-only members (`x-*`, `discriminator`, `example`) recursively. */
function toJsonSchema(schema: unknown, refBase = ''): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, refBase));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k.startsWith('x-') || k === 'discriminator' || k === 'example') continue;
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/') && refBase !== '') out[k] = `${refBase}${v}`;
    else out[k] = toJsonSchema(v, refBase);
  }
  return out;
}

function findOperation(method: string, pathTemplate: string): { id: string; op: SwaggerOperation } | string {
  const { owner } = load();
  const hit = owner.get(pathTemplate);
  if (hit === undefined) return `path ${pathTemplate} is not in the vSphere 7.0.3 specs`;
  const op = hit.spec.paths[pathTemplate]?.[method.toLowerCase()];
  if (op === undefined) return `${method.toUpperCase()} ${pathTemplate} is not in the vSphere 7.0.3 specs`;
  return { id: hit.id, op };
}

function validatorFor(key: string, specId: string, schema: unknown): ValidateFunction {
  const { ajv, cache } = load();
  let v = cache.get(key);
  if (v === undefined) {
    v = ajv.compile(toJsonSchema(schema, specId) as object);
    cache.set(key, v);
  }
  return v;
}

function describe(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath === '' ? '(body)' : e.instancePath;
    const extra =
      e.keyword === 'enum'
        ? ` (${(e.params as { allowedValues?: unknown[] }).allowedValues?.join(', ')})`
        : e.keyword === 'additionalProperties'
          ? ` (${(e.params as { additionalProperty?: string }).additionalProperty})`
          : '';
    return `${where} ${e.message ?? e.keyword}${extra}`;
  });
}

/**
 * Problems with a response body for `status` of `method pathTemplate`; empty when it
 * conforms. A status the spec does not declare for the operation is a problem, and so is
 * a body where the spec declares none (204-style replies) — pass `undefined` for "no body".
 */
export function validateResponse(method: string, pathTemplate: string, status: number, body: unknown): string[] {
  const found = findOperation(method, pathTemplate);
  if (typeof found === 'string') return [found];
  const response = found.op.responses[String(status)] ?? found.op.responses.default;
  if (response === undefined) {
    const declared = Object.keys(found.op.responses).join(', ');
    return [`status ${status} is not declared for ${method.toUpperCase()} ${pathTemplate} (declared: ${declared})`];
  }
  if (response.schema === undefined) {
    return body === undefined || body === '' ? [] : [`${method.toUpperCase()} ${pathTemplate} ${status} has no body in the spec`];
  }
  const v = validatorFor(`${method} ${pathTemplate} ${status}`, found.id, response.schema);
  return v(body) ? [] : describe(v.errors);
}

/** Problems with a request body of `method pathTemplate`; empty when it conforms. */
export function validateRequestBody(method: string, pathTemplate: string, body: unknown): string[] {
  const found = findOperation(method, pathTemplate);
  if (typeof found === 'string') return [found];
  const param = found.op.parameters?.find((p) => p.in === 'body');
  if (param === undefined) return body === undefined ? [] : [`${method.toUpperCase()} ${pathTemplate} takes no body`];
  const v = validatorFor(`${method} ${pathTemplate} body`, found.id, param.schema);
  return v(body) ? [] : describe(v.errors);
}

/** Every path key of the specs (for tests that cross-check route tables). */
export function specPaths(): string[] {
  return [...load().owner.keys()];
}

/** The definitions of all three specs merged by name (for tests that cross-check types). */
export function specDefinitions(): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const spec of load().specs.values()) Object.assign(out, spec.definitions ?? {});
  return out;
}

/** The spec's description of `method pathTemplate` (parameters, responses), if any. */
export function specOperation(method: string, pathTemplate: string): SwaggerOperation | undefined {
  const found = findOperation(method, pathTemplate);
  return typeof found === 'string' ? undefined : found.op;
}

/**
 * The specs' definition name of a vAPI structure as the official bindings name it on the
 * JSON-RPC wire: `com.vmware.vcenter.VM.summary` → `VcenterVMSummary`,
 * `com.vmware.vcenter.vm.hardware.ethernet.backing_info` → `VcenterVmHardwareEthernetBackingInfo`.
 */
export function specStructureName(name: string): string {
  return name
    .replace(/^com\.vmware\./, '')
    .split('.')
    .map((seg) => seg.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(''))
    .join('');
}

/**
 * Problems with the structure and error names of a JSON-RPC value (specialized JSON): every
 * `{"STRUCTURE":{name:…}}` and `{"ERROR":{name:…}}` must name a definition of the 7.0.3
 * specs (map entries excepted), so an official binding recognises it. `allow` lets a test
 * name vmgate's own structures (`com.vmgate.…`), which no spec has.
 */
export function wireStructureNameProblems(json: unknown, allow: (name: string) => boolean = (n) => n.startsWith('com.vmgate.')): string[] {
  const defs = specDefinitions();
  const problems: string[] = [];
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) {
      v.forEach((e, i) => walk(e, `${at}[${i}]`));
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [k, inner] of Object.entries(v)) {
      if ((k === 'STRUCTURE' || k === 'ERROR') && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
        for (const [name, fields] of Object.entries(inner)) {
          if (name !== 'map-entry' && !allow(name) && !Object.hasOwn(defs, specStructureName(name))) problems.push(`${at}: ${k} ${name} is not a 7.0.3 type (no ${specStructureName(name)})`);
          walk(fields, `${at}.${name}`);
        }
      } else {
        walk(inner, `${at}.${k}`);
      }
    }
  };
  walk(json, '(output)');
  return problems;
}

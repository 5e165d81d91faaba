/**
 * The type registry against VMware's 7.0.3 REST description: every structure's fields
 * (names, required-ness, JSON kind), every enum's values, every operation's REST route.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NAMED_TYPES, SERVICE_LIST, STD_ERROR_KINDS, VMGATE_ENUM_EXTENSIONS, resolveType } from '../../../../src/protocols/vapi/types/index.ts';
import type { OperationDef, VapiType } from '../../../../src/protocols/vapi/types/index.ts';
import { specDefinitions, specOperation, specPaths, specStructureName } from '../../../support/spec-validator.ts';

interface SchemaDef {
  type?: string;
  $ref?: string;
  enum?: string[];
  properties?: Record<string, SchemaDef>;
  required?: string[];
  items?: SchemaDef;
  additionalProperties?: SchemaDef | boolean;
}

const defs = specDefinitions() as Record<string, SchemaDef>;

const restName = specStructureName;

function deref(s: SchemaDef): SchemaDef {
  let cur = s;
  while (cur.$ref !== undefined) cur = defs[cur.$ref.replace('#/definitions/', '')] ?? {};
  return cur;
}

/** The JSON kind a vAPI type has in REST. */
function jsonKind(t: VapiType): string {
  const r = resolveType(t);
  switch (r.kind) {
    case 'optional':
      return jsonKind(r.element);
    case 'string':
    case 'id':
    case 'secret':
    case 'uri':
    case 'date_time':
    case 'enum':
    case 'binary':
      return 'string';
    case 'long':
      return 'integer';
    case 'double':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'list':
    case 'set':
      return 'array';
    default:
      return 'object';
  }
}

function isUntyped(t: VapiType): boolean {
  const r = resolveType(t);
  if (r.kind === 'optional') return isUntyped(r.element);
  return r.kind === 'opaque' || r.kind === 'any_error' || r.kind === 'dynamic_structure';
}

function specKind(s: SchemaDef): string | undefined {
  const d = deref(s);
  return d.type ?? (d.properties !== undefined ? 'object' : undefined);
}

const STD_ERRORS_WITHOUT_REST_DEF = new Set(
  STD_ERROR_KINDS.map((k) => `com.vmware.vapi.std.errors.${k}`).filter((n) => defs[restName(n)] === undefined),
);

describe('type registry ↔ vSphere 7.0.3 REST definitions', () => {
  it('covers the services of protocols/vapi.md', () => {
    const ids = SERVICE_LIST.map((s) => s.id);
    for (const id of [
      'com.vmware.cis.session',
      'com.vmware.cis.tasks',
      'com.vmware.vcenter.VM',
      'com.vmware.vcenter.vm.power',
      'com.vmware.vcenter.vm.hardware',
      'com.vmware.vcenter.vm.guest.processes',
      'com.vmware.vcenter.vm.guest.filesystem.files',
      'com.vmware.vcenter.vm.guest.filesystem.directories',
      'com.vmware.vcenter.vm.guest.filesystem.transfers',
      'com.vmware.vcenter.vm.guest.identity',
      'com.vmware.vcenter.vm.guest.power',
      'com.vmware.vcenter.host',
      'com.vmware.vcenter.datacenter',
      'com.vmware.vcenter.cluster',
      'com.vmware.vcenter.datastore',
      'com.vmware.vcenter.network',
      'com.vmware.vcenter.folder',
      'com.vmware.vcenter.resource_pool',
    ]) {
      assert.ok(ids.includes(id), id);
    }
  });

  it('every structure has the fields of its REST definition, with the same required-ness and JSON kind', () => {
    let checked = 0;
    for (const [name, t] of NAMED_TYPES) {
      if (t.kind !== 'structure' && t.kind !== 'error') continue;
      if (STD_ERRORS_WITHOUT_REST_DEF.has(name)) continue;
      if (name.startsWith('com.vmgate.')) continue; // vmgate's own: test/faces/vapi/vmgate-registry.test.ts
      const def = defs[restName(name)];
      assert.ok(def !== undefined, `no REST definition ${restName(name)} for ${name}`);
      const props = def.properties ?? {};
      assert.deepEqual(Object.keys(t.fields).sort(), Object.keys(props).sort(), name);
      for (const [field, ft] of Object.entries(t.fields)) {
        const optional = resolveType(ft).kind === 'optional';
        assert.equal(!(def.required ?? []).includes(field), optional, `${name}.${field} optional`);
        const sk = specKind(props[field] as SchemaDef);
        // The specs type schema-less values loosely (any_error as "string"); skip those.
        if (sk !== undefined && !isUntyped(ft)) assert.equal(jsonKind(ft), sk, `${name}.${field} kind`);
      }
      checked++;
    }
    assert.ok(checked > 120, `checked ${checked} structures`);
  });

  it('every enum has the values of its REST definition', () => {
    let checked = 0;
    for (const [name, t] of NAMED_TYPES) {
      if (t.kind !== 'enum' || name.startsWith('com.vmgate.')) continue;
      const def = defs[restName(name)] ?? (name === 'com.vmware.vapi.std.errors.error.type' ? defs.VapiStdErrorsErrorType : undefined);
      assert.ok(def?.enum !== undefined, `no REST enum for ${name}`);
      const extensions = Object.hasOwn(VMGATE_ENUM_EXTENSIONS, name) ? VMGATE_ENUM_EXTENSIONS[name]! : [];
      assert.deepEqual([...t.values].filter((v) => !extensions.includes(v)).sort(), [...def.enum].sort(), name);
      // An extension is a value vSphere does not have, never one it has.
      for (const v of extensions) assert.ok(t.values.includes(v) && !def.enum.includes(v), `${name}: extension ${v}`);
      checked++;
    }
    assert.ok(checked > 35, `checked ${checked} enums`);
  });

  it('VM.info is as complete as the spec (guest_OS, identity, hardware, disks map, nics map, …)', () => {
    const info = NAMED_TYPES.get('com.vmware.vcenter.VM.info');
    assert.ok(info?.kind === 'structure');
    for (const f of ['guest_OS', 'name', 'identity', 'power_state', 'hardware', 'boot', 'boot_devices', 'cpu', 'memory', 'disks', 'nics', 'cdroms', 'floppies', 'parallel_ports', 'serial_ports', 'sata_adapters', 'scsi_adapters', 'nvme_adapters']) {
      assert.ok(f in info.fields, f);
    }
    assert.equal(resolveType(info.fields.disks as VapiType).kind, 'map');
  });
});

describe('operation table ↔ vSphere 7.0.3 REST paths', () => {
  const paths = new Set(specPaths());

  for (const svc of SERVICE_LIST.filter((x) => !x.id.startsWith('com.vmgate.'))) {
    for (const [opId, op] of Object.entries(svc.operations) as [string, OperationDef][]) {
      it(`${svc.id}.${opId} → ${op.rest.method} ${op.rest.path}`, () => {
        assert.ok(paths.has(op.rest.path), 'path in spec');
        const specOp = specOperation(op.rest.method, op.rest.path);
        assert.ok(specOp !== undefined, 'method in spec');
        const ok = Object.keys(specOp.responses).filter((c) => c.startsWith('2'));
        assert.deepEqual(ok, [String(op.rest.status)], 'success status');
        const params = specOp.parameters ?? [];
        const pathVars = [...op.rest.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        assert.deepEqual(params.filter((p) => p.in === 'path').map((p) => p.name).sort(), pathVars.sort(), 'path variables');
        for (const v of pathVars) assert.ok(v !== undefined && v in op.input.fields, `path variable ${v} is an input field`);
        // query parameters: direct fields, or the fields of a flattened structure
        const expectedQuery: string[] = [];
        for (const q of op.rest.query ?? []) {
          const t = resolveType(op.input.fields[q] as VapiType);
          const inner = t.kind === 'optional' ? resolveType(t.element) : t;
          if (inner.kind === 'structure') expectedQuery.push(...Object.keys(inner.fields));
          else expectedQuery.push(q);
        }
        assert.deepEqual(params.filter((p) => p.in === 'query').map((p) => p.name).sort(), expectedQuery.sort(), 'query parameters');
        assert.equal(params.some((p) => p.in === 'body'), op.rest.body !== undefined, 'body');
        for (const e of op.errors) assert.match(e, /^com\.vmware\.vapi\.std\.errors\.[a-z_]+$/);
      });
    }
  }
});

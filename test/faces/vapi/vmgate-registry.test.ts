/**
 * vmgate's own services in the vAPI registry (`com.vmgate.*`): the 7.0.3 specs do not
 * describe them, so this checks what types-match-spec checks for VMware's — REST routes,
 * statuses, path variables — against vmgate's own rules, and that every operation is served.
 */
import type { TaskKind } from '../../../src/core/model/index.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchRestRoute } from '../../../src/protocols/vapi/codec/index.ts';
import { TASK_OPERATIONS } from '../../../src/faces/vapi/handlers/mappings.ts';
import { NAMED_TYPES, SERVICE_LIST, resolveType } from '../../../src/protocols/vapi/types/index.ts';
import type { OperationDef, VapiType } from '../../../src/protocols/vapi/types/index.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

const VMGATE = SERVICE_LIST.filter((s) => s.id.startsWith('com.vmgate.'));
const ops = VMGATE.flatMap((svc) => (Object.entries(svc.operations) as [string, OperationDef][]).map(([id, op]) => ({ svc: svc.id, id, op })));

/** Types vmgate's services borrow from VMware's (the rest are named com.vmgate.*). */
const BORROWED = new Set(['com.vmware.vcenter.vm.guest.credentials', 'com.vmware.vcenter.vm.guest.credentials.type', 'com.vmware.vcenter.vm.power.state']);

function namesIn(t: VapiType, out = new Set<string>()): Set<string> {
  const r = resolveType(t);
  if (r.kind === 'structure' || r.kind === 'enum') {
    if (out.has(r.name)) return out;
    out.add(r.name);
    if (r.kind === 'structure') for (const f of Object.values(r.fields)) namesIn(f, out);
  } else if (r.kind === 'optional' || r.kind === 'list' || r.kind === 'set') namesIn(r.element, out);
  else if (r.kind === 'map') {
    namesIn(r.key, out);
    namesIn(r.value, out);
  }
  return out;
}

/** The template with sample values for its path variables. */
function samplePath(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => `sample-${name}`);
}

describe('vmgate services in the registry', () => {
  it('has the seventeen services', () => {
    assert.deepEqual(VMGATE.map((s) => s.id).sort(), [
      'com.vmgate.datastores',
      'com.vmgate.desktops',
      'com.vmgate.events',
      'com.vmgate.groups',
      'com.vmgate.hosts',
      'com.vmgate.hosts.stats',
      'com.vmgate.permissions',
      'com.vmgate.pools',
      'com.vmgate.pools.applications',
      'com.vmgate.pools.entitlements',
      'com.vmgate.roles',
      'com.vmgate.session',
      'com.vmgate.users',
      'com.vmgate.vm.console',
      'com.vmgate.vm.guest.programs',
      'com.vmgate.vm.snapshots',
      'com.vmgate.vm.stats',
    ]);
  });

  for (const { svc, id, op } of ops) {
    it(`${svc}.${id} → ${op.rest.method} ${op.rest.path} (${op.rest.status})`, () => {
      assert.ok(op.rest.path.startsWith('/api/vmgate/'), 'REST under /api/vmgate');
      const [path, query = ''] = op.rest.path.split('?');
      const fixed = new URLSearchParams(query);
      for (const k of fixed.keys()) assert.ok(k === 'action' || k === 'vmw-task', `only action and vmw-task select an operation, not ${k}`);
      for (const [, v] of path!.matchAll(/\{(\w+)\}/g)) assert.ok(v! in op.input.fields, `path variable ${v} is an input field`);
      for (const q of op.rest.query ?? []) assert.ok(q in op.input.fields, `query parameter ${q} is an input field`);
      if (op.rest.body !== undefined && op.rest.body !== 'fields') assert.ok(op.rest.body in op.input.fields, 'body is an input field');
      if (op.rest.method === 'GET' || op.rest.method === 'DELETE') assert.equal(op.rest.body, undefined, 'no body on GET/DELETE');

      const out = resolveType(op.output);
      if (id.endsWith('$task')) {
        assert.equal(op.rest.status, 202);
        assert.equal(fixed.get('vmw-task'), 'true');
        assert.ok(out.kind === 'id' && out.resourceTypes.includes('com.vmware.cis.TASK'), 'a task id');
        const plain = (VMGATE.find((s) => s.id === svc)!.operations as Readonly<Record<string, OperationDef | undefined>>)[id.slice(0, -'$task'.length)];
        assert.ok(plain, 'has a plain twin');
        assert.deepEqual(Object.keys(plain.input.fields), Object.keys(op.input.fields), 'same input as its twin');
        assert.equal(samplePath(plain.rest.path) + (plain.rest.path.includes('?') ? '&' : '?') + 'vmw-task=true', samplePath(op.rest.path), 'the twin path plus vmw-task=true');
      } else if (out.kind === 'void') {
        assert.equal(op.rest.status, 204);
      } else if (id === 'create' || id === 'set' || id === 'add') {
        assert.equal(op.rest.status, 201);
      } else {
        assert.equal(op.rest.status, 200);
      }

      const m = matchRestRoute(op.rest.method, samplePath(op.rest.path));
      assert.deepEqual(m && [m.serviceId, m.operationId], [svc, id], 'the route finds this operation and no other');

      const names = new Set<string>();
      for (const f of Object.values(op.input.fields)) namesIn(f, names);
      namesIn(op.output, names);
      for (const n of names) if (n !== 'operation-input') assert.ok(n.startsWith(`com.vmgate.`) || BORROWED.has(n), `type ${n} is named com.vmgate.*`);
    });
  }

  it('every named vmgate type is reachable and documented by its structure name pattern', () => {
    const mine = [...NAMED_TYPES.keys()].filter((n) => n.startsWith('com.vmgate.'));
    assert.ok(mine.length >= 20, `${mine.length} types`);
    for (const n of mine) assert.match(n, /^com\.vmgate\.[a-z_.]+$/);
  });

  it('the task kinds of snapshots and guest programs point at these operations (cis.tasks shows them)', () => {
    const expected: Partial<Record<TaskKind, readonly [string, string]>> = {
      'vm.snapshot.create': ['com.vmgate.vm.snapshots', 'create'],
      'vm.snapshot.revert': ['com.vmgate.vm.snapshots', 'revert'],
      'vm.snapshot.remove': ['com.vmgate.vm.snapshots', 'delete'],
      'guest.run': ['com.vmgate.vm.guest.programs', 'run'],
    };
    for (const [kind, [service, operation]] of Object.entries(expected) as [TaskKind, readonly [string, string]][]) {
      const t = TASK_OPERATIONS[kind];
      assert.deepEqual(t && [t.service, t.operation], [service, operation], kind);
      assert.ok(ops.some((o) => o.svc === service && o.id === operation), `${service}.${operation} is in the registry`);
    }
  });
});

describe('every vmgate operation answers over REST on a running server', () => {
  const kit = useVapiServer();
  for (const { svc, id, op } of ops) {
    const path = samplePath(op.rest.path);
    const body = op.rest.body === undefined ? undefined : {};
    it(`${svc}.${id}: 401 without a session; with one, a std error naming what is wrong, never "no such operation" or 500`, async () => {
      const anon = await kit.rest(op.rest.method, path, { token: 'no-such-session', ...(body ? { body } : {}) });
      // Input is checked before the session: a body missing required fields may be refused first.
      const anonType = (anon.json as { error_type: string }).error_type;
      if (body && anon.status === 400) assert.equal(anonType, 'INVALID_ARGUMENT');
      else assert.deepEqual([anon.status, anonType], [401, 'UNAUTHENTICATED']);
      const r = await kit.rest(op.rest.method, path, body ? { body } : {});
      const e = r.json as { error_type?: string; messages?: { default_message: string }[] } | undefined;
      assert.notEqual(e?.error_type, 'OPERATION_NOT_FOUND', 'the route reaches a handler');
      assert.ok(r.status < 500, `no internal error: ${r.status} ${JSON.stringify(r.json)}`);
      if (r.status >= 400) {
        assert.ok(['NOT_FOUND', 'INVALID_ARGUMENT', 'UNEXPECTED_INPUT', 'INVALID_REQUEST'].includes(e?.error_type ?? ''), JSON.stringify(r.json));
        const text = (e?.messages ?? []).map((m) => m.default_message).join(' ');
        if (e?.error_type === 'NOT_FOUND') assert.match(text, /sample-/, 'names the id it did not find');
        else assert.ok(text.length > 0, 'says what is wrong');
      } else {
        assert.equal(r.status, op.rest.status, 'the documented status');
      }
    });
  }
});

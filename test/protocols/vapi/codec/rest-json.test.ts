import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DatacenterService,
  TasksService,
  VMService,
  VmGuestFilesystemFilesService,
  VmGuestProcessesService,
  VmHardwareService,
  VmPowerService,
  SessionService,
} from '../../../../src/protocols/vapi/types/index.ts';
import {
  buildRestRequest,
  decodeRestInput,
  decodeRestOutput,
  encodeRestOutput,
  matchRestRoute,
  restRoutes,
} from '../../../../src/protocols/vapi/codec/index.ts';
import { validateRequestBody, validateResponse } from '../../../support/spec-validator.ts';

const credentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'pw' } as const;

describe('REST: building requests (client side)', () => {
  it('VM.list flattens the filter into repeated query parameters', () => {
    assert.deepEqual(buildRestRequest(VMService.operations.list, { filter: { names: ['a', 'b'], power_states: ['POWERED_ON'] } }), {
      method: 'GET',
      path: '/api/vcenter/vm?names=a&names=b&power_states=POWERED_ON',
      body: undefined,
    });
    assert.equal(buildRestRequest(VMService.operations.list, {}).path, '/api/vcenter/vm');
  });

  it('VM.create sends the spec alone as the body', () => {
    const r = buildRestRequest(VMService.operations.create, { spec: { guest_OS: 'OTHER_LINUX_64', name: 'web' } });
    assert.deepEqual(r, { method: 'POST', path: '/api/vcenter/vm', body: { guest_OS: 'OTHER_LINUX_64', name: 'web' } });
    assert.deepEqual(validateRequestBody('POST', '/api/vcenter/vm', r.body), []);
  });

  it('clone as a task keeps the template query (action=clone&vmw-task=true)', () => {
    const r = buildRestRequest(VMService.operations['clone$task'], { spec: { source: 'vm-1', name: 'copy' } });
    assert.equal(r.path, '/api/vcenter/vm?action=clone&vmw-task=true');
  });

  it('guest processes: path variables, and credentials + spec as one body object', () => {
    const r = buildRestRequest(VmGuestProcessesService.operations.create, {
      vm: 'vm-7',
      credentials,
      spec: { path: '/bin/true', environment_variables: { A: '1' } },
    });
    assert.deepEqual(r, {
      method: 'POST',
      path: '/api/vcenter/vm/vm-7/guest/processes?action=create',
      body: { credentials, spec: { path: '/bin/true', environment_variables: { A: '1' } } },
    });
    assert.deepEqual(validateRequestBody('POST', '/api/vcenter/vm/{vm}/guest/processes?action=create', r.body), []);
  });

  it('path variables are percent-encoded (guest file paths)', () => {
    const r = buildRestRequest(VmGuestFilesystemFilesService.operations.get, { vm: 'vm-7', credentials, path: '/tmp/a b' });
    assert.equal(r.path, '/api/vcenter/vm/vm-7/guest/filesystem/files/%2Ftmp%2Fa%20b?action=get');
  });

  it('tasks.get flattens its optional spec; datacenter.delete sends force as a query', () => {
    assert.equal(buildRestRequest(TasksService.operations.get, { task: 't-1', spec: { return_all: true } }).path, '/api/cis/tasks/t-1?return_all=true');
    assert.equal(buildRestRequest(DatacenterService.operations.delete, { datacenter: 'dc-1', force: true }).path, '/api/vcenter/datacenter/dc-1?force=true');
  });

  it('hardware.upgrade wraps its single non-structure parameter', () => {
    assert.deepEqual(buildRestRequest(VmHardwareService.operations.upgrade, { vm: 'vm-1', version: 'VMX_19' }).body, { version: 'VMX_19' });
    assert.deepEqual(buildRestRequest(VmHardwareService.operations.upgrade, { vm: 'vm-1' }).body, {});
  });
});

describe('REST: matching routes (server side)', () => {
  it('selects by method, path, action and vmw-task', () => {
    assert.equal(matchRestRoute('POST', '/api/vcenter/vm')?.operationId, 'create');
    assert.equal(matchRestRoute('GET', '/api/vcenter/vm?names=x')?.operationId, 'list');
    assert.equal(matchRestRoute('POST', '/api/vcenter/vm?action=clone')?.operationId, 'clone');
    assert.equal(matchRestRoute('POST', '/api/vcenter/vm?action=clone&vmw-task=true')?.operationId, 'clone$task');
    assert.equal(matchRestRoute('POST', '/api/vcenter/vm?vmw-task=true&action=clone')?.operationId, 'clone$task');
    const start = matchRestRoute('post', '/api/vcenter/vm/vm-42/power?action=start');
    assert.equal(start?.serviceId, 'com.vmware.vcenter.vm.power');
    assert.equal(start?.operationId, 'start');
    assert.deepEqual(start?.pathParams, { vm: 'vm-42' });
  });

  it('decodes path variables', () => {
    const m = matchRestRoute('POST', '/api/vcenter/vm/vm-1/guest/filesystem/files/%2Ftmp%2Fx?action=get');
    assert.deepEqual(m?.pathParams, { vm: 'vm-1', path: '/tmp/x' });
  });

  it('answers nothing for unknown routes, actions and methods', () => {
    assert.equal(matchRestRoute('POST', '/api/vcenter/vm/vm-1/power?action=explode'), undefined);
    assert.equal(matchRestRoute('PUT', '/api/vcenter/vm'), undefined);
    assert.equal(matchRestRoute('GET', '/api/vcenter/nothing'), undefined);
    assert.equal(matchRestRoute('POST', '/api/vcenter/vm/vm-1/power?action=start&vmw-task=true'), undefined);
  });

  it('lists router-style patterns', () => {
    const r = restRoutes().find((x) => x.serviceId === 'com.vmware.vcenter.vm.power' && x.operationId === 'start');
    assert.deepEqual(r && { method: r.method, pattern: r.pattern, dispatch: r.dispatch }, {
      method: 'POST',
      pattern: '/api/vcenter/vm/:vm/power',
      dispatch: { action: 'start' },
    });
  });
});

describe('REST: decoding requests (server side)', () => {
  const strict = { unknownFields: 'reject', strictEnums: true } as const;

  it('query strings become typed filter fields', () => {
    const m = matchRestRoute('GET', '/api/vcenter/vm?names=a&names=b&power_states=POWERED_ON&hosts=host-1');
    assert.ok(m);
    const r = decodeRestInput(m.op, { pathParams: m.pathParams, query: m.query, body: undefined }, strict);
    assert.deepEqual(r, { ok: true, value: { filter: { names: ['a', 'b'], hosts: ['host-1'], power_states: ['POWERED_ON'] } } });
  });

  it('bad query values are reported with their path', () => {
    const m = matchRestRoute('GET', '/api/vcenter/vm?power_states=ON');
    assert.ok(m);
    const r = decodeRestInput(m.op, { pathParams: m.pathParams, query: m.query, body: undefined }, strict);
    assert.equal(!r.ok && r.issues[0]?.path, 'operation-input.filter.power_states[0]');
  });

  it('path variables and typed query values (booleans, longs)', () => {
    const m = matchRestRoute('DELETE', '/api/vcenter/datacenter/dc-1?force=true');
    assert.ok(m);
    assert.deepEqual(decodeRestInput(m.op, { pathParams: m.pathParams, query: m.query, body: undefined }, strict), {
      ok: true,
      value: { datacenter: 'dc-1', force: true },
    });
    const p = matchRestRoute('POST', '/api/vcenter/vm/vm-1/guest/processes/abc?action=get');
    assert.ok(p);
    const r = decodeRestInput(p.op, { pathParams: p.pathParams, query: p.query, body: { credentials } }, strict);
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), ['operation-input.pid: expected long (an integer), got string "abc"']);
  });

  it('a body that is one parameter, and a body of several', () => {
    const c = matchRestRoute('POST', '/api/vcenter/vm');
    assert.ok(c);
    assert.deepEqual(decodeRestInput(c.op, { pathParams: {}, query: c.query, body: { guest_OS: 'OTHER_LINUX_64' } }, strict), {
      ok: true,
      value: { spec: { guest_OS: 'OTHER_LINUX_64' } },
    });
    const p = matchRestRoute('POST', '/api/vcenter/vm/vm-3/guest/processes?action=create');
    assert.ok(p);
    const r = decodeRestInput(p.op, { pathParams: p.pathParams, query: p.query, body: { credentials, spec: { path: '/bin/ls', colour: 'red' } } }, strict);
    assert.deepEqual(!r.ok && r.issues.map((i) => [i.code, i.message]), [
      ['unexpected_field', 'operation-input.spec.colour: unexpected field "colour" in structure com.vmware.vcenter.vm.guest.processes.create_spec'],
    ]);
  });

  it('a missing body is a missing required parameter', () => {
    const c = matchRestRoute('POST', '/api/vcenter/vm');
    assert.ok(c);
    const r = decodeRestInput(c.op, { pathParams: {}, query: c.query, body: undefined }, strict);
    assert.deepEqual(!r.ok && r.issues.map((i) => i.path), ['operation-input.spec']);
  });
});

describe('REST: replies conform to the 7.0.3 spec', () => {
  it('VM.list → 200 with summaries', () => {
    const out = encodeRestOutput(VMService.operations.list, [
      { vm: 'vm-1', name: 'web', power_state: 'POWERED_ON', cpu_count: 2, memory_size_MiB: 2048 },
      { vm: 'vm-2', name: 'db', power_state: 'POWERED_OFF' },
    ]);
    assert.equal(out.status, 200);
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm', out.status, out.body), []);
  });

  it('VM.create → 201 with the id; power.start → 204 without body; session create → 201 token', () => {
    const created = encodeRestOutput(VMService.operations.create, 'vm-9');
    assert.deepEqual(created, { status: 201, body: 'vm-9' });
    assert.deepEqual(validateResponse('POST', '/api/vcenter/vm', created.status, created.body), []);
    const started = encodeRestOutput(VmPowerService.operations.start, undefined);
    assert.deepEqual(started, { status: 204, body: undefined });
    assert.deepEqual(validateResponse('POST', '/api/vcenter/vm/{vm}/power?action=start', started.status, started.body), []);
    const session = encodeRestOutput(SessionService.operations.create, 'tok');
    assert.deepEqual(validateResponse('POST', '/api/session', session.status, session.body), []);
  });

  it('power.get and session.get', () => {
    const p = encodeRestOutput(VmPowerService.operations.get, { state: 'SUSPENDED' });
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}/power', p.status, p.body), []);
    const s = encodeRestOutput(SessionService.operations.get, {
      user: 'root',
      created_time: '2024-01-01T00:00:00.000Z',
      last_accessed_time: '2024-01-01T00:00:01.000Z',
    });
    assert.deepEqual(validateResponse('GET', '/api/session', s.status, s.body), []);
  });

  it('client side: decodes replies', () => {
    assert.deepEqual(decodeRestOutput(VmPowerService.operations.get, { state: 'POWERED_OFF', future_field: 1 }), {
      ok: true,
      value: { state: 'POWERED_OFF' },
    });
    assert.deepEqual(decodeRestOutput(VmPowerService.operations.start, undefined), { ok: true, value: undefined });
  });
});

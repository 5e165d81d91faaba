import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateRequestBody, validateResponse } from '../../../support/spec-validator.ts';

describe('spec-validator (test/support)', () => {
  it('accepts good bodies', () => {
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}/power', 200, { state: 'POWERED_ON' }), []);
    assert.deepEqual(
      validateResponse('GET', '/api/vcenter/vm', 200, [{ vm: 'vm-1', name: 'web', power_state: 'POWERED_OFF', cpu_count: 1, memory_size_MiB: 512 }]),
      [],
    );
    assert.deepEqual(validateResponse('POST', '/api/vcenter/vm/{vm}/power?action=stop', 204, undefined), []);
    assert.deepEqual(validateRequestBody('POST', '/api/vcenter/vm?action=clone', { source: 'vm-1', name: 'copy' }), []);
  });

  it('reports bad enum values, missing required fields and wrong types with their paths', () => {
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}/power', 200, { state: 'ON' }), [
      '/state must be equal to one of the allowed values (POWERED_OFF, POWERED_ON, SUSPENDED)',
    ]);
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm', 200, [{ vm: 7, name: 'web' }]), [
      "/0 must have required property 'power_state'",
      '/0/vm must be string',
    ]);
    assert.deepEqual(validateRequestBody('POST', '/api/vcenter/vm?action=clone', { name: 'copy' }), ["(body) must have required property 'source'"]);
  });

  it('checks error bodies against the declared error schema', () => {
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', 404, { error_type: 'NOT_FOUND', messages: [] }), []);
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', 404, { error_type: 'NOPE', messages: [] }).length, 1);
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', 404, { error_type: 'NOT_FOUND' }), [
      "(body) must have required property 'messages'",
    ]);
  });

  it('reports undeclared statuses, unknown paths, and bodies where none is declared', () => {
    assert.match(validateResponse('POST', '/api/vcenter/vm/{vm}/power?action=start', 200, undefined)[0] ?? '', /status 200 is not declared/);
    assert.match(validateResponse('GET', '/api/nowhere', 200, {})[0] ?? '', /not in the vSphere 7.0.3 specs/);
    assert.match(validateResponse('PUT', '/api/vcenter/vm', 200, {})[0] ?? '', /PUT \/api\/vcenter\/vm is not in/);
    assert.match(validateResponse('POST', '/api/vcenter/vm/{vm}/power?action=start', 204, { x: 1 })[0] ?? '', /has no body in the spec/);
  });

  it('validates a failed task whose error is a std error object (known spec defect corrected)', () => {
    const info = {
      description: { id: 'x', default_message: 'clone', args: [] },
      service: 'com.vmware.vcenter.VM',
      operation: 'clone',
      status: 'FAILED',
      cancelable: false,
      error: { error_type: 'NOT_FOUND', messages: [] },
    };
    assert.deepEqual(validateResponse('GET', '/api/cis/tasks/{task}', 200, info), []);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_KINDS, VmgateError } from '../../../src/core/errors.ts';
import { STD_ERROR_KINDS, STD_ERROR_TYPES, Typed, DynamicID } from '../../../src/protocols/vapi/types/index.ts';
import {
  STD_ERROR_HTTP_STATUS,
  encodeStdError,
  inputError,
  message,
  renderRestError,
  stdError,
  stringifyWire,
} from '../../../src/protocols/vapi/codec/index.ts';
import { specDefinitions, validateResponse } from '../../support/spec-validator.ts';
import { UNAUTHENTICATED_CHALLENGE, VAPI_ERROR_TABLE, fromVmgateError, toStdError } from '../../../src/faces/vapi/errors.ts';

describe('the core → vAPI error table', () => {
  it('maps every core error kind', () => {
    assert.deepEqual(Object.keys(VAPI_ERROR_TABLE).sort(), [...ERROR_KINDS].sort());
  });

  it('gives the statuses of protocols/vapi.md', () => {
    const expected: Record<string, [string, string, number]> = {
      not_found: ['not_found', 'NOT_FOUND', 404],
      unauthenticated: ['unauthenticated', 'UNAUTHENTICATED', 401],
      unauthorized: ['unauthorized', 'UNAUTHORIZED', 403],
      timed_out: ['timed_out', 'TIMED_OUT', 504],
      internal: ['error', 'ERROR', 500],
      invalid_argument: ['invalid_argument', 'INVALID_ARGUMENT', 400],
      already_exists: ['already_exists', 'ALREADY_EXISTS', 400],
      not_allowed_in_current_state: ['not_allowed_in_current_state', 'NOT_ALLOWED_IN_CURRENT_STATE', 400],
      resource_busy: ['resource_busy', 'RESOURCE_BUSY', 400],
      resource_exhausted: ['unable_to_allocate_resource', 'UNABLE_TO_ALLOCATE_RESOURCE', 400],
      unsupported: ['unsupported', 'UNSUPPORTED', 400],
      cancelled: ['canceled', 'CANCELED', 500],
    };
    for (const [kind, [std, type, status]] of Object.entries(expected)) {
      assert.deepEqual(VAPI_ERROR_TABLE[kind as keyof typeof VAPI_ERROR_TABLE], { stdError: std, errorType: type, httpStatus: status }, kind);
    }
    assert.equal(STD_ERROR_HTTP_STATUS.concurrent_change, 409);
    assert.equal(STD_ERROR_HTTP_STATUS.service_unavailable, 503);
  });

  it('has a status for every std error and an error type the spec knows', () => {
    const specTypes = (specDefinitions().VapiStdErrorsErrorType as { enum: string[] }).enum;
    for (const kind of STD_ERROR_KINDS) {
      assert.ok(STD_ERROR_HTTP_STATUS[kind] >= 400, kind);
      assert.ok(specTypes.includes(kind.toUpperCase()), kind);
    }
    assert.equal(specTypes.length, STD_ERROR_KINDS.length);
  });

  it('turns a VmgateError into a std error that says what went wrong', () => {
    const e = fromVmgateError(new VmgateError('not_found', 'VM vm-42 not found', { module: 'core.vm' }));
    assert.deepEqual(e, { kind: 'not_found', messages: [{ id: 'vmgate.core.vm.not_found', default_message: 'VM vm-42 not found', args: [] }] });
    const r = fromVmgateError(new VmgateError('not_allowed_in_current_state', 'VM vm-1 is powered off', { module: 'core.power', reason: 'vm_not_running' }));
    assert.equal(r.kind, 'not_allowed_in_current_state');
    assert.equal(r.messages[0]?.id, 'vmgate.core.power.vm_not_running');
  });
});

describe('toStdError: what the routes answer for a thrown error', () => {
  const err = (kind: ConstructorParameters<typeof VmgateError>[0], msg: string, reason?: string) =>
    new VmgateError(kind, msg, { module: 'core.test', ...(reason ? { reason: reason as never } : {}) });

  it('maps each core kind to its std error, keeping the message and naming module and kind in the id', () => {
    const expected: ReadonlyArray<readonly [string, string, number]> = [
      ['not_found', 'not_found', 404],
      ['already_exists', 'already_exists', 400],
      ['invalid_argument', 'invalid_argument', 400],
      ['not_allowed_in_current_state', 'not_allowed_in_current_state', 400],
      ['unauthorized', 'unauthorized', 403],
      ['resource_busy', 'resource_busy', 400],
      ['resource_exhausted', 'unable_to_allocate_resource', 400],
      ['timed_out', 'timed_out', 504],
      ['unsupported', 'unsupported', 400],
      ['cancelled', 'canceled', 500],
    ];
    for (const [kind, std, status] of expected) {
      const e = toStdError(err(kind as never, `something ${kind}`));
      assert.deepEqual(e, { kind: std, messages: [{ id: `vmgate.core.test.${kind}`, default_message: `something ${kind}`, args: [] }] }, kind);
      assert.equal(renderRestError(e).status, status, kind);
    }
  });

  it('unauthenticated carries the challenge of the vAPI endpoint (REST 401)', () => {
    const e = toStdError(err('unauthenticated', 'the session has expired: log in again'));
    assert.deepEqual(e, {
      kind: 'unauthenticated',
      messages: [{ id: 'vmgate.core.test.unauthenticated', default_message: 'the session has expired: log in again', args: [] }],
      challenge: 'Basic realm="vmgate",SIGN realm="vmgate",service="com.vmware.vapi.endpoint"',
    });
    assert.equal(UNAUTHENTICATED_CHALLENGE, 'Basic realm="vmgate",SIGN realm="vmgate",service="com.vmware.vapi.endpoint"');
    assert.deepEqual(renderRestError(e), {
      status: 401,
      body: {
        messages: [{ id: 'vmgate.core.test.unauthenticated', default_message: 'the session has expired: log in again', args: [] }],
        error_type: 'UNAUTHENTICATED',
        challenge: 'Basic realm="vmgate",SIGN realm="vmgate",service="com.vmware.vapi.endpoint"',
      },
    });
  });

  it('reasons refine the std error: already_in_state, tools_not_running, guest_auth_failed (no challenge)', () => {
    assert.deepEqual(toStdError(err('not_allowed_in_current_state', 'already on', 'already_in_state')), {
      kind: 'already_in_desired_state',
      messages: [{ id: 'vmgate.core.test.already_in_state', default_message: 'already on', args: [] }],
    });
    const tools = toStdError(err('not_allowed_in_current_state', 'no tools', 'tools_not_running'));
    assert.deepEqual(tools, { kind: 'service_unavailable', messages: [{ id: 'vmgate.core.test.tools_not_running', default_message: 'no tools', args: [] }] });
    assert.equal(renderRestError(tools).status, 503);
    const guest = toStdError(err('unauthenticated', 'wrong guest password', 'guest_auth_failed'));
    assert.deepEqual(guest, { kind: 'unauthenticated', messages: [{ id: 'vmgate.core.test.guest_auth_failed', default_message: 'wrong guest password', args: [] }] });
    assert.equal('challenge' in guest, false, 'wrong guest credentials do not ask the client to log in again');
    // a reason without a refinement keeps the kind's std error, the reason in the id
    assert.deepEqual(toStdError(err('not_allowed_in_current_state', 'VM is off', 'vm_not_running')), {
      kind: 'not_allowed_in_current_state',
      messages: [{ id: 'vmgate.core.test.vm_not_running', default_message: 'VM is off', args: [] }],
    });
  });

  it('masks unexpected errors: "internal error; see the server log", nothing of the detail', () => {
    const masked = { kind: 'error', messages: [{ id: 'vmgate.internal', default_message: 'internal error; see the server log', args: [] }] };
    const secret = new Error('SQLITE_CORRUPT: /var/lib/vmgate/secret-db.sqlite password=hunter2');
    for (const thrown of [secret, new TypeError("Cannot read properties of undefined (reading 'hunter2')"), 'hunter2 as a string', { hunter2: true }]) {
      const e = toStdError(thrown);
      assert.deepEqual(e, masked);
      const rest = renderRestError(e);
      assert.deepEqual(rest, { status: 500, body: { messages: masked.messages, error_type: 'ERROR' } });
      assert.doesNotMatch(JSON.stringify(rest), /hunter2|secret-db|SQLITE|Cannot read/);
    }
  });

  it('an internal VmgateError keeps its own words (core chose them for the client); only unexpected throws are masked', () => {
    assert.deepEqual(toStdError(err('internal', 'the datastore ds1 is full')), {
      kind: 'error',
      messages: [{ id: 'vmgate.core.test.internal', default_message: 'the datastore ds1 is full', args: [] }],
    });
  });

  it('unauthenticated with a reason of its own (a locked account) keeps the challenge and says unauthenticated in the id', () => {
    const e = toStdError(err('unauthenticated', 'the account is locked', 'account_locked'));
    assert.deepEqual(e, {
      kind: 'unauthenticated',
      messages: [{ id: 'vmgate.core.test.unauthenticated', default_message: 'the account is locked', args: [] }],
      challenge: 'Basic realm="vmgate",SIGN realm="vmgate",service="com.vmware.vapi.endpoint"',
    });
  });

  it('a reason with no refinement on another kind is not refined (vm_is_running stays not_allowed_in_current_state)', () => {
    assert.deepEqual(toStdError(err('not_allowed_in_current_state', 'VM is on', 'vm_is_running')), {
      kind: 'not_allowed_in_current_state',
      messages: [{ id: 'vmgate.core.test.vm_is_running', default_message: 'VM is on', args: [] }],
    });
  });

  it('an aborted operation (AbortError) is canceled, not internal', () => {
    const abort = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    assert.deepEqual(toStdError(abort), { kind: 'canceled', messages: [{ id: 'vmgate.face.vapi.cancelled', default_message: 'the operation was cancelled', args: [] }] });
  });
});

describe('input errors', () => {
  it('undeclared fields only → unexpected_input; anything else → invalid_argument', () => {
    const unexpected = { path: 'p.x', message: 'p.x: unexpected field "x" in structure s', code: 'unexpected_field' } as const;
    const invalid = { path: 'p.y', message: 'p.y: expected string, got number 1', code: 'invalid' } as const;
    assert.equal(inputError([unexpected]).kind, 'unexpected_input');
    const both = inputError([invalid, unexpected]);
    assert.equal(both.kind, 'invalid_argument');
    assert.deepEqual(
      both.messages.map((m) => m.default_message),
      ['p.y: expected string, got number 1', 'p.x: unexpected field "x" in structure s'],
    );
  });
});

describe('std error wire forms', () => {
  it('REST body validates against the spec, per status', () => {
    const e = stdError('not_found', [message('vmgate.vm.not_found', 'VM vm-42 not found', ['vm-42'])]);
    const r = renderRestError(e);
    assert.deepEqual(r, {
      status: 404,
      body: { messages: [{ id: 'vmgate.vm.not_found', default_message: 'VM vm-42 not found', args: ['vm-42'] }], error_type: 'NOT_FOUND' },
    });
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', r.status, r.body), []);
    const u = renderRestError(stdError('unauthenticated', ['no session'], undefined, { challenge: 'Basic realm="vmgate"' }));
    assert.equal(u.status, 401);
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', u.status, u.body), []);
  });

  it('challenge only on unauthenticated; data can keep a structure name', () => {
    const e = stdError('not_found', ['x'], undefined, { challenge: 'ignored' });
    assert.equal((encodeStdError(e, 'clean') as Record<string, unknown>).challenge, undefined);
    const withData = stdError('not_found', ['x'], new Typed(DynamicID, { type: 'VirtualMachine', id: 'vm-1' }));
    assert.match(stringifyWire(encodeStdError(withData, 'specialized')), /"data":\{"OPTIONAL":\{"STRUCTURE":\{"com\.vmware\.vapi\.std\.dynamic_ID":\{"type":"VirtualMachine","id":"vm-1"\}\}\}\}/);
  });

  it('every std error type is declared', () => {
    for (const kind of STD_ERROR_KINDS) assert.equal(STD_ERROR_TYPES[kind].name, `com.vmware.vapi.std.errors.${kind}`);
    assert.ok('challenge' in STD_ERROR_TYPES.unauthenticated.fields);
    assert.ok(!('challenge' in STD_ERROR_TYPES.not_found.fields));
  });
});

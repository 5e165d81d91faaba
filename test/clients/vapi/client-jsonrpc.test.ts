import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VapiClient, VapiError, VapiProtocolError, DecodeError } from '../../../src/clients/vapi/index.ts';
import { TaskInfo, VMInfo, VMService } from '../../../src/protocols/vapi/types/index.ts';
import { toSpecialized } from '../../../src/protocols/vapi/codec/index.ts';
import { FakeServer, rpcOutput, rpcStdError } from './fake-server.ts';
import type { Recorded } from './fake-server.ts';
import { vmInfo } from './vm-info.fixture.ts';

const server = new FakeServer();
let base = '';
let client: VapiClient;

before(async () => {
  base = await server.start();
});
after(async () => {
  client?.close();
  await server.stop();
});
beforeEach(() => {
  server.requests.length = 0;
  client?.close();
  client = new VapiClient({ server: base, flavour: 'jsonrpc' });
});

const params = (r: Recorded) => (r.json as { params: Record<string, unknown> }).params;

describe('VapiClient (JSON-RPC): request shapes', () => {
  it('login sends session.create with a user_pass security context and keeps the secret', async () => {
    server.reply = (req) => rpcOutput(req, { SECRET: 'sess-123' });
    const token = await client.login('administrator@vsphere.local', 'pw');
    assert.equal(token, 'sess-123');
    assert.equal(client.sessionId, 'sess-123');
    const [r] = server.requests;
    assert.ok(r);
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/api');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['vapi-service'], 'com.vmware.cis.session');
    assert.equal(r.headers['vapi-operation'], 'create');
    const body = r.json as Record<string, unknown>;
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.method, 'invoke');
    assert.equal(typeof body.id, 'string');
    const p = params(r);
    assert.equal(p.serviceId, 'com.vmware.cis.session');
    assert.equal(p.operationId, 'create');
    assert.deepEqual(p.input, { STRUCTURE: { 'operation-input': {} } });
    const ctx = p.ctx as { appCtx: { opId: string }; securityCtx: unknown };
    assert.deepEqual(ctx.securityCtx, { schemeId: 'com.vmware.vapi.std.security.user_pass', userName: 'administrator@vsphere.local', password: 'pw' });
    assert.equal(r.headers['vapi-ctx-opid'], ctx.appCtx.opId);
  });

  it('later calls carry the session id; VM.list sends the filter as the SDK does', async () => {
    client.sessionId = 'sess-123';
    server.reply = (req) =>
      rpcOutput(req, toSpecialized([{ vm: 'vm-1', name: 'web', power_state: 'POWERED_ON', cpu_count: 2, memory_size_MiB: 2048 }], VMService.operations.list.output));
    const vms = await client.vm.list({ power_states: ['POWERED_ON'] });
    assert.deepEqual(vms, [{ vm: 'vm-1', name: 'web', power_state: 'POWERED_ON', cpu_count: 2, memory_size_MiB: 2048 }]);
    const p = params(server.requests[0] as Recorded);
    assert.deepEqual((p.ctx as { securityCtx: unknown }).securityCtx, { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: 'sess-123' });
    assert.deepEqual(p.input, {
      STRUCTURE: {
        'operation-input': {
          filter: {
            OPTIONAL: {
              STRUCTURE: {
                'com.vmware.vcenter.VM.filter_spec': {
                  vms: { OPTIONAL: null },
                  names: { OPTIONAL: null },
                  folders: { OPTIONAL: null },
                  datacenters: { OPTIONAL: null },
                  hosts: { OPTIONAL: null },
                  clusters: { OPTIONAL: null },
                  resource_pools: { OPTIONAL: null },
                  power_states: { OPTIONAL: ['POWERED_ON'] },
                },
              },
            },
          },
        },
      },
    });
  });

  it('VM.get decodes the full info', async () => {
    server.reply = (req) => rpcOutput(req, JSON.parse(JSON.stringify(toSpecialized(vmInfo, VMInfo))));
    const info = await client.vm.get('vm-1');
    assert.deepEqual(info, vmInfo);
    assert.deepEqual(params(server.requests[0] as Recorded).input, { STRUCTURE: { 'operation-input': { vm: 'vm-1' } } });
  });

  it('void operations, and a guest process with credentials (secret password)', async () => {
    server.reply = (req) => rpcOutput(req, params(req).operationId === 'create' ? 4242 : null);
    assert.equal(await client.power.start('vm-1'), undefined);
    const pid = await client.guest.processes.create(
      'vm-1',
      { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'pw' },
      { path: '/bin/sleep', arguments: '5' },
    );
    assert.equal(pid, 4242);
    const input = params(server.requests[1] as Recorded).input as { STRUCTURE: { 'operation-input': Record<string, unknown> } };
    assert.deepEqual(input.STRUCTURE['operation-input'].credentials, {
      STRUCTURE: {
        'com.vmware.vcenter.vm.guest.credentials': {
          interactive_session: false,
          type: 'USERNAME_PASSWORD',
          user_name: { OPTIONAL: 'root' },
          password: { OPTIONAL: { SECRET: 'pw' } },
          saml_token: { OPTIONAL: null },
        },
      },
    });
  });

  it('clone with { task: true } invokes clone$task and returns the task id', async () => {
    server.reply = (req) => rpcOutput(req, 'task-77');
    const id = await client.vm.clone({ source: 'vm-1', name: 'copy' }, { task: true });
    assert.equal(id, 'task-77');
    assert.equal(params(server.requests[0] as Recorded).operationId, 'clone$task');
    assert.equal(server.requests[0]?.headers['vapi-operation'], 'clone$task');
  });

  it('raw invoke: registry operations typed, others passed through', async () => {
    server.reply = (req) => rpcOutput(req, params(req).serviceId === 'com.example.x' ? { STRUCTURE: { 'com.example.r': { a: { OPTIONAL: 1 } } } } : { state: 'POWERED_OFF' });
    const other = await client.invoke('com.example.x', 'do', { STRUCTURE: { 'operation-input': {} } });
    assert.deepEqual(other, { a: 1 });
    server.reply = (req) => rpcOutput(req, { STRUCTURE: { 'com.vmware.vcenter.vm.power.info': { state: 'POWERED_OFF', clean_power_off: { OPTIONAL: true } } } });
    assert.deepEqual(await client.invoke('com.vmware.vcenter.vm.power', 'get', { vm: 'vm-1' }), { state: 'POWERED_OFF', clean_power_off: true });
  });
});

describe('VapiClient (JSON-RPC): errors', () => {
  it('a std error in result throws VapiError with type, messages and the REST-equivalent status', async () => {
    server.reply = (req) => rpcStdError(req, 'not_found', 'VM vm-9 not found');
    await assert.rejects(client.vm.get('vm-9'), (e: unknown) => {
      assert.ok(e instanceof VapiError);
      assert.equal(e.errorType, 'NOT_FOUND');
      assert.equal(e.errorName, 'com.vmware.vapi.std.errors.not_found');
      assert.equal(e.httpStatus, 404);
      assert.deepEqual(e.messages, [{ id: 'test.not_found', default_message: 'VM vm-9 not found', args: [] }]);
      assert.equal(e.message, 'NOT_FOUND: VM vm-9 not found');
      return true;
    });
  });

  it('unauthenticated carries its challenge', async () => {
    server.reply = (req) => rpcStdError(req, 'unauthenticated', 'bad password', { challenge: { OPTIONAL: 'Basic realm="x"' } });
    await assert.rejects(client.login('u', 'p'), (e: unknown) => e instanceof VapiError && e.errorType === 'UNAUTHENTICATED' && e.challenge === 'Basic realm="x"' && e.httpStatus === 401);
    assert.equal(client.sessionId, undefined);
  });

  it('a JSON-RPC error object throws VapiProtocolError with its code', async () => {
    server.reply = (req) => ({ json: { jsonrpc: '2.0', id: (req.json as { id: string }).id, error: { code: -31001, message: 'Mismatching operation identifier' } } });
    await assert.rejects(client.power.get('vm-1'), (e: unknown) => e instanceof VapiProtocolError && e.code === -31001);
  });

  it('a reply with another id is refused', async () => {
    server.reply = () => ({ json: { jsonrpc: '2.0', id: 'other', result: { output: null } } });
    await assert.rejects(client.power.start('vm-1'), (e: unknown) => e instanceof VapiProtocolError && /reply id/.test(e.message));
  });

  it('HTTP errors and non-JSON replies are protocol errors', async () => {
    server.reply = () => ({ status: 503, raw: 'down' });
    await assert.rejects(client.power.start('vm-1'), (e: unknown) => e instanceof VapiProtocolError && e.code === -32300 && e.httpStatus === 503);
    server.reply = () => ({ raw: '<html>' });
    await assert.rejects(client.power.start('vm-1'), (e: unknown) => e instanceof VapiProtocolError && e.code === -32700);
  });

  it('an output that does not match the declared type throws DecodeError', async () => {
    server.reply = (req) => rpcOutput(req, { STRUCTURE: { 'com.vmware.vcenter.vm.power.info': { state: 7 } } });
    await assert.rejects(client.power.get('vm-1'), (e: unknown) => e instanceof DecodeError && /output\.state: expected enum/.test(e.message));
  });
});

describe('VapiClient (JSON-RPC): tasks', () => {
  const taskInfo = (status: string, extra: Record<string, unknown> = {}): unknown =>
    JSON.parse(
      JSON.stringify(
        toSpecialized(
          {
            description: { id: 'vm.clone', default_message: 'Clone VM', args: [] },
            service: 'com.vmware.vcenter.VM',
            operation: 'clone',
            status,
            cancelable: false,
            ...extra,
          },
          TaskInfo,
        ),
      ),
    );

  it('wait polls until SUCCEEDED, reporting progress', async () => {
    let n = 0;
    server.reply = (req) => {
      n++;
      if (n < 3) return rpcOutput(req, taskInfo('RUNNING', { progress: { total: 100, completed: n * 40, message: { id: 'p', default_message: 'copying', args: [] } } }));
      return rpcOutput(req, taskInfo('SUCCEEDED', { result: 'vm-8' }));
    };
    const seen: (number | undefined)[] = [];
    const done = await client.tasks.wait('task-1', (t) => seen.push(t.progress?.completed), { intervalMs: 5 });
    assert.equal(done.status, 'SUCCEEDED');
    assert.equal(done.result, 'vm-8');
    assert.deepEqual(seen, [40, 80, undefined]);
    assert.equal(params(server.requests[0] as Recorded).operationId, 'get');
  });

  it('wait throws the task error when FAILED', async () => {
    server.reply = (req) =>
      rpcOutput(req, taskInfo('FAILED', { error: { error_type: 'RESOURCE_BUSY', messages: [{ id: 'x', default_message: 'disk locked', args: [] }] } }));
    await assert.rejects(client.tasks.wait('task-2', undefined, { intervalMs: 5 }), (e: unknown) => e instanceof VapiError && e.errorType === 'RESOURCE_BUSY' && e.message.includes('disk locked'));
  });

  it('wait gives up after timeoutMs', async () => {
    server.reply = (req) => rpcOutput(req, taskInfo('RUNNING'));
    await assert.rejects(client.tasks.wait('task-3', undefined, { intervalMs: 20, timeoutMs: 50 }), (e: unknown) => e instanceof VapiError && e.errorType === 'TIMED_OUT');
  });
});

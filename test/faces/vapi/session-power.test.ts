import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/** JSON-RPC helper: specialized JSON in, the parsed reply out. */
async function rpc(s: TestServer, serviceId: string, operationId: string, input: Record<string, unknown>, security: Record<string, unknown>, headers: Record<string, string> = {}) {
  const r = await s.request('POST', '/api', {
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: 'req-1', params: { serviceId, operationId, input: { STRUCTURE: { 'operation-input': input } }, ctx: { appCtx: { opId: 'x' }, securityCtx: security } } }),
  });
  return { ...r, json: JSON.parse(r.body) as { id: unknown; result?: { output?: unknown; error?: Record<string, Record<string, { messages: unknown[] }>> }; error?: { code: number } } };
}

describe('vAPI face: session, power, tasks, protocol errors (real HTTPS)', () => {
  let s: TestServer;
  let token: string;
  const userPass = { schemeId: 'com.vmware.vapi.std.security.user_pass', userName: 'administrator@vsphere.local', password: ADMIN_PASSWORD };
  const sid = () => ({ schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: token });

  before(async () => {
    s = await startTestServer();
    const r = await rpc(s, 'com.vmware.cis.session', 'create', {}, userPass);
    token = (r.json.result!.output as { SECRET: string }).SECRET;
  });
  after(async () => s.close());

  it('JSON-RPC session create returns a SECRET and echoes the id', async () => {
    const r = await rpc(s, 'com.vmware.cis.session', 'create', {}, userPass);
    assert.equal(r.json.id, 'req-1');
    assert.match((r.json.result!.output as { SECRET: string }).SECRET, /^[0-9a-f]{48}$/);
  });

  it('REST session: POST with Basic → 201 token; GET → user; DELETE → 204, then 401', async () => {
    const basic = 'Basic ' + Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64');
    const c = await s.request('POST', '/api/session', { headers: { authorization: basic } });
    assert.equal(c.status, 201);
    const t = JSON.parse(c.body) as string;
    const g = await s.request('GET', '/api/session', { headers: { 'vmware-api-session-id': t } });
    assert.equal(g.status, 200);
    assert.equal((JSON.parse(g.body) as { user: string }).user, 'administrator');
    const d = await s.request('DELETE', '/api/session', { headers: { 'vmware-api-session-id': t } });
    assert.equal(d.status, 204);
    const again = await s.request('GET', '/api/session', { headers: { 'vmware-api-session-id': t } });
    assert.equal(again.status, 401);
    assert.equal((JSON.parse(again.body) as { error_type: string }).error_type, 'UNAUTHENTICATED');
  });

  it('wrong password: REST 401, JSON-RPC unauthenticated in result with vapi-error header', async () => {
    const r = await s.request('POST', '/api/session', { headers: { authorization: 'Basic ' + Buffer.from('administrator:nope-nope').toString('base64') } });
    assert.equal(r.status, 401);
    const j = await rpc(s, 'com.vmware.cis.session', 'create', {}, { ...userPass, password: 'wrong-one' });
    assert.equal(j.status, 200);
    assert.equal(j.headers['vapi-error'], 'com.vmware.vapi.std.errors.unauthenticated');
    assert.ok(j.json.result!.error!.ERROR!['com.vmware.vapi.std.errors.unauthenticated']);
  });

  it('SAML (bearer and holder-of-key) and OAuth schemes are refused naming the scheme', async () => {
    const contexts = [
      { schemeId: 'com.vmware.vapi.std.security.saml_bearer_token', samlToken: '<saml/>' },
      {
        schemeId: 'com.vmware.vapi.std.security.saml_hok_token',
        signatureAlgorithm: 'RS256',
        timestamp: { created: '2026-01-01T00:00:00.000Z', expires: '2026-01-01T00:10:00.000Z' },
        signature: { samlToken: '<saml/>', value: 'c2ln' },
      },
      { schemeId: 'com.vmware.vapi.std.security.oauth', accessToken: 'abc' },
    ];
    for (const security of contexts) {
      const j = await rpc(s, 'com.vmware.vcenter.vm.power', 'get', { vm: 'vm-1' }, security);
      assert.equal(j.status, 200, security.schemeId);
      assert.equal(j.headers['vapi-error'], 'com.vmware.vapi.std.errors.unauthenticated', security.schemeId);
      assert.equal(j.json.result!.output, undefined, security.schemeId);
      const err = j.json.result!.error!.ERROR!['com.vmware.vapi.std.errors.unauthenticated']!;
      assert.match(JSON.stringify(err.messages), new RegExp(`security scheme ${security.schemeId.replace(/\./g, '\\.')} is not supported by vmgate`), security.schemeId);
    }
    // REST: SAML and Bearer authorization headers are refused too
    for (const authorization of ['SAML PHNhbWwvPg==', 'Bearer abc']) {
      const r = await s.request('GET', '/api/vcenter/vm', { headers: { authorization } });
      assert.equal(r.status, 401, authorization);
      assert.equal((JSON.parse(r.body) as { error_type: string }).error_type, 'UNAUTHENTICATED', authorization);
    }
  });

  it('power get/start/stop on both flavours; already-in-state is already_in_desired_state', async () => {
    const vm = (await s.server.core.vms.list(s.server.core.ctx.store ? (await s.server.core.identity.login('administrator', ADMIN_PASSWORD, 'test')).caller : (undefined as never), { powerStates: ['poweredOff'], inLibrary: false }))[0]!;
    const h = { 'vmware-api-session-id': token };
    assert.equal(JSON.parse((await s.request('GET', `/api/vcenter/vm/${vm.id}/power`, { headers: h })).body).state, 'POWERED_OFF');
    assert.equal((await s.request('POST', `/api/vcenter/vm/${vm.id}/power?action=start`, { headers: h })).status, 204);
    const got = await rpc(s, 'com.vmware.vcenter.vm.power', 'get', { vm: vm.id }, sid());
    assert.deepEqual(got.json.result!.output, { STRUCTURE: { 'com.vmware.vcenter.vm.power.info': { state: 'POWERED_ON', clean_power_off: { OPTIONAL: null } } } });
    const again = await s.request('POST', `/api/vcenter/vm/${vm.id}/power?action=start`, { headers: h });
    assert.equal(again.status, 400);
    assert.equal(JSON.parse(again.body).error_type, 'ALREADY_IN_DESIRED_STATE');
    const stop = await rpc(s, 'com.vmware.vcenter.vm.power', 'stop', { vm: vm.id }, sid());
    assert.deepEqual(stop.json.result, { output: null });
    assert.equal(s.server.core.ctx.store && (await s.server.core.ctx.store.vms.get(vm.id))!.powerState, 'poweredOff');
  });

  it('the session id header overrides the body', async () => {
    const j = await rpc(s, 'com.vmware.vcenter.vm.power', 'get', { vm: 'vm-1' }, { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: 'bogus' }, { 'vmware-api-session-id': token });
    assert.ok(j.json.result!.output);
  });

  it('cis.tasks lists the power tasks with their service and operation', async () => {
    const r = await s.request('POST', '/api/cis/tasks?action=list', { headers: { 'vmware-api-session-id': token, 'content-type': 'application/json' }, body: JSON.stringify({ filter_spec: { services: ['com.vmware.vcenter.vm.power'], status: ['SUCCEEDED'] } }) });
    assert.equal(r.status, 200);
    const tasks = Object.values(JSON.parse(r.body) as Record<string, { operation: string; status: string }>);
    assert.ok(tasks.some((t) => t.operation === 'start' && t.status === 'SUCCEEDED'));
  });

  it('malformed input: bad JSON, wrong types, unknown service/operation, header mismatch, no auth', async () => {
    const bad = await s.request('POST', '/api', { headers: { 'content-type': 'application/json' }, body: '{"jsonrpc": ' });
    assert.equal(JSON.parse(bad.body).error.code, -32700);
    const wrongType = await rpc(s, 'com.vmware.vcenter.vm.power', 'get', { vm: 42 }, sid());
    assert.ok(wrongType.json.result!.error!.ERROR!['com.vmware.vapi.std.errors.invalid_argument']);
    const unknownOp = await rpc(s, 'com.vmware.vcenter.vm.power', 'explode', { vm: 'vm-1' }, sid());
    assert.ok(unknownOp.json.result!.error!.ERROR!['com.vmware.vapi.std.errors.operation_not_found']);
    const unknownSvc = await rpc(s, 'com.example.nope', 'get', {}, sid());
    assert.ok(unknownSvc.json.result!.error!.ERROR!['com.vmware.vapi.std.errors.operation_not_found']);
    const mismatch = await rpc(s, 'com.vmware.vcenter.vm.power', 'get', { vm: 'vm-1' }, sid(), { 'vapi-service': 'com.vmware.cis.session' });
    assert.equal(mismatch.json.error!.code, -31001);
    const noAuth = await rpc(s, 'com.vmware.vcenter.vm.power', 'get', { vm: 'vm-1' }, { schemeId: 'com.vmware.vapi.std.security.none' });
    assert.ok(noAuth.json.result!.error!.ERROR!['com.vmware.vapi.std.errors.unauthenticated']);
    const restBad = await s.request('POST', '/api/cis/tasks?action=list', { headers: { 'vmware-api-session-id': token, 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(restBad.status, 400);
    const restUnknown = await s.request('GET', '/api/vcenter/nothing-here', { headers: { 'vmware-api-session-id': token } });
    assert.equal(restUnknown.status, 404);
  });

  it('an oversized body is refused and the server keeps serving', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const r = await s.request('POST', '/api', { headers: { 'content-type': 'application/json' }, body: big });
    assert.equal(r.status, 413);
    const ok = await rpc(s, 'com.vmware.vcenter.vm.power', 'get', { vm: 'vm-1' }, sid());
    assert.ok(ok.json.result!.output);
  });
});

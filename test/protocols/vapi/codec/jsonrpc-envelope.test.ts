import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  JsonRpcCode,
  negotiateFormat,
  parseJsonRpcRequest,
  renderProtocolError,
  renderResult,
  renderStdError,
  stdError,
  stringifyWire,
} from '../../../../src/protocols/vapi/codec/index.ts';
import type { HeaderMap, ParseRequestResult } from '../../../../src/protocols/vapi/codec/index.ts';

const userPass = {
  schemeId: 'com.vmware.vapi.std.security.user_pass',
  userName: 'administrator@vsphere.local',
  password: 'pw',
};

function request(over: Record<string, unknown> = {}, params: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    method: 'invoke',
    id: '0',
    params: {
      serviceId: 'com.vmware.cis.session',
      operationId: 'create',
      input: { STRUCTURE: { 'operation-input': {} } },
      ctx: { appCtx: { opId: 'op-1' }, securityCtx: userPass },
      ...params,
    },
    ...over,
  };
}

function errorOf(r: ParseRequestResult): { id: unknown; code: number } {
  assert.equal(r.ok, false, 'expected a protocol error');
  return r.ok ? { id: undefined, code: 0 } : { id: r.error.id, code: r.error.code };
}

describe('JSON-RPC envelope: a good request', () => {
  it('parses the request the SDK sends (text body)', () => {
    const r = parseJsonRpcRequest(JSON.stringify(request()), { 'vapi-service': 'com.vmware.cis.session', 'vapi-operation': 'create' });
    assert.ok(r.ok);
    assert.deepEqual(r.request, {
      id: '0',
      serviceId: 'com.vmware.cis.session',
      operationId: 'create',
      input: { STRUCTURE: { 'operation-input': {} } },
      security: { scheme: 'user_pass', userName: 'administrator@vsphere.local', password: 'pw' },
      appCtx: { opId: 'op-1' },
    });
  });

  it('accepts bytes and already-parsed bodies, numeric ids', () => {
    assert.ok(parseJsonRpcRequest(Buffer.from(JSON.stringify(request()))).ok);
    const r = parseJsonRpcRequest(request({ id: 7 }));
    assert.ok(r.ok && r.request.id === 7);
  });
});

describe('JSON-RPC envelope: protocol errors carry the right code', () => {
  it('-32700 for unparsable JSON (id null)', () => {
    assert.deepEqual(errorOf(parseJsonRpcRequest('{"jsonrpc":')), { id: null, code: JsonRpcCode.PARSE_ERROR });
  });

  it('-32600 for what is not a JSON-RPC 2.0 request (id null)', () => {
    for (const bad of [
      '[]',
      '"invoke"',
      JSON.stringify(request({ jsonrpc: '1.0' })),
      JSON.stringify(request({ jsonrpc: undefined })),
      JSON.stringify(request({ id: { x: 1 } })),
      JSON.stringify(request({ id: 1.5 })),
      JSON.stringify(request({ method: 5 })),
      JSON.stringify({ jsonrpc: '2.0', method: 'invoke', params: {} }),
    ]) {
      assert.deepEqual(errorOf(parseJsonRpcRequest(bad)), { id: null, code: JsonRpcCode.INVALID_REQUEST }, bad);
    }
  });

  it('-32601 for a method other than invoke (id kept)', () => {
    assert.deepEqual(errorOf(parseJsonRpcRequest(request({ method: 'list' }))), { id: '0', code: JsonRpcCode.METHOD_NOT_FOUND });
  });

  it('-32602 for bad params', () => {
    const cases: Record<string, unknown>[] = [
      request({ params: [] }),
      request({ params: 'x' }),
      request({}, { serviceId: undefined }),
      request({}, { serviceId: 3 }),
      request({}, { operationId: '' }),
      request({}, { ctx: undefined }),
      request({}, { ctx: { appCtx: 'x' } }),
      request({}, { ctx: { appCtx: { opId: 5 } } }),
    ];
    for (const c of cases) assert.deepEqual(errorOf(parseJsonRpcRequest(c)), { id: '0', code: JsonRpcCode.INVALID_PARAMS }, JSON.stringify(c));
  });

  it('-31001 when vapi-service / vapi-operation headers disagree with the body', () => {
    const mismatches: HeaderMap[] = [
      { 'vapi-service': 'com.vmware.vcenter.VM', 'vapi-operation': 'create' },
      { 'vapi-service': 'com.vmware.cis.session', 'vapi-operation': 'delete' },
      { 'vapi-service': 'com.vmware.cis.session' },
      { 'vapi-operation': 'create' },
    ];
    for (const h of mismatches) {
      assert.deepEqual(errorOf(parseJsonRpcRequest(request(), h)), { id: '0', code: JsonRpcCode.INVALID_OPERATION }, JSON.stringify(h));
    }
    assert.ok(parseJsonRpcRequest(request(), {}).ok, 'no headers: nothing to check');
  });

  it('renders protocol errors with the default messages', () => {
    assert.equal(
      renderProtocolError(null, JsonRpcCode.PARSE_ERROR, 'Unexpected end').body,
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error.","data":"Unexpected end"}}',
    );
    assert.equal(renderProtocolError('4', JsonRpcCode.INTERNAL_ERROR).body, '{"jsonrpc":"2.0","id":"4","error":{"code":-32603,"message":"Internal error."}}');
    assert.equal(
      renderProtocolError('4', JsonRpcCode.INVALID_REQUEST).body,
      '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request."}}',
      'invalid request answers with a null id',
    );
    const parsed = parseJsonRpcRequest(request({ method: 'nope' }));
    assert.ok(!parsed.ok);
    assert.deepEqual(JSON.parse(renderProtocolError(parsed.error).body), {
      jsonrpc: '2.0',
      id: '0',
      error: { code: -32601, message: 'Method not found.', data: 'no such method: nope' },
    });
  });
});

describe('JSON-RPC envelope: security contexts', () => {
  const sec = (securityCtx: unknown, headers: HeaderMap = {}) => {
    const r = parseJsonRpcRequest(request({}, { ctx: { appCtx: {}, ...(securityCtx === undefined ? {} : { securityCtx }) } }), headers);
    assert.ok(r.ok);
    return r.request.security;
  };

  it('none', () => {
    assert.deepEqual(sec(undefined), { scheme: 'none' });
    assert.deepEqual(sec({ schemeId: 'com.vmware.vapi.std.security.no_authentication' }), { scheme: 'none' });
  });
  it('user_pass', () => {
    assert.deepEqual(sec(userPass), { scheme: 'user_pass', userName: 'administrator@vsphere.local', password: 'pw' });
  });
  it('session_id from the body, overridden by the vmware-api-session-id header', () => {
    const body = { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: 'from-body' };
    assert.deepEqual(sec(body), { scheme: 'session_id', sessionId: 'from-body', source: 'body' });
    assert.deepEqual(sec(body, { 'vmware-api-session-id': 'from-header' }), { scheme: 'session_id', sessionId: 'from-header', source: 'header' });
    assert.deepEqual(sec(userPass, { 'vmware-api-session-id': 'h' }), { scheme: 'session_id', sessionId: 'h', source: 'header' });
  });
  it('SAML bearer and holder-of-key', () => {
    assert.deepEqual(sec({ schemeId: 'com.vmware.vapi.std.security.saml_bearer_token', samlToken: '<saml/>' }), {
      scheme: 'saml_bearer',
      samlToken: '<saml/>',
    });
    assert.deepEqual(
      sec({
        schemeId: 'com.vmware.vapi.std.security.saml_hok_token',
        signatureAlgorithm: 'RS256',
        timestamp: { created: '2024-01-01T00:00:00.000Z', expires: '2024-01-01T00:10:00.000Z' },
        signature: { samlToken: '<saml/>', value: 'c2ln' },
      }),
      {
        scheme: 'saml_hok',
        samlToken: '<saml/>',
        signature: 'c2ln',
        signatureAlgorithm: 'RS256',
        created: '2024-01-01T00:00:00.000Z',
        expires: '2024-01-01T00:10:00.000Z',
      },
    );
  });
  it('oauth', () => {
    assert.deepEqual(sec({ schemeId: 'com.vmware.vapi.std.security.oauth', accessToken: 'jwt' }), { scheme: 'oauth', accessToken: 'jwt' });
  });
  it('unknown schemes and missing members are "unsupported", naming the scheme', () => {
    assert.deepEqual(sec({ schemeId: 'com.example.kerberos' }), { scheme: 'unsupported', schemeId: 'com.example.kerberos', problem: 'unknown security scheme' });
    assert.deepEqual(sec({ schemeId: 'com.vmware.vapi.std.security.user_pass', userName: 'u' }), {
      scheme: 'unsupported',
      schemeId: 'com.vmware.vapi.std.security.user_pass',
      problem: 'password is missing',
    });
    assert.equal(sec('x').scheme, 'unsupported');
  });
});

describe('JSON-RPC envelope: application context', () => {
  it('merges body appCtx with vapi-ctx-* headers (headers win, well-known names keep their case)', () => {
    const r = parseJsonRpcRequest(request({}, { ctx: { appCtx: { opId: 'body', custom: 'b' } } }), {
      'vapi-ctx-opid': 'hdr',
      'vapi-ctx-actid': 'act',
      'vapi-ctx-vcenter-id': 'vc1',
      'user-agent': 'pyvmomi',
      'accept-language': 'de-DE',
    });
    assert.ok(r.ok);
    assert.deepEqual(r.request.appCtx, { opId: 'hdr', custom: 'b', actId: 'act', 'vcenter-id': 'vc1', $userAgent: 'pyvmomi', locale: 'de-DE' });
  });

  it('always has an opId', () => {
    const r = parseJsonRpcRequest(request({}, { ctx: {} }));
    assert.ok(r.ok);
    assert.match(r.request.appCtx.opId ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('JSON-RPC envelope: replies', () => {
  it('result with output', () => {
    assert.deepEqual(renderResult('0', { SECRET: 'sid' }), { body: '{"jsonrpc":"2.0","id":"0","result":{"output":{"SECRET":"sid"}}}', headers: {} });
    assert.equal(renderResult(3, undefined).body, '{"jsonrpc":"2.0","id":3,"result":{"output":null}}');
  });

  it('std error inside result, with the vapi-error header (protocols/vapi.md example)', () => {
    const reply = renderStdError('0', stdError('not_found', [{ id: 'vmgate.vm.not_found', default_message: 'VM vm-42 not found', args: ['vm-42'] }]));
    assert.deepEqual(reply.headers, { 'vapi-error': 'com.vmware.vapi.std.errors.not_found' });
    assert.equal(
      reply.body,
      '{"jsonrpc":"2.0","id":"0","result":{"error":{"ERROR":{"com.vmware.vapi.std.errors.not_found":{' +
        '"messages":[{"STRUCTURE":{"com.vmware.vapi.std.localizable_message":{"id":"vmgate.vm.not_found","default_message":"VM vm-42 not found","args":["vm-42"],"params":{"OPTIONAL":null},"localized":{"OPTIONAL":null}}}}],' +
        '"data":{"OPTIONAL":null},"error_type":{"OPTIONAL":"NOT_FOUND"}}}}}}',
    );
  });

  it('clean JSON error when negotiated', () => {
    const reply = renderStdError('1', stdError('unauthenticated', ['no session'], undefined, { challenge: 'Basic realm="vmgate"' }), 'clean');
    assert.deepEqual(JSON.parse(reply.body).result.error, {
      messages: [{ id: 'vmgate.unauthenticated', default_message: 'no session', args: [] }],
      error_type: 'UNAUTHENTICATED',
      challenge: 'Basic realm="vmgate"',
    });
  });

  it('negotiates the data format from Accept', () => {
    assert.equal(negotiateFormat(undefined), 'specialized');
    assert.equal(negotiateFormat('application/json'), 'specialized');
    assert.equal(negotiateFormat('application/vnd.vmware.vapi.cleanjson'), 'clean');
  });

  it('stringifyWire output is valid JSON', () => {
    assert.doesNotThrow(() => JSON.parse(stringifyWire({ a: [1, 2] })));
  });
});

/**
 * Issue 8, items 8 and 9, on the vAPI face over real HTTPS: security headers on every
 * response (no-store where a session id travels), and request bodies read only when they
 * are `application/json` — a text/plain, form or multipart body is refused with 415 and
 * never executed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();
const basic = `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}`;

function assertSecurityHeaders(h: Record<string, string | string[] | undefined>, what: string): void {
  assert.equal(h['strict-transport-security'], 'max-age=31536000', what);
  assert.equal(h['x-content-type-options'], 'nosniff', what);
  assert.equal(h['x-frame-options'], 'DENY', what);
  assert.equal(h['content-security-policy'], "default-src 'none'; frame-ancestors 'none'", what);
  assert.equal(h['referrer-policy'], 'no-referrer', what);
}

/** A JSON-RPC invoke body (specialized JSON) with a session id. */
function rpcBody(serviceId: string, operationId: string, input: Record<string, unknown>, sessionId: string): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    method: 'invoke',
    id: 'r1',
    params: { serviceId, operationId, input: { STRUCTURE: { 'operation-input': input } }, ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId } } },
  });
}

async function userNames(): Promise<string[]> {
  const r = await kit.rest('GET', '/api/vmgate/users');
  assert.equal(r.status, 200);
  return (r.json as { name: string }[]).map((u) => u.name);
}

describe('vAPI face: security headers', () => {
  it('REST session create answers the token with no-store and every security header', async () => {
    const r = await kit.s.request('POST', '/api/session', { headers: { authorization: basic } });
    assert.equal(r.status, 201);
    assert.match(JSON.parse(r.body) as string, /^[0-9a-f]{48}$/);
    assert.equal(r.headers['cache-control'], 'no-store');
    assertSecurityHeaders(r.headers, 'POST /api/session');
  });

  it('JSON-RPC session create too', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: 'r1', params: { serviceId: 'com.vmware.cis.session', operationId: 'create', input: { STRUCTURE: { 'operation-input': {} } }, ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.user_pass', userName: 'administrator', password: ADMIN_PASSWORD } } } });
    const r = await kit.s.request('POST', '/api', { headers: { 'content-type': 'application/json' }, body });
    assert.equal(r.status, 200);
    assert.match((JSON.parse(r.body) as { result: { output: { SECRET: string } } }).result.output.SECRET, /^[0-9a-f]{48}$/);
    assert.equal(r.headers['cache-control'], 'no-store');
    assertSecurityHeaders(r.headers, 'POST /api');
  });

  it('errors, 404s, transfer URLs and the health check carry them as well', async () => {
    for (const [method, path] of [
      ['GET', '/api/vcenter/vm'], // 401: no session
      ['GET', '/api'], // the face's 404
      ['GET', '/guestFile/not-a-token'], // the transfer scope's 404
      ['GET', '/healthz'],
      ['GET', '/nobody'], // the server's 404
    ] as const) {
      const r = await kit.s.request(method, path);
      assertSecurityHeaders(r.headers, `${method} ${path}`);
      assert.equal(r.headers['cache-control'], 'no-store', `${method} ${path}`);
    }
  });
});

describe('vAPI face: only application/json bodies are read', () => {
  const refusedTypes: [string, string][] = [
    ['text/plain', JSON.stringify({ name: 'csrf-plain', password: 'csrf-password-1' })],
    ['application/x-www-form-urlencoded', `${encodeURIComponent(JSON.stringify({ name: 'csrf-form', password: 'csrf-password-1' }))}=`],
    ['multipart/form-data; boundary=XyZ', `--XyZ\r\nContent-Disposition: form-data; name="x"\r\n\r\n${JSON.stringify({ name: 'csrf-multi', password: 'csrf-password-1' })}\r\n--XyZ--\r\n`],
  ];

  it('REST: text/plain, form and multipart bodies get 415 invalid_request (unsupported_media_type) and nothing is created', async () => {
    for (const [type, body] of refusedTypes) {
      const r = await kit.s.request('POST', '/api/vmgate/users', { headers: { 'vmware-api-session-id': kit.adminToken, 'content-type': type }, body });
      assert.equal(r.status, 415, type);
      const err = JSON.parse(r.body) as { error_type: string; messages: { id: string; default_message: string }[] };
      assert.equal(err.error_type, 'INVALID_REQUEST', type);
      assert.equal(err.messages[0]!.id, 'vmgate.unsupported_media_type', type);
      assert.equal(err.messages[0]!.default_message, `the request body must be application/json, not '${type}'`);
      assertSecurityHeaders(r.headers, type);
    }
    // A body without any Content-Type is refused the same way.
    const bare = await kit.s.request('POST', '/api/vmgate/users', { headers: { 'vmware-api-session-id': kit.adminToken }, body: JSON.stringify({ name: 'csrf-bare', password: 'csrf-password-1' }) });
    assert.equal(bare.status, 415);
    assert.equal((JSON.parse(bare.body) as { messages: { default_message: string }[] }).messages[0]!.default_message, 'the request body must be application/json, not a body without Content-Type');
    const names = await userNames();
    for (const n of ['csrf-plain', 'csrf-form', 'csrf-multi', 'csrf-bare']) assert.ok(!names.includes(n), `${n} was not created`);
  });

  it('JSON-RPC: the same bodies get 415 with a JSON-RPC invalid-request error and are not executed', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=XyZ']) {
      const name = `rpc-${type.split(/[/;]/)[1]!.slice(0, 10).replace(/[^a-z]/g, '')}`;
      const r = await kit.s.request('POST', '/api', { headers: { 'content-type': type }, body: rpcBody('com.vmgate.users', 'create', { spec: { STRUCTURE: { 'com.vmgate.users.create_spec': { name, password: { OPTIONAL: { SECRET: 'rpc-password-1' } } } } } }, kit.adminToken) });
      assert.equal(r.status, 415, type);
      const err = JSON.parse(r.body) as { id: unknown; error: { code: number; data: string } };
      assert.equal(err.error.code, -32600, type);
      assert.equal(err.error.data, `the request body must be application/json, not '${type}'`);
      assert.ok(!(await userNames()).includes(name), `${name} was not created`);
    }
    // The same call as application/json does create the user: the refusals above were the Content-Type's doing.
    const sent = rpcBody('com.vmgate.users', 'create', { spec: { STRUCTURE: { 'com.vmgate.users.create_spec': { name: 'rpc-json', password: { OPTIONAL: { SECRET: 'rpc-password-1' } } } } } }, kit.adminToken);
    const ok = await kit.s.request('POST', '/api', { headers: { 'content-type': 'application/json' }, body: sent });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { result: { error?: unknown } }).result.error, undefined, ok.body);
    assert.ok((await userNames()).includes('rpc-json'));
  });

  it('application/json (with a charset) is read, and a body-less POST needs no Content-Type', async () => {
    const ok = await kit.s.request('POST', '/api/vmgate/users', { headers: { 'vmware-api-session-id': kit.adminToken, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ name: 'json-user', password: 'json-password-1' }) });
    assert.equal(ok.status, 201, ok.body);
    assert.ok((await userNames()).includes('json-user'));
    const session = await kit.s.request('POST', '/api/session', { headers: { authorization: basic } });
    assert.equal(session.status, 201);
  });
});

/**
 * The vAPI face's authentication (src/faces/vapi/auth.ts) against a real core: which
 * security contexts resolve to a caller, and the exact refusal for the others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmgateError } from '../../../src/core/errors.ts';
import { authenticate, restSecurity } from '../../../src/faces/vapi/auth.ts';
import { createTestCore, type TestCore } from '../../support/core-harness.ts';

const refused = (message: string) => (e: unknown) => {
  assert.ok(e instanceof VmgateError, String(e));
  assert.equal(e.kind, 'unauthenticated');
  assert.equal(e.module, 'face.vapi');
  assert.equal(e.message, message);
  return true;
};

describe('vAPI authenticate', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore();
    await t.user('alice', 'read-only');
  });
  after(async () => t.close());

  it('session_id: the session’s caller, the token kept', async () => {
    const { token } = await t.core.identity.login('alice', 'alice-password-1', 'test');
    const a = await authenticate(t.core, { scheme: 'session_id', sessionId: token, source: 'header' });
    assert.equal(a.caller.userName, 'alice');
    assert.equal(a.token, token);
    await assert.rejects(authenticate(t.core, { scheme: 'session_id', sessionId: 'f'.repeat(48), source: 'body' }), (e: unknown) => e instanceof VmgateError && e.kind === 'unauthenticated');
  });

  it('user_pass: the account’s caller and no session; a wrong password is refused', async () => {
    const a = await authenticate(t.core, { scheme: 'user_pass', userName: 'alice', password: 'alice-password-1' });
    assert.equal(a.caller.userName, 'alice');
    assert.equal(a.token, null);
    await assert.rejects(authenticate(t.core, { scheme: 'user_pass', userName: 'alice', password: 'not-hers-at-all' }), (e: unknown) => {
      assert.ok(e instanceof VmgateError);
      assert.equal(e.kind, 'unauthenticated');
      assert.equal(e.message, 'invalid user name or password');
      return true;
    });
  });

  it('no credentials: says how to log in', async () => {
    await assert.rejects(authenticate(t.core, { scheme: 'none' }), refused('this operation needs authentication: log in with com.vmware.cis.session.create and send the session id'));
  });

  it('SAML bearer, SAML holder-of-key and OAuth: refused by their full scheme name', async () => {
    const tail = ' is not supported by vmgate; use com.vmware.vapi.std.security.user_pass or session_id';
    await assert.rejects(authenticate(t.core, { scheme: 'saml_bearer', samlToken: '<saml/>' }), refused(`security scheme com.vmware.vapi.std.security.saml_bearer_token${tail}`));
    await assert.rejects(
      authenticate(t.core, { scheme: 'saml_hok', samlToken: '<saml/>', signature: 'c2ln' }),
      refused(`security scheme com.vmware.vapi.std.security.saml_hok_token${tail}`),
    );
    await assert.rejects(authenticate(t.core, { scheme: 'oauth', accessToken: 'jwt' }), refused(`security scheme com.vmware.vapi.std.security.oauth${tail}`));
  });

  it('an unsupported scheme names the scheme and the problem', async () => {
    await assert.rejects(
      authenticate(t.core, { scheme: 'unsupported', schemeId: 'com.example.kerberos', problem: 'unknown security scheme' }),
      refused("security scheme 'com.example.kerberos' is not supported: unknown security scheme"),
    );
  });
});

describe('vAPI restSecurity (REST headers → security context)', () => {
  const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

  it('the session header wins over Basic; an empty one is ignored', () => {
    assert.deepEqual(restSecurity({ 'vmware-api-session-id': 'abc', authorization: basic('u:p') }), { scheme: 'session_id', sessionId: 'abc', source: 'header' });
    assert.deepEqual(restSecurity({ 'vmware-api-session-id': '', authorization: basic('u:p') }), { scheme: 'user_pass', userName: 'u', password: 'p' });
    assert.deepEqual(restSecurity({ 'vmware-api-session-id': ['a', 'b'] }), { scheme: 'none' });
  });

  it('Basic: user and password split at the first colon; the scheme word in any case', () => {
    assert.deepEqual(restSecurity({ authorization: basic('administrator@vsphere.local:pa:ss:word') }), { scheme: 'user_pass', userName: 'administrator@vsphere.local', password: 'pa:ss:word' });
    assert.deepEqual(restSecurity({ authorization: `basic   ${Buffer.from('u:').toString('base64')}  ` }), { scheme: 'user_pass', userName: 'u', password: '' });
  });

  it('Basic without a user name or colon is unsupported, saying why', () => {
    const problem = { scheme: 'unsupported', schemeId: 'Basic', problem: 'the Basic credentials are not user:password' };
    assert.deepEqual(restSecurity({ authorization: basic('no-colon') }), problem);
    assert.deepEqual(restSecurity({ authorization: basic(':password') }), problem);
  });

  it('SIGN, SAML and Bearer are unsupported by name; other headers mean no credentials', () => {
    for (const scheme of ['SIGN', 'SAML', 'Bearer', 'bearer']) {
      assert.deepEqual(restSecurity({ authorization: `${scheme} token-text` }), { scheme: 'unsupported', schemeId: scheme, problem: 'use Basic or a session id' }, scheme);
    }
    assert.deepEqual(restSecurity({ authorization: 'Negotiate abc' }), { scheme: 'none' });
    assert.deepEqual(restSecurity({ authorization: 'Basic not base64!' }), { scheme: 'none' });
    assert.deepEqual(restSecurity({ authorization: 'XBearer abc' }), { scheme: 'none' });
    assert.deepEqual(restSecurity({}), { scheme: 'none' });
  });
});

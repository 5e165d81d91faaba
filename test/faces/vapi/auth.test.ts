/**
 * The vAPI face's authentication (src/faces/vapi/auth.ts) against a real core: which
 * security contexts resolve to a caller, and the exact refusal for the others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmgateError } from '../../../src/core/errors.ts';
import { authenticate, clearedSessionCookie, isWebRequest, restSecurity, sessionCookie, sessionCookieOf } from '../../../src/faces/vapi/auth.ts';
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
    assert.deepEqual(restSecurity({ authorization: 'SIGNED abc' }), { scheme: 'none' }, 'the scheme word whole, not its start');
    assert.deepEqual(restSecurity({ authorization: 'Bearers abc' }), { scheme: 'none' });
    assert.deepEqual(restSecurity({ authorization: `XBasic ${Buffer.from('u:p').toString('base64')}` }), { scheme: 'none' }, 'Basic only as the first word');
    assert.deepEqual(restSecurity({}), { scheme: 'none' });
  });
});

describe('vAPI browser session: the cookie and the X-Vmgate-Web header', () => {
  it('the cookie is HttpOnly, Secure, SameSite=Strict for the whole site; logout clears it', () => {
    assert.equal(sessionCookie('tok-123'), 'vmgate-session=tok-123; HttpOnly; Secure; SameSite=Strict; Path=/');
    assert.equal(clearedSessionCookie(), 'vmgate-session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0');
  });

  it('a request is the web app’s own only with X-Vmgate-Web: 1', () => {
    assert.equal(isWebRequest({ 'x-vmgate-web': '1' }), true);
    assert.equal(isWebRequest({ 'x-vmgate-web': '0' }), false);
    assert.equal(isWebRequest({ 'x-vmgate-web': 'true' }), false);
    assert.equal(isWebRequest({ 'x-vmgate-web': ['1'] }), false);
    assert.equal(isWebRequest({}), false);
  });

  it('sessionCookieOf finds the vmgate-session cookie among others, trimmed; the first non-empty one wins', () => {
    assert.equal(sessionCookieOf({ cookie: 'vmgate-session=abc' }), 'abc');
    assert.equal(sessionCookieOf({ cookie: 'theme=dark; vmgate-session=abc; lang=en' }), 'abc');
    assert.equal(sessionCookieOf({ cookie: 'theme=dark;  vmgate-session =  abc  ;lang=en' }), 'abc');
    assert.equal(sessionCookieOf({ cookie: 'vmgate-session=first; vmgate-session=second' }), 'first');
    assert.equal(sessionCookieOf({ cookie: 'vmgate-session=; vmgate-session=second' }), 'second');
    assert.equal(sessionCookieOf({ cookie: 'flag; vmgate-session=abc' }), 'abc');
    assert.equal(sessionCookieOf({ cookie: 'vmgate-session=a=b' }), 'a=b');
  });

  it('sessionCookieOf: no cookie, a look-alike name, an empty value or a non-text header give none', () => {
    assert.equal(sessionCookieOf({}), null);
    assert.equal(sessionCookieOf({ cookie: '' }), null);
    assert.equal(sessionCookieOf({ cookie: 'vmgate-session=' }), null);
    assert.equal(sessionCookieOf({ cookie: 'vmgate-session' }), null);
    assert.equal(sessionCookieOf({ cookie: 'vmgate-sessionx=abc; xvmgate-session=def' }), null);
    assert.equal(sessionCookieOf({ cookie: 'vmgate-sessionx' }), null, 'a part without = is no cookie, whatever its name');
    assert.equal(sessionCookieOf({ cookie: ['vmgate-session=abc'] }), null);
  });

  it('restSecurity reads the cookie only with X-Vmgate-Web: 1 (a cross-site request carries no session)', () => {
    assert.deepEqual(restSecurity({ cookie: 'vmgate-session=abc', 'x-vmgate-web': '1' }), { scheme: 'session_id', sessionId: 'abc', source: 'cookie' });
    assert.deepEqual(restSecurity({ cookie: 'vmgate-session=abc' }), { scheme: 'none' });
    assert.deepEqual(restSecurity({ cookie: 'vmgate-session=abc', 'x-vmgate-web': '0' }), { scheme: 'none' });
    assert.deepEqual(restSecurity({ cookie: 'vmgate-session=', 'x-vmgate-web': '1' }), { scheme: 'none' });
    assert.deepEqual(restSecurity({ 'x-vmgate-web': '1' }), { scheme: 'none' });
  });

  it('the session header and Basic come before the cookie', () => {
    const web = { cookie: 'vmgate-session=from-cookie', 'x-vmgate-web': '1' };
    assert.deepEqual(restSecurity({ ...web, 'vmware-api-session-id': 'from-header' }), { scheme: 'session_id', sessionId: 'from-header', source: 'header' });
    assert.deepEqual(restSecurity({ ...web, authorization: `Basic ${Buffer.from('u:p').toString('base64')}` }), { scheme: 'user_pass', userName: 'u', password: 'p' });
    // an unusable Authorization header falls through to the cookie
    assert.deepEqual(restSecurity({ ...web, authorization: 'Negotiate abc' }), { scheme: 'session_id', sessionId: 'from-cookie', source: 'cookie' });
  });
});

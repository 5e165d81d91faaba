/**
 * The View broker's start-up and login conversations over real HTTPS with a cookie jar,
 * as the 4.5 Open Client and a 15.0 Horizon client send them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { child, children, textAt } from '../../../src/protocols/view/index.ts';
import type { XmlElement } from '../../../src/protocols/view/index.ts';
import { startTestServer, type TestServer } from '../../support/test-server.ts';
import { BrokerConversation, GET_DESKTOPS, LOGIN, expectElement, expectEnvelopeError } from './view-kit.ts';

const DEMO_PASSWORD = 'demo-password-1';

/** A screen's params as [name, values, readonly]. */
function screenParams(e: XmlElement): [string, string[], boolean][] {
  const screen = child(child(e, 'authentication'), 'screen');
  assert.ok(screen, 'an authentication screen');
  assert.equal(textAt(screen, 'name'), 'windows-password');
  return children(child(screen, 'params'), 'param').map((p) => [textAt(p, 'name'), children(child(p, 'values'), 'value').map((v) => v.text), child(p, 'readonly') !== undefined]);
}

describe('View broker: start-up, login, logout', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ maxFailedLogins: 3 });
    await s.server.core.identity.createUser(SYSTEM_CALLER, { name: 'lockme', password: 'lockme-password-1' });
  });
  after(async () => s.close());

  it('4.5 client: set-locale + get-configuration (form-encoded Content-Type), then login + tunnel + desktops in one batch', async () => {
    const c = new BrokerConversation(s);
    const start = await c.post('<?xml version="1.0"?><broker version="4.5"><set-locale><locale>en_US</locale></set-locale><get-configuration/></broker>', { contentType: 'application/x-www-form-urlencoded' });
    assert.equal(start.status, 200);
    assert.equal(start.headers['content-type'], 'text/xml;charset=UTF-8');
    assert.equal(start.root.attrs.get('version'), '4.5');
    assert.deepEqual(start.elements.map((e) => e.name), ['set-locale', 'configuration']);
    expectElement(start.elements[0], 'set-locale', 'ok');
    const conf = expectElement(start.elements[1], 'configuration', 'ok');
    assert.deepEqual(screenParams(conf), [['domain', ['VMGATE'], true]]);
    assert.equal(start.setCookies.length, 1);
    assert.match(start.setCookies[0]!, /^JSESSIONID=p\.[A-Za-z0-9_-]+; Path=\/broker; HttpOnly; SameSite=Strict; Secure$/);
    const preLogin = c.jar.get('JSESSIONID');

    const login = await c.post(`<?xml version="1.0"?><broker version="4.5">${LOGIN('demo', DEMO_PASSWORD)}<get-tunnel-connection/>${GET_DESKTOPS}</broker>`, { contentType: 'application/x-www-form-urlencoded' });
    assert.deepEqual(login.elements.map((e) => e.name), ['submit-authentication', 'tunnel-connection', 'desktops']);
    const auth = expectElement(login.elements[0], 'submit-authentication', 'ok');
    const demo = await s.server.core.identity.resolveUser('demo');
    assert.equal(textAt(auth, 'user-sid'), demo.id);
    assert.equal(textAt(auth, 'idle-timeout'), '1800');
    assert.equal(textAt(auth, 'user-activity-interval'), '900');
    assert.equal(textAt(auth, 'max-broker-session-time'), '43200');
    assert.equal(textAt(expectElement(login.elements[1], 'tunnel-connection', 'ok'), 'bypass-tunnel'), 'true');
    const desktops = expectElement(login.elements[2], 'desktops', 'ok');
    const pool = await s.server.core.vdi.getPool(SYSTEM_CALLER, 'demo-desktops');
    assert.deepEqual(children(desktops, 'desktop').map((d) => [textAt(d, 'id'), textAt(d, 'name'), textAt(d, 'state')]), [[pool.id, 'Demo desktops', 'available']]);
    // the session cookie is now core's session; the location cookie is set beside it
    assert.equal(login.setCookies.length, 2);
    assert.match(login.setCookies[0]!, /^JSESSIONID=[0-9a-f]{48}; Path=\/broker; HttpOnly; SameSite=Strict; Secure$/);
    assert.match(login.setCookies[1]!, /^com\.vmware\.vdi\.broker\.location\.id=[0-9a-f-]{36}; Path=\/broker; HttpOnly; SameSite=Strict; Secure$/);
    assert.notEqual(c.jar.get('JSESSIONID'), preLogin);
    const session = await s.server.core.identity.authenticate(c.jar.get('JSESSIONID')!);
    assert.equal(session.session.face, 'view');
    assert.equal(session.session.data.locale, 'en_US');
    await s.server.core.identity.logout(session.caller);
  });

  it('15.0 client: the same conversation, text/xml, with get-launch-items', async () => {
    const c = new BrokerConversation(s);
    const start = await c.ops('15.0', '<set-locale><locale>de_DE</locale></set-locale><get-configuration/>');
    assert.equal(start.root.attrs.get('version'), '15.0');
    expectElement(start.elements[0], 'set-locale', 'ok');
    expectElement(start.elements[1], 'configuration', 'ok');
    const login = await c.ops('15.0', `${LOGIN('demo', DEMO_PASSWORD)}<get-tunnel-connection/><get-launch-items/>`);
    expectElement(login.elements[0], 'submit-authentication', 'ok');
    expectElement(login.elements[1], 'tunnel-connection', 'ok');
    const items = expectElement(login.elements[2], 'launch-items', 'ok');
    assert.deepEqual(items.children.map((e) => e.name), ['result', 'desktops', 'applications', 'application-sessions', 'shadow-sessions']);
    const d = child(child(items, 'desktops'), 'desktop');
    assert.deepEqual(children(child(d, 'protocols'), 'protocol').map((p) => [textAt(p, 'name'), textAt(p, 'is-default')]), [['VNC', 'true'], ['RDP', 'false']]);
    // element names are case-insensitive on the way in
    const status = await c.ops('15.0', '<Get-Authentication-Status/><GET-CONFIGURATION/>');
    const st = expectElement(status.elements[0], 'authentication-status', 'ok');
    assert.equal(textAt(st, 'user-name'), 'demo');
    // logged in: no screen to fill in
    assert.equal(child(expectElement(status.elements[1], 'configuration', 'ok'), 'authentication'), undefined);
    // logging in again in the same session
    const again = await c.ops('15.0', `${LOGIN('demo', DEMO_PASSWORD)}<get-desktops/>`);
    expectElement(again.elements[0], 'submit-authentication', 'error', 'ALREADY_AUTHENTICATED');
    expectElement(again.elements[1], 'desktops', 'notexecuted');
    // logout ends the core session and clears the cookies
    const token = c.jar.get('JSESSIONID')!;
    const out = await c.ops('15.0', '<do-logout/>');
    expectElement(out.elements[0], 'logout', 'ok');
    assert.deepEqual(out.setCookies.map((x) => x.split(';')[0]), ['JSESSIONID=', 'com.vmware.vdi.broker.location.id=']);
    assert.ok(out.setCookies.every((x) => /Max-Age=0/.test(x)));
    await assert.rejects(s.server.core.identity.authenticate(token), /session/);
    // the old cookie no longer works
    const stale = new BrokerConversation(s);
    stale.jar.set('JSESSIONID', token);
    const after = await stale.ops('15.0', `${GET_DESKTOPS}<do-logout/>`);
    expectElement(after.elements[0], 'desktops', 'error', 'NOT_AUTHENTICATED');
    expectElement(after.elements[1], 'logout', 'error', 'NOT_AUTHENTICATED');
  });

  it('any Content-Type, none, or one that does not parse: the body is read as XML all the same', async () => {
    for (const type of ['text/xml', 'application/xml', 'application/x-www-form-urlencoded', 'application/json', 'text/plain; charset=UTF-8', 'bogus', 'text/xml; charset', undefined]) {
      const r = await s.request('POST', '/broker/xml', { headers: type === undefined ? {} : { 'content-type': type }, body: '<broker version="15.0"><get-configuration/></broker>' });
      assert.equal(r.status, 200, String(type));
      assert.match(r.body, /<configuration><result>ok<\/result>/, String(type));
    }
  });

  it('get-authentication-status before login answers partial with the screen', async () => {
    const c = new BrokerConversation(s);
    const x = await c.ops('10.0', '<get-authentication-status/>');
    const st = expectElement(x.elements[0], 'authentication-status', 'partial');
    assert.deepEqual(screenParams(st), [['domain', ['VMGATE'], true]]);
  });

  it('a failed password re-sends the screen with an error; the rest of the batch is not executed', async () => {
    const c = new BrokerConversation(s);
    const x = await c.ops('15.0', `${LOGIN('demo', 'wrong-password')}<get-tunnel-connection/>${GET_DESKTOPS}`);
    assert.deepEqual(x.elements.map((e) => [e.name, textAt(e, 'result')]), [['submit-authentication', 'partial'], ['tunnel-connection', 'notexecuted'], ['desktops', 'notexecuted']]);
    assert.deepEqual(screenParams(x.elements[0]!), [['username', ['demo'], false], ['domain', ['VMGATE'], true], ['error', ['Unknown user name or bad password.'], false]]);
    assert.equal(x.setCookies.length, 1, 'only the pre-login cookie');
    // still not logged in
    const y = await c.ops('15.0', GET_DESKTOPS);
    expectElement(y.elements[0], 'desktops', 'error', 'NOT_AUTHENTICATED');
    // a domain vmgate does not have, and an empty password, are refused the same way
    const z = await c.ops('15.0', LOGIN('demo', DEMO_PASSWORD, 'CORP'));
    assert.deepEqual(screenParams(expectElement(z.elements[0], 'submit-authentication', 'partial')).at(-1), ['error', ["Unknown domain 'CORP'. Choose VMGATE."], false]);
    const w = await c.ops('15.0', LOGIN('demo', ''));
    assert.deepEqual(screenParams(expectElement(w.elements[0], 'submit-authentication', 'partial')).at(-1), ['error', ['Enter a user name and password.'], false]);
    // DOMAIN\user is understood
    const v = await c.ops('15.0', LOGIN('VMGATE\\demo', DEMO_PASSWORD, ''));
    expectElement(v.elements[0], 'submit-authentication', 'ok');
    await c.ops('15.0', '<do-logout/>');
  });

  it('lockout is shared with every face: AUTHENTICATION_FAILED with a user message, and the vAPI refuses the account too', async () => {
    const c = new BrokerConversation(s);
    for (let i = 0; i < 2; i++) {
      const x = await c.ops('15.0', LOGIN('lockme', 'bad-password'));
      expectElement(x.elements[0], 'submit-authentication', 'partial');
    }
    const locked = await c.ops('15.0', `${LOGIN('lockme', 'bad-password')}${GET_DESKTOPS}`);
    const e = expectElement(locked.elements[0], 'submit-authentication', 'error', 'AUTHENTICATION_FAILED');
    assert.match(textAt(e, 'user-message'), /locked after too many failed logins/);
    expectElement(locked.elements[1], 'desktops', 'notexecuted');
    // the right password no longer helps
    const right = await c.ops('15.0', LOGIN('lockme', 'lockme-password-1'));
    expectElement(right.elements[0], 'submit-authentication', 'error', 'AUTHENTICATION_FAILED');
    // nor through the vSphere Automation API
    const api = await s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from('lockme:lockme-password-1').toString('base64')}` } });
    assert.equal(api.status, 401);
    const user = await s.server.core.identity.resolveUser('lockme');
    assert.ok(user.lockedUntil !== null);
  });

  it('UNSUPPORTED_VERSION for what no client speaks, so that the client steps down', async () => {
    const c = new BrokerConversation(s);
    for (const v of ['16.0', '0.9', 'abc', '']) {
      const x = await c.ops(v, '<get-configuration/>');
      expectEnvelopeError(x, 'UNSUPPORTED_VERSION', /not supported; this broker speaks 1\.0 to 15\.0/);
      assert.equal(x.root.attrs.get('version'), '15.0');
    }
    for (const v of ['1.0', '2.0', '3.0', '4.0', '4.5', '9.0', '10.0', '14.0', '15.0']) {
      const x = await c.ops(v, '<get-configuration/>');
      assert.equal(x.root.attrs.get('version'), v);
      expectElement(x.elements[0], 'configuration', 'ok');
    }
  });
});

describe('View broker: timeouts are enforced', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ sessionIdleSeconds: 1, demoHosts: 1, demoVms: 1 });
  });
  after(async () => s.close());

  it('a session idle longer than its idle timeout is over: NOT_AUTHENTICATED', async () => {
    const c = new BrokerConversation(s);
    const login = await c.ops('15.0', LOGIN('demo', DEMO_PASSWORD));
    assert.equal(textAt(expectElement(login.elements[0], 'submit-authentication', 'ok'), 'idle-timeout'), '1');
    await new Promise((r) => setTimeout(r, 1500));
    const x = await c.ops('15.0', GET_DESKTOPS);
    const e = expectElement(x.elements[0], 'desktops', 'error', 'NOT_AUTHENTICATED');
    assert.match(textAt(e, 'error-message'), /expired/);
  });
});

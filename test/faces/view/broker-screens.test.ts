/**
 * The View broker's other authentication screens over real HTTPS with a cookie jar: a
 * configured disclaimer (accepted before the password), a configured domain list, and
 * the windows-password-expired screen of an account an administrator flagged "must
 * change password" through the admin API (`PATCH /api/vmgate/users/{user}`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { child, children, textAt } from '../../../src/protocols/view/index.ts';
import type { XmlElement } from '../../../src/protocols/view/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';
import { BrokerConversation, GET_DESKTOPS, LOGIN, expectElement } from './view-kit.ts';

const DISCLAIMER = 'Authorised use only.\nSessions are logged.';

/** A screen: its name and params as [name, values, readonly]. */
function screenOf(e: XmlElement | undefined): { name: string; params: [string, string[], boolean][] } {
  const screen = child(child(e, 'authentication'), 'screen');
  assert.ok(screen, 'an authentication screen');
  return {
    name: textAt(screen, 'name'),
    params: children(child(screen, 'params'), 'param').map((p) => [textAt(p, 'name'), children(child(p, 'values'), 'value').map((v) => v.text), child(p, 'readonly') !== undefined]),
  };
}

const screenOp = (name: string, params: Record<string, string>) =>
  `<do-submit-authentication><screen><name>${name}</name><params>${Object.entries(params)
    .map(([k, v]) => `<param><name>${k}</name><values><value>${v}</value></values></param>`)
    .join('')}</params></screen></do-submit-authentication>`;
const ACCEPT = screenOp('disclaimer', { accept: 'true' });
const CHANGE = (oldPassword: string, newPassword1: string, newPassword2 = newPassword1) => screenOp('windows-password-expired', { oldPassword, newPassword1, newPassword2 });

const DISCLAIMER_SCREEN = (error?: string) => ({ name: 'disclaimer', params: [['text', [DISCLAIMER], true], ...(error ? [['error', [error], false]] : [])] });
const PASSWORD_SCREEN = (error?: string, user?: string) => ({ name: 'windows-password', params: [...(user ? [['username', [user], false]] : []), ['domain', ['CORP', 'LAB'], false], ...(error ? [['error', [error], false]] : [])] });
const EXPIRED_SCREEN = (user: string, domain: string, error: string) => ({ name: 'windows-password-expired', params: [['username', [user], true], ['domain', [domain], true], ['error', [error], false]] });

describe('View broker: disclaimer, domain list, password expired', () => {
  let s: TestServer;
  let adminToken: string;
  before(async () => {
    s = await startTestServer({ demoHosts: 1, demoVms: 1, viewDomains: 'CORP,LAB', viewDisclaimer: DISCLAIMER, maxFailedLogins: 3 });
    const core = s.server.core;
    await core.identity.createUser(SYSTEM_CALLER, { name: 'frank', password: 'frank-password-1' });
    const frank = await core.identity.resolveUser('frank');
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${frank.id}`, entityId: 'root', roleId: 'desktop-user', propagate: true });
    await core.vdi.entitle(SYSTEM_CALLER, (await core.vdi.getPool(SYSTEM_CALLER, 'demo-desktops')).id, 'user:frank');
    const login = await s.request('POST', '/api/session', { headers: { authorization: `Basic ${Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64')}` } });
    assert.equal(login.status, 201);
    adminToken = JSON.parse(login.body) as string;
  });
  after(async () => s.close());

  it('4.5 client: the disclaimer comes first; refusing it or skipping it gets it again; accepted, the password screen offers both domains', async () => {
    const c = new BrokerConversation(s);
    const start = await c.post('<?xml version="1.0"?><broker version="4.5"><set-locale><locale>en_US</locale></set-locale><get-configuration/></broker>', { contentType: 'application/x-www-form-urlencoded' });
    expectElement(start.elements[0], 'set-locale', 'ok');
    assert.deepEqual(screenOf(expectElement(start.elements[1], 'configuration', 'ok')), DISCLAIMER_SCREEN());

    // the password straight away: the disclaimer again, nothing else runs
    const skip = await c.ops('4.5', `${LOGIN('demo', 'demo-password-1', 'CORP')}<get-tunnel-connection/>${GET_DESKTOPS}`);
    assert.deepEqual(skip.elements.map((e) => [e.name, textAt(e, 'result')]), [['submit-authentication', 'partial'], ['tunnel-connection', 'notexecuted'], ['desktops', 'notexecuted']]);
    assert.deepEqual(screenOf(skip.elements[0]), DISCLAIMER_SCREEN('Accept the disclaimer before you log in.'));

    const no = await c.ops('4.5', screenOp('disclaimer', { accept: 'false' }));
    assert.deepEqual(screenOf(expectElement(no.elements[0], 'submit-authentication', 'partial')), DISCLAIMER_SCREEN('Accept the disclaimer to log in.'));

    const yes = await c.ops('4.5', ACCEPT);
    assert.deepEqual(screenOf(expectElement(yes.elements[0], 'submit-authentication', 'partial')), PASSWORD_SCREEN());
    // the session remembers it: get-configuration now shows the password screen
    const conf = await c.ops('4.5', '<get-configuration/>');
    assert.deepEqual(screenOf(expectElement(conf.elements[0], 'configuration', 'ok')), PASSWORD_SCREEN());

    const login = await c.ops('4.5', `${LOGIN('demo', 'demo-password-1', 'lab')}<get-tunnel-connection/>${GET_DESKTOPS}`);
    const auth = expectElement(login.elements[0], 'submit-authentication', 'ok');
    assert.deepEqual([textAt(auth, 'user-name'), textAt(auth, 'domain-name')], ['demo', 'LAB']);
    expectElement(login.elements[1], 'tunnel-connection', 'ok');
    assert.deepEqual(children(expectElement(login.elements[2], 'desktops', 'ok'), 'desktop').map((d) => textAt(d, 'name')), ['Demo desktops']);
    const st = await c.ops('4.5', '<get-authentication-status/>');
    assert.equal(textAt(expectElement(st.elements[0], 'authentication-status', 'ok'), 'domain-name'), 'LAB');

    // after logout a new broker session starts with the disclaimer again
    expectElement((await c.ops('4.5', '<do-logout/>')).elements[0], 'logout', 'ok');
    const again = await c.ops('4.5', '<get-configuration/>');
    assert.deepEqual(screenOf(expectElement(again.elements[0], 'configuration', 'ok')), DISCLAIMER_SCREEN());
  });

  it('15.0 client: accept + login + tunnel + launch items in one batch; the domain list refuses others clearly and takes DOMAIN\\user', async () => {
    const c = new BrokerConversation(s);
    const start = await c.ops('15.0', '<set-locale><locale>en_US</locale></set-locale><get-configuration/>');
    assert.deepEqual(screenOf(start.elements[1]), DISCLAIMER_SCREEN());
    // accepting, then a domain that is not offered: the password screen with the reason; the rest is not executed
    const x = await c.ops('15.0', `${ACCEPT}${LOGIN('demo', 'demo-password-1', 'VMGATE')}<get-launch-items/>`);
    assert.deepEqual(x.elements.map((e) => [e.name, textAt(e, 'result')]), [['submit-authentication', 'partial'], ['submit-authentication', 'notexecuted'], ['launch-items', 'notexecuted']]);
    const bad = await c.ops('15.0', `${LOGIN('demo', 'demo-password-1', 'VMGATE')}<get-launch-items/>`);
    assert.deepEqual(screenOf(expectElement(bad.elements[0], 'submit-authentication', 'partial')), PASSWORD_SCREEN("Unknown domain 'VMGATE'. Choose one of CORP, LAB.", 'demo'));
    expectElement(bad.elements[1], 'launch-items', 'notexecuted');
    const slash = await c.ops('15.0', `${LOGIN('OTHER\\demo', 'demo-password-1', 'CORP')}`);
    assert.deepEqual(screenOf(slash.elements[0]).params.at(-1), ['error', ["Unknown domain 'OTHER'. Choose one of CORP, LAB."], false]);
    const ok = await c.ops('15.0', `${LOGIN('lab\\demo', 'demo-password-1', '')}<get-tunnel-connection/><get-launch-items/>`);
    assert.equal(textAt(expectElement(ok.elements[0], 'submit-authentication', 'ok'), 'domain-name'), 'LAB');
    expectElement(ok.elements[1], 'tunnel-connection', 'ok');
    expectElement(ok.elements[2], 'launch-items', 'ok');
    const conn = await c.ops('15.0', `<get-desktop-connection><desktop-id>${(await s.server.core.vdi.getPool(SYSTEM_CALLER, 'demo-desktops')).id}</desktop-id><protocol><name>VNC</name></protocol></get-desktop-connection>`);
    assert.equal(textAt(expectElement(conn.elements[0], 'desktop-connection', 'ok'), 'domain-name'), 'LAB');
    await c.ops('15.0', '<do-logout/>');

    // no domain at all: the first one offered
    const d = new BrokerConversation(s);
    const y = await d.ops('15.0', `${ACCEPT}`);
    expectElement(y.elements[0], 'submit-authentication', 'partial');
    const z = await d.ops('15.0', `${LOGIN('demo', 'demo-password-1', '')}`);
    assert.equal(textAt(expectElement(z.elements[0], 'submit-authentication', 'ok'), 'domain-name'), 'CORP');
  });

  it('password expired: flagged through the admin API, the right password gets windows-password-expired; the change is checked, stored and logs in', async () => {
    const patch = await s.request('PATCH', '/api/vmgate/users/frank', { headers: { 'vmware-api-session-id': adminToken, 'content-type': 'application/json' }, body: JSON.stringify({ must_change_password: true }) });
    assert.equal(patch.status, 204, patch.body);
    const info = await s.request('GET', '/api/vmgate/users/frank', { headers: { 'vmware-api-session-id': adminToken } });
    assert.equal((JSON.parse(info.body) as { must_change_password: boolean }).must_change_password, true);

    const c = new BrokerConversation(s);
    await c.ops('15.0', '<set-locale><locale>fr_FR</locale></set-locale><get-configuration/>');
    expectElement((await c.ops('15.0', ACCEPT)).elements[0], 'submit-authentication', 'partial');
    // a wrong password is just that
    const wrong = await c.ops('15.0', LOGIN('frank', 'not-franks-password', 'CORP'));
    assert.deepEqual(screenOf(wrong.elements[0]), PASSWORD_SCREEN('Unknown user name or bad password.', 'frank'));
    // the right one: the expired screen, nothing else in the batch runs
    const right = await c.ops('15.0', `${LOGIN('frank', 'frank-password-1', 'CORP')}<get-tunnel-connection/>${GET_DESKTOPS}`);
    assert.deepEqual(right.elements.map((e) => [e.name, textAt(e, 'result')]), [['submit-authentication', 'partial'], ['tunnel-connection', 'notexecuted'], ['desktops', 'notexecuted']]);
    assert.deepEqual(screenOf(right.elements[0]), EXPIRED_SCREEN('frank', 'CORP', 'Your password has expired. Choose a new one.'));
    assert.equal(right.setCookies.length, 0, 'still the pre-login cookie');
    const conf = await c.ops('15.0', '<get-configuration/>');
    assert.equal(screenOf(conf.elements[0]).name, 'windows-password-expired');

    const cases: [string, string][] = [
      [CHANGE('frank-password-1', 'frank-password-2', 'frank-password-3'), 'The new passwords do not match.'],
      [CHANGE('', 'frank-password-2'), 'Enter your current password and the new one twice.'],
      [CHANGE('not-franks-password', 'frank-password-2'), 'Your current password is not right.'],
      [CHANGE('frank-password-1', 'short'), 'The new password is not accepted: passwords need at least 8 characters.'],
      [CHANGE('frank-password-1', 'frank-password-1'), 'The new password is not accepted: the new password must differ from the current one.'],
    ];
    for (const [op, error] of cases) {
      const x = await c.ops('15.0', op);
      assert.deepEqual(screenOf(expectElement(x.elements[0], 'submit-authentication', 'partial')), EXPIRED_SCREEN('frank', 'CORP', error));
    }
    // the screen's username is the broker's: a name sent with it changes nothing
    const done = await c.ops('15.0', `${screenOp('windows-password-expired', { username: 'administrator', oldPassword: 'frank-password-1', newPassword1: 'frank-password-2', newPassword2: 'frank-password-2' })}<get-tunnel-connection/>${GET_DESKTOPS}`);
    const auth = expectElement(done.elements[0], 'submit-authentication', 'ok');
    assert.deepEqual([textAt(auth, 'user-name'), textAt(auth, 'domain-name')], ['frank', 'CORP']);
    expectElement(done.elements[1], 'tunnel-connection', 'ok');
    assert.deepEqual(children(expectElement(done.elements[2], 'desktops', 'ok'), 'desktop').map((d) => textAt(d, 'name')), ['Demo desktops']);
    assert.deepEqual(done.setCookies.map((x) => x.split('=')[0]), ['JSESSIONID', 'com.vmware.vdi.broker.location.id']);
    const session = await s.server.core.identity.authenticate(c.jar.get('JSESSIONID')!);
    assert.deepEqual([session.caller.userName, session.session.data.locale, session.session.data.domain], ['frank', 'fr_FR', 'CORP']);

    // stored: the flag is gone, the new password works through another face, the old one does not
    const after = await s.request('GET', '/api/vmgate/users/frank', { headers: { 'vmware-api-session-id': adminToken } });
    assert.equal((JSON.parse(after.body) as { must_change_password: boolean }).must_change_password, false);
    const basic = (pw: string) => ({ authorization: `Basic ${Buffer.from(`frank:${pw}`).toString('base64')}` });
    assert.equal((await s.request('POST', '/api/session', { headers: basic('frank-password-2') })).status, 201);
    assert.equal((await s.request('POST', '/api/session', { headers: basic('frank-password-1') })).status, 401);
  });

  it('the expired screen without the password step first is refused; so is a screen the broker does not offer', async () => {
    const c = new BrokerConversation(s);
    const x = await c.ops('15.0', `${ACCEPT}${CHANGE('frank-password-2', 'frank-password-3')}`);
    expectElement(x.elements[0], 'submit-authentication', 'partial');
    expectElement(x.elements[1], 'submit-authentication', 'notexecuted');
    const y = await c.ops('15.0', CHANGE('frank-password-2', 'frank-password-3'));
    assert.deepEqual(screenOf(expectElement(y.elements[0], 'submit-authentication', 'partial')), PASSWORD_SCREEN('Log in with your current password first.'));
    const z = await c.ops('15.0', screenOp('securid-passcode', { username: 'frank', passcode: '123456' }));
    assert.deepEqual(screenOf(z.elements[0]), PASSWORD_SCREEN("The 'securid-passcode' screen is not offered; log in with a user name and password."));
    // frank's password is still the one set above
    assert.equal((await s.server.core.identity.login('frank', 'frank-password-2', 'test')).caller.userName, 'frank');
  });

  it('an administrator lifting "must change" while the expired screen is open: the password screen again, and the old password works', async () => {
    await s.server.core.identity.createUser(SYSTEM_CALLER, { name: 'gina', password: 'gina-password-1' });
    await s.server.core.identity.updateUser(SYSTEM_CALLER, 'gina', { mustChangePassword: true });
    const c = new BrokerConversation(s);
    await c.ops('15.0', ACCEPT);
    assert.equal(screenOf((await c.ops('15.0', LOGIN('gina', 'gina-password-1', 'LAB'))).elements[0]).name, 'windows-password-expired');
    await s.server.core.identity.updateUser(SYSTEM_CALLER, 'gina', { mustChangePassword: false });
    const x = await c.ops('15.0', `${CHANGE('gina-password-1', 'gina-password-2')}${GET_DESKTOPS}`);
    assert.deepEqual(screenOf(expectElement(x.elements[0], 'submit-authentication', 'partial')), PASSWORD_SCREEN('Your password no longer has to be changed: log in with it.', 'gina'));
    expectElement(x.elements[1], 'desktops', 'notexecuted');
    expectElement((await c.ops('15.0', LOGIN('gina', 'gina-password-1', 'LAB'))).elements[0], 'submit-authentication', 'ok');
  });

  it('guessing the current password on the expired screen locks the account like failed logins: AUTHENTICATION_FAILED', async () => {
    await s.server.core.identity.updateUser(SYSTEM_CALLER, 'frank', { mustChangePassword: true });
    const c = new BrokerConversation(s);
    await c.ops('15.0', ACCEPT);
    assert.equal(screenOf((await c.ops('15.0', LOGIN('frank', 'frank-password-2', 'CORP'))).elements[0]).name, 'windows-password-expired');
    for (let i = 0; i < 2; i++) assert.deepEqual(screenOf((await c.ops('15.0', CHANGE(`guess-${i}-password`, 'frank-password-9'))).elements[0]).params.at(-1), ['error', ['Your current password is not right.'], false]);
    const locked = await c.ops('15.0', `${CHANGE('guess-2-password', 'frank-password-9')}${GET_DESKTOPS}`);
    const e = expectElement(locked.elements[0], 'submit-authentication', 'error', 'AUTHENTICATION_FAILED');
    assert.match(textAt(e, 'user-message'), /locked after too many failed logins/);
    expectElement(locked.elements[1], 'desktops', 'notexecuted');
    // the right one no longer helps from this address
    expectElement((await c.ops('15.0', CHANGE('frank-password-2', 'frank-password-9'))).elements[0], 'submit-authentication', 'error', 'AUTHENTICATION_FAILED');
  });
});

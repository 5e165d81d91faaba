/**
 * "Must change password" in core: an administrator sets it; the right password then gets
 * `password_expired` instead of a session (and ends the sessions the account had); the
 * expired-password login replaces the password, clears the flag and logs in. Wrong
 * current passwords count towards the lock like any failed login.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmgateError } from '../../src/core/errors.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

const refused = (kind: string, message: string, reason?: string) => (e: unknown) => {
  assert.ok(e instanceof VmgateError, String(e));
  assert.deepEqual([e.kind, e.message, e.reason], [kind, message, reason]);
  return true;
};

describe('identity: must change password', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore({ config: { maxFailedLogins: 3, loginDelayMs: 0 } });
    await t.core.identity.createUser(t.admin, { name: 'carol', password: 'carol-password-1' });
    await t.core.identity.createUser(t.admin, { name: 'dave', password: 'dave-password-1' });
  });
  after(async () => t.close());

  it('an administrator sets it: the sessions end, the right password is password_expired, a wrong one stays a failure', async () => {
    const { core, admin } = t;
    const before = await core.identity.login('carol', 'carol-password-1', 'test');
    const u = await core.identity.updateUser(admin, 'carol', { mustChangePassword: true });
    assert.equal(u.mustChangePassword, true);
    assert.equal((await core.identity.resolveUser('carol')).mustChangePassword, true);
    await assert.rejects(core.identity.authenticate(before.token), refused('unauthenticated', 'the session does not exist or has ended: log in again'));
    await assert.rejects(core.identity.login('carol', 'carol-password-1', 'test', {}, '192.0.2.1'), refused('unauthenticated', "the password of 'carol' has expired: it must be changed before the account can log in", 'password_expired'));
    await assert.rejects(core.identity.verifyCredentials('carol', 'carol-password-1'), refused('unauthenticated', "the password of 'carol' has expired: it must be changed before the account can log in", 'password_expired'));
    await assert.rejects(core.identity.login('carol', 'wrong-password', 'test', {}, '192.0.2.1'), refused('unauthenticated', 'invalid user name or password'));
    // a session made while the flag was being set (createSession needs no password) ends at its first use
    const racing = await core.identity.createSession({ kind: 'user', userId: u.id, userName: 'carol', groupIds: [], sessionId: null }, 'test');
    await assert.rejects(core.identity.authenticate(racing.token), refused('unauthenticated', "the password of 'carol' must be changed: log in again and change it", 'password_expired'));
    await assert.rejects(core.identity.authenticate(racing.token), refused('unauthenticated', 'the session does not exist or has ended: log in again'));
    const events = await core.events.list(admin, u.id, 5);
    assert.ok(events.some((e) => e.type === 'user.mustChangePassword' && e.message === "'carol' must change the password at the next login"));
  });

  it('the expired-password login: policy first, then the current password, then the new one works and the old one does not', async () => {
    const { core } = t;
    await assert.rejects(core.identity.changeExpiredPassword('carol', 'carol-password-1', 'short', 'test'), refused('invalid_argument', 'passwords need at least 8 characters'));
    await assert.rejects(core.identity.changeExpiredPassword('carol', 'carol-password-1', 'carol-password-1', 'test'), refused('invalid_argument', 'the new password must differ from the current one'));
    await assert.rejects(core.identity.changeExpiredPassword('carol', 'not-her-password', 'carol-password-2', 'test', {}, '192.0.2.1'), refused('unauthenticated', 'invalid user name or password'));
    const r = await core.identity.changeExpiredPassword('carol', 'carol-password-1', 'carol-password-2', 'view', { locale: 'en_US' }, '192.0.2.1');
    assert.equal(r.caller.userName, 'carol');
    assert.equal(r.session.face, 'view');
    assert.deepEqual(r.session.data, { locale: 'en_US' });
    assert.equal((await core.identity.authenticate(r.token)).caller.userName, 'carol');
    const u = await core.identity.resolveUser('carol');
    assert.deepEqual([u.mustChangePassword, u.failedLogins], [false, 0]);
    await assert.rejects(core.identity.login('carol', 'carol-password-1', 'test'), refused('unauthenticated', 'invalid user name or password'));
    assert.equal((await core.identity.login('carol', 'carol-password-2', 'test')).caller.userName, 'carol');
    // a password that has not expired is not changed this way
    await assert.rejects(core.identity.changeExpiredPassword('carol', 'carol-password-2', 'carol-password-5', 'test'), refused('not_allowed_in_current_state', "the password of 'carol' has not expired: log in with it"));
    assert.equal((await core.identity.login('carol', 'carol-password-2', 'test')).caller.userName, 'carol');
  });

  it('wrong current passwords lock the account for that address like failed logins', async () => {
    const { core, admin } = t;
    await core.identity.updateUser(admin, 'dave', { mustChangePassword: true });
    for (let i = 0; i < 2; i++) await assert.rejects(core.identity.changeExpiredPassword('dave', `guess-${i}-xxxx`, 'dave-password-2', 'test', {}, '198.51.100.7'), refused('unauthenticated', 'invalid user name or password'));
    await assert.rejects(core.identity.changeExpiredPassword('dave', 'guess-2-xxxx', 'dave-password-2', 'test', {}, '198.51.100.7'), refused('unauthenticated', "account 'dave' is now locked for logins from 198.51.100.7 after 3 failed logins", 'account_locked'));
    await assert.rejects(core.identity.changeExpiredPassword('dave', 'dave-password-1', 'dave-password-2', 'test', {}, '198.51.100.7'), (e: unknown) => e instanceof VmgateError && e.reason === 'account_locked');
    // another address is not locked; the flag still holds
    const r = await core.identity.changeExpiredPassword('dave', 'dave-password-1', 'dave-password-2', 'test', {}, '198.51.100.8');
    assert.equal(r.caller.userName, 'dave');
  });

  it('changing one’s own password clears the flag; an administrator’s reset does not; only administrators set it', async () => {
    const { core, admin } = t;
    const s = await core.identity.login('carol', 'carol-password-2', 'test');
    await assert.rejects(core.identity.updateUser(s.caller, 'carol', { mustChangePassword: false }), (e: unknown) => e instanceof VmgateError && e.kind === 'unauthorized');
    await core.identity.updateUser(admin, 'carol', { mustChangePassword: true });
    await core.identity.setPassword(admin, 'carol', 'carol-password-3');
    assert.equal((await core.identity.resolveUser('carol')).mustChangePassword, true);
    await core.identity.updateUser(admin, 'carol', { mustChangePassword: false });
    const s2 = await core.identity.login('carol', 'carol-password-3', 'test');
    await core.identity.updateUser(admin, 'carol', { mustChangePassword: true });
    await core.identity.updateUser(admin, 'carol', { mustChangePassword: false });
    // the session ended when the flag was set, even though it is cleared now
    await assert.rejects(core.identity.authenticate(s2.token));
    const s3 = await core.identity.login('carol', 'carol-password-3', 'test');
    await core.identity.setPassword(s3.caller, 'carol', 'carol-password-4', { currentPassword: 'carol-password-3' });
    assert.equal((await core.identity.resolveUser('carol')).mustChangePassword, false);
  });
});

/**
 * SessionService.isActive, what a long-lived stream asks now and then: a session stands
 * until its idle or absolute end (to the millisecond, fake clock), asking is not a use,
 * and an ended one is removed and announced with its reason ('expired', or 'revoked' for a
 * disabled user or one who must change the password). Also a slowed-down address's
 * attempts still get their answer after the pause. Expected values written by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import type { Session } from '../../src/core/model/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

describe('isActive: a session stands until its end, asking is no use', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-06-01T00:00:00.000Z');
  const ended: [string, string][] = [];
  let stop: () => void;
  before(async () => {
    t = await createTestCore({ clock, config: { sessionIdleSeconds: 60, sessionMaxSeconds: 1000 } });
    await t.user('una', null);
    stop = t.core.bus.on('session.ended', (s: Session, why) => ended.push([s.userName, why]));
  });
  after(async () => {
    stop();
    await t.close();
  });

  it('an unknown session is not active; nothing is announced', async () => {
    ended.length = 0;
    assert.equal(await t.core.identity.sessions.isActive('0'.repeat(64)), false);
    assert.deepEqual(ended, []);
  });

  it('idle: active 59.999 s after login, over at 60 s exactly, though asked at 30 s', async () => {
    ended.length = 0;
    const { session, token } = await t.core.identity.login('una', 'una-password-1', 'test');
    clock.advance(30_000);
    assert.equal(await t.core.identity.sessions.isActive(session.id), true);
    clock.advance(29_999);
    assert.equal(await t.core.identity.sessions.isActive(session.id), true);
    // had asking at 30 s been a use, the session would stand until 90 s
    assert.deepEqual(ended, []);
    clock.advance(1);
    assert.equal(await t.core.identity.sessions.isActive(session.id), false);
    assert.deepEqual(ended, [['una', 'expired']]);
    assert.equal(await t.core.identity.sessions.isActive(session.id), false);
    assert.deepEqual(ended, [['una', 'expired']], 'ended once');
    await assert.rejects(t.core.identity.authenticate(token), { kind: 'unauthenticated', message: 'the session does not exist or has ended: log in again' });
  });

  it('absolute: active 1 ms before expiresAt however recently used, over at expiresAt', async () => {
    ended.length = 0;
    const { session, token } = await t.core.identity.login('una', 'una-password-1', 'test');
    for (let i = 0; i < 19; i++) {
      clock.advance(50_000);
      await t.core.identity.authenticate(token); // used every 50 s: never idle
    }
    clock.advance(49_999); // 999.999 s after login
    assert.equal(await t.core.identity.sessions.isActive(session.id), true);
    clock.advance(1);
    assert.equal(await t.core.identity.sessions.isActive(session.id), false);
    assert.deepEqual(ended, [['una', 'expired']]);
  });

  it('a disabled user, or one who must change the password: not active, ended as revoked', async () => {
    await t.user('vic', null);
    await t.user('wes', null);
    const v = await t.core.identity.login('vic', 'vic-password-1', 'test');
    const w = await t.core.identity.login('wes', 'wes-password-1', 'test');
    ended.length = 0;
    await t.core.identity.updateUser(t.admin, 'vic', { disabled: true });
    assert.equal(await t.core.identity.sessions.isActive(v.session.id), false);
    assert.deepEqual(ended, [['vic', 'revoked']]);
    await t.core.identity.updateUser(t.admin, 'vic', { disabled: false });
    assert.equal(await t.core.identity.sessions.isActive(v.session.id), false, 'it stays ended');

    // must change: updateUser ends the sessions itself; one made meanwhile ends at isActive
    const wes = await t.core.identity.resolveUser('wes');
    await t.core.identity.updateUser(t.admin, 'wes', { mustChangePassword: true });
    assert.equal(await t.core.identity.sessions.isActive(w.session.id), false);
    ended.length = 0;
    const racing = await t.core.identity.createSession({ kind: 'user', userId: wes.id, userName: 'wes', groupIds: [], sessionId: null }, 'test');
    assert.equal(await t.core.identity.sessions.isActive(racing.session.id), false);
    assert.deepEqual(ended, [['wes', 'revoked']]);
    await assert.rejects(t.core.identity.authenticate(racing.token), { kind: 'unauthenticated', message: 'the session does not exist or has ended: log in again' });
  });
});

describe('a slowed-down address still gets its answers', () => {
  let t: TestCore;
  before(async () => {
    // delays from the first failure on, 1 ms doubling: short real waits
    t = await createTestCore({ config: { loginDelayAfterFailures: 0, loginDelayMs: 1, loginDelayMaxMs: 4, maxFailedLogins: 10 } });
    await t.user('xia', null);
  });
  after(async () => t.close());

  it('after failures the next attempts wait, then are answered: wrong, then right', async () => {
    for (const pw of ['wrong-pass-1', 'wrong-pass-2', 'wrong-pass-3']) {
      await assert.rejects(t.core.identity.login('xia', pw, 'test', {}, '192.0.2.50'), (e: unknown) => e instanceof VmgateError && e.message === 'invalid user name or password');
    }
    assert.equal(t.core.identity.logins.sourceFailures('192.0.2.50'), 3);
    assert.equal((await t.core.identity.login('xia', 'xia-password-1', 'test', {}, '192.0.2.50')).caller.userName, 'xia');
  });
});

/**
 * Identity at its edges, with the fake clock (never a measured duration): a session's idle
 * and absolute expiry to the millisecond, when its last use is written, bad tokens, a
 * disabled user's sessions; the lock's end to the millisecond, a disabled account, an
 * over-long name; the throttle's window and delay boundaries and its bound on remembered
 * sources, by ordering and counts. Expected values written by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { normaliseSource, SourceThrottle } from '../../src/core/identity/throttle.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

/** [kind, reason or null, message] of a rejection. */
async function refusal(p: Promise<unknown>): Promise<[string, string | null, string]> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VmgateError, String(e));
    return [e.kind, e.reason ?? null, e.message];
  }
  assert.fail('expected a refusal');
}

const INVALID: [string, null, string] = ['unauthenticated', null, 'invalid user name or password'];

describe('sessions at their edges (fake clock)', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-04-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { sessionIdleSeconds: 60, sessionMaxSeconds: 3600, maxSessionsPerUser: 100 } });
    await t.user('sam', 'read-only');
  });
  after(async () => t.close());

  it('a new session: face, data, user, both limits, the token not stored', async () => {
    const r = await t.core.identity.login('sam', 'sam-password-1', 'view', { locale: 'de' });
    assert.match(r.token, /^[0-9a-f]{48}$/);
    assert.equal(r.session.face, 'view');
    assert.deepEqual(r.session.data, { locale: 'de' });
    assert.equal(r.session.userName, 'sam');
    assert.equal(r.session.createdAt, clock.now().toISOString());
    assert.equal(r.session.lastUsedAt, clock.now().toISOString());
    assert.equal(r.session.expiresAt, new Date(clock.now().getTime() + 3600_000).toISOString());
    assert.equal(r.session.idleSeconds, 60);
    assert.equal(r.caller.sessionId, r.session.id);
    assert.notEqual(r.session.id, r.token);
    const u = await t.core.identity.getUser(t.admin, 'sam');
    assert.equal(u.lastLoginAt, clock.now().toISOString());
  });

  it('idle: usable 59.999 s after the last use, over at 60 s exactly', async () => {
    const { token } = await t.core.identity.login('sam', 'sam-password-1', 'test');
    clock.advance(59_999);
    const mid = await t.core.identity.authenticate(token);
    assert.equal(mid.session.lastUsedAt, clock.now().toISOString(), 'the use is written');
    clock.advance(59_999);
    await t.core.identity.authenticate(token);
    clock.advance(60_000);
    assert.deepEqual(await refusal(t.core.identity.authenticate(token)), ['unauthenticated', null, 'the session has expired: log in again']);
    assert.deepEqual(await refusal(t.core.identity.authenticate(token)), ['unauthenticated', null, 'the session does not exist or has ended: log in again'], 'an expired session is gone');
  });

  it('a use is written only when the last one is more than 5 s old', async () => {
    const { token, session } = await t.core.identity.login('sam', 'sam-password-1', 'test');
    clock.advance(5000);
    assert.equal((await t.core.identity.authenticate(token)).session.lastUsedAt, session.lastUsedAt);
    clock.advance(1);
    assert.equal((await t.core.identity.authenticate(token)).session.lastUsedAt, clock.now().toISOString());
    // Unwritten uses do not extend the idle time: 5 s of uses then 55 s of silence end it.
    const other = await t.core.identity.login('sam', 'sam-password-1', 'test');
    clock.advance(5000);
    await t.core.identity.authenticate(other.token);
    clock.advance(55_000);
    assert.deepEqual(await refusal(t.core.identity.authenticate(other.token)), ['unauthenticated', null, 'the session has expired: log in again']);
  });

  it('absolute lifetime: usable 1 ms before expiresAt, over at expiresAt however recently used', async () => {
    const { token, session } = await t.core.identity.login('sam', 'sam-password-1', 'test');
    const end = Date.parse(session.expiresAt);
    while (clock.now().getTime() + 50_000 < end - 1) {
      clock.advance(50_000);
      await t.core.identity.authenticate(token);
    }
    clock.advance(end - 1 - clock.now().getTime());
    await t.core.identity.authenticate(token);
    clock.advance(1);
    assert.deepEqual(await refusal(t.core.identity.authenticate(token)), ['unauthenticated', null, 'the session has expired: log in again']);
  });

  it('bad tokens: none, too long, unknown', async () => {
    assert.deepEqual(await refusal(t.core.identity.authenticate('')), ['unauthenticated', null, 'no valid session: log in first']);
    assert.deepEqual(await refusal(t.core.identity.authenticate('a'.repeat(257))), ['unauthenticated', null, 'no valid session: log in first']);
    assert.deepEqual(await refusal(t.core.identity.authenticate('a'.repeat(256))), ['unauthenticated', null, 'the session does not exist or has ended: log in again']);
    assert.deepEqual(await refusal(t.core.identity.authenticate('0'.repeat(48))), ['unauthenticated', null, 'the session does not exist or has ended: log in again']);
  });

  it('a disabled user’s session ends at its next use, and stays ended when the user is enabled again', async () => {
    await t.user('dora', 'read-only');
    const { token } = await t.core.identity.login('dora', 'dora-password-1', 'test');
    await t.core.identity.updateUser(t.admin, 'dora', { disabled: true });
    assert.deepEqual(await refusal(t.core.identity.authenticate(token)), ['unauthenticated', null, 'the session’s user no longer exists or is disabled']);
    await t.core.identity.updateUser(t.admin, 'dora', { disabled: false });
    assert.deepEqual(await refusal(t.core.identity.authenticate(token)), ['unauthenticated', null, 'the session does not exist or has ended: log in again']);
  });

  it('session data merges; an ended session has none; logout is once', async () => {
    const r = await t.core.identity.login('sam', 'sam-password-1', 'test', { a: 1, b: 2 });
    const s = await t.core.identity.updateSessionData(r.session.id, { b: 3, c: 4 });
    assert.deepEqual(s.data, { a: 1, b: 3, c: 4 });
    assert.deepEqual((await t.core.identity.getSession(r.caller)).data, { a: 1, b: 3, c: 4 });
    await t.core.identity.logout(r.caller);
    await t.core.identity.logout(r.caller);
    assert.deepEqual(await refusal(t.core.identity.updateSessionData(r.session.id, { d: 5 })), ['not_found', null, 'the session has ended']);
    assert.deepEqual(await refusal(t.core.identity.getSession(r.caller)), ['unauthenticated', null, 'no session']);
    assert.deepEqual(await refusal(t.core.identity.getSession({ ...r.caller, sessionId: null })), ['unauthenticated', null, 'no session']);
  });

  it('pruning removes the sessions past their idle end or absolute end, and only those', async () => {
    clock.advance(3600_000); // every earlier session is past its end
    await t.core.identity.pruneSessions();
    const idle = await t.core.identity.login('sam', 'sam-password-1', 'test');
    clock.advance(30_000);
    const live = await t.core.identity.login('sam', 'sam-password-1', 'test');
    clock.advance(30_000); // idle is at its idle end (60 s), live is 30 s idle
    assert.equal(await t.core.identity.pruneSessions(), 1);
    assert.deepEqual(await refusal(t.core.identity.getSession(idle.caller)), ['unauthenticated', null, 'no session']);
    assert.equal((await t.core.identity.getSession(live.caller)).id, live.session.id);
    assert.equal(await t.core.identity.pruneSessions(), 0);
  });
});

describe('sessions: the cap per user', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-04-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { maxSessionsPerUser: 2, sessionIdleSeconds: 3600, sessionMaxSeconds: 86_400 } });
    await t.core.identity.createUser(t.admin, { name: 'capi', password: 'capi-password-1' }); // no session yet
  });
  after(async () => t.close());

  it('the third session ends the one used longest ago, whichever was made first', async () => {
    const first = await t.core.identity.login('capi', 'capi-password-1', 'test');
    clock.advance(1000);
    const second = await t.core.identity.login('capi', 'capi-password-1', 'test');
    clock.advance(10_000);
    await t.core.identity.authenticate(first.token); // first is now the more recently used
    clock.advance(1000);
    const third = await t.core.identity.login('capi', 'capi-password-1', 'test');
    assert.equal((await t.core.identity.authenticate(first.token)).caller.userName, 'capi');
    assert.equal((await t.core.identity.authenticate(third.token)).caller.userName, 'capi');
    assert.deepEqual(await refusal(t.core.identity.authenticate(second.token)), ['unauthenticated', null, 'the session does not exist or has ended: log in again']);
  });
});

describe('login at its edges (fake clock)', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-04-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { maxFailedLogins: 2, lockoutSeconds: 100, loginDelayMs: 0 } });
    await t.user('lena', 'read-only');
    await t.user('otto', 'read-only');
  });
  after(async () => t.close());

  it('the lock ends at lockedUntil exactly, not a millisecond before', async () => {
    assert.deepEqual(await refusal(t.core.identity.login('lena', 'wrong-1', 'test', {}, '192.0.2.7')), INVALID);
    assert.deepEqual(await refusal(t.core.identity.login('lena', 'wrong-2', 'test', {}, '192.0.2.7')), ['unauthenticated', 'account_locked', "account 'lena' is now locked for logins from 192.0.2.7 after 2 failed logins"]);
    const until = new Date(clock.now().getTime() + 100_000).toISOString();
    clock.advance(99_999);
    assert.deepEqual(await refusal(t.core.identity.login('lena', 'lena-password-1', 'test', {}, '192.0.2.7')), ['unauthenticated', 'account_locked', `account 'lena' is locked for logins from 192.0.2.7 until ${until} after 2 failed logins`]);
    clock.advance(1);
    assert.equal((await t.core.identity.login('lena', 'lena-password-1', 'test', {}, '192.0.2.7')).caller.userName, 'lena');
  });

  it('a success clears the count: two more failures are needed to lock again', async () => {
    assert.deepEqual(await refusal(t.core.identity.login('lena', 'wrong-3', 'test', {}, '192.0.2.7')), INVALID);
    await t.core.identity.login('lena', 'lena-password-1', 'test', {}, '192.0.2.7');
    assert.deepEqual(await refusal(t.core.identity.login('lena', 'wrong-4', 'test', {}, '192.0.2.7')), INVALID);
    assert.deepEqual((await t.core.identity.getUser(t.admin, 'lena')).failedLogins, 1);
    await t.core.identity.login('lena', 'lena-password-1', 'test', {}, '192.0.2.7');
    assert.deepEqual((await t.core.identity.getUser(t.admin, 'lena')).failedLogins, 0);
  });

  it('a disabled account: its right password says so; a wrong one is a plain refusal', async () => {
    await t.core.identity.updateUser(t.admin, 'otto', { disabled: true });
    assert.deepEqual(await refusal(t.core.identity.login('otto', 'otto-password-1', 'test', {}, '192.0.2.8')), ['unauthenticated', null, "account 'otto' is disabled"]);
    assert.deepEqual(await refusal(t.core.identity.login('otto', 'wrong-otto', 'test', {}, '192.0.2.8')), INVALID);
    await t.core.identity.updateUser(t.admin, 'otto', { disabled: false });
  });

  it('a name longer than 256 characters is an unknown user; 256 of a real name’s case-insensitive twin is not', async () => {
    assert.deepEqual(await refusal(t.core.identity.login(`o${'t'.repeat(256)}`, 'otto-password-1', 'test', {}, '192.0.2.9')), INVALID);
    assert.equal((await t.core.identity.login('OTTO', 'otto-password-1', 'test', {}, '192.0.2.9')).caller.userName, 'otto');
  });

  it('failures are counted per source, unknown users included, and forgotten after the window', async () => {
    const src = '192.0.2.10';
    assert.equal(t.core.identity.logins.sourceFailures(src), 0);
    await refusal(t.core.identity.login('ghost', 'whatever-1', 'test', {}, src));
    await refusal(t.core.identity.login('otto', 'wrong-otto', 'test', {}, `::ffff:${src}`));
    assert.equal(t.core.identity.logins.sourceFailures(src), 2);
    assert.equal(t.core.identity.logins.sourceFailures('192.0.2.11'), 0);
    clock.advance(99_999);
    assert.equal(t.core.identity.logins.sourceFailures(src), 2);
    clock.advance(1);
    assert.equal(t.core.identity.logins.sourceFailures(src), 0);
  });

  it('the expired-password change: a new password equal to the current one, or for a password that has not expired, is refused', async () => {
    assert.deepEqual(await refusal(t.core.identity.changeExpiredPassword('otto', 'otto-password-1', 'otto-password-1', 'test')), ['invalid_argument', null, 'the new password must differ from the current one']);
    assert.deepEqual(await refusal(t.core.identity.changeExpiredPassword('otto', 'otto-password-1', 'otto-password-2', 'test')), ['not_allowed_in_current_state', null, "the password of 'otto' has not expired: log in with it"]);
    assert.equal((await t.core.identity.login('otto', 'otto-password-1', 'test')).caller.userName, 'otto', 'unchanged');
  });
});

describe('login throttle at its edges (unit)', () => {
  const settings = { windowMs: 10_000, delayAfterFailures: 3, delayMs: 100, delayMaxMs: 250, inFlightPerSource: 1 };

  it('the delay starts at the threshold exactly, caps, and ends at the window’s end exactly', () => {
    const th = new SourceThrottle(() => settings);
    for (let i = 0; i < 2; i++) th.failed('a', 0);
    assert.equal(th.delayMs('a', 0), 0, '2 failures: below the threshold');
    th.failed('a', 0);
    assert.equal(th.delayMs('a', 0), 100, '3 failures: the first delay');
    th.failed('a', 0);
    assert.equal(th.delayMs('a', 0), 200);
    th.failed('a', 0);
    assert.equal(th.delayMs('a', 0), 250, 'capped');
    assert.equal(th.delayMs('a', 9_999), 250);
    assert.equal(th.delayMs('a', 10_000), 0);
    assert.equal(th.failures('a', 9_999), 5);
    assert.equal(th.failures('a', 10_000), 0);
  });

  it('a failure after the window starts the count again at 1; one inside it adds to it', () => {
    const th = new SourceThrottle(() => settings);
    th.failed('a', 0);
    th.failed('a', 9_999);
    assert.equal(th.failures('a', 9_999), 2);
    th.failed('a', 19_999);
    assert.equal(th.failures('a', 19_999), 1);
  });

  it('no delays at all when delayMs is 0, however many failures', () => {
    const th = new SourceThrottle(() => ({ ...settings, delayMs: 0 }));
    for (let i = 0; i < 10; i++) th.failed('a', 0);
    assert.equal(th.delayMs('a', 0), 0);
  });

  it('the doubling stops growing the exponent at 30 (no Infinity)', () => {
    const th = new SourceThrottle(() => ({ ...settings, delayAfterFailures: 0, delayMs: 1, delayMaxMs: Number.MAX_SAFE_INTEGER }));
    for (let i = 0; i < 40; i++) th.failed('a', 0);
    assert.equal(th.delayMs('a', 0), 2 ** 30);
  });

  it('in flight: a cap of 0 still admits one; the refusal names the source', () => {
    const th = new SourceThrottle(() => ({ ...settings, inFlightPerSource: 0 }));
    const leave = th.enter('203.0.113.5');
    assert.throws(
      () => th.enter('203.0.113.5'),
      (e: unknown) => e instanceof VmgateError && e.kind === 'unauthenticated' && e.reason === 'login_throttled' && e.message === 'too many logins in progress from 203.0.113.5: try again later',
    );
    leave();
    th.enter('203.0.113.5')();
  });

  it('remembers at most 10,000 sources: the oldest idle ones are forgotten first, down to 9,000', () => {
    const th = new SourceThrottle(() => ({ ...settings, windowMs: 1e12 }));
    for (let i = 0; i < 10_000; i++) th.failed(`s${i}`, 0);
    const busy = th.enter('s0'); // in flight: never dropped
    th.failed('new', 0);
    busy();
    assert.deepEqual(
      ['s0', 's1', 's1001', 's1002', 's9999', 'new'].map((s) => th.failures(s, 0)),
      [1, 0, 0, 1, 1, 1],
    );
  });

  it('sources: trimmed, lower-cased, IPv4-mapped unwrapped, cut at 64 characters, blank is local', () => {
    assert.equal(normaliseSource('  ::FFFF:192.0.2.1 '), '192.0.2.1');
    assert.equal(normaliseSource('::ffff:abcd'), '::ffff:abcd');
    assert.equal(normaliseSource('FE80::1'), 'fe80::1');
    assert.equal(normaliseSource('x'.repeat(70)), 'x'.repeat(64));
    assert.equal(normaliseSource('   '), 'local');
  });
});

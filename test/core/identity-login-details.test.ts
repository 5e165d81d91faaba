/**
 * Login, sessions and tickets in the details a face passes on: every refusal's kind,
 * module, reason and message (the JSON an error is logged and mapped by), the reason a
 * session's end is announced with (live streams end with it), the event an expired-password
 * change records, a password reset that lands while an expired-password change is being
 * hashed, a throttled attempt on an unknown account, and the bounds of the one-time
 * tickets, the hash pool and the per-(account, source) queue. Fake clock, expected values
 * written by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { unlockAccount } from '../../src/core/identity.ts';
import { HashPool } from '../../src/core/identity/hash-pool.ts';
import { KeyedMutex, SourceThrottle } from '../../src/core/identity/throttle.ts';
import type { Session } from '../../src/core/model/index.ts';
import { OneTimeTickets } from '../../src/core/one-time-tickets.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

/** A rejection as the JSON a face logs and maps: kind, module, message, reason when there is one. */
async function refusal(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VmgateError, String(e));
    return e.toJSON();
  }
  assert.fail('expected a refusal');
}

const identityError = (kind: string, message: string, reason?: string) =>
  reason === undefined ? { kind, module: 'core.identity', message } : { kind, module: 'core.identity', message, reason };

describe('login and sessions: refusals in full, session ends with their reason', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-05-01T00:00:00.000Z');
  const ended: [string, string][] = [];
  let stop: () => void;
  before(async () => {
    t = await createTestCore({ clock, config: { maxFailedLogins: 3, lockoutSeconds: 600, loginDelayMs: 0, sessionIdleSeconds: 60, sessionMaxSeconds: 3600, maxSessionsPerUser: 2 } });
    await t.user('ana', 'read-only');
    stop = t.core.bus.on('session.ended', (s: Session, why) => ended.push([s.userName, why]));
  });
  after(async () => {
    stop();
    await t.close();
  });

  it('unknown user, wrong password, disabled account, expired password: kind, module, reason, message', async () => {
    assert.deepEqual(await refusal(t.core.identity.login('nobody', 'whatever-1', 'test')), identityError('unauthenticated', 'invalid user name or password'));
    assert.deepEqual(await refusal(t.core.identity.login('ana', 'wrong-password', 'test')), identityError('unauthenticated', 'invalid user name or password'));
    await t.user('ben', null);
    await t.core.identity.updateUser(t.admin, 'ben', { disabled: true });
    assert.deepEqual(await refusal(t.core.identity.login('ben', 'ben-password-1', 'test')), identityError('unauthenticated', "account 'ben' is disabled"));
    await t.core.identity.updateUser(t.admin, 'ben', { disabled: false, mustChangePassword: true });
    assert.deepEqual(
      await refusal(t.core.identity.login('ben', 'ben-password-1', 'test')),
      identityError('unauthenticated', "the password of 'ben' has expired: it must be changed before the account can log in", 'password_expired'),
    );
    assert.deepEqual(
      await refusal(t.core.identity.changeExpiredPassword('ben', 'ben-password-1', 'ben-password-1', 'test')),
      identityError('invalid_argument', 'the new password must differ from the current one'),
    );
    assert.deepEqual(await refusal(t.core.identity.changeExpiredPassword('ben', 'ben-password-1', 'short', 'test')), identityError('invalid_argument', 'passwords need at least 8 characters'));
    assert.deepEqual(
      await refusal(t.core.identity.changeExpiredPassword('ana', 'ana-password-1', 'ana-password-2', 'test')),
      identityError('not_allowed_in_current_state', "the password of 'ana' has not expired: log in with it"),
    );
    // the refused change left ana's password as it was
    assert.equal((await t.core.identity.login('ana', 'ana-password-1', 'test')).caller.userName, 'ana');
  });

  it('the expired-password change records who changed what, and logs in', async () => {
    const r = await t.core.identity.changeExpiredPassword('ben', 'ben-password-1', 'ben-password-2', 'view', { locale: 'fr' }, '192.0.2.10');
    assert.equal(r.caller.userName, 'ben');
    assert.equal(r.session.face, 'view');
    assert.deepEqual(r.session.data, { locale: 'fr' });
    const ben = await t.core.identity.resolveUser('ben');
    const events = (await t.core.events.list(t.admin, ben.id, 10)).map((e) => [e.type, e.message, e.userName]);
    assert.deepEqual(events[0], ['user.passwordChanged', "password of 'ben' changed at login (it had expired)", 'ben']);
  });

  it('a password reset that lands while an expired-password change is hashed wins: the change is refused', async () => {
    await t.user('cleo', null);
    await t.core.identity.updateUser(t.admin, 'cleo', { mustChangePassword: true });
    const pool = t.core.identity.hashPool;
    const run = pool.run.bind(pool);
    let calls = 0;
    // The change hashes twice: the current password's check, then the new password. Between
    // the two an administrator resets the password (the flag stays: an administrator's reset
    // leaves it as it is).
    pool.run = async <T>(source: string, job: () => Promise<T>): Promise<T> => {
      calls++;
      if (calls === 2) await t.core.identity.setPassword(t.admin, 'cleo', 'cleo-reset-by-admin');
      return run(source, job);
    };
    try {
      assert.deepEqual(
        await refusal(t.core.identity.changeExpiredPassword('cleo', 'cleo-password-1', 'cleo-password-2', 'test', {}, '192.0.2.11')),
        identityError('unauthenticated', "the password of 'cleo' was changed meanwhile: log in with the new one"),
      );
    } finally {
      pool.run = run;
    }
    assert.equal(calls, 3, 'the check, the reset, the new password');
    const cleo = await t.core.identity.resolveUser('cleo');
    assert.equal(cleo.mustChangePassword, true, 'the change did not go through');
    assert.deepEqual(await refusal(t.core.identity.login('cleo', 'cleo-password-2', 'test')), identityError('unauthenticated', 'invalid user name or password'));
    assert.deepEqual(
      await refusal(t.core.identity.login('cleo', 'cleo-reset-by-admin', 'test')),
      identityError('unauthenticated', "the password of 'cleo' has expired: it must be changed before the account can log in", 'password_expired'),
    );
  });

  it('a session ends with the reason: evicted by the cap, expired, logged out, revoked; each refusal in full', async () => {
    // the cap is 2; t.user logged each of these users in once already
    await t.user('hal', null);
    clock.advance(1000);
    ended.length = 0;
    const a = await t.core.identity.login('hal', 'hal-password-1', 'test');
    assert.deepEqual(ended, []);
    clock.advance(1000);
    const b = await t.core.identity.login('hal', 'hal-password-1', 'test');
    assert.deepEqual(ended, [['hal', 'evicted']]);
    clock.advance(1000);
    await t.core.identity.login('hal', 'hal-password-1', 'test');
    assert.deepEqual(ended, [
      ['hal', 'evicted'],
      ['hal', 'evicted'],
    ]);
    assert.deepEqual(await refusal(t.core.identity.authenticate(a.token)), identityError('unauthenticated', 'the session does not exist or has ended: log in again'));
    assert.equal((await t.core.identity.authenticate(b.token)).caller.userName, 'hal');

    await t.user('ivy', null);
    ended.length = 0;
    const c = await t.core.identity.login('ivy', 'ivy-password-1', 'test');
    clock.advance(60_000);
    assert.deepEqual(await refusal(t.core.identity.authenticate(c.token)), identityError('unauthenticated', 'the session has expired: log in again'));
    assert.deepEqual(ended, [['ivy', 'expired']]);

    await t.user('jon', null);
    ended.length = 0;
    const d = await t.core.identity.login('jon', 'jon-password-1', 'test');
    await t.core.identity.logout(d.caller);
    assert.deepEqual(ended, [['jon', 'logout']]);
    await t.core.identity.logout(d.caller);
    await t.core.identity.logout({ ...d.caller, sessionId: null });
    assert.deepEqual(ended, [['jon', 'logout']], 'a second logout announces nothing');

    await t.user('kim', null);
    ended.length = 0;
    const e = await t.core.identity.login('kim', 'kim-password-1', 'test');
    await t.core.identity.updateUser(t.admin, 'kim', { mustChangePassword: true });
    assert.deepEqual(ended, [
      ['kim', 'revoked'],
      ['kim', 'revoked'],
    ]);
    await t.core.identity.updateUser(t.admin, 'kim', { mustChangePassword: false });
    assert.deepEqual(await refusal(t.core.identity.authenticate(e.token)), identityError('unauthenticated', 'the session does not exist or has ended: log in again'));

    assert.deepEqual(await refusal(t.core.identity.authenticate('')), identityError('unauthenticated', 'no valid session: log in first'));
    assert.deepEqual(await refusal(t.core.identity.updateSessionData('0'.repeat(64), { x: 1 })), identityError('not_found', 'the session has ended'));
    assert.deepEqual(await refusal(t.core.identity.getSession({ ...e.caller, sessionId: null })), identityError('unauthenticated', 'no session'));
  });

  it('a session whose user must change the password, or is disabled, is refused in full and ended', async () => {
    await t.user('dina', null);
    const a = await t.core.identity.login('dina', 'dina-password-1', 'test');
    const b = await t.core.identity.login('dina', 'dina-password-1', 'test');
    // createSession needs no password: a session made while the flag is set ends at its first use
    await t.core.identity.updateUser(t.admin, 'dina', { mustChangePassword: true });
    const dina = await t.core.identity.resolveUser('dina');
    const racing = await t.core.identity.createSession({ kind: 'user', userId: dina.id, userName: 'dina', groupIds: [], sessionId: null }, 'test');
    assert.deepEqual(
      await refusal(t.core.identity.authenticate(racing.token)),
      identityError('unauthenticated', "the password of 'dina' must be changed: log in again and change it", 'password_expired'),
    );
    await t.core.identity.updateUser(t.admin, 'dina', { mustChangePassword: false, disabled: true });
    assert.deepEqual(await refusal(t.core.identity.authenticate(a.token)), identityError('unauthenticated', 'the session does not exist or has ended: log in again'));
    const late = await t.core.identity.createSession({ kind: 'user', userId: dina.id, userName: 'dina', groupIds: [], sessionId: null }, 'test');
    assert.deepEqual(await refusal(t.core.identity.authenticate(late.token)), identityError('unauthenticated', 'the session’s user no longer exists or is disabled'));
    assert.deepEqual(await refusal(t.core.identity.authenticate(b.token)), identityError('unauthenticated', 'the session does not exist or has ended: log in again'));
  });

  it('a clock stepped back: the new session is never the one the cap ends', async () => {
    await t.user('eli', null);
    clock.advance(1000);
    const first = await t.core.identity.login('eli', 'eli-password-1', 'test');
    clock.advance(10_000);
    const second = await t.core.identity.login('eli', 'eli-password-1', 'test');
    clock.advance(-20_000); // the new session's last use is now the oldest of the three
    const third = await t.core.identity.login('eli', 'eli-password-1', 'test');
    clock.advance(20_000);
    assert.deepEqual(await refusal(t.core.identity.authenticate(first.token)), identityError('unauthenticated', 'the session does not exist or has ended: log in again'));
    assert.equal((await t.core.identity.authenticate(second.token)).caller.userName, 'eli');
    assert.equal((await t.core.identity.authenticate(third.token)).caller.userName, 'eli');
  });

  it('the throttle window is lockoutSeconds: a failure is remembered 599.999 s, forgotten at 600 s', async () => {
    await refusal(t.core.identity.login('nobody', 'whatever-1', 'test', {}, '198.51.100.7'));
    assert.equal(t.core.identity.logins.sourceFailures('198.51.100.7'), 1);
    clock.advance(599_999);
    assert.equal(t.core.identity.logins.sourceFailures('198.51.100.7'), 1);
    clock.advance(1);
    assert.equal(t.core.identity.logins.sourceFailures('198.51.100.7'), 0);
  });

  it('unlocking on the store (vmgate user unlock): an unknown account is not found', async () => {
    assert.deepEqual(await refusal(unlockAccount(t.core.ctx.store, 'ghost')), identityError('not_found', "user 'ghost' was not found"));
  });
});

describe('login: an attempt over the per-source cap', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore({ config: { loginDelayMs: 0, loginQueuePerSource: 1, maxFailedLogins: 5 } });
    await t.user('fay', null);
  });
  after(async () => t.close());

  it('on an unknown account: throttled like any other attempt, with the same refusal', async () => {
    const results = await Promise.allSettled([t.core.identity.login('nobody', 'whatever-1', 'test', {}, '203.0.113.9'), t.core.identity.login('nobody', 'whatever-2', 'test', {}, '203.0.113.9')]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' && r.reason instanceof VmgateError ? r.reason.toJSON() : r.status)),
      [identityError('unauthenticated', 'invalid user name or password'), identityError('unauthenticated', 'too many logins in progress from 203.0.113.9: try again later', 'login_throttled')],
    );
  });

  it('on a known account: the throttled attempt counts as a failed login of the account', async () => {
    const results = await Promise.allSettled([t.core.identity.login('fay', 'wrong-pass-1', 'test', {}, '203.0.113.10'), t.core.identity.login('fay', 'wrong-pass-2', 'test', {}, '203.0.113.10')]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' && r.reason instanceof VmgateError ? r.reason.toJSON() : r.status)),
      [identityError('unauthenticated', 'invalid user name or password'), identityError('unauthenticated', 'too many logins in progress from 203.0.113.10: try again later', 'login_throttled')],
    );
    assert.equal((await t.core.identity.resolveUser('fay')).failedLogins, 2);
  });
});

describe('local login tickets: refusals in full, at most 1,024 open', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-05-02T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock });
    await t.user('gil', null);
  });
  after(async () => t.close());

  it('unknown user, used ticket, disabled user, expired password: kind, module, reason, message', async () => {
    assert.deepEqual(await refusal(t.core.identity.issueLocalTicket('nobody')), identityError('unauthenticated', "no enabled vmgate user 'nobody' for a local login"));
    const used = await t.core.identity.issueLocalTicket('gil');
    await t.core.identity.loginWithLocalTicket(used.ticket, 'authd');
    assert.deepEqual(await refusal(t.core.identity.loginWithLocalTicket(used.ticket, 'authd')), identityError('unauthenticated', 'the local login ticket is unknown, used or expired'));
    const off = await t.core.identity.issueLocalTicket('gil');
    await t.core.identity.updateUser(t.admin, 'gil', { disabled: true });
    assert.deepEqual(await refusal(t.core.identity.loginWithLocalTicket(off.ticket, 'authd')), identityError('unauthenticated', 'the user of the local login ticket is gone or disabled'));
    assert.deepEqual(await refusal(t.core.identity.issueLocalTicket('gil')), identityError('unauthenticated', "no enabled vmgate user 'gil' for a local login"));
    await t.core.identity.updateUser(t.admin, 'gil', { disabled: false });
    const must = await t.core.identity.issueLocalTicket('gil');
    await t.core.identity.updateUser(t.admin, 'gil', { mustChangePassword: true });
    assert.deepEqual(
      await refusal(t.core.identity.loginWithLocalTicket(must.ticket, 'authd')),
      identityError('unauthenticated', "the password of 'gil' has expired: it must be changed before the account can log in", 'password_expired'),
    );
    await t.core.identity.updateUser(t.admin, 'gil', { mustChangePassword: false });
  });

  it('1,024 open tickets: the next is refused until a minute has passed', async () => {
    clock.advance(60_001); // the tickets of the test before are past their minute
    const first = await t.core.identity.issueLocalTicket('gil');
    for (let i = 1; i < 1024; i++) await t.core.identity.issueLocalTicket('gil');
    assert.deepEqual(await refusal(t.core.identity.issueLocalTicket('gil')), identityError('unauthenticated', 'too many local login tickets are open; try again in a minute'));
    clock.advance(60_001);
    const next = await t.core.identity.issueLocalTicket('gil');
    assert.equal((await t.core.identity.loginWithLocalTicket(next.ticket, 'authd')).caller.userName, 'gil');
    assert.deepEqual(await refusal(t.core.identity.loginWithLocalTicket(first.ticket, 'authd')), identityError('unauthenticated', 'the local login ticket is unknown, used or expired'));
  });
});

describe('one-time tickets, hash pool, per-key queue: bounds (units)', () => {
  it('a ticket is still good at its expiry instant, even when a new ticket is issued then', () => {
    const clock = new ManualClock('2026-05-03T00:00:00.000Z');
    const tickets = new OneTimeTickets<string>(clock, 1000, 10);
    const a = tickets.issue('a')!;
    clock.advance(1000);
    assert.ok(tickets.issue('b'));
    assert.deepEqual(tickets.take(a.ticket), { value: 'a' });
  });

  it('hash pool: one source runs runningPerSource jobs at once, and may queue again once its jobs are done', async () => {
    const pool = new HashPool(() => ({ concurrency: 4, runningPerSource: 2, perSource: 2, total: 100 }));
    for (let round = 0; round < 3; round++) {
      const gates: (() => void)[] = [];
      const jobs = [0, 1].map(() => pool.run('192.0.2.20', () => new Promise<void>((r) => gates.push(r))));
      await Promise.resolve();
      assert.deepEqual(pool.load, { running: 2, queued: 0 }, `round ${round}: both run at once`);
      await assert.rejects(pool.run('192.0.2.20', async () => undefined), (e: unknown) => {
        assert.ok(e instanceof VmgateError);
        assert.deepEqual(e.toJSON(), identityError('unauthenticated', 'too many logins in progress from 192.0.2.20: try again later', 'login_throttled'));
        return true;
      });
      for (const g of gates) g();
      await Promise.all(jobs);
      assert.deepEqual(pool.load, { running: 0, queued: 0 });
    }
  });

  it('hash pool and per-key queue keep nothing for a source or key once its work is done', async () => {
    const pool = new HashPool(() => ({ concurrency: 1, runningPerSource: 1, perSource: 4, total: 100 }));
    await Promise.all(['a', 'b', 'c', 'a', 'b'].map((s) => pool.run(s, async () => s)));
    const state = pool as unknown as { queues: Map<string, unknown>; held: Map<string, unknown>; runningBy: Map<string, unknown>; lastServed: Map<string, unknown> };
    assert.deepEqual([state.queues.size, state.held.size, state.runningBy.size, state.lastServed.size], [0, 0, 0, 0]);

    const mutex = new KeyedMutex();
    const order: string[] = [];
    await Promise.all(
      ['k1', 'k1', 'k2'].map((k, i) =>
        mutex.run(k, async () => {
          order.push(`${k}:${i}`);
          await Promise.resolve();
        }),
      ),
    );
    assert.deepEqual(order, ['k1:0', 'k2:2', 'k1:1']);
    assert.equal((mutex as unknown as { tails: Map<string, unknown> }).tails.size, 0);

    const th = new SourceThrottle(() => ({ windowMs: 1000, delayAfterFailures: 1, delayMs: 10, delayMaxMs: 100, inFlightPerSource: 2 }));
    th.enter('192.0.2.30')();
    assert.equal((th as unknown as { sources: Map<string, unknown> }).sources.size, 0);
  });
});

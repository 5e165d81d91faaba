/**
 * Login hardening (issue 8, items 1, 2, 3, 11, 12, 14): parallel guesses counted, locks
 * keyed to the source that failed, throttling per source, the hash pool's fairness, the
 * current password for one's own change, the session cap, case-insensitive names.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { unlockAccount } from '../../src/core/identity.ts';
import { HashPool } from '../../src/core/identity/hash-pool.ts';
import { KeyedMutex, normaliseSource, SourceThrottle } from '../../src/core/identity/throttle.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

/** What an attempt ended with: 'ok', or the error's reason, or 'invalid' for a plain wrong password. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof VmgateError, String(e));
    if (e.reason) return e.reason;
    assert.equal(e.kind, 'unauthenticated', e.message);
    return e.message === 'invalid user name or password' ? 'invalid' : e.message;
  }
}

function tally(results: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of results) t[r] = (t[r] ?? 0) + 1;
  return t;
}

describe('login: parallel guesses, locks per source', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { maxFailedLogins: 3, lockoutSeconds: 600, loginDelayMs: 0, loginQueuePerSource: 100 } });
  });
  after(async () => t.close());

  it('100 parallel wrong passwords: 3 checked, the lock at the 3rd, all 100 counted; the right one is then refused from that address', async () => {
    await t.user('victim', 'read-only');
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => outcome(t.core.identity.login('victim', `wrong-password-${i}`, 'test', {}, '127.0.0.2'))));
    assert.deepEqual(tally(results), { invalid: 2, account_locked: 98 });
    const u = await t.core.identity.resolveUser('victim');
    assert.equal(u.failedLogins, 100, 'every attempt counted');
    assert.equal(u.lockedUntil, '2026-03-01T00:10:00.000Z');
    assert.deepEqual(await t.core.ctx.store.loginFailures.get(u.id, '127.0.0.2'), {
      userId: u.id,
      source: '127.0.0.2',
      failures: 3,
      lockedUntil: '2026-03-01T00:10:00.000Z',
      lastFailureAt: '2026-03-01T00:00:00.000Z',
    });
    assert.equal(await outcome(t.core.identity.login('victim', 'victim-password-1', 'test', {}, '127.0.0.2')), 'account_locked');
    assert.equal(await outcome(t.core.identity.login('victim', 'victim-password-1', 'test', {}, '::ffff:127.0.0.2')), 'account_locked', 'the IPv4-mapped form is the same address');
    // Elsewhere the owner logs in, and that does not lift the attacker's lock.
    assert.equal(await outcome(t.core.identity.login('victim', 'victim-password-1', 'test', {}, '127.0.0.3')), 'ok');
    assert.equal(await outcome(t.core.identity.login('victim', 'victim-password-1', 'test', {}, '127.0.0.2')), 'account_locked');
    const events = await t.core.events.list(t.admin, u.id, 20);
    assert.equal(events.filter((e) => e.type === 'user.lockedOut').length, 1);
    assert.match(events.find((e) => e.type === 'user.lockedOut')!.message, /locked for logins from 127\.0\.0\.2 until 2026-03-01T00:10:00\.000Z after 3 failed logins/);
  });

  it('a flood against administrator from 127.0.0.2 does not stop administrator logging in from 127.0.0.3', async () => {
    const flood = await Promise.all(Array.from({ length: 50 }, (_, i) => outcome(t.core.identity.verifyCredentials('administrator', `guess-${i}`, '127.0.0.2'))));
    assert.deepEqual(tally(flood), { invalid: 2, account_locked: 48 });
    const caller = await t.core.identity.verifyCredentials('Administrator', 'administrator-password-1', '127.0.0.3');
    assert.equal(caller.userName, 'administrator');
  });

  it('the lock ends after lockoutSeconds; a success forgets that source’s failures', async () => {
    await t.user('waiter', 'read-only');
    for (let i = 0; i < 3; i++) await outcome(t.core.identity.login('waiter', `nope-${i}-xx`, 'test', {}, '10.0.0.9'));
    assert.equal(await outcome(t.core.identity.login('waiter', 'waiter-password-1', 'test', {}, '10.0.0.9')), 'account_locked');
    clock.advance(599_000);
    assert.equal(await outcome(t.core.identity.login('waiter', 'waiter-password-1', 'test', {}, '10.0.0.9')), 'account_locked');
    clock.advance(1_000);
    assert.equal(await outcome(t.core.identity.login('waiter', 'waiter-password-1', 'test', {}, '10.0.0.9')), 'ok');
    const u = await t.core.identity.resolveUser('waiter');
    assert.equal(await t.core.ctx.store.loginFailures.get(u.id, '10.0.0.9'), undefined);
    assert.equal(u.failedLogins, 0);
    // Two failures, a success, two failures: never three in a row, never locked.
    for (const pw of ['bad-1-xxxx', 'bad-2-xxxx', 'waiter-password-1', 'bad-3-xxxx', 'bad-4-xxxx']) await outcome(t.core.identity.login('waiter', pw, 'test', {}, '10.0.0.9'));
    assert.equal(await outcome(t.core.identity.login('waiter', 'waiter-password-1', 'test', {}, '10.0.0.9')), 'ok');
  });

  it('unlock (administrator, or unlockAccount on the store) lifts the locks of every source', async () => {
    await t.user('twice', 'read-only');
    for (const src of ['10.1.0.1', '10.1.0.2']) for (let i = 0; i < 3; i++) await outcome(t.core.identity.login('twice', `bad-pass-${i}`, 'test', {}, src));
    const u = await t.core.identity.resolveUser('twice');
    assert.deepEqual((await t.core.ctx.store.loginFailures.listForUser(u.id)).map((r) => [r.source, r.failures]), [['10.1.0.1', 3], ['10.1.0.2', 3]]);
    await t.core.identity.unlockUser(t.admin, 'twice');
    assert.deepEqual(await t.core.ctx.store.loginFailures.listForUser(u.id), []);
    assert.equal(await outcome(t.core.identity.login('twice', 'twice-password-1', 'test', {}, '10.1.0.1')), 'ok');
    for (let i = 0; i < 3; i++) await outcome(t.core.identity.login('twice', `bad-pass-${i}`, 'test', {}, '10.1.0.2'));
    const unlocked = await unlockAccount(t.core.ctx.store, 'TWICE');
    assert.deepEqual([unlocked.failedLogins, unlocked.lockedUntil], [0, null]);
    assert.equal(await outcome(t.core.identity.login('twice', 'twice-password-1', 'test', {}, '10.1.0.2')), 'ok');
  });

  it('unknown users: the same answer as a wrong password, and they count against the source', async () => {
    const before = t.core.identity.logins.sourceFailures('10.2.0.1');
    assert.equal(before, 0);
    assert.equal(await outcome(t.core.identity.login('no-such-user', 'whatever-pw', 'test', {}, '10.2.0.1')), 'invalid');
    assert.equal(await outcome(t.core.identity.login('waiter', 'whatever-pw', 'test', {}, '10.2.0.1')), 'invalid');
    assert.equal(t.core.identity.logins.sourceFailures('10.2.0.1'), 2);
  });
});

describe('login: the per-source cap refuses at once and still counts', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore({ config: { maxFailedLogins: 3, loginDelayMs: 0, loginQueuePerSource: 8 } });
  });
  after(async () => t.close());

  it('100 parallel wrong passwords with 8 admitted: 92 throttled, 2 wrong, 6 locked; 100 counted', async () => {
    await t.user('capped', 'read-only');
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => outcome(t.core.identity.verifyCredentials('capped', `wrong-password-${i}`, '127.0.0.2'))));
    assert.deepEqual(tally(results), { login_throttled: 92, invalid: 2, account_locked: 6 });
    assert.equal((await t.core.identity.resolveUser('capped')).failedLogins, 100);
    assert.equal(await outcome(t.core.identity.verifyCredentials('capped', 'capped-password-1', '127.0.0.2')), 'account_locked');
    assert.equal(await outcome(t.core.identity.verifyCredentials('capped', 'capped-password-1', '127.0.0.3')), 'ok');
  });
});

describe('login throttle and hash pool (units)', () => {
  it('progressive delays per source: none before the threshold, doubling after, capped; gone after the window', () => {
    const th = new SourceThrottle(() => ({ windowMs: 60_000, delayAfterFailures: 2, delayMs: 100, delayMaxMs: 1000, inFlightPerSource: 2 }));
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      seen.push(th.delayMs('a', 1000));
      th.failed('a', 1000);
    }
    assert.deepEqual(seen, [0, 0, 100, 200, 400, 800, 1000, 1000]);
    assert.equal(th.delayMs('b', 1000), 0, 'another source is not slowed');
    assert.equal(th.delayMs('a', 61_000), 0, 'after the window');
    assert.equal(th.failures('a', 1000), 8);
  });

  it('in-flight cap per source', () => {
    const th = new SourceThrottle(() => ({ windowMs: 60_000, delayAfterFailures: 2, delayMs: 100, delayMaxMs: 1000, inFlightPerSource: 2 }));
    const l1 = th.enter('a');
    th.enter('a');
    assert.throws(() => th.enter('a'), (e: unknown) => e instanceof VmgateError && e.reason === 'login_throttled');
    th.enter('b');
    l1();
    l1(); // twice is once
    th.enter('a');
    assert.throws(() => th.enter('a'), (e: unknown) => e instanceof VmgateError && e.reason === 'login_throttled');
  });

  it('sources: IPv4-mapped addresses unwrapped, none is "local"', () => {
    assert.equal(normaliseSource('::ffff:127.0.0.2'), '127.0.0.2');
    assert.equal(normaliseSource('::1'), '::1');
    assert.equal(normaliseSource(undefined), 'local');
    assert.equal(normaliseSource(''), 'local');
  });

  it('hash pool: bounded concurrency, the source served longest ago first, per-source and total limits', async () => {
    const pool = new HashPool(() => ({ concurrency: 1, runningPerSource: 1, perSource: 3, total: 4 }));
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) => () =>
      new Promise<string>((res) => {
        order.push(name);
        gates.set(name, () => res(name));
      });
    const a1 = pool.run('A', job('A1'));
    const a2 = pool.run('A', job('A2'));
    const a3 = pool.run('A', job('A3'));
    await assert.rejects(pool.run('A', job('A4')), (e: unknown) => e instanceof VmgateError && e.reason === 'login_throttled');
    const b1 = pool.run('B', job('B1'));
    const c1 = pool.run('C', job('C1'));
    assert.deepEqual(pool.load, { running: 1, queued: 4 });
    await assert.rejects(pool.run('D', job('D1')), (e: unknown) => e instanceof VmgateError && e.reason === 'login_throttled', 'the total queue is full');
    // Lets the job that started last finish (after the pool has handed its slot on).
    const finishLatest = async () => {
      await new Promise((r) => setImmediate(r));
      gates.get(order.at(-1)!)!();
    };
    for (let i = 0; i < 5; i++) await finishLatest();
    await a1;
    assert.deepEqual(await Promise.all([a2, a3, b1, c1]), ['A2', 'A3', 'B1', 'C1']);
    assert.deepEqual(order, ['A1', 'B1', 'C1', 'A2', 'A3'], 'B and C, never served, go before A’s second job');
    assert.deepEqual(pool.load, { running: 0, queued: 0 });
  });

  it('hash pool: one source runs at most runningPerSource jobs; the free slot is another source’s', async () => {
    const pool = new HashPool(() => ({ concurrency: 2, runningPerSource: 1, perSource: 8, total: 16 }));
    const started: string[] = [];
    const gates: (() => void)[] = [];
    const job = (name: string) => () =>
      new Promise<void>((res) => {
        started.push(name);
        gates.push(res);
      });
    const runs = [pool.run('A', job('A1')), pool.run('A', job('A2')), pool.run('A', job('A3'))];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['A1'], 'A waits though a slot is free');
    assert.deepEqual(pool.load, { running: 1, queued: 2 });
    runs.push(pool.run('B', job('B1')));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['A1', 'B1'], 'B starts at once');
    gates[0]!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, ['A1', 'B1', 'A2']);
    for (let i = 1; i < 4; i++) {
      gates[i]!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(runs);
    assert.deepEqual(started, ['A1', 'B1', 'A2', 'A3']);
    assert.deepEqual(pool.load, { running: 0, queued: 0 });
  });

  it('hash pool: a source that keeps queueing never gets ahead of one that waits; each source keeps its own order', async () => {
    const pool = new HashPool(() => ({ concurrency: 1, runningPerSource: 1, perSource: 10, total: 100 }));
    const started: string[] = [];
    const gates: (() => void)[] = [];
    const job = (name: string) => () =>
      new Promise<void>((res) => {
        started.push(name);
        gates.push(res);
      });
    const runs: Promise<void>[] = [];
    for (let i = 1; i <= 4; i++) runs.push(pool.run('flood', job(`F${i}`)));
    runs.push(pool.run('alice', job('A1')));
    // The flood queues more while its first runs, then bob arrives, then the flood again.
    for (let i = 5; i <= 6; i++) runs.push(pool.run('flood', job(`F${i}`)));
    runs.push(pool.run('bob', job('B1')), pool.run('alice', job('A2')));
    runs.push(pool.run('flood', job('F7')));
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setImmediate(r));
      gates[i]!();
    }
    await Promise.all(runs);
    assert.deepEqual(started, ['F1', 'A1', 'B1', 'F2', 'A2', 'F3', 'F4', 'F5', 'F6', 'F7']);
    assert.deepEqual(pool.load, { running: 0, queued: 0 });
  });

  it('logins: another address’s login is hashed next, ahead of every queued hash of a flood', async () => {
    const f = await createTestCore({ config: { loginDelayMs: 0, loginHashConcurrency: 1, loginQueuePerSource: 50 } });
    try {
      await f.user('owner', 'read-only');
      // Records the order in which hashes get a slot (the pool itself unchanged).
      const pool = f.core.identity.hashPool;
      const run = pool.run.bind(pool);
      const hashed: string[] = [];
      pool.run = (source, work) => run(source, () => (hashed.push(source), work()));
      const flood = Array.from({ length: 20 }, (_, i) => outcome(f.core.identity.verifyCredentials(`nobody-${i}`, `guess-${i}`, '10.66.0.2')));
      while (pool.load.queued < 19) await new Promise((r) => setImmediate(r));
      assert.deepEqual(pool.load, { running: 1, queued: 19 }, 'one flood hash runs, 19 wait');
      const owner = f.core.identity.verifyCredentials('owner', 'owner-password-1', '10.66.0.3');
      assert.equal((await owner).userName, 'owner');
      assert.deepEqual(hashed.slice(0, 2), ['10.66.0.2', '10.66.0.3'], 'the owner’s hash came right after the one running');
      assert.deepEqual(tally(await Promise.all(flood)), { invalid: 20 });
      assert.deepEqual(hashed.slice(2), Array(19).fill('10.66.0.2'));
    } finally {
      await f.close();
    }
  });

  it('keyed mutex: one key at a time, other keys free', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    let openX!: () => void;
    const x1 = m.run('x', async () => {
      log.push('x1 start');
      await new Promise<void>((r) => (openX = r));
      log.push('x1 end');
    });
    const x2 = m.run('x', async () => {
      log.push('x2');
    });
    await m.run('y', async () => {
      log.push('y');
    });
    openX();
    await Promise.all([x1, x2]);
    assert.deepEqual(log, ['x1 start', 'y', 'x1 end', 'x2']);
  });
});

describe('passwords, sessions, names', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-04-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { maxFailedLogins: 3, maxSessionsPerUser: 3, loginDelayMs: 0 } });
  });
  after(async () => t.close());

  it('changing one’s own password needs the current one; a wrong one counts as a failed login', async () => {
    const me = await t.user('selfie', 'read-only');
    await assert.rejects(t.core.identity.setPassword(me, 'selfie', 'new-password-1'), (e: unknown) => e instanceof VmgateError && e.kind === 'invalid_argument' && /current password/.test(e.message));
    await assert.rejects(
      t.core.identity.setPassword(me, 'selfie', 'new-password-1', { currentPassword: 'not-my-password', source: '10.3.0.1' }),
      (e: unknown) => e instanceof VmgateError && e.kind === 'unauthorized' && e.reason === 'wrong_current_password',
    );
    const u = await t.core.identity.resolveUser('selfie');
    assert.equal((await t.core.ctx.store.loginFailures.get(u.id, '10.3.0.1'))?.failures, 1);
    await t.core.identity.setPassword(me, 'selfie', 'new-password-1', { currentPassword: 'selfie-password-1', source: '10.3.0.1' });
    assert.equal(await outcome(t.core.identity.login('selfie', 'selfie-password-1', 'test')), 'invalid');
    assert.equal(await outcome(t.core.identity.login('selfie', 'new-password-1', 'test')), 'ok');
    assert.deepEqual(await t.core.ctx.store.loginFailures.listForUser(u.id), [], 'a new password forgets old failures');
  });

  it('an administrator resets someone else’s password without theirs, but not their own', async () => {
    await t.core.identity.setPassword(t.admin, 'selfie', 'reset-password-1');
    assert.equal(await outcome(t.core.identity.login('selfie', 'reset-password-1', 'test')), 'ok');
    await assert.rejects(t.core.identity.setPassword(t.admin, 'administrator', 'admin-password-2'), (e: unknown) => e instanceof VmgateError && e.kind === 'invalid_argument');
    await t.core.identity.setPassword(t.admin, 'administrator', 'admin-password-2', { currentPassword: 'administrator-password-1' });
    assert.equal(await outcome(t.core.identity.login('administrator', 'admin-password-2', 'test')), 'ok');
  });

  it('sessions capped per user: a new one beyond the cap ends the one idle longest', async () => {
    await t.user('busy', 'read-only'); // the harness logs in once: session 0
    const s: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      s.push((await t.core.identity.login('busy', 'busy-password-1', 'test')).token);
    }
    // Cap 3: the harness's session went when the third of these was made.
    const u = await t.core.identity.resolveUser('busy');
    assert.equal((await t.core.ctx.store.sessions.listForUser(u.id)).length, 3);
    clock.advance(6000);
    await t.core.identity.authenticate(s[0]!); // s[0] is now the most recently used
    clock.advance(1000);
    const fourth = (await t.core.identity.login('busy', 'busy-password-1', 'test')).token;
    assert.equal(await outcome(t.core.identity.authenticate(s[1]!)), 'the session does not exist or has ended: log in again', 's[1] was idle longest');
    for (const tok of [s[0]!, s[2]!, fourth]) assert.equal((await t.core.identity.authenticate(tok)).caller.userName, 'busy');
  });

  it('user names are case-insensitive: one account, found and logged in whatever the case', async () => {
    const { user } = await t.core.identity.createUser(t.admin, { name: 'MixedCase', password: 'mixed-password-1' });
    assert.equal(user.name, 'MixedCase');
    await assert.rejects(t.core.identity.createUser(t.admin, { name: 'mixedcase', password: 'mixed-password-1' }), (e: unknown) => e instanceof VmgateError && e.kind === 'already_exists');
    assert.equal((await t.core.identity.resolveUser('MIXEDCASE')).id, user.id);
    assert.equal((await t.core.identity.resolvePrincipal('user:mixedCASE@vsphere.local')), `user:${user.id}`);
    const r = await t.core.identity.login('mixedcase', 'mixed-password-1', 'test');
    assert.equal(r.caller.userName, 'MixedCase');
  });
});

/**
 * The lock's record and the failures' lifetime: a lock is recorded as a warning event and
 * refused with its module and reason; pruning forgets failure rows whose window is over and
 * keeps those still in it (so the next failure still locks); the throttle does not slow an
 * address that has never failed; one (account, source) queue never runs two attempts at
 * once, however the queue empties and fills. Fake clock, expected values by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { KeyedMutex, SourceThrottle } from '../../src/core/identity/throttle.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

async function refusal(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VmgateError, String(e));
    return e.toJSON();
  }
  assert.fail('expected a refusal');
}

describe('locks and pruning (fake clock)', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-07-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { maxFailedLogins: 3, lockoutSeconds: 100, loginDelayMs: 0 } });
    await t.user('yan', null);
  });
  after(async () => t.close());

  it('the lock: a warning event, then every refusal with module and reason', async () => {
    for (const n of [1, 2]) await refusal(t.core.identity.login('yan', `wrong-pass-${n}`, 'test', {}, '192.0.2.60'));
    assert.deepEqual(await refusal(t.core.identity.login('yan', 'wrong-pass-3', 'test', {}, '192.0.2.60')), {
      kind: 'unauthenticated',
      module: 'core.identity',
      message: "account 'yan' is now locked for logins from 192.0.2.60 after 3 failed logins",
      reason: 'account_locked',
    });
    assert.deepEqual(await refusal(t.core.identity.login('yan', 'yan-password-1', 'test', {}, '192.0.2.60')), {
      kind: 'unauthenticated',
      module: 'core.identity',
      message: "account 'yan' is locked for logins from 192.0.2.60 until 2026-07-01T00:01:40.000Z after 3 failed logins",
      reason: 'account_locked',
    });
    const yan = await t.core.identity.resolveUser('yan');
    const events = (await t.core.events.list(t.admin, yan.id, 1)).map((e) => [e.type, e.severity, e.message]);
    assert.deepEqual(events, [['user.lockedOut', 'warning', "account 'yan' locked for logins from 192.0.2.60 until 2026-07-01T00:01:40.000Z after 3 failed logins"]]);
    clock.advance(100_000);
    assert.equal((await t.core.identity.login('yan', 'yan-password-1', 'test', {}, '192.0.2.60')).caller.userName, 'yan');
  });

  it('pruning forgets the failures whose window is over and keeps the others: the next failure still locks', async () => {
    const store = t.core.ctx.store;
    const yan = await t.core.identity.resolveUser('yan');
    await refusal(t.core.identity.login('yan', 'wrong-pass-1', 'test', {}, '192.0.2.61'));
    clock.advance(100_001);
    for (const n of [1, 2]) await refusal(t.core.identity.login('yan', `wrong-pass-${n}`, 'test', {}, '192.0.2.62'));
    clock.advance(1000);
    await t.core.identity.pruneSessions();
    assert.equal(await store.loginFailures.get(yan.id, '192.0.2.61'), undefined, 'its window is over');
    assert.notEqual(await store.loginFailures.get(yan.id, '192.0.2.62'), undefined, 'still in its window');
    assert.deepEqual(await refusal(t.core.identity.login('yan', 'wrong-pass-3', 'test', {}, '192.0.2.62')), {
      kind: 'unauthenticated',
      module: 'core.identity',
      message: "account 'yan' is now locked for logins from 192.0.2.62 after 3 failed logins",
      reason: 'account_locked',
    });
  });
});

describe('throttle and per-key queue (units)', () => {
  it('an address that has never failed is not slowed, even with delays from the first failure on', () => {
    const th = new SourceThrottle(() => ({ windowMs: 1000, delayAfterFailures: 0, delayMs: 10, delayMaxMs: 100, inFlightPerSource: 4 }));
    const leave = th.enter('192.0.2.63');
    assert.equal(th.delayMs('192.0.2.63', 0), 0);
    assert.equal(th.delayMs('192.0.2.63', 5000), 0);
    th.failed('192.0.2.63', 5000);
    assert.equal(th.delayMs('192.0.2.63', 5000), 20);
    leave();
  });

  it('one key: never two at once, also when the queue empties behind a finished holder and fills again', async () => {
    const m = new KeyedMutex();
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const job = (name: string) =>
      m.run('k', async () => {
        running++;
        most = Math.max(most, running);
        order.push(`${name} starts`);
        await new Promise<void>((r) => gates.set(name, r));
        order.push(`${name} ends`);
        running--;
      });
    const tick = async () => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
    };
    const a = job('a');
    await tick();
    const b = job('b');
    const c = job('c');
    await tick();
    gates.get('a')!();
    await a;
    await tick();
    const d = job('d'); // arrives while b runs and c waits
    await tick();
    gates.get('b')!();
    await b;
    await tick();
    gates.get('c')!();
    await c;
    await tick();
    gates.get('d')!();
    await d;
    assert.equal(most, 1);
    assert.deepEqual(order, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends', 'd starts', 'd ends']);
  });
});

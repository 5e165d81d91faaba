/**
 * core.live: subscriptions end with their session (logout, idle expiry seen by check()),
 * need a session to begin with, and leave no listener on the bus once closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import type { LiveUpdate } from '../../src/core/live.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

describe('core.live subscriptions', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-12-07T19:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock });
  });
  after(async () => t.close());

  it('needs a session: a caller without one (or the system) is unauthenticated', async () => {
    await assert.rejects(t.core.live.subscribe({ ...t.admin, sessionId: null }, () => {}), (e: unknown) => e instanceof VmgateError && e.kind === 'unauthenticated');
    await assert.rejects(t.core.live.subscribe(SYSTEM_CALLER, () => {}), (e: unknown) => e instanceof VmgateError && e.kind === 'unauthenticated');
  });

  it('delivers what the caller may see, in order, and ends when the session is logged out', async () => {
    const base = t.core.live.listenerCount();
    const seen: LiveUpdate[] = [];
    const sub = await t.core.live.subscribe(t.admin, (u) => seen.push(u));
    assert.equal(t.core.live.listenerCount(), base + 5);
    await t.core.events.record('root', 'test.one', 'first');
    await t.core.events.record('root', 'test.two', 'second');
    await t.core.identity.logout(t.admin);
    assert.equal(await sub.ended, 'logout');
    assert.deepEqual(seen.map((u) => (u.type === 'event' ? u.event.type : u.type)), ['test.one', 'test.two']);
    assert.equal(t.core.live.listenerCount(), base);
  });

  it('check() ends a subscription whose session has gone idle past its limit, without refreshing it', async () => {
    const caller = await t.user('idler', 'read-only');
    const base = t.core.live.listenerCount();
    const sub = await t.core.live.subscribe(caller, () => {});
    clock.advance(29 * 60_000);
    assert.equal(await sub.check(), true);
    clock.advance(2 * 60_000);
    assert.equal(await sub.check(), false, 'the check itself did not count as a use');
    assert.equal(await sub.ended, 'expired');
    assert.equal(t.core.live.listenerCount(), base);
    await assert.rejects(t.core.identity.getSession(caller), (e: unknown) => e instanceof VmgateError && e.kind === 'unauthenticated');
  });

  it('close() removes its listeners; nothing is delivered after it', async () => {
    const caller = await t.user('closer', 'read-only');
    const base = t.core.live.listenerCount();
    const seen: LiveUpdate[] = [];
    const sub = await t.core.live.subscribe(caller, (u) => seen.push(u));
    sub.close();
    assert.equal(await sub.ended, 'closed');
    await t.core.events.record('root', 'test.after', 'after close');
    assert.deepEqual(seen, []);
    assert.equal(t.core.live.listenerCount(), base);
  });
});

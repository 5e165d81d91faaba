/** OneTimeTickets (core): once, within the time to live, at most `max` outstanding. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { OneTimeTickets } from '../../src/core/one-time-tickets.ts';

describe('OneTimeTickets', () => {
  it('a ticket gives its value once; an unknown one is unknown', () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const t = new OneTimeTickets<string>(clock, 60_000, 10);
    const a = t.issue('vm-1')!;
    assert.match(a.ticket, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(a.expiresAt.toISOString(), '2026-03-01T10:01:00.000Z');
    assert.deepEqual(t.take(a.ticket), { value: 'vm-1' });
    assert.equal(t.take(a.ticket), 'unknown');
    assert.equal(t.take('never-issued'), 'unknown');
  });

  it('expires after its time to live (still used up), and at most max are outstanding until some expire', () => {
    const clock = new ManualClock('2026-03-01T10:00:00.000Z');
    const t = new OneTimeTickets<number>(clock, 1_000, 2);
    const a = t.issue(1)!;
    assert.ok(t.issue(2));
    assert.equal(t.issue(3), null, 'two outstanding: the third is refused');
    clock.advance(1_000);
    assert.deepEqual(t.take(a.ticket), { value: 1 }, 'good up to and including its last millisecond');
    const b = t.issue(4)!;
    clock.advance(1_001);
    assert.equal(t.take(b.ticket), 'expired');
    assert.equal(t.take(b.ticket), 'unknown', 'an expired ticket is used up too');
    assert.ok(t.issue(5), 'expired tickets no longer count');
    assert.ok(t.issue(6));
  });
});

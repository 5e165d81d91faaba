/** One-time local login tickets (core.identity): once, within a minute, for an enabled user only. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

describe('core.identity local login tickets', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock });
    await t.user('alice', 'read-only');
  });
  after(async () => t.close());

  it('a ticket logs its user in once, with a session of the face', async () => {
    const { ticket, expiresAt } = await t.core.identity.issueLocalTicket('alice');
    assert.match(ticket, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(expiresAt, '2026-03-01T10:01:00.000Z');
    const r = await t.core.identity.loginWithLocalTicket(ticket, 'authd', { remoteAddress: '127.0.0.1' });
    assert.equal(r.caller.userName, 'alice');
    assert.equal(r.session.face, 'authd');
    assert.deepEqual(r.session.data, { remoteAddress: '127.0.0.1', localTicket: true });
    await assert.rejects(t.core.identity.loginWithLocalTicket(ticket, 'authd'), { kind: 'unauthenticated', message: 'the local login ticket is unknown, used or expired' });
  });

  it('expires after a minute', async () => {
    const { ticket } = await t.core.identity.issueLocalTicket('alice');
    clock.advance(60_001);
    await assert.rejects(t.core.identity.loginWithLocalTicket(ticket, 'authd'), { kind: 'unauthenticated' });
  });

  it('is refused for an unknown or disabled user, and fails if its user is disabled before use', async () => {
    await assert.rejects(t.core.identity.issueLocalTicket('nobody-here'), { kind: 'unauthenticated', message: "no enabled vmgate user 'nobody-here' for a local login" });
    const { ticket } = await t.core.identity.issueLocalTicket('alice');
    const alice = await t.core.identity.resolveUser('alice');
    await t.core.identity.updateUser(t.admin, alice.id, { disabled: true });
    await assert.rejects(t.core.identity.loginWithLocalTicket(ticket, 'authd'), { kind: 'unauthenticated', message: 'the user of the local login ticket is gone or disabled' });
    await assert.rejects(t.core.identity.issueLocalTicket('alice'), { kind: 'unauthenticated' });
  });

  it('is refused while the user must change an expired password', async () => {
    await t.user('bob', 'read-only');
    const bob = await t.core.identity.resolveUser('bob');
    const { ticket } = await t.core.identity.issueLocalTicket('bob');
    await t.core.identity.updateUser(t.admin, bob.id, { mustChangePassword: true });
    await assert.rejects(t.core.identity.loginWithLocalTicket(ticket, 'authd'), { kind: 'unauthenticated', reason: 'password_expired', message: "the password of 'bob' has expired: it must be changed before the account can log in" });
    await t.core.identity.updateUser(t.admin, bob.id, { mustChangePassword: false });
    const again = await t.core.identity.issueLocalTicket('bob');
    assert.equal((await t.core.identity.loginWithLocalTicket(again.ticket, 'authd')).caller.userName, 'bob');
  });
});

/**
 * core.identity, the facade the faces call: every method once, with its effect checked
 * (what it returns, what it changed), and the hash pool's limits derived from the
 * configuration. Expected values are written here by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

const kind = (k: string, message?: string) => (e: unknown) => {
  assert.ok(e instanceof VmgateError, String(e));
  assert.equal(e.kind, k, e.message);
  if (message !== undefined) assert.equal(e.message, message);
  return true;
};

describe('core.identity facade', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-05-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { sessionIdleSeconds: 100, sessionMaxSeconds: 1000, loginHashConcurrency: 4, loginQueuePerSource: 3 } });
  });
  after(async () => t.close());
  const id = () => t.core.identity;

  it('verifyCredentials: the caller for the right password, no session made; unauthenticated otherwise', async () => {
    await id().createUser(t.admin, { name: 'fac-vc', password: 'fac-vc-password' });
    const c = await id().verifyCredentials('fac-vc', 'fac-vc-password', '127.0.0.5');
    assert.deepEqual([c.kind, c.userName, c.sessionId, c.groupIds], ['user', 'fac-vc', null, []]);
    await assert.rejects(id().verifyCredentials('fac-vc', 'not-the-password', '127.0.0.5'), kind('unauthenticated', 'invalid user name or password'));
  });

  it('login and createSession: face, data (none is {}), idle and absolute limits from the configuration', async () => {
    await id().createUser(t.admin, { name: 'fac-login', password: 'fac-login-password' });
    const a = await id().login('fac-login', 'fac-login-password', 'vapi');
    assert.deepEqual([a.session.face, a.session.data, a.session.idleSeconds, a.session.createdAt, a.session.expiresAt], ['vapi', {}, 100, '2026-05-01T00:00:00.000Z', '2026-05-01T00:16:40.000Z']);
    const b = await id().login('fac-login', 'fac-login-password', 'view', { locale: 'de_DE' }, '127.0.0.6');
    assert.deepEqual(b.session.data, { locale: 'de_DE' });
    const c = await id().createSession(a.caller, 'rdv');
    assert.deepEqual([c.session.face, c.session.data, c.session.userName, c.caller.sessionId], ['rdv', {}, 'fac-login', c.session.id]);
    const d = await id().createSession(a.caller, 'rdv', { replyTo: 'x' });
    assert.deepEqual(d.session.data, { replyTo: 'x' });
    const auth = await id().authenticate(b.token);
    assert.deepEqual([auth.caller.userName, auth.session.id, auth.session.face], ['fac-login', b.session.id, 'view']);
    const updated = await id().updateSessionData(b.session.id, { token: 't1' });
    assert.deepEqual(updated.data, { locale: 'de_DE', token: 't1' });
    assert.deepEqual((await id().getSession(b.caller)).data, { locale: 'de_DE', token: 't1' });
    await id().logout(b.caller);
    await assert.rejects(id().authenticate(b.token), kind('unauthenticated'));
    assert.equal((await id().authenticate(a.token)).caller.userName, 'fac-login', 'the other session lives on');
  });

  it('pruneSessions: ends the expired sessions and says how many', async () => {
    await id().createUser(t.admin, { name: 'fac-prune', password: 'fac-prune-password' });
    await id().pruneSessions();
    const one = await id().login('fac-prune', 'fac-prune-password', 'test');
    const two = await id().login('fac-prune', 'fac-prune-password', 'test');
    clock.advance(50_000);
    await id().authenticate(two.token); // two stays fresh
    assert.equal(await id().pruneSessions(), 0);
    clock.advance(60_000); // one idle 110 s, two idle 60 s
    const ended = await id().pruneSessions();
    assert.ok(ended >= 1, `ended ${ended}`);
    await assert.rejects(id().authenticate(one.token), kind('unauthenticated'));
    assert.equal((await id().authenticate(two.token)).caller.userName, 'fac-prune');
  });

  it('users: list, get, resolve, create, set password, update, unlock, delete', async () => {
    const made = await id().createUser(t.admin, { name: 'fac-user', password: 'fac-user-password', fullName: 'Fac User' });
    assert.deepEqual([made.user.name, made.user.fullName, made.password], ['fac-user', 'Fac User', 'fac-user-password']);
    assert.ok((await id().listUsers(t.admin)).some((u) => u.name === 'fac-user'));
    assert.equal((await id().getUser(t.admin, 'fac-user')).id, made.user.id);
    assert.equal((await id().resolveUser(made.user.id)).name, 'fac-user');
    await id().setPassword(t.admin, 'fac-user', 'fac-user-password-2');
    await assert.rejects(id().login('fac-user', 'fac-user-password', 'test'), kind('unauthenticated'));
    const me = (await id().login('fac-user', 'fac-user-password-2', 'test')).caller;
    await id().setPassword(me, 'fac-user', 'fac-user-password-3', { currentPassword: 'fac-user-password-2', source: '127.0.0.7' });
    await id().login('fac-user', 'fac-user-password-3', 'test');
    const u = await id().updateUser(t.admin, 'fac-user', { fullName: 'Renamed', disabled: true });
    assert.deepEqual([u.fullName, u.disabled], ['Renamed', true]);
    await assert.rejects(id().login('fac-user', 'fac-user-password-3', 'test'), kind('unauthenticated'));
    await id().updateUser(t.admin, 'fac-user', { disabled: false });
    const unlocked = await id().unlockUser(t.admin, 'fac-user');
    assert.deepEqual([unlocked.name, unlocked.failedLogins, unlocked.lockedUntil], ['fac-user', 0, null]);
    await id().deleteUser(t.admin, 'fac-user');
    await assert.rejects(id().resolveUser('fac-user'), kind('not_found', "user 'fac-user' was not found"));
  });

  it('groups: list, create, resolve, members, delete', async () => {
    await id().createUser(t.admin, { name: 'fac-member', password: 'fac-member-password' });
    const g = await id().createGroup(t.admin, { name: 'fac-group', description: 'facade' });
    assert.deepEqual([g.name, g.description, g.memberIds], ['fac-group', 'facade', []]);
    assert.ok((await id().listGroups(t.admin)).some((x) => x.id === g.id));
    assert.equal((await id().resolveGroup('fac-group')).id, g.id);
    const member = (await id().resolveUser('fac-member')).id;
    assert.deepEqual((await id().setGroupMembers(t.admin, 'fac-group', ['fac-member'], [])).memberIds, [member]);
    assert.deepEqual((await id().setGroupMembers(t.admin, 'fac-group', [], ['fac-member'])).memberIds, []);
    await id().deleteGroup(t.admin, 'fac-group');
    await assert.rejects(id().resolveGroup('fac-group'), kind('not_found'));
  });

  it('roles and permissions: list, create, set, list per object, remove, principals', async () => {
    assert.deepEqual((await id().listRoles(t.admin)).filter((r) => r.system).map((r) => r.id).sort(), ['administrator', 'desktop-user', 'operator', 'read-only']);
    const role = await id().createRole(t.admin, { id: 'fac-role', name: 'Facade role', privileges: ['System.View', 'Task.Cancel'] });
    assert.deepEqual([role.id, role.name, role.privileges, role.system], ['fac-role', 'Facade role', ['System.View', 'Task.Cancel'], false]);
    const who = await id().createUser(t.admin, { name: 'fac-perm', password: 'fac-perm-password' });
    const p = await id().setPermission(t.admin, { principal: 'user:fac-perm', entityId: t.hosts[0]!.id, roleId: 'fac-role' });
    assert.deepEqual([p.principal, p.entityId, p.roleId, p.propagate], [`user:${who.user.id}`, t.hosts[0]!.id, 'fac-role', true]);
    assert.deepEqual((await id().listPermissions(t.admin, t.hosts[0]!.id)).map((x) => x.id), [p.id]);
    const all = await id().listPermissions(t.admin);
    assert.ok(all.some((x) => x.id === p.id) && all.some((x) => x.entityId === 'root'), 'without an object: every permission');
    const caller = (await id().login('fac-perm', 'fac-perm-password', 'test')).caller;
    assert.equal(await id().may(caller, 'Task.Cancel', t.hosts[0]!.id), true);
    assert.equal(await id().may(caller, 'Task.Cancel'), false, 'the default object is root');
    await id().removePermission(t.admin, p.id);
    assert.deepEqual(await id().listPermissions(t.admin, t.hosts[0]!.id), []);
    assert.equal(await id().may(caller, 'Task.Cancel', t.hosts[0]!.id), false);
    assert.equal(await id().resolvePrincipal('user:fac-perm'), `user:${who.user.id}`);
    assert.equal(await id().resolvePrincipal('fac-perm'), `user:${who.user.id}`, 'a bare name is a user');
    await assert.rejects(id().resolvePrincipal('robot:fac-perm'), kind('invalid_argument', "principal 'robot:fac-perm' must be user:<name> or group:<name>"));
  });

  it('the hash pool: loginHashConcurrency 4 runs 4, at most 2 per source; loginQueuePerSource 3 per source', async () => {
    const pool = id().hashPool;
    const gates: (() => void)[] = [];
    const job = () => new Promise<void>((res) => gates.push(res));
    const a = [pool.run('a', job), pool.run('a', job), pool.run('a', job)];
    await assert.rejects(pool.run('a', job), kind('unauthenticated', 'too many logins in progress from a: try again later'));
    assert.deepEqual(pool.load, { running: 2, queued: 1 }, 'two of a run, the third waits');
    const b = [pool.run('b', job), pool.run('b', job), pool.run('b', job)];
    assert.deepEqual(pool.load, { running: 4, queued: 2 }, 'two of b run beside them');
    // Release jobs as they start, until all six have run (the waiting ones start as slots free).
    while (gates.length || pool.load.running + pool.load.queued > 0) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([...a, ...b]);
    assert.deepEqual(pool.load, { running: 0, queued: 0 });
  });

  it('with loginHashConcurrency 1, one source still runs one job (never zero)', async () => {
    const t1 = await createTestCore({ config: { loginHashConcurrency: 1 } });
    try {
      const pool = t1.core.identity.hashPool;
      let release!: () => void;
      const first = pool.run('x', () => new Promise<void>((res) => (release = res)));
      assert.deepEqual(pool.load, { running: 1, queued: 0 });
      release();
      await first;
      assert.equal((await t1.core.identity.login('administrator', 'administrator-password-1', 'test')).caller.userName, 'administrator');
      assert.equal(SYSTEM_CALLER.kind, 'system');
    } finally {
      await t1.close();
    }
  });
});

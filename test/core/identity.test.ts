import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { normaliseUserName } from '../../src/core/identity.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

const isKind = (kind: string, re?: RegExp) => (e: unknown) => e instanceof VmgateError && e.kind === kind && (!re || re.test(e.message));

describe('identity: login, sessions, lockout', () => {
  let t: TestCore;
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  before(async () => {
    t = await createTestCore({ clock, config: { maxFailedLogins: 3, lockoutSeconds: 600, sessionIdleSeconds: 60, sessionMaxSeconds: 3600 } });
  });
  after(async () => t.close());

  it('logs in with the right password and resolves the token', async () => {
    await t.user('alice', 'read-only');
    const { token, session } = await t.core.identity.login('alice', 'alice-password-1', 'test');
    assert.equal(session.userName, 'alice');
    assert.notEqual(session.id, token, 'the token itself is not stored');
    const { caller } = await t.core.identity.authenticate(token);
    assert.equal(caller.userName, 'alice');
  });

  it('the same answer for an unknown user and a wrong password', async () => {
    const a = await t.core.identity.login('nobody', 'x'.repeat(10), 'test').catch((e: VmgateError) => e);
    const b = await t.core.identity.login('alice', 'wrong-password', 'test').catch((e: VmgateError) => e);
    assert.ok(a instanceof VmgateError && b instanceof VmgateError);
    assert.equal(a.kind, 'unauthenticated');
    assert.equal(a.message, b.message);
  });

  it('locks an account after N failures, refuses the right password while locked, unlocks after the lockout', async () => {
    await t.user('bob', 'read-only');
    // maxFailedLogins is 3: failures 1 and 2 are plain refusals, the account is not locked yet.
    const wrong = (e: unknown): boolean => {
      assert.ok(e instanceof VmgateError, String(e));
      assert.equal(e.kind, 'unauthenticated');
      assert.equal(e.reason, undefined);
      assert.equal(e.message, 'invalid user name or password');
      return true;
    };
    await assert.rejects(t.core.identity.login('bob', 'nope-nope-1', 'test'), wrong);
    await assert.rejects(t.core.identity.login('bob', 'nope-nope-2', 'test'), wrong);
    // the third locks it, and says so
    await assert.rejects(t.core.identity.login('bob', 'nope-nope-3', 'test'), (e: unknown) => {
      assert.ok(e instanceof VmgateError, String(e));
      assert.equal(e.kind, 'unauthenticated');
      assert.equal(e.reason, 'account_locked');
      assert.equal(e.message, "account 'bob' is now locked for logins from local after 3 failed logins");
      return true;
    });
    await assert.rejects(t.core.identity.login('bob', 'bob-password-1', 'test'), (e: unknown) => {
      assert.ok(e instanceof VmgateError, String(e));
      assert.equal(e.kind, 'unauthenticated');
      assert.equal(e.reason, 'account_locked');
      assert.match(e.message, /^account 'bob' is locked for logins from local until \S+ after 3 failed logins$/);
      return true;
    });
    const events = await t.core.events.list(t.admin, (await t.core.identity.resolveUser('bob')).id, 10);
    assert.ok(events.some((e) => e.type === 'user.lockedOut'));
    clock.advance(601_000);
    const ok = await t.core.identity.login('bob', 'bob-password-1', 'test');
    assert.equal(ok.caller.userName, 'bob');
  });

  it('an administrator can unlock at once', async () => {
    await t.user('carol', 'read-only');
    for (let i = 0; i < 3; i++) {
      await assert.rejects(t.core.identity.login('carol', `bad-password-${i}`, 'test'), isKind('unauthenticated', i < 2 ? /^invalid user name or password$/ : /is now locked for logins from local after 3 failed logins/));
    }
    await assert.rejects(t.core.identity.login('carol', 'carol-password-1', 'test'), /locked/);
    await t.core.identity.unlockUser(t.admin, 'carol');
    await t.core.identity.login('carol', 'carol-password-1', 'test');
  });

  it('sessions end after idle time and after their absolute lifetime', async () => {
    const { token } = await t.core.identity.login('alice', 'alice-password-1', 'test');
    clock.advance(30_000);
    await t.core.identity.authenticate(token); // refreshes idle time
    clock.advance(30_000);
    await t.core.identity.authenticate(token);
    clock.advance(61_000);
    await assert.rejects(t.core.identity.authenticate(token), isKind('unauthenticated', /expired/));
    const second = await t.core.identity.login('alice', 'alice-password-1', 'test');
    for (let i = 0; i < 70; i++) {
      clock.advance(55_000);
      if (i < 64) await t.core.identity.authenticate(second.token);
    }
    await assert.rejects(t.core.identity.authenticate(second.token), isKind('unauthenticated'));
  });

  it('logout ends the session', async () => {
    const { token, caller } = await t.core.identity.login('alice', 'alice-password-1', 'test');
    await t.core.identity.logout(caller);
    await assert.rejects(t.core.identity.authenticate(token), isKind('unauthenticated'));
  });

  it('names: vSphere-style domains map to local users; bad names and short passwords are refused', async () => {
    assert.equal(normaliseUserName('administrator@vsphere.local'), 'administrator');
    assert.equal(normaliseUserName('VSPHERE.LOCAL\\administrator'), 'administrator');
    await assert.rejects(t.core.identity.createUser(t.admin, { name: 'bad/name', password: 'long-enough' }), isKind('invalid_argument'));
    await assert.rejects(t.core.identity.createUser(t.admin, { name: 'shorty', password: 'short' }), isKind('invalid_argument', /8 characters/));
    await assert.rejects(t.core.identity.createUser(t.admin, { name: 'alice', password: 'long-enough' }), isKind('already_exists'));
  });

  it('generated passwords are returned once and work', async () => {
    const { password } = await t.core.identity.createUser(SYSTEM_CALLER, { name: 'gen' });
    assert.ok(password.length >= 16);
    await t.core.identity.login('gen', password, 'test');
  });
});

describe('permissions are checked in core', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore();
  });
  after(async () => t.close());

  it('read-only sees but cannot power, create or change users', async () => {
    const ro = await t.user('viewer', 'read-only');
    const vm = await t.core.vms.create(t.admin, { name: 'guarded', placement: { hostId: t.hosts[0]!.id } });
    assert.equal((await t.core.vms.get(ro, vm.id)).name, 'guarded');
    await assert.rejects(t.core.power.run(ro, vm.id, 'powerOn'), isKind('unauthorized', /VirtualMachine\.PowerOps/));
    await assert.rejects(t.core.vms.create(ro, { name: 'nope' }), isKind('unauthorized'));
    await assert.rejects(t.core.identity.createUser(ro, { name: 'x1', password: 'password-1' }), isKind('unauthorized'));
    assert.equal((await t.core.vms.get(t.admin, vm.id)).powerState, 'poweredOff');
  });

  it('a permission on one host: operator there, nothing elsewhere (others’ VMs are not even visible)', async () => {
    const op = await t.user('hostop', 'operator', t.hosts[0]!.id);
    const mine = await t.core.vms.create(t.admin, { name: 'on-h0', placement: { hostId: t.hosts[0]!.id } });
    const theirs = await t.core.vms.create(t.admin, { name: 'on-h1', placement: { hostId: t.hosts[1]!.id } });
    await t.core.tasks.result(op, await t.core.power.run(op, mine.id, 'powerOn'));
    await assert.rejects(t.core.power.run(op, theirs.id, 'powerOn'), isKind('not_found'));
    const listed = (await t.core.vms.list(op)).map((v) => v.name);
    assert.ok(listed.includes('on-h0'));
    assert.ok(!listed.includes('on-h1'));
  });

  it('a user permission deeper down overrides a group permission higher up', async () => {
    const u = await t.user('dana', null);
    const g = await t.core.identity.createGroup(t.admin, { name: 'ops', members: ['dana'] });
    await t.core.identity.setPermission(t.admin, { principal: `group:${g.name}`, entityId: 'root', roleId: 'operator' });
    const vm = await t.core.vms.create(t.admin, { name: 'override', placement: { hostId: t.hosts[0]!.id } });
    await t.core.identity.setPermission(t.admin, { principal: 'user:dana', entityId: vm.id, roleId: 'read-only' });
    const dana = (await t.core.identity.login('dana', 'dana-password-1', 'test')).caller;
    assert.ok(u);
    await assert.rejects(t.core.power.run(dana, vm.id, 'powerOn'), isKind('unauthorized'));
    const other = await t.core.vms.create(t.admin, { name: 'group-ok', placement: { hostId: t.hosts[0]!.id } });
    await t.core.tasks.result(dana, await t.core.power.run(dana, other.id, 'powerOn'));
  });

  it('tasks of others are invisible to a user without rights on their target', async () => {
    const nobody = await t.user('nobody2', null);
    const vm = await t.core.vms.create(t.admin, { name: 'secret-task', placement: { hostId: t.hosts[0]!.id } });
    const task = await t.core.power.run(t.admin, vm.id, 'powerOn');
    await assert.rejects(t.core.tasks.get(nobody, task.id), isKind('not_found'));
    assert.equal((await t.core.tasks.list(nobody)).length, 0);
  });
});

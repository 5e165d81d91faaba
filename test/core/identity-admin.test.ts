/**
 * Identity administration in core: user names, the password policy, users, groups, roles
 * and permissions, each refusal word for word (expected values written here by hand).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmgateError } from '../../src/core/errors.ts';
import { normaliseUserName } from '../../src/core/identity.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

const exactly = (kind: string, message: string) => (e: unknown) => {
  assert.ok(e instanceof VmgateError, String(e));
  assert.deepEqual([e.kind, e.message], [kind, message]);
  return true;
};
const kindOnly = (kind: string) => (e: unknown) => {
  assert.ok(e instanceof VmgateError, String(e));
  assert.equal(e.kind, kind, e.message);
  return true;
};

describe('normaliseUserName', () => {
  it('maps vSphere-style names to local ones and leaves others alone', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['administrator@vsphere.local', 'administrator'],
      ['Administrator@VSPHERE.LOCAL', 'Administrator'],
      ['VSPHERE.LOCAL\\administrator', 'administrator'],
      ['bob@vmgate', 'bob'],
      ['bob@localos', 'bob'],
      ['bob@example.com', 'bob@example.com'],
      ['bob@vsphere.localx', 'bob@vsphere.localx'],
      ['@vsphere.local', '@vsphere.local'],
      ['  alice  ', 'alice'],
      ['a\\b\\c', 'c'],
    ];
    for (const [input, expected] of cases) assert.equal(normaliseUserName(input), expected, input);
  });
});

describe('identity administration', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore();
  });
  after(async () => t.close());

  it('users: name rules, the password policy (8 to 256 characters), duplicates', async () => {
    const { core, admin } = t;
    await assert.rejects(core.identity.createUser(admin, { name: 'no spaces', password: 'long-enough-1' }), exactly('invalid_argument', "user name 'no spaces' is not valid: 1–64 letters, digits and . _ @ \\ -"));
    await assert.rejects(core.identity.createUser(admin, { name: 'shorty', password: '7-chars' }), exactly('invalid_argument', 'passwords need at least 8 characters'));
    await assert.rejects(core.identity.createUser(admin, { name: 'longy', password: 'x'.repeat(257) }), exactly('invalid_argument', 'passwords may have at most 256 characters'));
    const eight = await core.identity.createUser(admin, { name: 'eight', password: '8-chars!', fullName: 'Eight Chars' });
    assert.deepEqual([eight.user.name, eight.user.fullName, eight.user.disabled, eight.user.failedLogins, eight.user.lockedUntil, eight.password], ['eight', 'Eight Chars', false, 0, null, '8-chars!']);
    await core.identity.createUser(admin, { name: 'max', password: 'y'.repeat(256) });
    await assert.rejects(core.identity.createUser(admin, { name: 'EIGHT@vsphere.local'.toLowerCase(), password: 'whatever-1' }), exactly('already_exists', "user 'eight' already exists"));
    await assert.rejects(core.identity.resolveUser('nobody'), exactly('not_found', "user 'nobody' was not found"));
    const events = await core.events.list(admin, eight.user.id, 5);
    assert.deepEqual(events.map((e) => [e.type, e.message]), [['user.created', "user 'eight' created"]]);
  });

  it('only administrators manage users; anyone may read and change their own account', async () => {
    const { core, admin } = t;
    const ro = await t.user('reader', 'read-only');
    await assert.rejects(core.identity.createUser(ro, { name: 'x1', password: 'long-enough-1' }), kindOnly('unauthorized'));
    await assert.rejects(core.identity.listUsers(ro), kindOnly('unauthorized'));
    await assert.rejects(core.identity.getUser(ro, 'administrator'), kindOnly('unauthorized'));
    await assert.rejects(core.identity.setPassword(ro, 'administrator', 'new-password-1'), kindOnly('unauthorized'));
    await assert.rejects(core.identity.updateUser(ro, 'reader', { disabled: true }), kindOnly('unauthorized'));
    await assert.rejects(core.identity.unlockUser(ro, 'reader'), kindOnly('unauthorized'));
    await assert.rejects(core.identity.deleteUser(ro, 'eight'), kindOnly('unauthorized'));
    assert.equal((await core.identity.getUser(ro, 'reader')).name, 'reader');
    await assert.rejects(core.identity.setPassword(ro, 'reader', 'reader-password-2'), kindOnly('invalid_argument'));
    await core.identity.setPassword(ro, 'reader', 'reader-password-2', { currentPassword: 'reader-password-1' });
    await assert.rejects(core.identity.login('reader', 'reader-password-1', 'test'), kindOnly('unauthenticated'));
    await core.identity.login('reader', 'reader-password-2', 'test');
    assert.ok((await core.identity.listUsers(admin)).some((u) => u.name === 'reader'));
  });

  it('a disabled account cannot log in; deleting a user ends its sessions, permissions and memberships; nobody deletes themselves', async () => {
    const { core, admin } = t;
    const gone = await t.user('gone', 'operator', t.hosts[0]!.id);
    const { token } = await core.identity.login('gone', 'gone-password-1', 'test');
    const group = await core.identity.createGroup(admin, { name: 'crew', members: ['gone', 'eight'] });
    assert.equal(group.memberIds.length, 2);
    await core.identity.updateUser(admin, 'gone', { disabled: true });
    await assert.rejects(core.identity.login('gone', 'gone-password-1', 'test'), exactly('unauthenticated', "account 'gone' is disabled"));
    await core.identity.deleteUser(admin, 'gone');
    await assert.rejects(core.identity.authenticate(token), kindOnly('unauthenticated'));
    assert.deepEqual((await core.identity.listPermissions(admin, t.hosts[0]!.id)).filter((p) => p.principal === `user:${gone.userId}`), []);
    assert.deepEqual((await core.identity.resolveGroup('crew')).memberIds, [(await core.identity.resolveUser('eight')).id]);
    await assert.rejects(core.identity.deleteUser(admin, 'administrator'), exactly('not_allowed_in_current_state', 'you cannot delete your own account'));
  });

  it('groups: names, members added and removed, deleting a group drops its permissions', async () => {
    const { core, admin } = t;
    await assert.rejects(core.identity.createGroup(admin, { name: 'bad name' }), exactly('invalid_argument', "group name 'bad name' is not valid"));
    await assert.rejects(core.identity.createGroup(admin, { name: 'crew' }), exactly('already_exists', "group 'crew' already exists"));
    await assert.rejects(core.identity.createGroup(admin, { name: 'ghosts', members: ['nobody'] }), exactly('not_found', "user 'nobody' was not found"));
    const ops = await core.identity.createGroup(admin, { name: 'ops', description: 'Operators' });
    assert.deepEqual([ops.name, ops.description, ops.memberIds], ['ops', 'Operators', []]);
    const id = async (n: string) => (await core.identity.resolveUser(n)).id;
    assert.deepEqual((await core.identity.setGroupMembers(admin, 'ops', ['eight', 'max', 'eight'], [])).memberIds, [await id('eight'), await id('max')]);
    assert.deepEqual((await core.identity.setGroupMembers(admin, ops.id, [], ['eight'])).memberIds, [await id('max')]);
    await core.identity.setPermission(admin, { principal: 'group:ops', entityId: 'root', roleId: 'read-only' });
    await core.identity.deleteGroup(admin, 'ops');
    await assert.rejects(core.identity.resolveGroup('ops'), exactly('not_found', "group 'ops' was not found"));
    assert.deepEqual((await core.identity.listPermissions(admin, 'root')).filter((p) => p.principal === `group:${ops.id}`), []);
  });

  it('roles: known privileges, id and name rules, no duplicates', async () => {
    const { core, admin } = t;
    await assert.rejects(core.identity.createRole(admin, { id: 'r1', name: 'R', privileges: ['System.View', 'Fly.Away'] }), (e: unknown) => {
      assert.ok(e instanceof VmgateError);
      assert.equal(e.kind, 'invalid_argument');
      assert.match(e.message, /^unknown privileges: Fly\.Away; known: System\.View, /);
      return true;
    });
    await assert.rejects(core.identity.createRole(admin, { id: 'Bad_Id', name: 'R', privileges: [] }), exactly('invalid_argument', "role id 'Bad_Id' is not valid (lower-case letters, digits, -)"));
    await assert.rejects(core.identity.createRole(admin, { id: 'r1', name: '  ', privileges: [] }), exactly('invalid_argument', "role name '  ' is not valid: no leading or trailing spaces"));
    await assert.rejects(core.identity.createRole(admin, { id: 'r1', name: '', privileges: [] }), exactly('invalid_argument', "role name '' is not valid: it must have 1–80 characters, not 0"));
    const role = await core.identity.createRole(admin, { id: 'power-user', name: 'Power user', privileges: ['System.View', 'VirtualMachine.PowerOps'] });
    assert.deepEqual(role, { id: 'power-user', name: 'Power user', privileges: ['System.View', 'VirtualMachine.PowerOps'], system: false });
    await assert.rejects(core.identity.createRole(admin, { id: 'power-user', name: 'Again', privileges: [] }), exactly('already_exists', "role 'power-user' already exists"));
  });

  it('permissions: the object, principal and role must exist; setting twice updates; removing an unknown one is not_found', async () => {
    const { core, admin } = t;
    await assert.rejects(core.identity.setPermission(admin, { principal: 'user:eight', entityId: 'vm-999', roleId: 'operator' }), exactly('not_found', "object 'vm-999' was not found"));
    await assert.rejects(core.identity.setPermission(admin, { principal: 'team:eight', entityId: 'root', roleId: 'operator' }), exactly('invalid_argument', "principal 'team:eight' must be user:<name> or group:<name>"));
    await assert.rejects(core.identity.setPermission(admin, { principal: 'eight', entityId: 'root', roleId: 'no-such-role' }), exactly('not_found', "role 'no-such-role' was not found"));
    const eightId = (await core.identity.resolveUser('eight')).id;
    const first = await core.identity.setPermission(admin, { principal: 'eight', entityId: t.cluster.id, roleId: 'read-only' });
    assert.deepEqual([first.principal, first.entityId, first.roleId, first.propagate], [`user:${eightId}`, t.cluster.id, 'read-only', true]);
    const second = await core.identity.setPermission(admin, { principal: `user:${eightId}`, entityId: t.cluster.id, roleId: 'operator', propagate: false });
    assert.deepEqual([second.id, second.roleId, second.propagate], [first.id, 'operator', false]);
    assert.deepEqual((await core.identity.listPermissions(admin, t.cluster.id)).map((p) => [p.id, p.roleId]), [[first.id, 'operator']]);
    const events = await core.events.list(admin, t.cluster.id, 1);
    assert.deepEqual(events.map((e) => [e.type, e.message]), [['permission.set', `user:${eightId} granted operator on ${t.cluster.id}`]]);
    await core.identity.removePermission(admin, first.id);
    assert.deepEqual(await core.identity.listPermissions(admin, t.cluster.id), []);
    await assert.rejects(core.identity.removePermission(admin, 'permission-999'), exactly('not_found', 'permission permission-999 was not found'));
    for (const entityId of ['library', t.dc.id, t.datastore.id, t.hosts[1]!.id]) {
      const p = await core.identity.setPermission(admin, { principal: 'eight', entityId, roleId: 'read-only' });
      assert.equal(p.entityId, entityId);
    }
  });
});

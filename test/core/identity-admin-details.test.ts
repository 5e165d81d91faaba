/**
 * Identity administration in the details a face passes on: each refusal's kind, module,
 * reason and message (the JSON an error is logged and mapped by), who may list what, the
 * events an account's changes record, what a password change resets, permission targets of
 * every kind that do not exist, principals, a caller's rights. Expected values by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmgateError } from '../../src/core/errors.ts';
import type { Caller } from '../../src/core/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

/** A rejection as the JSON a face logs and maps (kind, module, message, reason), with its details. */
async function refusal(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VmgateError, String(e));
    return e.details === undefined ? e.toJSON() : { ...e.toJSON(), details: e.details };
  }
  assert.fail('expected a refusal');
}

const identityError = (kind: string, message: string, reason?: string) =>
  reason === undefined ? { kind, module: 'core.identity', message } : { kind, module: 'core.identity', message, reason };
const lacks = (user: string, privilege: string, object: string) => ({
  kind: 'unauthorized',
  module: 'core.authz',
  message: `user '${user}' lacks the privilege ${privilege} on ${object}`,
  details: { privilege, object },
});

describe('identity administration: refusals in full, events, resets', () => {
  let t: TestCore;
  let nobody: Caller;
  let reader: Caller;
  before(async () => {
    t = await createTestCore({ config: { maxFailedLogins: 2, loginDelayMs: 0 } });
    nobody = await t.user('nobody', null);
    reader = await t.user('reader', 'read-only');
  });
  after(async () => t.close());

  it('users: every refusal with its module', async () => {
    const { core, admin } = t;
    assert.deepEqual(await refusal(core.identity.createUser(admin, { name: 'a b', password: 'long-enough-1' })), identityError('invalid_argument', "user name 'a b' is not valid: 1–64 letters, digits and . _ @ \\ -"));
    assert.deepEqual(await refusal(core.identity.createUser(admin, { name: 'x'.repeat(65), password: 'long-enough-1' })), identityError('invalid_argument', `user name '${'x'.repeat(65)}' is not valid: 1–64 letters, digits and . _ @ \\ -`));
    assert.deepEqual(await refusal(core.identity.createUser(admin, { name: 'shorty', password: 'seven-7' })), identityError('invalid_argument', 'passwords need at least 8 characters'));
    assert.deepEqual(await refusal(core.identity.createUser(admin, { name: 'longy', password: 'p'.repeat(257) })), identityError('invalid_argument', 'passwords may have at most 256 characters'));
    assert.deepEqual(await refusal(core.identity.createUser(admin, { name: 'READER', password: 'long-enough-1' })), identityError('already_exists', "user 'READER' already exists"));
    assert.deepEqual(await refusal(core.identity.createUser(admin, { name: 'fully', password: 'long-enough-1', fullName: 'f'.repeat(257) })), {
      ...identityError('invalid_argument', 'full name is not valid: it has 257 characters; at most 256 are allowed'),
      details: { field: 'full name' },
    });
    assert.deepEqual(await refusal(core.identity.updateUser(admin, 'reader', { fullName: 'f'.repeat(257) })), {
      ...identityError('invalid_argument', 'full name is not valid: it has 257 characters; at most 256 are allowed'),
      details: { field: 'full name' },
    });
    assert.deepEqual(await refusal(core.identity.resolveUser('ghost')), identityError('not_found', "user 'ghost' was not found"));
    assert.deepEqual(await refusal(core.identity.deleteUser(admin, 'administrator')), identityError('not_allowed_in_current_state', 'you cannot delete your own account'));
    assert.deepEqual(await refusal(core.identity.setPassword(reader, 'reader', 'reader-password-2')), identityError('invalid_argument', 'changing your own password needs your current password', 'wrong_current_password'));
    assert.deepEqual(await refusal(core.identity.setPassword(reader, 'reader', 'reader-password-2', { currentPassword: '' })), identityError('invalid_argument', 'changing your own password needs your current password', 'wrong_current_password'));
    assert.deepEqual(
      await refusal(core.identity.setPassword(reader, 'reader', 'reader-password-2', { currentPassword: 'not-my-password' })),
      identityError('unauthorized', 'the current password is not right: invalid user name or password', 'wrong_current_password'),
    );
    assert.deepEqual(await refusal(core.identity.setPassword(reader, 'reader', 'short')), identityError('invalid_argument', 'passwords need at least 8 characters'));
  });

  it('who may do what: each refusal names the user, the privilege and the object', async () => {
    const { core } = t;
    assert.deepEqual(await refusal(core.identity.listUsers(reader)), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.getUser(reader, 'nobody')), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.createUser(reader, { name: 'x1', password: 'long-enough-1' })), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.updateUser(reader, 'reader', { fullName: 'R' })), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.setPassword(reader, 'nobody', 'long-enough-1')), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.unlockUser(reader, 'nobody')), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.deleteUser(reader, 'nobody')), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.createGroup(reader, { name: 'g1' })), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.setGroupMembers(reader, 'g1', [], [])), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.deleteGroup(reader, 'g1')), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.createRole(reader, { id: 'r1', name: 'R1', privileges: [] })), lacks('reader', 'Authorization.Modify', 'root'));
    assert.deepEqual(await refusal(core.identity.setPermission(reader, { principal: 'nobody', entityId: t.cluster.id, roleId: 'read-only' })), lacks('reader', 'Authorization.Modify', t.cluster.id));
    // listing groups, roles and permissions needs System.View only: the reader may, nobody may not
    assert.ok((await core.identity.listGroups(reader)).length >= 0);
    assert.ok((await core.identity.listRoles(reader)).some((r) => r.id === 'read-only'));
    assert.ok((await core.identity.listPermissions(reader)).some((p) => p.entityId === 'root'));
    assert.deepEqual(await refusal(core.identity.listGroups(nobody)), lacks('nobody', 'System.View', 'root'));
    assert.deepEqual(await refusal(core.identity.listRoles(nobody)), lacks('nobody', 'System.View', 'root'));
    assert.deepEqual(await refusal(core.identity.listPermissions(nobody)), lacks('nobody', 'System.View', 'root'));
    assert.deepEqual(await refusal(core.identity.listPermissions(nobody, t.hosts[0]!.id)), lacks('nobody', 'System.View', t.hosts[0]!.id));
    // one's own account: read without Authorization.Modify
    assert.equal((await core.identity.getUser(nobody, 'nobody')).name, 'nobody');
  });

  it('listing permissions: all of them, or those of one object', async () => {
    const { core, admin } = t;
    const p = await core.identity.setPermission(admin, { principal: 'nobody', entityId: t.datastore.id, roleId: 'read-only' });
    const all = await core.identity.listPermissions(admin);
    assert.deepEqual(all.filter((x) => x.entityId === t.datastore.id).map((x) => x.id), [p.id]);
    assert.ok(all.some((x) => x.entityId === 'root'), 'root permissions are in the full list');
    assert.deepEqual((await core.identity.listPermissions(admin, t.datastore.id)).map((x) => [x.id, x.principal, x.roleId]), [[p.id, `user:${nobody.userId}`, 'read-only']]);
    await core.identity.removePermission(admin, p.id);
  });

  it('a password change resets the failed logins and lifts the locks; the event says whose', async () => {
    const { core, admin } = t;
    await t.user('pia', null);
    for (const n of [1, 2]) await refusal(core.identity.login('pia', `wrong-pass-${n}`, 'test', {}, '192.0.2.40'));
    assert.deepEqual(await refusal(core.identity.login('pia', 'pia-password-1', 'test', {}, '192.0.2.40')), {
      kind: 'unauthenticated',
      module: 'core.identity',
      message: (await refusal(core.identity.login('pia', 'pia-password-1', 'test', {}, '192.0.2.40')) as { message: string }).message,
      reason: 'account_locked',
    });
    const locked = await core.identity.resolveUser('pia');
    assert.equal(locked.failedLogins, 4);
    assert.notEqual(locked.lockedUntil, null);
    await core.identity.setPassword(admin, 'pia', 'pia-password-2');
    const reset = await core.identity.resolveUser('pia');
    assert.deepEqual([reset.failedLogins, reset.lockedUntil], [0, null]);
    assert.equal((await core.identity.login('pia', 'pia-password-2', 'test', {}, '192.0.2.40')).caller.userName, 'pia');
    const events = (await core.events.list(admin, reset.id, 1)).map((e) => [e.type, e.message, e.userName]);
    assert.deepEqual(events, [['user.passwordChanged', "password of 'pia' changed", 'administrator']]);
  });

  it('must change password: the event when it is set and when it is cleared, none when nothing changes; an own password change', async () => {
    const { core, admin } = t;
    const quin = await t.user('quin', null);
    const types = async () => (await core.events.list(admin, quin.userId, 10)).map((e) => [e.type, e.message]);
    await core.identity.updateUser(admin, 'quin', { mustChangePassword: false });
    assert.deepEqual(await types(), [['user.created', "user 'quin' created"]]);
    await core.identity.updateUser(admin, 'quin', { mustChangePassword: true });
    await core.identity.updateUser(admin, 'quin', { mustChangePassword: true, fullName: 'Quin' });
    assert.deepEqual(await types(), [
      ['user.mustChangePassword', "'quin' must change the password at the next login"],
      ['user.created', "user 'quin' created"],
    ]);
    await core.identity.updateUser(admin, 'quin', { mustChangePassword: false });
    assert.deepEqual((await types())[0], ['user.mustChangePassword', "'quin' no longer has to change the password"]);
    assert.equal((await core.identity.resolveUser('quin')).fullName, 'Quin');
    // its own change: the event too
    const self = (await core.identity.login('quin', 'quin-password-1', 'test')).caller;
    await core.identity.setPassword(self, 'quin', 'quin-password-2', { currentPassword: 'quin-password-1' });
    assert.deepEqual((await types())[0], ['user.passwordChanged', "password of 'quin' changed"]);
    assert.equal((await core.identity.login('quin', 'quin-password-2', 'test')).caller.userName, 'quin');
  });

  it('unlock: the event, and the account logs in again from the locked address', async () => {
    const { core, admin } = t;
    await t.user('ria', null);
    for (const n of [1, 2]) await refusal(core.identity.login('ria', `wrong-pass-${n}`, 'test', {}, '192.0.2.41'));
    const unlocked = await core.identity.unlockUser(admin, 'ria');
    assert.deepEqual([unlocked.name, unlocked.failedLogins, unlocked.lockedUntil], ['ria', 0, null]);
    const events = (await core.events.list(admin, unlocked.id, 1)).map((e) => [e.type, e.message, e.userName]);
    assert.deepEqual(events, [['user.unlocked', "account 'ria' unlocked", 'administrator']]);
    assert.equal((await core.identity.login('ria', 'ria-password-1', 'test', {}, '192.0.2.41')).caller.userName, 'ria');
  });

  it('groups: refusals in full; a description defaults to none; a deleted group takes its permissions', async () => {
    const { core, admin } = t;
    assert.deepEqual(await refusal(core.identity.createGroup(admin, { name: 'bad name' })), identityError('invalid_argument', "group name 'bad name' is not valid"));
    assert.deepEqual(await refusal(core.identity.createGroup(admin, { name: 'g'.repeat(65) })), identityError('invalid_argument', `group name '${'g'.repeat(65)}' is not valid`));
    assert.deepEqual(await refusal(core.identity.createGroup(admin, { name: 'long', description: 'd'.repeat(4097) })), {
      ...identityError('invalid_argument', 'group description is not valid: it has 4097 characters; at most 4096 are allowed'),
      details: { field: 'group description' },
    });
    const g = await core.identity.createGroup(admin, { name: 'team', members: ['reader'] });
    assert.deepEqual([g.name, g.description, g.memberIds], ['team', '', [reader.userId]]);
    assert.deepEqual(await refusal(core.identity.createGroup(admin, { name: 'team' })), identityError('already_exists', "group 'team' already exists"));
    assert.deepEqual(await refusal(core.identity.resolveGroup('ghosts')), identityError('not_found', "group 'ghosts' was not found"));
    assert.deepEqual(await refusal(core.identity.setGroupMembers(admin, 'team', ['ghost'], [])), identityError('not_found', "user 'ghost' was not found"));
    assert.deepEqual(await refusal(core.identity.setGroupMembers(admin, 'team', [], ['ghost'])), identityError('not_found', "user 'ghost' was not found"));
    // a group permission works for its member at once, and ends with the group
    await core.identity.setPermission(admin, { principal: 'group:team', entityId: t.hosts[1]!.id, roleId: 'operator' });
    const member = (await core.identity.login('reader', 'reader-password-1', 'test')).caller;
    assert.equal(await core.identity.may(member, 'VirtualMachine.PowerOps', t.hosts[1]!.id), true);
    await core.identity.deleteGroup(admin, 'team');
    assert.equal(await core.identity.may(member, 'VirtualMachine.PowerOps', t.hosts[1]!.id), false);
    assert.deepEqual((await core.identity.listPermissions(admin, t.hosts[1]!.id)).filter((p) => p.principal === `group:${g.id}`), []);
  });

  it('roles and permissions: refusals in full; targets of every kind that do not exist; principals', async () => {
    const { core, admin } = t;
    assert.deepEqual(await refusal(core.identity.createRole(admin, { id: 'r1', name: 'R1', privileges: ['Fly.Away', 'System.View', 'Swim'] })), {
      kind: 'invalid_argument',
      module: 'core.identity',
      message: (await refusal(core.identity.createRole(admin, { id: 'r1', name: 'R1', privileges: ['Fly.Away', 'Swim'] })) as { message: string }).message,
    });
    const unknown = (await refusal(core.identity.createRole(admin, { id: 'r1', name: 'R1', privileges: ['Fly.Away', 'Swim'] }))) as { message: string };
    assert.match(unknown.message, /^unknown privileges: Fly\.Away, Swim; known: System\.View, .*, Authorization\.Modify/);
    assert.deepEqual(await refusal(core.identity.createRole(admin, { id: 'x'.repeat(41), name: 'R', privileges: [] })), identityError('invalid_argument', `role id '${'x'.repeat(41)}' is not valid (lower-case letters, digits, -)`));
    assert.deepEqual(await refusal(core.identity.createRole(admin, { id: '', name: 'R', privileges: [] })), identityError('invalid_argument', "role id '' is not valid (lower-case letters, digits, -)"));
    const r40 = await core.identity.createRole(admin, { id: 'r'.repeat(40), name: 'Forty', privileges: [] });
    assert.equal(r40.id, 'r'.repeat(40));
    assert.deepEqual(await refusal(core.identity.createRole(admin, { id: 'r'.repeat(40), name: 'Again', privileges: [] })), identityError('already_exists', `role '${'r'.repeat(40)}' already exists`));
    for (const id of ['vm-999', 'host-999', 'domain-c999', 'datacenter-999', 'datastore-999', 'pool-999', 'folder-1', 'rooty']) {
      assert.deepEqual(await refusal(core.identity.setPermission(admin, { principal: 'nobody', entityId: id, roleId: 'read-only' })), identityError('not_found', `object '${id}' was not found`), id);
    }
    assert.deepEqual(await refusal(core.identity.setPermission(admin, { principal: 'nobody', entityId: 'root', roleId: 'ghost-role' })), identityError('not_found', "role 'ghost-role' was not found"));
    assert.deepEqual(await refusal(core.identity.setPermission(admin, { principal: 'team:x', entityId: 'root', roleId: 'read-only' })), identityError('invalid_argument', "principal 'team:x' must be user:<name> or group:<name>"));
    assert.deepEqual(await refusal(core.identity.removePermission(admin, 'permission-999')), identityError('not_found', 'permission permission-999 was not found'));
    const crew = await core.identity.createGroup(admin, { name: 'crew2' });
    assert.equal(await core.identity.resolvePrincipal('group:crew2'), `group:${crew.id}`);
    assert.equal(await core.identity.resolvePrincipal(`group:${crew.id}`), `group:${crew.id}`);
    assert.equal(await core.identity.resolvePrincipal('user:reader'), `user:${reader.userId}`);
    assert.equal(await core.identity.resolvePrincipal('reader'), `user:${reader.userId}`);
    assert.deepEqual(await refusal(core.identity.resolvePrincipal('user:reader:x')), identityError('not_found', "user 'reader:x' was not found"));
    assert.deepEqual(await refusal(core.identity.resolvePrincipal('group:reader')), identityError('not_found', "group 'reader' was not found"));
    // a permission on the library propagates by default; propagate: false is kept
    const lib = await core.identity.setPermission(admin, { principal: 'group:crew2', entityId: 'library', roleId: 'read-only', propagate: false });
    assert.deepEqual([lib.principal, lib.entityId, lib.roleId, lib.propagate], [`group:${crew.id}`, 'library', 'read-only', false]);
    const events = (await core.events.list(admin, 'library', 1)).map((e) => [e.type, e.message, e.userName]);
    assert.deepEqual(events, [['permission.set', `group:${crew.id} granted read-only on library`, 'administrator']]);
  });

  it("a caller's rights on root: sorted privileges, administrator only with all of them", async () => {
    const { core, admin } = t;
    const mine = await core.identity.rights(reader);
    assert.deepEqual(mine, { userName: 'reader', administrator: false, privileges: ['System.View'] });
    const none = await core.identity.rights(nobody);
    assert.deepEqual(none, { userName: 'nobody', administrator: false, privileges: [] });
    const all = await core.identity.rights(admin);
    assert.equal(all.userName, 'administrator');
    assert.equal(all.administrator, true);
    assert.deepEqual(all.privileges, [...all.privileges].sort());
    assert.ok(all.privileges.includes('Authorization.Modify') && all.privileges.includes('System.View'));
    // a role with every privilege but one is not an administrator
    await core.identity.createRole(admin, { id: 'almost', name: 'Almost', privileges: all.privileges.filter((p) => p !== 'Authorization.Modify') });
    const almost = await t.user('almost', 'almost');
    const r = await core.identity.rights(almost);
    assert.deepEqual([r.administrator, r.privileges.length], [false, all.privileges.length - 1]);
    assert.equal(await core.identity.may(almost, 'System.View'), true);
    assert.equal(await core.identity.may(almost, 'Authorization.Modify'), false);
  });
});

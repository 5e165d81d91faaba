/**
 * com.vmgate.users, groups, roles and permissions over real HTTPS, both flavours, through
 * VapiClient (trusting the server's certificate) plus raw REST for statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VapiClient } from '../../../src/clients/vapi/index.ts';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { rejectsWith, useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();
const { client, rest } = kit;

async function vmNamed(name: string): Promise<string> {
  const vm = await kit.s.server.core.ctx.store.vms.getByName(name);
  assert.ok(vm, name);
  return vm.id;
}

for (const flavour of ['jsonrpc', 'rest'] as const) {
  describe(`vmgate users, groups, roles, permissions (${flavour})`, () => {
    let c: VapiClient;
    const n = (base: string) => `${base}-${flavour}`;
    before(async () => {
      c = client(flavour);
      await c.login('administrator@vsphere.local', ADMIN_PASSWORD);
    });
    after(() => c.close());

    it('users: create with a generated password that logs in; get, list, update, set_password, delete', async () => {
      const created = await c.vmgate.users.create({ name: n('alice'), full_name: 'Alice A.' });
      assert.match(created.user, /^user-\d+$/);
      assert.ok(created.password !== undefined && created.password.length >= 8, 'a generated password comes back');
      const alice = client(flavour);
      assert.match(await alice.login(n('alice'), created.password), /^[0-9a-f]{48}$/);
      assert.equal((await alice.session.get()).user, n('alice'));
      // One's own account is readable without Authorization.Modify.
      assert.equal((await alice.vmgate.users.get(n('alice'))).full_name, 'Alice A.');
      alice.close();

      const info = await c.vmgate.users.get(n('alice'));
      assert.equal(info.user, created.user);
      assert.equal(info.disabled, false);
      assert.equal(info.locked, false);
      assert.equal(info.failed_logins, 0);
      assert.ok(info.last_login !== undefined);
      assert.deepEqual(await c.vmgate.users.get(created.user), info, 'by id too');
      assert.ok((await c.vmgate.users.list()).some((u) => u.name === n('alice') && u.full_name === 'Alice A.'));

      const given = await c.vmgate.users.create({ name: n('bob'), password: 'bob-password-1' });
      assert.equal(given.password, undefined, 'a given password is not echoed');
      await c.vmgate.users.update(n('bob'), { full_name: 'Bob B.', disabled: true });
      assert.deepEqual(
        (({ full_name, disabled }) => ({ full_name, disabled }))(await c.vmgate.users.get(n('bob'))),
        { full_name: 'Bob B.', disabled: true },
      );
      await rejectsWith(client(flavour).login(n('bob'), 'bob-password-1'), 'UNAUTHENTICATED', /disabled/);
      await c.vmgate.users.update(n('bob'), { disabled: false });
      await c.vmgate.users.setPassword(n('bob'), 'bob-password-2');
      const bob = client(flavour);
      await bob.login(n('bob'), 'bob-password-2');
      bob.close();
      await c.vmgate.users.delete(n('bob'));
      await rejectsWith(c.vmgate.users.get(n('bob')), 'NOT_FOUND');
    });

    it('users: duplicates ALREADY_EXISTS, bad names and short passwords INVALID_ARGUMENT, deleting oneself refused', async () => {
      await rejectsWith(c.vmgate.users.create({ name: n('alice') }), 'ALREADY_EXISTS');
      await rejectsWith(c.vmgate.users.create({ name: 'no spaces allowed' }), 'INVALID_ARGUMENT');
      await rejectsWith(c.vmgate.users.create({ name: n('carol'), password: 'short' }), 'INVALID_ARGUMENT', /8 characters/);
      await rejectsWith(c.vmgate.users.delete('administrator'), 'NOT_ALLOWED_IN_CURRENT_STATE');
      await rejectsWith(c.vmgate.users.unlock('nobody-here'), 'NOT_FOUND');
    });

    it('users: lockout after failed logins shows as locked; unlock lets the user in again', async () => {
      await c.vmgate.users.create({ name: n('dave'), password: 'dave-password-1' });
      for (let i = 0; i < 5; i++) await rejectsWith(client(flavour).login(n('dave'), 'wrong-password'), 'UNAUTHENTICATED');
      const locked = await c.vmgate.users.get(n('dave'));
      assert.equal(locked.locked, true);
      assert.ok(locked.locked_until !== undefined);
      await rejectsWith(client(flavour).login(n('dave'), 'dave-password-1'), 'UNAUTHENTICATED', /locked/);
      await c.vmgate.users.unlock(n('dave'));
      assert.equal((await c.vmgate.users.get(n('dave'))).locked, false);
      const dave = client(flavour);
      await dave.login(n('dave'), 'dave-password-1');
      dave.close();
    });

    it('a read-only user may look but gets UNAUTHORIZED for user create and other users', async () => {
      const { password } = await c.vmgate.users.create({ name: n('reader') });
      await c.vmgate.permissions.set({ principal: `user:${n('reader')}`, entity: 'root', role: 'read-only' });
      const reader = client(flavour);
      await reader.login(n('reader'), password!);
      await rejectsWith(reader.vmgate.users.create({ name: n('sneaky') }), 'UNAUTHORIZED');
      await rejectsWith(reader.vmgate.users.list(), 'UNAUTHORIZED');
      await rejectsWith(reader.vmgate.users.get('administrator'), 'UNAUTHORIZED');
      await rejectsWith(reader.vmgate.roles.create({ id: 'sneaky', name: 'Sneaky', privileges: ['System.View'] }), 'UNAUTHORIZED');
      assert.ok((await reader.vmgate.roles.list()).length >= 4, 'System.View is enough to list roles');
      assert.ok((await reader.vmgate.permissions.list('root')).some((p) => p.principal === `user:${n('reader')}`));
      reader.close();
    });

    it('groups: create with members, list, get, add/remove members, delete', async () => {
      await c.vmgate.users.create({ name: n('erin'), password: 'erin-password-1' });
      const g = await c.vmgate.groups.create({ name: n('ops'), description: 'operators', members: [n('alice')] });
      assert.match(g, /^group-\d+$/);
      let info = await c.vmgate.groups.get(n('ops'));
      assert.deepEqual({ ...info, created: 'x' }, { group: g, name: n('ops'), description: 'operators', members: [n('alice')], created: 'x' });
      await c.vmgate.groups.addMembers(g, [n('erin')]);
      info = (await c.vmgate.groups.list()).find((x) => x.group === g)!;
      assert.deepEqual(info.members, [n('alice'), n('erin')]);
      await c.vmgate.groups.removeMembers(n('ops'), [n('alice')]);
      assert.deepEqual((await c.vmgate.groups.get(g)).members, [n('erin')]);
      await rejectsWith(c.vmgate.groups.create({ name: n('ops') }), 'ALREADY_EXISTS');
      await rejectsWith(c.vmgate.groups.addMembers(g, ['nobody-at-all']), 'NOT_FOUND');
      await c.vmgate.groups.delete(g);
      await rejectsWith(c.vmgate.groups.get(g), 'NOT_FOUND');
    });

    it('roles: list the built-in ones; create a custom role; unknown privileges and duplicates refused', async () => {
      const roles = await c.vmgate.roles.list();
      const ro = roles.find((r) => r.id === 'read-only');
      assert.deepEqual(ro, { id: 'read-only', name: 'Read-only', privileges: ['System.View'], system: true });
      assert.equal(await c.vmgate.roles.create({ id: n('power-user'), name: 'Power user', privileges: ['System.View', 'VirtualMachine.PowerOps'] }), n('power-user'));
      assert.deepEqual((await c.vmgate.roles.list()).find((r) => r.id === n('power-user')), { id: n('power-user'), name: 'Power user', privileges: ['System.View', 'VirtualMachine.PowerOps'], system: false });
      await rejectsWith(c.vmgate.roles.create({ id: n('bad'), name: 'Bad', privileges: ['VirtualMachine.Fly'] }), 'INVALID_ARGUMENT', /VirtualMachine\.Fly/);
      await rejectsWith(c.vmgate.roles.create({ id: n('power-user'), name: 'Again', privileges: [] }), 'ALREADY_EXISTS');
    });

    it('permissions on a VM: the user can power it with operator, not with read-only; delete takes it away', async () => {
      const vm = await vmNamed(flavour === 'jsonrpc' ? 'DC0_C0_H0_VM1' : 'DC0_H0_VM1');
      const { password } = await c.vmgate.users.create({ name: n('frank') });
      const frank = client(flavour);
      await frank.login(n('frank'), password!);
      const powerOn = () => kit.s.server.core.ctx.store.vms.get(vm).then((v) => v!.powerState);
      // Without any permission the VM is invisible to frank.
      await rejectsWith(frank.vmgate.snapshots.list(vm), 'NOT_FOUND');

      const perm = await c.vmgate.permissions.set({ principal: `user:${n('frank')}`, entity: vm, role: 'read-only' });
      assert.match(perm, /^permission-\d+$/);
      assert.deepEqual(await c.vmgate.permissions.list(vm), [{ permission: perm, principal: `user:${n('frank')}`, entity: vm, role: 'read-only', propagate: true }]);
      await rejectsWith(frank.vmgate.snapshots.create(vm, { name: 'nope' }), 'UNAUTHORIZED');
      const denied = await rest('POST', `/api/vcenter/vm/${vm}/power?action=start`, { basic: `${n('frank')}:${password}` });
      assert.equal(denied.status, 403);
      assert.equal((denied.json as { error_type: string }).error_type, 'UNAUTHORIZED');
      assert.equal(await powerOn(), 'poweredOff');

      // Setting again for the same principal and object replaces the role.
      assert.equal(await c.vmgate.permissions.set({ principal: n('frank'), entity: vm, role: 'operator', propagate: false }), perm);
      assert.equal((await c.vmgate.permissions.list(vm))[0]?.role, 'operator');
      const allowed = await rest('POST', `/api/vcenter/vm/${vm}/power?action=start`, { basic: `${n('frank')}:${password}` });
      assert.equal(allowed.status, 204);
      assert.equal(await powerOn(), 'poweredOn');
      assert.ok((await c.vmgate.permissions.list()).some((p) => p.permission === perm));

      await c.vmgate.permissions.delete(perm);
      assert.deepEqual(await c.vmgate.permissions.list(vm), []);
      const gone = await rest('POST', `/api/vcenter/vm/${vm}/power?action=stop`, { basic: `${n('frank')}:${password}` });
      assert.equal(gone.status, 404, 'no permission left: the VM is not even visible');
      await rejectsWith(c.vmgate.permissions.delete(perm), 'NOT_FOUND');
      await rejectsWith(c.vmgate.permissions.set({ principal: 'robot:r2d2', entity: vm, role: 'operator' }), 'INVALID_ARGUMENT');
      await rejectsWith(c.vmgate.permissions.set({ principal: `user:${n('frank')}`, entity: vm, role: 'no-such-role' }), 'NOT_FOUND');
      frank.close();
    });
  });
}

describe('vmgate identity: REST statuses and malformed input', () => {
  it('users: 201 with {user,password}; 400 ALREADY_EXISTS; 204 for update/set-password/unlock/delete; 403 for a read-only user', async () => {
    const c = await rest('POST', '/api/vmgate/users', { body: { name: 'rest-gina' } });
    assert.equal(c.status, 201);
    const { user, password } = c.json as { user: string; password: string };
    const login = await rest('POST', '/api/session', { basic: `rest-gina:${password}` });
    assert.equal(login.status, 201, 'the generated password works for POST /api/session');
    const dup = await rest('POST', '/api/vmgate/users', { body: { name: 'rest-gina' } });
    assert.equal(dup.status, 400);
    assert.equal((dup.json as { error_type: string }).error_type, 'ALREADY_EXISTS');
    assert.equal((await rest('GET', `/api/vmgate/users/${user}`)).status, 200);
    assert.equal((await rest('PATCH', '/api/vmgate/users/rest-gina', { body: { full_name: 'Gina' } })).status, 204);
    assert.equal((await rest('POST', '/api/vmgate/users/rest-gina?action=set-password', { body: { password: 'gina-password-2' } })).status, 204);
    assert.equal((await rest('POST', '/api/vmgate/users/rest-gina?action=unlock')).status, 204);

    assert.equal((await rest('POST', '/api/vmgate/permissions', { body: { principal: 'user:rest-gina', entity: 'root', role: 'read-only' } })).status, 201);
    const ro = await rest('POST', '/api/vmgate/users', { body: { name: 'rest-sneaky' }, basic: 'rest-gina:gina-password-2' });
    assert.equal(ro.status, 403);
    assert.equal((ro.json as { error_type: string }).error_type, 'UNAUTHORIZED');
    assert.equal((await rest('GET', '/api/vmgate/roles', { basic: 'rest-gina:gina-password-2' })).status, 200);

    assert.equal((await rest('DELETE', '/api/vmgate/users/rest-gina')).status, 204);
    assert.equal((await rest('GET', '/api/vmgate/users/rest-gina')).status, 404);
    assert.equal((await rest('GET', '/api/vmgate/users', { token: 'not-a-session' })).status, 401);
  });

  it('groups, roles, permissions: 201 ids, 204 voids, 200 lists', async () => {
    const g = await rest('POST', '/api/vmgate/groups', { body: { name: 'rest-team' } });
    assert.equal(g.status, 201);
    assert.equal((await rest('POST', `/api/vmgate/groups/${g.json as string}?action=add-members`, { body: { users: ['administrator'] } })).status, 204);
    assert.deepEqual(((await rest('GET', '/api/vmgate/groups/rest-team')).json as { members: string[] }).members, ['administrator']);
    assert.equal((await rest('POST', '/api/vmgate/groups/rest-team?action=remove-members', { body: { users: ['administrator'] } })).status, 204);
    const p = await rest('POST', '/api/vmgate/permissions', { body: { principal: 'group:rest-team', entity: 'library', role: 'operator' } });
    assert.equal(p.status, 201);
    const listed = await rest('GET', '/api/vmgate/permissions?entity=library');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json, [{ permission: p.json, principal: 'group:rest-team', entity: 'library', role: 'operator', propagate: true }]);
    assert.equal((await rest('DELETE', `/api/vmgate/permissions/${p.json as string}`)).status, 204);
    assert.equal((await rest('DELETE', '/api/vmgate/groups/rest-team')).status, 204);
    const r = await rest('POST', '/api/vmgate/roles', { body: { id: 'rest-role', name: 'REST role', privileges: ['System.View'] } });
    assert.equal(r.status, 201);
    assert.equal(r.json, 'rest-role');
  });

  it('malformed input: wrong types, missing fields, unknown fields, bad JSON', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/vmgate/users', { name: 7 }, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/users', { full_name: 'no name' }, 'INVALID_ARGUMENT'],
      ['PATCH', '/api/vmgate/users/administrator', { disabled: 'yes' }, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/users/administrator?action=set-password', {}, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/groups', { name: 'g', members: 'alice' }, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/roles', { id: 'x', name: 'x', privileges: [1] }, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/roles', { id: 'Not Valid', name: 'x', privileges: [] }, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/permissions', { principal: 'user:administrator', entity: 'root' }, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/permissions', { principal: 'user:administrator', entity: 'root', role: 'operator', propagate: 'always' }, 'INVALID_ARGUMENT'],
      ['POST', '/api/vmgate/users', { name: 'x', surprise: true }, 'UNEXPECTED_INPUT'],
    ];
    for (const [method, path, body, errorType] of cases) {
      const r = await rest(method, path, { body });
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal((r.json as { error_type: string }).error_type, errorType, `${method} ${path} ${JSON.stringify(body)}`);
    }
    const bad = await kit.s.request('POST', '/api/vmgate/users', { headers: { 'vmware-api-session-id': kit.adminToken, 'content-type': 'application/json' }, body: '{"name": ' });
    assert.equal(bad.status, 400);
    assert.equal((await rest('GET', '/api/vmgate/users')).status, 200, 'still serving');
  });
});

/**
 * Permission resolution (src/core/authz.ts, pure) and the Authorizer over a real core
 * (src/core/authorizer.ts): which level decides, user over group, propagation, the
 * ancestry of every kind of object, not_found versus unauthorized, desktop entitlements,
 * seesAll, and the cache following changes. Expected privilege sets and messages are
 * written here by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { effectivePrivileges, requirePrivilege } from '../../src/core/authz.ts';
import type { Caller } from '../../src/core/caller.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { SYSTEM_CALLER } from '../../src/core/index.ts';
import type { Permission, Privilege, Role } from '../../src/core/model/index.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

const exactly = (kind: string, message: string) => (e: unknown) => {
  assert.ok(e instanceof VmgateError, String(e));
  assert.deepEqual([e.kind, e.message], [kind, message]);
  return true;
};

describe('effectivePrivileges (pure)', () => {
  const ann: Caller = { kind: 'user', userId: 'user-7', userName: 'ann', groupIds: ['group-1', 'group-2'], sessionId: null };
  const roles = new Map<string, Role>([
    ['viewer', { id: 'viewer', name: 'Viewer', privileges: ['System.View'], system: false }],
    ['powers', { id: 'powers', name: 'Powers', privileges: ['VirtualMachine.PowerOps'], system: false }],
    ['snaps', { id: 'snaps', name: 'Snaps', privileges: ['VirtualMachine.Snapshot', 'System.View'], system: false }],
  ]);
  let n = 0;
  const perm = (principal: `user:${string}` | `group:${string}`, entityId: string, roleId: string, propagate = true): Permission => ({ id: `permission-${++n}`, principal, entityId, roleId, propagate, createdAt: '2026-01-01T00:00:00.000Z' });
  const byEntity = (...ps: Permission[]): Map<string, Permission[]> => {
    const m = new Map<string, Permission[]>();
    for (const p of ps) m.set(p.entityId, [...(m.get(p.entityId) ?? []), p]);
    return m;
  };
  const sorted = (s: ReadonlySet<Privilege>): string[] => [...s].sort();
  const path = ['vm-1', 'host-1', 'domain-c1', 'datacenter-1', 'root'];

  it('nothing anywhere: no privilege', () => {
    assert.deepEqual(sorted(effectivePrivileges(ann, path, new Map(), roles)), []);
  });

  it('a permission of someone else, or of a group ann is not in, gives ann nothing', () => {
    const m = byEntity(perm('user:user-8', 'vm-1', 'powers'), perm('group:group-3', 'root', 'viewer'));
    assert.deepEqual(sorted(effectivePrivileges(ann, path, m, roles)), []);
  });

  it('the nearest level with a permission of hers decides; higher ones are not added', () => {
    const m = byEntity(perm('user:user-7', 'host-1', 'powers'), perm('user:user-7', 'root', 'viewer'));
    assert.deepEqual(sorted(effectivePrivileges(ann, path, m, roles)), ['VirtualMachine.PowerOps']);
  });

  it('at one level, her own permissions win over her groups’; her roles there are unioned', () => {
    const m = byEntity(perm('group:group-1', 'host-1', 'viewer'), perm('user:user-7', 'host-1', 'powers'), perm('user:user-7', 'host-1', 'snaps'));
    assert.deepEqual(sorted(effectivePrivileges(ann, path, m, roles)), ['System.View', 'VirtualMachine.PowerOps', 'VirtualMachine.Snapshot']);
  });

  it('with no permission of her own at a level, the roles of all her groups there are unioned', () => {
    const m = byEntity(perm('group:group-1', 'domain-c1', 'viewer'), perm('group:group-2', 'domain-c1', 'powers'), perm('group:group-3', 'domain-c1', 'snaps'));
    assert.deepEqual(sorted(effectivePrivileges(ann, path, m, roles)), ['System.View', 'VirtualMachine.PowerOps']);
  });

  it('a permission on an ancestor counts only when it propagates; on the object itself it counts either way', () => {
    const notOnAncestor = byEntity(perm('user:user-7', 'host-1', 'powers', false), perm('group:group-2', 'root', 'viewer'));
    assert.deepEqual(sorted(effectivePrivileges(ann, path, notOnAncestor, roles)), ['System.View']);
    const onObject = byEntity(perm('user:user-7', 'vm-1', 'powers', false), perm('group:group-2', 'root', 'viewer'));
    assert.deepEqual(sorted(effectivePrivileges(ann, path, onObject, roles)), ['VirtualMachine.PowerOps']);
  });

  it('a role that no longer exists gives nothing (and still decides its level)', () => {
    const m = byEntity(perm('user:user-7', 'host-1', 'gone'), perm('user:user-7', 'root', 'viewer'));
    assert.deepEqual(sorted(effectivePrivileges(ann, path, m, roles)), []);
  });

  it('the system caller holds every privilege, with no permission at all', () => {
    assert.deepEqual(sorted(effectivePrivileges(SYSTEM_CALLER, path, new Map(), roles)), [
      'Authorization.Modify', 'Datastore.Browse', 'Datastore.FileManagement', 'Desktop.Admin', 'Desktop.Use', 'Host.Config', 'System.View',
      'Task.Cancel', 'VirtualMachine.Config', 'VirtualMachine.Console', 'VirtualMachine.GuestOps', 'VirtualMachine.Inventory', 'VirtualMachine.PowerOps', 'VirtualMachine.Snapshot',
    ]);
  });

  it('requirePrivilege: passes when held; otherwise unauthorized naming user, privilege and object', () => {
    requirePrivilege(ann, 'System.View', new Set<Privilege>(['System.View']), 'vm-1');
    assert.throws(() => requirePrivilege(ann, 'VirtualMachine.PowerOps', new Set<Privilege>(['System.View']), 'vm-1'), (e: unknown) => {
      assert.ok(e instanceof VmgateError);
      assert.deepEqual([e.kind, e.message, e.module, e.details], ['unauthorized', "user 'ann' lacks the privilege VirtualMachine.PowerOps on vm-1", 'core.authz', { privilege: 'VirtualMachine.PowerOps', object: 'vm-1' }]);
      return true;
    });
  });
});

describe('Authorizer over a real core', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore();
  });
  after(async () => t.close());

  it('ancestry of every kind of object, up to root', async () => {
    const { core, dc, cluster, datastore, hosts } = t;
    const [h0] = hosts;
    const standalone = await core.inventory.createHost(SYSTEM_CALLER, { name: 'H9', datacenterId: dc.id, driver: 'sim', cpuCount: 2, memoryMiB: 2048, datastoreIds: [datastore.id] });
    const vm = await core.vms.create(t.admin, { name: 'anc-vm', placement: { hostId: h0!.id } });
    const vmOnStandalone = await core.vms.create(t.admin, { name: 'anc-vm2', placement: { hostId: standalone.id } });
    const a = core.authz;
    assert.deepEqual(await a.ancestry('root'), ['root']);
    assert.deepEqual(await a.ancestry('library'), ['library', 'root']);
    assert.deepEqual(await a.ancestry(vm.id), [vm.id, h0!.id, cluster.id, dc.id, 'root']);
    assert.deepEqual(await a.ancestry(vmOnStandalone.id), [vmOnStandalone.id, standalone.id, dc.id, 'root']);
    assert.deepEqual(await a.ancestry(h0!.id), [h0!.id, cluster.id, dc.id, 'root']);
    assert.deepEqual(await a.ancestry(h0!.id), [h0!.id, cluster.id, dc.id, 'root'], 'the second time from the cache, the same');
    assert.deepEqual(await a.ancestry(standalone.id), [standalone.id, dc.id, 'root']);
    assert.deepEqual(await a.ancestry(cluster.id), [cluster.id, dc.id, 'root']);
    assert.deepEqual(await a.ancestry(datastore.id), [datastore.id, dc.id, 'root']);
    assert.deepEqual(await a.ancestry(dc.id), [dc.id, 'root']);
    // Objects that do not exist hang directly under root.
    assert.deepEqual(await a.ancestry('vm-999'), ['vm-999', 'root']);
    assert.deepEqual(await a.ancestry('host-999'), ['host-999', 'root']);
    assert.deepEqual(await a.ancestry('domain-c999'), ['domain-c999', 'root']);
    assert.deepEqual(await a.ancestry('datastore-999'), ['datastore-999', 'root']);
    assert.deepEqual(await a.ancestry('pool-3'), ['pool-3', 'root']);
    // A VM in the library (no host) sits under 'library'; one on a host that is gone, under root.
    assert.deepEqual(await a.vmAncestry({ id: 'vm-500', hostId: null }), ['vm-500', 'library', 'root']);
    assert.deepEqual(await a.vmAncestry({ id: 'vm-501', hostId: 'host-999' }), ['vm-501', 'root']);
  });

  it('a permission on the cluster reaches its hosts and VMs, not the datastore beside it or the datacenter above', async () => {
    const { core, dc, cluster, datastore, hosts } = t;
    const u = await t.user('clusterop', 'operator', cluster.id);
    const vm = await core.vms.create(t.admin, { name: 'in-cluster', placement: { hostId: hosts[1]!.id } });
    assert.equal(await core.authz.has(u, 'VirtualMachine.PowerOps', vm.id), true);
    assert.equal(await core.authz.has(u, 'VirtualMachine.PowerOps', hosts[0]!.id), true);
    assert.equal(await core.authz.has(u, 'System.View', datastore.id), false);
    assert.equal(await core.authz.has(u, 'System.View', dc.id), false);
    assert.equal(await core.authz.has(u, 'Host.Config', hosts[0]!.id), false, 'operator has no Host.Config');
    assert.equal(await core.identity.may(u, 'System.View'), false, 'nothing on root');
    assert.equal(await core.identity.may(u, 'System.View', cluster.id), true);
    assert.equal(await core.identity.may(SYSTEM_CALLER, 'Authorization.Modify'), true);
  });

  it('require and requireVisible: unauthorized when the object is readable, not_found when it is not', async () => {
    const { core, hosts } = t;
    const vm = await core.vms.create(t.admin, { name: 'visible-or-not', placement: { hostId: hosts[0]!.id } });
    const viewer = await t.user('rv-viewer', 'read-only');
    const nobody = await t.user('rv-nobody', null);
    await assert.rejects(core.authz.require(viewer, 'VirtualMachine.PowerOps', vm.id), exactly('unauthorized', `user 'rv-viewer' lacks the privilege VirtualMachine.PowerOps on ${vm.id}`));
    await assert.rejects(core.authz.require(nobody, 'System.View', vm.id), exactly('unauthorized', `user 'rv-nobody' lacks the privilege System.View on ${vm.id}`));
    await core.authz.require(viewer, 'System.View', vm.id);
    await core.authz.require(SYSTEM_CALLER, 'Host.Config', vm.id);
    await assert.rejects(core.authz.requireVisible(viewer, 'VirtualMachine.PowerOps', vm.id), exactly('unauthorized', `user 'rv-viewer' lacks the privilege VirtualMachine.PowerOps on ${vm.id}`));
    await assert.rejects(core.authz.requireVisible(nobody, 'VirtualMachine.PowerOps', vm.id), exactly('not_found', `${vm.id} was not found`));
    await assert.rejects(core.authz.requireVisible(nobody, 'VirtualMachine.Console', vm.id), exactly('not_found', `${vm.id} was not found`));
    await core.authz.requireVisible(viewer, 'System.View', vm.id);
    await core.authz.requireVisible(SYSTEM_CALLER, 'VirtualMachine.Console', vm.id);
  });

  it('VirtualMachine.Console through a desktop pool entitlement (of the user or a group), and nothing else', async () => {
    const { core, hosts } = t;
    const inPool = await core.vms.create(t.admin, { name: 'desk-1', placement: { hostId: hosts[0]!.id } });
    const outside = await core.vms.create(t.admin, { name: 'desk-2', placement: { hostId: hosts[0]!.id } });
    const pool = await core.vdi.createPool(t.admin, { name: 'authz-pool', type: 'dedicated', vmIds: [inPool.id] });
    await core.vdi.createPool(t.admin, { name: 'authz-other', type: 'dedicated', vmIds: [outside.id] });
    const direct = await t.user('desk-direct', null);
    const viaGroup = await t.user('desk-group', null);
    const stranger = await t.user('desk-stranger', null);
    await core.vdi.entitle(t.admin, pool.id, 'user:desk-direct');
    await core.identity.createGroup(t.admin, { name: 'desk-people', members: ['desk-group'] });
    await core.vdi.entitle(t.admin, pool.id, 'group:desk-people');
    const groupCaller = (await core.identity.login('desk-group', 'desk-group-password-1', 'test')).caller;
    await core.authz.requireVisible(direct, 'VirtualMachine.Console', inPool.id);
    await core.authz.requireVisible(groupCaller, 'VirtualMachine.Console', inPool.id);
    await assert.rejects(core.authz.requireVisible(viaGroup, 'VirtualMachine.Console', inPool.id), exactly('not_found', `${inPool.id} was not found`), 'a caller from before the group existed has no group');
    await assert.rejects(core.authz.requireVisible(stranger, 'VirtualMachine.Console', inPool.id), exactly('not_found', `${inPool.id} was not found`));
    await assert.rejects(core.authz.requireVisible(direct, 'VirtualMachine.Console', outside.id), exactly('not_found', `${outside.id} was not found`));
    await assert.rejects(core.authz.requireVisible(direct, 'VirtualMachine.PowerOps', inPool.id), exactly('not_found', `${inPool.id} was not found`), 'an entitlement gives the console only');
  });

  it('seesAll: System.View on root and no narrower permission of the caller or its groups anywhere', async () => {
    const { core, hosts } = t;
    assert.equal(await core.authz.seesAll(SYSTEM_CALLER), true);
    assert.equal(await core.authz.seesAll(t.admin), true);
    const ro = await t.user('sa-ro', 'read-only');
    assert.equal(await core.authz.seesAll(ro), true);
    const none = await t.user('sa-none', null);
    assert.equal(await core.authz.seesAll(none), false);
    const narrowed = await t.user('sa-narrowed', 'read-only');
    await core.identity.setPermission(t.admin, { principal: 'user:sa-narrowed', entityId: hosts[0]!.id, roleId: 'operator' });
    assert.equal(await core.authz.seesAll(narrowed), false);
    const member = await t.user('sa-member', 'read-only');
    const g = await core.identity.createGroup(t.admin, { name: 'sa-group', members: ['sa-member'] });
    await core.identity.setPermission(t.admin, { principal: `group:${g.name}`, entityId: hosts[1]!.id, roleId: 'read-only' });
    const memberNow = (await core.identity.login('sa-member', 'sa-member-password-1', 'test')).caller;
    assert.equal(await core.authz.seesAll(member), true, 'the caller from before joining has no group');
    assert.equal(await core.authz.seesAll(memberNow), false);
  });

  it('the cache follows changes: a new permission and its removal count at once', async () => {
    const { core, hosts } = t;
    const u = await t.user('cache-user', null);
    assert.equal(await core.authz.has(u, 'System.View', hosts[0]!.id), false);
    const p = await core.identity.setPermission(t.admin, { principal: 'user:cache-user', entityId: hosts[0]!.id, roleId: 'read-only' });
    assert.equal(await core.authz.has(u, 'System.View', hosts[0]!.id), true);
    await core.identity.removePermission(t.admin, p.id);
    assert.equal(await core.authz.has(u, 'System.View', hosts[0]!.id), false);
    const role = await core.identity.createRole(t.admin, { id: 'cache-role', name: 'Cache role', privileges: ['Host.Config'] });
    await core.identity.setPermission(t.admin, { principal: 'user:cache-user', entityId: hosts[0]!.id, roleId: role.id });
    assert.deepEqual([...(await core.authz.privileges(u, hosts[0]!.id))], ['Host.Config']);
    const groups = await core.authz.groups();
    const g = await core.identity.createGroup(t.admin, { name: 'cache-group' });
    assert.equal((await core.authz.groups()).length, groups.length + 1, 'a new group is seen');
    assert.ok((await core.authz.groups()).some((x) => x.id === g.id));
  });
});

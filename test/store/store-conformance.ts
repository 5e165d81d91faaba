/**
 * The behaviour every Store backend keeps (sqlite now, postgres later): one suite, run
 * once per backend by its own *.test.ts. `open` returns a fresh, empty store each call.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { VmgateError } from '../../src/core/errors.ts';
import type { ErrorKind } from '../../src/core/errors.ts';
import type { Vm } from '../../src/core/model/index.ts';
import type { NamedRepository, Repository, Store } from '../../src/core/ports/store.ts';
import {
  application,
  assignment,
  at,
  cluster,
  datacenter,
  datastore,
  desktopSession,
  entitlement,
  group,
  host,
  permission,
  pool,
  role,
  session,
  snapshot,
  T0,
  task,
  user,
  vm,
} from './fixtures/records.ts';

type AnyRecord = { readonly id: string };

/** A promise that rejects with a store VmgateError of that kind whose message matches. */
async function rejectsWith(p: Promise<unknown>, kind: ErrorKind, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof VmgateError, `expected a VmgateError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.equal(e.module, 'store');
    assert.match(e.message, message);
    return true;
  });
}

const ids = (rows: readonly AnyRecord[]): string[] => rows.map((r) => r.id);

interface CrudCase {
  readonly name: string;
  repo(s: Store): Repository<AnyRecord>;
  /** Two different records, a patch for the first and, if named, getByName. */
  readonly a: AnyRecord;
  readonly b: AnyRecord;
  readonly patch: Record<string, unknown>;
  readonly named: boolean;
}

const crud = <T extends AnyRecord>(
  name: string,
  repo: (s: Store) => Repository<T>,
  a: T,
  b: T,
  patch: Partial<Omit<T, 'id'>>,
): CrudCase => ({
  name,
  repo: repo as (s: Store) => Repository<AnyRecord>,
  a,
  b,
  patch: patch as Record<string, unknown>,
  named: false,
});

const crudNamed = <T extends AnyRecord & { readonly name: string }>(
  name: string,
  repo: (s: Store) => NamedRepository<T>,
  a: T,
  b: T,
  patch: Partial<Omit<T, 'id'>>,
): CrudCase => ({ ...crud(name, repo, a, b, patch), named: true });

const CRUD_CASES: readonly CrudCase[] = [
  crudNamed('datacenters', (s) => s.datacenters, datacenter(1), datacenter(2), { name: 'Paris' }),
  crudNamed('clusters', (s) => s.clusters, cluster(1, 'datacenter-1'), cluster(2, 'datacenter-1'), { datacenterId: 'datacenter-2' }),
  crudNamed('hosts', (s) => s.hosts, host(1, 'datacenter-1', 'domain-c1'), host(2, 'datacenter-1', null), {
    clusterId: null,
    maintenanceMode: true,
    connectionState: 'notResponding',
    datastoreIds: [],
  }),
  crudNamed('datastores', (s) => s.datastores, datastore(1), datastore(2), { path: '/srv/ds1' }),
  crudNamed(
    'vms',
    (s) => s.vms,
    vm(1, {
      hostId: 'host-1',
      powerState: 'poweredOn',
      toolsState: 'running',
      currentSnapshotId: 'snapshot-3',
      hardware: {
        ...vm(1).hardware,
        firmware: 'bios',
        cdroms: [{ device: 'ide1:0', isoFile: '[datastore1] iso/alpine.iso', connected: true }],
        kernelBoot: { kernel: 'boot/vmlinuz', initrd: null, cmdline: 'console=ttyS0 quiet' },
      },
    }),
    vm(2, { ownerId: null, annotation: '' }),
    { powerState: 'suspended', hostId: null, hardware: { ...vm(1).hardware, cpuCount: 8, nics: [] } },
  ),
  crud('snapshots', (s) => s.snapshots, snapshot(1, 'vm-1', null), snapshot(2, 'vm-1', 'snapshot-1'), {
    description: '',
    includeMemory: true,
  }),
  crud(
    'tasks',
    (s) => s.tasks,
    task(1),
    task(2, {
      state: 'error',
      progress: 37.5,
      result: null,
      error: { kind: 'not_allowed_in_current_state', message: 'vm-1 is powered on', reason: 'vm_is_running' },
      targetId: null,
      targetName: null,
      ownerId: null,
      ownerName: null,
      cancellable: true,
    }),
    { state: 'running', progress: 42, step: 'copying disks', finishedAt: null, result: [1, 'two', { three: 3 }] },
  ),
  crudNamed('users', (s) => s.users, user(1), user(2, { lockedUntil: at(600), lastLoginAt: at(5), failedLogins: 3, disabled: true }), {
    fullName: 'Alice Liddell',
    lockedUntil: at(60),
  }),
  crudNamed('groups', (s) => s.groups, group(1), group(2, { memberIds: [] }), { memberIds: ['user-3'] }),
  crudNamed('roles', (s) => s.roles, role('administrator', { system: true }), role('operator'), { privileges: [] }),
  crud('permissions', (s) => s.permissions, permission(1), permission(2, { principal: 'group:group-1', propagate: false }), {
    roleId: 'read-only',
  }),
  crud('sessions', (s) => s.sessions, session(1), session(2, { data: {} }), { lastUsedAt: at(60), data: { locale: 'de_DE' } }),
  crudNamed('pools', (s) => s.pools, pool(1), pool(2, { type: 'floating', vmIds: [], protocols: ['VNC'], defaultProtocol: 'VNC' }), {
    enabled: false,
    vmIds: ['vm-9'],
  }),
  crud('entitlements', (s) => s.entitlements, entitlement(1, 'pool-1'), entitlement(2, 'pool-1'), { principal: 'user:user-4' }),
  crud('desktopSessions', (s) => s.desktopSessions, desktopSession(1), desktopSession(2, { protocol: 'VNC' }), {
    state: 'disconnected',
    updatedAt: at(99),
  }),
  crudNamed('applications', (s) => s.applications, application(1), application(2), { version: '11.0' }),
];

export function storeConformance(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('every repository round-trips its records', () => {
      for (const c of CRUD_CASES) {
        it(`${c.name}: insert, get, list, count, update, delete`, async () => {
          const repo = c.repo(store);
          assert.equal(await repo.count(), 0);
          assert.deepEqual(await repo.list(), []);
          await repo.insert(c.a);
          await repo.insert(c.b);
          assert.deepEqual(await repo.get(c.a.id), c.a);
          assert.deepEqual(await repo.get(c.b.id), c.b);
          assert.equal(await repo.get('no-such-id'), undefined);
          assert.equal(await repo.count(), 2);
          assert.deepEqual(
            [...(await repo.list())].sort((x, y) => x.id.localeCompare(y.id)),
            [c.a, c.b].sort((x, y) => x.id.localeCompare(y.id)),
          );

          const updated = await repo.update(c.a.id, c.patch);
          const expected = { ...c.a, ...c.patch };
          assert.deepEqual(updated, expected);
          assert.deepEqual(await repo.get(c.a.id), expected);
          assert.deepEqual(await repo.get(c.b.id), c.b, 'update touches one row only');
          assert.deepEqual(await repo.update(c.a.id, {}), expected, 'an empty patch changes nothing');

          assert.equal(await repo.delete(c.a.id), true);
          assert.equal(await repo.delete(c.a.id), false);
          assert.equal(await repo.get(c.a.id), undefined);
          assert.equal(await repo.count(), 1);
        });

        it(`${c.name}: a duplicate id is already_exists, updating a missing id is not_found`, async () => {
          const repo = c.repo(store);
          await repo.insert(c.a);
          await rejectsWith(repo.insert(c.a), 'already_exists', /already exists/);
          await rejectsWith(repo.update('missing-1', c.patch), 'not_found', /missing-.* was not found/);
          assert.equal(await repo.count(), 1);
        });

        if (c.named) {
          it(`${c.name}: getByName`, async () => {
            const repo = c.repo(store) as Repository<AnyRecord> & { getByName(n: string): Promise<AnyRecord | undefined> };
            await repo.insert(c.a);
            await repo.insert(c.b);
            assert.deepEqual(await repo.getByName((c.b as AnyRecord & { name: string }).name), c.b);
            assert.equal(await repo.getByName('nobody by that name'), undefined);
          });
        }
      }

      it('records are equal in every value kind: nulls, booleans, numbers, nested JSON', async () => {
        const t = task(7, {
          progress: 12.25,
          result: { nested: { list: [null, true, false, 0, -1.5, 'ünïcødé ✓', { deep: [[]] }] }, empty: {} },
        });
        await store.tasks.insert(t);
        const back = await store.tasks.get(t.id);
        assert.deepEqual(back, t);
        assert.equal(typeof back?.cancellable, 'boolean');
        for (const result of [null, 0, '', false, 'text', [[1], [2]]]) {
          await store.tasks.update(t.id, { result });
          assert.deepEqual((await store.tasks.get(t.id))?.result, result);
        }
      });

      it('messages name the object', async () => {
        await store.vms.insert(vm(12));
        await rejectsWith(store.vms.insert(vm(12, { uuid: 'other', vmxRel: 'x/x.vmx' })), 'already_exists', /^vm-12 already exists$/);
        await rejectsWith(store.vms.update('vm-13', { name: 'x' }), 'not_found', /^vm-13 was not found$/);
        await store.users.insert(user(1, { name: 'alice' }));
        await rejectsWith(store.users.insert(user(2, { name: 'alice' })), 'already_exists', /^user 'alice' already exists$/);
        await rejectsWith(store.tasks.update('5f0c2d3e-dead', { state: 'running' }), 'not_found', /task 5f0c2d3e-dead was not found/);
      });
    });

    describe('unique names', () => {
      const cases: [string, (s: Store) => Repository<AnyRecord>, AnyRecord, AnyRecord][] = [
        ['datacenter', (s) => s.datacenters, datacenter(1, { name: 'Lab' }), datacenter(2, { name: 'Lab' })],
        ['host', (s) => s.hosts, host(1, 'datacenter-1', null, { name: 'esx.lab' }), host(2, 'datacenter-1', null, { name: 'esx.lab' })],
        ['user', (s) => s.users, user(1, { name: 'bob' }), user(2, { name: 'bob' })],
        ['group', (s) => s.groups, group(1, { name: 'finance' }), group(2, { name: 'finance' })],
        ['desktop pool', (s) => s.pools, pool(1, { name: 'kiosk' }), pool(2, { name: 'kiosk' })],
      ];
      for (const [noun, repo, a, b] of cases) {
        it(`${noun} names are unique on insert and on update`, async () => {
          const name = (a as AnyRecord & { name: string }).name;
          await repo(store).insert(a);
          await rejectsWith(repo(store).insert(b), 'already_exists', new RegExp(`${noun} '${name}' already exists`));
          assert.equal(await repo(store).get(b.id), undefined);
          await repo(store).insert({ ...b, name: 'other' } as AnyRecord);
          await rejectsWith(repo(store).update(b.id, { name }), 'already_exists', new RegExp(`'${name}' already exists`));
          assert.equal(((await repo(store).get(b.id)) as AnyRecord & { name: string }).name, 'other');
        });
      }

      it('VMs are unique by uuid and by (datastoreId, vmxRel), not by name', async () => {
        await store.vms.insert(vm(1, { name: 'db' }));
        await rejectsWith(store.vms.insert(vm(2, { uuid: vm(1).uuid })), 'already_exists', new RegExp(vm(1).uuid));
        await rejectsWith(store.vms.insert(vm(2, { vmxRel: vm(1, { name: 'db' }).vmxRel })), 'already_exists', /already exists/);
        await store.vms.insert(vm(3, { name: 'db', vmxRel: vm(1, { name: 'db' }).vmxRel, datastoreId: 'datastore-2' }));
        await store.vms.insert(vm(2, { name: 'db' }));
        assert.equal(await store.vms.count(), 3);
        assert.equal((await store.vms.getByName('db'))?.id, 'vm-1', 'first by id order');
        await rejectsWith(store.vms.update('vm-2', { uuid: vm(3).uuid }), 'already_exists', new RegExp(vm(3).uuid));
      });

      it('clusters, datastores, roles and applications may share names', async () => {
        await store.clusters.insert(cluster(1, 'datacenter-1', { name: 'Prod' }));
        await store.clusters.insert(cluster(2, 'datacenter-2', { name: 'Prod' }));
        await store.datastores.insert(datastore(1, { name: 'local' }));
        await store.datastores.insert(datastore(2, { name: 'local' }));
        assert.equal((await store.clusters.getByName('Prod'))?.id, 'domain-c1');
        assert.equal((await store.datastores.getByName('local'))?.id, 'datastore-1');
      });
    });

    describe('VMs', () => {
      // DC1: cluster c1 = host-1, host-2; standalone host-3. DC2: cluster c2 = host-4.
      beforeEach(async () => {
        await store.datacenters.insert(datacenter(1));
        await store.datacenters.insert(datacenter(2));
        await store.clusters.insert(cluster(1, 'datacenter-1'));
        await store.clusters.insert(cluster(2, 'datacenter-2'));
        await store.hosts.insert(host(1, 'datacenter-1', 'domain-c1'));
        await store.hosts.insert(host(2, 'datacenter-1', 'domain-c1'));
        await store.hosts.insert(host(3, 'datacenter-1', null));
        await store.hosts.insert(host(4, 'datacenter-2', 'domain-c2'));
        const placement: [number, string | null, Vm['powerState'], string][] = [
          [1, 'host-1', 'poweredOn', 'datastore-1'],
          [2, 'host-1', 'poweredOff', 'datastore-1'],
          [3, 'host-2', 'suspended', 'datastore-2'],
          [4, 'host-3', 'poweredOn', 'datastore-2'],
          [5, 'host-4', 'poweredOn', 'datastore-3'],
          [6, null, 'poweredOff', 'datastore-1'],
          [7, null, 'poweredOff', 'datastore-3'],
          [8, 'host-2', 'poweredOn', 'datastore-1'],
          [9, 'host-1', 'paused', 'datastore-1'],
          [10, 'host-1', 'poweredOn', 'datastore-1'],
          [11, 'host-4', 'poweredOff', 'datastore-3'],
          [12, null, 'poweredOff', 'datastore-1'],
        ];
        // inserted out of order: the store orders by the id's number
        for (const [n, hostId, powerState, datastoreId] of [...placement].reverse()) {
          await store.vms.insert(vm(n, { hostId, powerState, datastoreId, name: n % 3 === 0 ? 'db' : `web-${n}` }));
        }
      });

      const q = async (f: Parameters<Store['vms']['query']>[0]) => ids(await store.vms.query(f));

      it('list and query order by the number in the id (vm-2 before vm-10)', async () => {
        const all = ['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6', 'vm-7', 'vm-8', 'vm-9', 'vm-10', 'vm-11', 'vm-12'];
        assert.deepEqual(ids(await store.vms.list()), all);
        assert.deepEqual(await q({}), all);
        assert.equal(await store.vms.countBy({}), 12);
      });

      it('filters by ids, uuids, names, hosts, datastores and power states', async () => {
        assert.deepEqual(await q({ ids: ['vm-10', 'vm-2', 'vm-99'] }), ['vm-2', 'vm-10']);
        assert.deepEqual(await q({ uuids: [vm(5).uuid, vm(11).uuid] }), ['vm-5', 'vm-11']);
        assert.deepEqual(await q({ names: ['db'] }), ['vm-3', 'vm-6', 'vm-9', 'vm-12']);
        assert.deepEqual(await q({ names: ['db', 'web-1'] }), ['vm-1', 'vm-3', 'vm-6', 'vm-9', 'vm-12']);
        assert.deepEqual(await q({ hostIds: ['host-1'] }), ['vm-1', 'vm-2', 'vm-9', 'vm-10']);
        assert.deepEqual(await q({ hostIds: ['host-3', 'host-4'] }), ['vm-4', 'vm-5', 'vm-11']);
        assert.deepEqual(await q({ datastoreIds: ['datastore-3'] }), ['vm-5', 'vm-7', 'vm-11']);
        assert.deepEqual(await q({ powerStates: ['poweredOn'] }), ['vm-1', 'vm-4', 'vm-5', 'vm-8', 'vm-10']);
        assert.deepEqual(await q({ powerStates: ['suspended', 'paused'] }), ['vm-3', 'vm-9']);
      });

      it('clusterIds and datacenterIds go through the host; library VMs match neither', async () => {
        assert.deepEqual(await q({ clusterIds: ['domain-c1'] }), ['vm-1', 'vm-2', 'vm-3', 'vm-8', 'vm-9', 'vm-10']);
        assert.deepEqual(await q({ clusterIds: ['domain-c2'] }), ['vm-5', 'vm-11']);
        assert.deepEqual(await q({ datacenterIds: ['datacenter-1'] }), ['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-8', 'vm-9', 'vm-10']);
        assert.deepEqual(await q({ datacenterIds: ['datacenter-2'] }), ['vm-5', 'vm-11']);
        assert.deepEqual(await q({ datacenterIds: ['datacenter-9'] }), []);
      });

      it('inLibrary selects unplaced (true) or placed (false) VMs', async () => {
        assert.deepEqual(await q({ inLibrary: true }), ['vm-6', 'vm-7', 'vm-12']);
        assert.equal((await store.vms.query({ inLibrary: false })).length, 9);
        assert.deepEqual(await q({ inLibrary: true, datastoreIds: ['datastore-3'] }), ['vm-7']);
      });

      it('fields narrow (AND), values inside a field widen (OR)', async () => {
        assert.deepEqual(await q({ clusterIds: ['domain-c1'], powerStates: ['poweredOn'] }), ['vm-1', 'vm-8', 'vm-10']);
        assert.deepEqual(await q({ datacenterIds: ['datacenter-1'], names: ['db'], powerStates: ['suspended', 'paused'] }), ['vm-3', 'vm-9']);
        assert.deepEqual(await q({ hostIds: ['host-1'], clusterIds: ['domain-c2'] }), []);
        assert.deepEqual(await q({ inLibrary: false, ids: ['vm-6', 'vm-7', 'vm-8'] }), ['vm-8']);
        assert.equal(await store.vms.countBy({ clusterIds: ['domain-c1'], powerStates: ['poweredOn'] }), 3);
      });

      it('an empty list in a field matches nothing', async () => {
        assert.deepEqual(await q({ ids: [] }), []);
        assert.deepEqual(await q({ powerStates: [] }), []);
        assert.deepEqual(await q({ clusterIds: [] }), []);
        assert.equal(await store.vms.countBy({ hostIds: [] }), 0);
      });

      it('limit and offset page through the id order; countBy ignores them', async () => {
        assert.deepEqual(await q({ limit: 3 }), ['vm-1', 'vm-2', 'vm-3']);
        assert.deepEqual(await q({ limit: 3, offset: 3 }), ['vm-4', 'vm-5', 'vm-6']);
        assert.deepEqual(await q({ offset: 10 }), ['vm-11', 'vm-12']);
        assert.deepEqual(await q({ offset: 50 }), []);
        assert.deepEqual(await q({ limit: 0 }), []);
        assert.deepEqual(await q({ powerStates: ['poweredOn'], limit: 2, offset: 1 }), ['vm-4', 'vm-5']);
        assert.equal(await store.vms.countBy({ powerStates: ['poweredOn'], limit: 2, offset: 1 }), 5);
        await rejectsWith(store.vms.query({ limit: -1 }), 'invalid_argument', /limit/);
      });

      it('getByName (first by id order), getByUuid, getByPath', async () => {
        assert.equal((await store.vms.getByName('db'))?.id, 'vm-3');
        assert.equal(await store.vms.getByName('nope'), undefined);
        assert.deepEqual(await store.vms.getByUuid(vm(7).uuid), (await store.vms.get('vm-7')) as Vm);
        assert.equal(await store.vms.getByUuid('00000000-0000-0000-0000-000000000000'), undefined);
        const v8 = (await store.vms.get('vm-8')) as Vm;
        assert.equal((await store.vms.getByPath(v8.datastoreId, v8.vmxRel))?.id, 'vm-8');
        assert.equal(await store.vms.getByPath('datastore-2', v8.vmxRel), undefined);
      });

      it('hostUsage sums vCPUs and memory of the host VMs that are not powered off', async () => {
        // host-1: vm-1 on, vm-2 off, vm-9 paused, vm-10 on → 3 VMs of 2 vCPU / 4096 MiB
        assert.deepEqual(await store.vms.hostUsage('host-1'), { cpuCount: 6, memoryMiB: 12288, vmCount: 3 });
        await store.vms.update('vm-10', { hardware: { ...vm(10).hardware, cpuCount: 16, memoryMiB: 65536 } });
        await store.vms.update('vm-2', { powerState: 'poweringOn' });
        assert.deepEqual(await store.vms.hostUsage('host-1'), { cpuCount: 22, memoryMiB: 77824, vmCount: 4 });
        await store.vms.update('vm-1', { hostId: 'host-2' });
        assert.deepEqual(await store.vms.hostUsage('host-1'), { cpuCount: 20, memoryMiB: 73728, vmCount: 3 });
        assert.deepEqual(await store.vms.hostUsage('host-9'), { cpuCount: 0, memoryMiB: 0, vmCount: 0 });
      });

      it('update with the caller\'s current record writes without reading: patch fields always, derived columns follow', async () => {
        const stale = (await store.vms.get('vm-2'))!; // host-1, poweredOff, 2 vCPU / 4096 MiB
        await store.vms.update('vm-2', { powerState: 'poweredOn', toolsState: 'running' });
        // The caller's copy is older than the row: a patch field equal to it is still written.
        const out = await store.vms.update('vm-2', { powerState: 'poweredOff', hardware: { ...stale.hardware, cpuCount: 8, memoryMiB: 1024 } }, stale);
        assert.equal(out.powerState, 'poweredOff');
        assert.equal(out.toolsState, stale.toolsState, 'the returned record is the caller\'s merged with the patch');
        const row = (await store.vms.get('vm-2'))!;
        assert.equal(row.powerState, 'poweredOff');
        assert.equal(row.toolsState, 'running', 'fields outside the patch keep the stored value');
        assert.equal(row.hardware.cpuCount, 8);
        // Derived columns (the vCPU and memory sums hostUsage reads) follow the patch.
        await store.vms.update('vm-2', { powerState: 'poweredOn' }, row);
        assert.deepEqual(await store.vms.hostUsage('host-1'), { cpuCount: 14, memoryMiB: 13312, vmCount: 4 });
        await rejectsWith(store.vms.update('vm-77', { name: 'x' }, { ...row, id: 'vm-77' }), 'not_found', /^vm-77 was not found$/);
        await rejectsWith(store.vms.update('vm-2', { nope: 1 } as never, row), 'invalid_argument', /has no field 'nope'/);
      });

      it('moving a VM to another host moves it between cluster and datacenter results', async () => {
        await store.vms.update('vm-6', { hostId: 'host-4', powerState: 'poweredOn' });
        assert.deepEqual(await q({ clusterIds: ['domain-c2'] }), ['vm-5', 'vm-6', 'vm-11']);
        assert.deepEqual(await q({ inLibrary: true }), ['vm-7', 'vm-12']);
      });
    });

    describe('snapshots, permissions, entitlements, assignments, desktop sessions', () => {
      it('snapshots list and delete per VM', async () => {
        await store.snapshots.insert(snapshot(1, 'vm-1', null));
        await store.snapshots.insert(snapshot(2, 'vm-1', 'snapshot-1'));
        await store.snapshots.insert(snapshot(10, 'vm-1', 'snapshot-2'));
        await store.snapshots.insert(snapshot(3, 'vm-2', null));
        assert.deepEqual(ids(await store.snapshots.listForVm('vm-1')), ['snapshot-1', 'snapshot-2', 'snapshot-10']);
        assert.deepEqual(await store.snapshots.listForVm('vm-9'), []);
        assert.equal(await store.snapshots.deleteForVm('vm-1'), 3);
        assert.equal(await store.snapshots.deleteForVm('vm-1'), 0);
        assert.deepEqual(ids(await store.snapshots.list()), ['snapshot-3']);
      });

      it('permissions list per entity and per principal', async () => {
        await store.permissions.insert(permission(1));
        await store.permissions.insert(permission(2, { entityId: 'vm-4' }));
        await store.permissions.insert(permission(3, { principal: 'group:group-2', entityId: 'vm-4' }));
        assert.deepEqual(ids(await store.permissions.listForEntity('vm-4')), ['permission-2', 'permission-3']);
        assert.deepEqual(ids(await store.permissions.listForPrincipal('user:user-1')), ['permission-1', 'permission-2']);
        assert.deepEqual(await store.permissions.listForPrincipal('user:user-9'), []);
      });

      it('entitlements list per pool', async () => {
        await store.entitlements.insert(entitlement(1, 'pool-1'));
        await store.entitlements.insert(entitlement(2, 'pool-2'));
        await store.entitlements.insert(entitlement(3, 'pool-1', { principal: 'user:user-3' }));
        assert.deepEqual(await store.entitlements.listForPool('pool-1'), [
          entitlement(1, 'pool-1'),
          entitlement(3, 'pool-1', { principal: 'user:user-3' }),
        ]);
      });

      it('assignments are keyed by (pool, user)', async () => {
        const a = assignment('pool-1', 'user-1', 'vm-1');
        await store.assignments.insert(a);
        await store.assignments.insert(assignment('pool-1', 'user-2', 'vm-2', at(5)));
        await store.assignments.insert(assignment('pool-2', 'user-1', 'vm-7'));
        assert.deepEqual(await store.assignments.get('pool-1', 'user-1'), a);
        assert.equal(await store.assignments.get('pool-2', 'user-2'), undefined);
        await rejectsWith(store.assignments.insert(assignment('pool-1', 'user-1', 'vm-3')), 'already_exists', /user-1.*pool-1|pool-1.*user-1/);
        assert.deepEqual(await store.assignments.listForPool('pool-1'), [a, assignment('pool-1', 'user-2', 'vm-2', at(5))]);
        assert.equal(await store.assignments.delete('pool-1', 'user-1'), true);
        assert.equal(await store.assignments.delete('pool-1', 'user-1'), false);
        assert.deepEqual((await store.assignments.listForPool('pool-1')).map((x) => x.userId), ['user-2']);
      });

      it('desktop sessions list per user and per VM', async () => {
        await store.desktopSessions.insert(desktopSession(1));
        await store.desktopSessions.insert(desktopSession(2, { userId: 'user-2' }));
        await store.desktopSessions.insert(desktopSession(3, { vmId: 'vm-2', state: 'disconnected' }));
        assert.deepEqual(ids(await store.desktopSessions.listForUser('user-1')), [desktopSession(1).id, desktopSession(3).id]);
        assert.deepEqual(ids(await store.desktopSessions.listForVm('vm-1')), [desktopSession(1).id, desktopSession(2).id]);
      });
    });

    describe('tasks', () => {
      beforeEach(async () => {
        await store.tasks.insert(task(1, { kind: 'vm.powerOn', targetId: 'vm-1' }));
        await store.tasks.insert(task(2, { kind: 'vm.powerOff', targetId: 'vm-2', state: 'error', error: { kind: 'internal', message: 'boom' } }));
        await store.tasks.insert(task(3, { kind: 'vm.snapshot.create', targetId: 'vm-1', state: 'running', progress: 40, finishedAt: null }));
        await store.tasks.insert(task(4, { kind: 'vm.clone', targetId: 'vm-3', state: 'queued', startedAt: null, finishedAt: null, ownerId: 'user-2' }));
        await store.tasks.insert(task(5, { kind: 'vm.powerOn', targetId: 'vm-3', state: 'cancelled' }));
        // same createdAt as task 5: the larger id comes first
        await store.tasks.insert(task(6, { kind: 'vm.upgrade', targetId: null, targetName: null, createdAt: task(5).createdAt }));
      });

      const tq = async (f: Parameters<Store['tasks']['query']>[0]) => (await store.tasks.query(f)).map((t) => Number(t.id.slice(-4)));

      it('query is newest first (createdAt, then id)', async () => {
        assert.deepEqual(await tq({}), [6, 5, 4, 3, 2, 1]);
        assert.deepEqual(await tq({ limit: 2 }), [6, 5]);
      });

      it('query filters by ids, states, targets, owners and kinds', async () => {
        assert.deepEqual(await tq({ states: ['queued', 'running'] }), [4, 3]);
        assert.deepEqual(await tq({ targetIds: ['vm-1'] }), [3, 1]);
        assert.deepEqual(await tq({ ownerIds: ['user-2'] }), [4]);
        assert.deepEqual(await tq({ kinds: ['vm.powerOn'] }), [5, 1]);
        assert.deepEqual(await tq({ kinds: ['vm.powerOn'], targetIds: ['vm-3'] }), [5]);
        assert.deepEqual(await tq({ ids: [task(2).id, task(4).id] }), [4, 2]);
        assert.deepEqual(await tq({ states: [] }), []);
      });

      it('listUnfinished returns queued and running tasks, oldest first', async () => {
        assert.deepEqual((await store.tasks.listUnfinished()).map((t) => t.id), [task(3).id, task(4).id]);
        await store.tasks.update(task(3).id, { state: 'success', progress: 100, finishedAt: at(20) });
        assert.deepEqual((await store.tasks.listUnfinished()).map((t) => t.id), [task(4).id]);
      });

      it('prune deletes finished tasks that finished before the time, never unfinished ones', async () => {
        // finishedAt = createdAt + 1 s: tasks 1, 2 finished at T0+2, T0+3
        assert.equal(await store.tasks.prune(at(3)), 1);
        assert.deepEqual(await tq({}), [6, 5, 4, 3, 2]);
        assert.equal(await store.tasks.prune(at(3600)), 3);
        assert.deepEqual(await tq({}), [4, 3]);
        // an equivalent time written with an offset compares by instant, not by text
        await store.tasks.insert(task(9, { finishedAt: '2025-03-01T11:00:10.000+01:00' }));
        assert.equal(await store.tasks.prune('2025-03-01T10:00:11.000Z'), 1);
      });
    });

    describe('user names and login failures', () => {
      it('user names are one account whatever their case', async () => {
        await store.users.insert(user(1, { name: 'Administrator' }));
        assert.equal((await store.users.getByName('administrator'))?.id, 'user-1');
        assert.equal((await store.users.getByName('ADMINISTRATOR'))?.id, 'user-1');
        assert.equal((await store.users.getByName('Administrator'))?.name, 'Administrator', 'the name keeps its case');
        await rejectsWith(store.users.insert(user(2, { name: 'administrator' })), 'already_exists', /^user 'administrator' already exists$/);
      });

      it('countFailedLogin adds one per call, in parallel too, and only raises lockedUntil', async () => {
        await store.users.insert(user(1));
        await Promise.all(Array.from({ length: 20 }, () => store.users.countFailedLogin('user-1', null)));
        assert.equal((await store.users.get('user-1'))?.failedLogins, 20);
        assert.equal((await store.users.countFailedLogin('user-1', at(600)))?.lockedUntil, at(600));
        const u = await store.users.countFailedLogin('user-1', at(300));
        assert.equal(u?.lockedUntil, at(600), 'an earlier lock end does not shorten a later one');
        assert.equal(u?.failedLogins, 22);
        assert.equal(await store.users.countFailedLogin('user-9', null), undefined);
      });

      it('recordFailure counts atomically per (user, source) and locks at max', async () => {
        const opts = { at: at(10), windowStart: at(0), max: 5, lockUntil: at(910) };
        const rows = await Promise.all(Array.from({ length: 12 }, () => store.loginFailures.recordFailure('user-1', '127.0.0.2', opts)));
        assert.deepEqual(rows.map((r) => r.failures).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        assert.deepEqual(await store.loginFailures.get('user-1', '127.0.0.2'), { userId: 'user-1', source: '127.0.0.2', failures: 12, lockedUntil: at(910), lastFailureAt: at(10) });
        assert.equal(rows.filter((r) => r.lockedUntil === null).length, 4, 'failures 1–4 are not locked');
        const other = await store.loginFailures.recordFailure('user-1', '127.0.0.3', opts);
        assert.deepEqual(other, { userId: 'user-1', source: '127.0.0.3', failures: 1, lockedUntil: null, lastFailureAt: at(10) });
        // A lock that is still running is kept, not moved.
        const during = await store.loginFailures.recordFailure('user-1', '127.0.0.2', { at: at(20), windowStart: at(10), max: 5, lockUntil: at(920) });
        assert.equal(during.lockedUntil, at(910));
        // After the window the count starts again.
        const later = await store.loginFailures.recordFailure('user-1', '127.0.0.2', { at: at(2000), windowStart: at(1100), max: 5, lockUntil: at(2900) });
        assert.deepEqual([later.failures, later.lockedUntil], [1, null]);
        assert.deepEqual((await store.loginFailures.listForUser('user-1')).map((r) => r.source), ['127.0.0.2', '127.0.0.3']);
      });

      it('clear one source or all; prune old rows', async () => {
        const opts = { at: at(10), windowStart: at(0), max: 2, lockUntil: at(100) };
        await store.loginFailures.recordFailure('user-1', 'a', opts);
        await store.loginFailures.recordFailure('user-1', 'b', opts);
        await store.loginFailures.recordFailure('user-1', 'b', opts);
        await store.loginFailures.recordFailure('user-2', 'a', { ...opts, at: at(150) });
        assert.equal(await store.loginFailures.clear('user-1', 'a'), 1);
        assert.deepEqual((await store.loginFailures.listForUser('user-1')).map((r) => r.source), ['b']);
        assert.equal(await store.loginFailures.prune(at(40)), 0, "b's lock runs until 100");
        assert.equal(await store.loginFailures.prune(at(100)), 1, 'b goes; user-2 failed at 150');
        assert.equal(await store.loginFailures.clear('user-2'), 1);
        assert.equal(await store.loginFailures.get('user-2', 'a'), undefined);
      });
    });

    describe('sessions', () => {
      it('listForUser', async () => {
        await store.sessions.insert(session(1));
        await store.sessions.insert(session(2, { userId: 'user-2', userName: 'bob' }));
        await store.sessions.insert(session(3, { createdAt: at(1) }));
        assert.deepEqual(ids(await store.sessions.listForUser('user-1')), [session(1).id, session(3).id]);
      });

      it('deleteExpired removes sessions past the absolute expiry', async () => {
        await store.sessions.insert(session(1, { expiresAt: at(100), idleSeconds: 86400 }));
        await store.sessions.insert(session(2, { expiresAt: at(200), idleSeconds: 86400 }));
        assert.equal(await store.sessions.deleteExpired(at(99)), 0);
        assert.equal(await store.sessions.deleteExpired(at(100)), 1, 'expired at the instant it reaches expiresAt');
        assert.deepEqual(ids(await store.sessions.list()), [session(2).id]);
      });

      it('deleteExpired removes sessions idle for idleSeconds since lastUsedAt', async () => {
        await store.sessions.insert(session(1, { lastUsedAt: T0, idleSeconds: 60 }));
        await store.sessions.insert(session(2, { lastUsedAt: T0, idleSeconds: 60 }));
        await store.sessions.update(session(2).id, { lastUsedAt: at(50) }); // used again: idle until T0+110
        assert.equal(await store.sessions.deleteExpired(at(59)), 0);
        assert.equal(await store.sessions.deleteExpired(at(60)), 1);
        assert.deepEqual(ids(await store.sessions.list()), [session(2).id]);
        assert.equal(await store.sessions.deleteExpired(at(109)), 0);
        assert.equal(await store.sessions.deleteExpired(at(110)), 1);
      });

      it('deleteExpired does date math on instants, not on text', async () => {
        // 10:00:00Z + 3600 s idle = 11:00:00Z = 12:00:00+01:00
        await store.sessions.insert(session(1, { lastUsedAt: T0, idleSeconds: 3600 }));
        assert.equal(await store.sessions.deleteExpired('2025-03-01T11:59:59+01:00'), 0);
        assert.equal(await store.sessions.deleteExpired('2025-03-01T12:00:00+01:00'), 1);
        await rejectsWith(store.sessions.deleteExpired('yesterday'), 'invalid_argument', /yesterday/);
      });
    });

    describe('events', () => {
      const ev = (objectId: string, type: string, time?: string) => ({
        objectId,
        type,
        severity: 'info' as const,
        message: `${objectId} ${type}`,
        userName: 'alice',
        taskId: null,
        ...(time === undefined ? {} : { time }),
      });

      it('append assigns increasing ids and the time when not given', async () => {
        const before = Date.now();
        const a = await store.events.append(ev('vm-1', 'vm.created'));
        const b = await store.events.append(ev('vm-1', 'vm.poweredOn', at(5)));
        assert.ok(b.id > a.id);
        assert.ok(Date.parse(a.time) >= before - 1000 && Date.parse(a.time) <= Date.now() + 1000);
        assert.equal(b.time, at(5));
        assert.deepEqual(await store.events.list({ limit: 10 }), [b, a]);
      });

      it('list is newest first, per object, with limit and beforeId', async () => {
        const appended = [];
        for (let i = 0; i < 10; i++) appended.push(await store.events.append(ev(i % 2 === 0 ? 'vm-1' : 'host-1', `e${i}`)));
        const types = (rows: { type: string }[]) => rows.map((r) => r.type);
        assert.deepEqual(types(await store.events.list({ limit: 3 })), ['e9', 'e8', 'e7']);
        assert.deepEqual(types(await store.events.list({ objectId: 'vm-1', limit: 10 })), ['e8', 'e6', 'e4', 'e2', 'e0']);
        assert.deepEqual(types(await store.events.list({ objectId: 'vm-1', limit: 2, beforeId: appended[6].id })), ['e4', 'e2']);
        assert.deepEqual(types(await store.events.list({ limit: 2, beforeId: appended[1].id })), ['e0']);
        assert.deepEqual(await store.events.list({ objectId: 'vm-404', limit: 5 }), []);
        assert.deepEqual(await store.events.list({ limit: 0 }), []);
      });
    });

    describe('settings and sequences', () => {
      it('settings get, set and overwrite', async () => {
        assert.equal(await store.settings.get('ui.theme'), undefined);
        await store.settings.set('ui.theme', 'dark');
        await store.settings.set('first-start', T0);
        await store.settings.set('ui.theme', 'light');
        assert.equal(await store.settings.get('ui.theme'), 'light');
        assert.equal(await store.settings.get('first-start'), T0);
        await store.settings.set('empty', '');
        assert.equal(await store.settings.get('empty'), '');
      });

      it('sequences start at 1 and count per name', async () => {
        assert.equal(await store.nextSequence('vm'), 1);
        assert.equal(await store.nextSequence('vm'), 2);
        assert.equal(await store.nextSequence('host'), 1);
        assert.equal(await store.nextSequence('vm'), 3);
      });

      it('concurrent nextSequence calls never hand out a number twice', async () => {
        const got = await Promise.all(Array.from({ length: 50 }, () => store.nextSequence('task')));
        assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
      });

      it('nextSequence works inside a transaction and rolls back with it', async () => {
        assert.equal(await store.nextSequence('vm'), 1);
        const n = await store.transaction((tx) => tx.nextSequence('vm'));
        assert.equal(n, 2);
        await assert.rejects(
          store.transaction(async (tx) => {
            assert.equal(await tx.nextSequence('vm'), 3);
            throw new Error('abort');
          }),
        );
        assert.equal(await store.nextSequence('vm'), 3);
      });
    });

    describe('transactions', () => {
      it('commits everything fn wrote and returns its value', async () => {
        const r = await store.transaction(async (tx) => {
          await tx.datacenters.insert(datacenter(1));
          await tx.hosts.insert(host(1, 'datacenter-1', null));
          await tx.vms.insert(vm(1, { hostId: 'host-1' }));
          await tx.events.append(ev('vm-1'));
          assert.equal(await tx.vms.count(), 1, 'fn sees its own writes');
          return 'done';
        });
        assert.equal(r, 'done');
        assert.equal(await store.vms.count(), 1);
        assert.equal(await store.hosts.count(), 1);
        assert.equal((await store.events.list({ limit: 5 })).length, 1);
      });

      it('a throw inside leaves nothing written and comes out unchanged', async () => {
        await store.users.insert(user(1));
        const boom = new Error('boom');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.vms.insert(vm(1));
            await tx.users.update('user-1', { failedLogins: 5 });
            await tx.users.delete('user-1');
            await tx.settings.set('k', 'v');
            await tx.events.append(ev('vm-1'));
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.equal(await store.vms.count(), 0);
        assert.deepEqual(await store.users.get('user-1'), user(1));
        assert.equal(await store.settings.get('k'), undefined);
        assert.deepEqual(await store.events.list({ limit: 5 }), []);
      });

      it('a store error inside rolls back the earlier writes', async () => {
        await store.users.insert(user(1, { name: 'alice' }));
        await rejectsWith(
          store.transaction(async (tx) => {
            await tx.groups.insert(group(1));
            await tx.users.insert(user(2, { name: 'alice' }));
          }),
          'already_exists',
          /alice/,
        );
        assert.equal(await store.groups.count(), 0);
      });

      it('nested transactions join the outer one', async () => {
        await store.transaction(async (tx) => {
          await tx.vms.insert(vm(1));
          const inner = await tx.transaction(async (tx2) => {
            assert.equal(await tx2.vms.count(), 1, 'the inner transaction sees the outer writes');
            await tx2.vms.insert(vm(2));
            return tx2.nextSequence('vm');
          });
          assert.equal(inner, 1);
          assert.equal(await tx.vms.count(), 2);
        });
        assert.equal(await store.vms.count(), 2);

        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.transaction((tx2) => tx2.vms.insert(vm(3)));
            throw new Error('outer fails after the inner one finished');
          }),
        );
        assert.equal(await store.vms.get('vm-3'), undefined, 'the inner writes roll back with the outer');
      });

      it('concurrent transactions do not see or break each other', async () => {
        const bump = (n: number) =>
          store.transaction(async (tx) => {
            const v = Number((await tx.settings.get('counter')) ?? '0');
            await new Promise((r) => setTimeout(r, 2));
            await tx.settings.set('counter', String(v + 1));
            await tx.vms.insert(vm(n));
          });
        await Promise.all([bump(1), bump(2), bump(3), bump(4)]);
        assert.equal(await store.settings.get('counter'), '4');
        assert.equal(await store.vms.count(), 4);
      });
    });
  });
}

function ev(objectId: string) {
  return { objectId, type: 'vm.created', severity: 'info' as const, message: `${objectId} created`, userName: null, taskId: null };
}

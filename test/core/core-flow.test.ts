/**
 * Orchestration in core and one pass through a task: clone-and-power-on as one task, a
 * power-on's state change and its event in one transaction, task errors kept as thrown,
 * placement rules every face gets.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Core, SYSTEM_CALLER } from '../../src/core/index.ts';
import { VmgateError, internal } from '../../src/core/errors.ts';
import type { Host, NewInventoryEvent } from '../../src/core/model/index.ts';
import type { Store } from '../../src/core/ports/store.ts';
import { datastoreFiles } from '../../src/datastore/index.ts';
import { createSimDriver } from '../../src/drivers/sim/sim-driver.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createTestCore, type TestCore } from '../support/core-harness.ts';

const isKind = (kind: string) => (e: unknown) => e instanceof VmgateError && e.kind === kind;

describe('clone and power on: one core operation', () => {
  let t: TestCore;
  before(async () => {
    t = await createTestCore({ sim: { faults: [{ op: 'powerOn', vmName: /^doomed/, probability: 1, kind: 'resource_exhausted', message: 'no memory left for {vm}' }] } });
  });
  after(async () => t.close());

  it('one task clones and powers on; its result is the clone, which runs', async () => {
    const { core, admin } = t;
    const src = await core.vms.create(admin, { name: 'tmpl', disks: [{ capacityMiB: 1 }], placement: { hostId: t.hosts[0]!.id } });
    const task = await core.vms.clone(admin, src.id, { name: 'tmpl-on', placement: { hostId: t.hosts[1]!.id }, powerOn: true });
    assert.equal(task.kind, 'vm.clone');
    const id = await core.tasks.result<string>(admin, task);
    const vm = await core.vms.get(admin, id);
    assert.equal(vm.name, 'tmpl-on');
    assert.equal(vm.powerState, 'poweredOn');
    assert.equal(vm.hostId, t.hosts[1]!.id);
    const done = await core.tasks.get(admin, task.id);
    assert.deepEqual([done.state, done.progress, done.result], ['success', 100, id]);
    // No second task: the power-on ran inside the clone task, and its event names that task.
    assert.deepEqual((await core.tasks.list(admin, { targetIds: [id] })).map((x) => x.kind), []);
    const events = await core.events.list(admin, id, 10);
    assert.deepEqual(events.map((e) => e.type).reverse(), ['vm.cloned', 'vm.poweredOn']);
    assert.ok(events.every((e) => e.taskId === task.id));
    // The source stays off and unlocked.
    assert.equal((await core.vms.get(admin, src.id)).powerState, 'poweredOff');
    await core.tasks.result(admin, await core.power.run(admin, src.id, 'powerOn'));
  });

  it('a clone that cannot power on stays, off; the task fails with the power-on error, typed', async () => {
    const { core, admin } = t;
    const src = await core.vms.create(admin, { name: 'doomed-src', disks: [{ capacityMiB: 1 }], placement: { hostId: t.hosts[0]!.id } });
    const task = await core.vms.clone(admin, src.id, { name: 'doomed-copy', powerOn: true });
    await assert.rejects(core.tasks.result(admin, task), (e: unknown) => e instanceof VmgateError && e.kind === 'resource_exhausted' && /doomed-copy.*was made but did not power on: no memory left for doomed-copy/.test(e.message));
    const done = await core.tasks.get(admin, task.id);
    assert.equal(done.state, 'error');
    assert.equal(done.error?.kind, 'resource_exhausted');
    const copy = (await core.vms.list(admin, { names: ['doomed-copy'] }))[0]!;
    assert.equal(copy.powerState, 'poweredOff');
    assert.ok((await core.events.list(admin, copy.id, 10)).some((e) => e.type === 'vm.powerOnAfterCloneFailed' && e.severity === 'error'));
    // Its lock is free again.
    await core.vms.rename(admin, copy.id, 'doomed-copy-2');
  });

  it('refuses powerOn into the library before anything starts', async () => {
    const { core, admin } = t;
    const src = await core.vms.create(admin, { name: 'lib-src', placement: { hostId: t.hosts[0]!.id } });
    const before = await core.vms.count(admin);
    await assert.rejects(core.vms.clone(admin, src.id, { name: 'lib-copy', placement: { library: true }, powerOn: true }), isKind('invalid_argument'));
    assert.equal(await core.vms.count(admin), before);
  });

  it('checks that the parts of a placement agree, for every face', async () => {
    const { core, admin } = t;
    const dc2 = await core.inventory.createDatacenter(admin, 'DC2');
    const ds2 = await core.inventory.createDatastore(admin, { name: 'ds-dc2', datacenterId: dc2.id });
    const lone: Host = await core.inventory.createHost(admin, { name: 'lone', datacenterId: t.dc.id, driver: 'sim', cpuCount: 4, memoryMiB: 4096, datastoreIds: [t.datastore.id] });
    const before = await core.vms.count(admin);
    await assert.rejects(core.vms.create(admin, { name: 'p1', placement: { hostId: lone.id, clusterId: t.cluster.id } }), (e: unknown) => isKind('invalid_argument')(e) && /is not in cluster/.test((e as Error).message));
    await assert.rejects(core.vms.create(admin, { name: 'p2', placement: { hostId: t.hosts[0]!.id, datacenterId: dc2.id } }), (e: unknown) => isKind('invalid_argument')(e) && /not in datacenter/.test((e as Error).message));
    await assert.rejects(core.vms.create(admin, { name: 'p3', placement: { clusterId: t.cluster.id, datacenterId: dc2.id } }), isKind('invalid_argument'));
    await assert.rejects(core.vms.create(admin, { name: 'p4', placement: { library: true, datacenterId: t.dc.id, datastoreId: ds2.id } }), isKind('invalid_argument'));
    assert.equal(await core.vms.count(admin), before);
    // Agreeing parts pass; a library VM of a datacenter goes on that datacenter's datastore.
    assert.equal((await core.vms.create(admin, { name: 'p5', placement: { hostId: t.hosts[0]!.id, clusterId: t.cluster.id, datacenterId: t.dc.id } })).hostId, t.hosts[0]!.id);
    assert.equal((await core.vms.create(admin, { name: 'p6', placement: { library: true, datacenterId: dc2.id } })).datastoreId, ds2.id);
  });
});

/** The real SQLite store, with event appends that fail when `fails` says so (inside transactions too). */
function withFailingEvents(store: Store, fails: (e: NewInventoryEvent) => boolean, error: Error): Store {
  const wrap = (s: Store): Store =>
    new Proxy(s, {
      get(target, prop) {
        if (prop === 'events') {
          return {
            append: async (e: NewInventoryEvent) => {
              if (fails(e)) throw error;
              return target.events.append(e);
            },
            list: (o: Parameters<Store['events']['list']>[0]) => target.events.list(o),
          };
        }
        if (prop === 'transaction') return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  return wrap(store);
}

describe('a power operation records its state change and its event in one transaction', () => {
  let dir: string;
  let store: Store;
  let core: Core;
  let vmId: string;
  const failing = new Set<string>();
  const diskFull = internal('disk full (injected)', { module: 'test.store' });
  const c = SYSTEM_CALLER;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-coreflow-'));
    store = await openSqliteStore({ path: join(dir, 'vmgate.db') });
    core = new Core({ store: withFailingEvents(store, (e) => failing.has(e.type), diskFull), files: datastoreFiles, drivers: new Map([['sim', createSimDriver({ speed: 1000 })]]), config: { datastoreRoot: join(dir, 'ds') } });
    await core.start();
    const dc = await core.inventory.createDatacenter(c, 'DC0');
    const ds = await core.inventory.createDatastore(c, { name: 'ds0', datacenterId: dc.id });
    const host = await core.inventory.createHost(c, { name: 'H0', datacenterId: dc.id, driver: 'sim', cpuCount: 8, memoryMiB: 8192, datastoreIds: [ds.id] });
    vmId = (await core.vms.create(c, { name: 'tx', placement: { hostId: host.id } })).id;
  });
  after(async () => {
    await core.close(1000);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('when the event cannot be written, the state change is not either; the task fails with the store\'s own error', async () => {
    failing.add('vm.poweredOn').add('vm.stateCorrected');
    try {
      const task = await core.power.run(c, vmId, 'powerOn');
      await assert.rejects(core.tasks.result(c, task), (e: unknown) => e === diskFull);
      const done = await store.tasks.get(task.id);
      assert.deepEqual([done?.state, done?.error?.kind, done?.error?.message], ['error', 'internal', 'disk full (injected)']);
      // Rolled back with its event: the record still shows the transitional state, never poweredOn.
      assert.equal((await store.vms.get(vmId))?.powerState, 'poweringOn');
      const types = (await store.events.list({ objectId: vmId, limit: 20 })).map((e) => e.type);
      assert.ok(!types.includes('vm.poweredOn'), types.join());
      assert.ok(types.includes('task.failed'), types.join());
    } finally {
      failing.clear();
    }
  });

  it('when only the event of the change fails, the VM\'s real state is recorded with an event saying why', async () => {
    // After the first test the driver has the VM on while its record says poweringOn (what a
    // restart would correct): record the truth, then power it off through core.
    await store.vms.update(vmId, { powerState: 'poweredOn' });
    await core.tasks.result(c, await core.power.run(c, vmId, 'powerOff'));
    failing.add('vm.poweredOn');
    try {
      const task = await core.power.run(c, vmId, 'powerOn');
      await assert.rejects(core.tasks.result(c, task), (e: unknown) => e === diskFull);
    } finally {
      failing.clear();
    }
    assert.equal((await store.vms.get(vmId))?.powerState, 'poweredOn');
    const events = await store.events.list({ objectId: vmId, limit: 20 });
    assert.ok(events.some((e) => e.type === 'vm.stateCorrected' && e.severity === 'warning' && /it is powered on/.test(e.message)), events.map((e) => e.type).join());
    assert.ok(!events.some((e) => e.type === 'vm.poweredOn'));
  });

  it('a power-on that records fine writes the state, its event and the task\'s end together', async () => {
    await core.tasks.result(c, await core.power.run(c, vmId, 'powerOff'));
    const task = await core.power.run(c, vmId, 'powerOn');
    assert.deepEqual(await core.tasks.result(c, task), { powerState: 'poweredOn' });
    const done = await store.tasks.get(task.id);
    assert.deepEqual([done?.state, done?.progress, done?.step], ['success', 100, 'Completed']);
    const ev = (await store.events.list({ objectId: vmId, limit: 1 }))[0]!;
    assert.deepEqual([ev.type, ev.taskId, ev.message], ['vm.poweredOn', task.id, 'tx: powered off → powered on']);
    assert.equal((await store.vms.get(vmId))?.powerState, 'poweredOn');
  });
});

describe('VmLocks: whether a record read before locking is still current', () => {
  it('says stale only when an operation on that VM ended after the mark', async () => {
    const { VmLocks } = await import('../../src/core/vm-locks.ts');
    const locks = new VmLocks();
    const before = locks.mark();
    const r1 = locks.acquire('vm-1', 'power on');
    assert.equal(locks.releasedSince('vm-1', before), false);
    r1();
    assert.equal(locks.releasedSince('vm-1', before), true);
    assert.equal(locks.releasedSince('vm-2', before), false);
    const after = locks.mark();
    assert.equal(locks.releasedSince('vm-1', after), false);
    r1(); // a second release changes nothing
    assert.equal(locks.releasedSince('vm-1', after), false);
  });
});

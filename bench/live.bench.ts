/**
 * Live updates fanned out by core (src/core/live.ts): BENCH_LIVE_SUBSCRIBERS (default 50)
 * subscriptions — half an administrator (sees all), half a user with read-only rights on
 * one VM (each update is checked against its permissions) — while BENCH_LIVE_EVENTS
 * (default 2,000) `event.appended` updates on a VM go through the bus; ops = updates
 * checked (events × subscribers). Baseline in the same run: as many plain bus listeners
 * that take every update unchecked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, SYSTEM_CALLER } from '../src/core/index.ts';
import type { InventoryEvent } from '../src/core/model/index.ts';
import { createSimDriver } from '../src/drivers/sim/sim-driver.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { datastoreFiles } from '../src/datastore/index.ts';
import { measure, report } from './lib.ts';

const SUBSCRIBERS = Number(process.env.BENCH_LIVE_SUBSCRIBERS ?? 50);
const EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 2000);

export async function benchLive(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-'));
  const store = await openSqliteStore({ path: join(dir, 'vmgate.db') });
  const core = new Core({ store, files: datastoreFiles, drivers: new Map([['sim', createSimDriver({ speed: 1e9 })]]), config: { datastoreRoot: join(dir, 'ds') } });
  await core.start();
  const c = SYSTEM_CALLER;
  try {
    const dc = await core.inventory.createDatacenter(c, 'DC0');
    const ds = await core.inventory.createDatastore(c, { name: 'ds0', datacenterId: dc.id });
    const host = await core.inventory.createHost(c, { name: 'H0', datacenterId: dc.id, driver: 'sim', cpuCount: 64, memoryMiB: 65536, datastoreIds: [ds.id] });
    const vm = await core.vms.create(c, { name: 'watched', memoryMiB: 64, disks: [{ capacityMiB: 1 }], placement: { hostId: host.id } });
    const login = async (name: string, role: string, entity: string) => {
      const { user } = await core.identity.createUser(c, { name, password: `${name}-password-1` });
      await core.identity.setPermission(c, { principal: `user:${user.id}`, entityId: entity, roleId: role });
      return (await core.identity.login(name, `${name}-password-1`, 'bench')).caller;
    };
    const admin = await login('admin-bench', 'administrator', 'root');
    const viewer = await login('viewer-bench', 'read-only', vm.id);
    const event = (i: number): InventoryEvent => ({ id: i, time: new Date().toISOString(), objectId: vm.id, type: 'bench.event', severity: 'info', message: 'bench', userName: null, taskId: null });

    let delivered = 0;
    let target = 0;
    let done: () => void = () => undefined;
    const got = (): void => {
      if (++delivered === target) done();
    };
    const run = (emit: () => void) =>
      new Promise<void>((resolve) => {
        delivered = 0;
        target = EVENTS * SUBSCRIBERS;
        done = resolve;
        emit();
      });
    const emitAll = (): void => {
      for (let i = 0; i < EVENTS; i++) core.bus.emit('event.appended', event(i));
    };

    const subs = [];
    for (let i = 0; i < SUBSCRIBERS; i++) subs.push(await core.live.subscribe(i % 2 === 0 ? admin : viewer, got));
    await run(emitAll); // warm-up: permission caches, JIT
    const subject = await measure(`core.live, ${SUBSCRIBERS} subscribers (half of them per-VM rights)`, EVENTS * SUBSCRIBERS, () => run(emitAll));
    for (const s of subs) s.close();

    const offs = [];
    for (let i = 0; i < SUBSCRIBERS; i++) offs.push(core.bus.on('event.appended', got));
    await run(emitAll);
    const baseline = await measure(`bare bus listeners, ${SUBSCRIBERS}`, EVENTS * SUBSCRIBERS, () => run(emitAll));
    for (const off of offs) off();
    report(`live updates: ${EVENTS} events to ${SUBSCRIBERS} subscribers, each checked by core`, subject, baseline, 'updates delivered per second');
  } finally {
    await core.close(1000);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

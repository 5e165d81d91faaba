/**
 * Tasks per second through core on the sim driver: power on/off cycles over 1,000 VMs,
 * in BENCH_ROUNDS (3) turns interleaved with the driver alone.
 * Baselines in the same run: the sim driver called directly (no core), and the bare
 * persistence a task needs (insert + finish of a task row through the store).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, SYSTEM_CALLER } from '../src/core/index.ts';
import { createSimDriver } from '../src/drivers/sim/sim-driver.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { measure, report } from './lib.ts';
import type { Measure } from './lib.ts';
import { datastoreFiles } from '../src/datastore/index.ts';

const VMS = Number(process.env.BENCH_VMS ?? 1000);
const CONCURRENCY = 50;
/** Turns of subject and driver alone, interleaved. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function total(label: string, ms: readonly Measure[]): Measure {
  return { label, ops: ms.reduce((n, m) => n + m.ops, 0), seconds: ms.reduce((n, m) => n + m.seconds, 0) };
}

async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

export async function benchCoreTasks(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-'));
  const store = await openSqliteStore({ path: join(dir, 'vmgate.db') });
  const sim = createSimDriver({ speed: 1e9 });
  // The baseline's own instance over the same VMs: core hears none of its events, so the
  // baseline carries none of core's work (recording the tools state a power-on starts).
  const alone = createSimDriver({ speed: 1e9 });
  const core = new Core({ store, files: datastoreFiles, drivers: new Map([['sim', sim]]), config: { datastoreRoot: join(dir, 'ds') } });
  await core.start();
  const c = SYSTEM_CALLER;
  try {
    const dc = await core.inventory.createDatacenter(c, 'DC0');
    const ds = await core.inventory.createDatastore(c, { name: 'ds0', datacenterId: dc.id });
    const host = await core.inventory.createHost(c, { name: 'H0', datacenterId: dc.id, driver: 'sim', cpuCount: 100_000, memoryMiB: 100_000_000, datastoreIds: [ds.id] });
    const ids: string[] = [];
    for (let i = 0; i < VMS; i++) ids.push((await core.vms.create(c, { name: `vm${i}`, memoryMiB: 64, disks: [{ capacityMiB: 1 }], placement: { hostId: host.id } })).id);

    const vms = await Promise.all(ids.map((id) => store.vms.get(id)));
    const dvms = await Promise.all(vms.map(async (vm) => ({ id: vm!.id, uuid: vm!.uuid, name: vm!.name, dir: join(ds.path, vm!.name), vmxPath: join(ds.path, vm!.vmxRel), hardware: vm!.hardware })));
    // Warm-up, not measured: a VM's first power-on makes its guest disk (and its first
    // power-off writes it). Without this the first measurement alone pays for that, and
    // compares a cold driver through core with a warm driver alone.
    for (const driver of [sim, alone]) {
      await pool(dvms, CONCURRENCY, async (d) => {
        await driver.powerOn(d);
        await driver.powerOff(d, { soft: false });
      });
    }

    // Subject and driver alone take turns (ROUNDS each, summed): a shared machine's load
    // swings over seconds, and one long run of each would compare two different moments.
    const runs = { subject: [] as Measure[], driver: [] as Measure[] };
    // CPU time of this process (user + system) per side, beside the wall time: on a loaded
    // machine the wall ratio swings with the neighbours, the CPU ratio much less.
    const cpu = { subject: 0, driver: 0 };
    const timed = async (side: 'subject' | 'driver', fn: () => Promise<void>): Promise<Measure> => {
      const before = process.cpuUsage();
      const m = await measure('', VMS * 2, fn);
      const used = process.cpuUsage(before);
      cpu[side] += used.user + used.system;
      return m;
    };
    for (let r = 0; r < ROUNDS; r++) {
      runs.subject.push(await timed('subject', () =>
        pool(ids, CONCURRENCY, async (id) => {
          await core.tasks.result(c, await core.power.run(c, id, 'powerOn'));
          await core.tasks.result(c, await core.power.run(c, id, 'powerOff'));
        }),
      ));
      runs.driver.push(await timed('driver', () =>
        pool(dvms, CONCURRENCY, async (d) => {
          await alone.powerOn(d);
          await alone.powerOff(d, { soft: false });
        }),
      ));
    }
    const subject = total(`core power on+off, ${VMS} VMs, ${CONCURRENCY} at a time`, runs.subject);
    const driverOnly = total(`sim driver alone power on+off, ${VMS} VMs`, runs.driver);
    let k = 0;
    const persistOnly = await measure('store: insert + finish a task row', VMS * 2, async () => {
      for (let i = 0; i < VMS * 2; i++) {
        const id = `bench-${k++}`;
        const now = new Date().toISOString();
        await store.tasks.insert({ id, kind: 'vm.powerOn', targetId: null, targetName: null, state: 'running', progress: 0, step: '', cancellable: false, result: null, error: null, ownerId: null, ownerName: null, createdAt: now, startedAt: now, finishedAt: null });
        await store.tasks.update(id, { state: 'success', progress: 100, finishedAt: now });
      }
    });
    report('Core tasks: power operations through core (sim driver)', subject, driverOnly, 'core overhead over the bare driver');
    const perOp = (us: number) => us / (VMS * 2 * ROUNDS);
    console.log(`  CPU per op (user + system): core ${perOp(cpu.subject).toFixed(0)} µs, driver alone ${perOp(cpu.driver).toFixed(0)} µs; ratio driver/core ${(cpu.driver / cpu.subject).toFixed(3)}`);
    report('Core tasks vs the persistence floor', subject, persistOnly, 'a task records more than one row (VM state, events)');
  } finally {
    await alone.close();
    await core.close(1000);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

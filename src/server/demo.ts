import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Core } from '../core/index.ts';
import { SYSTEM_CALLER } from '../core/index.ts';
import type { DriverKind, Host, PowerState } from '../core/model/index.ts';
import type { PowerOp } from '../core/power.ts';

export interface DemoOptions {
  /** Hosts in the demo cluster. */
  readonly hosts: number;
  /** VMs per host. */
  readonly vmsPerHost: number;
  readonly driver: DriverKind;
  /**
   * QEMU: an ISO the demo VMs boot from (copied to the Library datastore as
   * `iso/<name>`), or null for VMs with a blank disk only.
   */
  readonly bootIso?: string | null;
}

export interface DemoResult {
  readonly created: boolean;
  /** Set when this start created the demo user with a generated password. */
  readonly demoPassword: string | null;
}

const DEMO_MARK = 'demo.inventory';

/** Target power state of the i-th demo VM: a realistic mix. */
function demoState(i: number): PowerState {
  return (['poweredOn', 'poweredOff', 'poweredOn', 'suspended', 'poweredOn', 'paused'] as const)[i % 6]!;
}

/** Hardware of the k-th demo host VM: 1–2 vCPUs, 512–1536 MiB. */
function demoVmSize(k: number): { cpuCount: number; memoryMiB: number } {
  return { cpuCount: 1 + (k % 2), memoryMiB: 512 * (1 + (k % 3)) };
}

/** The desktops of the pool (placed by the cluster, so any cluster host may get them all). */
const DESKTOPS = 5;
const DESKTOP_SIZE = { cpuCount: 2, memoryMiB: 2048 };

/**
 * A host's capacity: at least `base`, and room for every VM it may hold running at once
 * (`load`), with a quarter to spare: memory in whole 4 GiB, vCPUs within the overcommit
 * ratio. So any demo VM that is powered off can be powered on, whatever the demo's size.
 */
export function demoHostSize(base: { cpuCount: number; memoryMiB: number }, load: { cpuCount: number; memoryMiB: number }, cpuOvercommit: number): { cpuCount: number; memoryMiB: number } {
  const memory = Math.ceil((load.memoryMiB * 1.25) / 4096) * 4096;
  const cpus = Math.ceil((load.cpuCount * 1.25) / cpuOvercommit);
  return { cpuCount: Math.max(base.cpuCount, cpus), memoryMiB: Math.max(base.memoryMiB, memory) };
}

/**
 * The demo inventory, named like govmomi's vcsim: datacenter DC0, cluster DC0_C0 with
 * `hosts` hosts (DC0_C0_H0…), a standalone host DC0_H0, VMs per host in mixed power
 * states, a library of three VMs and a desktop pool of five desktops entitled to user
 * `demo`. Hosts are sized to their VMs (see {@link demoHostSize}). Created once; later
 * starts leave it alone (idempotent).
 */
export async function ensureDemoInventory(core: Core, opts: DemoOptions, env: NodeJS.ProcessEnv = process.env): Promise<DemoResult> {
  const store = core.ctx.store;
  if (await store.settings.get(DEMO_MARK)) return { created: false, demoPassword: null };
  const c = SYSTEM_CALLER;
  const dc = (await store.datacenters.getByName('DC0')) ?? (await core.inventory.createDatacenter(c, 'DC0'));
  const shared = (await store.datastores.getByName('LocalDS_0')) ?? (await core.inventory.createDatastore(c, { name: 'LocalDS_0', datacenterId: dc.id }));
  const local = (await store.datastores.getByName('LocalDS_1')) ?? (await core.inventory.createDatastore(c, { name: 'LocalDS_1', datacenterId: dc.id }));
  const library = (await store.datastores.getByName('Library')) ?? (await core.inventory.createDatastore(c, { name: 'Library', datacenterId: dc.id }));
  const cluster = (await store.clusters.getByName('DC0_C0')) ?? (await core.inventory.createCluster(c, { name: 'DC0_C0', datacenterId: dc.id }));
  // What each host will hold: the j-th host's VMs are demo VMs j*n … j*n+n-1 (the
  // standalone host is last); cluster hosts may also get every desktop.
  const ratio = core.ctx.config.cpuOvercommit;
  const hostLoad = (j: number, desktops: number) => {
    const load = { cpuCount: desktops * DESKTOP_SIZE.cpuCount, memoryMiB: desktops * DESKTOP_SIZE.memoryMiB };
    for (let i = 0; i < opts.vmsPerHost; i++) {
      const size = demoVmSize(j * opts.vmsPerHost + i);
      load.cpuCount += size.cpuCount;
      load.memoryMiB += size.memoryMiB;
    }
    return load;
  };
  const hosts: Host[] = [];
  for (let i = 0; i < opts.hosts; i++) {
    const name = `DC0_C0_H${i}`;
    const size = demoHostSize({ cpuCount: 32, memoryMiB: 65536 }, hostLoad(i, DESKTOPS), ratio);
    hosts.push((await store.hosts.getByName(name)) ?? (await core.inventory.createHost(c, { name, datacenterId: dc.id, clusterId: cluster.id, driver: opts.driver, ...size, datastoreIds: [shared.id] })));
  }
  const standaloneSize = demoHostSize({ cpuCount: 16, memoryMiB: 32768 }, hostLoad(opts.hosts, 0), ratio);
  const standalone = (await store.hosts.getByName('DC0_H0')) ?? (await core.inventory.createHost(c, { name: 'DC0_H0', datacenterId: dc.id, clusterId: null, driver: opts.driver, ...standaloneSize, datastoreIds: [local.id] }));

  // Simulated VMs are brought to a mix of power states; real (QEMU) ones stay off, so the
  // demo does not start two dozen guests on this machine; they boot the ISO when there is one.
  const real = opts.driver !== 'sim';
  const iso = real && opts.bootIso ? await copyDemoIso(opts.bootIso, library.path) : null;
  const cdroms = iso ? [{ isoFile: iso }] : [];
  const wanted: { name: string; hostId: string; state: PowerState }[] = [];
  for (const h of [...hosts, standalone]) {
    for (let i = 0; i < opts.vmsPerHost; i++) wanted.push({ name: `${h.name}_VM${i}`, hostId: h.id, state: real ? 'poweredOff' : demoState(wanted.length) });
  }
  const vmIds: string[] = [];
  for (const w of wanted) {
    const vm = (await store.vms.getByName(w.name)) ?? (await core.vms.create(c, { name: w.name, guestOs: 'otherlinux-64', ...demoVmSize(vmIds.length), disks: [{ capacityMiB: 2048 }], cdroms, placement: { hostId: w.hostId } }));
    vmIds.push(vm.id);
  }
  for (let i = 0; i < 3; i++) {
    const name = `Library_VM${i}`;
    if (!(await store.vms.getByName(name))) await core.vms.create(c, { name, guestOs: 'windows9-64', cpuCount: 2, memoryMiB: 2048, disks: [{ capacityMiB: 4096 }], placement: { library: true, datastoreId: library.id } });
  }
  const desktops: string[] = [];
  for (let i = 0; i < DESKTOPS; i++) {
    const name = `Desktop-${i}`;
    const vm = (await store.vms.getByName(name)) ?? (await core.vms.create(c, { name, guestOs: real ? 'otherlinux-64' : 'windows9-64', ...DESKTOP_SIZE, disks: [{ capacityMiB: 4096 }], cdroms, placement: { clusterId: cluster.id } }));
    desktops.push(vm.id);
  }

  // Bring the VMs to their mixed states through the real power path.
  const steps: Promise<unknown>[] = [];
  wanted.forEach((w, i) => {
    const ops: PowerOp[] = w.state === 'poweredOn' ? ['powerOn'] : w.state === 'suspended' ? ['powerOn', 'suspend'] : w.state === 'paused' ? ['powerOn', 'pause'] : [];
    steps.push(
      (async () => {
        for (const op of ops) {
          const cur = await store.vms.get(vmIds[i]!);
          if (cur?.powerState === w.state) break;
          await core.tasks.result(c, await core.power.run(c, vmIds[i]!, op));
        }
      })(),
    );
  });
  if (!real) steps.push(...desktops.slice(0, 2).map(async (id) => core.tasks.result(c, await core.power.run(c, id, 'powerOn'))));
  await Promise.all(steps);

  let demoPassword: string | null = null;
  let demo = await store.users.getByName('demo');
  if (!demo) {
    const given = env.VMGATE_DEMO_PASSWORD;
    const r = await core.identity.createUser(c, { name: 'demo', fullName: 'Demo desktop user', ...(given ? { password: given } : {}) });
    demo = r.user;
    demoPassword = given ? null : r.password;
    // Desktop.Use on root only (not propagated): demo holds no right on any VM; the console of its desktops comes with the entitlement.
    await core.identity.setPermission(c, { principal: `user:${demo.id}`, entityId: 'root', roleId: 'desktop-user', propagate: false });
  }
  const pool = (await store.pools.getByName('demo-desktops')) ?? (await core.vdi.createPool(c, { name: 'demo-desktops', displayName: 'Demo desktops', type: 'dedicated', vmIds: desktops, protocols: ['VNC', 'RDP'], defaultProtocol: 'VNC' }));
  await core.vdi.entitle(c, pool.id, `user:${demo.id}`);
  await store.settings.set(DEMO_MARK, JSON.stringify({ version: 1, createdAt: new Date().toISOString() }));
  return { created: true, demoPassword };
}

/** The test guest's ISO (scripts/build-test-guest.sh; VMGATE_TEST_GUEST_DIR or this checkout's .cache/test-guest) when it exists. */
export function demoBootIso(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env.VMGATE_TEST_GUEST_DIR ?? fileURLToPath(new URL('../../.cache/test-guest/', import.meta.url));
  const iso = join(dir, 'test-guest.iso');
  return existsSync(iso) ? iso : null;
}

/** Copies the ISO to `<datastore>/iso/` once; its path there. */
async function copyDemoIso(iso: string, datastorePath: string): Promise<string> {
  const dir = join(datastorePath, 'iso');
  await mkdir(dir, { recursive: true });
  const target = join(dir, basename(iso));
  if (!existsSync(target)) await copyFile(iso, target);
  return target;
}

/**
 * Inventory queries over 100,000 registered VMs through core (permission checks
 * included), beside the same SQL run with a bare better-sqlite3 prepared statement on
 * the same database file (the floor).
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Core, SYSTEM_CALLER } from '../src/core/index.ts';
import type { Host, PowerState, Vm } from '../src/core/model/index.ts';
import { createSimDriver } from '../src/drivers/sim/sim-driver.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { measure, report } from './lib.ts';
import { datastoreFiles } from '../src/datastore/index.ts';

const N = Number(process.env.BENCH_INVENTORY_VMS ?? 100_000);
const QUERIES = 200;

export async function benchInventoryQuery(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-bench-inv-'));
  const dbPath = join(dir, 'vmgate.db');
  const store = await openSqliteStore({ path: dbPath });
  const core = new Core({ store, files: datastoreFiles, drivers: new Map([['sim', createSimDriver({ speed: 1e9 })]]), config: { datastoreRoot: join(dir, 'ds') } });
  await core.start();
  const c = SYSTEM_CALLER;
  try {
    const dc = await core.inventory.createDatacenter(c, 'DC0');
    const ds = await core.inventory.createDatastore(c, { name: 'ds0', datacenterId: dc.id });
    const hosts: Host[] = [];
    for (let h = 0; h < 20; h++) hosts.push(await core.inventory.createHost(c, { name: `H${h}`, datacenterId: dc.id, driver: 'sim', cpuCount: 1000, memoryMiB: 10_000_000, datastoreIds: [ds.id] }));
    const states: PowerState[] = ['poweredOn', 'poweredOff', 'suspended'];
    const t0 = Date.now();
    await store.transaction(async (tx) => {
      for (let i = 1; i <= N; i++) {
        const now = new Date().toISOString();
        const vm: Vm = {
          id: `vm-${i}`,
          uuid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
          name: `vm${i}`,
          fqdn: `vm${i}.bench`,
          datastoreId: ds.id,
          vmxRel: `vm${i}/vm${i}.vmx`,
          hardware: { cpuCount: 1, coresPerSocket: 1, memoryMiB: 512, guestOs: 'otherlinux-64', version: 19, firmware: 'bios', disks: [], nics: [], cdroms: [], kernelBoot: null },
          powerState: states[i % 3]!,
          toolsState: 'unknown',
          hostId: hosts[i % 20]!.id,
          driver: 'sim',
          ownerId: null,
          currentSnapshotId: null,
          annotation: '',
          createdAt: now,
          updatedAt: now,
        };
        await tx.vms.insert(vm);
      }
    });
    await store.nextSequence('vm');
    console.log(`\n(inventory setup: ${N} VMs inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const admin = (await core.identity.createUser(c, { name: 'bench', password: 'bench-password' })).user;
    await core.identity.setPermission(c, { principal: `user:${admin.id}`, entityId: 'root', roleId: 'administrator' });
    const caller = (await core.identity.login('bench', 'bench-password', 'bench')).caller;

    const raw = new Database(dbPath, { readonly: true });
    const tables = raw.prepare("select name from sqlite_master where type='table'").all() as { name: string }[];
    const vmTable = tables.find((t) => /^vms?$/.test(t.name))?.name ?? 'vms';
    const cols = (raw.prepare(`pragma table_info(${vmTable})`).all() as { name: string }[]).map((x) => x.name);
    const psCol = cols.find((x) => /power_state/.test(x)) ?? 'power_state';
    const hostCol = cols.find((x) => /host_id/.test(x)) ?? 'host_id';
    const seqCol = cols.find((x) => x === 'seq') ?? 'rowid';
    const filtered = raw.prepare(`select * from ${vmTable} where ${psCol} = ? and ${hostCol} in (?, ?) order by ${seqCol} limit 1000`);
    const byId = raw.prepare(`select * from ${vmTable} where id = ?`);

    const lat: number[] = [];
    const coreList = await measure('core vms.list(power=on, 2 hosts, limit 1000)', QUERIES, async () => {
      for (let i = 0; i < QUERIES; i++) {
        const t = performance.now();
        const rows = await core.vms.list(caller, { powerStates: ['poweredOn'], hostIds: [hosts[i % 20]!.id, hosts[(i + 1) % 20]!.id], limit: 1000 });
        lat.push(performance.now() - t);
        if (rows.length === 0) throw new Error('no rows');
      }
    });
    const rawLat: number[] = [];
    const rawList = await measure('raw SQL, same filter, rows parsed from JSON', QUERIES, async () => {
      for (let i = 0; i < QUERIES; i++) {
        const t = performance.now();
        const rows = filtered.all('poweredOn', hosts[i % 20]!.id, hosts[(i + 1) % 20]!.id) as Record<string, unknown>[];
        for (const r of rows) for (const v of Object.values(r)) if (typeof v === 'string' && v.startsWith('{')) JSON.parse(v);
        rawLat.push(performance.now() - t);
      }
    });
    report(`Inventory: filtered list over ${N} VMs`, { ...coreList, latenciesMs: lat }, { ...rawList, latenciesMs: rawLat });

    const GETS = 20_000;
    const coreGet = await measure('core vms.get(id) with permission check', GETS, async () => {
      for (let i = 0; i < GETS; i++) await core.vms.get(caller, `vm-${1 + ((i * 7919) % N)}`);
    });
    const rawGet = await measure('raw SQL select by id', GETS, async () => {
      for (let i = 0; i < GETS; i++) byId.get(`vm-${1 + ((i * 7919) % N)}`);
    });
    report(`Inventory: get by id over ${N} VMs`, coreGet, rawGet);
    raw.close();
  } finally {
    await core.close(1000);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

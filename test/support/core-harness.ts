import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller, CoreConfig } from '../../src/core/index.ts';
import { Core, SYSTEM_CALLER } from '../../src/core/index.ts';
import type { Clock } from '../../src/core/clock.ts';
import type { Datacenter, Datastore, Host, Cluster } from '../../src/core/model/index.ts';
import { createSimDriver, type SimDriverOptions } from '../../src/drivers/sim/sim-driver.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { datastoreFiles } from '../../src/datastore/index.ts';

export interface TestCore {
  readonly core: Core;
  readonly dir: string;
  readonly admin: Caller;
  readonly dc: Datacenter;
  readonly cluster: Cluster;
  readonly datastore: Datastore;
  readonly hosts: readonly Host[];
  /** A user with the given role on root (or no permission at all when role is null). */
  user(name: string, role: string | null, entityId?: string): Promise<Caller>;
  close(): Promise<void>;
}

/**
 * A real core over a real SQLite file and the real sim driver, in a temp directory:
 * one datacenter, one datastore, one cluster of two hosts, an administrator.
 */
export async function createTestCore(opts: { sim?: Partial<SimDriverOptions>; config?: Partial<CoreConfig>; clock?: Clock; hostMemoryMiB?: number } = {}): Promise<TestCore> {
  const dir = await mkdtemp(join(tmpdir(), 'vmgate-core-'));
  const store = await openSqliteStore({ path: join(dir, 'vmgate.db') });
  const drivers = new Map([['sim' as const, createSimDriver({ speed: 1000, ...opts.sim })]]);
  const core = new Core({ store, files: datastoreFiles, drivers, config: { datastoreRoot: join(dir, 'datastores'), ...opts.config }, ...(opts.clock ? { clock: opts.clock } : {}) });
  await core.start();
  const c = SYSTEM_CALLER;
  const dc = await core.inventory.createDatacenter(c, 'DC0');
  const datastore = await core.inventory.createDatastore(c, { name: 'ds0', datacenterId: dc.id });
  const cluster = await core.inventory.createCluster(c, { name: 'C0', datacenterId: dc.id });
  const hosts = [
    await core.inventory.createHost(c, { name: 'H0', datacenterId: dc.id, clusterId: cluster.id, driver: 'sim', cpuCount: 8, memoryMiB: opts.hostMemoryMiB ?? 8192, datastoreIds: [datastore.id] }),
    await core.inventory.createHost(c, { name: 'H1', datacenterId: dc.id, clusterId: cluster.id, driver: 'sim', cpuCount: 8, memoryMiB: opts.hostMemoryMiB ?? 8192, datastoreIds: [datastore.id] }),
  ];
  const user = async (name: string, role: string | null, entityId = 'root'): Promise<Caller> => {
    const { user: u } = await core.identity.createUser(c, { name, password: `${name}-password-1` });
    if (role) await core.identity.setPermission(c, { principal: `user:${u.id}`, entityId, roleId: role });
    return (await core.identity.login(name, `${name}-password-1`, 'test')).caller;
  };
  const admin = await user('administrator', 'administrator');
  return {
    core,
    dir,
    admin,
    dc,
    cluster,
    datastore,
    hosts,
    user,
    async close() {
      await core.close(1000);
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { availableParallelism, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../core/index.ts';
import { SYSTEM_CALLER } from '../core/index.ts';
import { writeFileAtomic } from '../datastore/index.ts';

/** Where the first start writes the password it generated (in the data directory). */
export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';

export interface FirstStartResult {
  /** Set only on the start that created the account with a generated password: print it once. */
  readonly adminPassword: string | null;
  /** The file the generated password was written to; null when none was written. */
  readonly passwordFile: string | null;
}

/**
 * No default passwords: the first start creates `administrator` with a random password
 * (or VMGATE_ADMIN_PASSWORD), grants it the Administrator role on the root, and writes a
 * generated password to `<dataDir>/initial-admin-password` (mode 0600). A password the
 * operator chose is not copied to disk.
 */
export async function ensureAdministrator(core: Core, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<FirstStartResult> {
  const existing = await core.ctx.store.users.getByName('administrator');
  if (existing) return { adminPassword: null, passwordFile: null };
  const given = env.VMGATE_ADMIN_PASSWORD;
  const { user, password } = await core.identity.createUser(SYSTEM_CALLER, { name: 'administrator', fullName: 'vmgate administrator', ...(given ? { password: given } : {}) });
  await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'administrator', propagate: true });
  if (given) return { adminPassword: null, passwordFile: null };
  const passwordFile = join(dataDir, INITIAL_ADMIN_PASSWORD_FILE);
  await writeFileAtomic(passwordFile, password + '\n', { mode: 0o600 });
  return { adminPassword: password, passwordFile };
}

/** What the first start of a QEMU server made, for the banner. */
export interface LocalInventory {
  readonly datacenter: string;
  readonly host: string;
  readonly hostCpus: number;
  readonly hostMemoryMiB: number;
  readonly datastore: string;
  readonly datastorePath: string;
}

/** The names a fresh QEMU server gives its inventory (ESXi's and vCenter's defaults). */
export const LOCAL_DATACENTER = 'Datacenter';
export const LOCAL_DATASTORE = 'datastore1';

/**
 * First start with `--driver qemu` (no host in the inventory yet): a datacenter, a host
 * for this machine with its capacity (logical CPUs, physical memory) and a local datastore
 * `datastore1` under the data directory. Returns what it made, or null when the inventory
 * already has a host (later starts leave it alone).
 */
export async function ensureLocalInventory(core: Core, machine: { hostname: string; cpus: number; memoryBytes: number } = thisMachine()): Promise<LocalInventory | null> {
  if ((await core.ctx.store.hosts.count()) > 0) return null;
  const c = SYSTEM_CALLER;
  const dc = (await core.ctx.store.datacenters.getByName(LOCAL_DATACENTER)) ?? (await core.inventory.createDatacenter(c, LOCAL_DATACENTER));
  const ds = (await core.ctx.store.datastores.getByName(LOCAL_DATASTORE)) ?? (await core.inventory.createDatastore(c, { name: LOCAL_DATASTORE, datacenterId: dc.id }));
  const name = hostNameOf(machine.hostname);
  const host = await core.inventory.createHost(c, {
    name,
    datacenterId: dc.id,
    clusterId: null,
    driver: 'qemu',
    cpuCount: Math.max(1, machine.cpus),
    memoryMiB: Math.max(64, Math.floor(machine.memoryBytes / (1024 * 1024))),
    datastoreIds: [ds.id],
  });
  return { datacenter: dc.name, host: host.name, hostCpus: host.cpuCount, hostMemoryMiB: host.memoryMiB, datastore: ds.name, datastorePath: ds.path };
}

function thisMachine(): { hostname: string; cpus: number; memoryBytes: number } {
  return { hostname: hostname(), cpus: availableParallelism(), memoryBytes: totalmem() };
}

/** The machine's name as a host name (no slashes, at most 80 characters; 'localhost' when empty). */
export function hostNameOf(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 80);
  return clean === '' ? 'localhost' : clean;
}

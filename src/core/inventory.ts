import { mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventLog } from './events.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState, notFound } from './errors.ts';
import { nextId } from './ids.ts';
import { checkObjectName } from './names.ts';
import type { Cluster, Datacenter, Datastore, DriverKind, Host, InventoryEvent } from './model/index.ts';
import type { HostLoad } from './placement.ts';
import type { Store } from './ports/store.ts';


/** Datacenters, clusters, hosts, datastores. */
export class InventoryService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
  ) {}

  private async visibleFilter<T extends { id: string }>(caller: Caller, rows: T[]): Promise<T[]> {
    if (await this.authz.seesAll(caller)) return rows;
    const out: T[] = [];
    for (const r of rows) if (await this.authz.has(caller, 'System.View', r.id)) out.push(r);
    return out;
  }

  async listDatacenters(caller: Caller): Promise<Datacenter[]> {
    return this.visibleFilter(caller, await this.ctx.store.datacenters.list());
  }
  async listClusters(caller: Caller): Promise<Cluster[]> {
    return this.visibleFilter(caller, await this.ctx.store.clusters.list());
  }
  async listHosts(caller: Caller): Promise<Host[]> {
    return this.visibleFilter(caller, await this.ctx.store.hosts.list());
  }
  async listDatastores(caller: Caller): Promise<Datastore[]> {
    return this.visibleFilter(caller, await this.ctx.store.datastores.list());
  }

  async getDatacenter(caller: Caller, ref: string): Promise<Datacenter> {
    const d = (await this.ctx.store.datacenters.get(ref)) ?? (await this.ctx.store.datacenters.getByName(ref));
    if (!d) throw notFound(`datacenter '${ref}' was not found`, { module: 'core.inventory' });
    await this.authz.requireVisible(caller, 'System.View', d.id);
    return d;
  }
  async getCluster(caller: Caller, ref: string): Promise<Cluster> {
    const c = (await this.ctx.store.clusters.get(ref)) ?? (await this.ctx.store.clusters.getByName(ref));
    if (!c) throw notFound(`cluster '${ref}' was not found`, { module: 'core.inventory' });
    await this.authz.requireVisible(caller, 'System.View', c.id);
    return c;
  }
  async getHost(caller: Caller, ref: string): Promise<Host> {
    const h = (await this.ctx.store.hosts.get(ref)) ?? (await this.ctx.store.hosts.getByName(ref));
    if (!h) throw notFound(`host '${ref}' was not found`, { module: 'core.inventory' });
    await this.authz.requireVisible(caller, 'System.View', h.id);
    return h;
  }
  async getDatastore(caller: Caller, ref: string): Promise<Datastore> {
    const d = await this.findDatastore(ref);
    await this.authz.requireVisible(caller, 'System.View', d.id);
    return d;
  }
  async findDatastore(ref: string): Promise<Datastore> {
    const d = (await this.ctx.store.datastores.get(ref)) ?? (await this.ctx.store.datastores.getByName(ref));
    if (!d) throw notFound(`datastore '${ref}' was not found`, { module: 'core.inventory' });
    return d;
  }

  async createDatacenter(caller: Caller, name: string): Promise<Datacenter> {
    await this.authz.require(caller, 'Host.Config', 'root');
    checkName('datacenter', name);
    if (await this.ctx.store.datacenters.getByName(name)) throw alreadyExists(`datacenter '${name}' already exists`, { module: 'core.inventory' });
    const dc: Datacenter = { id: await nextId(this.ctx.store, 'datacenter'), name, createdAt: this.now() };
    await this.ctx.store.datacenters.insert(dc);
    await this.events.record(dc.id, 'datacenter.created', `datacenter '${name}' created`, { caller });
    return dc;
  }

  async createCluster(caller: Caller, spec: { name: string; datacenterId: string }): Promise<Cluster> {
    const dc = await this.getDatacenter(caller, spec.datacenterId);
    await this.authz.require(caller, 'Host.Config', dc.id);
    checkName('cluster', spec.name);
    if (await this.ctx.store.clusters.getByName(spec.name)) throw alreadyExists(`cluster '${spec.name}' already exists`, { module: 'core.inventory' });
    const c: Cluster = { id: await nextId(this.ctx.store, 'cluster'), name: spec.name, datacenterId: dc.id, createdAt: this.now() };
    await this.ctx.store.clusters.insert(c);
    await this.events.record(c.id, 'cluster.created', `cluster '${spec.name}' created in ${dc.name}`, { caller });
    return c;
  }

  /**
   * A datastore is a directory. Without a path it is made under the data directory
   * (`<data>/datastores/<name>`); a given path must already exist, be absolute, be a
   * directory, and neither lie inside another datastore nor contain one (two datastores
   * sharing files would let one's folders be deleted through the other). Needs
   * Host.Config on the root (administrators). With `attachToHosts` every host of its
   * datacenter sees it (after the ones it had), as datastores added through the API do.
   * `datacenterId` may be left out when there is exactly one datacenter.
   */
  async createDatastore(caller: Caller, spec: { name: string; datacenterId?: string; path?: string; attachToHosts?: boolean }): Promise<Datastore> {
    await this.authz.require(caller, 'Host.Config', 'root');
    const dc = spec.datacenterId !== undefined ? await this.getDatacenter(caller, spec.datacenterId) : await this.onlyDatacenter(caller);
    checkName('datastore', spec.name);
    if (!/^[A-Za-z0-9._-]+$/.test(spec.name)) throw invalidArgument(`datastore name '${spec.name}' may only use letters, digits, '.', '_' and '-'`, { module: 'core.inventory' });
    if (await this.ctx.store.datastores.getByName(spec.name)) throw alreadyExists(`datastore '${spec.name}' already exists`, { module: 'core.inventory' });
    let path: string;
    if (spec.path === undefined) {
      path = resolve(join(this.ctx.config.datastoreRoot, spec.name));
      await mkdir(path, { recursive: true, mode: 0o750 });
    } else {
      path = await checkedDatastoreDir(spec.path);
    }
    const real = await realpath(path);
    for (const other of await this.ctx.store.datastores.list()) {
      const otherReal = await realpath(other.path).catch(() => resolve(other.path));
      if (isWithin(real, otherReal) || isWithin(otherReal, real)) {
        throw invalidArgument(`${spec.path ?? path} ${real === otherReal ? 'is' : isWithin(real, otherReal) ? 'is inside' : 'contains'} datastore '${other.name}' (${other.path}): datastores may not overlap`, { module: 'core.inventory'});
      }
    }
    const d: Datastore = { id: await nextId(this.ctx.store, 'datastore'), name: spec.name, path, datacenterId: dc.id, createdAt: this.now() };
    await this.ctx.store.transaction(async (tx) => {
      await tx.datastores.insert(d);
      if (spec.attachToHosts !== true) return;
      for (const h of await tx.hosts.list()) {
        if (h.datacenterId === dc.id && !h.datastoreIds.includes(d.id)) await tx.hosts.update(h.id, { datastoreIds: [...h.datastoreIds, d.id] });
      }
    });
    await this.events.record(d.id, 'datastore.added', `datastore '${d.name}' added (${d.path})`, { caller });
    return d;
  }

  /**
   * Takes a datastore out of the inventory; its directory and files stay where they are
   * (as vSphere unmounts). Refused while VMs are registered on it; hosts stop seeing it.
   */
  async removeDatastore(caller: Caller, ref: string): Promise<Datastore> {
    await this.authz.require(caller, 'Host.Config', 'root');
    const d = await this.getDatastore(caller, ref);
    const vms = await this.ctx.store.vms.countBy({ datastoreIds: [d.id] });
    if (vms > 0) throw notAllowedInCurrentState(`datastore '${d.name}' still holds ${vms} registered VM${vms === 1 ? '' : 's'}: delete, move or unregister ${vms === 1 ? 'it' : 'them'} first`, { module: 'core.inventory'});
    await this.ctx.store.transaction(async (tx) => {
      for (const h of await tx.hosts.list()) {
        if (h.datastoreIds.includes(d.id)) await tx.hosts.update(h.id, { datastoreIds: h.datastoreIds.filter((x) => x !== d.id) });
      }
      await tx.datastores.delete(d.id);
    });
    await this.events.record(d.id, 'datastore.removed', `datastore '${d.name}' removed from the inventory (its files stay in ${d.path})`, { caller });
    return d;
  }

  private async onlyDatacenter(caller: Caller): Promise<Datacenter> {
    const all = await this.listDatacenters(caller);
    if (all.length === 1) return all[0]!;
    throw invalidArgument(all.length === 0 ? 'there is no datacenter to put the datastore in: create one first' : `there are ${all.length} datacenters (${all.map((x) => x.name).join(', ')}): say which one the datastore belongs to`, { module: 'core.inventory' });
  }

  async createHost(
    caller: Caller,
    spec: { name: string; datacenterId: string; clusterId?: string | null; driver: DriverKind; cpuCount: number; memoryMiB: number; datastoreIds: string[] },
  ): Promise<Host> {
    const dc = await this.getDatacenter(caller, spec.datacenterId);
    await this.authz.require(caller, 'Host.Config', dc.id);
    checkName('host', spec.name);
    if (!this.ctx.drivers.has(spec.driver)) throw invalidArgument(`driver '${spec.driver}' is not enabled in this vmgate (enabled: ${[...this.ctx.drivers.keys()].join(', ')})`, { module: 'core.inventory' });
    if (!Number.isInteger(spec.cpuCount) || spec.cpuCount < 1) throw invalidArgument('a host needs at least 1 vCPU of capacity', { module: 'core.inventory' });
    if (!Number.isInteger(spec.memoryMiB) || spec.memoryMiB < 64) throw invalidArgument('a host needs at least 64 MiB of memory', { module: 'core.inventory' });
    if (spec.clusterId) {
      const c = await this.getCluster(caller, spec.clusterId);
      if (c.datacenterId !== dc.id) throw invalidArgument(`cluster ${c.id} is not in datacenter ${dc.id}`, { module: 'core.inventory' });
    }
    for (const ds of spec.datastoreIds) await this.findDatastore(ds);
    if (await this.ctx.store.hosts.getByName(spec.name)) throw alreadyExists(`host '${spec.name}' already exists`, { module: 'core.inventory' });
    const h: Host = {
      id: await nextId(this.ctx.store, 'host'),
      name: spec.name,
      datacenterId: dc.id,
      clusterId: spec.clusterId ?? null,
      driver: spec.driver,
      connectionState: 'connected',
      maintenanceMode: false,
      cpuCount: spec.cpuCount,
      memoryMiB: spec.memoryMiB,
      datastoreIds: spec.datastoreIds,
      createdAt: this.now(),
    };
    await this.ctx.store.hosts.insert(h);
    await this.events.record(h.id, 'host.added', `host '${h.name}' added (${h.driver}, ${h.cpuCount} vCPUs, ${h.memoryMiB} MiB)`, { caller });
    return h;
  }

  async setHostMaintenance(caller: Caller, ref: string, on: boolean): Promise<Host> {
    const h = await this.getHost(caller, ref);
    await this.authz.require(caller, 'Host.Config', h.id);
    // The count and the flag are one transaction, as power-on admission reads the flag and
    // writes the VM's transitional state in one: a VM powering on meanwhile is either
    // counted here or refused there.
    let ev: InventoryEvent | undefined;
    const out = await this.ctx.store.transaction(async (tx) => {
      if (on) {
        const running = await tx.vms.countBy({ hostIds: [h.id], powerStates: ['poweredOn', 'poweringOn', 'paused', 'resetting', 'suspending', 'poweringOff'] });
        if (running > 0) throw notAllowedInCurrentState(`host ${h.name} still runs ${running} VMs: move or power them off first`, { module: 'core.inventory' });
      }
      const updated = await tx.hosts.update(h.id, { maintenanceMode: on });
      ev = await this.events.append(tx, h.id, on ? 'host.maintenanceEntered' : 'host.maintenanceExited', `host '${h.name}' ${on ? 'entered' : 'left'} maintenance mode`, { caller });
      return updated;
    });
    if (ev) this.ctx.bus.emit('event.appended', ev);
    return out;
  }

  /** The load on `host`, read through `store` (a transaction's, for a check and a write in one step). */
  async hostLoad(host: Host, store: Store = this.ctx.store): Promise<HostLoad> {
    const u = await store.vms.hostUsage(host.id);
    return { host, usedCpu: u.cpuCount, usedMemoryMiB: u.memoryMiB };
  }

  /** Capacity and usage of a host, for display. */
  async hostUsage(caller: Caller, ref: string): Promise<{ host: Host; usedCpu: number; usedMemoryMiB: number; vmCount: number }> {
    const h = await this.getHost(caller, ref);
    const u = await this.ctx.store.vms.hostUsage(h.id);
    return { host: h, usedCpu: u.cpuCount, usedMemoryMiB: u.memoryMiB, vmCount: await this.ctx.store.vms.countBy({ hostIds: [h.id] }) };
  }

  /** What runs a driver's guests (QEMU: kvm or tcg, and why); null for a driver without one (sim). */
  async accelerator(kind: DriverKind): Promise<{ name: string; reason: string } | null> {
    const driver = this.ctx.drivers.get(kind);
    return driver?.accelerator ? driver.accelerator() : null;
  }

  /** A host with its usage and its driver's accelerator (vmgate host info). */
  async hostDetails(caller: Caller, ref: string): Promise<{ host: Host; usedCpu: number; usedMemoryMiB: number; vmCount: number; accelerator: { name: string; reason: string } | null }> {
    const u = await this.hostUsage(caller, ref);
    return { ...u, accelerator: await this.accelerator(u.host.driver) };
  }

  /**
   * Size and free space of the file system behind a datastore, for display; `usage` is
   * null when its directory cannot be read (the datastore is inaccessible).
   */
  async datastoreUsage(caller: Caller, ref: string): Promise<{ datastore: Datastore; usage: { capacityBytes: number; freeBytes: number } | null; vmCount: number }> {
    const d = await this.getDatastore(caller, ref);
    const usage = await this.ctx.files(d).usage().catch(() => null);
    return { datastore: d, usage, vmCount: await this.ctx.store.vms.countBy({ datastoreIds: [d.id] }) };
  }

  private now(): string {
    return this.ctx.clock.now().toISOString();
  }
}

function checkName(what: string, name: string): void {
  checkObjectName(`${what} name`, name, { also: [/[/\\]/, 'no slashes'], module: 'core.inventory' });
}

/** A directory given for a datastore: absolute, existing, a directory (links followed); its absolute path. */
async function checkedDatastoreDir(path: string): Promise<string> {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw invalidArgument('a datastore path must be a non-empty absolute path', { module: 'core.inventory' });
  if (!isAbsolute(path)) throw invalidArgument(`datastore path '${path}' is not absolute: give the full path of a directory (e.g. /srv/vmgate/iso)`, { module: 'core.inventory' });
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? invalidArgument(`datastore path ${path} does not exist: create the directory first`, { module: 'core.inventory', reason: 'file_not_found' }) : invalidArgument(`datastore path ${path} cannot be read (${e.code ?? e.message})`, { module: 'core.inventory' }));
  });
  if (!st.isDirectory()) throw invalidArgument(`datastore path ${path} is not a directory`, { module: 'core.inventory', reason: 'not_a_directory' });
  return resolve(path);
}

/** `inner` is `outer` or below it (both real, absolute paths). */
function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}

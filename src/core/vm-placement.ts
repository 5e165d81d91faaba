/** Where a new, registered, cloned or moved VM goes: host (or the library) and datastore. */
import type { Caller } from './caller.ts';
import { invalidArgument, notFound } from './errors.ts';
import type { Datastore, Host, Vm } from './model/index.ts';
import { chooseHost } from './placement.ts';
import type { VmDeps } from './vm-deps.ts';

/**
 * Where a VM goes. Parts given together must agree (domain rules, checked here for every
 * face): a host inside the given cluster, host / cluster / datastore inside the given
 * datacenter, a host that sees the given datastore.
 */
export interface VmPlacementSpec {
  readonly hostId?: string;
  /** A cluster: core picks a host in it, or checks that the given host is in it. */
  readonly clusterId?: string;
  readonly datastoreId?: string;
  /** The datacenter it goes in (a vSphere VM folder): everything else given must be in it. */
  readonly datacenterId?: string;
  /** Put it in the library (registered, not on any host). */
  readonly library?: boolean;
}

const conflict = (m: string) => invalidArgument(m, { module: 'core.placement' });

/** Where a new or moved VM goes. */
export async function placeVm(d: VmDeps, caller: Caller, vm: Pick<Vm, 'id' | 'name' | 'hardware'>, spec: VmPlacementSpec | undefined): Promise<{ host: Host | null; datastore: Datastore }> {
  const store = d.ctx.store;
  const dcId = spec?.datacenterId;
  if (dcId !== undefined) await d.inventory.getDatacenter(caller, dcId);
  let host: Host | null = null;
  if (spec?.library) {
    host = null;
  } else if (spec?.hostId) {
    host = await d.inventory.getHost(caller, spec.hostId);
    if (spec.clusterId !== undefined) {
      const c = await d.inventory.getCluster(caller, spec.clusterId);
      if (host.clusterId !== c.id) throw conflict(`host ${host.name} (${host.id}) is not in cluster ${c.name} (${c.id})`);
    }
  } else {
    let hosts = await store.hosts.list();
    if (spec?.clusterId) {
      const c = await d.inventory.getCluster(caller, spec.clusterId);
      if (dcId !== undefined && c.datacenterId !== dcId) throw conflict(`cluster ${c.name} (${c.id}) is in ${c.datacenterId}, not in datacenter ${dcId}`);
      hosts = hosts.filter((h) => h.clusterId === c.id);
    }
    const inScope = hosts.length;
    if (spec?.datastoreId) hosts = hosts.filter((h) => h.datastoreIds.includes(spec.datastoreId!));
    if (hosts.length > 0) {
      const loads = await Promise.all(hosts.map((h) => d.inventory.hostLoad(h)));
      host = chooseHost(vm, loads, { cpuOvercommit: d.ctx.config.cpuOvercommit }).host;
    } else if (spec?.clusterId) {
      throw inScope > 0
        ? invalidArgument(`no host of cluster ${spec.clusterId} sees datastore ${spec.datastoreId}, so ${vm.name} cannot go there`, { module: 'core.placement' })
        : notFound(`cluster ${spec.clusterId} has no hosts to place ${vm.name} on`, { module: 'core.placement' });
    }
  }
  if (host && dcId !== undefined && host.datacenterId !== dcId) throw conflict(`host ${host.name} (${host.id}) is in ${host.datacenterId}, not in datacenter ${dcId}`);
  if (host) await d.authz.require(caller, 'VirtualMachine.Inventory', host.id);
  else await d.authz.require(caller, 'VirtualMachine.Inventory', 'library');
  let datastore: Datastore;
  if (spec?.datastoreId) {
    datastore = await d.inventory.getDatastore(caller, spec.datastoreId);
    if (dcId !== undefined && datastore.datacenterId !== dcId) throw conflict(`datastore ${datastore.name} (${datastore.id}) is not in datacenter ${dcId}`);
    if (host && !host.datastoreIds.includes(datastore.id)) throw invalidArgument(`host ${host.name} does not see datastore ${datastore.name}`, { module: 'core.placement' });
  } else {
    let dsId = host?.datastoreIds[0];
    if (dsId === undefined) {
      const all = await store.datastores.list();
      dsId = (dcId !== undefined ? all.find((x) => x.datacenterId === dcId) : all[0])?.id;
    }
    if (!dsId) throw notFound(dcId !== undefined ? `datacenter ${dcId} has no datastore for a library VM` : 'there is no datastore to put the VM on: create one first', { module: 'core.placement' });
    datastore = await d.inventory.findDatastore(dsId);
  }
  return { host, datastore };
}

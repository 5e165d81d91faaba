/** Where a new, registered, cloned or moved VM goes: host (or the library) and datastore. */
import type { Caller } from './caller.ts';
import { invalidArgument, notFound } from './errors.ts';
import type { Datastore, Host, Vm } from './model/index.ts';
import { chooseHost } from './placement.ts';
import type { VmDeps } from './vm-deps.ts';

export interface VmPlacementSpec {
  readonly hostId?: string;
  readonly clusterId?: string;
  readonly datastoreId?: string;
  /** Put it in the library (registered, not on any host). */
  readonly library?: boolean;
}

/** Where a new or moved VM goes. */
export async function placeVm(d: VmDeps, caller: Caller, vm: Pick<Vm, 'id' | 'name' | 'hardware'>, spec: VmPlacementSpec | undefined): Promise<{ host: Host | null; datastore: Datastore }> {
  const store = d.ctx.store;
  let host: Host | null = null;
  if (spec?.library) {
    host = null;
  } else if (spec?.hostId) {
    host = await d.inventory.getHost(caller, spec.hostId);
  } else {
    let hosts = await store.hosts.list();
    if (spec?.clusterId) {
      const c = await d.inventory.getCluster(caller, spec.clusterId);
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
  if (host) await d.authz.require(caller, 'VirtualMachine.Inventory', host.id);
  else await d.authz.require(caller, 'VirtualMachine.Inventory', 'library');
  let datastore: Datastore;
  if (spec?.datastoreId) {
    datastore = await d.inventory.getDatastore(caller, spec.datastoreId);
    if (host && !host.datastoreIds.includes(datastore.id)) throw invalidArgument(`host ${host.name} does not see datastore ${datastore.name}`, { module: 'core.placement' });
  } else {
    const dsId = host?.datastoreIds[0] ?? (await store.datastores.list())[0]?.id;
    if (!dsId) throw notFound('there is no datastore to put the VM on: create one first', { module: 'core.placement' });
    datastore = await d.inventory.findDatastore(dsId);
  }
  return { host, datastore };
}

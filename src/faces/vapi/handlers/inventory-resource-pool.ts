import { notFound } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import { ResourcePoolService } from '../../../protocols/vapi/types/index.ts';
import { clusterPoolId, hostPoolId, parseResourcePoolId, ROOT_POOL_NAME } from './derived-ids.ts';
import { checkListSize, compareIds, passes, passesAny, setOf } from './inventory-filters.ts';

/**
 * com.vmware.vcenter.resource_pool: list and get. vmgate has no resource pools of its
 * own; vSphere's root pools are derived: 'Resources' of each cluster (`resgroup-<n>`)
 * and of each standalone host (`resgroup-h<n>`), without child pools.
 */
export const resourcePoolHandlers = implement(ResourcePoolService, {
  async list(call, { filter }) {
    const f = filter ?? {};
    const ids = setOf(f.resource_pools);
    const names = setOf(f.names);
    const parents = setOf(f.parent_resource_pools);
    const dcs = setOf(f.datacenters);
    const hostSet = setOf(f.hosts);
    const clusterSet = setOf(f.clusters);
    const hosts = await call.core.inventory.listHosts(call.caller);
    const pools: { id: string; datacenterId: string; hostIds: string[]; clusterId: string | null }[] = [];
    for (const c of await call.core.inventory.listClusters(call.caller)) {
      pools.push({ id: clusterPoolId(c.id), datacenterId: c.datacenterId, hostIds: hosts.filter((h) => h.clusterId === c.id).map((h) => h.id), clusterId: c.id });
    }
    for (const h of hosts) if (h.clusterId === null) pools.push({ id: hostPoolId(h.id), datacenterId: h.datacenterId, hostIds: [h.id], clusterId: null });
    const rows = pools.filter(
      (p) =>
        parents === undefined &&
        passes(ids, p.id) &&
        passes(names, ROOT_POOL_NAME) &&
        passes(dcs, p.datacenterId) &&
        passesAny(hostSet, p.hostIds) &&
        (clusterSet === undefined || (p.clusterId !== null && clusterSet.has(p.clusterId))),
    );
    checkListSize('resource pools', rows.length);
    return rows.sort((a, b) => compareIds(a.id, b.id)).map((p) => ({ resource_pool: p.id, name: ROOT_POOL_NAME }));
  },

  async get(call, { resource_pool }) {
    const ref = parseResourcePoolId(resource_pool);
    const missing = () => notFound(`resource pool '${resource_pool}' was not found`, { module: 'face.vapi' });
    if (!ref) throw missing();
    if ('clusterId' in ref) {
      await call.core.inventory.getCluster(call.caller, ref.clusterId).catch(() => {
        throw missing();
      });
    } else {
      const h = await call.core.inventory.getHost(call.caller, ref.hostId).catch(() => {
        throw missing();
      });
      if (h.clusterId !== null) throw missing();
    }
    return { name: ROOT_POOL_NAME, resource_pools: [] };
  },
});

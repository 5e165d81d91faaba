import { implement } from '../call.ts';
import { ClusterService } from '../../../protocols/vapi/types/index.ts';
import { clusterPoolId, parseFolderId } from './derived-ids.ts';
import { checkListSize, compareIds, passes, setOf } from './inventory-filters.ts';

/**
 * com.vmware.vcenter.cluster: list and get. vmgate places VMs itself: HA and DRS are off.
 * A cluster is in its datacenter's host folder (`group-h<n>`); its root pool is `resgroup-<n>`.
 */
export const clusterHandlers = implement(ClusterService, {
  async list(call, { filter }) {
    const f = filter ?? {};
    const ids = setOf(f.clusters);
    const names = setOf(f.names);
    const dcs = setOf(f.datacenters);
    const folders = setOf(f.folders);
    const folderDcs = folders && new Set([...folders].map(parseFolderId).flatMap((r) => (r && r.type === 'HOST' ? [r.datacenterId] : [])));
    const rows = (await call.core.inventory.listClusters(call.caller)).filter(
      (c) => passes(ids, c.id) && passes(names, c.name) && passes(dcs, c.datacenterId) && passes(folderDcs, c.datacenterId),
    );
    checkListSize('clusters', rows.length);
    return rows.sort((a, b) => compareIds(a.id, b.id)).map((c) => ({ cluster: c.id, name: c.name, ha_enabled: false, drs_enabled: false }));
  },

  async get(call, { cluster }) {
    const c = await call.core.inventory.getCluster(call.caller, cluster);
    return { name: c.name, resource_pool: clusterPoolId(c.id) };
  },
});

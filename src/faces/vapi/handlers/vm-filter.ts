/**
 * VM.list's filter_spec → core VM queries.
 *
 * vms, names, hosts, clusters and power_states are core filter fields. datacenters,
 * folders and resource_pools name places, which become one to three disjoint core
 * queries (their results are unioned):
 *
 * - a datacenter holds the VMs on its hosts and the library VMs on its datastores;
 * - a datacenter's VM folder (`group-v<n>`) holds the same VMs; other folders hold no VMs;
 * - a cluster's root pool holds the VMs on its hosts, a standalone host's pool the VMs on
 *   that host; library VMs are in no pool (nor on any host or cluster).
 *
 * Ids that name nothing simply match nothing, as in vSphere; empty sets are no condition.
 */
import type { VmFilter } from '../../../core/model/index.ts';
import type { VapiCall } from '../call.ts';
import type { VMFilterSpec } from '../../../protocols/vapi/types/index.ts';
import { parseFolderId, parseResourcePoolId } from './derived-ids.ts';
import { setOf } from './inventory-filters.ts';
import { corePowerStates } from './mappings.ts';

type MutableFilter = { -readonly [K in keyof VmFilter]: VmFilter[K] };

function intersect(a: readonly string[] | undefined, b: readonly string[]): string[] {
  return a === undefined ? [...b] : b.filter((x) => a.includes(x));
}

/** The disjoint core queries whose union is the filter's result. */
export async function vmQueries(call: VapiCall, f: VMFilterSpec | undefined): Promise<VmFilter[]> {
  const base: MutableFilter = {};
  const vms = setOf(f?.vms);
  const names = setOf(f?.names);
  const hosts = setOf(f?.hosts);
  const clusters = setOf(f?.clusters);
  const states = setOf(f?.power_states);
  if (vms) base.ids = [...vms];
  if (names) base.names = [...names];
  if (hosts) base.hostIds = [...hosts];
  if (clusters) base.clusterIds = [...clusters];
  if (states) base.powerStates = corePowerStates([...states]);

  // Datacenters: the datacenters filter, narrowed by the VM folders asked for.
  let dcs = setOf(f?.datacenters) ? [...setOf(f?.datacenters)!] : undefined;
  const folders = setOf(f?.folders);
  if (folders) {
    const fromFolders = [...folders].map(parseFolderId).flatMap((r) => (r && r.type === 'VIRTUAL_MACHINE' ? [r.datacenterId] : []));
    dcs = intersect(dcs, fromFolders);
  }

  // Placed VMs: one query, or one per kind of resource pool.
  let placed: MutableFilter[] = [{ ...base }];
  const pools = setOf(f?.resource_pools);
  if (pools) {
    const refs = [...pools].map(parseResourcePoolId);
    const poolClusters = refs.flatMap((r) => (r && 'clusterId' in r ? [r.clusterId] : []));
    const poolHosts = await standaloneHosts(call, refs.flatMap((r) => (r && 'hostId' in r ? [r.hostId] : [])));
    placed = [];
    if (poolClusters.length > 0) placed.push({ ...base, clusterIds: intersect(base.clusterIds, poolClusters) });
    if (poolHosts.length > 0) placed.push({ ...base, hostIds: intersect(base.hostIds, poolHosts) });
  }
  const out: VmFilter[] = placed.map((q) => (dcs ? { ...q, datacenterIds: dcs } : q));

  // Library VMs match only place filters that a library VM can be in: its datacenter.
  if (dcs && !hosts && !clusters && !pools) {
    const datastoreIds = (await call.core.inventory.listDatastores(call.caller)).filter((d) => dcs!.includes(d.datacenterId)).map((d) => d.id);
    out.push({ ...base, inLibrary: true, datastoreIds });
  }
  return out;
}

/** The hosts among `ids` that exist, are visible and standalone (they alone have a pool of their own). */
async function standaloneHosts(call: VapiCall, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const all = await call.core.inventory.listHosts(call.caller);
  return all.filter((h) => h.clusterId === null && ids.includes(h.id)).map((h) => h.id);
}

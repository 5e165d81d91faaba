/**
 * vSphere placement specs (folder, resource pool, host, cluster, datastore) → core's
 * VmPlacementSpec, through the derived ids of derived-ids.ts:
 *
 * - host → that host; cluster → that cluster (core picks the host);
 * - resource pool `resgroup-<n>` → cluster `domain-c<n>`; `resgroup-h<n>` → standalone `host-<n>`;
 * - folder: must be a datacenter's VM folder (`group-v<n>`), and in the datacenter of
 *   the host / cluster / datastore given with it. With no host, cluster or resource pool,
 *   create and register put the VM in the library (the folder's datacenter, on the given
 *   datastore or the datacenter's first one); for clone and relocate it must be the VM's
 *   own datacenter's folder (vmgate has one VM folder per datacenter);
 * - datastore → that datastore.
 *
 * Clone and relocate keep what the spec leaves unset as the (source) VM has it — its
 * host or the library, its datastore — as vSphere does ("if unset, the system will use
 * the resource pool / datastore of the source virtual machine"); a host that does not
 * see that datastore is then a conflict (invalid_argument), as in vSphere.
 *
 * This file translates vSphere's arguments (resource pools, folders) into core's spec and
 * checks what only vSphere has (a resource pool against its cluster or host); the domain
 * rules — a host outside the given cluster, a host, cluster or datastore outside the
 * folder's datacenter, a host that does not see the datastore — are core's (placeVm),
 * so every face gets the same answers. Contradictions are invalid_argument; unknown ids
 * are not_found.
 */
import { invalidArgument, notFound } from '../../../core/errors.ts';
import type { Cluster, Datastore, Host, Vm, VmPlacementSpec } from '../../../core/index.ts';
import type { VapiCall } from '../call.ts';
import { parseFolderId, parseResourcePoolId } from './derived-ids.ts';

export interface VapiPlacement {
  readonly folder?: string;
  readonly resource_pool?: string;
  readonly host?: string;
  readonly cluster?: string;
  readonly datastore?: string;
}

/** What a folder-only placement means: the library (create, register) or "stay" (clone, relocate). */
export type FolderOnly = 'library' | 'stay';

const bad = (m: string) => invalidArgument(m, { module: 'face.vapi' });

export async function resolvePlacement(call: VapiCall, p: VapiPlacement | undefined, folderOnly: FolderOnly, field = 'placement'): Promise<VmPlacementSpec | undefined> {
  if (!p) return undefined;
  const inv = call.core.inventory;
  let host: Host | undefined = p.host !== undefined ? await inv.getHost(call.caller, p.host) : undefined;
  let cluster: Cluster | undefined = p.cluster !== undefined ? await inv.getCluster(call.caller, p.cluster) : undefined;

  if (p.resource_pool !== undefined) {
    const pool = parseResourcePoolId(p.resource_pool);
    const missing = () => notFound(`${field}.resource_pool: resource pool '${p.resource_pool}' was not found`, { module: 'face.vapi' });
    if (!pool) throw missing();
    if ('clusterId' in pool) {
      const c = await inv.getCluster(call.caller, pool.clusterId).catch(() => {
        throw missing();
      });
      if (cluster && cluster.id !== c.id) throw bad(`${field}: resource pool ${p.resource_pool} is not in cluster ${cluster.id}`);
      if (host && host.clusterId !== c.id) throw bad(`${field}: host ${host.id} is not in resource pool ${p.resource_pool} (cluster ${c.id})`);
      cluster = c;
    } else {
      const h = await inv.getHost(call.caller, pool.hostId).catch(() => {
        throw missing();
      });
      if (h.clusterId !== null) throw missing();
      if (host && host.id !== h.id) throw bad(`${field}: host ${host.id} is not in resource pool ${p.resource_pool} (host ${h.id})`);
      if (cluster) throw bad(`${field}: resource pool ${p.resource_pool} belongs to standalone host ${h.id}, not to cluster ${cluster.id}`);
      host = h;
    }
  }

  const datastore: Datastore | undefined = p.datastore !== undefined ? await inv.getDatastore(call.caller, p.datastore) : undefined;
  let folderDc: string | undefined;
  if (p.folder !== undefined) {
    const f = parseFolderId(p.folder);
    if (!f) throw notFound(`${field}.folder: folder '${p.folder}' was not found`, { module: 'face.vapi' });
    if (f.type !== 'VIRTUAL_MACHINE') throw bad(`${field}.folder: ${p.folder} is not a virtual machine folder (use a datacenter's VM folder, group-v<n>)`);
    const dc = await inv.getDatacenter(call.caller, f.datacenterId).catch(() => {
      throw notFound(`${field}.folder: folder '${p.folder}' was not found`, { module: 'face.vapi' });
    });
    folderDc = dc.id;
  }

  // Core checks that these agree (host in cluster, everything in the folder's datacenter).
  const out: { -readonly [K in keyof VmPlacementSpec]: VmPlacementSpec[K] } = {};
  if (host) out.hostId = host.id;
  if (cluster) out.clusterId = cluster.id;
  if (datastore) out.datastoreId = datastore.id;
  if (folderDc !== undefined) out.datacenterId = folderDc;
  if (!host && !cluster && folderDc !== undefined && folderOnly === 'library') out.library = true;
  return out;
}

/**
 * The datacenter a VM is in: its host's, or for a library VM its datastore's. Undefined
 * when the caller may not see either (the VM itself may be visible through a permission
 * on it alone).
 */
export async function datacenterOfVm(call: VapiCall, vm: Pick<Vm, 'hostId' | 'datastoreId'>): Promise<string | undefined> {
  const inv = call.core.inventory;
  if (vm.hostId) {
    const h = await inv.getHost(call.caller, vm.hostId).catch(() => undefined);
    if (h) return h.datacenterId;
  }
  const ds = await inv.getDatastore(call.caller, vm.datastoreId).catch(() => undefined);
  return ds?.datacenterId;
}

/**
 * Clone and relocate: the placement with what it leaves unset taken from `vm` (its host or
 * the library, its datastore). A folder given without a host, cluster or resource pool
 * must then be the VM's own datacenter's: core checks that the VM's host and datastore
 * are in the folder's datacenter.
 */
export function withVmDefaults(vm: Vm, spec: VmPlacementSpec | undefined): VmPlacementSpec {
  const out: { -readonly [K in keyof VmPlacementSpec]: VmPlacementSpec[K] } = { ...spec };
  if (!out.hostId && !out.clusterId && !out.library) {
    if (vm.hostId) out.hostId = vm.hostId;
    else out.library = true;
  }
  if (!out.datastoreId) out.datastoreId = vm.datastoreId;
  return out;
}

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
 * Parts that contradict each other (a host outside the given cluster, a folder of another
 * datacenter) are invalid_argument; unknown ids are not_found.
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
  if (host && cluster && host.clusterId !== cluster.id) throw bad(`${field}: host ${host.id} is not in cluster ${cluster.id}`);

  const datastore: Datastore | undefined = p.datastore !== undefined ? await inv.getDatastore(call.caller, p.datastore) : undefined;
  const computeDc = host?.datacenterId ?? cluster?.datacenterId;
  let folderDc: string | undefined;
  if (p.folder !== undefined) {
    const f = parseFolderId(p.folder);
    if (!f) throw notFound(`${field}.folder: folder '${p.folder}' was not found`, { module: 'face.vapi' });
    if (f.type !== 'VIRTUAL_MACHINE') throw bad(`${field}.folder: ${p.folder} is not a virtual machine folder (use a datacenter's VM folder, group-v<n>)`);
    const dc = await inv.getDatacenter(call.caller, f.datacenterId).catch(() => {
      throw notFound(`${field}.folder: folder '${p.folder}' was not found`, { module: 'face.vapi' });
    });
    folderDc = dc.id;
    if (computeDc !== undefined && computeDc !== folderDc) throw bad(`${field}: folder ${p.folder} is in ${folderDc}, the host or cluster in ${computeDc}`);
  }
  if (datastore && folderDc !== undefined && datastore.datacenterId !== folderDc) throw bad(`${field}: datastore ${datastore.id} is not in the datacenter of folder ${p.folder}`);

  const out: { -readonly [K in keyof VmPlacementSpec]: VmPlacementSpec[K] } = {};
  if (host) out.hostId = host.id;
  else if (cluster) out.clusterId = cluster.id;
  if (datastore) out.datastoreId = datastore.id;
  if (!host && !cluster && folderDc !== undefined && folderOnly === 'library') {
    out.library = true;
    if (!datastore) {
      const first = (await inv.listDatastores(call.caller)).find((d) => d.datacenterId === folderDc);
      if (!first) throw notFound(`${field}: datacenter ${folderDc} has no datastore for a library VM`, { module: 'face.vapi' });
      out.datastoreId = first.id;
    }
  }
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
 * must be the VM's own datacenter's.
 */
export async function withVmDefaults(call: VapiCall, vm: Vm, p: VapiPlacement | undefined, spec: VmPlacementSpec | undefined, field = 'spec.placement'): Promise<VmPlacementSpec> {
  const out: { -readonly [K in keyof VmPlacementSpec]: VmPlacementSpec[K] } = { ...spec };
  if (!out.hostId && !out.clusterId && !out.library) {
    if (p?.folder !== undefined) {
      const f = parseFolderId(p.folder);
      const dc = await datacenterOfVm(call, vm);
      if (f && f.type === 'VIRTUAL_MACHINE' && dc !== undefined && f.datacenterId !== dc) {
        throw bad(`${field}.folder: ${p.folder} is in ${f.datacenterId}, ${vm.id} is in ${dc}: give a host, cluster or resource pool in ${f.datacenterId} too`);
      }
    }
    if (vm.hostId) out.hostId = vm.hostId;
    else out.library = true;
  }
  if (!out.datastoreId) out.datastoreId = vm.datastoreId;
  return out;
}

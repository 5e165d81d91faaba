/**
 * The inventory objects vSphere has and vmgate does not keep — folders, one standard
 * network per datacenter, root resource pools — derived from core's datacenters,
 * clusters and hosts with stable ids. Every handler that shows or accepts one of them
 * (folder, network and resource pool lists; VM list filters; VM placement; NIC backings)
 * goes through this module, so an id means the same thing everywhere.
 *
 * | object                                   | id                | name          |
 * |------------------------------------------|-------------------|---------------|
 * | root folder (holds the datacenters)      | `group-d1`        | `Datacenters` |
 * | VM folder of `datacenter-<n>`            | `group-v<n>`      | `vm`          |
 * | host folder of `datacenter-<n>`          | `group-h<n>`      | `host`        |
 * | datastore folder of `datacenter-<n>`     | `group-s<n>`      | `datastore`   |
 * | network folder of `datacenter-<n>`       | `group-n<n>`      | `network`     |
 * | standard network of `datacenter-<n>`     | `network-<n>`     | `VM Network`  |
 * | root resource pool of cluster `domain-c<n>` | `resgroup-<n>` | `Resources`   |
 * | root resource pool of standalone `host-<n>` | `resgroup-h<n>`| `Resources`   |
 *
 * `<n>` is whatever follows the core id's prefix, so the mapping is a bijection.
 * What the objects contain: a datacenter's VM folder holds all VMs of the datacenter —
 * those on its hosts and the library VMs whose datastore is in it; its host folder the
 * datacenter's hosts and clusters; its datastore and network folders its datastores and
 * its network. A cluster's pool holds the VMs on the cluster's hosts, a standalone
 * host's pool the VMs on that host; library VMs are in no pool.
 */

export const ROOT_FOLDER_ID = 'group-d1';
export const ROOT_FOLDER_NAME = 'Datacenters';
/** The one network of every datacenter (and the default network of a new NIC in core). */
export const STANDARD_NETWORK_NAME = 'VM Network';
export const ROOT_POOL_NAME = 'Resources';

/** The four folders every datacenter has, by vSphere folder type. */
export type DatacenterFolderType = 'VIRTUAL_MACHINE' | 'HOST' | 'DATASTORE' | 'NETWORK';
export const DATACENTER_FOLDER_TYPES: readonly DatacenterFolderType[] = ['VIRTUAL_MACHINE', 'HOST', 'DATASTORE', 'NETWORK'];

const FOLDER_LETTER: Readonly<Record<DatacenterFolderType, string>> = { VIRTUAL_MACHINE: 'v', HOST: 'h', DATASTORE: 's', NETWORK: 'n' };
const FOLDER_OF_LETTER: Readonly<Record<string, DatacenterFolderType>> = { v: 'VIRTUAL_MACHINE', h: 'HOST', s: 'DATASTORE', n: 'NETWORK' };
export const FOLDER_NAMES: Readonly<Record<DatacenterFolderType, string>> = { VIRTUAL_MACHINE: 'vm', HOST: 'host', DATASTORE: 'datastore', NETWORK: 'network' };

const DATACENTER_PREFIX = 'datacenter-';
const CLUSTER_PREFIX = 'domain-c';
const HOST_PREFIX = 'host-';

/** What a folder id names: the root folder, or one of a datacenter's four folders. */
export type FolderRef = { readonly type: 'DATACENTER' } | { readonly type: DatacenterFolderType; readonly datacenterId: string };

/** What a resource pool id names: the root pool of a cluster or of a standalone host. */
export type PoolRef = { readonly clusterId: string } | { readonly hostId: string };

function suffix(id: string, prefix: string): string | undefined {
  return id.startsWith(prefix) && id.length > prefix.length ? id.slice(prefix.length) : undefined;
}

/** `datacenter-3`, 'VIRTUAL_MACHINE' → `group-v3`. */
export function datacenterFolderId(datacenterId: string, type: DatacenterFolderType): string {
  return `group-${FOLDER_LETTER[type]}${suffix(datacenterId, DATACENTER_PREFIX) ?? datacenterId}`;
}

/** The folder an id names, or undefined when it is not a folder id vmgate derives. */
export function parseFolderId(id: string): FolderRef | undefined {
  if (id === ROOT_FOLDER_ID) return { type: 'DATACENTER' };
  const m = /^group-([vhsn])(.+)$/.exec(id);
  if (!m) return undefined;
  return { type: FOLDER_OF_LETTER[m[1]!]!, datacenterId: `${DATACENTER_PREFIX}${m[2]}` };
}

/** `datacenter-3` → `network-3`. */
export function networkId(datacenterId: string): string {
  return `network-${suffix(datacenterId, DATACENTER_PREFIX) ?? datacenterId}`;
}

/** `network-3` → `datacenter-3`; undefined for other ids. */
export function parseNetworkId(id: string): string | undefined {
  const rest = suffix(id, 'network-');
  return rest === undefined ? undefined : `${DATACENTER_PREFIX}${rest}`;
}

/** `domain-c2` → `resgroup-2`. */
export function clusterPoolId(clusterId: string): string {
  return `resgroup-${suffix(clusterId, CLUSTER_PREFIX) ?? clusterId}`;
}

/** `host-4` → `resgroup-h4` (standalone hosts only have a pool of their own). */
export function hostPoolId(hostId: string): string {
  return `resgroup-h${suffix(hostId, HOST_PREFIX) ?? hostId}`;
}

/** The cluster or host whose root pool an id names; undefined for other ids. */
export function parseResourcePoolId(id: string): PoolRef | undefined {
  const rest = suffix(id, 'resgroup-');
  if (rest === undefined) return undefined;
  if (rest.startsWith('h') && rest.length > 1) return { hostId: `${HOST_PREFIX}${rest.slice(1)}` };
  return { clusterId: `${CLUSTER_PREFIX}${rest}` };
}

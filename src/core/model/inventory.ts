/** Datacenter → Cluster → Host, and the datastores hosts see. Ids look like vSphere's. */

export interface Datacenter {
  readonly id: string; // datacenter-<n>
  readonly name: string;
  readonly createdAt: string;
}

export interface Cluster {
  readonly id: string; // domain-c<n>
  readonly name: string;
  readonly datacenterId: string;
  readonly createdAt: string;
}

export type DriverKind = 'sim' | 'qemu';
export type HostConnectionState = 'connected' | 'disconnected' | 'notResponding';

export interface Host {
  readonly id: string; // host-<n>
  readonly name: string;
  readonly datacenterId: string;
  /** null for a standalone host. */
  readonly clusterId: string | null;
  readonly driver: DriverKind;
  readonly connectionState: HostConnectionState;
  readonly maintenanceMode: boolean;
  /** Capacity the placement engine may hand out. */
  readonly cpuCount: number;
  readonly memoryMiB: number;
  /** Datastores this host sees; the first is where new VMs go by default. */
  readonly datastoreIds: readonly string[];
  readonly createdAt: string;
}

export interface Datastore {
  readonly id: string; // datastore-<n>
  readonly name: string;
  /** Absolute directory on the machine that holds the VM folders. */
  readonly path: string;
  readonly datacenterId: string;
  readonly createdAt: string;
}

/** Where a VM is: the library (not placed) or a host. */
export const LIBRARY = 'library' as const;

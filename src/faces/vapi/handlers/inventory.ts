import type { ImplementedService } from '../call.ts';
import { clusterHandlers } from './inventory-cluster.ts';
import { datacenterHandlers } from './inventory-datacenter.ts';
import { datastoreHandlers } from './inventory-datastore.ts';
import { folderHandlers } from './inventory-folder.ts';
import { hostHandlers } from './inventory-host.ts';
import { networkHandlers } from './inventory-network.ts';
import { resourcePoolHandlers } from './inventory-resource-pool.ts';

/**
 * The vCenter inventory services, list and get over core.inventory: hosts, datacenters,
 * clusters and datastores as core keeps them; folders, networks and resource pools
 * derived from them (derived-ids.ts).
 */
export const INVENTORY_HANDLERS: readonly ImplementedService[] = [
  hostHandlers,
  datacenterHandlers,
  clusterHandlers,
  datastoreHandlers,
  networkHandlers,
  folderHandlers,
  resourcePoolHandlers,
];

/**
 * com.vmware.vcenter.cluster: clusters of hosts.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, id, list, optional, set, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const ClusterFilterSpec = struct('com.vmware.vcenter.cluster.filter_spec', {
  clusters: optional(set(id())),
  names: optional(set(string())),
  folders: optional(set(id())),
  datacenters: optional(set(id())),
});
export type ClusterFilterSpec = Infer<typeof ClusterFilterSpec>;

export const ClusterSummary = struct('com.vmware.vcenter.cluster.summary', {
  cluster: id('ClusterComputeResource'),
  name: string(),
  ha_enabled: boolean(),
  drs_enabled: boolean(),
});
export type ClusterSummary = Infer<typeof ClusterSummary>;

export const ClusterInfo = struct('com.vmware.vcenter.cluster.info', {
  name: string(),
  resource_pool: id('ResourcePool'),
});
export type ClusterInfo = Infer<typeof ClusterInfo>;

export const ClusterService = service('com.vmware.vcenter.cluster', {
  list: operation({
    input: { filter: optional(ClusterFilterSpec) },
    output: list(ClusterSummary),
    errors: [
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/cluster', status: 200, query: ['filter'] },
  }),
  get: operation({
    input: { cluster: id('ClusterComputeResource') },
    output: ClusterInfo,
    errors: ['not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'],
    rest: { method: 'GET', path: '/api/vcenter/cluster/{cluster}', status: 200 },
  }),
});

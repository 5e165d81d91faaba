/**
 * com.vmware.vcenter.resource_pool: resource pools.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, list, long, optional, set, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const ResourcePoolSharesInfoLevel = enumT('com.vmware.vcenter.resource_pool.shares_info.level', [
  'LOW', 'NORMAL', 'HIGH', 'CUSTOM',
]);
export type ResourcePoolSharesInfoLevel = Infer<typeof ResourcePoolSharesInfoLevel>;

export const ResourcePoolSharesInfo = struct('com.vmware.vcenter.resource_pool.shares_info', {
  level: ResourcePoolSharesInfoLevel,
  shares: optional(long()),
});
export type ResourcePoolSharesInfo = Infer<typeof ResourcePoolSharesInfo>;

export const ResourcePoolResourceAllocationInfo = struct('com.vmware.vcenter.resource_pool.resource_allocation_info', {
  reservation: long(),
  expandable_reservation: boolean(),
  limit: long(),
  shares: ResourcePoolSharesInfo,
});
export type ResourcePoolResourceAllocationInfo = Infer<typeof ResourcePoolResourceAllocationInfo>;

export const ResourcePoolInfo = struct('com.vmware.vcenter.resource_pool.info', {
  name: string(),
  resource_pools: set(id()),
  cpu_allocation: optional(ResourcePoolResourceAllocationInfo),
  memory_allocation: optional(ResourcePoolResourceAllocationInfo),
});
export type ResourcePoolInfo = Infer<typeof ResourcePoolInfo>;

export const ResourcePoolFilterSpec = struct('com.vmware.vcenter.resource_pool.filter_spec', {
  resource_pools: optional(set(id())),
  names: optional(set(string())),
  parent_resource_pools: optional(set(id())),
  datacenters: optional(set(id())),
  hosts: optional(set(id())),
  clusters: optional(set(id())),
});
export type ResourcePoolFilterSpec = Infer<typeof ResourcePoolFilterSpec>;

export const ResourcePoolSummary = struct('com.vmware.vcenter.resource_pool.summary', {
  resource_pool: id('ResourcePool'),
  name: string(),
});
export type ResourcePoolSummary = Infer<typeof ResourcePoolSummary>;

export const ResourcePoolResourceAllocationCreateSpec = struct('com.vmware.vcenter.resource_pool.resource_allocation_create_spec', {
  reservation: optional(long()),
  expandable_reservation: optional(boolean()),
  limit: optional(long()),
  shares: optional(ResourcePoolSharesInfo),
});
export type ResourcePoolResourceAllocationCreateSpec = Infer<typeof ResourcePoolResourceAllocationCreateSpec>;

export const ResourcePoolCreateSpec = struct('com.vmware.vcenter.resource_pool.create_spec', {
  name: string(),
  parent: id('ResourcePool'),
  cpu_allocation: optional(ResourcePoolResourceAllocationCreateSpec),
  memory_allocation: optional(ResourcePoolResourceAllocationCreateSpec),
});
export type ResourcePoolCreateSpec = Infer<typeof ResourcePoolCreateSpec>;

export const ResourcePoolResourceAllocationUpdateSpec = struct('com.vmware.vcenter.resource_pool.resource_allocation_update_spec', {
  reservation: optional(long()),
  expandable_reservation: optional(boolean()),
  limit: optional(long()),
  shares: optional(ResourcePoolSharesInfo),
});
export type ResourcePoolResourceAllocationUpdateSpec = Infer<typeof ResourcePoolResourceAllocationUpdateSpec>;

export const ResourcePoolUpdateSpec = struct('com.vmware.vcenter.resource_pool.update_spec', {
  name: optional(string()),
  cpu_allocation: optional(ResourcePoolResourceAllocationUpdateSpec),
  memory_allocation: optional(ResourcePoolResourceAllocationUpdateSpec),
});
export type ResourcePoolUpdateSpec = Infer<typeof ResourcePoolUpdateSpec>;

export const ResourcePoolService = service('com.vmware.vcenter.resource_pool', {
  get: operation({
    input: { resource_pool: id('ResourcePool') },
    output: ResourcePoolInfo,
    errors: ['not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'],
    rest: { method: 'GET', path: '/api/vcenter/resource-pool/{resource_pool}', status: 200 },
  }),
  list: operation({
    input: { filter: optional(ResourcePoolFilterSpec) },
    output: list(ResourcePoolSummary),
    errors: [
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/resource-pool', status: 200, query: ['filter'] },
  }),
  create: operation({
    input: { spec: ResourcePoolCreateSpec },
    output: id('ResourcePool'),
    errors: [
      'error', 'invalid_argument', 'not_found', 'resource_inaccessible', 'service_unavailable',
      'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/resource-pool', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { resource_pool: id('ResourcePool') },
    output: voidT(),
    errors: [
      'error', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized',
      'unsupported',
    ],
    rest: { method: 'DELETE', path: '/api/vcenter/resource-pool/{resource_pool}', status: 204 },
  }),
  update: operation({
    input: { resource_pool: id('ResourcePool'), spec: ResourcePoolUpdateSpec },
    output: voidT(),
    errors: [
      'error', 'invalid_argument', 'not_found', 'service_unavailable',
      'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'PATCH', path: '/api/vcenter/resource-pool/{resource_pool}', status: 204, body: 'spec' },
  }),
});

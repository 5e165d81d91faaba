/**
 * com.vmware.vcenter.datacenter: datacenters.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, id, list, optional, set, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const DatacenterCreateSpec = struct('com.vmware.vcenter.datacenter.create_spec', {
  name: string(),
  folder: optional(id()),
});
export type DatacenterCreateSpec = Infer<typeof DatacenterCreateSpec>;

export const DatacenterFilterSpec = struct('com.vmware.vcenter.datacenter.filter_spec', {
  datacenters: optional(set(id())),
  names: optional(set(string())),
  folders: optional(set(id())),
});
export type DatacenterFilterSpec = Infer<typeof DatacenterFilterSpec>;

export const DatacenterSummary = struct('com.vmware.vcenter.datacenter.summary', {
  datacenter: id('Datacenter'),
  name: string(),
});
export type DatacenterSummary = Infer<typeof DatacenterSummary>;

export const DatacenterInfo = struct('com.vmware.vcenter.datacenter.info', {
  name: string(),
  datastore_folder: id('Folder'),
  host_folder: id('Folder'),
  network_folder: id('Folder'),
  vm_folder: id('Folder'),
});
export type DatacenterInfo = Infer<typeof DatacenterInfo>;

export const DatacenterService = service('com.vmware.vcenter.datacenter', {
  create: operation({
    input: { spec: DatacenterCreateSpec },
    output: id('Datacenter'),
    errors: [
      'already_exists', 'error', 'invalid_argument', 'not_found', 'service_unavailable',
      'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/datacenter', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { datacenter: id('Datacenter'), force: optional(boolean()) },
    output: voidT(),
    errors: [
      'error', 'not_found', 'resource_in_use', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'DELETE', path: '/api/vcenter/datacenter/{datacenter}', status: 204, query: ['force'] },
  }),
  list: operation({
    input: { filter: optional(DatacenterFilterSpec) },
    output: list(DatacenterSummary),
    errors: [
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/datacenter', status: 200, query: ['filter'] },
  }),
  get: operation({
    input: { datacenter: id('Datacenter') },
    output: DatacenterInfo,
    errors: ['error', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'],
    rest: { method: 'GET', path: '/api/vcenter/datacenter/{datacenter}', status: 200 },
  }),
});

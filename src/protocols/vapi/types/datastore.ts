/**
 * com.vmware.vcenter.datastore: datastores.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, list, long, optional, set, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const DatastoreType = enumT('com.vmware.vcenter.datastore.type', [
  'VMFS', 'NFS', 'NFS41', 'CIFS', 'VSAN', 'VFFS', 'VVOL',
]);
export type DatastoreType = Infer<typeof DatastoreType>;

export const DatastoreInfo = struct('com.vmware.vcenter.datastore.info', {
  name: string(),
  type: DatastoreType,
  accessible: boolean(),
  free_space: optional(long()),
  multiple_host_access: boolean(),
  thin_provisioning_supported: boolean(),
});
export type DatastoreInfo = Infer<typeof DatastoreInfo>;

export const DatastoreFilterSpec = struct('com.vmware.vcenter.datastore.filter_spec', {
  datastores: optional(set(id())),
  names: optional(set(string())),
  types: optional(set(DatastoreType)),
  folders: optional(set(id())),
  datacenters: optional(set(id())),
});
export type DatastoreFilterSpec = Infer<typeof DatastoreFilterSpec>;

export const DatastoreSummary = struct('com.vmware.vcenter.datastore.summary', {
  datastore: id('Datastore'),
  name: string(),
  type: DatastoreType,
  free_space: optional(long()),
  capacity: optional(long()),
});
export type DatastoreSummary = Infer<typeof DatastoreSummary>;

export const DatastoreService = service('com.vmware.vcenter.datastore', {
  get: operation({
    input: { datastore: id('Datastore') },
    output: DatastoreInfo,
    errors: ['not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'],
    rest: { method: 'GET', path: '/api/vcenter/datastore/{datastore}', status: 200 },
  }),
  list: operation({
    input: { filter: optional(DatastoreFilterSpec) },
    output: list(DatastoreSummary),
    errors: [
      'invalid_argument', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/datastore', status: 200, query: ['filter'] },
  }),
});

/**
 * com.vmware.vcenter.folder: inventory folders (list only).
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { enumT, id, list, optional, set, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const FolderType = enumT('com.vmware.vcenter.folder.type', [
  'DATACENTER', 'DATASTORE', 'HOST', 'NETWORK', 'VIRTUAL_MACHINE',
]);
export type FolderType = Infer<typeof FolderType>;

export const FolderFilterSpec = struct('com.vmware.vcenter.folder.filter_spec', {
  folders: optional(set(id())),
  names: optional(set(string())),
  type: optional(FolderType),
  parent_folders: optional(set(id())),
  datacenters: optional(set(id())),
});
export type FolderFilterSpec = Infer<typeof FolderFilterSpec>;

export const FolderSummary = struct('com.vmware.vcenter.folder.summary', {
  folder: id('Folder'),
  name: string(),
  type: FolderType,
});
export type FolderSummary = Infer<typeof FolderSummary>;

export const FolderService = service('com.vmware.vcenter.folder', {
  list: operation({
    input: { filter: optional(FolderFilterSpec) },
    output: list(FolderSummary),
    errors: [
      'invalid_argument', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/folder', status: 200, query: ['filter'] },
  }),
});

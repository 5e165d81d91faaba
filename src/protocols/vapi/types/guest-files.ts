/**
 * com.vmware.vcenter.vm.guest.filesystem.files: list, inspect, move, change and delete guest files.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, dateTime, enumT, id, list, long, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import { VmGuestCredentials } from './guest-credentials.ts';

export const VmGuestFilesystemFilesWindowsFileAttributesUpdateSpec = struct('com.vmware.vcenter.vm.guest.filesystem.files.windows_file_attributes_update_spec', {
  hidden: optional(boolean()),
  read_only: optional(boolean()),
});
export type VmGuestFilesystemFilesWindowsFileAttributesUpdateSpec = Infer<typeof VmGuestFilesystemFilesWindowsFileAttributesUpdateSpec>;

export const VmGuestFilesystemFilesPosixFileAttributesUpdateSpec = struct('com.vmware.vcenter.vm.guest.filesystem.files.posix_file_attributes_update_spec', {
  owner_id: optional(long()),
  group_id: optional(long()),
  permissions: optional(string()),
});
export type VmGuestFilesystemFilesPosixFileAttributesUpdateSpec = Infer<typeof VmGuestFilesystemFilesPosixFileAttributesUpdateSpec>;

export const VmGuestFilesystemFilesFileAttributesUpdateSpec = struct('com.vmware.vcenter.vm.guest.filesystem.files.file_attributes_update_spec', {
  last_modified: optional(dateTime()),
  last_accessed: optional(dateTime()),
  windows: optional(VmGuestFilesystemFilesWindowsFileAttributesUpdateSpec),
  posix: optional(VmGuestFilesystemFilesPosixFileAttributesUpdateSpec),
});
export type VmGuestFilesystemFilesFileAttributesUpdateSpec = Infer<typeof VmGuestFilesystemFilesFileAttributesUpdateSpec>;

export const VmGuestFilesystemFilesType = enumT('com.vmware.vcenter.vm.guest.filesystem.files.type', [
  'FILE', 'DIRECTORY', 'SYMLINK',
]);
export type VmGuestFilesystemFilesType = Infer<typeof VmGuestFilesystemFilesType>;

export const VmGuestFilesystemFilesFilesystemFamily = enumT('com.vmware.vcenter.vm.guest.filesystem.files.filesystem_family', [
  'WINDOWS', 'POSIX',
]);
export type VmGuestFilesystemFilesFilesystemFamily = Infer<typeof VmGuestFilesystemFilesFilesystemFamily>;

export const VmGuestFilesystemFilesWindowsFileAttributesInfo = struct('com.vmware.vcenter.vm.guest.filesystem.files.windows_file_attributes_info', {
  hidden: boolean(),
  read_only: boolean(),
  created: dateTime(),
});
export type VmGuestFilesystemFilesWindowsFileAttributesInfo = Infer<typeof VmGuestFilesystemFilesWindowsFileAttributesInfo>;

export const VmGuestFilesystemFilesPosixFileAttributesInfo = struct('com.vmware.vcenter.vm.guest.filesystem.files.posix_file_attributes_info', {
  owner: long(),
  group: long(),
  permissions: string(),
});
export type VmGuestFilesystemFilesPosixFileAttributesInfo = Infer<typeof VmGuestFilesystemFilesPosixFileAttributesInfo>;

export const VmGuestFilesystemFilesFileAttributesInfo = struct('com.vmware.vcenter.vm.guest.filesystem.files.file_attributes_info', {
  last_modified: dateTime(),
  last_accessed: dateTime(),
  symlink_target: optional(string()),
  filesystem_family: VmGuestFilesystemFilesFilesystemFamily,
  win_attributes: optional(VmGuestFilesystemFilesWindowsFileAttributesInfo),
  posix_attributes: optional(VmGuestFilesystemFilesPosixFileAttributesInfo),
});
export type VmGuestFilesystemFilesFileAttributesInfo = Infer<typeof VmGuestFilesystemFilesFileAttributesInfo>;

export const VmGuestFilesystemFilesInfo = struct('com.vmware.vcenter.vm.guest.filesystem.files.info', {
  type: VmGuestFilesystemFilesType,
  size: long(),
  attributes: VmGuestFilesystemFilesFileAttributesInfo,
});
export type VmGuestFilesystemFilesInfo = Infer<typeof VmGuestFilesystemFilesInfo>;

export const VmGuestFilesystemFilesIterationSpec = struct('com.vmware.vcenter.vm.guest.filesystem.files.iteration_spec', {
  size: optional(long()),
  index: optional(long()),
});
export type VmGuestFilesystemFilesIterationSpec = Infer<typeof VmGuestFilesystemFilesIterationSpec>;

export const VmGuestFilesystemFilesFilterSpec = struct('com.vmware.vcenter.vm.guest.filesystem.files.filter_spec', {
  match_pattern: optional(string()),
});
export type VmGuestFilesystemFilesFilterSpec = Infer<typeof VmGuestFilesystemFilesFilterSpec>;

export const VmGuestFilesystemFilesSummary = struct('com.vmware.vcenter.vm.guest.filesystem.files.summary', {
  filename: string(),
  type: VmGuestFilesystemFilesType,
  size: long(),
});
export type VmGuestFilesystemFilesSummary = Infer<typeof VmGuestFilesystemFilesSummary>;

export const VmGuestFilesystemFilesLastIterationStatus = enumT('com.vmware.vcenter.vm.guest.filesystem.files.last_iteration_status', [
  'READY', 'END_OF_DATA',
]);
export type VmGuestFilesystemFilesLastIterationStatus = Infer<typeof VmGuestFilesystemFilesLastIterationStatus>;

export const VmGuestFilesystemFilesListResult = struct('com.vmware.vcenter.vm.guest.filesystem.files.list_result', {
  files: list(VmGuestFilesystemFilesSummary),
  total: long(),
  start_index: optional(long()),
  end_index: optional(long()),
  status: VmGuestFilesystemFilesLastIterationStatus,
});
export type VmGuestFilesystemFilesListResult = Infer<typeof VmGuestFilesystemFilesListResult>;

export const VmGuestFilesystemFilesService = service('com.vmware.vcenter.vm.guest.filesystem.files', {
  move: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string(), new_path: string(), overwrite: optional(boolean()) },
    output: voidT(),
    errors: [
      'already_exists', 'invalid_argument', 'not_allowed_in_current_state', 'not_found',
      'resource_busy', 'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/files?action=move', status: 204, body: 'fields' },
  }),
  update: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string(), file_attributes: VmGuestFilesystemFilesFileAttributesUpdateSpec },
    output: voidT(),
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/files?action=update', status: 204, body: 'fields' },
  }),
  delete: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string() },
    output: voidT(),
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/files/{path}?action=delete', status: 204, body: 'fields' },
  }),
  get: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string() },
    output: VmGuestFilesystemFilesInfo,
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/files/{path}?action=get', status: 200, body: 'fields' },
  }),
  create_temporary: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, prefix: string(), suffix: string(), parent_path: optional(string()) },
    output: string(),
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/files?action=createTemporary', status: 200, body: 'fields' },
  }),
  list: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string(), iteration: optional(VmGuestFilesystemFilesIterationSpec), filter: optional(VmGuestFilesystemFilesFilterSpec) },
    output: VmGuestFilesystemFilesListResult,
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/files?action=list', status: 200, body: 'fields' },
  }),
});

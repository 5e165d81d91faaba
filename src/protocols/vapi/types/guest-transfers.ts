/**
 * com.vmware.vcenter.vm.guest.filesystem.transfers: a one-shot URI to PUT a file into, or GET a file
 * from, the guest.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, dateTime, id, long, optional, string, struct, uri } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import { VmGuestCredentials } from './guest-credentials.ts';

export const VmGuestFilesystemTransfersWindowsFileAttributesCreateSpec = struct('com.vmware.vcenter.vm.guest.filesystem.transfers.windows_file_attributes_create_spec', {
  hidden: optional(boolean()),
  read_only: optional(boolean()),
});
export type VmGuestFilesystemTransfersWindowsFileAttributesCreateSpec = Infer<typeof VmGuestFilesystemTransfersWindowsFileAttributesCreateSpec>;

export const VmGuestFilesystemTransfersPosixFileAttributesCreateSpec = struct('com.vmware.vcenter.vm.guest.filesystem.transfers.posix_file_attributes_create_spec', {
  owner_id: optional(long()),
  group_id: optional(long()),
  permissions: optional(string()),
});
export type VmGuestFilesystemTransfersPosixFileAttributesCreateSpec = Infer<typeof VmGuestFilesystemTransfersPosixFileAttributesCreateSpec>;

export const VmGuestFilesystemTransfersFileCreationAttributes = struct('com.vmware.vcenter.vm.guest.filesystem.transfers.file_creation_attributes', {
  size: long(),
  overwrite: optional(boolean()),
  last_modified: optional(dateTime()),
  last_accessed: optional(dateTime()),
  windows: optional(VmGuestFilesystemTransfersWindowsFileAttributesCreateSpec),
  posix: optional(VmGuestFilesystemTransfersPosixFileAttributesCreateSpec),
});
export type VmGuestFilesystemTransfersFileCreationAttributes = Infer<typeof VmGuestFilesystemTransfersFileCreationAttributes>;

export const VmGuestFilesystemTransfersCreateSpec = struct('com.vmware.vcenter.vm.guest.filesystem.transfers.create_spec', {
  path: string(),
  attributes: optional(VmGuestFilesystemTransfersFileCreationAttributes),
});
export type VmGuestFilesystemTransfersCreateSpec = Infer<typeof VmGuestFilesystemTransfersCreateSpec>;

export const VmGuestFilesystemTransfersService = service('com.vmware.vcenter.vm.guest.filesystem.transfers', {
  create: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, spec: VmGuestFilesystemTransfersCreateSpec },
    output: uri(),
    errors: [
      'already_exists', 'invalid_argument', 'not_allowed_in_current_state', 'not_found',
      'resource_busy', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated',
      'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem?action=create', status: 201, body: 'fields' },
  }),
});

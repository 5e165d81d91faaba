/**
 * com.vmware.vcenter.vm.guest.filesystem.directories: create, move and delete guest directories.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import { boolean, id, optional, string, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import { VmGuestCredentials } from './guest-credentials.ts';

export const VmGuestFilesystemDirectoriesService = service('com.vmware.vcenter.vm.guest.filesystem.directories', {
  create: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string(), create_parents: optional(boolean()) },
    output: voidT(),
    errors: [
      'already_exists', 'invalid_argument', 'not_allowed_in_current_state', 'not_found',
      'resource_busy', 'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/directories?action=create', status: 204, body: 'fields' },
  }),
  delete: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string(), recursive: optional(boolean()) },
    output: voidT(),
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'resource_in_use', 'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/directories?action=delete', status: 204, body: 'fields' },
  }),
  move: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, path: string(), new_path: string() },
    output: voidT(),
    errors: [
      'already_exists', 'invalid_argument', 'not_allowed_in_current_state', 'not_found',
      'resource_busy', 'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/directories?action=move', status: 204, body: 'fields' },
  }),
  create_temporary: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, prefix: string(), suffix: string(), parent_path: optional(string()) },
    output: string(),
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/filesystem/directories?action=createTemporary', status: 200, body: 'fields' },
  }),
});

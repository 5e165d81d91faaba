/**
 * com.vmware.vcenter.vm.guest.processes: start, list, inspect and kill programs in the guest.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, dateTime, id, list, long, map, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import { VmGuestCredentials } from './guest-credentials.ts';

export const VmGuestProcessesCreateSpec = struct('com.vmware.vcenter.vm.guest.processes.create_spec', {
  path: string(),
  arguments: optional(string()),
  working_directory: optional(string()),
  environment_variables: optional(map(string(), string())),
  start_minimized: optional(boolean()),
});
export type VmGuestProcessesCreateSpec = Infer<typeof VmGuestProcessesCreateSpec>;

export const VmGuestProcessesInfo = struct('com.vmware.vcenter.vm.guest.processes.info', {
  name: string(),
  owner: string(),
  command: string(),
  started: dateTime(),
  finished: optional(dateTime()),
  exit_code: optional(long()),
});
export type VmGuestProcessesInfo = Infer<typeof VmGuestProcessesInfo>;

export const VmGuestProcessesSummary = struct('com.vmware.vcenter.vm.guest.processes.summary', {
  name: string(),
  pid: long(),
  owner: string(),
  command: string(),
  started: dateTime(),
});
export type VmGuestProcessesSummary = Infer<typeof VmGuestProcessesSummary>;

export const VmGuestProcessesService = service('com.vmware.vcenter.vm.guest.processes', {
  create: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, spec: VmGuestProcessesCreateSpec },
    output: long(),
    errors: [
      'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
      'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/processes?action=create', status: 201, body: 'fields' },
  }),
  get: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, pid: long() },
    output: VmGuestProcessesInfo,
    errors: [
      'not_allowed_in_current_state', 'not_found', 'resource_busy', 'service_unavailable',
      'unauthenticated', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/processes/{pid}?action=get', status: 200, body: 'fields' },
  }),
  list: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials },
    output: list(VmGuestProcessesSummary),
    errors: [
      'not_allowed_in_current_state', 'not_found', 'resource_busy', 'service_unavailable',
      'unauthenticated', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/processes?action=list', status: 200, body: 'fields' },
  }),
  delete: operation({
    input: { vm: id('VirtualMachine'), credentials: VmGuestCredentials, pid: long() },
    output: voidT(),
    errors: [
      'not_allowed_in_current_state', 'not_found', 'resource_busy', 'service_unavailable',
      'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/processes/{pid}?action=delete', status: 204, body: 'fields' },
  }),
});

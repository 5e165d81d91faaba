/**
 * com.vmware.vcenter.vm.power: power state and the start / stop / suspend / reset operations.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, optional, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmPowerState = enumT('com.vmware.vcenter.vm.power.state', [
  'POWERED_OFF', 'POWERED_ON', 'SUSPENDED',
]);
export type VmPowerState = Infer<typeof VmPowerState>;

export const VmPowerInfo = struct('com.vmware.vcenter.vm.power.info', {
  state: VmPowerState,
  clean_power_off: optional(boolean()),
});
export type VmPowerInfo = Infer<typeof VmPowerInfo>;

export const VmPowerService = service('com.vmware.vcenter.vm.power', {
  get: operation({
    input: { vm: id('VirtualMachine') },
    output: VmPowerInfo,
    errors: [
      'error', 'not_found', 'resource_inaccessible', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/power', status: 200 },
  }),
  start: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'not_found', 'resource_busy', 'resource_in_use',
      'resource_inaccessible', 'service_unavailable', 'unable_to_allocate_resource',
      'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/power?action=start', status: 204 },
  }),
  stop: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'not_found', 'resource_busy', 'service_unavailable',
      'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/power?action=stop', status: 204 },
  }),
  suspend: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'not_allowed_in_current_state', 'not_found',
      'resource_busy', 'service_unavailable', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/power?action=suspend', status: 204 },
  }),
  reset: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'error', 'not_allowed_in_current_state', 'not_found', 'resource_busy', 'service_unavailable',
      'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/power?action=reset', status: 204 },
  }),
});

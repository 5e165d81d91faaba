/**
 * com.vmware.vcenter.vm.guest.power: guest-cooperative shutdown / reboot / standby.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmGuestPowerState = enumT('com.vmware.vcenter.vm.guest.power.state', [
  'RUNNING', 'SHUTTING_DOWN', 'RESETTING', 'STANDBY', 'NOT_RUNNING', 'UNAVAILABLE',
]);
export type VmGuestPowerState = Infer<typeof VmGuestPowerState>;

export const VmGuestPowerInfo = struct('com.vmware.vcenter.vm.guest.power.info', {
  state: VmGuestPowerState,
  operations_ready: boolean(),
});
export type VmGuestPowerInfo = Infer<typeof VmGuestPowerInfo>;

export const VmGuestPowerService = service('com.vmware.vcenter.vm.guest.power', {
  get: operation({
    input: { vm: id('VirtualMachine') },
    output: VmGuestPowerInfo,
    errors: ['error', 'not_found'],
    rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/guest/power', status: 200 },
  }),
  shutdown: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'not_allowed_in_current_state', 'not_found',
      'resource_busy', 'service_unavailable', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/power?action=shutdown', status: 204 },
  }),
  reboot: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'error', 'not_allowed_in_current_state', 'not_found', 'resource_busy', 'service_unavailable',
      'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/power?action=reboot', status: 204 },
  }),
  standby: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'not_allowed_in_current_state', 'not_found',
      'resource_busy', 'service_unavailable', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/guest/power?action=standby', status: 204 },
  }),
});

import type { Vm } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { VmGuestPowerState } from '../../../protocols/vapi/types/index.ts';
import { VmGuestPowerService } from '../../../protocols/vapi/types/index.ts';

/**
 * The guest's power state from the VM's: a powered-on VM's guest RUNNING once tools run
 * (UNAVAILABLE before: nothing reports it); vmgate's guest standby suspends the VM, so a
 * suspended guest is in STANDBY.
 */
export function guestPowerState(vm: Pick<Vm, 'powerState' | 'toolsState'>): VmGuestPowerState {
  switch (vm.powerState) {
    case 'poweredOn':
      return vm.toolsState === 'running' ? 'RUNNING' : 'UNAVAILABLE';
    case 'poweringOff':
      return 'SHUTTING_DOWN';
    case 'resetting':
      return 'RESETTING';
    case 'suspending':
    case 'suspended':
      return 'STANDBY';
    case 'paused':
      return 'UNAVAILABLE';
    case 'poweredOff':
    case 'poweringOn':
      return 'NOT_RUNNING';
  }
}

/**
 * com.vmware.vcenter.vm.guest.power: state, and shutdown / reboot / standby through core's
 * guest power operations. Synchronous: the call returns when the guest is down / back /
 * asleep. Core refuses without tools (service_unavailable) and on a VM already in the
 * state (already_in_desired_state) or not powered on (not_allowed_in_current_state).
 */
export const guestPowerHandlers = implement(VmGuestPowerService, {
  async get(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return { state: guestPowerState(v), operations_ready: v.powerState === 'poweredOn' && v.toolsState === 'running' };
  },
  async shutdown(call, { vm }) {
    await call.core.power.runAndWait(call.caller, vm, 'shutdownGuest');
    return undefined;
  },
  async reboot(call, { vm }) {
    await call.core.power.runAndWait(call.caller, vm, 'rebootGuest');
    return undefined;
  },
  async standby(call, { vm }) {
    await call.core.power.runAndWait(call.caller, vm, 'standbyGuest');
    return undefined;
  },
});

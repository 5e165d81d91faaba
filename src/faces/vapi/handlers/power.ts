import { implement } from '../call.ts';
import { VmPowerService } from '../../../protocols/vapi/types/index.ts';
import { vapiPowerState } from './mappings.ts';

/** com.vmware.vcenter.vm.power: synchronous like vCenter's (the call returns when done). */
export const powerHandlers = implement(VmPowerService, {
  async get(call, { vm }) {
    const { vm: v, clean } = await call.core.power.cleanPowerOff(call.caller, vm);
    const state = vapiPowerState(v.powerState);
    return state === 'POWERED_OFF' ? { state, clean_power_off: clean ?? true } : { state };
  },
  async start(call, { vm }) {
    await call.core.power.runAndWait(call.caller, vm, 'powerOn');
    return undefined;
  },
  async stop(call, { vm }) {
    await call.core.power.runAndWait(call.caller, vm, 'powerOff', { hard: true });
    return undefined;
  },
  async suspend(call, { vm }) {
    await call.core.power.runAndWait(call.caller, vm, 'suspend');
    return undefined;
  },
  async reset(call, { vm }) {
    await call.core.power.runAndWait(call.caller, vm, 'reset');
    return undefined;
  },
});

import { invalidArgument } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import { VmHardwareService } from '../../../protocols/vapi/types/index.ts';
import { notHonoured } from './vm-create-spec.ts';
import { coreHardwareVersion, hardwareInfo } from './vm-info.ts';

/**
 * com.vmware.vcenter.vm.hardware. vmgate upgrades virtual hardware when asked (upgrade)
 * and never on its own: the upgrade policy is always NEVER, and update accepts only that.
 */
export const hardwareHandlers = implement(VmHardwareService, {
  async get(call, { vm }) {
    return hardwareInfo(await call.core.vms.get(call.caller, vm));
  },

  async update(call, { vm, spec }) {
    await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    const policy = spec.upgrade_policy;
    if (policy !== undefined && policy !== 'NEVER') throw notHonoured(`spec.upgrade_policy ${policy}`, 'vmgate upgrades virtual hardware only on request (hardware upgrade); the policy is always NEVER');
    if (spec.upgrade_version !== undefined) throw invalidArgument('spec.upgrade_version must be unset while the upgrade policy is NEVER', { module: 'face.vapi' });
    return undefined;
  },

  async upgrade(call, { vm, version }) {
    const task = await call.core.vms.upgradeHardware(call.caller, vm, version === undefined ? undefined : coreHardwareVersion(version));
    await call.core.tasks.result(call.caller, task);
    return undefined;
  },
});

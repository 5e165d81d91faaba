import { implement } from '../call.ts';
import { VmHardwareCpuService, VmHardwareMemoryService } from '../../../protocols/vapi/types/index.ts';
import type { VmHardwareUpdate } from '../../../core/index.ts';
import { notHonoured } from './vm-create-spec.ts';
import { cpuInfo, memoryInfo } from './vm-info.ts';

/**
 * com.vmware.vcenter.vm.hardware.cpu and .memory. vmgate VMs have no CPU or memory hot
 * add: a change of count, cores per socket or size while the VM is not off is
 * not_allowed_in_current_state (vSphere's answer without hot add), and asking for hot add
 * or remove is unsupported. A value equal to the current one is no change (allowed in any state).
 */
export const cpuHandlers = implement(VmHardwareCpuService, {
  async get(call, { vm }) {
    return cpuInfo(await call.core.vms.get(call.caller, vm));
  },

  async update(call, { vm, spec }) {
    const cur = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    if (spec.hot_add_enabled) throw notHonoured('spec.hot_add_enabled', 'vmgate VMs have no CPU hot add; change the CPU count while the VM is off');
    if (spec.hot_remove_enabled) throw notHonoured('spec.hot_remove_enabled', 'vmgate VMs have no CPU hot remove; change the CPU count while the VM is off');
    const patch: { -readonly [K in keyof VmHardwareUpdate]: VmHardwareUpdate[K] } = {};
    if (spec.count !== undefined && spec.count !== cur.hardware.cpuCount) patch.cpuCount = spec.count;
    if (spec.cores_per_socket !== undefined && spec.cores_per_socket !== cur.hardware.coresPerSocket) patch.coresPerSocket = spec.cores_per_socket;
    if (Object.keys(patch).length > 0) await call.core.vms.updateHardware(call.caller, vm, patch);
    return undefined;
  },
});

export const memoryHandlers = implement(VmHardwareMemoryService, {
  async get(call, { vm }) {
    return memoryInfo(await call.core.vms.get(call.caller, vm));
  },

  async update(call, { vm, spec }) {
    const cur = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    if (spec.hot_add_enabled) throw notHonoured('spec.hot_add_enabled', 'vmgate VMs have no memory hot add; change the memory size while the VM is off');
    if (spec.size_MiB !== undefined && spec.size_MiB !== cur.hardware.memoryMiB) await call.core.vms.updateHardware(call.caller, vm, { memoryMiB: spec.size_MiB });
    return undefined;
  },
});

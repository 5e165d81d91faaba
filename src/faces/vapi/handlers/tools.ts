/**
 * com.vmware.vcenter.vm.tools: the VM's tools as core knows them (its tools state).
 *
 * - run_state: RUNNING while tools answer, else NOT_RUNNING.
 * - version_status: NOT_INSTALLED when the VM has none; UNMANAGED while they run (the
 *   guest's own packages: vmgate installs and upgrades no tools); unset when unknown.
 * - install_type (while they run): OPEN_VM_TOOLS on the simulator (it plays open-vm-tools),
 *   UNKNOWN on QEMU (the QEMU guest agent stands in for VMware Tools).
 * - upgrade_policy: always MANUAL; update accepts MANUAL only (UPGRADE_AT_POWER_CYCLE is
 *   `unsupported`: vmgate upgrades no tools). auto_update_supported is false.
 */
import { implement } from '../call.ts';
import { VmToolsService } from '../../../protocols/vapi/types/index.ts';
import type { VmToolsInfo } from '../../../protocols/vapi/types/index.ts';
import { notHonoured } from './vm-create-spec.ts';

export const toolsHandlers = implement(VmToolsService, {
  async get(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    const running = v.toolsState === 'running';
    const info: VmToolsInfo = {
      auto_update_supported: false,
      upgrade_policy: 'MANUAL',
      run_state: running ? 'RUNNING' : 'NOT_RUNNING',
      ...(v.toolsState === 'notInstalled' ? { version_status: 'NOT_INSTALLED' as const } : running ? { version_status: 'UNMANAGED' as const } : {}),
      ...(running ? { install_type: v.driver === 'sim' ? ('OPEN_VM_TOOLS' as const) : ('UNKNOWN' as const) } : {}),
    };
    return info;
  },

  async update(call, { vm, spec }) {
    await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    if (spec.upgrade_policy !== undefined && spec.upgrade_policy !== 'MANUAL') throw notHonoured(`spec.upgrade_policy ${spec.upgrade_policy}`, 'vmgate upgrades no tools; the policy is always MANUAL');
    return undefined;
  },
});

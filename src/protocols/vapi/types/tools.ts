/**
 * com.vmware.vcenter.vm.tools: the state of the VM's tools (VMware Tools, or what stands
 * in for them: the QEMU guest agent, the simulator's tools) and their upgrade policy.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, long, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmToolsRunState = enumT('com.vmware.vcenter.vm.tools.run_state', ['NOT_RUNNING', 'RUNNING', 'EXECUTING_SCRIPTS']);
export type VmToolsRunState = Infer<typeof VmToolsRunState>;

export const VmToolsVersionStatus = enumT('com.vmware.vcenter.vm.tools.version_status', [
  'NOT_INSTALLED', 'CURRENT', 'UNMANAGED', 'TOO_OLD_UNSUPPORTED', 'SUPPORTED_OLD', 'SUPPORTED_NEW',
  'TOO_NEW', 'BLACKLISTED',
]);
export type VmToolsVersionStatus = Infer<typeof VmToolsVersionStatus>;

export const VmToolsToolsInstallType = enumT('com.vmware.vcenter.vm.tools.tools_install_type', ['UNKNOWN', 'MSI', 'TAR', 'OSP', 'OPEN_VM_TOOLS']);
export type VmToolsToolsInstallType = Infer<typeof VmToolsToolsInstallType>;

export const VmToolsUpgradePolicy = enumT('com.vmware.vcenter.vm.tools.upgrade_policy', ['MANUAL', 'UPGRADE_AT_POWER_CYCLE']);
export type VmToolsUpgradePolicy = Infer<typeof VmToolsUpgradePolicy>;

export const VmToolsInfo = struct('com.vmware.vcenter.vm.tools.info', {
  auto_update_supported: boolean(),
  install_attempt_count: optional(long()),
  error: optional(string()),
  version_number: optional(long()),
  version: optional(string()),
  upgrade_policy: VmToolsUpgradePolicy,
  version_status: optional(VmToolsVersionStatus),
  install_type: optional(VmToolsToolsInstallType),
  run_state: VmToolsRunState,
});
export type VmToolsInfo = Infer<typeof VmToolsInfo>;

export const VmToolsUpdateSpec = struct('com.vmware.vcenter.vm.tools.update_spec', {
  upgrade_policy: optional(VmToolsUpgradePolicy),
});
export type VmToolsUpdateSpec = Infer<typeof VmToolsUpdateSpec>;

export const VmToolsService = service('com.vmware.vcenter.vm.tools', {
  get: operation({
    input: { vm: id('VirtualMachine') },
    output: VmToolsInfo,
    errors: ['error', 'not_found', 'unauthenticated', 'unauthorized', 'service_unavailable'],
    rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/tools', status: 200 },
  }),
  update: operation({
    input: { vm: id('VirtualMachine'), spec: VmToolsUpdateSpec },
    output: voidT(),
    errors: ['error', 'invalid_argument', 'not_found', 'unauthenticated', 'unauthorized', 'unsupported', 'service_unavailable'],
    rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/tools', status: 204, body: 'spec' },
  }),
});

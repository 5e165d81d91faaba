/**
 * com.vmware.vcenter.vm.hardware: virtual hardware version and its upgrade policy.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { anyError, enumT, id, optional, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmHardwareVersion = enumT('com.vmware.vcenter.vm.hardware.version', [
  'VMX_03', 'VMX_04', 'VMX_06', 'VMX_07', 'VMX_08', 'VMX_09', 'VMX_10', 'VMX_11', 'VMX_12',
  'VMX_13', 'VMX_14', 'VMX_15', 'VMX_16', 'VMX_17', 'VMX_18', 'VMX_19',
]);
export type VmHardwareVersion = Infer<typeof VmHardwareVersion>;

export const VmHardwareUpgradePolicy = enumT('com.vmware.vcenter.vm.hardware.upgrade_policy', [
  'NEVER', 'AFTER_CLEAN_SHUTDOWN', 'ALWAYS',
]);
export type VmHardwareUpgradePolicy = Infer<typeof VmHardwareUpgradePolicy>;

export const VmHardwareUpgradeStatus = enumT('com.vmware.vcenter.vm.hardware.upgrade_status', [
  'NONE', 'PENDING', 'SUCCESS', 'FAILED',
]);
export type VmHardwareUpgradeStatus = Infer<typeof VmHardwareUpgradeStatus>;

export const VmHardwareInfo = struct('com.vmware.vcenter.vm.hardware.info', {
  version: VmHardwareVersion,
  upgrade_policy: VmHardwareUpgradePolicy,
  upgrade_version: optional(VmHardwareVersion),
  upgrade_status: VmHardwareUpgradeStatus,
  upgrade_error: optional(anyError()),
});
export type VmHardwareInfo = Infer<typeof VmHardwareInfo>;

export const VmHardwareUpdateSpec = struct('com.vmware.vcenter.vm.hardware.update_spec', {
  upgrade_policy: optional(VmHardwareUpgradePolicy),
  upgrade_version: optional(VmHardwareVersion),
});
export type VmHardwareUpdateSpec = Infer<typeof VmHardwareUpdateSpec>;

export const VmHardwareService = service('com.vmware.vcenter.vm.hardware', {
  get: operation({
    input: { vm: id('VirtualMachine') },
    output: VmHardwareInfo,
    errors: [
      'error', 'not_found', 'resource_inaccessible', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware', status: 200 },
  }),
  update: operation({
    input: { vm: id('VirtualMachine'), spec: VmHardwareUpdateSpec },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'invalid_argument', 'not_found', 'resource_busy',
      'resource_inaccessible', 'service_unavailable', 'unauthenticated', 'unauthorized',
      'unsupported',
    ],
    rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware', status: 204, body: 'spec' },
  }),
  upgrade: operation({
    input: { vm: id('VirtualMachine'), version: optional(VmHardwareVersion) },
    output: voidT(),
    errors: [
      'already_in_desired_state', 'error', 'invalid_argument', 'not_allowed_in_current_state',
      'not_found', 'resource_busy', 'resource_inaccessible', 'service_unavailable',
      'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware?action=upgrade', status: 204, body: 'fields' },
  }),
});

export { VmxDocument, parseVmx, MAX_VMX_BYTES } from './vmx-document.ts';
export { decodeVmxValue, encodeVmxValue } from './vmx-escape.ts';
export { vmwareUuidToGuid, guidToVmwareUuid } from './vmx-uuid.ts';
export { readVmxConfig, writeVmxConfig, VMX_DEFAULTS } from './vmx-hardware.ts';
export type { VmxConfig, ReadVmxOptions } from './vmx-hardware.ts';
export { buildNewVmx, VMX_CONFIG_VERSION } from './new-vmx.ts';
export { readPortForwards, writePortForwards } from './vmx-port-forwards.ts';

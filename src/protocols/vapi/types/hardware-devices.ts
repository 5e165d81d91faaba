/**
 * com.vmware.vcenter.vm.hardware.{cpu, memory, boot, boot.device, disk, cdrom}: a VM's CPU,
 * memory, firmware boot settings and boot order, and its disks and CD-ROMs one at a time.
 * The info and create structures are in devices.ts (VM create / get carry them too).
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, id, list, long, optional, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';
import {
  VmHardwareBootDeviceEntry,
  VmHardwareBootInfo,
  VmHardwareBootNetworkProtocol,
  VmHardwareBootType,
  VmHardwareCdromBackingSpec,
  VmHardwareCdromCreateSpec,
  VmHardwareCdromInfo,
  VmHardwareCpuInfo,
  VmHardwareCpuUpdateSpec,
  VmHardwareDiskBackingSpec,
  VmHardwareDiskCreateSpec,
  VmHardwareDiskInfo,
  VmHardwareMemoryInfo,
  VmHardwareMemoryUpdateSpec,
} from './devices.ts';

const READ: readonly StdErrorKind[] = ['error', 'not_found', 'resource_inaccessible', 'service_unavailable', 'unauthenticated', 'unauthorized'];
const CHANGE: readonly StdErrorKind[] = [
  'error', 'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy', 'resource_inaccessible',
  'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
];
const VM = { vm: id('VirtualMachine') };
const DISK = id('com.vmware.vcenter.vm.hardware.Disk');
const CDROM = id('com.vmware.vcenter.vm.hardware.Cdrom');

// ---- cpu and memory ----------------------------------------------------------------------

export const VmHardwareCpuService = service('com.vmware.vcenter.vm.hardware.cpu', {
  get: operation({ input: VM, output: VmHardwareCpuInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/cpu', status: 200 } }),
  update: operation({
    input: { ...VM, spec: VmHardwareCpuUpdateSpec },
    output: voidT(),
    errors: CHANGE,
    rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/cpu', status: 204, body: 'spec' },
  }),
});

export const VmHardwareMemoryService = service('com.vmware.vcenter.vm.hardware.memory', {
  get: operation({ input: VM, output: VmHardwareMemoryInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/memory', status: 200 } }),
  update: operation({
    input: { ...VM, spec: VmHardwareMemoryUpdateSpec },
    output: voidT(),
    errors: CHANGE,
    rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/memory', status: 204, body: 'spec' },
  }),
});

// ---- boot ----------------------------------------------------------------------------------

export const VmHardwareBootUpdateSpec = struct('com.vmware.vcenter.vm.hardware.boot.update_spec', {
  type: optional(VmHardwareBootType),
  efi_legacy_boot: optional(boolean()),
  network_protocol: optional(VmHardwareBootNetworkProtocol),
  delay: optional(long()),
  retry: optional(boolean()),
  retry_delay: optional(long()),
  enter_setup_mode: optional(boolean()),
});
export type VmHardwareBootUpdateSpec = Infer<typeof VmHardwareBootUpdateSpec>;

export const VmHardwareBootService = service('com.vmware.vcenter.vm.hardware.boot', {
  get: operation({ input: VM, output: VmHardwareBootInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/boot', status: 200 } }),
  update: operation({
    input: { ...VM, spec: VmHardwareBootUpdateSpec },
    output: voidT(),
    errors: CHANGE,
    rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/boot', status: 204, body: 'spec' },
  }),
});

export const VmHardwareBootDeviceService = service('com.vmware.vcenter.vm.hardware.boot.device', {
  get: operation({ input: VM, output: list(VmHardwareBootDeviceEntry), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/boot/device', status: 200 } }),
  set: operation({
    input: { ...VM, devices: list(VmHardwareBootDeviceEntry) },
    output: voidT(),
    errors: CHANGE,
    rest: { method: 'PUT', path: '/api/vcenter/vm/{vm}/hardware/boot/device', status: 204, body: 'fields' },
  }),
});

// ---- disks ---------------------------------------------------------------------------------

export const VmHardwareDiskSummary = struct('com.vmware.vcenter.vm.hardware.disk.summary', {
  disk: DISK,
});
export type VmHardwareDiskSummary = Infer<typeof VmHardwareDiskSummary>;

export const VmHardwareDiskUpdateSpec = struct('com.vmware.vcenter.vm.hardware.disk.update_spec', {
  backing: optional(VmHardwareDiskBackingSpec),
});
export type VmHardwareDiskUpdateSpec = Infer<typeof VmHardwareDiskUpdateSpec>;

export const VmHardwareDiskService = service('com.vmware.vcenter.vm.hardware.disk', {
  list: operation({ input: VM, output: list(VmHardwareDiskSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/disk', status: 200 } }),
  get: operation({ input: { ...VM, disk: DISK }, output: VmHardwareDiskInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/disk/{disk}', status: 200 } }),
  create: operation({
    input: { ...VM, spec: VmHardwareDiskCreateSpec },
    output: DISK,
    errors: [...CHANGE, 'already_exists', 'unable_to_allocate_resource'],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/disk', status: 201, body: 'spec' },
  }),
  update: operation({
    input: { ...VM, disk: DISK, spec: VmHardwareDiskUpdateSpec },
    output: voidT(),
    errors: [...CHANGE, 'already_exists'],
    rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/disk/{disk}', status: 204, body: 'spec' },
  }),
  delete: operation({
    input: { ...VM, disk: DISK },
    output: voidT(),
    errors: CHANGE,
    rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/disk/{disk}', status: 204 },
  }),
});

// ---- CD-ROMs -------------------------------------------------------------------------------

export const VmHardwareCdromSummary = struct('com.vmware.vcenter.vm.hardware.cdrom.summary', {
  cdrom: CDROM,
});
export type VmHardwareCdromSummary = Infer<typeof VmHardwareCdromSummary>;

export const VmHardwareCdromUpdateSpec = struct('com.vmware.vcenter.vm.hardware.cdrom.update_spec', {
  backing: optional(VmHardwareCdromBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareCdromUpdateSpec = Infer<typeof VmHardwareCdromUpdateSpec>;

const CONNECT: readonly StdErrorKind[] = [...CHANGE, 'already_in_desired_state'];

export const VmHardwareCdromService = service('com.vmware.vcenter.vm.hardware.cdrom', {
  list: operation({ input: VM, output: list(VmHardwareCdromSummary), errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/cdrom', status: 200 } }),
  get: operation({ input: { ...VM, cdrom: CDROM }, output: VmHardwareCdromInfo, errors: READ, rest: { method: 'GET', path: '/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}', status: 200 } }),
  create: operation({
    input: { ...VM, spec: VmHardwareCdromCreateSpec },
    output: CDROM,
    errors: [...CHANGE, 'unable_to_allocate_resource'],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/cdrom', status: 201, body: 'spec' },
  }),
  update: operation({
    input: { ...VM, cdrom: CDROM, spec: VmHardwareCdromUpdateSpec },
    output: voidT(),
    errors: CHANGE,
    rest: { method: 'PATCH', path: '/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}', status: 204, body: 'spec' },
  }),
  delete: operation({
    input: { ...VM, cdrom: CDROM },
    output: voidT(),
    errors: CHANGE,
    rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}', status: 204 },
  }),
  connect: operation({
    input: { ...VM, cdrom: CDROM },
    output: voidT(),
    errors: CONNECT,
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}?action=connect', status: 204 },
  }),
  disconnect: operation({
    input: { ...VM, cdrom: CDROM },
    output: voidT(),
    errors: CONNECT,
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}/hardware/cdrom/{cdrom}?action=disconnect', status: 204 },
  }),
});

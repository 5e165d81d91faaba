/**
 * com.vmware.vcenter.VM: inventory of virtual machines — create, clone, relocate, register, list, get, delete.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, id, list, long, map, optional, set, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import {
  VmHardwareAdapterNvmeCreateSpec,
  VmHardwareAdapterNvmeInfo,
  VmHardwareAdapterSataCreateSpec,
  VmHardwareAdapterSataInfo,
  VmHardwareAdapterScsiCreateSpec,
  VmHardwareAdapterScsiInfo,
  VmHardwareBootCreateSpec,
  VmHardwareBootDeviceEntry,
  VmHardwareBootDeviceEntryCreateSpec,
  VmHardwareBootInfo,
  VmHardwareCdromCreateSpec,
  VmHardwareCdromInfo,
  VmHardwareCpuInfo,
  VmHardwareCpuUpdateSpec,
  VmHardwareDiskCreateSpec,
  VmHardwareDiskInfo,
  VmHardwareEthernetCreateSpec,
  VmHardwareEthernetInfo,
  VmHardwareEthernetUpdateSpec,
  VmHardwareFloppyCreateSpec,
  VmHardwareFloppyInfo,
  VmHardwareMemoryInfo,
  VmHardwareMemoryUpdateSpec,
  VmHardwareParallelCreateSpec,
  VmHardwareParallelInfo,
  VmHardwareParallelUpdateSpec,
  VmHardwareSerialCreateSpec,
  VmHardwareSerialInfo,
  VmHardwareSerialUpdateSpec,
} from './devices.ts';
import { VmGuestOS } from './guest-os.ts';
import { VmHardwareInfo, VmHardwareVersion } from './hardware.ts';
import { VmPowerState } from './power.ts';

export const VMPlacementSpec = struct('com.vmware.vcenter.VM.placement_spec', {
  folder: optional(id()),
  resource_pool: optional(id()),
  host: optional(id()),
  cluster: optional(id()),
  datastore: optional(id()),
});
export type VMPlacementSpec = Infer<typeof VMPlacementSpec>;

export const VMStoragePolicySpec = struct('com.vmware.vcenter.VM.storage_policy_spec', {
  policy: id('com.vmware.vcenter.StoragePolicy'),
});
export type VMStoragePolicySpec = Infer<typeof VMStoragePolicySpec>;

export const VMCreateSpec = struct('com.vmware.vcenter.VM.create_spec', {
  guest_OS: VmGuestOS,
  name: optional(string()),
  placement: optional(VMPlacementSpec),
  hardware_version: optional(VmHardwareVersion),
  boot: optional(VmHardwareBootCreateSpec),
  boot_devices: optional(list(VmHardwareBootDeviceEntryCreateSpec)),
  cpu: optional(VmHardwareCpuUpdateSpec),
  memory: optional(VmHardwareMemoryUpdateSpec),
  disks: optional(list(VmHardwareDiskCreateSpec)),
  nics: optional(list(VmHardwareEthernetCreateSpec)),
  cdroms: optional(list(VmHardwareCdromCreateSpec)),
  floppies: optional(list(VmHardwareFloppyCreateSpec)),
  parallel_ports: optional(list(VmHardwareParallelCreateSpec)),
  serial_ports: optional(list(VmHardwareSerialCreateSpec)),
  sata_adapters: optional(list(VmHardwareAdapterSataCreateSpec)),
  scsi_adapters: optional(list(VmHardwareAdapterScsiCreateSpec)),
  nvme_adapters: optional(list(VmHardwareAdapterNvmeCreateSpec)),
  storage_policy: optional(VMStoragePolicySpec),
});
export type VMCreateSpec = Infer<typeof VMCreateSpec>;

export const VMClonePlacementSpec = struct('com.vmware.vcenter.VM.clone_placement_spec', {
  folder: optional(id()),
  resource_pool: optional(id()),
  host: optional(id()),
  cluster: optional(id()),
  datastore: optional(id()),
});
export type VMClonePlacementSpec = Infer<typeof VMClonePlacementSpec>;

export const VMDiskCloneSpec = struct('com.vmware.vcenter.VM.disk_clone_spec', {
  datastore: optional(id()),
});
export type VMDiskCloneSpec = Infer<typeof VMDiskCloneSpec>;

export const VMGuestCustomizationSpec = struct('com.vmware.vcenter.VM.guest_customization_spec', {
  name: optional(string()),
});
export type VMGuestCustomizationSpec = Infer<typeof VMGuestCustomizationSpec>;

export const VMCloneSpec = struct('com.vmware.vcenter.VM.clone_spec', {
  source: id('VirtualMachine'),
  name: string(),
  placement: optional(VMClonePlacementSpec),
  disks_to_remove: optional(set(id())),
  disks_to_update: optional(map(id(), VMDiskCloneSpec)),
  power_on: optional(boolean()),
  guest_customization_spec: optional(VMGuestCustomizationSpec),
});
export type VMCloneSpec = Infer<typeof VMCloneSpec>;

export const VMRelocatePlacementSpec = struct('com.vmware.vcenter.VM.relocate_placement_spec', {
  folder: optional(id()),
  resource_pool: optional(id()),
  host: optional(id()),
  cluster: optional(id()),
  datastore: optional(id()),
});
export type VMRelocatePlacementSpec = Infer<typeof VMRelocatePlacementSpec>;

export const VMDiskRelocateSpec = struct('com.vmware.vcenter.VM.disk_relocate_spec', {
  datastore: optional(id()),
});
export type VMDiskRelocateSpec = Infer<typeof VMDiskRelocateSpec>;

export const VMRelocateSpec = struct('com.vmware.vcenter.VM.relocate_spec', {
  placement: optional(VMRelocatePlacementSpec),
  disks: optional(map(id(), VMDiskRelocateSpec)),
});
export type VMRelocateSpec = Infer<typeof VMRelocateSpec>;

export const VMInstantClonePlacementSpec = struct('com.vmware.vcenter.VM.instant_clone_placement_spec', {
  folder: optional(id()),
  resource_pool: optional(id()),
  datastore: optional(id()),
});
export type VMInstantClonePlacementSpec = Infer<typeof VMInstantClonePlacementSpec>;

export const VMInstantCloneSpec = struct('com.vmware.vcenter.VM.instant_clone_spec', {
  source: id('VirtualMachine'),
  name: string(),
  placement: optional(VMInstantClonePlacementSpec),
  nics_to_update: optional(map(id(), VmHardwareEthernetUpdateSpec)),
  disconnect_all_nics: optional(boolean()),
  parallel_ports_to_update: optional(map(id(), VmHardwareParallelUpdateSpec)),
  serial_ports_to_update: optional(map(id(), VmHardwareSerialUpdateSpec)),
  bios_uuid: optional(string()),
});
export type VMInstantCloneSpec = Infer<typeof VMInstantCloneSpec>;

export const VmIdentityInfo = struct('com.vmware.vcenter.vm.identity.info', {
  name: string(),
  bios_uuid: string(),
  instance_uuid: string(),
});
export type VmIdentityInfo = Infer<typeof VmIdentityInfo>;

export const VMInfo = struct('com.vmware.vcenter.VM.info', {
  guest_OS: VmGuestOS,
  name: string(),
  identity: optional(VmIdentityInfo),
  power_state: VmPowerState,
  instant_clone_frozen: optional(boolean()),
  hardware: VmHardwareInfo,
  boot: VmHardwareBootInfo,
  boot_devices: list(VmHardwareBootDeviceEntry),
  cpu: VmHardwareCpuInfo,
  memory: VmHardwareMemoryInfo,
  disks: map(id(), VmHardwareDiskInfo),
  nics: map(id(), VmHardwareEthernetInfo),
  cdroms: map(id(), VmHardwareCdromInfo),
  floppies: map(id(), VmHardwareFloppyInfo),
  parallel_ports: map(id(), VmHardwareParallelInfo),
  serial_ports: map(id(), VmHardwareSerialInfo),
  sata_adapters: map(id(), VmHardwareAdapterSataInfo),
  scsi_adapters: map(id(), VmHardwareAdapterScsiInfo),
  nvme_adapters: optional(map(id(), VmHardwareAdapterNvmeInfo)),
});
export type VMInfo = Infer<typeof VMInfo>;

export const VMFilterSpec = struct('com.vmware.vcenter.VM.filter_spec', {
  vms: optional(set(id())),
  names: optional(set(string())),
  folders: optional(set(id())),
  datacenters: optional(set(id())),
  hosts: optional(set(id())),
  clusters: optional(set(id())),
  resource_pools: optional(set(id())),
  power_states: optional(set(VmPowerState)),
});
export type VMFilterSpec = Infer<typeof VMFilterSpec>;

export const VMSummary = struct('com.vmware.vcenter.VM.summary', {
  vm: id('VirtualMachine'),
  name: string(),
  power_state: VmPowerState,
  cpu_count: optional(long()),
  memory_size_MiB: optional(long()),
});
export type VMSummary = Infer<typeof VMSummary>;

export const VMRegisterPlacementSpec = struct('com.vmware.vcenter.VM.register_placement_spec', {
  folder: optional(id()),
  resource_pool: optional(id()),
  host: optional(id()),
  cluster: optional(id()),
});
export type VMRegisterPlacementSpec = Infer<typeof VMRegisterPlacementSpec>;

export const VMRegisterSpec = struct('com.vmware.vcenter.VM.register_spec', {
  datastore: optional(id()),
  path: optional(string()),
  datastore_path: optional(string()),
  name: optional(string()),
  placement: optional(VMRegisterPlacementSpec),
});
export type VMRegisterSpec = Infer<typeof VMRegisterSpec>;

export const VMService = service('com.vmware.vcenter.VM', {
  create: operation({
    input: { spec: VMCreateSpec },
    output: id('VirtualMachine'),
    errors: [
      'already_exists', 'error', 'invalid_argument', 'not_found', 'resource_in_use',
      'resource_inaccessible', 'service_unavailable', 'unable_to_allocate_resource',
      'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm', status: 201, body: 'spec' },
  }),
  clone: operation({
    input: { spec: VMCloneSpec },
    output: id('VirtualMachine'),
    errors: [
      'already_exists', 'error', 'invalid_argument', 'not_found', 'resource_inaccessible',
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm?action=clone', status: 200, body: 'spec' },
  }),
  'clone$task': operation({
    input: { spec: VMCloneSpec },
    output: id('com.vmware.cis.TASK'),
    errors: [
      'already_exists', 'error', 'invalid_argument', 'not_found', 'resource_inaccessible',
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm?action=clone&vmw-task=true', status: 202, body: 'spec' },
  }),
  relocate: operation({
    input: { vm: id('VirtualMachine'), spec: VMRelocateSpec },
    output: voidT(),
    errors: [
      'error', 'invalid_argument', 'not_found', 'resource_inaccessible', 'service_unavailable',
      'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}?action=relocate', status: 204, body: 'spec' },
  }),
  'relocate$task': operation({
    input: { vm: id('VirtualMachine'), spec: VMRelocateSpec },
    output: id('com.vmware.cis.TASK'),
    errors: [
      'error', 'invalid_argument', 'not_found', 'resource_inaccessible', 'service_unavailable',
      'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}?action=relocate&vmw-task=true', status: 202, body: 'spec' },
  }),
  instant_clone: operation({
    input: { spec: VMInstantCloneSpec },
    output: id('VirtualMachine'),
    errors: [
      'already_exists', 'error', 'invalid_argument', 'not_found', 'resource_inaccessible',
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm?action=instant-clone', status: 200, body: 'spec' },
  }),
  get: operation({
    input: { vm: id('VirtualMachine') },
    output: VMInfo,
    errors: [
      'error', 'not_found', 'resource_inaccessible', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/vm/{vm}', status: 200 },
  }),
  delete: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'error', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
      'resource_inaccessible', 'service_unavailable', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'DELETE', path: '/api/vcenter/vm/{vm}', status: 204 },
  }),
  list: operation({
    input: { filter: optional(VMFilterSpec) },
    output: list(VMSummary),
    errors: [
      'invalid_argument', 'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/vcenter/vm', status: 200, query: ['filter'] },
  }),
  register: operation({
    input: { spec: VMRegisterSpec },
    output: id('VirtualMachine'),
    errors: [
      'already_exists', 'error', 'invalid_argument', 'not_found', 'resource_inaccessible',
      'service_unavailable', 'unable_to_allocate_resource', 'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm?action=register', status: 200, body: 'spec' },
  }),
  unregister: operation({
    input: { vm: id('VirtualMachine') },
    output: voidT(),
    errors: [
      'not_allowed_in_current_state', 'not_found', 'resource_busy', 'service_unavailable',
      'unauthenticated', 'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/vcenter/vm/{vm}?action=unregister', status: 204 },
  }),
});

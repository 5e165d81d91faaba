/**
 * com.vmware.vcenter.vm.hardware.*: the device structures (boot, cpu, memory, disks, NICs, CD-ROMs, …)
 * that VM create / get carry. The device services themselves are not modelled yet.
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, enumT, id, list, long, optional, string, struct, uri } from './vapi-type.ts';

export const VmHardwareBootType = enumT('com.vmware.vcenter.vm.hardware.boot.type', [
  'BIOS', 'EFI',
]);
export type VmHardwareBootType = Infer<typeof VmHardwareBootType>;

export const VmHardwareBootNetworkProtocol = enumT('com.vmware.vcenter.vm.hardware.boot.network_protocol', [
  'IPV4', 'IPV6',
]);
export type VmHardwareBootNetworkProtocol = Infer<typeof VmHardwareBootNetworkProtocol>;

export const VmHardwareBootCreateSpec = struct('com.vmware.vcenter.vm.hardware.boot.create_spec', {
  type: optional(VmHardwareBootType),
  efi_legacy_boot: optional(boolean()),
  network_protocol: optional(VmHardwareBootNetworkProtocol),
  delay: optional(long()),
  retry: optional(boolean()),
  retry_delay: optional(long()),
  enter_setup_mode: optional(boolean()),
});
export type VmHardwareBootCreateSpec = Infer<typeof VmHardwareBootCreateSpec>;

export const VmHardwareBootDeviceType = enumT('com.vmware.vcenter.vm.hardware.boot.device.type', [
  'CDROM', 'DISK', 'ETHERNET', 'FLOPPY',
]);
export type VmHardwareBootDeviceType = Infer<typeof VmHardwareBootDeviceType>;

export const VmHardwareBootDeviceEntryCreateSpec = struct('com.vmware.vcenter.vm.hardware.boot.device.entry_create_spec', {
  type: VmHardwareBootDeviceType,
});
export type VmHardwareBootDeviceEntryCreateSpec = Infer<typeof VmHardwareBootDeviceEntryCreateSpec>;

export const VmHardwareCpuUpdateSpec = struct('com.vmware.vcenter.vm.hardware.cpu.update_spec', {
  count: optional(long()),
  cores_per_socket: optional(long()),
  hot_add_enabled: optional(boolean()),
  hot_remove_enabled: optional(boolean()),
});
export type VmHardwareCpuUpdateSpec = Infer<typeof VmHardwareCpuUpdateSpec>;

export const VmHardwareMemoryUpdateSpec = struct('com.vmware.vcenter.vm.hardware.memory.update_spec', {
  size_MiB: optional(long()),
  hot_add_enabled: optional(boolean()),
});
export type VmHardwareMemoryUpdateSpec = Infer<typeof VmHardwareMemoryUpdateSpec>;

export const VmHardwareDiskHostBusAdapterType = enumT('com.vmware.vcenter.vm.hardware.disk.host_bus_adapter_type', [
  'IDE', 'SCSI', 'SATA', 'NVME',
]);
export type VmHardwareDiskHostBusAdapterType = Infer<typeof VmHardwareDiskHostBusAdapterType>;

export const VmHardwareIdeAddressSpec = struct('com.vmware.vcenter.vm.hardware.ide_address_spec', {
  primary: optional(boolean()),
  master: optional(boolean()),
});
export type VmHardwareIdeAddressSpec = Infer<typeof VmHardwareIdeAddressSpec>;

export const VmHardwareScsiAddressSpec = struct('com.vmware.vcenter.vm.hardware.scsi_address_spec', {
  bus: long(),
  unit: optional(long()),
});
export type VmHardwareScsiAddressSpec = Infer<typeof VmHardwareScsiAddressSpec>;

export const VmHardwareSataAddressSpec = struct('com.vmware.vcenter.vm.hardware.sata_address_spec', {
  bus: long(),
  unit: optional(long()),
});
export type VmHardwareSataAddressSpec = Infer<typeof VmHardwareSataAddressSpec>;

export const VmHardwareNvmeAddressSpec = struct('com.vmware.vcenter.vm.hardware.nvme_address_spec', {
  bus: long(),
  unit: optional(long()),
});
export type VmHardwareNvmeAddressSpec = Infer<typeof VmHardwareNvmeAddressSpec>;

export const VmHardwareDiskBackingType = enumT('com.vmware.vcenter.vm.hardware.disk.backing_type', [
  'VMDK_FILE',
]);
export type VmHardwareDiskBackingType = Infer<typeof VmHardwareDiskBackingType>;

export const VmHardwareDiskBackingSpec = struct('com.vmware.vcenter.vm.hardware.disk.backing_spec', {
  type: VmHardwareDiskBackingType,
  vmdk_file: optional(string()),
});
export type VmHardwareDiskBackingSpec = Infer<typeof VmHardwareDiskBackingSpec>;

export const VmHardwareDiskStoragePolicySpec = struct('com.vmware.vcenter.vm.hardware.disk.storage_policy_spec', {
  policy: id('com.vmware.vcenter.StoragePolicy'),
});
export type VmHardwareDiskStoragePolicySpec = Infer<typeof VmHardwareDiskStoragePolicySpec>;

export const VmHardwareDiskVmdkCreateSpec = struct('com.vmware.vcenter.vm.hardware.disk.vmdk_create_spec', {
  name: optional(string()),
  capacity: optional(long()),
  storage_policy: optional(VmHardwareDiskStoragePolicySpec),
});
export type VmHardwareDiskVmdkCreateSpec = Infer<typeof VmHardwareDiskVmdkCreateSpec>;

export const VmHardwareDiskCreateSpec = struct('com.vmware.vcenter.vm.hardware.disk.create_spec', {
  type: optional(VmHardwareDiskHostBusAdapterType),
  ide: optional(VmHardwareIdeAddressSpec),
  scsi: optional(VmHardwareScsiAddressSpec),
  sata: optional(VmHardwareSataAddressSpec),
  nvme: optional(VmHardwareNvmeAddressSpec),
  backing: optional(VmHardwareDiskBackingSpec),
  new_vmdk: optional(VmHardwareDiskVmdkCreateSpec),
});
export type VmHardwareDiskCreateSpec = Infer<typeof VmHardwareDiskCreateSpec>;

/**
 * vSphere's values plus vmgate's `VIRTIO` (virtio-net on QEMU; the vSphere enum has no
 * name for it, and vAPI enumerations are open: SDK bindings pass unknown values through).
 * `VMXNET3` stays VMware's paravirtual NIC.
 */
export const VmHardwareEthernetEmulationType = enumT('com.vmware.vcenter.vm.hardware.ethernet.emulation_type', [
  'E1000', 'E1000E', 'PCNET32', 'VMXNET', 'VMXNET2', 'VMXNET3', 'VIRTIO',
]);

/** Values vmgate adds to vSphere's enumerations (the spec test leaves exactly these out). */
export const VMGATE_ENUM_EXTENSIONS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'com.vmware.vcenter.vm.hardware.ethernet.emulation_type': ['VIRTIO'],
});
export type VmHardwareEthernetEmulationType = Infer<typeof VmHardwareEthernetEmulationType>;

export const VmHardwareEthernetMacAddressType = enumT('com.vmware.vcenter.vm.hardware.ethernet.mac_address_type', [
  'MANUAL', 'GENERATED', 'ASSIGNED',
]);
export type VmHardwareEthernetMacAddressType = Infer<typeof VmHardwareEthernetMacAddressType>;

export const VmHardwareEthernetBackingType = enumT('com.vmware.vcenter.vm.hardware.ethernet.backing_type', [
  'STANDARD_PORTGROUP', 'HOST_DEVICE', 'DISTRIBUTED_PORTGROUP', 'OPAQUE_NETWORK',
]);
export type VmHardwareEthernetBackingType = Infer<typeof VmHardwareEthernetBackingType>;

export const VmHardwareEthernetBackingSpec = struct('com.vmware.vcenter.vm.hardware.ethernet.backing_spec', {
  type: VmHardwareEthernetBackingType,
  network: optional(id()),
  distributed_port: optional(string()),
});
export type VmHardwareEthernetBackingSpec = Infer<typeof VmHardwareEthernetBackingSpec>;

export const VmHardwareEthernetCreateSpec = struct('com.vmware.vcenter.vm.hardware.ethernet.create_spec', {
  type: optional(VmHardwareEthernetEmulationType),
  upt_compatibility_enabled: optional(boolean()),
  mac_type: optional(VmHardwareEthernetMacAddressType),
  mac_address: optional(string()),
  pci_slot_number: optional(long()),
  wake_on_lan_enabled: optional(boolean()),
  backing: optional(VmHardwareEthernetBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareEthernetCreateSpec = Infer<typeof VmHardwareEthernetCreateSpec>;

export const VmHardwareCdromHostBusAdapterType = enumT('com.vmware.vcenter.vm.hardware.cdrom.host_bus_adapter_type', [
  'IDE', 'SATA',
]);
export type VmHardwareCdromHostBusAdapterType = Infer<typeof VmHardwareCdromHostBusAdapterType>;

export const VmHardwareCdromBackingType = enumT('com.vmware.vcenter.vm.hardware.cdrom.backing_type', [
  'ISO_FILE', 'HOST_DEVICE', 'CLIENT_DEVICE',
]);
export type VmHardwareCdromBackingType = Infer<typeof VmHardwareCdromBackingType>;

export const VmHardwareCdromDeviceAccessType = enumT('com.vmware.vcenter.vm.hardware.cdrom.device_access_type', [
  'EMULATION', 'PASSTHRU', 'PASSTHRU_EXCLUSIVE',
]);
export type VmHardwareCdromDeviceAccessType = Infer<typeof VmHardwareCdromDeviceAccessType>;

export const VmHardwareCdromBackingSpec = struct('com.vmware.vcenter.vm.hardware.cdrom.backing_spec', {
  type: VmHardwareCdromBackingType,
  iso_file: optional(string()),
  host_device: optional(string()),
  device_access_type: optional(VmHardwareCdromDeviceAccessType),
});
export type VmHardwareCdromBackingSpec = Infer<typeof VmHardwareCdromBackingSpec>;

export const VmHardwareCdromCreateSpec = struct('com.vmware.vcenter.vm.hardware.cdrom.create_spec', {
  type: optional(VmHardwareCdromHostBusAdapterType),
  ide: optional(VmHardwareIdeAddressSpec),
  sata: optional(VmHardwareSataAddressSpec),
  backing: optional(VmHardwareCdromBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareCdromCreateSpec = Infer<typeof VmHardwareCdromCreateSpec>;

export const VmHardwareFloppyBackingType = enumT('com.vmware.vcenter.vm.hardware.floppy.backing_type', [
  'IMAGE_FILE', 'HOST_DEVICE', 'CLIENT_DEVICE',
]);
export type VmHardwareFloppyBackingType = Infer<typeof VmHardwareFloppyBackingType>;

export const VmHardwareFloppyBackingSpec = struct('com.vmware.vcenter.vm.hardware.floppy.backing_spec', {
  type: VmHardwareFloppyBackingType,
  image_file: optional(string()),
  host_device: optional(string()),
});
export type VmHardwareFloppyBackingSpec = Infer<typeof VmHardwareFloppyBackingSpec>;

export const VmHardwareFloppyCreateSpec = struct('com.vmware.vcenter.vm.hardware.floppy.create_spec', {
  backing: optional(VmHardwareFloppyBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareFloppyCreateSpec = Infer<typeof VmHardwareFloppyCreateSpec>;

export const VmHardwareParallelBackingType = enumT('com.vmware.vcenter.vm.hardware.parallel.backing_type', [
  'FILE', 'HOST_DEVICE',
]);
export type VmHardwareParallelBackingType = Infer<typeof VmHardwareParallelBackingType>;

export const VmHardwareParallelBackingSpec = struct('com.vmware.vcenter.vm.hardware.parallel.backing_spec', {
  type: VmHardwareParallelBackingType,
  file: optional(string()),
  host_device: optional(string()),
});
export type VmHardwareParallelBackingSpec = Infer<typeof VmHardwareParallelBackingSpec>;

export const VmHardwareParallelCreateSpec = struct('com.vmware.vcenter.vm.hardware.parallel.create_spec', {
  backing: optional(VmHardwareParallelBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareParallelCreateSpec = Infer<typeof VmHardwareParallelCreateSpec>;

export const VmHardwareSerialBackingType = enumT('com.vmware.vcenter.vm.hardware.serial.backing_type', [
  'FILE', 'HOST_DEVICE', 'PIPE_SERVER', 'PIPE_CLIENT', 'NETWORK_SERVER', 'NETWORK_CLIENT',
]);
export type VmHardwareSerialBackingType = Infer<typeof VmHardwareSerialBackingType>;

export const VmHardwareSerialBackingSpec = struct('com.vmware.vcenter.vm.hardware.serial.backing_spec', {
  type: VmHardwareSerialBackingType,
  file: optional(string()),
  host_device: optional(string()),
  pipe: optional(string()),
  no_rx_loss: optional(boolean()),
  network_location: optional(uri()),
  proxy: optional(uri()),
});
export type VmHardwareSerialBackingSpec = Infer<typeof VmHardwareSerialBackingSpec>;

export const VmHardwareSerialCreateSpec = struct('com.vmware.vcenter.vm.hardware.serial.create_spec', {
  yield_on_poll: optional(boolean()),
  backing: optional(VmHardwareSerialBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareSerialCreateSpec = Infer<typeof VmHardwareSerialCreateSpec>;

export const VmHardwareAdapterSataType = enumT('com.vmware.vcenter.vm.hardware.adapter.sata.type', [
  'AHCI',
]);
export type VmHardwareAdapterSataType = Infer<typeof VmHardwareAdapterSataType>;

export const VmHardwareAdapterSataCreateSpec = struct('com.vmware.vcenter.vm.hardware.adapter.sata.create_spec', {
  type: optional(VmHardwareAdapterSataType),
  bus: optional(long()),
  pci_slot_number: optional(long()),
});
export type VmHardwareAdapterSataCreateSpec = Infer<typeof VmHardwareAdapterSataCreateSpec>;

export const VmHardwareAdapterScsiType = enumT('com.vmware.vcenter.vm.hardware.adapter.scsi.type', [
  'BUSLOGIC', 'LSILOGIC', 'LSILOGICSAS', 'PVSCSI',
]);
export type VmHardwareAdapterScsiType = Infer<typeof VmHardwareAdapterScsiType>;

export const VmHardwareAdapterScsiSharing = enumT('com.vmware.vcenter.vm.hardware.adapter.scsi.sharing', [
  'NONE', 'VIRTUAL', 'PHYSICAL',
]);
export type VmHardwareAdapterScsiSharing = Infer<typeof VmHardwareAdapterScsiSharing>;

export const VmHardwareAdapterScsiCreateSpec = struct('com.vmware.vcenter.vm.hardware.adapter.scsi.create_spec', {
  type: optional(VmHardwareAdapterScsiType),
  bus: optional(long()),
  pci_slot_number: optional(long()),
  sharing: optional(VmHardwareAdapterScsiSharing),
});
export type VmHardwareAdapterScsiCreateSpec = Infer<typeof VmHardwareAdapterScsiCreateSpec>;

export const VmHardwareAdapterNvmeCreateSpec = struct('com.vmware.vcenter.vm.hardware.adapter.nvme.create_spec', {
  bus: optional(long()),
  pci_slot_number: optional(long()),
});
export type VmHardwareAdapterNvmeCreateSpec = Infer<typeof VmHardwareAdapterNvmeCreateSpec>;

export const VmHardwareEthernetUpdateSpec = struct('com.vmware.vcenter.vm.hardware.ethernet.update_spec', {
  upt_compatibility_enabled: optional(boolean()),
  mac_type: optional(VmHardwareEthernetMacAddressType),
  mac_address: optional(string()),
  wake_on_lan_enabled: optional(boolean()),
  backing: optional(VmHardwareEthernetBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareEthernetUpdateSpec = Infer<typeof VmHardwareEthernetUpdateSpec>;

export const VmHardwareParallelUpdateSpec = struct('com.vmware.vcenter.vm.hardware.parallel.update_spec', {
  backing: optional(VmHardwareParallelBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareParallelUpdateSpec = Infer<typeof VmHardwareParallelUpdateSpec>;

export const VmHardwareSerialUpdateSpec = struct('com.vmware.vcenter.vm.hardware.serial.update_spec', {
  yield_on_poll: optional(boolean()),
  backing: optional(VmHardwareSerialBackingSpec),
  start_connected: optional(boolean()),
  allow_guest_control: optional(boolean()),
});
export type VmHardwareSerialUpdateSpec = Infer<typeof VmHardwareSerialUpdateSpec>;

export const VmHardwareBootInfo = struct('com.vmware.vcenter.vm.hardware.boot.info', {
  type: VmHardwareBootType,
  efi_legacy_boot: optional(boolean()),
  network_protocol: optional(VmHardwareBootNetworkProtocol),
  delay: long(),
  retry: boolean(),
  retry_delay: long(),
  enter_setup_mode: boolean(),
});
export type VmHardwareBootInfo = Infer<typeof VmHardwareBootInfo>;

export const VmHardwareBootDeviceEntry = struct('com.vmware.vcenter.vm.hardware.boot.device.entry', {
  type: VmHardwareBootDeviceType,
  nic: optional(id()),
  disks: optional(list(id())),
});
export type VmHardwareBootDeviceEntry = Infer<typeof VmHardwareBootDeviceEntry>;

export const VmHardwareCpuInfo = struct('com.vmware.vcenter.vm.hardware.cpu.info', {
  count: long(),
  cores_per_socket: long(),
  hot_add_enabled: boolean(),
  hot_remove_enabled: boolean(),
});
export type VmHardwareCpuInfo = Infer<typeof VmHardwareCpuInfo>;

export const VmHardwareMemoryInfo = struct('com.vmware.vcenter.vm.hardware.memory.info', {
  size_MiB: long(),
  hot_add_enabled: boolean(),
  hot_add_increment_size_MiB: optional(long()),
  hot_add_limit_MiB: optional(long()),
});
export type VmHardwareMemoryInfo = Infer<typeof VmHardwareMemoryInfo>;

export const VmHardwareIdeAddressInfo = struct('com.vmware.vcenter.vm.hardware.ide_address_info', {
  primary: boolean(),
  master: boolean(),
});
export type VmHardwareIdeAddressInfo = Infer<typeof VmHardwareIdeAddressInfo>;

export const VmHardwareScsiAddressInfo = struct('com.vmware.vcenter.vm.hardware.scsi_address_info', {
  bus: long(),
  unit: long(),
});
export type VmHardwareScsiAddressInfo = Infer<typeof VmHardwareScsiAddressInfo>;

export const VmHardwareSataAddressInfo = struct('com.vmware.vcenter.vm.hardware.sata_address_info', {
  bus: long(),
  unit: long(),
});
export type VmHardwareSataAddressInfo = Infer<typeof VmHardwareSataAddressInfo>;

export const VmHardwareNvmeAddressInfo = struct('com.vmware.vcenter.vm.hardware.nvme_address_info', {
  bus: long(),
  unit: long(),
});
export type VmHardwareNvmeAddressInfo = Infer<typeof VmHardwareNvmeAddressInfo>;

export const VmHardwareDiskBackingInfo = struct('com.vmware.vcenter.vm.hardware.disk.backing_info', {
  type: VmHardwareDiskBackingType,
  vmdk_file: optional(string()),
});
export type VmHardwareDiskBackingInfo = Infer<typeof VmHardwareDiskBackingInfo>;

export const VmHardwareDiskInfo = struct('com.vmware.vcenter.vm.hardware.disk.info', {
  label: string(),
  type: VmHardwareDiskHostBusAdapterType,
  ide: optional(VmHardwareIdeAddressInfo),
  scsi: optional(VmHardwareScsiAddressInfo),
  sata: optional(VmHardwareSataAddressInfo),
  nvme: optional(VmHardwareNvmeAddressInfo),
  backing: VmHardwareDiskBackingInfo,
  capacity: optional(long()),
});
export type VmHardwareDiskInfo = Infer<typeof VmHardwareDiskInfo>;

export const VmHardwareEthernetBackingInfo = struct('com.vmware.vcenter.vm.hardware.ethernet.backing_info', {
  type: VmHardwareEthernetBackingType,
  network: optional(id()),
  network_name: optional(string()),
  host_device: optional(string()),
  distributed_switch_uuid: optional(string()),
  distributed_port: optional(string()),
  connection_cookie: optional(long()),
  opaque_network_type: optional(string()),
  opaque_network_id: optional(string()),
});
export type VmHardwareEthernetBackingInfo = Infer<typeof VmHardwareEthernetBackingInfo>;

export const VmHardwareConnectionState = enumT('com.vmware.vcenter.vm.hardware.connection_state', [
  'CONNECTED', 'RECOVERABLE_ERROR', 'UNRECOVERABLE_ERROR', 'NOT_CONNECTED', 'UNKNOWN',
]);
export type VmHardwareConnectionState = Infer<typeof VmHardwareConnectionState>;

export const VmHardwareEthernetInfo = struct('com.vmware.vcenter.vm.hardware.ethernet.info', {
  label: string(),
  type: VmHardwareEthernetEmulationType,
  upt_compatibility_enabled: optional(boolean()),
  mac_type: VmHardwareEthernetMacAddressType,
  mac_address: optional(string()),
  pci_slot_number: optional(long()),
  wake_on_lan_enabled: boolean(),
  backing: VmHardwareEthernetBackingInfo,
  state: VmHardwareConnectionState,
  start_connected: boolean(),
  allow_guest_control: boolean(),
});
export type VmHardwareEthernetInfo = Infer<typeof VmHardwareEthernetInfo>;

export const VmHardwareCdromBackingInfo = struct('com.vmware.vcenter.vm.hardware.cdrom.backing_info', {
  type: VmHardwareCdromBackingType,
  iso_file: optional(string()),
  host_device: optional(string()),
  auto_detect: optional(boolean()),
  device_access_type: optional(VmHardwareCdromDeviceAccessType),
});
export type VmHardwareCdromBackingInfo = Infer<typeof VmHardwareCdromBackingInfo>;

export const VmHardwareCdromInfo = struct('com.vmware.vcenter.vm.hardware.cdrom.info', {
  type: VmHardwareCdromHostBusAdapterType,
  label: string(),
  ide: optional(VmHardwareIdeAddressInfo),
  sata: optional(VmHardwareSataAddressInfo),
  backing: VmHardwareCdromBackingInfo,
  state: VmHardwareConnectionState,
  start_connected: boolean(),
  allow_guest_control: boolean(),
});
export type VmHardwareCdromInfo = Infer<typeof VmHardwareCdromInfo>;

export const VmHardwareFloppyBackingInfo = struct('com.vmware.vcenter.vm.hardware.floppy.backing_info', {
  type: VmHardwareFloppyBackingType,
  image_file: optional(string()),
  host_device: optional(string()),
  auto_detect: optional(boolean()),
});
export type VmHardwareFloppyBackingInfo = Infer<typeof VmHardwareFloppyBackingInfo>;

export const VmHardwareFloppyInfo = struct('com.vmware.vcenter.vm.hardware.floppy.info', {
  label: string(),
  backing: VmHardwareFloppyBackingInfo,
  state: VmHardwareConnectionState,
  start_connected: boolean(),
  allow_guest_control: boolean(),
});
export type VmHardwareFloppyInfo = Infer<typeof VmHardwareFloppyInfo>;

export const VmHardwareParallelBackingInfo = struct('com.vmware.vcenter.vm.hardware.parallel.backing_info', {
  type: VmHardwareParallelBackingType,
  file: optional(string()),
  host_device: optional(string()),
  auto_detect: optional(boolean()),
});
export type VmHardwareParallelBackingInfo = Infer<typeof VmHardwareParallelBackingInfo>;

export const VmHardwareParallelInfo = struct('com.vmware.vcenter.vm.hardware.parallel.info', {
  label: string(),
  backing: VmHardwareParallelBackingInfo,
  state: VmHardwareConnectionState,
  start_connected: boolean(),
  allow_guest_control: boolean(),
});
export type VmHardwareParallelInfo = Infer<typeof VmHardwareParallelInfo>;

export const VmHardwareSerialBackingInfo = struct('com.vmware.vcenter.vm.hardware.serial.backing_info', {
  type: VmHardwareSerialBackingType,
  file: optional(string()),
  host_device: optional(string()),
  auto_detect: optional(boolean()),
  pipe: optional(string()),
  no_rx_loss: optional(boolean()),
  network_location: optional(uri()),
  proxy: optional(uri()),
});
export type VmHardwareSerialBackingInfo = Infer<typeof VmHardwareSerialBackingInfo>;

export const VmHardwareSerialInfo = struct('com.vmware.vcenter.vm.hardware.serial.info', {
  label: string(),
  yield_on_poll: boolean(),
  backing: VmHardwareSerialBackingInfo,
  state: VmHardwareConnectionState,
  start_connected: boolean(),
  allow_guest_control: boolean(),
});
export type VmHardwareSerialInfo = Infer<typeof VmHardwareSerialInfo>;

export const VmHardwareAdapterSataInfo = struct('com.vmware.vcenter.vm.hardware.adapter.sata.info', {
  label: string(),
  type: VmHardwareAdapterSataType,
  bus: long(),
  pci_slot_number: optional(long()),
});
export type VmHardwareAdapterSataInfo = Infer<typeof VmHardwareAdapterSataInfo>;

export const VmHardwareAdapterScsiInfo = struct('com.vmware.vcenter.vm.hardware.adapter.scsi.info', {
  label: string(),
  type: VmHardwareAdapterScsiType,
  scsi: VmHardwareScsiAddressInfo,
  pci_slot_number: optional(long()),
  sharing: VmHardwareAdapterScsiSharing,
});
export type VmHardwareAdapterScsiInfo = Infer<typeof VmHardwareAdapterScsiInfo>;

export const VmHardwareAdapterNvmeInfo = struct('com.vmware.vcenter.vm.hardware.adapter.nvme.info', {
  label: string(),
  bus: long(),
  pci_slot_number: optional(long()),
});
export type VmHardwareAdapterNvmeInfo = Infer<typeof VmHardwareAdapterNvmeInfo>;

/**
 * A core VM as com.vmware.vcenter.VM.info (and the pieces hardware.get shares).
 *
 * Device keys are numbers as vSphere prints them, derived from each device's address in
 * the .vmx, so a key stays the same while the VM keeps the device:
 *
 * | device                 | key                          | e.g.                  |
 * |------------------------|------------------------------|-----------------------|
 * | disk on scsi<c>:<u>    | 2000 + 16·c + u              | scsi0:0 → 2000        |
 * | disk / CD on ide<c>:<u>| 3000 + 2·c + u               | ide1:0 → 3002         |
 * | disk / CD on sata<c>:<u>| 16000 + 30·c + u            | sata0:1 → 16001       |
 * | disk on nvme<c>:<u>    | 31000 + 16·c + u             | nvme0:0 → 31000       |
 * | NIC ethernet<n>        | 4000 + n                     | ethernet0 → 4000      |
 * | SCSI controller <c>    | 1000 + c                     |                       |
 * | SATA controller <c>    | 15000 + c                    |                       |
 * | NVMe controller <c>    | 20000 + c                    |                       |
 *
 * What vmgate does not model is reported as vSphere's defaults: no CPU / memory hot
 * add, upgrade policy NEVER, no floppies or serial / parallel ports. Boot delay, retry
 * and the boot order are the VM's (an empty boot_devices list: the default order). Controllers are those the disks use
 * (SCSI ones as LSI Logic, vmgate's default). NIC MAC type: ASSIGNED for VMware's
 * 00:50:56 range (what vmgate hands out), GENERATED for 00:0c:29, else MANUAL.
 * add, upgrade policy NEVER, boot delay 0, the default boot order (an empty boot_devices
 * list). Floppies, serial / parallel ports and controllers: device-info.ts (controllers
 * are those listed and those the disks use, SCSI ones as LSI Logic unless the .vmx says
 * otherwise). NIC MAC type: MANUAL for a given MAC (`addressType = "static"`), else
 * ASSIGNED for VMware's 00:50:56 range (what vmgate hands out), GENERATED for 00:0c:29,
 * else MANUAL.
 */
import { isAbsolute } from 'node:path';
import type { BootDeviceType, Datastore, PowerState, VirtualCdrom, VirtualDisk, VirtualNic, Vm } from '../../../core/model/index.ts';
import type { VapiCall } from '../call.ts';
import type {
  VMInfo,
  VmHardwareBootDeviceEntry,
  VmHardwareBootInfo,
  VmHardwareCdromInfo,
  VmHardwareCpuInfo,
  VmHardwareMemoryInfo,
  VmHardwareConnectionState,
  VmHardwareDiskInfo,
  VmHardwareEthernetEmulationType,
  VmHardwareEthernetInfo,
  VmHardwareInfo,
  VmHardwareVersion,
} from '../../../protocols/vapi/types/index.ts';
import { networkId, STANDARD_NETWORK_NAME } from './derived-ids.ts';
import { vapiPowerState } from './mappings.ts';
import { datastorePathOf, folderOfDatastorePath } from './vm-datastore-paths.ts';
import { vapiGuestOs } from './vm-guest-os.ts';
import { datacenterOfVm } from './vm-placement.ts';
import { portAndAdapterInfos } from './device-info.ts';

const MiB = 1024 * 1024;

type Bus = 'scsi' | 'ide' | 'sata' | 'nvme';
interface Address {
  readonly bus: Bus;
  readonly controller: number;
  readonly unit: number;
}

/** `scsi0:1` → { bus: 'scsi', controller: 0, unit: 1 }; undefined for other names. */
export function deviceAddress(device: string): Address | undefined {
  const m = /^(scsi|ide|sata|nvme)(\d+):(\d+)$/i.exec(device);
  if (!m) return undefined;
  return { bus: m[1]!.toLowerCase() as Bus, controller: Number(m[2]), unit: Number(m[3]) };
}

const DEVICE_BASE: Readonly<Record<Bus, { base: number; perController: number }>> = {
  scsi: { base: 2000, perController: 16 },
  ide: { base: 3000, perController: 2 },
  sata: { base: 16000, perController: 30 },
  nvme: { base: 31000, perController: 16 },
};

/** The vSphere key of a disk or CD-ROM (see the table above); `fallback` for names vmgate does not parse. */
export function deviceKey(device: string, fallback: number): string {
  const a = deviceAddress(device);
  if (!a) return String(fallback);
  const b = DEVICE_BASE[a.bus];
  return String(b.base + b.perController * a.controller + a.unit);
}

/** `ethernet2` → '4002'. */
export function nicKey(device: string, fallback: number): string {
  const m = /^ethernet(\d+)$/i.exec(device);
  return String(m ? 4000 + Number(m[1]) : fallback);
}

/** 19 → 'VMX_19'. */
export function vapiHardwareVersion(version: number): VmHardwareVersion {
  return `VMX_${String(version).padStart(2, '0')}` as VmHardwareVersion;
}

/** 'VMX_19' → 19. */
export function coreHardwareVersion(version: VmHardwareVersion): number {
  return Number(version.slice(4));
}

/** com.vmware.vcenter.vm.hardware.info of a VM: vmgate upgrades only on request. */
export function hardwareInfo(vm: Vm): VmHardwareInfo {
  return { version: vapiHardwareVersion(vm.hardware.version), upgrade_policy: 'NEVER', upgrade_status: 'NONE' };
}

const NIC_TYPES: Readonly<Record<string, VmHardwareEthernetEmulationType>> = {
  e1000: 'E1000',
  e1000e: 'E1000E',
  vmxnet3: 'VMXNET3',
  vmxnet2: 'VMXNET2',
  vmxnet: 'VMXNET',
  vlance: 'PCNET32',
  virtio: 'VIRTIO',
  'virtio-net': 'VIRTIO',
};

/** A NIC model as the API's emulation type (virtio: vmgate's VIRTIO); an unknown model reads as the paravirtual VMXNET3. */
export function vapiNicType(model: string): VmHardwareEthernetEmulationType {
  return NIC_TYPES[model.toLowerCase()] ?? 'VMXNET3';
}

function macType(mac: string): VmHardwareEthernetInfo['mac_type'] {
  const m = mac.toLowerCase();
  if (m.startsWith('00:50:56:')) return 'ASSIGNED';
  if (m.startsWith('00:0c:29:')) return 'GENERATED';
  return 'MANUAL';
}

function isRunning(s: PowerState): boolean {
  return vapiPowerState(s) === 'POWERED_ON';
}

function connectionState(vm: Vm, connected: boolean): VmHardwareConnectionState {
  return isRunning(vm.powerState) && connected ? 'CONNECTED' : 'NOT_CONNECTED';
}

/** The full VM.info. */
export async function vmInfo(call: VapiCall, vm: Vm): Promise<VMInfo> {
  const hw = vm.hardware;
  const vmFolder = folderOfDatastorePath(await call.core.vms.vmxPath(vm));
  const needsDatastores = [...hw.disks.map((d) => d.fileName), ...hw.cdroms.map((c) => c.isoFile ?? '')].some((f) => isAbsolute(f));
  const datastores: readonly Datastore[] = needsDatastores ? await call.core.inventory.listDatastores(call.caller) : [];
  const dc = hw.nics.some((n) => n.network === STANDARD_NETWORK_NAME) ? await datacenterOfVm(call, vm) : undefined;

  const disks: Record<string, VmHardwareDiskInfo> = {};
  hw.disks.forEach((d, i) => (disks[deviceKey(d.device, 2900 + i)] = diskInfo(d, i, vmFolder, datastores)));
  const cdroms: Record<string, VmHardwareCdromInfo> = {};
  hw.cdroms.forEach((c, i) => (cdroms[deviceKey(c.device, 3900 + i)] = cdromInfo(vm, c, i, vmFolder, datastores)));
  const nics: Record<string, VmHardwareEthernetInfo> = {};
  hw.nics.forEach((n, i) => (nics[nicKey(n.device, 4900 + i)] = nicInfo(vm, n, i, dc)));
  const ports = await portAndAdapterInfos(call, vm);

  return {
    guest_OS: vapiGuestOs(hw.guestOs),
    name: vm.name,
    identity: { name: vm.name, bios_uuid: vm.uuid, instance_uuid: vm.uuid },
    power_state: vapiPowerState(vm.powerState),
    hardware: hardwareInfo(vm),
    boot: bootInfo(vm),
    boot_devices: bootDevices(vm),
    cpu: cpuInfo(vm),
    memory: memoryInfo(vm),
    disks,
    nics,
    cdroms,
    floppies: ports.floppies,
    parallel_ports: ports.parallel_ports,
    serial_ports: ports.serial_ports,
    sata_adapters: ports.sata_adapters,
    scsi_adapters: ports.scsi_adapters,
    nvme_adapters: ports.nvme_adapters,
  };
}

/** vm.hardware.cpu.info: no hot add or remove. */
export function cpuInfo(vm: Vm): VmHardwareCpuInfo {
  return { count: vm.hardware.cpuCount, cores_per_socket: vm.hardware.coresPerSocket, hot_add_enabled: false, hot_remove_enabled: false };
}

/** vm.hardware.memory.info: no hot add. */
export function memoryInfo(vm: Vm): VmHardwareMemoryInfo {
  return { size_MiB: vm.hardware.memoryMiB, hot_add_enabled: false };
}

/** vm.hardware.boot.info: firmware, delay and retry (vSphere's defaults when unset); never setup mode. */
export function bootInfo(vm: Vm): VmHardwareBootInfo {
  const b = vm.hardware.boot ?? { delayMs: 0, retry: false, retryDelayMs: 10000 };
  const common = { delay: b.delayMs, retry: b.retry, retry_delay: b.retryDelayMs, enter_setup_mode: false };
  return vm.hardware.firmware === 'efi' ? { type: 'EFI', efi_legacy_boot: false, network_protocol: 'IPV4', ...common } : { type: 'BIOS', ...common };
}

const BOOT_TYPES: Readonly<Record<BootDeviceType, VmHardwareBootDeviceEntry['type']>> = { disk: 'DISK', cdrom: 'CDROM', ethernet: 'ETHERNET', floppy: 'FLOPPY' };

/** The boot order as vm.hardware.boot.device entries (disks and NICs by their keys); empty: the default. */
export function bootDevices(vm: Vm): VmHardwareBootDeviceEntry[] {
  const hw = vm.hardware;
  return (hw.bootOrder ?? []).map((e) => {
    const type = BOOT_TYPES[e.type];
    if (e.type === 'disk' && e.devices.length > 0) return { type, disks: e.devices.map((d) => deviceKey(d, 2900 + hw.disks.findIndex((x) => x.device === d))) };
    if (e.type === 'ethernet' && e.devices.length > 0) return { type, nic: nicKey(e.devices[0]!, 4900) };
    return { type };
  });
}

export function diskInfo(d: VirtualDisk, i: number, vmFolder: string, datastores: readonly Datastore[]): VmHardwareDiskInfo {
  const a = deviceAddress(d.device);
  const bus = a?.bus ?? 'scsi';
  const address = a ? { bus: a.controller, unit: a.unit } : { bus: 0, unit: i };
  return {
    label: `Hard disk ${i + 1}`,
    type: bus === 'scsi' ? 'SCSI' : bus === 'ide' ? 'IDE' : bus === 'sata' ? 'SATA' : 'NVME',
    ...(bus === 'scsi' ? { scsi: address } : {}),
    ...(bus === 'sata' ? { sata: address } : {}),
    ...(bus === 'nvme' ? { nvme: address } : {}),
    ...(bus === 'ide' ? { ide: { primary: address.bus === 0, master: address.unit === 0 } } : {}),
    backing: d.fileName ? { type: 'VMDK_FILE', vmdk_file: datastorePathOf(d.fileName, vmFolder, datastores) } : { type: 'VMDK_FILE' },
    ...(d.capacityMiB > 0 ? { capacity: d.capacityMiB * MiB } : {}),
  };
}

export function cdromInfo(vm: Vm, c: VirtualCdrom, i: number, vmFolder: string, datastores: readonly Datastore[]): VmHardwareCdromInfo {
  const a = deviceAddress(c.device);
  const sata = a?.bus === 'sata';
  return {
    type: sata ? 'SATA' : 'IDE',
    label: `CD/DVD drive ${i + 1}`,
    ...(sata ? { sata: { bus: a.controller, unit: a.unit } } : { ide: { primary: (a?.controller ?? 1) === 0, master: (a?.unit ?? 0) === 0 } }),
    backing: c.isoFile !== null ? { type: 'ISO_FILE', iso_file: datastorePathOf(c.isoFile, vmFolder, datastores) } : { type: 'HOST_DEVICE', auto_detect: true, device_access_type: 'EMULATION' },
    state: connectionState(vm, c.connected),
    start_connected: c.connected,
    allow_guest_control: false,
  };
}

export function nicInfo(vm: Vm, n: VirtualNic, i: number, datacenterId: string | undefined): VmHardwareEthernetInfo {
  const standard = n.network === STANDARD_NETWORK_NAME && datacenterId !== undefined;
  const m = /^ethernet(\d+)$/i.exec(n.device);
  return {
    label: `Network adapter ${(m ? Number(m[1]) : i) + 1}`,
    type: vapiNicType(n.model),
    // vSphere's union: a VMXNET3 adapter always reports UPT compatibility.
    ...(vapiNicType(n.model) === 'VMXNET3' ? { upt_compatibility_enabled: false } : {}),
    mac_type: n.staticMac === true ? 'MANUAL' : macType(n.macAddress),
    ...(n.macAddress ? { mac_address: n.macAddress } : {}),
    wake_on_lan_enabled: false,
    backing: { type: 'STANDARD_PORTGROUP', ...(standard ? { network: networkId(datacenterId) } : {}), network_name: n.network },
    state: connectionState(vm, n.connected),
    start_connected: n.connected,
    allow_guest_control: false,
  };
}

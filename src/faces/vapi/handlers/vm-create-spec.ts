/**
 * com.vmware.vcenter.VM.create_spec → core VmCreateSpec.
 *
 * vmgate honours: name, guest_OS, placement, hardware_version, boot.type, cpu count and
 * cores per socket, memory size, new disks (on SCSI, capacity and base name), NICs (type
 * E1000 / E1000E / VMXNET3 / VIRTIO, MAC, the datacenter's standard network, start_connected) and
 * CD-ROMs (on IDE, an ISO file or an empty drive). A field it cannot honour answers
 * `unsupported` naming the field instead of being dropped; a field set to the value
 * vSphere would use anyway (hot_add_enabled false, an empty list) is accepted.
 *
 * Defaults are vSphere's: without `nics` the VM has no NIC; NICs and CD-ROMs are not
 * connected at power on unless start_connected says so; without `disks` it gets one
 * blank disk (core's default size, 1 GiB); a new disk without a capacity gets that size
 * too; an unnamed VM is called 'New Virtual Machine'.
 */
import { invalidArgument, notFound, unsupported } from '../../../core/errors.ts';
import type { VmCreateSpec } from '../../../core/index.ts';
import type { VapiCall } from '../call.ts';
import type {
  VMCreateSpec,
  VmHardwareBootCreateSpec,
  VmHardwareCdromCreateSpec,
  VmHardwareDiskCreateSpec,
  VmHardwareEthernetCreateSpec,
  VmHardwareEthernetEmulationType,
} from '../../../protocols/vapi/types/index.ts';
import { parseNetworkId, STANDARD_NETWORK_NAME } from './derived-ids.ts';
import { fileInDatastore } from './vm-datastore-paths.ts';
import { vmxGuestOs } from './vm-guest-os.ts';
import { coreHardwareVersion } from './vm-info.ts';
import { resolvePlacement } from './vm-placement.ts';

const MiB = 1024 * 1024;
/** Name of a VM created without one (vCenter's default). */
export const DEFAULT_VM_NAME = 'New Virtual Machine';
/** Capacity of a new disk whose spec gives none (core's default disk). */
const DEFAULT_DISK_MiB = 1024;

/** `unsupported` naming the field and why. */
export function notHonoured(field: string, why: string): Error {
  return unsupported(`${field} is not supported by vmgate: ${why}`, { module: 'face.vapi' });
}

/** vSphere's emulation types → core's NIC models (those vmgate emulates). */
export const NIC_MODELS: Readonly<Partial<Record<VmHardwareEthernetEmulationType, string>>> = { E1000: 'e1000', E1000E: 'e1000e', VMXNET3: 'vmxnet3', VIRTIO: 'virtio' };

export async function coreCreateSpec(call: VapiCall, spec: VMCreateSpec): Promise<VmCreateSpec> {
  const f = 'spec';
  if (spec.storage_policy) throw notHonoured(`${f}.storage_policy`, 'vmgate has no storage policies');
  if (spec.boot_devices?.length) throw notHonoured(`${f}.boot_devices`, 'set the boot order after create (vm.hardware.boot.device set); a new VM boots from its disks, then its CD-ROM');
  for (const k of ['floppies', 'parallel_ports', 'serial_ports', 'sata_adapters', 'nvme_adapters'] as const) {
    if (spec[k]?.length) throw notHonoured(`${f}.${k}`, 'vmgate VMs have no such devices');
  }
  spec.scsi_adapters?.forEach((a, i) => {
    if ((a.type !== undefined && a.type !== 'LSILOGIC') || a.pci_slot_number !== undefined || (a.sharing !== undefined && a.sharing !== 'NONE') || (a.bus !== undefined && a.bus > 1)) {
      throw notHonoured(`${f}.scsi_adapters[${i}]`, 'vmgate adds the LSI Logic controllers its disks need (bus 0 and 1, no sharing) by itself');
    }
  });
  if (spec.cpu?.hot_add_enabled) throw notHonoured(`${f}.cpu.hot_add_enabled`, 'vmgate VMs have no CPU hot add');
  if (spec.cpu?.hot_remove_enabled) throw notHonoured(`${f}.cpu.hot_remove_enabled`, 'vmgate VMs have no CPU hot remove');
  if (spec.memory?.hot_add_enabled) throw notHonoured(`${f}.memory.hot_add_enabled`, 'vmgate VMs have no memory hot add');

  const out: { -readonly [K in keyof VmCreateSpec]: VmCreateSpec[K] } = {
    name: spec.name ?? DEFAULT_VM_NAME,
    guestOs: vmxGuestOs(spec.guest_OS),
  };
  if (spec.hardware_version !== undefined) out.hardwareVersion = coreHardwareVersion(spec.hardware_version);
  if (spec.boot) out.firmware = firmwareOf(spec.boot);
  if (spec.cpu?.count !== undefined) out.cpuCount = spec.cpu.count;
  if (spec.cpu?.cores_per_socket !== undefined) out.coresPerSocket = spec.cpu.cores_per_socket;
  if (spec.memory?.size_MiB !== undefined) out.memoryMiB = spec.memory.size_MiB;
  if (spec.disks !== undefined) out.disks = spec.disks.map((d, i) => diskOf(d, `${f}.disks[${i}]`));
  out.nics = await Promise.all((spec.nics ?? []).map((n, i) => nicOf(call, n, `${f}.nics[${i}]`)));
  if (spec.cdroms !== undefined) out.cdroms = await Promise.all(spec.cdroms.map((c, i) => cdromOf(call, c, `${f}.cdroms[${i}]`)));
  const placement = await resolvePlacement(call, spec.placement, 'library', `${f}.placement`);
  if (placement) out.placement = placement;
  return out;
}

function firmwareOf(b: VmHardwareBootCreateSpec): 'bios' | 'efi' {
  const f = 'spec.boot';
  if (b.efi_legacy_boot) throw notHonoured(`${f}.efi_legacy_boot`, 'vmgate boots EFI guests in EFI mode only');
  if (b.network_protocol !== undefined) throw notHonoured(`${f}.network_protocol`, 'vmgate has no network boot settings');
  if (b.delay) throw notHonoured(`${f}.delay`, 'vmgate has no boot delay');
  if (b.retry) throw notHonoured(`${f}.retry`, 'vmgate has no boot retry');
  if (b.retry_delay !== undefined) throw notHonoured(`${f}.retry_delay`, 'vmgate has no boot retry');
  if (b.enter_setup_mode) throw notHonoured(`${f}.enter_setup_mode`, 'vmgate cannot enter firmware setup');
  return b.type === 'EFI' ? 'efi' : 'bios';
}

function diskOf(d: VmHardwareDiskCreateSpec, f: string): { capacityMiB: number; fileName?: string; importFrom?: string } {
  if (d.type !== undefined && d.type !== 'SCSI') throw notHonoured(`${f}.type`, 'vmgate puts new disks on SCSI');
  for (const k of ['ide', 'scsi', 'sata', 'nvme'] as const) if (d[k] !== undefined) throw notHonoured(`${f}.${k}`, 'vmgate chooses disk addresses itself');
  if (d.backing !== undefined) {
    // vmgate copies the image into the new VM's folder (QEMU: converted to qcow2) rather
    // than sharing the file, so deleting the VM never deletes the file it was made from.
    if (d.new_vmdk !== undefined) throw notHonoured(`${f}.backing`, 'give either backing (an image to import) or new_vmdk, not both');
    if (d.backing.type !== 'VMDK_FILE' || d.backing.vmdk_file === undefined) throw invalidArgument(`${f}.backing: type VMDK_FILE with vmdk_file "[datastore] path" names the image to import`, { module: 'face.vapi' });
    return { capacityMiB: 1, importFrom: d.backing.vmdk_file };
  }
  const v = d.new_vmdk;
  if (v?.storage_policy) throw notHonoured(`${f}.new_vmdk.storage_policy`, 'vmgate has no storage policies');
  const capacity = v?.capacity;
  if (capacity !== undefined && capacity <= 0) throw invalidArgument(`${f}.new_vmdk.capacity must be more than 0 bytes, not ${capacity}`, { module: 'face.vapi' });
  const out: { capacityMiB: number; fileName?: string } = { capacityMiB: capacity === undefined ? DEFAULT_DISK_MiB : Math.ceil(capacity / MiB) };
  if (v?.name !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/.test(v.name) || v.name.includes('..')) {
      throw invalidArgument(`${f}.new_vmdk.name '${v.name}' is not a valid disk name (letters, digits, space, '.', '_', '-'; no folders)`, { module: 'face.vapi' });
    }
    out.fileName = `${v.name}.vmdk`;
  }
  return out;
}

async function nicOf(call: VapiCall, n: VmHardwareEthernetCreateSpec, f: string): Promise<{ network?: string; model?: string; macAddress?: string; connected?: boolean }> {
  if (n.upt_compatibility_enabled) throw notHonoured(`${f}.upt_compatibility_enabled`, 'vmgate has no UPT');
  if (n.pci_slot_number !== undefined) throw notHonoured(`${f}.pci_slot_number`, 'vmgate chooses PCI slots itself');
  if (n.wake_on_lan_enabled) throw notHonoured(`${f}.wake_on_lan_enabled`, 'vmgate has no wake-on-LAN');
  if (n.allow_guest_control) throw notHonoured(`${f}.allow_guest_control`, 'guests cannot connect or disconnect vmgate NICs');
  const out: { network?: string; model?: string; macAddress?: string; connected?: boolean } = { connected: n.start_connected ?? false };
  if (n.type !== undefined) {
    const model = NIC_MODELS[n.type];
    if (!model) throw notHonoured(`${f}.type ${n.type}`, 'vmgate emulates E1000, E1000E, VMXNET3 and VIRTIO');
    out.model = model;
  }
  if (n.mac_type === 'MANUAL' && n.mac_address === undefined) throw invalidArgument(`${f}.mac_address is required when mac_type is MANUAL`, { module: 'face.vapi' });
  if (n.mac_address !== undefined) {
    if (n.mac_type !== undefined && n.mac_type !== 'MANUAL') throw invalidArgument(`${f}.mac_address may only be set when mac_type is MANUAL`, { module: 'face.vapi' });
    out.macAddress = n.mac_address.toLowerCase();
  }
  if (n.backing) {
    if (n.backing.type !== 'STANDARD_PORTGROUP') throw notHonoured(`${f}.backing.type ${n.backing.type}`, "vmgate NICs attach to the datacenter's standard network ('VM Network')");
    if (n.backing.distributed_port !== undefined) throw notHonoured(`${f}.backing.distributed_port`, 'vmgate has no distributed switches');
    if (n.backing.network !== undefined) {
      const dc = parseNetworkId(n.backing.network);
      const known = dc !== undefined && (await call.core.inventory.getDatacenter(call.caller, dc).then(() => true, () => false));
      if (!known) throw notFound(`${f}.backing.network: network '${n.backing.network}' was not found`, { module: 'face.vapi' });
    }
  }
  out.network = STANDARD_NETWORK_NAME;
  return out;
}

async function cdromOf(call: VapiCall, c: VmHardwareCdromCreateSpec, f: string): Promise<{ isoFile: string | null; connected: boolean }> {
  if (c.type !== undefined && c.type !== 'IDE') throw notHonoured(`${f}.type`, 'vmgate puts CD-ROMs on IDE');
  if (c.ide !== undefined || c.sata !== undefined) throw notHonoured(`${f}.${c.ide !== undefined ? 'ide' : 'sata'}`, 'vmgate chooses CD-ROM addresses itself');
  if (c.allow_guest_control) throw notHonoured(`${f}.allow_guest_control`, 'guests cannot connect or disconnect vmgate CD-ROMs');
  const connected = c.start_connected ?? false;
  const b = c.backing;
  if (!b) return { isoFile: null, connected };
  if (b.device_access_type !== undefined && b.device_access_type !== 'EMULATION') throw notHonoured(`${f}.backing.device_access_type`, 'vmgate CD-ROMs are emulated');
  switch (b.type) {
    case 'ISO_FILE': {
      if (b.iso_file === undefined) throw invalidArgument(`${f}.backing.iso_file is required for an ISO_FILE backing`, { module: 'face.vapi' });
      return { isoFile: await fileInDatastore(call, b.iso_file, `${f}.backing.iso_file`), connected };
    }
    case 'HOST_DEVICE':
      if (b.host_device !== undefined) throw notHonoured(`${f}.backing.host_device`, "vmgate gives CD-ROMs no host drive; leave it unset for an empty, auto-detect drive");
      return { isoFile: null, connected };
    default:
      throw notHonoured(`${f}.backing.type ${b.type}`, 'vmgate CD-ROMs use an ISO file or are empty');
  }
}

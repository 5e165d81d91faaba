/**
 * A VM's floppy drives, serial and parallel ports and storage controllers as vSphere
 * infos (VM.get and the vm.hardware.* services share them), and device keys ↔ core's
 * device names:
 *
 * | device          | key          | e.g.                  |
 * |-----------------|--------------|-----------------------|
 * | NIC ethernet<n> | 4000 + n     | ethernet1 → 4001      |
 * | floppy<n>       | 8000 + n     | floppy0 → 8000        |
 * | serial<n>       | 9000 + n     | serial1 → 9001        |
 * | parallel<n>     | 10000 + n    | parallel0 → 10000     |
 * | scsi<c>         | 1000 + c     | scsi1 → 1001          |
 * | sata<c>         | 15000 + c    | sata0 → 15000         |
 * | nvme<c>         | 20000 + c    | nvme0 → 20000         |
 *
 * Files (floppy images, port output) are shown as datastore paths; a TCP server port as
 * `tcp://127.0.0.1:<port>`. What vmgate does not run (a serial port on a pipe or a host
 * device in a registered .vmx) is shown as the file has it.
 */
import { isAbsolute } from 'node:path';
import { controllersOf, notFound } from '../../../core/index.ts';
import type { Datastore, SerialBacking, VirtualController, VirtualFloppy, VirtualParallel, VirtualSerial, Vm } from '../../../core/index.ts';
import type { VapiCall } from '../call.ts';
import type {
  VmHardwareAdapterNvmeInfo,
  VmHardwareAdapterSataInfo,
  VmHardwareAdapterScsiInfo,
  VmHardwareAdapterScsiType,
  VmHardwareConnectionState,
  VmHardwareFloppyInfo,
  VmHardwareParallelInfo,
  VmHardwareSerialBackingInfo,
  VmHardwareSerialInfo,
} from '../../../protocols/vapi/types/index.ts';
import { vapiPowerState } from './mappings.ts';
import { datastorePathOf, folderOfDatastorePath } from './vm-datastore-paths.ts';

export type DeviceKind = 'nic' | 'floppy' | 'serial' | 'parallel' | 'scsi' | 'sata' | 'nvme';

const KEYS: Readonly<Record<DeviceKind, { readonly prefix: string; readonly base: number; readonly max: number; readonly what: string }>> = {
  nic: { prefix: 'ethernet', base: 4000, max: 10, what: 'network adapter' },
  floppy: { prefix: 'floppy', base: 8000, max: 10, what: 'floppy drive' },
  serial: { prefix: 'serial', base: 9000, max: 10, what: 'serial port' },
  parallel: { prefix: 'parallel', base: 10000, max: 10, what: 'parallel port' },
  scsi: { prefix: 'scsi', base: 1000, max: 10, what: 'SCSI adapter' },
  sata: { prefix: 'sata', base: 15000, max: 10, what: 'SATA adapter' },
  nvme: { prefix: 'nvme', base: 20000, max: 10, what: 'NVMe adapter' },
};

/** 'serial1' → '9001'. */
export function keyOf(kind: DeviceKind, device: string): string {
  const k = KEYS[kind];
  return String(k.base + Number(device.slice(k.prefix.length)));
}

/** '9001' → 'serial1'; not_found (naming the VM) for a key that names no such device of it. */
export function deviceOfKey(vm: Vm, kind: DeviceKind, key: string, devices: readonly { device: string }[]): string {
  const k = KEYS[kind];
  const n = /^\d{1,6}$/.test(key) ? Number(key) - k.base : -1;
  const device = `${k.prefix}${n}`;
  if (n < 0 || n >= k.max || !devices.some((d) => d.device.toLowerCase() === device)) {
    throw notFound(`${vm.id} (${vm.name}) has no ${k.what} '${key}'`, { module: 'face.vapi' });
  }
  return device;
}

function connectionState(vm: Vm, connected: boolean): VmHardwareConnectionState {
  return vapiPowerState(vm.powerState) === 'POWERED_ON' && connected ? 'CONNECTED' : 'NOT_CONNECTED';
}

/** How files of a VM are shown: the VM's folder and, when some file is absolute, the datastores. */
export interface FileView {
  readonly vmFolder: string;
  readonly datastores: readonly Datastore[];
}

export async function fileViewOf(call: VapiCall, vm: Vm, files: readonly (string | null)[]): Promise<FileView> {
  const vmFolder = folderOfDatastorePath(await call.core.vms.vmxPath(vm));
  const datastores = files.some((f) => f !== null && isAbsolute(f)) ? await call.core.inventory.listDatastores(call.caller) : [];
  return { vmFolder, datastores };
}

/** Every file the VM's floppies and ports name (for {@link fileViewOf}). */
export function portFiles(vm: Vm): (string | null)[] {
  const hw = vm.hardware;
  return [...(hw.floppies ?? []).map((f) => f.imageFile), ...(hw.serials ?? []).map((s) => (s.backing.kind === 'file' ? s.backing.file : null)), ...(hw.parallels ?? []).map((p) => p.file)];
}

export function floppyInfo(vm: Vm, f: VirtualFloppy, view: FileView): VmHardwareFloppyInfo {
  return {
    label: `Floppy drive ${Number(f.device.slice(6)) + 1}`,
    backing: f.imageFile !== null ? { type: 'IMAGE_FILE', image_file: datastorePathOf(f.imageFile, view.vmFolder, view.datastores) } : { type: 'HOST_DEVICE', auto_detect: true },
    state: connectionState(vm, f.connected),
    start_connected: f.connected,
    allow_guest_control: false,
  };
}

function serialBacking(b: SerialBacking, view: FileView): VmHardwareSerialBackingInfo {
  switch (b.kind) {
    case 'file':
      return { type: 'FILE', file: datastorePathOf(b.file, view.vmFolder, view.datastores) };
    case 'tcpServer':
      return { type: 'NETWORK_SERVER', network_location: `tcp://127.0.0.1:${b.port}` };
    default:
      if (b.fileType === 'pipe') return { type: 'PIPE_SERVER', pipe: b.fileName };
      if (b.fileType === 'network') return { type: 'NETWORK_CLIENT', network_location: b.fileName };
      return b.fileName === '' ? { type: 'HOST_DEVICE', auto_detect: true } : { type: 'HOST_DEVICE', host_device: b.fileName, auto_detect: false };
  }
}

export function serialInfo(vm: Vm, s: VirtualSerial, view: FileView): VmHardwareSerialInfo {
  return {
    label: `Serial port ${Number(s.device.slice(6)) + 1}`,
    yield_on_poll: s.yieldOnPoll,
    backing: serialBacking(s.backing, view),
    state: connectionState(vm, s.connected),
    start_connected: s.connected,
    allow_guest_control: false,
  };
}

export function parallelInfo(vm: Vm, p: VirtualParallel, view: FileView): VmHardwareParallelInfo {
  return {
    label: `Parallel port ${Number(p.device.slice(8)) + 1}`,
    backing: p.file !== null ? { type: 'FILE', file: datastorePathOf(p.file, view.vmFolder, view.datastores) } : { type: 'HOST_DEVICE', auto_detect: true },
    state: connectionState(vm, p.connected),
    start_connected: p.connected,
    allow_guest_control: false,
  };
}

const SCSI_TYPES: Readonly<Record<string, VmHardwareAdapterScsiType>> = { lsilogic: 'LSILOGIC', lsisas1068: 'LSILOGICSAS', pvscsi: 'PVSCSI', buslogic: 'BUSLOGIC' };

/** vSphere's SCSI adapter types → core's models. */
export const SCSI_MODELS_OF: Readonly<Record<VmHardwareAdapterScsiType, string>> = { LSILOGIC: 'lsilogic', LSILOGICSAS: 'lsisas1068', PVSCSI: 'pvscsi', BUSLOGIC: 'buslogic' };

export function scsiAdapterInfo(c: VirtualController): VmHardwareAdapterScsiInfo {
  const bus = Number(c.device.slice(4));
  return { label: `SCSI controller ${bus}`, type: Object.hasOwn(SCSI_TYPES, c.model) ? SCSI_TYPES[c.model]! : 'LSILOGIC', scsi: { bus, unit: 7 }, sharing: 'NONE' };
}

export function sataAdapterInfo(c: VirtualController): VmHardwareAdapterSataInfo {
  const bus = Number(c.device.slice(4));
  return { label: `SATA controller ${bus}`, type: 'AHCI', bus };
}

export function nvmeAdapterInfo(c: VirtualController): VmHardwareAdapterNvmeInfo {
  const bus = Number(c.device.slice(4));
  return { label: `NVME controller ${bus}`, bus };
}

/** The VM's controllers of one bus (listed and implied by its disks), in bus order. */
export function adaptersOf(vm: Vm, bus: 'scsi' | 'sata' | 'nvme'): VirtualController[] {
  return controllersOf(vm.hardware).filter((c) => c.device.startsWith(bus));
}

/** VM.info's floppies, ports and adapters, by key. */
export async function portAndAdapterInfos(call: VapiCall, vm: Vm): Promise<{
  floppies: Record<string, VmHardwareFloppyInfo>;
  serial_ports: Record<string, VmHardwareSerialInfo>;
  parallel_ports: Record<string, VmHardwareParallelInfo>;
  scsi_adapters: Record<string, VmHardwareAdapterScsiInfo>;
  sata_adapters: Record<string, VmHardwareAdapterSataInfo>;
  nvme_adapters: Record<string, VmHardwareAdapterNvmeInfo>;
}> {
  const hw = vm.hardware;
  const files = portFiles(vm);
  const view = files.length > 0 ? await fileViewOf(call, vm, files) : { vmFolder: '', datastores: [] };
  const byKey = <D extends { device: string }, I>(kind: DeviceKind, list: readonly D[], info: (d: D) => I): Record<string, I> => Object.fromEntries(list.map((d) => [keyOf(kind, d.device), info(d)]));
  return {
    floppies: byKey('floppy', hw.floppies ?? [], (f) => floppyInfo(vm, f, view)),
    serial_ports: byKey('serial', hw.serials ?? [], (s) => serialInfo(vm, s, view)),
    parallel_ports: byKey('parallel', hw.parallels ?? [], (p) => parallelInfo(vm, p, view)),
    scsi_adapters: byKey('scsi', adaptersOf(vm, 'scsi'), scsiAdapterInfo),
    sata_adapters: byKey('sata', adaptersOf(vm, 'sata'), sataAdapterInfo),
    nvme_adapters: byKey('nvme', adaptersOf(vm, 'nvme'), nvmeAdapterInfo),
  };
}

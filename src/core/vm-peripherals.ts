/**
 * What the device service (vm-devices.ts) takes and checks for NICs, floppy drives, serial
 * and parallel ports and storage controllers (vSphere's vm.hardware.Ethernet, Floppy,
 * Serial, Parallel, adapter.*): the specs, the models vmgate emulates, and the pure rules
 * (MAC syntax, network names, port backings, free slots, the controllers a VM has).
 *
 * MAC addresses are unique in the inventory: a given one is checked, a missing one is
 * generated (00:50:56 range); the service does both in one inventory-wide section.
 */
import { alreadyExists, invalidArgument, notFound, unsupported } from './errors.ts';
import type { ControllerBus, SerialBacking, VirtualController, Vm, VmHardware } from './model/index.ts';
import { CONTROLLER_BUSES } from './model/index.ts';

const MODULE = 'core.vm';

/** NIC models vmgate's drivers emulate (the .vmx virtualDev). */
export const NIC_MODELS = ['e1000', 'e1000e', 'vmxnet3', 'virtio'] as const;
/** SCSI controller models (`scsiN.virtualDev`). */
export const SCSI_MODELS = ['lsilogic', 'lsisas1068', 'pvscsi', 'buslogic'] as const;

export interface NicSpec {
  /** Network name: 'VM Network' (nat), 'isolated', 'bridge:<linux bridge>'. Default 'VM Network'. */
  readonly network?: string;
  readonly model?: string;
  /** Given MAC (kept as static); generated when absent. */
  readonly macAddress?: string;
  readonly connected?: boolean;
}

export interface NicPatch {
  readonly network?: string;
  /** A given MAC; null: a generated one (a new one unless the NIC's is generated already). */
  readonly macAddress?: string | null;
  readonly connected?: boolean;
}

export interface FloppySpec {
  readonly imageFile?: string | null;
  readonly connected?: boolean;
}

export interface SerialSpec {
  readonly backing?: Exclude<SerialBacking, { kind: 'other' }>;
  readonly connected?: boolean;
  readonly yieldOnPoll?: boolean;
}

export interface ParallelSpec {
  readonly file?: string;
  readonly connected?: boolean;
}

export interface ControllerSpec {
  readonly bus: ControllerBus;
  /** Bus number 0–3; the lowest free one when absent. */
  readonly index?: number;
  /** SCSI: one of SCSI_MODELS (default lsilogic). */
  readonly model?: string;
}

/** The controllers of a VM: those listed and those its disks and CD-ROMs imply (LSI Logic for SCSI). */
export function controllersOf(hw: VmHardware): VirtualController[] {
  const listed = new Map((hw.controllers ?? []).map((c) => [c.device.toLowerCase(), c]));
  for (const d of [...hw.disks, ...hw.cdroms]) {
    const m = /^(scsi|sata|nvme)(\d+):\d+$/i.exec(d.device);
    if (!m) continue;
    const device = `${m[1]!.toLowerCase()}${m[2]}`;
    if (!listed.has(device)) listed.set(device, { device, model: m[1]!.toLowerCase() === 'scsi' ? 'lsilogic' : m[1]!.toLowerCase() === 'sata' ? 'ahci' : 'nvme' });
  }
  const order = (c: VirtualController): number => CONTROLLER_BUSES.indexOf(c.device.replace(/\d+$/, '') as ControllerBus) * 100 + Number(c.device.replace(/^\D+/, ''));
  return [...listed.values()].sort((a, b) => order(a) - order(b));
}

/** A device of `list` by its key ('ethernet0', any case); not_found names the VM and `what`. */
export function findDevice<T extends { device: string }>(vm: Vm, list: readonly T[], device: string, what: string): T {
  const x = list.find((d) => d.device.toLowerCase() === device.toLowerCase());
  if (!x) throw notFound(`${vm.id} (${vm.name}) has no ${what} '${device}'`, { module: MODULE });
  return x;
}

export function freeIndex(devices: readonly string[], prefix: string, max: number): number {
  const used = new Set(devices.map((d) => d.toLowerCase()));
  for (let i = 0; i < max; i++) if (!used.has(`${prefix}${i}`)) return i;
  throw invalidArgument(`no free ${prefix} slot (at most ${max})`, { module: MODULE });
}

export function checkNicModel(model: string): string {
  const m = model.toLowerCase();
  if (!(NIC_MODELS as readonly string[]).includes(m)) throw unsupported(`NIC model '${model}' is not emulated; vmgate has ${NIC_MODELS.join(', ')}`, { module: MODULE });
  return m;
}

export function checkScsiModel(model: string): string {
  const m = model.toLowerCase();
  if (!(SCSI_MODELS as readonly string[]).includes(m)) throw unsupported(`SCSI controller model '${model}' is not one of ${SCSI_MODELS.join(', ')}`, { module: MODULE });
  return m;
}

/** A network name: text without quotes or control characters, at most 80 characters. */
export function checkNetwork(network: string): string {
  if (typeof network !== 'string' || network.trim() === '' || network.length > 80 || network.includes('"') || [...network].some((c) => c.charCodeAt(0) < 0x20)) {
    throw invalidArgument(`network ${JSON.stringify(network)} is not a network name ('VM Network', 'isolated' or 'bridge:<linux bridge>')`, { module: MODULE });
  }
  const m = /^bridge:(.*)$/i.exec(network.trim());
  if (m && !/^[A-Za-z0-9_.-]{1,15}$/.test(m[1]!)) throw invalidArgument(`'${m[1]}' is not a Linux bridge name (1–15 letters, digits, '.', '_', '-')`, { module: MODULE });
  return network.trim();
}

/** A given MAC: six hex pairs, unicast, not all zeros, not used by any NIC in `taken`. */
export function checkMac(mac: string, taken: ReadonlySet<string>): string {
  const m = typeof mac === 'string' ? mac.trim().toLowerCase().replace(/-/g, ':') : '';
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m)) throw invalidArgument(`MAC address ${JSON.stringify(mac)} is not like "00:50:56:12:34:56"`, { module: MODULE });
  if ((parseInt(m.slice(0, 2), 16) & 1) === 1) throw invalidArgument(`MAC address ${m} is a multicast address; a NIC needs a unicast one (even first byte)`, { module: MODULE });
  if (m === '00:00:00:00:00:00') throw invalidArgument('MAC address 00:00:00:00:00:00 is not a valid NIC address', { module: MODULE });
  if (taken.has(m)) throw alreadyExists(`MAC address ${m} is already used by another network adapter`, { module: MODULE });
  return m;
}

export function checkFile<T extends string | null>(file: T, what: string): T {
  if (file !== null && (typeof file !== 'string' || file === '' || /["\0]/.test(file) || file.length > 1024)) {
    throw invalidArgument(`${what} ${JSON.stringify(file)} is not a valid file name`, { module: MODULE });
  }
  return file;
}

export function checkSerialBacking(b: Exclude<SerialBacking, { kind: 'other' }>): Exclude<SerialBacking, { kind: 'other' }> {
  if (b.kind === 'file') return { kind: 'file', file: checkFile(b.file, 'serial port file') };
  if (b.kind === 'tcpServer') {
    if (!Number.isInteger(b.port) || b.port < 1024 || b.port > 65535) throw invalidArgument(`TCP port ${b.port} is out of range (1024–65535)`, { module: MODULE });
    return { kind: 'tcpServer', port: b.port };
  }
  throw invalidArgument('a serial port backing is a file or a TCP port', { module: MODULE });
}

export function describeSerial(b: SerialBacking): string {
  return b.kind === 'file' ? b.file : b.kind === 'tcpServer' ? `tcp://127.0.0.1:${b.port}` : b.fileType;
}

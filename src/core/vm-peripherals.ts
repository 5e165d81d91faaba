/**
 * A VM's devices one at a time: NICs, floppy drives, serial and parallel ports, storage
 * controllers (vSphere's vm.hardware.Ethernet, Floppy, Serial, Parallel, adapter.*).
 *
 * Every change checks VirtualMachine.Config, holds the VM's lock, asks the VM's driver
 * whether it can run the result (`checkHardware`), rewrites the .vmx and records a
 * `vm.reconfigured` event. Adding, changing and removing devices needs the VM powered
 * off; connect / disconnect needs it on and goes through the driver (QEMU: `set_link` for
 * NICs). vmgate keeps one connected flag per device, as VMware Workstation does: it is
 * the device's start_connected and, while the VM runs, its connection state.
 *
 * Files of floppies and ports must be on vmgate's datastores (as register insists).
 * MAC addresses are unique in the inventory: a given one is checked, a missing one is
 * generated (00:50:56 range), both while holding one inventory-wide section so that two
 * requests cannot take the same address.
 */
import type { Caller } from './caller.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState, notFound, unsupported } from './errors.ts';
import type { VmgateError } from './errors.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import type { ControllerBus, SerialBacking, VirtualController, VirtualFloppy, VirtualNic, VirtualParallel, VirtualSerial, Vm, VmHardware } from './model/index.ts';
import { CONTROLLER_BUSES, DEVICE_LIMITS } from './model/index.ts';
import { describePowerState } from './power.ts';
import type { VmDeps } from './vm-deps.ts';
import { freshMac, macsOf, rewriteVmx } from './vm-hardware.ts';
import { resolveVm } from './vm-refs.ts';
import { parseVmx } from './vmx/index.ts';
import { checkVmxFileKeys } from './vmx/vmx-file-keys.ts';

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

/** What a change makes of the hardware, the device it concerns and the event text. */
interface Change {
  readonly hardware: VmHardware;
  readonly device: string;
  readonly message: string;
}

export class VmPeripheralService {
  /** One section for every MAC check-and-take in the inventory. */
  private readonly macs = new KeyedSerializer();

  constructor(private readonly d: VmDeps) {}

  // --- NICs -------------------------------------------------------------------------

  /** Adds a NIC (VM powered off). Returns the VM and the new device ('ethernet1'). */
  addNic(caller: Caller, ref: string, spec: NicSpec): Promise<{ vm: Vm; device: string }> {
    return this.macs.run('mac', () =>
      this.change(caller, ref, 'add a network adapter to', async (vm) => {
        const hw = vm.hardware;
        if (hw.nics.length >= 10) throw invalidArgument(`${vm.id} (${vm.name}) already has 10 network adapters, the most a VM can have`, { module: MODULE });
        const device = `ethernet${freeIndex(hw.nics.map((n) => n.device), 'ethernet', 10)}`;
        const model = checkNicModel(spec.model ?? 'vmxnet3');
        const network = checkNetwork(spec.network ?? 'VM Network');
        const taken = await this.takenMacs(null);
        const nic: VirtualNic =
          spec.macAddress !== undefined
            ? { device, macAddress: checkMac(spec.macAddress, taken), network, connected: spec.connected ?? true, model, staticMac: true }
            : { device, macAddress: freshMac(taken), network, connected: spec.connected ?? true, model };
        return { hardware: { ...hw, nics: [...hw.nics, nic] }, device, message: `network adapter ${device} added (${model}, ${network}, ${nic.macAddress})` };
      }),
    );
  }

  updateNic(caller: Caller, ref: string, device: string, patch: NicPatch): Promise<Vm> {
    return this.macs.run('mac', async () => {
      const r = await this.change(caller, ref, 'change a network adapter of', async (vm) => {
        const nic = find(vm, vm.hardware.nics, device, 'network adapter');
        let next: VirtualNic = { ...nic };
        if (patch.network !== undefined) next = { ...next, network: checkNetwork(patch.network) };
        if (patch.connected !== undefined) next = { ...next, connected: patch.connected };
        if (patch.macAddress !== undefined) {
          const taken = await this.takenMacs({ vmId: vm.id, device: nic.device });
          if (patch.macAddress !== null) next = { ...next, macAddress: checkMac(patch.macAddress, taken), staticMac: true };
          else if (nic.staticMac === true || nic.macAddress === '') next = { ...next, macAddress: freshMac(taken), staticMac: false };
        }
        return { hardware: { ...vm.hardware, nics: vm.hardware.nics.map((n) => (n === nic ? next : n)) }, device: nic.device, message: `network adapter ${nic.device} changed: ${Object.keys(patch).join(', ')}` };
      });
      return r.vm;
    });
  }

  // --- floppy drives, serial and parallel ports ----------------------------------------

  async addFloppy(caller: Caller, ref: string, spec: FloppySpec): Promise<{ vm: Vm; device: string }> {
    return this.change(caller, ref, 'add a floppy drive to', async (vm) => {
      const list = vm.hardware.floppies ?? [];
      if (list.length >= DEVICE_LIMITS.floppies) throw invalidArgument(`${vm.id} (${vm.name}) already has ${DEVICE_LIMITS.floppies} floppy drives, the most a VM can have`, { module: MODULE });
      const device = `floppy${freeIndex(list.map((f) => f.device), 'floppy', DEVICE_LIMITS.floppies)}`;
      const f: VirtualFloppy = { device, imageFile: checkFile(spec.imageFile ?? null, 'floppy image'), connected: spec.connected ?? true };
      return { hardware: { ...vm.hardware, floppies: [...list, f] }, device, message: `floppy drive ${device} added${f.imageFile ? ` (${f.imageFile})` : ''}` };
    });
  }

  async updateFloppy(caller: Caller, ref: string, device: string, spec: FloppySpec): Promise<Vm> {
    return (
      await this.change(caller, ref, 'change a floppy drive of', async (vm) => {
        const list = vm.hardware.floppies ?? [];
        const f = find(vm, list, device, 'floppy drive');
        const next: VirtualFloppy = { ...f, ...(spec.imageFile !== undefined ? { imageFile: checkFile(spec.imageFile, 'floppy image') } : {}), ...(spec.connected !== undefined ? { connected: spec.connected } : {}) };
        return { hardware: { ...vm.hardware, floppies: list.map((x) => (x === f ? next : x)) }, device: f.device, message: `floppy drive ${f.device} changed` };
      })
    ).vm;
  }

  async addSerial(caller: Caller, ref: string, spec: SerialSpec): Promise<{ vm: Vm; device: string }> {
    if (spec.backing === undefined) throw invalidArgument('a serial port needs a backing: a file or a TCP port on loopback', { module: MODULE });
    const backing = checkSerialBacking(spec.backing);
    return this.change(caller, ref, 'add a serial port to', async (vm) => {
      const list = vm.hardware.serials ?? [];
      if (list.length >= DEVICE_LIMITS.serials) throw invalidArgument(`${vm.id} (${vm.name}) already has ${DEVICE_LIMITS.serials} serial ports, the most a VM can have`, { module: MODULE });
      const device = `serial${freeIndex(list.map((p) => p.device), 'serial', DEVICE_LIMITS.serials)}`;
      const p: VirtualSerial = { device, backing, connected: spec.connected ?? true, yieldOnPoll: spec.yieldOnPoll ?? false };
      return { hardware: { ...vm.hardware, serials: [...list, p] }, device, message: `serial port ${device} added (${describeSerial(backing)})` };
    });
  }

  async updateSerial(caller: Caller, ref: string, device: string, spec: SerialSpec): Promise<Vm> {
    const backing = spec.backing === undefined ? undefined : checkSerialBacking(spec.backing);
    return (
      await this.change(caller, ref, 'change a serial port of', async (vm) => {
        const list = vm.hardware.serials ?? [];
        const p = find(vm, list, device, 'serial port');
        const next: VirtualSerial = {
          ...p,
          ...(backing !== undefined ? { backing } : {}),
          ...(spec.connected !== undefined ? { connected: spec.connected } : {}),
          ...(spec.yieldOnPoll !== undefined ? { yieldOnPoll: spec.yieldOnPoll } : {}),
        };
        return { hardware: { ...vm.hardware, serials: list.map((x) => (x === p ? next : x)) }, device: p.device, message: `serial port ${p.device} changed` };
      })
    ).vm;
  }

  async addParallel(caller: Caller, ref: string, spec: ParallelSpec): Promise<{ vm: Vm; device: string }> {
    if (spec.file === undefined) throw invalidArgument('a parallel port needs a backing file', { module: MODULE });
    const file = checkFile(spec.file, 'parallel port file');
    return this.change(caller, ref, 'add a parallel port to', async (vm) => {
      const list = vm.hardware.parallels ?? [];
      if (list.length >= DEVICE_LIMITS.parallels) throw invalidArgument(`${vm.id} (${vm.name}) already has ${DEVICE_LIMITS.parallels} parallel ports, the most a VM can have`, { module: MODULE });
      const device = `parallel${freeIndex(list.map((p) => p.device), 'parallel', DEVICE_LIMITS.parallels)}`;
      const p: VirtualParallel = { device, file, connected: spec.connected ?? true };
      return { hardware: { ...vm.hardware, parallels: [...list, p] }, device, message: `parallel port ${device} added (${file})` };
    });
  }

  async updateParallel(caller: Caller, ref: string, device: string, spec: ParallelSpec): Promise<Vm> {
    const file = spec.file === undefined ? undefined : checkFile(spec.file, 'parallel port file');
    return (
      await this.change(caller, ref, 'change a parallel port of', async (vm) => {
        const list = vm.hardware.parallels ?? [];
        const p = find(vm, list, device, 'parallel port');
        const next: VirtualParallel = { ...p, ...(file !== undefined ? { file } : {}), ...(spec.connected !== undefined ? { connected: spec.connected } : {}) };
        return { hardware: { ...vm.hardware, parallels: list.map((x) => (x === p ? next : x)) }, device: p.device, message: `parallel port ${p.device} changed` };
      })
    ).vm;
  }

  // --- controllers ---------------------------------------------------------------------

  /** Adds a SCSI, SATA or NVMe controller. Returns the VM and the controller ('scsi1'). */
  async addController(caller: Caller, ref: string, spec: ControllerSpec): Promise<{ vm: Vm; device: string }> {
    if (!(CONTROLLER_BUSES as readonly string[]).includes(spec.bus)) throw invalidArgument(`controller bus '${spec.bus}' is not scsi, sata or nvme`, { module: MODULE });
    const model = spec.bus === 'scsi' ? checkScsiModel(spec.model ?? 'lsilogic') : spec.bus === 'sata' ? 'ahci' : 'nvme';
    const max = DEVICE_LIMITS[spec.bus];
    if (spec.index !== undefined && (!Number.isInteger(spec.index) || spec.index < 0 || spec.index >= max)) {
      throw invalidArgument(`${spec.bus.toUpperCase()} bus number ${spec.index} is out of range (0–${max - 1})`, { module: MODULE });
    }
    return this.change(caller, ref, `add a ${spec.bus.toUpperCase()} controller to`, async (vm) => {
      const all = controllersOf(vm.hardware);
      const used = all.filter((c) => c.device.startsWith(spec.bus)).map((c) => c.device);
      let device: string;
      if (spec.index !== undefined) {
        device = `${spec.bus}${spec.index}`;
        if (used.includes(device)) throw alreadyExists(`${vm.id} (${vm.name}) already has ${spec.bus.toUpperCase()} controller ${spec.index}`, { module: MODULE });
      } else {
        if (used.length >= max) throw invalidArgument(`${vm.id} (${vm.name}) already has ${max} ${spec.bus.toUpperCase()} controllers, the most a VM can have`, { module: MODULE });
        device = `${spec.bus}${freeIndex(used, spec.bus, max)}`;
      }
      const controllers = [...(vm.hardware.controllers ?? []), { device, model }];
      return { hardware: { ...vm.hardware, controllers }, device, message: `${spec.bus.toUpperCase()} controller ${device} added (${model})` };
    });
  }

  // --- any device ----------------------------------------------------------------------

  /** Removes a NIC, floppy drive, port or controller (VM powered off). */
  async remove(caller: Caller, ref: string, device: string): Promise<Vm> {
    return (
      await this.change(caller, ref, 'remove a device of', async (vm) => {
        const hw = vm.hardware;
        const dev = device.toLowerCase();
        const without = <T extends { device: string }>(list: readonly T[] | undefined): T[] | undefined => (list === undefined ? undefined : list.filter((x) => x.device.toLowerCase() !== dev));
        if (/^ethernet\d+$/.test(dev)) {
          const nic = find(vm, hw.nics, dev, 'network adapter');
          return { hardware: { ...hw, nics: without(hw.nics)! }, device: nic.device, message: `network adapter ${nic.device} removed` };
        }
        const kinds = [
          ['floppy', 'floppies', 'floppy drive'],
          ['serial', 'serials', 'serial port'],
          ['parallel', 'parallels', 'parallel port'],
        ] as const;
        for (const [prefix, key, what] of kinds) {
          if (!new RegExp(`^${prefix}\\d+$`).test(dev)) continue;
          const list: readonly { device: string }[] = hw[key] ?? [];
          const x = find(vm, list, dev, what);
          return { hardware: { ...hw, [key]: without(list) }, device: x.device, message: `${what} ${x.device} removed` };
        }
        if (/^(scsi|sata|nvme)\d+$/.test(dev)) {
          const c = find(vm, controllersOf(hw), dev, 'controller');
          const users = [...hw.disks, ...hw.cdroms].filter((x) => x.device.toLowerCase().startsWith(`${dev}:`)).map((x) => x.device);
          if (users.length > 0) throw notAllowedInCurrentState(`controller ${c.device} of ${vm.id} (${vm.name}) holds ${users.join(', ')}; remove those first`, { module: MODULE });
          return { hardware: { ...hw, controllers: without(hw.controllers) ?? [] }, device: c.device, message: `controller ${c.device} removed` };
        }
        throw notFound(`${vm.id} (${vm.name}) has no device '${device}'`, { module: MODULE });
      })
    ).vm;
  }

  /**
   * Connects or disconnects a NIC, floppy drive or port of a running VM: the driver
   * changes it live, then the flag is recorded (it is also the device's start_connected).
   */
  async setConnected(caller: Caller, ref: string, device: string, connected: boolean): Promise<Vm> {
    const vm = await resolveVm(this.d, caller, ref, 'VirtualMachine.Config');
    const release = this.d.ctx.locks.acquire(vm.id, connected ? 'connect a device' : 'disconnect a device');
    try {
      const cur = (await this.d.ctx.store.vms.get(vm.id))!;
      const dev = device.toLowerCase();
      const hw = cur.hardware;
      const lists: readonly (readonly { device: string; connected: boolean }[])[] = [hw.nics, hw.floppies ?? [], hw.serials ?? [], hw.parallels ?? []];
      const found = lists.flat().find((x) => x.device.toLowerCase() === dev);
      if (!found) throw notFound(`${vm.id} (${vm.name}) has no connectable device '${device}'`, { module: MODULE });
      if (cur.powerState !== 'poweredOn') {
        throw notAllowedInCurrentState(`cannot ${connected ? 'connect' : 'disconnect'} ${dev} of ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}; set start_connected instead`, { module: MODULE, reason: 'vm_not_running' });
      }
      if (found.connected === connected) {
        throw alreadyExists(`${dev} of ${vm.id} (${vm.name}) is already ${connected ? 'connected' : 'disconnected'}`, { module: MODULE, reason: 'already_in_state' });
      }
      const flip = <T extends { device: string; connected: boolean }>(list: readonly T[]): T[] => list.map((x) => (x.device.toLowerCase() === dev ? { ...x, connected } : x));
      const hardware: VmHardware = {
        ...hw,
        nics: flip(hw.nics),
        ...(hw.floppies ? { floppies: flip(hw.floppies) } : {}),
        ...(hw.serials ? { serials: flip(hw.serials) } : {}),
        ...(hw.parallels ? { parallels: flip(hw.parallels) } : {}),
      };
      const { driver, dvm } = await this.d.rt.resolveDriverVm(cur);
      if (!driver.setDeviceConnected) throw unsupported(`the '${driver.kind}' driver cannot connect or disconnect devices of a running VM`, { module: MODULE });
      await driver.setDeviceConnected(dvm, dev, connected);
      await rewriteVmx(this.d, cur, { hardware });
      const next = await this.d.rt.update(cur, { hardware });
      await this.d.events.record(vm.id, 'vm.reconfigured', `${dev} ${connected ? 'connected' : 'disconnected'}`, { caller });
      return next;
    } finally {
      release();
    }
  }

  // --- internals -----------------------------------------------------------------------

  /** Resolve, lock, check off, let `make` build the change, ask the driver, write, record. */
  private async change(caller: Caller, ref: string, what: string, make: (vm: Vm) => Promise<Change>): Promise<{ vm: Vm; device: string }> {
    const vm = await resolveVm(this.d, caller, ref, 'VirtualMachine.Config');
    const release = this.d.ctx.locks.acquire(vm.id, 'reconfigure');
    try {
      const cur = (await this.d.ctx.store.vms.get(vm.id))!;
      if (cur.powerState !== 'poweredOff') {
        throw notAllowedInCurrentState(`cannot ${what} ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}; power it off first`, { module: MODULE, reason: 'vm_is_running' });
      }
      const c = await make(cur);
      await this.checkFiles(cur, c.hardware);
      const { driver, dvm } = await this.d.rt.resolveDriverVm(cur);
      driver.checkHardware?.({ ...dvm, hardware: c.hardware });
      await rewriteVmx(this.d, cur, { hardware: c.hardware });
      const next = await this.d.rt.update(cur, { hardware: c.hardware });
      await this.d.events.record(vm.id, 'vm.reconfigured', c.message, { caller });
      return { vm: next, device: c.device };
    } finally {
      release();
    }
  }

  /**
   * The files the floppies and ports name stay on vmgate's datastores (QEMU writes port
   * output to them): the confinement register applies to a .vmx (checkVmxFileKeys).
   */
  private async checkFiles(vm: Vm, hw: VmHardware): Promise<void> {
    const doc = parseVmx('');
    const put = (device: string, file: string | null): void => {
      if (file === null) return;
      doc.set(`${device}.present`, 'TRUE');
      doc.set(`${device}.fileName`, file);
    };
    for (const f of hw.floppies ?? []) put(f.device, f.imageFile);
    for (const p of hw.serials ?? []) put(p.device, p.backing.kind === 'file' ? p.backing.file : null);
    for (const p of hw.parallels ?? []) put(p.device, p.file);
    if (doc.keys().length === 0) return;
    try {
      checkVmxFileKeys(doc, { vmxRel: vm.vmxRel, datastoreRoots: (await this.d.ctx.store.datastores.list()).map((x) => x.path) });
    } catch (e) {
      const key = String((e as VmgateError).details?.key ?? '').replace(/\.fileName$/i, '');
      throw invalidArgument(`the file of ${key} of ${vm.id} (${vm.name}), ${JSON.stringify((e as VmgateError).details?.value)}, is not on one of vmgate's datastores`, { module: MODULE });
    }
  }

  /** Every MAC in the inventory (lower case) but the one of `except`. */
  private async takenMacs(except: { vmId: string; device: string } | null): Promise<Set<string>> {
    const vms = await this.d.ctx.store.vms.query({});
    return macsOf(vms.map((v) => (except && v.id === except.vmId ? { hardware: { ...v.hardware, nics: v.hardware.nics.filter((n) => n.device !== except.device) } } : v)));
  }
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

function find<T extends { device: string }>(vm: Vm, list: readonly T[], device: string, what: string): T {
  const x = list.find((d) => d.device.toLowerCase() === device.toLowerCase());
  if (!x) throw notFound(`${vm.id} (${vm.name}) has no ${what} '${device}'`, { module: MODULE });
  return x;
}

function freeIndex(devices: readonly string[], prefix: string, max: number): number {
  const used = new Set(devices.map((d) => d.toLowerCase()));
  for (let i = 0; i < max; i++) if (!used.has(`${prefix}${i}`)) return i;
  throw invalidArgument(`no free ${prefix} slot (at most ${max})`, { module: MODULE });
}

function checkNicModel(model: string): string {
  const m = model.toLowerCase();
  if (!(NIC_MODELS as readonly string[]).includes(m)) throw unsupported(`NIC model '${model}' is not emulated; vmgate has ${NIC_MODELS.join(', ')}`, { module: MODULE });
  return m;
}

function checkScsiModel(model: string): string {
  const m = model.toLowerCase();
  if (!(SCSI_MODELS as readonly string[]).includes(m)) throw unsupported(`SCSI controller model '${model}' is not one of ${SCSI_MODELS.join(', ')}`, { module: MODULE });
  return m;
}

/** A network name: text without quotes or control characters, at most 80 characters. */
function checkNetwork(network: string): string {
  if (typeof network !== 'string' || network.trim() === '' || network.length > 80 || network.includes('"') || [...network].some((c) => c.charCodeAt(0) < 0x20)) {
    throw invalidArgument(`network ${JSON.stringify(network)} is not a network name ('VM Network', 'isolated' or 'bridge:<linux bridge>')`, { module: MODULE });
  }
  const m = /^bridge:(.*)$/i.exec(network.trim());
  if (m && !/^[A-Za-z0-9_.-]{1,15}$/.test(m[1]!)) throw invalidArgument(`'${m[1]}' is not a Linux bridge name (1–15 letters, digits, '.', '_', '-')`, { module: MODULE });
  return network.trim();
}

/** A given MAC: six hex pairs, unicast, not all zeros, not used by any NIC in `taken`. */
function checkMac(mac: string, taken: ReadonlySet<string>): string {
  const m = typeof mac === 'string' ? mac.trim().toLowerCase().replace(/-/g, ':') : '';
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m)) throw invalidArgument(`MAC address ${JSON.stringify(mac)} is not like "00:50:56:12:34:56"`, { module: MODULE });
  if ((parseInt(m.slice(0, 2), 16) & 1) === 1) throw invalidArgument(`MAC address ${m} is a multicast address; a NIC needs a unicast one (even first byte)`, { module: MODULE });
  if (m === '00:00:00:00:00:00') throw invalidArgument('MAC address 00:00:00:00:00:00 is not a valid NIC address', { module: MODULE });
  if (taken.has(m)) throw alreadyExists(`MAC address ${m} is already used by another network adapter`, { module: MODULE });
  return m;
}

function checkFile<T extends string | null>(file: T, what: string): T {
  if (file !== null && (typeof file !== 'string' || file === '' || /["\0]/.test(file) || file.length > 1024)) {
    throw invalidArgument(`${what} ${JSON.stringify(file)} is not a valid file name`, { module: MODULE });
  }
  return file;
}

function checkSerialBacking(b: Exclude<SerialBacking, { kind: 'other' }>): Exclude<SerialBacking, { kind: 'other' }> {
  if (b.kind === 'file') return { kind: 'file', file: checkFile(b.file, 'serial port file') };
  if (b.kind === 'tcpServer') {
    if (!Number.isInteger(b.port) || b.port < 1024 || b.port > 65535) throw invalidArgument(`TCP port ${b.port} is out of range (1024–65535)`, { module: MODULE });
    return { kind: 'tcpServer', port: b.port };
  }
  throw invalidArgument('a serial port backing is a file or a TCP port', { module: MODULE });
}

function describeSerial(b: SerialBacking): string {
  return b.kind === 'file' ? b.file : b.kind === 'tcpServer' ? `tcp://127.0.0.1:${b.port}` : b.fileType;
}

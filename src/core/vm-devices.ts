/**
 * A VM's devices one at a time (vSphere's vm.hardware.Disk, Cdrom, Boot, boot.Device,
 * Ethernet, Floppy, Serial, Parallel and adapter.*): one service, `core.devices`, with one
 * change path. CPU and memory go through updateHardware (vm-hardware.ts).
 *
 * Every change (#change): VirtualMachine.Config on the VM (and Datastore.Browse on the
 * datastore an ISO comes from, Datastore.FileManagement on the one an attached disk image
 * is on: the guest writes it), the VM's lock, the fresh record, the change's own checks
 * (the power state: requireOff, or on for setConnected; driver work on a running VM), the files of
 * floppies and ports confined to vmgate's datastores, the driver asked whether it can run
 * the result (`checkHardware`), the .vmx rewritten and read back (the inventory keeps what
 * the file now says), a vm.reconfigured event. Rules:
 *
 * - Disks are added, detached and re-pointed only while the VM is off and has no
 *   snapshots (QEMU's internal snapshots live in every disk; a disk added or taken away
 *   later would break a revert). A detached disk's file stays where it is, as in vSphere.
 * - A new disk is a new file in the VM's folder (qcow2 on QEMU, a sparse file on the
 *   simulator); an attached one is an existing image on a datastore, used in place and
 *   shared with no other VM.
 * - CD-ROMs, NICs, floppy drives, ports and controllers are added, changed and removed
 *   only while the VM is off, except a CD-ROM's ISO: a running VM's CD-ROM gets a new ISO
 *   while it is disconnected (vSphere's rule).
 * - Connect / disconnect (setConnected) needs the VM on and goes through the driver:
 *   a CD-ROM's medium is inserted or ejected (changeMedium), other devices use
 *   setDeviceConnected (QEMU: `set_link` for NICs). vmgate keeps one connected flag per
 *   device, as VMware Workstation does: it is the device's start_connected and, while the
 *   VM runs, its connection state.
 * - MAC addresses are unique in the inventory: checked or generated in one inventory-wide
 *   section, so two requests cannot take the same address.
 * - The firmware type changes only while off; the boot order and boot delay / retry take
 *   effect at the next power on.
 */
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Caller } from './caller.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState, notFound, unsupported } from './errors.ts';
import type { VmgateError } from './errors.ts';
import type { BootDevice, BootDeviceType, BootOptions, VirtualCdrom, VirtualDisk, VirtualFloppy, VirtualNic, VirtualParallel, VirtualSerial, Vm, VmHardware } from './model/index.ts';
import { CONTROLLER_BUSES, DEVICE_LIMITS } from './model/index.ts';
import { describePowerState } from './power.ts';
import { datastoreFile, qcow2Name } from './vm-create.ts';
import type { VmDeps } from './vm-deps.ts';
import { checkSerialPortFree, freshMac, macsOf, rewriteVmx } from './vm-hardware.ts';
import type { ControllerSpec, FloppySpec, NicPatch, NicSpec, ParallelSpec, SerialSpec } from './vm-peripherals.ts';
import { checkFile, checkMac, checkNetwork, checkNicModel, checkScsiModel, checkSerialBacking, controllersOf, describeSerial, findDevice, freeIndex } from './vm-peripherals.ts';
import { resolveVm } from './vm-refs.ts';
import { parseVmx, readVmxConfig } from './vmx/index.ts';
import { checkVmxFileKeys } from './vmx/vmx-file-keys.ts';

const MODULE = 'core.vm';
const MiB = 1024 * 1024;

/** A new disk: a fresh file (`capacityMiB`, optional file `name`) or an existing image (`attach`, `[ds] path`). */
export type DiskAddSpec = { readonly capacityMiB: number; readonly name?: string } | { readonly attach: string };

export interface CdromAddSpec {
  /** `[ds] path/x.iso`, or null for an empty drive. */
  readonly iso: string | null;
  /** Default: whether there is an ISO. */
  readonly connected?: boolean;
}

export interface CdromChange {
  /** `[ds] path/x.iso`; null empties the drive; undefined leaves it. */
  readonly iso?: string | null;
  readonly connected?: boolean;
}

export interface BootChange {
  readonly firmware?: 'bios' | 'efi';
  readonly delayMs?: number;
  readonly retry?: boolean;
  readonly retryDelayMs?: number;
}

const BOOT_DEFAULTS: BootOptions = { delayMs: 0, retry: false, retryDelayMs: 10_000 };
const BOOT_TYPES: ReadonlySet<BootDeviceType> = new Set(['disk', 'cdrom', 'ethernet', 'floppy']);
/** IDE slots a new CD-ROM takes, in order (VMware puts the first on the secondary master). */
const IDE_SLOTS = ['ide1:0', 'ide1:1', 'ide0:1', 'ide0:0'];

export class VmDeviceService {
  constructor(private readonly d: VmDeps) {}

  // ---- disks ------------------------------------------------------------------------------

  /** Adds a disk to a VM that is off; returns its device key ('scsi0:1'). */
  addDisk(caller: Caller, ref: string, spec: DiskAddSpec): Promise<string> {
    return this.#result(caller, ref, 'add a disk to', async (vm, hw) => {
      requireOffWithoutSnapshots(vm, await this.#hasSnapshots(vm), 'add a disk to');
      const device = freeScsiSlot(hw);
      const { driver, dvm } = await this.d.rt.resolveDriverVm(vm);
      let disk: VirtualDisk;
      if ('attach' in spec) {
        const file = await datastoreFile(this.d, caller, spec.attach, 'the disk to attach', '[datastore1] disks/data.qcow2', 'Datastore.FileManagement');
        await this.#checkUnshared(vm, file);
        const fileName = inside(dvm.dir, file) ?? file;
        const sized = { device, fileName, capacityMiB: 0 };
        const bytes = driver.diskCapacities ? ((await driver.diskCapacities({ ...dvm, hardware: { ...hw, disks: [sized] } }))[0] ?? null) : null;
        disk = { ...sized, capacityMiB: bytes === null ? 0 : Math.ceil(bytes / MiB) };
      } else {
        if (!Number.isSafeInteger(spec.capacityMiB) || spec.capacityMiB < 1 || spec.capacityMiB > 64 * 1024 * 1024) throw invalidArgument(`disk capacity ${spec.capacityMiB} MiB is out of range (1 MiB – 64 TiB)`, { module: MODULE });
        const fileName = await this.#newDiskName(vm, hw, spec.name);
        disk = { device, fileName, capacityMiB: spec.capacityMiB };
        await driver.createDisks({ ...dvm, hardware: { ...hw, disks: [disk] } });
      }
      return { hardware: { ...hw, disks: [...hw.disks, disk] }, result: device, message: `disk ${device} added (${disk.fileName})` };
    });
  }

  /** Detaches a disk of a VM that is off; its file stays. */
  removeDisk(caller: Caller, ref: string, device: string): Promise<void> {
    return this.#result(caller, ref, 'remove a disk from', async (vm, hw) => {
      const disk = findDisk(vm, hw, device);
      requireOffWithoutSnapshots(vm, await this.#hasSnapshots(vm), 'remove a disk from');
      const disks = hw.disks.filter((x) => x !== disk);
      const bootOrder = hw.bootOrder?.map((e) => (e.type === 'disk' ? { ...e, devices: e.devices.filter((x) => x !== disk.device) } : e));
      return { hardware: { ...hw, disks, ...(bootOrder ? { bootOrder } : {}) }, result: undefined, message: `disk ${disk.device} detached (${disk.fileName} kept)` };
    });
  }

  /** Points a disk of a VM that is off at another existing image (`[ds] path`). */
  replaceDiskBacking(caller: Caller, ref: string, device: string, attach: string): Promise<void> {
    return this.#result(caller, ref, 'change a disk of', async (vm, hw) => {
      const disk = findDisk(vm, hw, device);
      requireOffWithoutSnapshots(vm, await this.#hasSnapshots(vm), 'change a disk of');
      const file = await datastoreFile(this.d, caller, attach, 'the disk backing', '[datastore1] disks/data.qcow2', 'Datastore.FileManagement');
      const { driver, dvm } = await this.d.rt.resolveDriverVm(vm);
      const fileName = inside(dvm.dir, file) ?? file;
      if (resolve(dvm.dir, disk.fileName) === file) throw alreadyExists(`disk ${device} of ${vm.name} already uses ${attach}`, { module: MODULE, reason: 'already_in_state' });
      await this.#checkUnshared(vm, file);
      const sized = { device: disk.device, fileName, capacityMiB: 0 };
      const bytes = driver.diskCapacities ? ((await driver.diskCapacities({ ...dvm, hardware: { ...hw, disks: [sized] } }))[0] ?? null) : null;
      const next = { ...sized, capacityMiB: bytes === null ? 0 : Math.ceil(bytes / MiB) };
      return { hardware: { ...hw, disks: hw.disks.map((x) => (x === disk ? next : x)) }, result: undefined, message: `disk ${device} now uses ${fileName}` };
    });
  }

  // ---- CD-ROMs ----------------------------------------------------------------------------

  /** Adds a CD-ROM drive to a VM that is off; returns its device key ('ide1:0'). */
  addCdrom(caller: Caller, ref: string, spec: CdromAddSpec): Promise<string> {
    return this.#result(caller, ref, 'add a CD-ROM to', async (vm, hw) => {
      requireOff(vm, 'add a CD-ROM to');
      const used = new Set([...hw.disks, ...hw.cdroms].map((x) => x.device));
      const device = IDE_SLOTS.find((s) => !used.has(s));
      if (device === undefined) throw invalidArgument(`${vm.name} has no free IDE slot for another CD-ROM (4 IDE devices at most)`, { module: MODULE });
      const isoFile = spec.iso === null ? null : await this.#iso(caller, vm, spec.iso);
      const cdrom: VirtualCdrom = { device, isoFile, connected: spec.connected ?? isoFile !== null };
      return { hardware: { ...hw, cdroms: [...hw.cdroms, cdrom] }, result: device, message: `CD-ROM ${device} added${isoFile ? ` (${isoFile})` : ''}` };
    });
  }

  /** Removes a CD-ROM drive of a VM that is off. */
  removeCdrom(caller: Caller, ref: string, device: string): Promise<void> {
    return this.#result(caller, ref, 'remove a CD-ROM from', async (vm, hw) => {
      const cd = findCdrom(vm, hw, device);
      requireOff(vm, 'remove a CD-ROM from');
      return { hardware: { ...hw, cdroms: hw.cdroms.filter((x) => x !== cd) }, result: undefined, message: `CD-ROM ${cd.device} removed` };
    });
  }

  /**
   * Changes a CD-ROM's ISO and/or whether it is connected. Off: recorded for the next
   * power on. On: a new ISO only while the drive is disconnected; connecting inserts the
   * ISO into the running guest, disconnecting ejects it.
   */
  changeCdrom(caller: Caller, ref: string, device: string, change: CdromChange): Promise<void> {
    return this.#result(caller, ref, 'change a CD-ROM of', async (vm, hw) => {
      const cd = findCdrom(vm, hw, device);
      const isoFile = change.iso === undefined ? cd.isoFile : change.iso === null ? null : await this.#iso(caller, vm, change.iso);
      const connected = change.connected ?? cd.connected;
      const next: VirtualCdrom = { ...cd, isoFile, connected };
      await this.#applyLive(vm, cd, next);
      const what = [change.iso !== undefined ? (isoFile === null ? 'emptied' : `ISO ${isoFile}`) : '', change.connected !== undefined ? (connected ? 'connected' : 'disconnected') : ''].filter((x) => x !== '').join(', ');
      return { hardware: { ...hw, cdroms: hw.cdroms.map((x) => (x === cd ? next : x)) }, result: undefined, message: `CD-ROM ${cd.device}: ${what || 'unchanged'}` };
    });
  }

  // ---- boot -------------------------------------------------------------------------------

  /** Firmware type (off only) and boot delay / retry (from the next power on). */
  setBoot(caller: Caller, ref: string, change: BootChange): Promise<void> {
    return this.#result(caller, ref, 'change the boot settings of', async (vm, hw) => {
      const firmware = change.firmware ?? hw.firmware;
      if (firmware !== 'bios' && firmware !== 'efi') throw invalidArgument(`firmware '${String(firmware)}' is not bios or efi`, { module: MODULE });
      if (firmware !== hw.firmware) requireOff(vm, 'change the firmware of');
      const cur = hw.boot ?? BOOT_DEFAULTS;
      const boot: BootOptions = { delayMs: change.delayMs ?? cur.delayMs, retry: change.retry ?? cur.retry, retryDelayMs: change.retryDelayMs ?? cur.retryDelayMs };
      // QEMU's firmware interface caps both at 65535 ms; the .vmx keeps the retry delay in seconds.
      if (!Number.isSafeInteger(boot.delayMs) || boot.delayMs < 0 || boot.delayMs > 65_535) throw invalidArgument(`boot delay ${boot.delayMs} ms is out of range (0 – 65535 ms)`, { module: MODULE });
      if (!Number.isSafeInteger(boot.retryDelayMs) || boot.retryDelayMs < 0 || boot.retryDelayMs > 65_000 || boot.retryDelayMs % 1000 !== 0) throw invalidArgument(`boot retry delay ${boot.retryDelayMs} ms must be whole seconds from 0 to 65000 ms`, { module: MODULE });
      const isDefault = boot.delayMs === BOOT_DEFAULTS.delayMs && boot.retry === BOOT_DEFAULTS.retry && boot.retryDelayMs === BOOT_DEFAULTS.retryDelayMs;
      const { boot: _old, ...rest } = hw;
      return { hardware: { ...rest, firmware, ...(isDefault ? {} : { boot }) }, result: undefined, message: `boot: firmware ${firmware}, delay ${boot.delayMs} ms, retry ${boot.retry ? `after ${boot.retryDelayMs} ms` : 'off'}` };
    });
  }

  /** The boot order (empty: the default order); takes effect at the next power on. */
  setBootOrder(caller: Caller, ref: string, order: readonly BootDevice[]): Promise<void> {
    return this.#result(caller, ref, 'change the boot order of', async (_vm, hw) => {
      const seen = new Set<BootDeviceType>();
      const clean = order.map((e, i) => {
        if (!BOOT_TYPES.has(e.type)) throw invalidArgument(`boot device ${i}: type '${String(e.type)}' is not disk, cdrom, ethernet or floppy`, { module: MODULE });
        if (seen.has(e.type)) throw invalidArgument(`boot device ${i}: ${e.type} is listed twice`, { module: MODULE });
        seen.add(e.type);
        const known = e.type === 'disk' ? hw.disks.map((x) => x.device) : e.type === 'ethernet' ? hw.nics.map((x) => x.device) : [];
        if (e.devices.length > 0 && e.type !== 'disk' && e.type !== 'ethernet') throw invalidArgument(`boot device ${i}: only disk and ethernet entries name devices`, { module: MODULE });
        if (e.type === 'ethernet' && e.devices.length > 1) throw invalidArgument(`boot device ${i}: an ethernet entry names one NIC`, { module: MODULE });
        for (const dev of e.devices) if (!known.includes(dev)) throw notFound(`boot device ${i}: the VM has no ${e.type} ${dev}`, { module: MODULE });
        if (new Set(e.devices).size !== e.devices.length) throw invalidArgument(`boot device ${i}: a device is listed twice`, { module: MODULE });
        return { type: e.type, devices: [...e.devices] };
      });
      const { bootOrder: _old, ...rest } = hw;
      return { hardware: { ...rest, ...(clean.length > 0 ? { bootOrder: clean } : {}) }, result: undefined, message: `boot order: ${clean.length === 0 ? 'default' : clean.map((e) => (e.devices.length ? `${e.type} (${e.devices.join(', ')})` : e.type)).join(', ')}` };
    });
  }

  // ---- NICs -------------------------------------------------------------------------------

  /** Adds a NIC (VM powered off). Returns the VM and the new device ('ethernet1'). */
  addNic(caller: Caller, ref: string, spec: NicSpec): Promise<{ vm: Vm; device: string }> {
    return this.d.ctx.sections.run('mac', () =>
      this.#device(caller, ref, 'add a network adapter to', async (vm, hw) => {
        requireOff(vm, 'add a network adapter to');
        if (hw.nics.length >= 10) throw invalidArgument(`${vm.id} (${vm.name}) already has 10 network adapters, the most a VM can have`, { module: MODULE });
        const device = `ethernet${freeIndex(hw.nics.map((n) => n.device), 'ethernet', 10)}`;
        const model = checkNicModel(spec.model ?? 'vmxnet3');
        const network = checkNetwork(spec.network ?? 'VM Network');
        const taken = await this.#takenMacs(null);
        const nic: VirtualNic =
          spec.macAddress !== undefined
            ? { device, macAddress: checkMac(spec.macAddress, taken), network, connected: spec.connected ?? true, model, staticMac: true }
            : { device, macAddress: freshMac(taken), network, connected: spec.connected ?? true, model };
        return { hardware: { ...hw, nics: [...hw.nics, nic] }, result: device, message: `network adapter ${device} added (${model}, ${network}, ${nic.macAddress})` };
      }),
    );
  }

  /** Changes a NIC's network, MAC or start_connected (VM powered off). */
  updateNic(caller: Caller, ref: string, device: string, patch: NicPatch): Promise<Vm> {
    return this.d.ctx.sections.run('mac', async () => {
      const r = await this.#device(caller, ref, 'change a network adapter of', async (vm, hw) => {
        requireOff(vm, 'change a network adapter of');
        const nic = findDevice(vm, hw.nics, device, 'network adapter');
        let next: VirtualNic = { ...nic };
        if (patch.network !== undefined) next = { ...next, network: checkNetwork(patch.network) };
        if (patch.connected !== undefined) next = { ...next, connected: patch.connected };
        if (patch.macAddress !== undefined) {
          const taken = await this.#takenMacs({ vmId: vm.id, device: nic.device });
          if (patch.macAddress !== null) next = { ...next, macAddress: checkMac(patch.macAddress, taken), staticMac: true };
          else if (nic.staticMac === true || nic.macAddress === '') next = { ...next, macAddress: freshMac(taken), staticMac: false };
        }
        return { hardware: { ...hw, nics: hw.nics.map((n) => (n === nic ? next : n)) }, result: nic.device, message: `network adapter ${nic.device} changed: ${Object.keys(patch).join(', ')}` };
      });
      return r.vm;
    });
  }

  // ---- floppy drives, serial and parallel ports ------------------------------------------

  addFloppy(caller: Caller, ref: string, spec: FloppySpec): Promise<{ vm: Vm; device: string }> {
    return this.#device(caller, ref, 'add a floppy drive to', async (vm, hw) => {
      requireOff(vm, 'add a floppy drive to');
      const list = hw.floppies ?? [];
      if (list.length >= DEVICE_LIMITS.floppies) throw invalidArgument(`${vm.id} (${vm.name}) already has ${DEVICE_LIMITS.floppies} floppy drives, the most a VM can have`, { module: MODULE });
      const device = `floppy${freeIndex(list.map((f) => f.device), 'floppy', DEVICE_LIMITS.floppies)}`;
      const f: VirtualFloppy = { device, imageFile: checkFile(spec.imageFile ?? null, 'floppy image'), connected: spec.connected ?? true };
      return { hardware: { ...hw, floppies: [...list, f] }, result: device, message: `floppy drive ${device} added${f.imageFile ? ` (${f.imageFile})` : ''}` };
    });
  }

  async updateFloppy(caller: Caller, ref: string, device: string, spec: FloppySpec): Promise<Vm> {
    const r = await this.#device(caller, ref, 'change a floppy drive of', async (vm, hw) => {
      requireOff(vm, 'change a floppy drive of');
      const list = hw.floppies ?? [];
      const f = findDevice(vm, list, device, 'floppy drive');
      const next: VirtualFloppy = { ...f, ...(spec.imageFile !== undefined ? { imageFile: checkFile(spec.imageFile, 'floppy image') } : {}), ...(spec.connected !== undefined ? { connected: spec.connected } : {}) };
      return { hardware: { ...hw, floppies: list.map((x) => (x === f ? next : x)) }, result: f.device, message: `floppy drive ${f.device} changed` };
    });
    return r.vm;
  }

  async addSerial(caller: Caller, ref: string, spec: SerialSpec): Promise<{ vm: Vm; device: string }> {
    if (spec.backing === undefined) throw invalidArgument('a serial port needs a backing: a file or a TCP port on loopback', { module: MODULE });
    const backing = checkSerialBacking(spec.backing);
    return this.d.ctx.sections.run('serial-port', () =>
      this.#device(caller, ref, 'add a serial port to', async (vm, hw) => {
        requireOff(vm, 'add a serial port to');
        const list = hw.serials ?? [];
        if (list.length >= DEVICE_LIMITS.serials) throw invalidArgument(`${vm.id} (${vm.name}) already has ${DEVICE_LIMITS.serials} serial ports, the most a VM can have`, { module: MODULE });
        const device = `serial${freeIndex(list.map((p) => p.device), 'serial', DEVICE_LIMITS.serials)}`;
        await this.#checkSerialPortFree(backing, null);
        const p: VirtualSerial = { device, backing, connected: spec.connected ?? true, yieldOnPoll: spec.yieldOnPoll ?? false };
        return { hardware: { ...hw, serials: [...list, p] }, result: device, message: `serial port ${device} added (${describeSerial(backing)})` };
      }),
    );
  }

  async updateSerial(caller: Caller, ref: string, device: string, spec: SerialSpec): Promise<Vm> {
    const backing = spec.backing === undefined ? undefined : checkSerialBacking(spec.backing);
    const r = await this.d.ctx.sections.run('serial-port', () => this.#device(caller, ref, 'change a serial port of', async (vm, hw) => {
      requireOff(vm, 'change a serial port of');
      const list = hw.serials ?? [];
      const p = findDevice(vm, list, device, 'serial port');
      if (backing !== undefined) await this.#checkSerialPortFree(backing, { vmId: vm.id, device: p.device });
      const next: VirtualSerial = {
        ...p,
        ...(backing !== undefined ? { backing } : {}),
        ...(spec.connected !== undefined ? { connected: spec.connected } : {}),
        ...(spec.yieldOnPoll !== undefined ? { yieldOnPoll: spec.yieldOnPoll } : {}),
      };
      return { hardware: { ...hw, serials: list.map((x) => (x === p ? next : x)) }, result: p.device, message: `serial port ${p.device} changed` };
    }));
    return r.vm;
  }

  async addParallel(caller: Caller, ref: string, spec: ParallelSpec): Promise<{ vm: Vm; device: string }> {
    if (spec.file === undefined) throw invalidArgument('a parallel port needs a backing file', { module: MODULE });
    const file = checkFile(spec.file, 'parallel port file');
    return this.#device(caller, ref, 'add a parallel port to', async (vm, hw) => {
      requireOff(vm, 'add a parallel port to');
      const list = hw.parallels ?? [];
      if (list.length >= DEVICE_LIMITS.parallels) throw invalidArgument(`${vm.id} (${vm.name}) already has ${DEVICE_LIMITS.parallels} parallel ports, the most a VM can have`, { module: MODULE });
      const device = `parallel${freeIndex(list.map((p) => p.device), 'parallel', DEVICE_LIMITS.parallels)}`;
      const p: VirtualParallel = { device, file, connected: spec.connected ?? true };
      return { hardware: { ...hw, parallels: [...list, p] }, result: device, message: `parallel port ${device} added (${file})` };
    });
  }

  async updateParallel(caller: Caller, ref: string, device: string, spec: ParallelSpec): Promise<Vm> {
    const file = spec.file === undefined ? undefined : checkFile(spec.file, 'parallel port file');
    const r = await this.#device(caller, ref, 'change a parallel port of', async (vm, hw) => {
      requireOff(vm, 'change a parallel port of');
      const list = hw.parallels ?? [];
      const p = findDevice(vm, list, device, 'parallel port');
      const next: VirtualParallel = { ...p, ...(file !== undefined ? { file } : {}), ...(spec.connected !== undefined ? { connected: spec.connected } : {}) };
      return { hardware: { ...hw, parallels: list.map((x) => (x === p ? next : x)) }, result: p.device, message: `parallel port ${p.device} changed` };
    });
    return r.vm;
  }

  // ---- controllers ------------------------------------------------------------------------

  /** Adds a SCSI, SATA or NVMe controller. Returns the VM and the controller ('scsi1'). */
  async addController(caller: Caller, ref: string, spec: ControllerSpec): Promise<{ vm: Vm; device: string }> {
    if (!(CONTROLLER_BUSES as readonly string[]).includes(spec.bus)) throw invalidArgument(`controller bus '${spec.bus}' is not scsi, sata or nvme`, { module: MODULE });
    const model = spec.bus === 'scsi' ? checkScsiModel(spec.model ?? 'lsilogic') : spec.bus === 'sata' ? 'ahci' : 'nvme';
    const max = DEVICE_LIMITS[spec.bus];
    if (spec.index !== undefined && (!Number.isInteger(spec.index) || spec.index < 0 || spec.index >= max)) {
      throw invalidArgument(`${spec.bus.toUpperCase()} bus number ${spec.index} is out of range (0–${max - 1})`, { module: MODULE });
    }
    const what = `add a ${spec.bus.toUpperCase()} controller to`;
    return this.#device(caller, ref, what, async (vm, hw) => {
      requireOff(vm, what);
      const used = controllersOf(hw).filter((c) => c.device.startsWith(spec.bus)).map((c) => c.device);
      let device: string;
      if (spec.index !== undefined) {
        device = `${spec.bus}${spec.index}`;
        if (used.includes(device)) throw alreadyExists(`${vm.id} (${vm.name}) already has ${spec.bus.toUpperCase()} controller ${spec.index}`, { module: MODULE });
      } else {
        if (used.length >= max) throw invalidArgument(`${vm.id} (${vm.name}) already has ${max} ${spec.bus.toUpperCase()} controllers, the most a VM can have`, { module: MODULE });
        device = `${spec.bus}${freeIndex(used, spec.bus, max)}`;
      }
      const controllers = [...(hw.controllers ?? []), { device, model }];
      return { hardware: { ...hw, controllers }, result: device, message: `${spec.bus.toUpperCase()} controller ${device} added (${model})` };
    });
  }

  // ---- any device -------------------------------------------------------------------------

  /** Removes a NIC, floppy drive, port or controller (VM powered off). */
  async remove(caller: Caller, ref: string, device: string): Promise<Vm> {
    const r = await this.#device(caller, ref, 'remove a device of', async (vm, hw) => {
      requireOff(vm, 'remove a device of');
      const dev = device.toLowerCase();
      const without = <T extends { device: string }>(list: readonly T[] | undefined): T[] | undefined => (list === undefined ? undefined : list.filter((x) => x.device.toLowerCase() !== dev));
      if (/^ethernet\d+$/.test(dev)) {
        const nic = findDevice(vm, hw.nics, dev, 'network adapter');
        return { hardware: { ...hw, nics: without(hw.nics)! }, result: nic.device, message: `network adapter ${nic.device} removed` };
      }
      const kinds = [
        ['floppy', 'floppies', 'floppy drive'],
        ['serial', 'serials', 'serial port'],
        ['parallel', 'parallels', 'parallel port'],
      ] as const;
      for (const [prefix, key, what] of kinds) {
        if (!new RegExp(`^${prefix}\\d+$`).test(dev)) continue;
        const list: readonly { device: string }[] = hw[key] ?? [];
        const x = findDevice(vm, list, dev, what);
        return { hardware: { ...hw, [key]: without(list) }, result: x.device, message: `${what} ${x.device} removed` };
      }
      if (/^(scsi|sata|nvme)\d+$/.test(dev)) {
        const c = findDevice(vm, controllersOf(hw), dev, 'controller');
        const users = [...hw.disks, ...hw.cdroms].filter((x) => x.device.toLowerCase().startsWith(`${dev}:`)).map((x) => x.device);
        if (users.length > 0) throw notAllowedInCurrentState(`controller ${c.device} of ${vm.id} (${vm.name}) holds ${users.join(', ')}; remove those first`, { module: MODULE });
        return { hardware: { ...hw, controllers: without(hw.controllers) ?? [] }, result: c.device, message: `controller ${c.device} removed` };
      }
      throw notFound(`${vm.id} (${vm.name}) has no device '${device}'`, { module: MODULE });
    });
    return r.vm;
  }

  /**
   * Connects or disconnects a device of a running VM: a CD-ROM's medium is inserted or
   * ejected, a NIC, floppy drive or port goes through the driver's setDeviceConnected; then
   * the flag is recorded (it is also the device's start_connected).
   */
  async setConnected(caller: Caller, ref: string, device: string, connected: boolean): Promise<Vm> {
    const verb = connected ? 'connect' : 'disconnect';
    const r = await this.#device(caller, ref, `${verb} a device of`, async (vm, hw) => {
      const dev = device.toLowerCase();
      const cd = hw.cdroms.find((x) => x.device === dev);
      const other = [...hw.nics, ...(hw.floppies ?? []), ...(hw.serials ?? []), ...(hw.parallels ?? [])].find((x) => x.device.toLowerCase() === dev);
      const found = cd ?? other;
      if (found === undefined) throw notFound(`${vm.id} (${vm.name}) has no connectable device '${device}'`, { module: MODULE });
      const label = cd ? `CD-ROM ${cd.device}` : dev;
      if (vm.powerState !== 'poweredOn') throw notAllowedInCurrentState(`cannot ${verb} ${label} of ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}; set start_connected instead`, { module: MODULE, reason: 'vm_not_running' });
      if (found.connected === connected) throw alreadyExists(`${label} of ${vm.id} (${vm.name}) is already ${connected ? 'connected' : 'disconnected'}`, { module: MODULE, reason: 'already_in_state' });
      if (cd) {
        const next = { ...cd, connected };
        await this.#applyLive(vm, cd, next);
        return { hardware: { ...hw, cdroms: hw.cdroms.map((x) => (x === cd ? next : x)) }, result: cd.device, message: `CD-ROM ${cd.device} ${connected ? 'connected' : 'disconnected'}` };
      }
      const { driver, dvm } = await this.d.rt.resolveDriverVm(vm);
      if (!driver.setDeviceConnected) throw unsupported(`the '${driver.kind}' driver cannot connect or disconnect devices of a running VM`, { module: MODULE });
      await driver.setDeviceConnected(dvm, dev, connected);
      const flip = <T extends { device: string; connected: boolean }>(list: readonly T[]): T[] => list.map((x) => (x.device.toLowerCase() === dev ? { ...x, connected } : x));
      const hardware: VmHardware = {
        ...hw,
        nics: flip(hw.nics),
        ...(hw.floppies ? { floppies: flip(hw.floppies) } : {}),
        ...(hw.serials ? { serials: flip(hw.serials) } : {}),
        ...(hw.parallels ? { parallels: flip(hw.parallels) } : {}),
      };
      return { hardware, result: dev, message: `${dev} ${connected ? 'connected' : 'disconnected'}` };
    });
    return r.vm;
  }

  // ---- what the hypervisor has ------------------------------------------------------------

  /**
   * A running VM's disks and CD-ROMs as the hypervisor has them now (device key → the
   * absolute file open, null for an empty drive); null when the VM is not on or its driver
   * cannot say. Needs only the right to see the VM.
   */
  async liveMedia(caller: Caller, ref: string): Promise<ReadonlyMap<string, string | null> | null> {
    const vm = await resolveVm(this.d, caller, ref);
    if (vm.powerState !== 'poweredOn') return null;
    const { driver, dvm } = await this.d.rt.resolveDriverVm(vm);
    if (!driver.blockDevices) return null;
    const rows = await driver.blockDevices(dvm).catch(() => null);
    return rows === null ? null : new Map(rows.map((r) => [r.device, r.medium]));
  }

  /** Whether each CD-ROM of a running VM holds what it should (its ISO, when connected), as the hypervisor says; null when that cannot be known. */
  async cdromStates(caller: Caller, ref: string): Promise<ReadonlyMap<string, boolean> | null> {
    const media = await this.liveMedia(caller, ref);
    if (media === null) return null;
    const vm = await resolveVm(this.d, caller, ref);
    const { dvm } = await this.d.rt.resolveDriverVm(vm);
    return new Map(vm.hardware.cdroms.map((c) => [c.device, c.isoFile === null ? c.connected : media.get(c.device) === resolve(dvm.dir, c.isoFile)]));
  }

  // ---- shared -----------------------------------------------------------------------------

  /**
   * The one change path: privilege, lock, the fresh record, `make` (its checks, driver work
   * on a running VM), the floppies' and ports' files confined, the driver's checkHardware,
   * then the .vmx rewritten and read back, the record updated from it, and an event.
   */
  async #change<R>(caller: Caller, ref: string, what: string, make: (vm: Vm, hw: VmHardware) => Promise<{ hardware: VmHardware; result: R; message: string }>): Promise<{ vm: Vm; result: R }> {
    const d = this.d;
    const found = await resolveVm(d, caller, ref, 'VirtualMachine.Config');
    const release = d.ctx.locks.acquire(found.id, `reconfigure (${what})`);
    try {
      const vm = (await d.ctx.store.vms.get(found.id))!;
      const { hardware, result, message } = await make(vm, vm.hardware);
      await this.#checkFiles(vm, hardware);
      const { driver, dvm } = await d.rt.resolveDriverVm(vm);
      driver.checkHardware?.({ ...dvm, hardware });
      await rewriteVmx(d, vm, { hardware });
      const files = d.ctx.files(await d.rt.datastoreOf(vm));
      const back = readVmxConfig(parseVmx(await files.readText(vm.vmxRel))).hardware;
      const next = await d.rt.update(vm, { hardware: back });
      await d.events.record(vm.id, 'vm.reconfigured', message, { caller });
      return { vm: next, result };
    } finally {
      release();
    }
  }

  /** A change whose caller wants only its result (a device key, nothing). */
  async #result<R>(caller: Caller, ref: string, what: string, make: (vm: Vm, hw: VmHardware) => Promise<{ hardware: VmHardware; result: R; message: string }>): Promise<R> {
    return (await this.#change(caller, ref, what, make)).result;
  }

  /** A change whose caller wants the VM after it and the device it concerns. */
  async #device(caller: Caller, ref: string, what: string, make: (vm: Vm, hw: VmHardware) => Promise<{ hardware: VmHardware; result: string; message: string }>): Promise<{ vm: Vm; device: string }> {
    const r = await this.#change(caller, ref, what, make);
    return { vm: r.vm, device: r.result };
  }

  /**
   * The files the floppies and ports name stay on vmgate's datastores (QEMU writes port
   * output to them): the confinement register applies to a .vmx (checkVmxFileKeys).
   */
  async #checkFiles(vm: Vm, hw: VmHardware): Promise<void> {
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

  /**
   * A serial port's loopback TCP port is free: no serial port of any VM (but `except`, the
   * port being changed) listens on it. Called inside the 'serial-port' section.
   */
  async #checkSerialPortFree(backing: VirtualSerial['backing'], except: { vmId: string; device: string } | null): Promise<void> {
    if (backing.kind !== 'tcpServer') return;
    checkSerialPortFree(await this.d.ctx.store.vms.query({}), backing, except);
  }

  /** Every MAC in the inventory (lower case) but the one of `except`. */
  async #takenMacs(except: { vmId: string; device: string } | null): Promise<Set<string>> {
    const vms = await this.d.ctx.store.vms.query({});
    return macsOf(vms.map((v) => (except && v.id === except.vmId ? { hardware: { ...v.hardware, nics: v.hardware.nics.filter((n) => n.device !== except.device) } } : v)));
  }

  async #hasSnapshots(vm: Vm): Promise<boolean> {
    return (await this.d.ctx.store.snapshots.listForVm(vm.id)).length > 0;
  }

  /** An ISO by datastore path, absolute; it must be a file ending in .iso. */
  async #iso(caller: Caller, vm: Vm, text: string): Promise<string> {
    if (!/\.iso$/i.test(text.trim())) throw invalidArgument(`the ISO '${text}' must name an .iso file`, { module: MODULE });
    const file = await datastoreFile(this.d, caller, text, 'the ISO', '[datastore1] iso/installer.iso');
    const { dvm } = await this.d.rt.resolveDriverVm(vm);
    return inside(dvm.dir, file) ?? file;
  }

  /** Applies a CD-ROM change to the running VM (nothing while it is off). */
  async #applyLive(vm: Vm, cd: VirtualCdrom, next: VirtualCdrom): Promise<void> {
    if (vm.powerState === 'poweredOff') return;
    if (vm.powerState !== 'poweredOn') throw notAllowedInCurrentState(`cannot change CD-ROM ${cd.device} of ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}`, { module: MODULE });
    if (cd.connected && next.connected && cd.isoFile !== next.isoFile) {
      throw notAllowedInCurrentState(`cannot change the ISO of CD-ROM ${cd.device} of ${vm.name} while it is connected and the VM runs: disconnect it first`, { module: MODULE });
    }
    const before = cd.connected ? cd.isoFile : null;
    const after = next.connected ? next.isoFile : null;
    if (before === after && cd.connected === next.connected) return;
    const { driver, dvm } = await this.d.rt.resolveDriverVm(vm);
    if (!driver.changeMedium) throw unsupported(`the ${driver.kind} driver cannot change a CD-ROM of a running VM`, { module: MODULE });
    await driver.changeMedium(dvm, cd.device, after === null ? null : resolve(dvm.dir, after));
  }

  async #newDiskName(vm: Vm, hw: VmHardware, name: string | undefined): Promise<string> {
    const qemu = vm.driver === 'qemu';
    const ext = qemu ? 'qcow2' : 'vmdk';
    const files = this.d.ctx.files(await this.d.rt.datastoreOf(vm));
    const folder = dirname(vm.vmxRel);
    const taken = new Set(hw.disks.map((x) => x.fileName.toLowerCase()));
    const free = async (f: string): Promise<boolean> => !taken.has(f.toLowerCase()) && !(await files.exists(folder === '.' ? f : `${folder}/${f}`));
    if (name !== undefined) {
      if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/.test(name) || name.includes('..')) throw invalidArgument(`disk name '${name}' is not valid (letters, digits, space, '.', '_', '-'; no folders)`, { module: MODULE });
      const f = qemu ? qcow2Name(name) : /\.vmdk$/i.test(name) ? name : `${name}.vmdk`;
      if (!(await free(f))) throw alreadyExists(`a disk file named ${f} already exists in the folder of ${vm.name}`, { module: MODULE });
      return f;
    }
    for (let n = 1; ; n++) {
      const f = `${vm.name}_${n}.${ext}`;
      if (await free(f)) return f;
    }
  }

  /** Refuses an image another VM's disk (or one of this VM's) already uses. */
  async #checkUnshared(vm: Vm, file: string): Promise<void> {
    for (const other of await this.d.ctx.store.vms.query({})) {
      if (other.hardware.disks.length === 0) continue;
      // A VM whose datastore is gone has no files to share.
      const dir = await this.d.rt.resolveDriverVm(other).then(({ dvm }) => dvm.dir, () => null);
      if (dir !== null && other.hardware.disks.some((x) => resolve(dir, x.fileName) === file)) {
        throw alreadyExists(`${file} is already a disk of ${other.id === vm.id ? 'this VM' : `${other.id} (${other.name})`}`, { module: MODULE });
      }
    }
  }
}

function requireOff(vm: Vm, what: string): void {
  if (vm.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot ${what} ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}: power it off first`, { module: MODULE, reason: 'vm_is_running' });
}

function requireOffWithoutSnapshots(vm: Vm, hasSnapshots: boolean, what: string): void {
  requireOff(vm, what);
  if (hasSnapshots) throw notAllowedInCurrentState(`cannot ${what} ${vm.id} (${vm.name}) while it has snapshots: remove them first`, { module: MODULE });
}

function findDisk(vm: Vm, hw: VmHardware, device: string): VirtualDisk {
  const disk = hw.disks.find((x) => x.device === device.toLowerCase());
  if (!disk) throw notFound(`${vm.name} has no disk ${device}`, { module: MODULE });
  return disk;
}

function findCdrom(vm: Vm, hw: VmHardware, device: string): VirtualCdrom {
  const cd = hw.cdroms.find((x) => x.device === device.toLowerCase());
  if (!cd) throw notFound(`${vm.name} has no CD-ROM ${device}`, { module: MODULE });
  return cd;
}

/** The next free SCSI slot: scsi0:0–15 then scsi1:…, skipping unit 7 (the controller's). */
function freeScsiSlot(hw: VmHardware): string {
  const used = new Set(hw.disks.map((x) => x.device));
  for (let c = 0; c < 4; c++) {
    for (let u = 0; u < 16; u++) {
      if (u === 7) continue;
      if (!used.has(`scsi${c}:${u}`)) return `scsi${c}:${u}`;
    }
  }
  throw invalidArgument('the VM has no free SCSI slot for another disk', { module: MODULE });
}

/** `file` relative to `dir` when it is inside it (a VM's own files are kept relative). */
function inside(dir: string, file: string): string | undefined {
  const rel = relative(dir, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * VM hardware → the argv of qemu-system-x86_64. Pure: no file system, no processes; the
 * driver decides the accelerator, the VNC port and the paths, this builds the line.
 *
 * Mapping from the VMware-shaped hardware model:
 * - disks: format by extension (.qcow2 qcow2, .vmdk vmdk, .vdi vdi, .vhd vpc, .vhdx vhdx,
 *   anything else raw), opened with -blockdev (node `disk<N>`); the device by the .vmx key:
 *   `scsiX:Y` → virtio-scsi (Linux keeps its /dev/sdX names), `ideX:Y`/`sataX:Y` → IDE/AHCI,
 *   `nvmeX:Y` → NVMe, anything else → virtio-blk; Windows guests get IDE/AHCI for SCSI
 *   disks (no virtio drivers in a stock Windows).
 * - CD-ROMs: IDE/AHCI, the ISO read-only (node `cd<N>`), or an empty tray.
 * - boot order (without kernel boot, see boot-order.ts): by default `bootindex` on every
 *   disk, then on every CD-ROM with an ISO. A blank disk has no boot sector, so the firmware
 *   (SeaBIOS, OVMF) falls through to the CD-ROM: a new VM boots its installer or live ISO,
 *   an installed one its disk. A VM's own boot order numbers the devices it names (NICs
 *   too) and leaves the others out; boot delay and retry become `-boot`.
 * - NICs by the network they name (`ethernetN.networkName`, see {@link nicNetwork}):
 *   `isolated` → a hub port with nothing else on it (no network); `bridge:<name>` → a tap
 *   on that existing Linux bridge (`-netdev bridge`, through qemu-bridge-helper); anything
 *   else is `nat`: passt (started by the driver, its gateway mapping off, so the guest
 *   cannot reach the host's loopback) over `-netdev stream` on a unix socket. Device by
 *   model: vmxnet3, e1000, e1000e, virtio (virtio-net-pci); Windows with `virtio` gets
 *   e1000e. A NIC without a valid MAC gets one derived from the VM's UUID and its index.
 * - VNC on the console address (127.0.0.1 unless told otherwise) with `password=on`: no
 *   client gets in until the driver sets a one-time password through QMP; QMP and the
 *   guest agent on unix sockets, serial console to a file.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { DriverVm } from '../../core/ports/driver.ts';
import type { VirtualDisk } from '../../core/model/index.ts';
import type { QemuRuntimePaths } from './runtime-paths.ts';
import { bootPlan } from './boot-order.ts';
import { deviceArgs } from './command-line-devices.ts';

export type QemuAccel = 'kvm' | 'tcg';

export type DiskFormat = 'qcow2' | 'vmdk' | 'raw' | 'vdi' | 'vpc' | 'vhdx';

export interface CommandLineOptions {
  readonly accel: QemuAccel;
  readonly paths: QemuRuntimePaths;
  /** TCP port (≥ 5900) on `vncHost`, or null for no VNC server. */
  readonly vncPort: number | null;
  /** Address the VNC server binds to. Default 127.0.0.1. */
  readonly vncHost?: string;
  /** -S: vCPUs wait for `cont`. */
  readonly startPaused: boolean;
  /** -incoming defer: the state comes later through migrate-incoming (resume). */
  readonly incoming: boolean;
  /** UEFI firmware (when hardware.firmware is 'efi'): the code image and this VM's variable store. */
  readonly efi?: { readonly code: string; readonly vars: string } | null;
  /** The passt socket of each `nat` NIC, by NIC index (from {@link natSocketPath}). */
  readonly natSockets?: ReadonlyMap<number, string>;
}

/** How a NIC reaches the world, from the network name its `.vmx` gives it. */
export type NicNetwork = { readonly kind: 'nat' } | { readonly kind: 'isolated' } | { readonly kind: 'bridge'; readonly bridge: string };

/** Linux interface names: at most 15 characters, no '/', no whitespace. */
const BRIDGE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

/**
 * The network kind a NIC's network name selects: `isolated` (any case) → no network;
 * `bridge:<bridge>` → that Linux bridge; any other name (`VM Network`, `nat`, a VMware
 * `bridged` / `hostonly` / `nat` connection type) → nat.
 */
export function nicNetwork(network: string): NicNetwork {
  const n = network.trim();
  if (/^isolated$/i.test(n)) return { kind: 'isolated' };
  const m = /^bridge:(.*)$/i.exec(n);
  if (m) {
    if (!BRIDGE_NAME.test(m[1]!)) throw new RangeError(`'${m[1]}' is not a Linux bridge name (1-15 letters, digits, '.', '_', '-')`);
    return { kind: 'bridge', bridge: m[1]! };
  }
  return { kind: 'nat' };
}

/** The unix socket passt listens on for NIC `index` (short: it lives beside qmp.sock). */
export function natSocketPath(paths: Pick<QemuRuntimePaths, 'socketDir'>, index: number): string {
  return `${paths.socketDir}/n${index}.sock`;
}

/** A stable, locally administered MAC for a NIC whose .vmx has none (52:54:00 is QEMU's prefix). */
export function derivedMac(uuid: string, index: number): string {
  const h = createHash('sha256').update(`${uuid.toLowerCase()}/${index}`).digest();
  return `52:54:00:${[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** One disk as opened by QEMU. */
export interface PlannedDisk {
  readonly node: string;
  readonly device: string;
  readonly file: string;
  readonly format: DiskFormat;
  /** Can hold internal snapshots (and the memory state of one). */
  readonly internalSnapshots: boolean;
}

export interface QemuCommandLine {
  readonly argv: readonly string[];
  /** Indexes of the NICs on a nat network (each needs passt on its socket). */
  readonly natNics: readonly number[];
  readonly disks: readonly PlannedDisk[];
  /** netdev ids of NICs that start with the cable unplugged (set_link after start). */
  readonly disconnectedNics: readonly string[];
}

const LEGACY_GUESTS = /^(dos|win31|win95|win98|winme|winnt|win2000|winxp|winnet|other24x)/i;

export function diskFormatOf(file: string): DiskFormat {
  const f = file.toLowerCase();
  if (f.endsWith('.qcow2') || f.endsWith('.qcow')) return 'qcow2';
  if (f.endsWith('.vmdk')) return 'vmdk';
  if (f.endsWith('.vdi')) return 'vdi';
  if (f.endsWith('.vhd')) return 'vpc';
  if (f.endsWith('.vhdx')) return 'vhdx';
  return 'raw';
}

/** A disk file name from the .vmx, relative to the VM's folder unless absolute. */
export function resolveVmFile(vm: Pick<DriverVm, 'dir'>, file: string): string {
  return isAbsolute(file) ? file : resolve(vm.dir, file);
}

/** QEMU option values double their commas. */
export function qemuOptValue(s: string): string {
  return s.replace(/,/g, ',,');
}

export function isWindowsGuest(guestOs: string): boolean {
  return /^win/i.test(guestOs);
}

export function planDisks(vm: DriverVm): PlannedDisk[] {
  return vm.hardware.disks.map((d: VirtualDisk, i: number) => {
    const format = diskFormatOf(d.fileName);
    return { node: `disk${i}`, device: d.device, file: resolveVmFile(vm, d.fileName), format, internalSnapshots: format === 'qcow2' };
  });
}

export function buildQemuCommandLine(vm: DriverVm, opts: CommandLineOptions): QemuCommandLine {
  const hw = vm.hardware;
  const windows = isWindowsGuest(hw.guestOs);
  const a: string[] = [];
  const add = (...xs: string[]): void => {
    a.push(...xs);
  };

  add('-name', `guest=${qemuOptValue(vm.name)},debug-threads=on`);
  // The BIOS UUID the guest sees (RDV and View know the VM by it); QEMU refuses malformed ones.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(vm.uuid)) add('-uuid', vm.uuid);
  add('-no-user-config', '-nodefaults');
  const machine = LEGACY_GUESTS.test(hw.guestOs) ? 'pc' : 'q35';
  add('-machine', `${machine},accel=${opts.accel}`);
  if (opts.accel === 'kvm') add('-cpu', 'host');
  const cpus = Math.max(1, hw.cpuCount);
  const cores = hw.coresPerSocket > 0 && cpus % hw.coresPerSocket === 0 ? hw.coresPerSocket : 1;
  add('-smp', `cpus=${cpus},sockets=${cpus / cores},cores=${cores},threads=1`);
  add('-m', `${Math.max(16, hw.memoryMiB)}M`);
  add('-rtc', windows ? 'base=localtime' : 'base=utc');
  if (hw.firmware === 'efi' && opts.efi) {
    add('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${qemuOptValue(opts.efi.code)}`);
    add('-drive', `if=pflash,format=raw,unit=1,file=${qemuOptValue(opts.efi.vars)}`);
  }

  // Control and console channels.
  add('-chardev', `socket,id=qmp,path=${qemuOptValue(opts.paths.qmpSocket)},server=on,wait=off`);
  add('-mon', 'chardev=qmp,mode=control');
  add('-chardev', `socket,id=qga0,path=${qemuOptValue(opts.paths.agentSocket)},server=on,wait=off`);
  add('-device', 'virtio-serial-pci,id=vser0');
  add('-device', 'virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0');
  add('-chardev', `file,id=serial0,path=${qemuOptValue(opts.paths.serialLog)}`);
  add('-serial', 'chardev:serial0');
  add('-display', 'none');
  add('-device', 'VGA,id=video0');
  add('-device', 'qemu-xhci,id=usb0', '-device', 'usb-tablet,bus=usb0.0');
  if (opts.vncPort !== null) {
    if (opts.vncPort < 5900 || opts.vncPort > 65535) throw new RangeError(`VNC port ${opts.vncPort} is outside 5900-65535`);
    const host = opts.vncHost ?? '127.0.0.1';
    add('-vnc', `${host.includes(':') ? `[${host}]` : host}:${opts.vncPort - 5900},password=on`);
  }

  // Disks.
  const disks = planDisks(vm);
  const plan = bootPlan(hw);
  const bootOf = (device: string): string => {
    const n = plan.bootIndex.get(device.toLowerCase());
    return n === undefined ? '' : `,bootindex=${n}`;
  };
  if (plan.bootOption !== null) add('-boot', plan.bootOption);
  // q35's AHCI controller has six one-device ports (ide.0 … ide.5) and QEMU does not spread
  // devices over them by itself: each IDE/AHCI disk and CD-ROM takes the next port. The pc
  // machine's two IDE buses take two devices each and are filled in order by QEMU.
  let ahciPort = 0;
  const ideBus = (): string => (machine === 'q35' ? `bus=ide.${ahciPort++},` : '');
  let virtioScsi = false;
  for (const d of disks) {
    add('-blockdev', JSON.stringify({ driver: d.format, 'node-name': d.node, discard: 'unmap', file: { driver: 'file', filename: d.file } }));
    const bus = d.device.replace(/\d.*$/, '').toLowerCase();
    const boot = bootOf(d.device);
    if (bus === 'ide' || bus === 'sata' || (bus === 'scsi' && windows)) {
      add('-device', `ide-hd,${ideBus()}drive=${d.node},id=${d.node}-dev${boot}`);
    } else if (bus === 'nvme') {
      add('-device', `nvme,drive=${d.node},id=${d.node}-dev,serial=vmgate-${d.node}${boot}`);
    } else if (bus === 'scsi') {
      if (!virtioScsi) {
        add('-device', 'virtio-scsi-pci,id=scsi0');
        virtioScsi = true;
      }
      add('-device', `scsi-hd,bus=scsi0.0,drive=${d.node},id=${d.node}-dev${boot}`);
    } else {
      add('-device', `virtio-blk-pci,drive=${d.node},id=${d.node}-dev${boot}`);
    }
  }

  // CD-ROMs.
  hw.cdroms.forEach((cd, i) => {
    const node = `cd${i}`;
    const boot = bootOf(cd.device);
    if (cd.isoFile !== null && cd.connected) {
      const file = resolveVmFile(vm, cd.isoFile);
      add('-blockdev', JSON.stringify({ driver: 'raw', 'node-name': node, 'read-only': true, file: { driver: 'file', filename: file, 'read-only': true } }));
      add('-device', `ide-cd,${ideBus()}drive=${node},id=${node}-dev${boot}`);
    } else {
      add('-device', `ide-cd,${ideBus()}id=${node}-dev`);
    }
  });

  // NICs: nat (passt), isolated or a bridge.
  const disconnectedNics: string[] = [];
  hw.nics.forEach((nic, i) => {
    const id = `net${i}`;
    const net = nicNetwork(nic.network);
    if (net.kind === 'isolated') {
      add('-netdev', `hubport,id=${id},hubid=${i}`);
    } else if (net.kind === 'bridge') {
      add('-netdev', `bridge,id=${id},br=${net.bridge}`);
    } else {
      const socket = opts.natSockets?.get(i);
      if (socket === undefined) throw new RangeError(`NIC ${nic.device} is on a nat network but has no passt socket`);
      add('-netdev', `stream,id=${id},server=off,addr.type=unix,addr.path=${qemuOptValue(socket)}`);
    }
    const model = nicDevice(nic.model, windows);
    const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(nic.macAddress) ? nic.macAddress.toLowerCase() : derivedMac(vm.uuid, i);
    add('-device', `${model},netdev=${id},id=${id}-dev,mac=${mac}${bootOf(nic.device)}`);
    if (!nic.connected) disconnectedNics.push(id);
  });

  // Floppies, serial and parallel ports, controllers no disk uses (command-line-devices.ts).
  add(...deviceArgs(vm));

  // Direct kernel boot.
  if (hw.kernelBoot) {
    add('-kernel', resolveVmFile(vm, hw.kernelBoot.kernel));
    if (hw.kernelBoot.initrd) add('-initrd', resolveVmFile(vm, hw.kernelBoot.initrd));
    if (hw.kernelBoot.cmdline) add('-append', hw.kernelBoot.cmdline);
  }

  add('-pidfile', opts.paths.pidFile);
  add('-msg', 'timestamp=on');
  if (opts.startPaused) add('-S');
  if (opts.incoming) add('-incoming', 'defer');
  return { argv: a, disks, disconnectedNics, natNics: hw.nics.flatMap((n, i) => (nicNetwork(n.network).kind === 'nat' ? [i] : [])) };
}

function nicDevice(model: string, windows: boolean): string {
  switch (model.toLowerCase()) {
    case 'e1000':
      return 'e1000';
    case 'e1000e':
      return 'e1000e';
    case 'vmxnet3':
      return 'vmxnet3';
    case 'virtio':
    case 'virtio-net':
      return windows ? 'e1000e' : 'virtio-net-pci';
    default:
      return windows ? 'e1000e' : 'virtio-net-pci';
  }
}

/**
 * VmxDocument ↔ a VM's identity and `VmHardware` (src/core/model/vm.ts).
 *
 * Keys read and written:
 *
 *   displayName                      name
 *   uuid.bios                        uuid ("56 4d … bc-de f0 … bc" ↔ lower-case GUID)
 *   guestinfo.hostname               fqdn
 *   annotation                       annotation (newlines are `|0A` in the file)
 *   numvcpus, cpuid.coresPerSocket   cpuCount, coresPerSocket
 *   memsize                          memoryMiB
 *   guestOS, virtualHW.version       guestOs, version
 *   firmware                         "efi" | "bios"
 *   <bus><c>:<u>.present/fileName/deviceType/startConnected   disks and CD-ROMs
 *                                    (bus: scsi, ide, sata, nvme)
 *   ethernet<n>.present/virtualDev/networkName/connectionType/addressType/
 *     generatedAddress/address/startConnected                  NICs
 *   vmgate.<device>.capacityMiB      disk capacity (see below)
 *   vmgate.boot.kernel/initrd/cmdline  direct kernel boot
 *   bios.bootOrder/hddOrder/nicOrder, bios.bootDelay, bios.bootRetry.*  boot (vmx-boot.ts)
 *   ethernet<n>.addressType "static"  staticMac (a MAC given, vSphere's MANUAL)
 *   floppy<n>.*, serial<n>.*, parallel<n>.*, scsi<n>/sata<n>/nvme<n>.present/virtualDev
 *                                    see vmx-devices.ts
 *
 * Devices count only when `<device>.present` is true (VMware's default is false).
 * A device whose deviceType is `cdrom-image`, `atapi-cdrom` or `cdrom-raw` is a CD-ROM:
 * `cdrom-image` carries an ISO in fileName (empty = no ISO); `atapi-cdrom`/`cdrom-raw`
 * are the host's drive ("auto detect", /dev/sr0), which vmgate reports as an empty drive
 * (isoFile null). A device without deviceType, or with a hard-disk one (`disk`,
 * `scsi-hardDisk`, `ata-hardDisk`, `plainDisk`, `rawDisk`), is a disk. Anything else
 * (pass-through, …) is not part of VmHardware and is left alone.
 *
 * Disk capacity is not in a .vmx (it is in the .vmdk descriptor). vmgate keeps it in
 * `vmgate.<device>.capacityMiB`; when that key is missing capacityMiB is 0, meaning
 * "unknown": the caller reads it from the disk if it needs it.
 *
 * Defaults for missing keys (VMX_DEFAULTS) — files written by VMware products and by
 * vmgate always carry these keys; the defaults only matter for hand-written files:
 *   numvcpus 1, cpuid.coresPerSocket 1 (VMware's defaults);
 *   memsize 256 MiB (VMware's built-in default is lower and product-dependent; vmgate
 *     picks a size small appliance and Linux guests boot with);
 *   guestOS "other" (VMware's default);
 *   virtualHW.version 4 (a file without it is from the ESX 3 / Workstation 5 era);
 *   firmware "bios" (VMware's default);
 *   ethernet<n>.virtualDev "e1000" (VMware picks vlance or e1000 by guest OS; e1000 is
 *     driven by every guest vmgate targets);
 *   network: networkName, else connectionType (Workstation: bridged | nat | hostonly;
 *     "custom" uses ethernet<n>.vnet), else "bridged" (VMware's default connectionType);
 *   startConnected true (VMware's default).
 *
 * A number or boolean that cannot be read makes readVmxConfig throw VmgateError
 * invalid_argument naming the key. writeVmxConfig changes only keys whose effective value
 * differs, so an untouched VM's file stays byte-identical.
 */
import { invalidArgument } from '../errors.ts';
import type { KernelBoot, VirtualCdrom, VirtualDisk, VirtualNic, VmHardware } from '../model/index.ts';
import type { VmxDocument } from './vmx-document.ts';
import { guidToVmwareUuid, vmwareUuidToGuid } from './vmx-uuid.ts';
import { putBoot, readBootOptions, readBootOrder } from './vmx-boot.ts';
import { readDevices, validateDevices, writeDevices } from './vmx-devices.ts';

const MODULE = 'core.vmx';

/** A VM's identity and hardware as its .vmx describes them. */
export interface VmxConfig {
  readonly name: string;
  /** Lower-case 8-4-4-4-12 GUID of `uuid.bios`; null when the file has none. */
  readonly uuid: string | null;
  readonly hardware: VmHardware;
  /** `guestinfo.hostname`; null when unset. */
  readonly fqdn: string | null;
  readonly annotation: string;
}

export interface ReadVmxOptions {
  /** Name when the file has no displayName (VMware uses the .vmx file's base name). */
  readonly fallbackName?: string;
}

/** Values used when a key is missing; see the module comment for why. */
export const VMX_DEFAULTS = {
  cpuCount: 1,
  coresPerSocket: 1,
  memoryMiB: 256,
  guestOs: 'other',
  version: 4,
  firmware: 'bios',
  nicModel: 'e1000',
  network: 'bridged',
  /** virtualDev vmgate gives a SCSI controller it has to create. */
  scsiController: 'lsilogic',
} as const;

/** Inclusive ranges vmgate accepts (generous; they only stop nonsense). */
const LIMITS = {
  cpuCount: [1, 4096],
  coresPerSocket: [1, 4096],
  memoryMiB: [1, 2 ** 24], // 16 TiB
  version: [1, 255],
  capacityMiB: [0, 2 ** 36], // 64 PiB
} as const;

const DEVICE = /^(scsi|ide|sata|nvme)(\d+):(\d+)$/i;
const NIC = /^ethernet\d+$/i;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const CDROM_TYPES = new Set(['cdrom-image', 'atapi-cdrom', 'cdrom-raw']);
const HOST_CDROM_TYPES = new Set(['atapi-cdrom', 'cdrom-raw']);
const DISK_TYPES = new Set(['', 'disk', 'scsi-harddisk', 'ata-harddisk', 'plaindisk', 'rawdisk']);
const WORKSTATION_NETWORKS = new Set(['bridged', 'nat', 'hostonly']);

// ---------------------------------------------------------------------------------------
// read

/** Reads identity and hardware from a .vmx. Throws invalid_argument naming a bad key. */
export function readVmxConfig(doc: VmxDocument, options: ReadVmxOptions = {}): VmxConfig {
  const uuidText = doc.get('uuid.bios');
  let uuid: string | null = null;
  if (uuidText !== undefined && uuidText.trim() !== '') {
    uuid = vmwareUuidToGuid(uuidText);
    if (uuid === null) throw badValue('uuid.bios', uuidText, 'expected 16 hex bytes like "56 4d 12 34 56 78 9a bc-de f0 12 34 56 78 9a bc"');
  }
  const fqdn = doc.get('guestinfo.hostname');
  return {
    name: doc.get('displayName') ?? options.fallbackName ?? '',
    uuid,
    hardware: readHardware(doc),
    fqdn: fqdn === undefined || fqdn === '' ? null : fqdn,
    annotation: doc.get('annotation') ?? '',
  };
}

function readHardware(doc: VmxDocument): VmHardware {
  const disks: VirtualDisk[] = [];
  const cdroms: VirtualCdrom[] = [];
  for (const device of presentDevices(doc)) {
    const type = (doc.get(`${device}.deviceType`) ?? '').toLowerCase();
    const fileName = doc.get(`${device}.fileName`) ?? '';
    if (CDROM_TYPES.has(type)) {
      const iso = type === 'cdrom-image' && fileName !== '' ? fileName : null;
      cdroms.push({ device, isoFile: iso, connected: readBool(doc, `${device}.startConnected`, true) });
    } else if (DISK_TYPES.has(type)) {
      disks.push({ device, fileName, capacityMiB: readInt(doc, `vmgate.${device}.capacityMiB`, 0, LIMITS.capacityMiB) });
    }
  }
  const nics: VirtualNic[] = presentNics(doc).map((device) => ({
    device,
    macAddress: readMac(doc, device),
    network: readNetwork(doc, device),
    connected: readBool(doc, `${device}.startConnected`, true),
    model: doc.get(`${device}.virtualDev`) || VMX_DEFAULTS.nicModel,
    ...((doc.get(`${device}.addressType`) ?? '').toLowerCase() === 'static' ? { staticMac: true } : {}),
  }));
  return {
    cpuCount: readInt(doc, 'numvcpus', VMX_DEFAULTS.cpuCount, LIMITS.cpuCount),
    coresPerSocket: readInt(doc, 'cpuid.coresPerSocket', VMX_DEFAULTS.coresPerSocket, LIMITS.coresPerSocket),
    memoryMiB: readInt(doc, 'memsize', VMX_DEFAULTS.memoryMiB, LIMITS.memoryMiB),
    guestOs: doc.get('guestOS') || VMX_DEFAULTS.guestOs,
    version: readInt(doc, 'virtualHW.version', VMX_DEFAULTS.version, LIMITS.version),
    firmware: readFirmware(doc),
    disks,
    nics,
    cdroms,
    kernelBoot: readKernelBoot(doc),
    ...bootOf(doc),
    ...readDevices(doc, [...disks, ...cdroms]),
  };
}

/** Boot order and settings (vmx-boot.ts), present only when the file sets them. */
function bootOf(doc: VmxDocument): Pick<VmHardware, 'bootOrder' | 'boot'> {
  const bootOrder = readBootOrder(doc);
  const boot = readBootOptions(doc);
  return { ...(bootOrder ? { bootOrder } : {}), ...(boot ? { boot } : {}) };
}

/**
 * Device keys ('scsi0:0') whose `.present` is true, in file order, lower-case. Not
 * strict: an unreadable `.present` counts as false instead of throwing.
 */
function presentDevices(doc: VmxDocument, strict = true): string[] {
  return present(doc, /^((?:scsi|ide|sata|nvme)\d+:\d+)\.present$/i, strict);
}

function presentNics(doc: VmxDocument, strict = true): string[] {
  return present(doc, /^(ethernet\d+)\.present$/i, strict);
}

export function present(doc: VmxDocument, pattern: RegExp, strict: boolean): string[] {
  const out: string[] = [];
  for (const key of doc.keys()) {
    const m = pattern.exec(key);
    if (m === null) continue;
    const on = strict ? readBool(doc, key, false) : lenient(() => readBool(doc, key, false)) === true;
    if (on) out.push(m[1].toLowerCase());
  }
  return out;
}

function readMac(doc: VmxDocument, nic: string): string {
  const type = (doc.get(`${nic}.addressType`) ?? 'generated').toLowerCase();
  const key = type === 'static' ? `${nic}.address` : `${nic}.generatedAddress`;
  return (doc.get(key) ?? '').trim().toLowerCase();
}

function readNetwork(doc: VmxDocument, nic: string): string {
  const name = doc.get(`${nic}.networkName`);
  if (name !== undefined && name !== '') return name;
  const type = doc.get(`${nic}.connectionType`);
  if (type === undefined || type === '') return VMX_DEFAULTS.network;
  if (type.toLowerCase() === 'custom') return doc.get(`${nic}.vnet`) || type;
  return type;
}

function readFirmware(doc: VmxDocument): 'bios' | 'efi' {
  const v = doc.get('firmware');
  if (v === undefined || v.trim() === '') return VMX_DEFAULTS.firmware;
  const f = v.trim().toLowerCase();
  if (f === 'bios' || f === 'efi') return f;
  throw badValue('firmware', v, 'expected "bios" or "efi"');
}

function readKernelBoot(doc: VmxDocument): KernelBoot | null {
  const kernel = doc.get('vmgate.boot.kernel');
  if (kernel === undefined || kernel === '') return null;
  const initrd = doc.get('vmgate.boot.initrd');
  return { kernel, initrd: initrd === undefined || initrd === '' ? null : initrd, cmdline: doc.get('vmgate.boot.cmdline') ?? '' };
}

function readInt(doc: VmxDocument, key: string, fallback: number, [min, max]: readonly [number, number]): number {
  const v = doc.get(key);
  if (v === undefined) return fallback;
  const t = v.trim();
  const n = /^\d{1,16}$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badValue(key, v, `expected a whole number from ${min} to ${max}`);
  }
  return n;
}

/** VMware's booleans: TRUE/FALSE, yes/no, 1/0, on/off, any case. */
export function readBool(doc: VmxDocument, key: string, fallback: boolean): boolean {
  const v = doc.get(key);
  if (v === undefined) return fallback;
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1' || t === 'on') return true;
  if (t === 'false' || t === 'no' || t === '0' || t === 'off') return false;
  throw badValue(key, v, 'expected "TRUE" or "FALSE"');
}

function badValue(key: string, value: string, expected: string): Error {
  return invalidArgument(`.vmx key "${key}" has an invalid value ${JSON.stringify(value)}: ${expected}`, {
    module: MODULE,
    details: { key, value },
  });
}

/** The value `read` returns, or undefined when the key is unreadable (then it is rewritten). */
export function lenient<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------
// write

/**
 * Brings `doc` in line with `cfg`, changing only keys whose effective value differs
 * (a missing key whose default equals the wanted value is left missing). Removed devices
 * lose all their keys; new ones are appended. Throws invalid_argument for a cfg vmgate
 * must not write (bad numbers, device names, MAC addresses, UUID, duplicate devices).
 */
export function writeVmxConfig(doc: VmxDocument, cfg: VmxConfig): void {
  applyConfig(doc, cfg, false);
}

/**
 * Shared by writeVmxConfig and buildNewVmx. `explicit` writes identity and sizing keys
 * even when they equal the defaults.
 */
export function applyConfig(doc: VmxDocument, cfg: VmxConfig, explicit: boolean): void {
  validateConfig(cfg);
  const hw = cfg.hardware;

  // Devices that go away (or change kind) lose all their keys first.
  const wantedDisks = new Set(hw.disks.map((d) => d.device.toLowerCase()));
  const wantedCdroms = new Set(hw.cdroms.map((c) => c.device.toLowerCase()));
  const wantedNics = new Set(hw.nics.map((n) => n.device.toLowerCase()));
  for (const device of presentDevices(doc, false)) {
    const type = (doc.get(`${device}.deviceType`) ?? '').toLowerCase();
    const isCdrom = CDROM_TYPES.has(type);
    const isDisk = DISK_TYPES.has(type);
    if ((isCdrom && !wantedCdroms.has(device)) || (isDisk && !wantedDisks.has(device))) {
      deleteDevice(doc, device);
    }
  }
  for (const nic of presentNics(doc, false)) {
    if (!wantedNics.has(nic)) deleteDevice(doc, nic);
  }

  // Identity and sizing.
  putText(doc, 'displayName', cfg.name, explicit);
  putUuid(doc, cfg.uuid);
  putText(doc, 'guestOS', hw.guestOs, explicit, VMX_DEFAULTS.guestOs);
  putInt(doc, 'virtualHW.version', hw.version, explicit, VMX_DEFAULTS.version, LIMITS.version);
  putInt(doc, 'numvcpus', hw.cpuCount, explicit, VMX_DEFAULTS.cpuCount, LIMITS.cpuCount);
  putInt(doc, 'cpuid.coresPerSocket', hw.coresPerSocket, explicit, VMX_DEFAULTS.coresPerSocket, LIMITS.coresPerSocket);
  putInt(doc, 'memsize', hw.memoryMiB, explicit, VMX_DEFAULTS.memoryMiB, LIMITS.memoryMiB);
  if (explicit || lenient(() => readFirmware(doc)) !== hw.firmware) doc.set('firmware', hw.firmware);

  for (const disk of hw.disks) putDisk(doc, disk);
  for (const cdrom of hw.cdroms) putCdrom(doc, cdrom);
  for (const nic of hw.nics) putNic(doc, nic);
  putKernelBoot(doc, hw.kernelBoot);
  putBoot(doc, hw.bootOrder, hw.boot);
  writeDevices(doc, hw);

  putOptionalText(doc, 'annotation', cfg.annotation === '' ? null : cfg.annotation);
  putOptionalText(doc, 'guestinfo.hostname', cfg.fqdn === '' ? null : cfg.fqdn);
}

export function putText(doc: VmxDocument, key: string, value: string, explicit: boolean, fallback = ''): void {
  if (explicit || (doc.get(key) || fallback) !== value) doc.set(key, value);
}

function putOptionalText(doc: VmxDocument, key: string, value: string | null): void {
  if (value === null) doc.delete(key);
  else doc.set(key, value);
}

function putInt(
  doc: VmxDocument,
  key: string,
  value: number,
  explicit: boolean,
  fallback: number,
  limits: readonly [number, number],
): void {
  if (explicit || lenient(() => readInt(doc, key, fallback, limits)) !== value) doc.set(key, String(value));
}

export function putBool(doc: VmxDocument, key: string, value: boolean, fallback: boolean): void {
  if (lenient(() => readBool(doc, key, fallback)) !== value) doc.set(key, value ? 'TRUE' : 'FALSE');
}

function putUuid(doc: VmxDocument, uuid: string | null): void {
  if (uuid === null) {
    doc.delete('uuid.bios');
    return;
  }
  const now = doc.get('uuid.bios');
  if (now !== undefined && vmwareUuidToGuid(now) === vmwareUuidToGuid(uuid)) return;
  doc.set('uuid.bios', guidToVmwareUuid(uuid) as string);
}

function putDisk(doc: VmxDocument, disk: VirtualDisk): void {
  const dev = disk.device.toLowerCase();
  ensureController(doc, dev);
  putBool(doc, `${dev}.present`, true, false);
  const type = doc.get(`${dev}.deviceType`);
  if (type !== undefined && !DISK_TYPES.has(type.toLowerCase())) doc.delete(`${dev}.deviceType`);
  putText(doc, `${dev}.fileName`, disk.fileName, false);
  // 0 = unknown: a missing key stays missing.
  putInt(doc, `vmgate.${dev}.capacityMiB`, disk.capacityMiB, false, 0, LIMITS.capacityMiB);
}

function putCdrom(doc: VmxDocument, cdrom: VirtualCdrom): void {
  const dev = cdrom.device.toLowerCase();
  ensureController(doc, dev);
  putBool(doc, `${dev}.present`, true, false);
  const type = (doc.get(`${dev}.deviceType`) ?? '').toLowerCase();
  if (cdrom.isoFile !== null) {
    if (type !== 'cdrom-image') doc.set(`${dev}.deviceType`, 'cdrom-image');
    putText(doc, `${dev}.fileName`, cdrom.isoFile, false);
    if (HOST_CDROM_TYPES.has(type)) doc.delete(`${dev}.autodetect`);
  } else if (!HOST_CDROM_TYPES.has(type)) {
    // An empty drive as VMware writes one: the host's drive, auto-detected.
    doc.set(`${dev}.deviceType`, 'atapi-cdrom');
    doc.set(`${dev}.fileName`, 'auto detect');
    doc.set(`${dev}.autodetect`, 'TRUE');
  }
  putBool(doc, `${dev}.startConnected`, cdrom.connected, true);
}

function putNic(doc: VmxDocument, nic: VirtualNic): void {
  const dev = nic.device.toLowerCase();
  putBool(doc, `${dev}.present`, true, false);
  putText(doc, `${dev}.virtualDev`, nic.model, false, VMX_DEFAULTS.nicModel);
  if (readNetwork(doc, dev) !== nic.network) {
    const hasName = doc.has(`${dev}.networkName`);
    const hasType = doc.has(`${dev}.connectionType`);
    if (!hasName && hasType && WORKSTATION_NETWORKS.has(nic.network)) {
      doc.set(`${dev}.connectionType`, nic.network);
    } else {
      doc.set(`${dev}.networkName`, nic.network);
    }
  }
  const mac = nic.macAddress.toLowerCase();
  putMacType(doc, dev, nic.staticMac);
  if (readMac(doc, dev) !== mac) {
    const isStatic = (doc.get(`${dev}.addressType`) ?? '').toLowerCase() === 'static';
    if (mac === '') {
      doc.delete(isStatic ? `${dev}.address` : `${dev}.generatedAddress`);
    } else if (isStatic) {
      doc.set(`${dev}.address`, mac);
    } else {
      if (!doc.has(`${dev}.addressType`)) doc.set(`${dev}.addressType`, 'generated');
      doc.set(`${dev}.generatedAddress`, mac);
    }
  }
  putBool(doc, `${dev}.startConnected`, nic.connected, true);
}

/** `staticMac` true: `addressType = "static"` with `address`; false: generated; undefined: as the file has it. */
function putMacType(doc: VmxDocument, dev: string, staticMac: boolean | undefined): void {
  if (staticMac === undefined) return;
  const isStatic = (doc.get(`${dev}.addressType`) ?? '').toLowerCase() === 'static';
  if (staticMac === isStatic) return;
  const mac = readMac(doc, dev);
  doc.set(`${dev}.addressType`, staticMac ? 'static' : 'generated');
  doc.delete(staticMac ? `${dev}.generatedAddress` : `${dev}.address`);
  if (mac !== '') doc.set(staticMac ? `${dev}.address` : `${dev}.generatedAddress`, mac);
}

function putKernelBoot(doc: VmxDocument, boot: KernelBoot | null): void {
  if (boot === null) {
    for (const key of ['vmgate.boot.kernel', 'vmgate.boot.initrd', 'vmgate.boot.cmdline']) doc.delete(key);
    return;
  }
  doc.set('vmgate.boot.kernel', boot.kernel);
  putOptionalText(doc, 'vmgate.boot.initrd', boot.initrd === '' ? null : boot.initrd);
  if (boot.cmdline === '') doc.delete('vmgate.boot.cmdline');
  else doc.set('vmgate.boot.cmdline', boot.cmdline);
}

/** SCSI, SATA and NVMe devices need their controller; IDE controllers are always there. */
function ensureController(doc: VmxDocument, device: string): void {
  const m = DEVICE.exec(device) as RegExpExecArray;
  const bus = m[1].toLowerCase();
  if (bus === 'ide') return;
  const controller = `${bus}${m[2]}`;
  if (lenient(() => readBool(doc, `${controller}.present`, false)) === true) return;
  doc.set(`${controller}.present`, 'TRUE');
  if (bus === 'scsi' && !doc.has(`${controller}.virtualDev`)) {
    doc.set(`${controller}.virtualDev`, VMX_DEFAULTS.scsiController);
  }
}

/** Deletes `<device>.*` and `vmgate.<device>.*`. */
export function deleteDevice(doc: VmxDocument, device: string): void {
  const prefixes = [`${device}.`, `vmgate.${device}.`];
  for (const key of doc.keys()) {
    const lower = key.toLowerCase();
    if (prefixes.some((p) => lower.startsWith(p))) doc.delete(key);
  }
}

function validateConfig(cfg: VmxConfig): void {
  const hw = cfg.hardware;
  const int = (what: string, v: number, [min, max]: readonly [number, number]): void => {
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw invalidArgument(`${what} must be a whole number from ${min} to ${max}, not ${String(v)}`, { module: MODULE });
    }
  };
  int('cpuCount', hw.cpuCount, LIMITS.cpuCount);
  int('coresPerSocket', hw.coresPerSocket, LIMITS.coresPerSocket);
  int('memoryMiB', hw.memoryMiB, LIMITS.memoryMiB);
  int('version', hw.version, LIMITS.version);
  if (hw.firmware !== 'bios' && hw.firmware !== 'efi') {
    throw invalidArgument(`firmware must be "bios" or "efi", not ${JSON.stringify(hw.firmware)}`, { module: MODULE });
  }
  if (hw.guestOs === '') throw invalidArgument('guestOs must not be empty', { module: MODULE });
  if (cfg.uuid !== null && guidToVmwareUuid(cfg.uuid) === null) {
    throw invalidArgument(`uuid ${JSON.stringify(cfg.uuid)} is not a GUID`, { module: MODULE });
  }
  const seen = new Set<string>();
  const unique = (device: string): void => {
    const d = device.toLowerCase();
    if (seen.has(d)) throw invalidArgument(`device ${device} is listed twice`, { module: MODULE });
    seen.add(d);
  };
  for (const d of [...hw.disks, ...hw.cdroms]) {
    if (!DEVICE.test(d.device)) {
      throw invalidArgument(`device ${JSON.stringify(d.device)} is not a disk slot like "scsi0:0", "ide1:0", "sata0:1" or "nvme0:0"`, {
        module: MODULE,
      });
    }
    unique(d.device);
  }
  for (const d of hw.disks) int(`capacityMiB of ${d.device}`, d.capacityMiB, LIMITS.capacityMiB);
  for (const n of hw.nics) {
    if (!NIC.test(n.device)) {
      throw invalidArgument(`NIC ${JSON.stringify(n.device)} is not a device like "ethernet0"`, { module: MODULE });
    }
    unique(n.device);
    if (n.macAddress !== '' && !MAC.test(n.macAddress)) {
      throw invalidArgument(`MAC address ${JSON.stringify(n.macAddress)} of ${n.device} is not like "00:50:56:12:34:56"`, {
        module: MODULE,
      });
    }
    if (n.model === '') throw invalidArgument(`model of ${n.device} must not be empty`, { module: MODULE });
  }
  validateDevices(hw);
  if (hw.kernelBoot !== null && hw.kernelBoot.kernel === '') {
    throw invalidArgument('kernelBoot.kernel must not be empty (use kernelBoot: null for a normal boot)', { module: MODULE });
  }
  // Checked up front so a failed write never leaves the document half-changed.
  const texts: Array<[string, string | null]> = [
    ['name', cfg.name],
    ['annotation', cfg.annotation],
    ['fqdn', cfg.fqdn],
    ['guestOs', hw.guestOs],
    ...hw.disks.map((d): [string, string] => [`fileName of ${d.device}`, d.fileName]),
    ...hw.cdroms.map((c): [string, string | null] => [`isoFile of ${c.device}`, c.isoFile]),
    ...hw.nics.flatMap((n): Array<[string, string]> => [
      [`network of ${n.device}`, n.network],
      [`model of ${n.device}`, n.model],
    ]),
    ['kernelBoot.kernel', hw.kernelBoot?.kernel ?? null],
    ['kernelBoot.initrd', hw.kernelBoot?.initrd ?? null],
    ['kernelBoot.cmdline', hw.kernelBoot?.cmdline ?? null],
  ];
  for (const [what, value] of texts) {
    if (value !== null && (typeof value !== 'string' || value.includes('\0'))) {
      throw invalidArgument(`${what} must be text without NUL characters`, { module: MODULE });
    }
  }
}

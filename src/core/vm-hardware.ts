/** A VM's configuration: hardware changes and upgrades, rename, the .vmx rewrite, and the rules a VM's name and hardware follow. */
import { randomBytes } from 'node:crypto';
import type { Caller } from './caller.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState } from './errors.ts';
import type { Task, VirtualSerial, Vm, VmHardware } from './model/index.ts';
import { checkFreeText, checkObjectName, TEXT_LIMITS } from './names.ts';
import { describePowerState } from './power.ts';
import type { VmCreateSpec } from './vm-create.ts';
import type { VmDeps } from './vm-deps.ts';
import { resolveVm } from './vm-refs.ts';
import { parseVmx, readVmxConfig, VMX_CONFIG_VERSION, writeVmxConfig } from './vmx/index.ts';

export interface VmHardwareUpdate {
  readonly cpuCount?: number;
  readonly coresPerSocket?: number;
  readonly memoryMiB?: number;
  readonly guestOs?: string;
  readonly annotation?: string;
}

export const LATEST_HW_VERSION = 19;

export async function updateHardware(d: VmDeps, caller: Caller, ref: string, patch: VmHardwareUpdate): Promise<Vm> {
  const vm = await resolveVm(d, caller, ref, 'VirtualMachine.Config');
  const release = d.ctx.locks.acquire(vm.id, 'reconfigure');
  try {
    const cur = (await d.ctx.store.vms.get(vm.id))!;
    const hotOk = patch.cpuCount === undefined && patch.memoryMiB === undefined && patch.coresPerSocket === undefined;
    if (!hotOk && cur.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot change vCPUs or memory of ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}`, { module: 'core.vm' });
    // Only what changes is checked: the devices stay as they are (an attached image's
    // absolute path, a registered disk of unknown size are not for create's rules).
    const sizing = validateHardware({
      ...cur.hardware,
      disks: [],
      nics: [],
      ...(patch.cpuCount !== undefined ? { cpuCount: patch.cpuCount } : {}),
      ...(patch.coresPerSocket !== undefined ? { coresPerSocket: patch.coresPerSocket } : {}),
      ...(patch.memoryMiB !== undefined ? { memoryMiB: patch.memoryMiB } : {}),
      ...(patch.guestOs !== undefined ? { guestOs: patch.guestOs } : {}),
    });
    const hardware: VmHardware = { ...sizing, disks: cur.hardware.disks, nics: cur.hardware.nics };
    checkFreeText('annotation', patch.annotation, TEXT_LIMITS.long, 'core.vm');
    const annotation = patch.annotation ?? cur.annotation;
    await rewriteVmx(d, cur, { hardware, annotation });
    const next = await d.rt.update(cur, { hardware, annotation });
    await d.events.record(vm.id, 'vm.reconfigured', `reconfigured: ${Object.keys(patch).join(', ')}`, { caller });
    return next;
  } finally {
    release();
  }
}

/** Raises virtualHW.version (to the latest when `version` is omitted). A task. */
export async function upgradeHardware(d: VmDeps, caller: Caller, ref: string, version?: number): Promise<Task> {
  const vm = await resolveVm(d, caller, ref, 'VirtualMachine.Config');
  const release = d.ctx.locks.acquire(vm.id, 'upgrade');
  try {
    const target = version ?? LATEST_HW_VERSION;
    if (!Number.isInteger(target) || target < 4 || target > LATEST_HW_VERSION) throw invalidArgument(`hardware version ${version} is not supported (4–${LATEST_HW_VERSION})`, { module: 'core.vm' });
    if (vm.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot upgrade the hardware of ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}`, { module: 'core.vm', reason: 'vm_is_running' });
    if (vm.hardware.version >= target) throw alreadyExists(`${vm.id} (${vm.name}) is already at hardware version vmx-${vm.hardware.version}`, { module: 'core.vm', reason: 'already_in_state' });
    return await d.tasks.start({ kind: 'vm.upgrade', targetId: vm.id, targetName: vm.name, caller, cancellable: false, release, lockedVmId: vm.id, step: 'Upgrading virtual hardware' }, async (t) => {
      const cur = (await d.ctx.store.vms.get(vm.id))!;
      const hardware = { ...cur.hardware, version: target };
      await rewriteVmx(d, cur, { hardware });
      await d.rt.update(cur, { hardware });
      await d.events.record(vm.id, 'vm.upgraded', `virtual hardware upgraded from vmx-${cur.hardware.version} to vmx-${target}`, { caller, taskId: t.taskId });
      return { version: target };
    });
  } catch (e) {
    release();
    throw e;
  }
}

/** Rewrites the .vmx with the VM's current identity and a hardware/annotation change. */
export async function rewriteVmx(d: Pick<VmDeps, 'ctx' | 'rt'>, vm: Vm, change: { hardware?: VmHardware; annotation?: string; name?: string }): Promise<void> {
  const files = d.ctx.files(await d.rt.datastoreOf(vm));
  const doc = parseVmx(await files.readText(vm.vmxRel));
  const cfg = readVmxConfig(doc);
  writeVmxConfig(doc, { ...cfg, name: change.name ?? vm.name, uuid: vm.uuid, hardware: change.hardware ?? vm.hardware, annotation: change.annotation ?? vm.annotation, fqdn: vm.fqdn });
  await files.writeAtomic(vm.vmxRel, doc.toString());
}

export async function renameVm(d: VmDeps, caller: Caller, ref: string, name: string): Promise<Vm> {
  const vm = await resolveVm(d, caller, ref, 'VirtualMachine.Config');
  checkVmName(name);
  await rewriteVmx(d, vm, { name });
  const next = await d.rt.update(vm, { name });
  await d.events.record(vm.id, 'vm.renamed', `renamed from '${vm.name}' to '${name}'`, { caller });
  return next;
}

export function checkVmName(name: unknown): asserts name is string {
  checkObjectName('VM name', name, { also: [/[/\\"]/, 'no slashes, backslashes or quotes'], module: 'core.vm' });
}

/** A new MAC no address in `taken` has (added to it). */
export function freshMac(taken: Set<string>): string {
  for (;;) {
    const mac = newMac();
    if (taken.has(mac)) continue;
    taken.add(mac);
    return mac;
  }
}

/**
 * A serial port's loopback TCP port is free: no serial port of `vms` (but `except`, the port
 * being changed) listens on it; otherwise already_exists, naming the port's holder, after
 * `context` (what was being done, e.g. `'[ds1] a/a.vmx' cannot be registered: its serial0's `).
 * Callers hold the 'serial-port' section from this check to their write.
 */
export function checkSerialPortFree(vms: readonly Vm[], backing: VirtualSerial['backing'], except: { vmId: string; device: string } | null, context = ''): void {
  if (backing.kind !== 'tcpServer') return;
  for (const other of vms) {
    for (const p of other.hardware.serials ?? []) {
      if (except && other.id === except.vmId && p.device === except.device) continue;
      if (p.backing.kind === 'tcpServer' && p.backing.port === backing.port) {
        throw alreadyExists(`${context}TCP port ${backing.port} is already used by ${p.device} of ${other.id} (${other.name}): pick another port`, { module: 'core.vm' });
      }
    }
  }
}

/** The MACs of every VM in the inventory, lower case. */
export function macsOf(vms: readonly { readonly hardware: VmHardware }[]): Set<string> {
  return new Set(vms.flatMap((v) => v.hardware.nics.map((n) => n.macAddress.toLowerCase())));
}

export function newMac(): string {
  const b = randomBytes(3);
  return `00:50:56:${(b[0]! & 0x3f).toString(16).padStart(2, '0')}:${b[1]!.toString(16).padStart(2, '0')}:${b[2]!.toString(16).padStart(2, '0')}`;
}

/** What a new VM gets when its creator says nothing (VMConfigDefaults_GetAll). */
export interface VmConfigDefaults {
  /** `config.version` of the .vmx files vmgate writes. */
  readonly configVersion: string;
  readonly guestOs: string;
  readonly cpuCount: number;
  readonly coresPerSocket: number;
  readonly memoryMiB: number;
  readonly hardwareVersion: number;
  readonly firmware: 'bios' | 'efi';
  readonly diskCapacityMiB: number;
  /** The disk format of the default driver: qcow2 (QEMU) or vmdk (sim). */
  readonly diskFormat: 'qcow2' | 'vmdk';
  readonly nicModel: string;
  readonly network: string;
}

/** The defaults, read from buildHardware itself (one source of truth). */
export function configDefaults(defaultDriver: string): VmConfigDefaults {
  const hw = buildHardware({ name: 'defaults' });
  return {
    configVersion: VMX_CONFIG_VERSION,
    guestOs: hw.guestOs,
    cpuCount: hw.cpuCount,
    coresPerSocket: hw.coresPerSocket,
    memoryMiB: hw.memoryMiB,
    hardwareVersion: hw.version,
    firmware: hw.firmware,
    diskCapacityMiB: hw.disks[0]!.capacityMiB,
    diskFormat: defaultDriver === 'qemu' ? 'qcow2' : 'vmdk',
    nicModel: hw.nics[0]!.model,
    network: hw.nics[0]!.network,
  };
}

export function buildHardware(spec: VmCreateSpec): VmHardware {
  const disks = (spec.disks ?? [{ capacityMiB: 1024 }]).map((d, i) => ({
    device: i < 16 ? `scsi0:${i >= 7 ? i + 1 : i}` : `scsi1:${i - 16}`,
    fileName: d.fileName ?? '',
    capacityMiB: d.capacityMiB,
  }));
  const nics = (spec.nics ?? [{}]).map((n, i) => ({
    device: `ethernet${i}`,
    macAddress: n.macAddress ?? newMac(),
    network: n.network ?? 'VM Network',
    connected: n.connected ?? true,
    model: n.model ?? 'vmxnet3',
  }));
  const cdroms = (spec.cdroms ?? []).map((c, i) => ({ device: `ide1:${i}`, isoFile: c.isoFile, connected: c.connected ?? c.isoFile !== null }));
  return validateHardware({
    cpuCount: spec.cpuCount ?? 1,
    coresPerSocket: spec.coresPerSocket ?? 1,
    memoryMiB: spec.memoryMiB ?? 512,
    guestOs: spec.guestOs ?? 'otherlinux-64',
    version: spec.hardwareVersion ?? LATEST_HW_VERSION,
    firmware: spec.firmware ?? 'bios',
    disks,
    nics,
    cdroms,
    kernelBoot: spec.kernelBoot ?? null,
  });
}

function validateHardware(hw: VmHardware): VmHardware {
  const bad = (m: string): never => {
    throw invalidArgument(m, { module: 'core.vm' });
  };
  if (!Number.isInteger(hw.cpuCount) || hw.cpuCount < 1 || hw.cpuCount > 128) bad(`cpu count ${hw.cpuCount} is out of range (1–128)`);
  if (!Number.isInteger(hw.coresPerSocket) || hw.coresPerSocket < 1 || hw.cpuCount % hw.coresPerSocket !== 0) bad(`cores per socket ${hw.coresPerSocket} must divide the cpu count ${hw.cpuCount}`);
  if (!Number.isInteger(hw.memoryMiB) || hw.memoryMiB < 4 || hw.memoryMiB > 4 * 1024 * 1024 || hw.memoryMiB % 4 !== 0) bad(`memory ${hw.memoryMiB} MiB is out of range (4 MiB – 4 TiB, a multiple of 4)`);
  if (!Number.isInteger(hw.version) || hw.version < 4 || hw.version > LATEST_HW_VERSION) bad(`hardware version ${hw.version} is not supported (4–${LATEST_HW_VERSION})`);
  if (typeof hw.guestOs !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(hw.guestOs)) bad(`guest OS '${hw.guestOs}' is not a valid guestOS key`);
  if (hw.disks.length > 60) bad('a VM can have at most 60 disks');
  for (const d of hw.disks) {
    if (!Number.isInteger(d.capacityMiB) || d.capacityMiB < 1 || d.capacityMiB > 64 * 1024 * 1024) bad(`disk capacity ${d.capacityMiB} MiB is out of range (1 MiB – 64 TiB)`);
    if (d.fileName && (d.fileName.includes('..') || d.fileName.startsWith('/') || /[\0"]/.test(d.fileName))) bad(`disk file name '${d.fileName}' is not valid`);
  }
  if (hw.nics.length > 10) bad('a VM can have at most 10 network adapters');
  for (const n of hw.nics) if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(n.macAddress)) bad(`MAC address '${n.macAddress}' is not valid`);
  return hw;
}

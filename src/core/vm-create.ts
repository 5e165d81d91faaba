/** Creating a VM: its folder, .vmx and disks on a datastore, then its record. */
import { posix } from 'node:path';
import type { Caller } from './caller.ts';
import { newGuid, nextId } from './ids.ts';
import { parseDatastorePath } from './datastore-path-syntax.ts';
import { invalidArgument, notFound, unsupported } from './errors.ts';
import { checkFreeText, TEXT_LIMITS } from './names.ts';
import type { KernelBoot, Vm, VmHardware } from './model/index.ts';
import type { VmDeps } from './vm-deps.ts';
import { buildHardware, checkVmName, freshMac, macsOf } from './vm-hardware.ts';
import { checkMac } from './vm-peripherals.ts';
import type { VmPlacementSpec } from './vm-placement.ts';
import { placeVm } from './vm-placement.ts';
import { buildNewVmx } from './vmx/index.ts';

export interface VmCreateSpec {
  readonly name: string;
  readonly guestOs?: string;
  readonly cpuCount?: number;
  readonly coresPerSocket?: number;
  readonly memoryMiB?: number;
  readonly hardwareVersion?: number;
  readonly firmware?: 'bios' | 'efi';
  /**
   * `importFrom`: a disk image already on a datastore (`[ds] path`, e.g. uploaded through
   * /folder), copied into the VM's folder as this disk (QEMU: converted to qcow2); its
   * capacity is the image's. Needs Datastore.Browse on that datastore.
   */
  readonly disks?: readonly { capacityMiB: number; fileName?: string; importFrom?: string }[];
  readonly nics?: readonly { network?: string; model?: string; macAddress?: string; connected?: boolean }[];
  /** `connected` (start connected at power on) defaults to whether there is an ISO. */
  readonly cdroms?: readonly { isoFile: string | null; connected?: boolean }[];
  readonly kernelBoot?: KernelBoot | null;
  readonly fqdn?: string;
  readonly annotation?: string;
  readonly placement?: VmPlacementSpec;
}

export async function createVm(d: VmDeps, caller: Caller, spec: VmCreateSpec): Promise<Vm> {
  checkVmName(spec.name);
  checkFreeText('annotation', spec.annotation, TEXT_LIMITS.long, 'core.vm');
  const built = buildHardware(spec);
  // MACs are unique in the inventory: a given one is checked (here, to fail before any file
  // is made, and again with the insert in the 'mac' section), a generated one is new.
  const taken = macsOf(await d.ctx.store.vms.query({}));
  givenMacs(spec, built, taken);
  const nics = built.nics.map((n, i) => {
    if (spec.nics?.[i]?.macAddress !== undefined) return n;
    if (!taken.has(n.macAddress)) {
      taken.add(n.macAddress);
      return n;
    }
    return { ...n, macAddress: freshMac(taken) };
  });
  const hardware: VmHardware = { ...built, nics };
  const draft = { id: 'new VM', name: spec.name, hardware };
  const { host, datastore } = await placeVm(d, caller, draft, spec.placement);
  const driverKind = host?.driver ?? d.ctx.config.defaultDriver;
  const files = d.ctx.files(datastore);
  const folder = await files.createVmFolder(spec.name);
  const now = d.ctx.clock.now().toISOString();
  const uuid = newGuid();
  const disks = hardware.disks.map((d, i) => {
    const name = d.fileName || `${spec.name}${i === 0 ? '' : `_${i}`}.${driverKind === 'qemu' ? 'qcow2' : 'vmdk'}`;
    return { ...d, fileName: driverKind === 'qemu' ? qcow2Name(name) : name };
  });
  const imports = await resolveImports(d, caller, spec);
  let hw: VmHardware = { ...hardware, disks };
  const vmxRel = posix.join(folder, `${posix.basename(folder)}.vmx`);
  let vm: Vm = {
    id: await nextId(d.ctx.store, 'vm'),
    uuid,
    name: spec.name,
    fqdn: spec.fqdn ?? `${spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local`,
    datastoreId: datastore.id,
    vmxRel,
    hardware: hw,
    powerState: 'poweredOff',
    toolsState: 'unknown',
    hostId: host?.id ?? null,
    driver: driverKind,
    ownerId: caller.kind === 'user' ? caller.userId : null,
    currentSnapshotId: null,
    annotation: spec.annotation ?? '',
    createdAt: now,
    updatedAt: now,
  };
  try {
    await files.writeAtomic(vmxRel, buildNewVmx({ name: vm.name, uuid, hardware: hw, fqdn: vm.fqdn, annotation: vm.annotation }));
    const driver = d.rt.driverFor(vm);
    const made = d.rt.driverVm(vm, datastore);
    if (imports.size > 0) {
      if (!driver.importDisk) throw unsupported(`the ${driverKind} driver cannot import disk images`, { module: 'core.vm' });
      // New disks first (the imported ones are not there yet), then each import; the sizes come from the images.
      await driver.createDisks({ ...made, hardware: { ...hw, disks: hw.disks.filter((_, i) => !imports.has(i)) } });
      const sized = [...hw.disks];
      for (const [i, source] of imports) {
        const bytes = await driver.importDisk(made, hw.disks[i]!, source);
        sized[i] = { ...hw.disks[i]!, capacityMiB: Math.max(1, Math.ceil(bytes / (1024 * 1024))) };
      }
      hw = { ...hw, disks: sized };
      vm = { ...vm, hardware: hw };
      await files.writeAtomic(vmxRel, buildNewVmx({ name: vm.name, uuid, hardware: hw, fqdn: vm.fqdn, annotation: vm.annotation }));
    } else {
      await driver.createDisks(made);
    }
    const record = vm;
    await d.ctx.sections.run('mac', async () => {
      givenMacs(spec, record.hardware, macsOf(await d.ctx.store.vms.query({})));
      await d.ctx.store.vms.insert(record);
    });
  } catch (e) {
    await files.removeVmFolder(folder).catch(() => undefined);
    throw e;
  }
  await d.events.record(vm.id, 'vm.created', `virtual machine '${vm.name}' created on ${host ? host.name : 'the library'} in [${datastore.name}] ${folder}`, { caller });
  d.ctx.bus.emit('vm.changed', vm, null);
  return vm;
}

/** Checks the MACs the caller gave (syntax, unicast, none taken, none twice); adds them to `taken`. */
function givenMacs(spec: VmCreateSpec, hw: VmHardware, taken: Set<string>): void {
  hw.nics.forEach((n, i) => {
    if (spec.nics?.[i]?.macAddress === undefined) return;
    taken.add(checkMac(n.macAddress, taken));
  });
}

/**
 * New disks on QEMU are qcow2 (snapshots, suspend and thin provisioning need it), named or
 * not: an image extension a name may carry (`.vmdk`, `.vdi`, `.vhd`, `.vhdx`, `.img`,
 * `.raw`, `.qcow`) becomes `.qcow2`, and a name without `.qcow2` gets it, so the file's
 * name says what it is (`data.vmdk` → `data.qcow2`). The VM's hardware reports the real
 * name. A registered VM's existing `.vmdk` is used as it is.
 */
export function qcow2Name(fileName: string): string {
  if (/\.qcow2$/i.test(fileName)) return fileName;
  const base = fileName.replace(/\.(vmdk|vdi|vhdx?|img|raw|qcow)$/i, '');
  return `${base}.qcow2`;
}

/** Disk index → absolute path of the image to import, each checked: on a datastore the caller may browse, inside it, a file. */
async function resolveImports(d: VmDeps, caller: Caller, spec: VmCreateSpec): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const [i, disk] of (spec.disks ?? []).entries()) {
    if (disk.importFrom === undefined) continue;
    out.set(i, await datastoreFile(d, caller, disk.importFrom, `disk ${i}`, '[datastore1] import/disk.vmdk'));
  }
  return out;
}

/**
 * A file named by a datastore path (`[ds] folder/file`) as an absolute path: on a
 * datastore the caller may browse (Datastore.Browse; `privilege` asks for more, e.g.
 * Datastore.FileManagement for an image a VM will write), confined to it, and a file.
 * `what` starts the messages ('disk 0', 'the ISO'); `example` shows the syntax.
 */
export async function datastoreFile(d: VmDeps, caller: Caller, text: string, what: string, example: string, privilege: 'Datastore.Browse' | 'Datastore.FileManagement' = 'Datastore.Browse'): Promise<string> {
  let p: { datastoreName: string; rel: string };
  try {
    p = parseDatastorePath(text);
  } catch {
    throw invalidArgument(`${what}: '${text}' is not a datastore path like '${example}'`, { module: 'core.vm' });
  }
  const ds = await d.ctx.store.datastores.getByName(p.datastoreName);
  if (!ds) throw notFound(`${what}: datastore '${p.datastoreName}' was not found`, { module: 'core.vm' });
  await d.authz.requireVisible(caller, privilege, ds.id, [ds.id, ds.datacenterId, 'root']);
  const files = d.ctx.files(ds);
  const st = await files.stat(p.rel);
  if (st.type !== 'file') throw invalidArgument(`${what}: ${text} is not a file`, { module: 'core.vm', reason: 'not_a_file' });
  return files.resolve(p.rel);
}

/** Creating a VM: its folder, .vmx and disks on a datastore, then its record. */
import { posix } from 'node:path';
import type { Caller } from './caller.ts';
import { newGuid, nextId } from './ids.ts';
import { checkFreeText, TEXT_LIMITS } from './names.ts';
import type { KernelBoot, Vm, VmHardware } from './model/index.ts';
import type { VmDeps } from './vm-deps.ts';
import { buildHardware, checkVmName, freshMac, macsOf } from './vm-hardware.ts';
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
  readonly disks?: readonly { capacityMiB: number; fileName?: string }[];
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
  // Generated MACs are unique in the inventory (one given by the caller is the caller's choice).
  const taken = macsOf(await d.ctx.store.vms.query({}));
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
  const disks = hardware.disks.map((d, i) => ({ ...d, fileName: d.fileName || `${spec.name}${i === 0 ? '' : `_${i}`}.${driverKind === 'qemu' ? 'qcow2' : 'vmdk'}` }));
  const hw: VmHardware = { ...hardware, disks };
  const vmxRel = posix.join(folder, `${posix.basename(folder)}.vmx`);
  const vm: Vm = {
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
    await driver.createDisks(d.rt.driverVm(vm, datastore));
    await d.ctx.store.vms.insert(vm);
  } catch (e) {
    await files.removeVmFolder(folder).catch(() => undefined);
    throw e;
  }
  await d.events.record(vm.id, 'vm.created', `virtual machine '${vm.name}' created on ${host ? host.name : 'the library'} in [${datastore.name}] ${folder}`, { caller });
  d.ctx.bus.emit('vm.changed', vm, null);
  return vm;
}

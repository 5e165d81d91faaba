import { isAbsolute } from 'node:path';
import { invalidArgument, notFound } from '../../../core/errors.ts';
import type { Datastore, VirtualDisk, Vm } from '../../../core/model/index.ts';
import type { VapiCall } from '../call.ts';
import { implement } from '../call.ts';
import { VmHardwareDiskService } from '../../../protocols/vapi/types/index.ts';
import { folderOfDatastorePath } from './vm-datastore-paths.ts';
import { notHonoured } from './vm-create-spec.ts';
import { deviceKey, diskInfo } from './vm-info.ts';

const MiB = 1024 * 1024;
/** Capacity of a new disk whose spec gives none (as at VM create). */
const DEFAULT_DISK_MiB = 1024;

/** What rendering a VM's files as `[ds] path` needs: the VM's folder and, for absolute files, the datastores. */
export async function filesContext(call: VapiCall, vm: Vm, files: readonly string[]): Promise<{ vmFolder: string; datastores: readonly Datastore[] }> {
  const vmFolder = folderOfDatastorePath(await call.core.vms.vmxPath(vm));
  const datastores = files.some((f) => isAbsolute(f)) ? await call.core.inventory.listDatastores(call.caller) : [];
  return { vmFolder, datastores };
}

function findDisk(vm: Vm, key: string): { disk: VirtualDisk; index: number } {
  const index = vm.hardware.disks.findIndex((d, i) => deviceKey(d.device, 2900 + i) === key);
  if (index < 0) throw notFound(`virtual disk '${key}' of ${vm.id} was not found`, { module: 'face.vapi' });
  return { disk: vm.hardware.disks[index]!, index };
}

/**
 * com.vmware.vcenter.vm.hardware.disk. Disks are added and removed while the VM is off
 * and has no snapshots (not_allowed_in_current_state otherwise). create: `new_vmdk` makes a
 * new file in the VM's folder (qcow2 on QEMU, whatever its name says), `backing.vmdk_file`
 * attaches an existing image (`[ds] path`) in place; vmgate picks the SCSI address.
 * delete detaches the disk and keeps its file, as vSphere does. update re-points a disk at
 * another existing image.
 */
export const diskHandlers = implement(VmHardwareDiskService, {
  async list(call, { vm }) {
    const v = await call.core.vms.get(call.caller, vm);
    return v.hardware.disks.map((d, i) => ({ disk: deviceKey(d.device, 2900 + i) }));
  },

  async get(call, { vm, disk }) {
    const v = await call.core.vms.get(call.caller, vm);
    const { disk: d, index } = findDisk(v, disk);
    const ctx = await filesContext(call, v, [d.fileName]);
    return diskInfo(d, index, ctx.vmFolder, ctx.datastores);
  },

  async create(call, { vm, spec }) {
    const f = 'spec';
    if (spec.type !== undefined && spec.type !== 'SCSI') throw notHonoured(`${f}.type ${spec.type}`, 'vmgate puts new disks on SCSI');
    for (const k of ['ide', 'scsi', 'sata', 'nvme'] as const) if (spec[k] !== undefined) throw notHonoured(`${f}.${k}`, 'vmgate chooses disk addresses itself');
    let device: string;
    if (spec.backing !== undefined) {
      if (spec.new_vmdk !== undefined) throw invalidArgument(`${f}: give either backing (an existing image to attach) or new_vmdk, not both`, { module: 'face.vapi' });
      if (spec.backing.vmdk_file === undefined) throw invalidArgument(`${f}.backing.vmdk_file "[datastore] path" names the image to attach`, { module: 'face.vapi' });
      device = await call.core.devices.addDisk(call.caller, vm, { attach: spec.backing.vmdk_file });
    } else {
      const v = spec.new_vmdk;
      if (v === undefined) throw invalidArgument(`${f}: new_vmdk (a new disk) or backing (an existing image) is required`, { module: 'face.vapi' });
      if (v.storage_policy) throw notHonoured(`${f}.new_vmdk.storage_policy`, 'vmgate has no storage policies');
      if (v.capacity !== undefined && v.capacity <= 0) throw invalidArgument(`${f}.new_vmdk.capacity must be more than 0 bytes, not ${v.capacity}`, { module: 'face.vapi' });
      const capacityMiB = v.capacity === undefined ? DEFAULT_DISK_MiB : Math.ceil(v.capacity / MiB);
      device = await call.core.devices.addDisk(call.caller, vm, { capacityMiB, ...(v.name !== undefined ? { name: v.name } : {}) });
    }
    const after = await call.core.vms.get(call.caller, vm);
    return deviceKey(device, 2900 + after.hardware.disks.findIndex((d) => d.device === device));
  },

  async update(call, { vm, disk, spec }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    const { disk: d } = findDisk(v, disk);
    if (spec.backing === undefined) return undefined;
    if (spec.backing.vmdk_file === undefined) throw invalidArgument('spec.backing.vmdk_file "[datastore] path" names the image the disk uses', { module: 'face.vapi' });
    await call.core.devices.replaceDiskBacking(call.caller, vm, d.device, spec.backing.vmdk_file);
    return undefined;
  },

  async delete(call, { vm, disk }) {
    const v = await call.core.vms.resolve(call.caller, vm, 'VirtualMachine.Config');
    await call.core.devices.removeDisk(call.caller, vm, findDisk(v, disk).disk.device);
    return undefined;
  },
});

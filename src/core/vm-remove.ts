/** Taking a VM out of the inventory: unregister (files stay) and delete (files go). */
import { posix } from 'node:path';
import type { Caller } from './caller.ts';
import { formatDatastorePath } from './datastore-path-syntax.ts';
import { notAllowedInCurrentState } from './errors.ts';
import type { Vm } from './model/index.ts';
import { describePowerState } from './power.ts';
import type { VmDeps } from './vm-deps.ts';
import { resolveVm, vmxPath } from './vm-refs.ts';

/** Removes a VM from the inventory; its files stay on the datastore. */
export async function unregisterVm(d: VmDeps, caller: Caller, ref: string): Promise<void> {
  const vm = await resolveVm(d, caller, ref, 'VirtualMachine.Inventory');
  const release = d.ctx.locks.acquire(vm.id, 'unregister');
  try {
    const cur = (await d.ctx.store.vms.get(vm.id))!;
    if (cur.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot unregister ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}: power it off first`, { module: 'core.vm', reason: 'vm_is_running' });
    const { driver, dvm } = await d.rt.resolveDriverVm(cur);
    await removeRecords(d, cur);
    await driver.forget(dvm);
    await d.events.record(vm.id, 'vm.unregistered', `virtual machine '${vm.name}' unregistered; its files stay in ${await vmxPath(d, cur)}`, { caller });
    d.ctx.bus.emit('vm.removed', cur);
  } finally {
    release();
  }
}

/** Removes a VM and its files. */
export async function deleteVm(d: VmDeps, caller: Caller, ref: string): Promise<void> {
  const vm = await resolveVm(d, caller, ref, 'VirtualMachine.Inventory');
  const release = d.ctx.locks.acquire(vm.id, 'delete');
  try {
    const cur = (await d.ctx.store.vms.get(vm.id))!;
    if (cur.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot delete ${vm.id} (${vm.name}) while it is ${describePowerState(cur.powerState)}: power it off first`, { module: 'core.vm', reason: 'vm_is_running' });
    const ds = await d.rt.datastoreOf(cur);
    const { driver, dvm } = await d.rt.resolveDriverVm(cur);
    await driver.forget(dvm);
    await removeRecords(d, cur);
    await d.ctx.files(ds).removeVmFolder(posix.dirname(cur.vmxRel));
    await d.events.record(vm.id, 'vm.deleted', `virtual machine '${vm.name}' deleted with its files`, { caller });
    d.ctx.bus.emit('vm.removed', cur);
  } finally {
    release();
  }
}

/** What deleting a VM would remove (VMDeleteInfo_DeleteVMInfo), and whether it may be deleted now. */
export interface VmDeleteInfo {
  readonly vmId: string;
  readonly name: string;
  /** `[ds] folder/x.vmx` */
  readonly vmx: string;
  /** `[ds] folder`: removed with everything in it. */
  readonly folder: string;
  /** Every file and folder in it (paths relative to the folder), at most {@link MAX_DELETE_INFO_ENTRIES}. */
  readonly entries: readonly { readonly path: string; readonly type: string; readonly size: number }[];
  /** More entries than listed. */
  readonly truncated: boolean;
  /** Bytes of the files listed. */
  readonly bytes: number;
  /** Deletable now (powered off); otherwise `reason` says why not. */
  readonly deletable: boolean;
  readonly reason: string;
}

export const MAX_DELETE_INFO_ENTRIES = 10_000;

/** What {@link deleteVm} would remove; it needs the same privilege and changes nothing. */
export async function deleteVmInfo(d: VmDeps, caller: Caller, ref: string): Promise<VmDeleteInfo> {
  const vm = await resolveVm(d, caller, ref, 'VirtualMachine.Inventory');
  const ds = await d.rt.datastoreOf(vm);
  const files = d.ctx.files(ds);
  const folder = posix.dirname(vm.vmxRel);
  const entries: { path: string; type: string; size: number }[] = [];
  let truncated = false;
  const walk = async (rel: string, shown: string): Promise<void> => {
    for (const e of await files.list(rel)) {
      if (entries.length >= MAX_DELETE_INFO_ENTRIES) {
        truncated = true;
        return;
      }
      const path = shown ? `${shown}/${e.name}` : e.name;
      entries.push({ path, type: e.type, size: e.type === 'file' ? e.size : 0 });
      if (e.type === 'directory') await walk(posix.join(rel, e.name), path);
    }
  };
  await walk(folder, '');
  const deletable = vm.powerState === 'poweredOff';
  return {
    vmId: vm.id,
    name: vm.name,
    vmx: await vmxPath(d, vm),
    folder: formatDatastorePath(ds.name, folder),
    entries,
    truncated,
    bytes: entries.reduce((n, e) => n + e.size, 0),
    deletable,
    reason: deletable ? '' : `${vm.id} (${vm.name}) is ${describePowerState(vm.powerState)}: power it off first`,
  };
}

async function removeRecords(d: VmDeps, vm: Vm): Promise<void> {
  await d.ctx.store.transaction(async (tx) => {
    await tx.snapshots.deleteForVm(vm.id);
    for (const p of await tx.permissions.listForEntity(vm.id)) await tx.permissions.delete(p.id);
    for (const pool of await tx.pools.list()) if (pool.vmIds.includes(vm.id)) await tx.pools.update(pool.id, { vmIds: pool.vmIds.filter((v) => v !== vm.id) });
    for (const ds of await tx.desktopSessions.listForVm(vm.id)) await tx.desktopSessions.delete(ds.id);
    await tx.vms.delete(vm.id);
  });
}

/**
 * VM inventory: a thin facade over one file per operation — vm-refs.ts (finding a VM),
 * vm-placement.ts (where it goes), vm-create.ts, vm-register.ts, vm-remove.ts
 * (unregister, delete), vm-clone.ts, vm-relocate.ts and vm-hardware.ts (configuration).
 */
import type { Authorizer } from './authorizer.ts';
import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { EventLog } from './events.ts';
import type { InventoryService } from './inventory.ts';
import type { Task, Vm, VmFilter, VmHardware } from './model/index.ts';
import type { TaskEngine } from './tasks.ts';
import { cloneVm } from './vm-clone.ts';
import type { VmCloneSpec } from './vm-clone.ts';
import { createVm } from './vm-create.ts';
import type { VmCreateSpec } from './vm-create.ts';
import type { VmDeps } from './vm-deps.ts';
import { configDefaults, renameVm, rewriteVmx, updateHardware, upgradeHardware } from './vm-hardware.ts';
import type { VmConfigDefaults, VmHardwareUpdate } from './vm-hardware.ts';
import type { VmPlacementSpec } from './vm-placement.ts';
import { findVm, resolveVm, vmxPath } from './vm-refs.ts';
import { registerVm } from './vm-register.ts';
import { relocateVm } from './vm-relocate.ts';
import { deleteVm, deleteVmInfo, unregisterVm } from './vm-remove.ts';
import type { VmDeleteInfo } from './vm-remove.ts';
import type { VmRuntime } from './vm-runtime.ts';

export type { VmCreateSpec } from './vm-create.ts';
export type { VmCloneSpec } from './vm-clone.ts';
export type { VmConfigDefaults, VmHardwareUpdate } from './vm-hardware.ts';
export type { VmDeleteInfo } from './vm-remove.ts';
export type { VmPlacementSpec } from './vm-placement.ts';
export { LATEST_HW_VERSION, checkVmName, newMac } from './vm-hardware.ts';

/** VM inventory: create, register, unregister, delete, clone, relocate, hardware. */
export class VmService {
  private readonly d: VmDeps;

  constructor(ctx: CoreContext, authz: Authorizer, events: EventLog, tasks: TaskEngine, inventory: InventoryService, rt: VmRuntime, powerOnInTask: VmDeps['powerOnInTask']) {
    this.d = { ctx, authz, events, tasks, inventory, rt, powerOnInTask };
  }

  /** A VM by id ('vm-12'), GUID, datastore path ('[ds] folder/x.vmx') or name. */
  find(ref: string): Promise<Vm | undefined> {
    return findVm(this.d, ref);
  }

  /** Resolves and checks the privilege; unknown and invisible VMs answer the same not_found. */
  resolve(caller: Caller, ref: string, privilege: Parameters<Authorizer['require']>[1] = 'System.View'): Promise<Vm> {
    return resolveVm(this.d, caller, ref, privilege);
  }

  get(caller: Caller, ref: string): Promise<Vm> {
    return resolveVm(this.d, caller, ref);
  }

  async list(caller: Caller, filter: VmFilter = {}): Promise<Vm[]> {
    const { ctx, authz } = this.d;
    const rows = await ctx.store.vms.query(filter);
    if (await authz.seesAll(caller)) return rows;
    const out: Vm[] = [];
    for (const vm of rows) if (await authz.has(caller, 'System.View', vm.id, await authz.vmAncestry(vm))) out.push(vm);
    return out;
  }

  async count(caller: Caller, filter: VmFilter = {}): Promise<number> {
    if (await this.d.authz.seesAll(caller)) return this.d.ctx.store.vms.countBy(filter);
    return (await this.list(caller, filter)).length;
  }

  /** The .vmx path as VMware prints it: '[datastore1] web01/web01.vmx'. */
  vmxPath(vm: Vm): Promise<string> {
    return vmxPath(this.d, vm);
  }

  create(caller: Caller, spec: VmCreateSpec): Promise<Vm> {
    return createVm(this.d, caller, spec);
  }

  /** Adds an existing .vmx ('[datastore] folder/x.vmx') to the inventory. */
  register(caller: Caller, spec: { path: string; name?: string; placement?: VmPlacementSpec }): Promise<Vm> {
    return registerVm(this.d, caller, spec);
  }

  /** Removes a VM from the inventory; its files stay on the datastore. */
  unregister(caller: Caller, ref: string): Promise<void> {
    return unregisterVm(this.d, caller, ref);
  }

  /** Removes a VM and its files. */
  delete(caller: Caller, ref: string): Promise<void> {
    return deleteVm(this.d, caller, ref);
  }

  /** What delete would remove, and whether it may now; changes nothing (VirtualMachine.Inventory). */
  deleteInfo(caller: Caller, ref: string): Promise<VmDeleteInfo> {
    return deleteVmInfo(this.d, caller, ref);
  }

  /** What a new VM gets when its creator says nothing (the default driver's disk format). */
  configDefaults(): VmConfigDefaults {
    return configDefaults(this.d.ctx.config.defaultDriver);
  }

  /** Moves a VM to another host, another datastore, into or out of the library. A task. */
  relocate(caller: Caller, ref: string, spec: VmPlacementSpec): Promise<Task> {
    return relocateVm(this.d, caller, ref, spec);
  }

  /**
   * Full clone of a powered-off VM (its disks are copied). A task whose result is the new
   * VM's id; with `powerOn` the same task powers the clone on.
   */
  clone(caller: Caller, ref: string, spec: VmCloneSpec): Promise<Task> {
    return cloneVm(this.d, caller, ref, spec);
  }

  updateHardware(caller: Caller, ref: string, patch: VmHardwareUpdate): Promise<Vm> {
    return updateHardware(this.d, caller, ref, patch);
  }

  /** Raises virtualHW.version (to the latest when `version` is omitted). A task. */
  upgradeHardware(caller: Caller, ref: string, version?: number): Promise<Task> {
    return upgradeHardware(this.d, caller, ref, version);
  }

  /** Rewrites the .vmx with the VM's current identity and a hardware/annotation change. */
  rewriteVmx(vm: Vm, change: { hardware?: VmHardware; annotation?: string; name?: string }): Promise<void> {
    return rewriteVmx(this.d, vm, change);
  }

  rename(caller: Caller, ref: string, name: string): Promise<Vm> {
    return renameVm(this.d, caller, ref, name);
  }
}

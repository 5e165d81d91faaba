import { dirname, join } from 'node:path';
import type { DriverVm, HypervisorDriver } from './ports/driver.ts';
import type { Store } from './ports/store.ts';
import type { CoreContext } from './context.ts';
import { unsupported } from './errors.ts';
import type { Datastore, PowerState, ToolsState, Vm } from './model/index.ts';

/**
 * What core needs around a VM to call its driver: the driver itself, the driver's view
 * of the VM, and the one update path that records and emits.
 */
export class VmRuntime {
  /** Datastores do not change once made (no rename, no delete yet): cached by id. */
  private readonly datastores = new Map<string, Datastore>();

  constructor(private readonly ctx: CoreContext) {}

  driverFor(vm: Pick<Vm, 'driver' | 'id'>): HypervisorDriver {
    const d = this.ctx.drivers.get(vm.driver);
    if (!d) throw unsupported(`${vm.id} runs on the '${vm.driver}' driver, which this vmgate has not enabled`, { module: 'core.vm' });
    return d;
  }

  async datastoreOf(vm: Pick<Vm, 'datastoreId' | 'id'>): Promise<Datastore> {
    const cached = this.datastores.get(vm.datastoreId);
    if (cached) return cached;
    const ds = await this.ctx.store.datastores.get(vm.datastoreId);
    if (!ds) throw unsupported(`datastore ${vm.datastoreId} of ${vm.id} is gone`, { module: 'core.vm' });
    this.datastores.set(ds.id, ds);
    return ds;
  }

  driverVm(vm: Vm, ds: Datastore): DriverVm {
    const vmxPath = join(ds.path, vm.vmxRel);
    return { id: vm.id, uuid: vm.uuid, name: vm.name, dir: dirname(vmxPath), vmxPath, hardware: vm.hardware };
  }

  async resolveDriverVm(vm: Vm): Promise<{ driver: HypervisorDriver; dvm: DriverVm }> {
    return { driver: this.driverFor(vm), dvm: this.driverVm(vm, await this.datastoreOf(vm)) };
  }

  /** The one update path for VMs: store, then emit. */
  async update(vm: Vm, patch: Partial<Omit<Vm, 'id'>>): Promise<Vm> {
    const next = await this.write(this.ctx.store, vm, patch);
    this.ctx.bus.emit('vm.changed', next, vm);
    return next;
  }

  /** The update inside a transaction (`tx`): the caller emits `vm.changed` once it has committed. */
  write(tx: Store, vm: Vm, patch: Partial<Omit<Vm, 'id'>>): Promise<Vm> {
    // The caller holds `vm` as stored (under its lock): the store writes without reading it again.
    return tx.vms.update(vm.id, { ...patch, updatedAt: this.ctx.clock.now().toISOString() }, vm);
  }

  async setRuntime(vm: Vm, powerState: PowerState, toolsState?: ToolsState): Promise<Vm> {
    const patch = runtimePatch(vm, powerState, toolsState);
    return patch ? this.update(vm, patch) : vm;
  }
}

/**
 * The change that records a power state (and tools state; by default tools keep theirs
 * while the VM runs and become unknown when it stops). Null: nothing changes.
 */
export function runtimePatch(vm: Pick<Vm, 'powerState' | 'toolsState'>, powerState: PowerState, toolsState?: ToolsState): { powerState: PowerState; toolsState: ToolsState } | null {
  const tools: ToolsState = toolsState ?? (powerState === 'poweredOn' || powerState === 'paused' || powerState === 'resetting' ? vm.toolsState : vm.toolsState === 'notInstalled' ? 'notInstalled' : 'unknown');
  if (vm.powerState === powerState && vm.toolsState === tools) return null;
  return { powerState, toolsState: tools };
}

/**
 * com.vmware.vcenter.VM over core.vms: list (filter → core queries, vm-filter.ts), get
 * (vm-info.ts), create (vm-create-spec.ts), delete, register, unregister, clone and
 * relocate (placement: vm-placement.ts). clone and relocate are core tasks: the plain
 * operations wait for them, the `$task` variants return the task id at once.
 */
import { invalidArgument } from '../../../core/errors.ts';
import type { Task, Vm, VmPlacementSpec } from '../../../core/index.ts';
import type { VapiCall } from '../call.ts';
import { implement } from '../call.ts';
import type { VMCloneSpec, VMRegisterSpec, VMRelocateSpec, VMSummary } from '../../../protocols/vapi/types/index.ts';
import { VMService } from '../../../protocols/vapi/types/index.ts';
import { LIST_LIMITS, checkListSize, compareIds } from './inventory-filters.ts';
import { vapiPowerState } from './mappings.ts';
import { coreCreateSpec, notHonoured } from './vm-create-spec.ts';
import { vmQueries } from './vm-filter.ts';
import { vmInfo } from './vm-info.ts';
import { resolvePlacement, withVmDefaults } from './vm-placement.ts';

function summary(vm: Vm): VMSummary {
  return { vm: vm.id, name: vm.name, power_state: vapiPowerState(vm.powerState), cpu_count: vm.hardware.cpuCount, memory_size_MiB: vm.hardware.memoryMiB };
}

/**
 * Starts the core clone task (with power_on, core powers the clone on in the same task);
 * everything vmgate cannot do is refused before it starts.
 */
async function startClone(call: VapiCall, spec: VMCloneSpec): Promise<Task> {
  if (spec.disks_to_remove?.length) throw notHonoured('spec.disks_to_remove', 'a clone copies all disks of the source');
  if (spec.disks_to_update && Object.keys(spec.disks_to_update).length > 0) throw notHonoured('spec.disks_to_update', 'a clone keeps its disks together in its folder; use placement.datastore');
  if (spec.guest_customization_spec) throw notHonoured('spec.guest_customization_spec', 'vmgate does not customize guests');
  const src = await call.core.vms.get(call.caller, spec.source);
  const placement = withVmDefaults(src, await resolvePlacement(call, spec.placement, 'stay', 'spec.placement'));
  return call.core.vms.clone(call.caller, spec.source, { name: spec.name, placement, ...(spec.power_on ? { powerOn: true } : {}) });
}

async function relocatePlacement(call: VapiCall, vm: string, spec: VMRelocateSpec): Promise<VmPlacementSpec> {
  if (spec.disks && Object.keys(spec.disks).length > 0) throw notHonoured('spec.disks', "a VM's disks move with its folder; use placement.datastore");
  const target = await call.core.vms.get(call.caller, vm);
  return withVmDefaults(target, await resolvePlacement(call, spec.placement, 'stay', 'spec.placement'));
}

async function registerPath(call: VapiCall, spec: VMRegisterSpec): Promise<string> {
  if (spec.datastore_path !== undefined) {
    if (spec.datastore !== undefined || spec.path !== undefined) throw invalidArgument('spec: give either datastore_path or datastore and path, not both', { module: 'face.vapi' });
    return spec.datastore_path;
  }
  if (spec.datastore === undefined || spec.path === undefined) throw invalidArgument('spec: datastore_path, or datastore and path, name the .vmx to register', { module: 'face.vapi' });
  const ds = await call.core.inventory.getDatastore(call.caller, spec.datastore);
  return `[${ds.name}] ${spec.path.replace(/^\/+/, '')}`;
}

/** com.vmware.vcenter.VM: the VM inventory, over core.vms. */
export const vmHandlers = implement(VMService, {
  async list(call, { filter }) {
    const queries = await vmQueries(call, filter);
    // One query per part, each capped one past the limit: enough to tell "too many" without a count.
    const parts = await Promise.all(queries.map((q) => call.core.vms.list(call.caller, { ...q, limit: LIST_LIMITS['virtual machines'] + 1 })));
    let rows = parts.flat();
    if (parts.length > 1) {
      const seen = new Set<string>();
      rows = rows.filter((v) => !seen.has(v.id) && seen.add(v.id)).sort((a, b) => compareIds(a.id, b.id));
    }
    checkListSize('virtual machines', rows.length);
    return rows.map(summary);
  },

  async get(call, { vm }) {
    return vmInfo(call, await call.core.vms.get(call.caller, vm));
  },

  async create(call, { spec }) {
    const vm = await call.core.vms.create(call.caller, await coreCreateSpec(call, spec));
    return vm.id;
  },

  async delete(call, { vm }) {
    await call.core.vms.delete(call.caller, vm);
    return undefined;
  },

  async register(call, { spec }) {
    const path = await registerPath(call, spec);
    const placement = await resolvePlacement(call, spec.placement, 'library', 'spec.placement');
    const vm = await call.core.vms.register(call.caller, { path, ...(spec.name !== undefined ? { name: spec.name } : {}), ...(placement ? { placement } : {}) });
    return vm.id;
  },

  async unregister(call, { vm }) {
    await call.core.vms.unregister(call.caller, vm);
    return undefined;
  },

  async clone(call, { spec }) {
    const task = await startClone(call, spec);
    return call.core.tasks.result<string>(call.caller, task);
  },

  async 'clone$task'(call, { spec }) {
    const task = await startClone(call, spec);
    return task.id;
  },

  async relocate(call, { vm, spec }) {
    const task = await call.core.vms.relocate(call.caller, vm, await relocatePlacement(call, vm, spec));
    await call.core.tasks.result(call.caller, task);
    return undefined;
  },

  async 'relocate$task'(call, { vm, spec }) {
    const task = await call.core.vms.relocate(call.caller, vm, await relocatePlacement(call, vm, spec));
    return task.id;
  },
});

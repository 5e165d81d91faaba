/** Moving a VM to another host, datastore, into or out of the library. */
import { posix } from 'node:path';
import type { Caller } from './caller.ts';
import { copyProgress } from './copy-progress.ts';
import { cancelled, notAllowedInCurrentState, unsupported } from './errors.ts';
import type { Task } from './model/index.ts';
import { chooseHost } from './placement.ts';
import { describePowerState, isRunningState } from './power.ts';
import type { VmDeps } from './vm-deps.ts';
import type { VmPlacementSpec } from './vm-placement.ts';
import { placeVm } from './vm-placement.ts';
import { resolveVm } from './vm-refs.ts';

/**
 * Moves a VM to another host, another datastore, into or out of the library. A task; a
 * move between file systems copies the VM's folder with byte progress (`Copying web to
 * [ds2]: 1.2 GiB of 4.0 GiB`) and can be cancelled while it copies (the partial copy is
 * removed, the VM stays where it was); within one file system it is a rename.
 */
export async function relocateVm(d: VmDeps, caller: Caller, ref: string, spec: VmPlacementSpec): Promise<Task> {
  const vm = await resolveVm(d, caller, ref, 'VirtualMachine.Inventory');
  const release = d.ctx.locks.acquire(vm.id, 'relocate');
  try {
    const { host, datastore } = await placeVm(d, caller, vm, spec.hostId || spec.clusterId || spec.library ? spec : { ...spec, ...(vm.hostId ? { hostId: vm.hostId } : { library: true }) });
    const driverKind = host?.driver ?? vm.driver;
    const moveStorage = datastore.id !== vm.datastoreId;
    if (isRunningState(vm.powerState) || vm.powerState === 'suspended') {
      if (!host) throw notAllowedInCurrentState(`cannot move ${vm.id} (${vm.name}) into the library while it is ${describePowerState(vm.powerState)}`, { module: 'core.vm' });
      if (moveStorage) throw notAllowedInCurrentState(`cannot move the storage of ${vm.id} (${vm.name}) while it is ${describePowerState(vm.powerState)}`, { module: 'core.vm' });
      if (driverKind !== vm.driver) throw notAllowedInCurrentState(`cannot move running ${vm.id} from a ${vm.driver} host to a ${driverKind} host`, { module: 'core.vm' });
      if (vm.powerState !== 'suspended' && host.id !== vm.hostId) chooseHost(vm, [await d.inventory.hostLoad(host)], { cpuOvercommit: d.ctx.config.cpuOvercommit });
    }
    if (driverKind !== vm.driver) throw unsupported(`moving ${vm.id} from a ${vm.driver} host to a ${driverKind} host is not supported: disk formats differ`, { module: 'core.vm' });
    return await d.tasks.start(
      { kind: 'vm.relocate', targetId: vm.id, targetName: vm.name, caller, cancellable: true, release, lockedVmId: vm.id, step: `Moving ${vm.name}` },
      async (t) => {
        let cur = (await d.ctx.store.vms.get(vm.id))!;
        let vmxRel = cur.vmxRel;
        if (moveStorage) {
          t.progress(10, `Copying ${vm.name} to [${datastore.name}]`);
          const from = await d.rt.datastoreOf(cur);
          const label = `Copying ${vm.name} to [${datastore.name}]`;
          let folder: string;
          try {
            folder = await d.ctx.files(from).moveFolderTo(d.ctx.files(datastore), posix.dirname(cur.vmxRel), undefined, { signal: t.signal, onProgress: copyProgress(t, label, [10, 90]) });
          } catch (e) {
            if (t.signal.aborted) throw cancelled(`moving ${vm.id} (${vm.name}) to [${datastore.name}] was cancelled: the partial copy was removed, the VM stays on [${from.name}]`, { module: 'core.vm', cause: e });
            throw e;
          }
          vmxRel = posix.join(folder, posix.basename(cur.vmxRel));
        }
        t.progress(90, 'Updating the inventory');
        cur = await d.rt.update(cur, { hostId: host?.id ?? null, datastoreId: datastore.id, vmxRel, driver: driverKind });
        await d.events.record(vm.id, 'vm.relocated', `moved to ${host ? host.name : 'the library'}${moveStorage ? ` and [${datastore.name}]` : ''}`, { caller, taskId: t.taskId });
        return { vm: cur.id, host: cur.hostId, datastore: datastore.id };
      },
    );
  } catch (e) {
    release();
    throw e;
  }
}

/** Full clone of a VM: its folder copied, a new identity written, the clone registered. */
import { posix } from 'node:path';
import type { Caller } from './caller.ts';
import { notAllowedInCurrentState, unsupported } from './errors.ts';
import { newGuid, nextId } from './ids.ts';
import type { Task, Vm } from './model/index.ts';
import { describePowerState } from './power.ts';
import type { VmDeps } from './vm-deps.ts';
import { checkVmName, newMac } from './vm-hardware.ts';
import type { VmPlacementSpec } from './vm-placement.ts';
import { placeVm } from './vm-placement.ts';
import { resolveVm } from './vm-refs.ts';
import { parseVmx, readVmxConfig, writeVmxConfig } from './vmx/index.ts';

/** Full clone of a powered-off or suspended VM (its disks are copied). A task whose result is the new VM's id. */
export interface VmCloneSpec {
  readonly name: string;
  readonly placement?: VmPlacementSpec;
  readonly powerOn?: boolean;
}

export async function cloneVm(d: VmDeps, caller: Caller, ref: string, spec: VmCloneSpec): Promise<Task> {
  const src = await resolveVm(d, caller, ref, 'VirtualMachine.Inventory');
  checkVmName(spec.name);
  const release = d.ctx.locks.acquire(src.id, 'clone');
  try {
    if (src.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot clone ${src.id} (${src.name}) while it is ${describePowerState(src.powerState)}: power it off first`, { module: 'core.vm' });
    const { host, datastore } = await placeVm(d, caller, src, spec.placement ?? (src.hostId ? { hostId: src.hostId } : { library: true }));
    const driverKind = host?.driver ?? src.driver;
    if (driverKind !== src.driver) throw unsupported(`cloning from a ${src.driver} host to a ${driverKind} host is not supported`, { module: 'core.vm' });
    return await d.tasks.start(
      { kind: 'vm.clone', targetId: src.id, targetName: src.name, caller, cancellable: false, release, lockedVmId: src.id, step: `Cloning ${src.name}` },
      async (t) => {
        const fromDs = await d.rt.datastoreOf(src);
        const to = d.ctx.files(datastore);
        const folder = await to.createVmFolder(spec.name);
        try {
          t.progress(5, 'Copying disks');
          await d.ctx.files(fromDs).copyFolderTo(to, posix.dirname(src.vmxRel), folder);
          const oldVmx = posix.join(folder, posix.basename(src.vmxRel));
          const vmxRel = posix.join(folder, `${posix.basename(folder)}.vmx`);
          const doc = parseVmx(await to.readText(oldVmx));
          const cfg = readVmxConfig(doc);
          const uuid = newGuid();
          const nics = cfg.hardware.nics.map((n) => ({ ...n, macAddress: newMac() }));
          const hardware = { ...cfg.hardware, nics };
          writeVmxConfig(doc, { ...cfg, name: spec.name, uuid, hardware, fqdn: `${spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local` });
          await to.writeAtomic(vmxRel, doc.toString());
          if (oldVmx !== vmxRel) await to.removeFile(oldVmx);
          for (const f of ['vmware.log', 'sim-disk.json']) await to.removeFile(posix.join(folder, f)).catch(() => undefined);
          t.progress(90, 'Registering the clone');
          const now = d.ctx.clock.now().toISOString();
          const vm: Vm = {
            ...src,
            id: await nextId(d.ctx.store, 'vm'),
            uuid,
            name: spec.name,
            fqdn: `${spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local`,
            datastoreId: datastore.id,
            vmxRel,
            hardware,
            powerState: 'poweredOff',
            toolsState: 'unknown',
            hostId: host?.id ?? null,
            ownerId: caller.kind === 'user' ? caller.userId : null,
            currentSnapshotId: null,
            createdAt: now,
            updatedAt: now,
          };
          await d.ctx.store.vms.insert(vm);
          await d.events.record(vm.id, 'vm.cloned', `cloned from ${src.id} (${src.name})`, { caller, taskId: t.taskId });
          d.ctx.bus.emit('vm.changed', vm, null);
          return vm.id;
        } catch (e) {
          await to.removeVmFolder(folder).catch(() => undefined);
          throw e;
        }
      },
    );
  } catch (e) {
    release();
    throw e;
  }
}

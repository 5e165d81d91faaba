/** Full clone of a VM: its folder copied, a new identity written, the clone registered. */
import { posix } from 'node:path';
import type { Caller } from './caller.ts';
import { copyProgress } from './copy-progress.ts';
import { datastoreHolding } from './datastore-file-service.ts';
import { VmgateError, cancelled, invalidArgument, notFound, resourceExhausted, notAllowedInCurrentState, toVmgateError, unsupported } from './errors.ts';
import { newGuid, nextId } from './ids.ts';
import type { Datastore, InventoryEvent, Task, VirtualDisk, VirtualSerial, Vm } from './model/index.ts';
import type { Store } from './ports/store.ts';
import { describePowerState } from './power.ts';
import type { VmDeps } from './vm-deps.ts';
import { checkVmName, freshMac, macsOf } from './vm-hardware.ts';
import type { VmPlacementSpec } from './vm-placement.ts';
import { placeVm } from './vm-placement.ts';
import { resolveVm } from './vm-refs.ts';
import { parseVmx, readVmxConfig, writePortForwards, writeVmxConfig } from './vmx/index.ts';

export interface VmCloneSpec {
  readonly name: string;
  readonly placement?: VmPlacementSpec;
  /** Power the clone on in the same task (it must go to a host, not the library). */
  readonly powerOn?: boolean;
}

/**
 * Full clone of a powered-off VM (its disks are copied: its folder, and each disk image it
 * uses from elsewhere on a datastore, into the clone's folder, so that no image is shared).
 * A task whose result is the new VM's id; its progress follows the bytes copied
 * (`Copying disks: 1.2 GiB of 4.0 GiB`).
 * Cancelling it during the copy stops the copy and removes the clone's folder; nothing
 * is registered. With `powerOn` the same task then powers the clone on (checked and run as
 * power.run('powerOn') would); if that fails the clone stays, the task fails with the
 * power-on's error (same kind and reason), and the clone's events say so.
 */
export async function cloneVm(d: VmDeps, caller: Caller, ref: string, spec: VmCloneSpec): Promise<Task> {
  const src = await resolveVm(d, caller, ref, 'VirtualMachine.Inventory');
  checkVmName(spec.name);
  const release = d.ctx.locks.acquire(src.id, 'clone');
  try {
    if (src.powerState !== 'poweredOff') throw notAllowedInCurrentState(`cannot clone ${src.id} (${src.name}) while it is ${describePowerState(src.powerState)}: power it off first`, { module: 'core.vm' });
    const { host, datastore } = await placeVm(d, caller, src, spec.placement ?? (src.hostId ? { hostId: src.hostId } : { library: true }));
    const driverKind = host?.driver ?? src.driver;
    if (driverKind !== src.driver) throw unsupported(`cloning from a ${src.driver} host to a ${driverKind} host is not supported`, { module: 'core.vm' });
    if (spec.powerOn) {
      if (!host) throw invalidArgument(`cannot power on the clone '${spec.name}': it goes to the library, where nothing runs; place it on a host or cluster`, { module: 'core.vm' });
      await d.authz.require(caller, 'VirtualMachine.PowerOps', host.id);
    }
    const external = externalDisks(src, await d.ctx.store.datastores.list());
    return await d.tasks.start(
      { kind: 'vm.clone', targetId: src.id, targetName: src.name, caller, cancellable: true, release, lockedVmId: src.id, step: `Cloning ${src.name}` },
      async (t) => {
        const fromDs = await d.rt.datastoreOf(src);
        const to = d.ctx.files(datastore);
        const folder = await to.createVmFolder(spec.name);
        let vm!: Vm; // set by register() below, which runs or throws
        let cloned: InventoryEvent | null = null;
        const record = async (tx: Store): Promise<void> => {
          await tx.vms.insert(vm);
          cloned = await d.events.append(tx, vm.id, 'vm.cloned', `cloned from ${src.id} (${src.name})`, { caller, taskId: t.taskId });
        };
        try {
          t.progress(5, 'Copying disks');
          const folderEnd = external.length ? 60 : 90;
          await d.ctx.files(fromDs).copyFolderTo(to, posix.dirname(src.vmxRel), folder, { signal: t.signal, onProgress: copyProgress(t, 'Copying disks', [5, folderEnd]) });
          t.signal.throwIfAborted();
          // Images from outside the folder: copied in beside the rest, named as they were
          // (with the device key when that name is taken).
          const moved = new Map<string, string>();
          for (const [i, x] of external.entries()) {
            const span = (90 - folderEnd) / external.length;
            const base = posix.basename(x.rel);
            let name = base;
            if (await to.exists(posix.join(folder, name))) name = `${base.replace(/(\.[^.]*)?$/, '')}-${x.disk.device.replace(/:/g, '-')}${posix.extname(base)}`;
            const label = `Copying disk ${x.disk.device} ([${x.datastore.name}] ${x.rel})`;
            await d.ctx.files(x.datastore).copy(x.rel, posix.join(folder, name), false, { destination: to, signal: t.signal, onProgress: copyProgress(t, label, [folderEnd + i * span, folderEnd + (i + 1) * span]) });
            moved.set(x.disk.device, name);
          }
          t.signal.throwIfAborted();
          // From here to the record, one step among serial-port changes when the clone has a
          // TCP serial port (core.devices' 'serial-port' section): its port is chosen free and taken.
          const register = async (): Promise<void> => {
            const oldVmx = posix.join(folder, posix.basename(src.vmxRel));
            const vmxRel = posix.join(folder, `${posix.basename(folder)}.vmx`);
            const doc = parseVmx(await to.readText(oldVmx));
            const cfg = readVmxConfig(doc);
            const uuid = newGuid();
            const taken = macsOf(await d.ctx.store.vms.query({}));
            // A given (static) MAC is the source's own: the clone gets a generated one like every other NIC.
            const nics = cfg.hardware.nics.map((n) => ({ ...n, macAddress: freshMac(taken), ...(n.staticMac ? { staticMac: false } : {}) }));
            const disks = cfg.hardware.disks.map((x) => (moved.has(x.device) ? { ...x, fileName: moved.get(x.device)! } : x));
            // A loopback TCP port belongs to one serial port: the clone's get the next free ones.
            const serials = cfg.hardware.serials ? freshSerialPorts(cfg.hardware.serials, await d.ctx.store.vms.query({})) : undefined;
            const hardware = { ...cfg.hardware, nics, disks, ...(serials ? { serials } : {}) };
            writeVmxConfig(doc, { ...cfg, name: spec.name, uuid, hardware, fqdn: `${spec.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.vmgate.local` });
            // A host port belongs to one VM: the clone starts without the source's port forwards.
            writePortForwards(doc, []);
            await to.writeAtomic(vmxRel, doc.toString());
            if (oldVmx !== vmxRel) await to.removeFile(oldVmx);
            for (const f of ['vmware.log', 'sim-disk.json']) await to.removeFile(posix.join(folder, f)).catch(() => undefined);
            // The last moment a cancel takes: after this the clone is registered whole.
            t.signal.throwIfAborted();
            t.progress(90, 'Registering the clone');
            const now = d.ctx.clock.now().toISOString();
            vm = {
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
            // Without powerOn the clone's record, its event and the task's end are one transaction.
            if (spec.powerOn) await d.ctx.store.transaction(record);
            else await t.complete(vm.id, record);
          };
          if ((src.hardware.serials ?? []).some((x) => x.backing.kind === 'tcpServer')) await d.ctx.sections.run('serial-port', register);
          else await register();
        } catch (e) {
          await to.removeVmFolder(folder).catch((e2: unknown) => d.ctx.log.warn({ err: e2, folder }, 'could not remove the folder of a failed clone'));
          if (t.signal.aborted) throw cancelled(`cloning ${src.id} (${src.name}) was cancelled: the partial copy [${datastore.name}] ${folder} was removed`, { module: 'core.vm', cause: e });
          throw e;
        }
        d.ctx.bus.emit('vm.changed', vm, null);
        if (cloned) d.ctx.bus.emit('event.appended', cloned);
        if (!spec.powerOn) return vm.id;
        try {
          return await d.powerOnInTask(caller, vm, t, vm.id, [90, 99]);
        } catch (e) {
          const err = toVmgateError(e, 'core.vm');
          await d.events
            .record(vm.id, 'vm.powerOnAfterCloneFailed', `power on after clone failed: ${err.message}`, { severity: 'error', caller, taskId: t.taskId })
            .catch((e2: unknown) => d.ctx.log.error({ err: e2, vmId: vm.id }, 'could not record that a clone did not power on'));
          throw new VmgateError(err.kind, `the clone ${vm.id} (${vm.name}) was made but did not power on: ${err.message}`, { module: err.module, ...(err.reason ? { reason: err.reason } : {}), cause: e });
        }
      },
    );
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * The disks of `vm` whose image is not in its folder (attached from elsewhere on a
 * datastore: an absolute file name), with the datastore that holds each. An image on no
 * datastore (its datastore was removed) is refused before anything is copied.
 */
function externalDisks(vm: Vm, datastores: readonly Datastore[]): { disk: VirtualDisk; datastore: Datastore; rel: string }[] {
  const out: { disk: VirtualDisk; datastore: Datastore; rel: string }[] = [];
  for (const disk of vm.hardware.disks) {
    if (!posix.isAbsolute(disk.fileName)) continue;
    const held = datastoreHolding(datastores, disk.fileName);
    if (!held) throw notFound(`cannot clone ${vm.id} (${vm.name}): the image of its disk ${disk.device}, ${disk.fileName}, is on no datastore of vmgate; detach the disk or add its datastore`, { module: 'core.vm' });
    out.push({ disk, ...held });
  }
  return out;
}

/**
 * The clone's serial ports: each loopback TCP one moves to the next port above its own that
 * no serial port of any VM uses (wrapping to 1024 after 65535); the others stay as they are.
 */
function freshSerialPorts(serials: readonly VirtualSerial[], vms: readonly Vm[]): VirtualSerial[] {
  const used = new Set(vms.flatMap((v) => (v.hardware.serials ?? []).flatMap((x) => (x.backing.kind === 'tcpServer' ? [x.backing.port] : []))));
  return serials.map((x) => {
    if (x.backing.kind !== 'tcpServer') return x;
    let port = x.backing.port;
    for (let tries = 0; used.has(port); tries++) {
      if (tries > 65535) throw resourceExhausted('no loopback TCP port is free for the serial port of the clone', { module: 'core.vm' });
      port = port >= 65535 ? 1024 : port + 1;
    }
    used.add(port);
    return { ...x, backing: { kind: 'tcpServer', port } };
  });
}

/**
 * Snapshots, kept inside the VM's qcow2 disks: through QMP while QEMU runs (with the
 * guest's memory when asked), through qemu-img while it does not.
 */
import type { VmgateError } from '../../core/errors.ts';
import { rm } from 'node:fs/promises';
import type { PowerState, VirtualDisk } from '../../core/model/index.ts';
import type { DriverVm, OpContext, SnapshotRef } from '../../core/ports/driver.ts';
import { planDisks, resolveVmFile } from './command-line.ts';
import type { PlannedDisk } from './command-line.ts';
import { exists } from './fs-helpers.ts';
import { instanceOf, powerStateOf } from './qemu-attach.ts';
import type { QemuDriverState } from './qemu-driver-state.ts';
import { qemuError } from './qemu-error.ts';
import { imageInfo, runQemuImg, snapshotApplyOffline, snapshotCreateOffline, snapshotDeleteOffline } from './qemu-img.ts';
import { launch, stopProcess } from './qemu-launch.ts';
import { discardSuspendState } from './qemu-suspend.ts';
import { cont, queryStatus, snapshotDelete, snapshotDisksInternal, snapshotLoad, snapshotSave } from './qmp/qmp-commands.ts';

export async function createSnapshot(q: QemuDriverState, vm: DriverVm, snap: SnapshotRef, ctx?: OpContext): Promise<void> {
  const disks = snapshotDisks(vm);
  const inst = await instanceOf(q, vm);
  if (inst) {
    const devices = disks.map((d) => d.node);
    ctx?.progress?.(10, snap.includeMemory ? `saving disks and memory of ${vm.name}` : `saving the disks of ${vm.name}`);
    if (snap.includeMemory) await snapshotSave(inst.qmp, { jobId: `vmgate-save-${snap.id}`, tag: snap.id, vmstate: devices[0], devices }, { signal: ctx?.signal });
    else await snapshotDisksInternal(inst.qmp, snap.id, devices);
    ctx?.progress?.(100, 'snapshot taken');
    return;
  }
  if (snap.includeMemory) throw qemuError('invalid_argument', `${vm.name} is not running: a snapshot of it has no memory to include`);
  const done: PlannedDisk[] = [];
  try {
    for (const d of disks) {
      await snapshotCreateOffline(d.file, snap.id, q.img(ctx?.signal));
      done.push(d);
    }
  } catch (e) {
    await offlineDelete(q, done, snap.id).catch(() => undefined);
    throw e;
  }
}

/** Returns the power state the VM is in afterwards. */
export async function revertSnapshot(q: QemuDriverState, vm: DriverVm, snap: SnapshotRef, ctx?: OpContext): Promise<PowerState> {
  return q.serial(vm.id, async (): Promise<PowerState> => {
    const disks = snapshotDisks(vm);
    const devices = disks.map((d) => d.node);
    const p = q.paths(vm);
    let inst = await instanceOf(q, vm);
    if (!inst && (await exists(p.suspendFile))) await discardSuspendState(q, vm);
    if (!snap.includeMemory) {
      // Disks only: the VM is off afterwards, as VMware does.
      if (inst) await stopProcess(q, inst);
      for (const d of disks) {
        await snapshotApplyOffline(d.file, snap.id, q.img(ctx?.signal)).catch((e: unknown) => {
          throw isMissingSnapshot(e) ? snapshotNotFound(vm, snap, e) : e;
        });
      }
      return 'poweredOff';
    }
    // A failed snapshot-load leaves QEMU stopped in restore-vm: make sure the tag is there.
    const held = await imageInfo(disks[0].file, q.img(ctx?.signal));
    const found = held.snapshots.find((s) => s.name === snap.id);
    if (!found) throw snapshotNotFound(vm, snap, null);
    if (found.vmStateSize === 0) throw qemuError('invalid_argument', `snapshot ${snap.id} of ${vm.name} holds no memory state`);
    const started = !inst;
    inst ??= await launch(q, vm, { incoming: false }, ctx);
    const before = started ? null : await queryStatus(inst.qmp);
    try {
      ctx?.progress?.(40, `loading snapshot ${snap.id} of ${vm.name}`);
      inst.clearTools();
      await snapshotLoad(inst.qmp, { jobId: `vmgate-load-${snap.id}`, tag: snap.id, vmstate: devices[0], devices }, { signal: ctx?.signal });
    } catch (e) {
      if (started) await stopProcess(q, inst);
      else if (before?.running && (await queryStatus(inst.qmp).catch(() => null))?.status === 'restore-vm') await cont(inst.qmp).catch(() => undefined);
      throw isMissingSnapshot(e) ? snapshotNotFound(vm, snap, e) : e;
    }
    const st = await queryStatus(inst.qmp);
    if (started || st.status === 'prelaunch') {
      await cont(inst.qmp);
      return 'poweredOn';
    }
    return powerStateOf(st.status);
  });
}

export async function removeSnapshot(q: QemuDriverState, vm: DriverVm, snap: SnapshotRef, ctx?: OpContext): Promise<void> {
  const disks = snapshotDisks(vm);
  const inst = await instanceOf(q, vm);
  if (inst) {
    await snapshotDelete(inst.qmp, { jobId: `vmgate-delete-${snap.id}`, tag: snap.id, devices: disks.map((d) => d.node) }, { signal: ctx?.signal }).catch((e: unknown) => {
      if (!isMissingSnapshot(e)) throw e;
    });
    return;
  }
  await offlineDelete(q, disks, snap.id, ctx?.signal);
}

/** The disks that hold the VM's snapshots: all of them, qcow2 only. */
function snapshotDisks(vm: DriverVm): PlannedDisk[] {
  const disks = planDisks(vm);
  if (disks.length === 0) throw qemuError('unsupported', `${vm.name} has no disk to hold snapshots (QEMU keeps them inside qcow2 disks)`);
  const bad = disks.find((d) => !d.internalSnapshots);
  if (bad) {
    throw qemuError('unsupported', `snapshots of ${vm.name} need qcow2 disks, but ${bad.file} is ${bad.format} (convert it: qemu-img convert -O qcow2 ${bad.file} <name>.qcow2)`);
  }
  return disks;
}

function snapshotNotFound(vm: DriverVm, snap: SnapshotRef, e: unknown): VmgateError {
  return qemuError('not_found', `snapshot ${snap.id} of ${vm.name} is not in its disks`, { reason: 'snapshot_not_found', cause: e });
}

const isMissingSnapshot = (e: unknown): boolean => /not found|can't find|does not exist|no such snapshot/i.test((e as Error)?.message ?? '');

async function offlineDelete(q: QemuDriverState, disks: readonly PlannedDisk[], tag: string, signal?: AbortSignal): Promise<void> {
  for (const d of disks) {
    await snapshotDeleteOffline(d.file, tag, q.img(signal)).catch((e: unknown) => {
      if (!isMissingSnapshot(e)) throw e;
    });
  }
}

/**
 * Snapshots live inside qcow2 disks: a VM registered with other disks (a VMware `.vmdk`)
 * gets a qcow2 copy of each (`disk.vmdk` → `disk.qcow2` beside it; the original stays, so
 * nothing is lost and the VM can be given back to VMware) while it is off. Returns the new
 * disk list, or null when every disk is qcow2 already.
 */
export async function prepareDisksForSnapshots(q: QemuDriverState, vm: DriverVm, ctx?: OpContext): Promise<VirtualDisk[] | null> {
  const planned = planDisks(vm);
  if (planned.every((d) => d.internalSnapshots)) return null;
  if (await instanceOf(q, vm)) {
    const bad = planned.find((d) => !d.internalSnapshots)!;
    throw qemuError('not_allowed_in_current_state', `snapshots of ${vm.name} need qcow2 disks, but ${bad.file} is ${bad.format}: power the VM off and take the snapshot again — vmgate then converts its disks to qcow2 (the originals stay)`, { reason: 'vm_is_running' });
  }
  const out: VirtualDisk[] = [];
  for (const [i, disk] of vm.hardware.disks.entries()) {
    const p = planned[i]!;
    if (p.internalSnapshots) {
      out.push(disk);
      continue;
    }
    const fileName = disk.fileName.replace(/\.[A-Za-z0-9]+$/, '') + '.qcow2';
    const target = resolveVmFile(vm, fileName);
    if (await exists(target)) throw qemuError('already_exists', `converting ${p.file} of ${vm.name} to qcow2 for snapshots: ${target} already exists (move it away or name it in the .vmx)`);
    ctx?.progress?.(Math.round((i / vm.hardware.disks.length) * 50), `converting ${p.file} (${p.format}) to qcow2 for snapshots`);
    try {
      await runQemuImg(['convert', '-q', '-f', p.format, '-O', 'qcow2', p.file, target], { ...q.img(ctx?.signal), timeoutMs: 3_600_000 });
    } catch (e) {
      await rm(target, { force: true });
      throw e;
    }
    q.log.info({ vmId: vm.id, from: p.file, to: target }, `${vm.name}: ${p.file} converted to qcow2 for snapshots`);
    out.push({ ...disk, fileName });
  }
  return out;
}

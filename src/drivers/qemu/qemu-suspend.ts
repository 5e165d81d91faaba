/**
 * Suspend and resume: the guest's memory goes to a file in the VM's folder through a
 * migration to file, and comes back by starting QEMU with that file as incoming
 * migration, on the accelerator it was saved with.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { VmgateError } from '../../core/errors.ts';
import type { DriverVm, OpContext } from '../../core/ports/driver.ts';
import type { QemuAccel } from './command-line.ts';
import { exists, readJson } from './fs-helpers.ts';
import { requireInstance } from './qemu-attach.ts';
import type { QemuDriverState } from './qemu-driver-state.ts';
import { qemuError } from './qemu-error.ts';
import { launch, stopProcess } from './qemu-launch.ts';
import { cont, migrateIncoming, migrateToFile, migrationUriFromFile, queryStatus, stop, waitForIncoming } from './qmp/qmp-commands.ts';

/** Written beside the suspend file. */
interface SuspendInfo {
  readonly accel: QemuAccel;
  readonly savedAt: string;
  readonly memoryMiB: number;
}

export async function suspend(q: QemuDriverState, vm: DriverVm, ctx?: OpContext): Promise<void> {
  await q.serial(vm.id, async () => {
    const inst = await requireInstance(q, vm, 'suspend');
    const p = inst.paths;
    const accel = ((await readJson<{ accel?: QemuAccel }>(p.runtimeRecord))?.accel ?? (await q.resolveAccel()).accel) as QemuAccel;
    const st = await queryStatus(inst.qmp);
    const wasRunning = st.running;
    ctx?.progress?.(5, `stopping the vCPUs of ${vm.name}`);
    if (wasRunning) await stop(inst.qmp);
    const partial = `${p.suspendFile}.partial`;
    await rm(partial, { force: true });
    try {
      ctx?.progress?.(10, `saving the memory of ${vm.name}`);
      await migrateToFile(inst.qmp, partial, {
        signal: ctx?.signal,
        timeoutMs: 30 * 60_000,
        onProgress: (f) => ctx?.progress?.(10 + Math.round(f * 80), `saving the memory of ${vm.name}`),
      });
    } catch (e) {
      await rm(partial, { force: true });
      if (wasRunning) await cont(inst.qmp).catch(() => undefined);
      throw e;
    }
    await rename(partial, p.suspendFile);
    const info: SuspendInfo = { accel, savedAt: new Date().toISOString(), memoryMiB: vm.hardware.memoryMiB };
    await writeFile(p.suspendInfo, `${JSON.stringify(info, null, 2)}\n`);
    ctx?.progress?.(95, `stopping QEMU of ${vm.name}`);
    await stopProcess(q, inst);
    ctx?.progress?.(100, `${vm.name} is suspended`);
  });
}

export async function resume(q: QemuDriverState, vm: DriverVm, ctx?: OpContext): Promise<void> {
  await q.serial(vm.id, async () => {
    const p = q.paths(vm);
    if (!(await exists(p.suspendFile))) {
      throw qemuError('not_allowed_in_current_state', `${vm.id} (${vm.name}) has no saved state to resume from (${p.suspendFile})`);
    }
    const info = await readJson<SuspendInfo>(p.suspendInfo);
    const inst = await launch(q, vm, { incoming: true, accel: info?.accel }, ctx);
    try {
      ctx?.progress?.(30, `loading the memory of ${vm.name}`);
      await migrateIncoming(inst.qmp, migrationUriFromFile(p.suspendFile));
      await waitForIncoming(inst.qmp, { signal: ctx?.signal, timeoutMs: 30 * 60_000 });
      ctx?.progress?.(90, `running ${vm.name}`);
      await cont(inst.qmp);
    } catch (e) {
      await stopProcess(q, inst);
      throw e instanceof VmgateError ? e : qemuError('internal', `resuming ${vm.name} failed: ${(e as Error).message}`, { cause: e });
    }
    await rm(p.suspendFile, { force: true });
    await rm(p.suspendInfo, { force: true });
    ctx?.progress?.(100, `${vm.name} is running`);
  });
}

export async function discardSuspendState(q: QemuDriverState, vm: DriverVm): Promise<void> {
  const p = q.paths(vm);
  await rm(p.suspendFile, { force: true });
  await rm(p.suspendInfo, { force: true });
  await rm(`${p.suspendFile}.partial`, { force: true });
}

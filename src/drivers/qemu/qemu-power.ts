/**
 * Power and lifecycle of a QEMU guest: its disks, power on and off (soft through the
 * guest agent or ACPI), reset, pause, waiting for the guest agent, the VNC console.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ConsoleEndpoint, ConsoleTicket, DriverVm, OpContext, PowerOffOptions } from '../../core/ports/driver.ts';
import { planDisks } from './command-line.ts';
import type { PlannedDisk } from './command-line.ts';
import { exists } from './fs-helpers.ts';
import { requireInstance } from './qemu-attach.ts';
import type { QemuDriverState } from './qemu-driver-state.ts';
import { qemuError } from './qemu-error.ts';
import { createQcow2, runQemuImg } from './qemu-img.ts';
import { launch, stopProcess } from './qemu-launch.ts';
import { cont, expireVncPassword, queryStatus, queryVnc, setVncPassword, stop, systemPowerdown, systemReset } from './qmp/qmp-commands.ts';

export async function createDisks(q: QemuDriverState, vm: DriverVm, ctx?: OpContext): Promise<void> {
  const disks = planDisks(vm);
  let i = 0;
  for (const d of disks) {
    ctx?.progress?.(Math.round((i++ / Math.max(1, disks.length)) * 100), `creating disk ${d.device}`);
    if (await exists(d.file)) continue; // an existing disk (e.g. a VMware .vmdk) is used as is
    await mkdir(dirname(d.file), { recursive: true });
    if (d.format === 'qcow2') await createQcow2(d.file, capacityOf(vm, d), q.img(ctx?.signal));
    else await runQemuImgCreate(q, d, vm);
  }
  ctx?.progress?.(100, 'disks ready');
}

export async function powerOn(q: QemuDriverState, vm: DriverVm, ctx?: OpContext): Promise<void> {
  await q.serial(vm.id, async () => {
    const p = q.paths(vm);
    if (await exists(p.suspendFile)) {
      q.log.warn({ vmId: vm.id }, `${vm.name}: discarding a stale suspend file ${p.suspendFile} on power on`);
      await rm(p.suspendFile, { force: true });
      await rm(p.suspendInfo, { force: true });
    }
    const inst = await launch(q, vm, { incoming: false }, ctx);
    try {
      ctx?.progress?.(80, `running ${vm.name}`);
      await cont(inst.qmp);
    } catch (e) {
      await stopProcess(q, inst);
      throw e;
    }
    ctx?.progress?.(100, `${vm.name} is running`);
  });
}

export async function powerOff(q: QemuDriverState, vm: DriverVm, o: PowerOffOptions, ctx?: OpContext): Promise<void> {
  const inst = await requireInstance(q, vm, 'power off');
  inst.expectedExit = true;
  if (o.soft) {
    const st = await queryStatus(inst.qmp, { timeoutMs: 5_000 }).catch(() => null);
    if (st?.status === 'running') {
      const timeoutMs = o.timeoutMs ?? q.softPowerOffTimeoutMs;
      ctx?.progress?.(10, `asking the guest of ${vm.name} to shut down`);
      if (inst.toolsRunning) await inst.agent.shutdown('powerdown', { timeoutMs: 5_000 }).catch(() => systemPowerdown(inst.qmp));
      else await systemPowerdown(inst.qmp);
      if (await inst.waitForExit(timeoutMs)) return;
      q.log.warn({ vmId: vm.id }, `the guest of ${vm.name} did not shut down within ${timeoutMs} ms; forcing power off`);
    }
  }
  ctx?.progress?.(50, `stopping QEMU of ${vm.name}`);
  await stopProcess(q, inst);
}

export async function reset(q: QemuDriverState, vm: DriverVm, o: { soft: boolean }): Promise<void> {
  const inst = await requireInstance(q, vm, 'reset');
  const next = inst.nextReset();
  if (o.soft && inst.toolsRunning) {
    // The guest reboots itself; QEMU reports RESET when it does. Until then its agent may
    // still answer, so wait for it: tools are down afterwards.
    await inst.agent.shutdown('reboot', { timeoutMs: 5_000 });
    if (!(await next.wait(60_000))) q.log.warn({ vmId: vm.id }, `the guest of ${vm.name} did not reboot within 60 s of the request`);
  } else {
    await systemReset(inst.qmp);
    await next.wait(5_000);
  }
  inst.clearTools();
}

export async function pause(q: QemuDriverState, vm: DriverVm): Promise<void> {
  const inst = await requireInstance(q, vm, 'pause');
  await stop(inst.qmp);
}

export async function unpause(q: QemuDriverState, vm: DriverVm): Promise<void> {
  const inst = await requireInstance(q, vm, 'unpause');
  await cont(inst.qmp);
}

export async function waitForTools(q: QemuDriverState, vm: DriverVm, timeoutMs: number, ctx?: OpContext): Promise<void> {
  const inst = await requireInstance(q, vm, 'wait for the tools of');
  if (await inst.waitForTools(timeoutMs, ctx?.signal)) return;
  if (ctx?.signal?.aborted) throw qemuError('cancelled', `waiting for the tools of ${vm.name} was cancelled`);
  throw qemuError('timed_out', `the guest agent of ${vm.id} (${vm.name}) did not answer within ${Math.round(timeoutMs / 1000)} s`, { reason: 'timeout_waiting_for_tools' });
}

/**
 * The VNC console. QEMU runs it with `password=on`, so nobody gets in until a ticket sets
 * a password here (`set_password`, then `expire_password` at the ticket's end, rounded up
 * to whole seconds, QEMU's unit); the first client that authenticates burns it (the
 * instance replaces it on QEMU's VNC_INITIALIZED event).
 */
export async function consoleOf(q: QemuDriverState, vm: DriverVm, ticket?: ConsoleTicket): Promise<ConsoleEndpoint> {
  const inst = await requireInstance(q, vm, 'open the console of');
  const vnc = await queryVnc(inst.qmp);
  const port = Number(vnc.service ?? inst.vncPort);
  if (!vnc.enabled || !Number.isInteger(port) || port <= 0) throw qemuError('unsupported', `${vm.name} has no VNC console`);
  if (ticket) {
    try {
      await setVncPassword(inst.qmp, ticket.password);
      await expireVncPassword(inst.qmp, `+${Math.max(1, Math.ceil(ticket.validForMs / 1000))}`);
    } catch (e) {
      // A QEMU started without password=on (by an older vmgate) cannot take one.
      throw qemuError('not_allowed_in_current_state', `the console of ${vm.name} cannot take a one-time password (${(e as Error).message}); power the VM off and on again`, { cause: e });
    }
  }
  return { protocol: 'VNC', host: q.consoleHost, port, password: ticket?.password ?? null };
}

async function runQemuImgCreate(q: QemuDriverState, d: PlannedDisk, vm: DriverVm): Promise<void> {
  const args = d.format === 'vmdk' ? ['create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicSparse', d.file, `${capacityOf(vm, d)}M`] : ['create', '-q', '-f', d.format, d.file, `${capacityOf(vm, d)}M`];
  await runQemuImg(args, q.img());
}

function capacityOf(vm: DriverVm, d: PlannedDisk): number {
  return vm.hardware.disks.find((x) => x.device === d.device)?.capacityMiB ?? 1024;
}

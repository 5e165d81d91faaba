/**
 * Starting and stopping QEMU: check the VM's files, pick a VNC port, run QEMU detached
 * (it outlives the control plane) with its vCPUs stopped, wait for its monitor; stop it
 * with `quit`, then SIGKILL.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { VmgateError } from '../../core/errors.ts';
import type { DriverVm, OpContext } from '../../core/ports/driver.ts';
import { buildQemuCommandLine, natSocketPath, nicNetwork, planDisks, resolveVmFile } from './command-line.ts';
import type { QemuAccel } from './command-line.ts';
import { exists, logTail, sleep } from './fs-helpers.ts';
import { instanceOf, newInstance } from './qemu-attach.ts';
import type { QemuDriverState } from './qemu-driver-state.ts';
import { qemuError } from './qemu-error.ts';
import type { QemuInstance } from './qemu-instance.ts';
import { waitForProcessExit } from './qemu-process.ts';
import { quit, setLink } from './qmp/qmp-commands.ts';
import type { QemuRuntimePaths } from './runtime-paths.ts';
import { endPassts, startPassts } from './passt.ts';
import { pickVncPort } from './vnc-port.ts';

export interface LaunchOptions {
  /** Wait for a migration stream (resume from a suspend file). */
  readonly incoming: boolean;
  /** Default: the driver's accelerator decision. */
  readonly accel?: QemuAccel;
}

/** Starts QEMU with vCPUs stopped (-S) and waits until its monitor answers. */
export async function launch(q: QemuDriverState, vm: DriverVm, lo: LaunchOptions, ctx?: OpContext): Promise<QemuInstance> {
  if (q.closed) throw qemuError('not_allowed_in_current_state', 'the QEMU driver is closed');
  const p = q.paths(vm);
  const existing = await instanceOf(q, vm);
  if (existing) throw qemuError('not_allowed_in_current_state', `${vm.id} (${vm.name}) is already running (QEMU pid ${existing.pid})`, { reason: 'vm_is_running' });
  const accel = lo.accel ?? (await q.resolveAccel()).accel;
  ctx?.progress?.(5, `checking the files of ${vm.name}`);
  await checkFiles(vm);
  await mkdir(p.socketDir, { recursive: true, mode: 0o700 });
  await Promise.all([p.qmpSocket, p.agentSocket, p.pidFile].map((f) => rm(f, { force: true })));
  let efi: { code: string; vars: string } | null = null;
  if (vm.hardware.firmware === 'efi') {
    if (!(await exists(q.ovmf.code))) throw qemuError('unsupported', `${vm.name} needs UEFI firmware but ${q.ovmf.code} is missing (install the ovmf package)`);
    if (!(await exists(p.efiVars))) await copyFile(q.ovmf.vars, p.efiVars);
    efi = { code: q.ovmf.code, vars: p.efiVars };
  }
  const taken = new Set([...q.instances.values()].map((i) => i.vncPort).filter((x): x is number => x !== null));
  const natSockets = new Map<number, string>();
  vm.hardware.nics.forEach((n, i) => {
    let kind: string;
    try {
      kind = nicNetwork(n.network).kind;
    } catch (e) {
      throw qemuError('invalid_argument', `${vm.name}, NIC ${n.device}: ${(e as Error).message}`);
    }
    if (kind === 'nat') natSockets.set(i, natSocketPath(p, i));
  });
  for (let attempt = 1; ; attempt++) {
    const vncPort = await pickVncPort(5900, 5999, taken, q.consoleHost);
    const cl = buildQemuCommandLine(vm, { accel, paths: p, vncPort, vncHost: q.consoleHost, startPaused: true, incoming: lo.incoming, efi, natSockets });
    if (natSockets.size > 0) ctx?.progress?.(8, `starting the nat network of ${vm.name} (passt)`);
    // An earlier run's passt may still hold the forwards' host ports (it ends a moment after its QEMU).
    await endPasstsOf(q, vm, p);
    const passts = await startPassts(q.passtBinary, vm, natSockets);
    ctx?.progress?.(10, `starting QEMU for ${vm.name} (${accel})`);
    const inst = spawnQemu(q, vm, p, cl.argv, vncPort);
    try {
      await waitForMonitor(q, inst, ctx);
      for (const id of cl.disconnectedNics) await setLink(inst.qmp, id, false);
      await writeFile(p.runtimeRecord, `${JSON.stringify({ pid: inst.pid, accel, vncPort, qmpSocket: p.qmpSocket, agentSocket: p.agentSocket, startedAt: new Date().toISOString() }, null, 2)}\n`);
      inst.watch();
      return inst;
    } catch (e) {
      inst.expectedExit = true;
      inst.kill();
      await inst.waitForExit(5_000);
      for (const pt of passts) pt.stop();
      // Another process took the VNC port between our check and QEMU's bind: next port.
      if (attempt < 3 && /Address already in use/.test((e as Error).message)) {
        taken.add(vncPort);
        continue;
      }
      throw e;
    }
  }
}

/**
 * Stops QEMU: `quit`, then SIGKILL if it lingers. The exit is expected (no event). Returns
 * once the VM's passt processes are gone too, so that the forwards' host ports are free
 * when the stop is reported.
 */
export async function stopProcess(q: QemuDriverState, inst: QemuInstance): Promise<void> {
  inst.expectedExit = true;
  await quit(inst.qmp, { timeoutMs: 5_000 }).catch(() => undefined);
  if (!(await inst.waitForExit(10_000))) {
    q.log.warn({ vmId: inst.vm.id, pid: inst.pid }, `QEMU of ${inst.vm.name} ignored quit; killing it`);
    inst.kill();
    if (!(await inst.waitForExit(5_000))) {
      await waitForProcessExit(inst.pid, 5_000);
    }
  }
  await endPasstsOf(q, inst.vm, inst.paths);
}

/** Waits for the VM's passt processes of an earlier run to end ({@link endPassts}); logs the ones it had to signal. */
async function endPasstsOf(q: QemuDriverState, vm: DriverVm, p: QemuRuntimePaths): Promise<void> {
  const signalled = await endPassts(p.socketDir);
  if (signalled.length > 0) q.log.warn({ vmId: vm.id, pids: signalled }, `passt of ${vm.name} outlived its QEMU; ended it with a signal`);
}

/** Runs QEMU detached (it outlives us), its output appended to qemu.log. */
function spawnQemu(q: QemuDriverState, vm: DriverVm, p: QemuRuntimePaths, argv: readonly string[], vncPort: number): QemuInstance {
  const logFd = openSync(p.qemuLog, 'a');
  let child: ChildProcess;
  try {
    writeSync(logFd, `--- ${new Date().toISOString()} vmgate starts: ${q.qemuBinary} ${argv.map(shellWord).join(' ')}\n`);
    child = spawn(q.qemuBinary, [...argv], { detached: true, stdio: ['ignore', logFd, logFd], cwd: vm.dir });
  } finally {
    closeSync(logFd);
  }
  child.unref();
  // No pid: the binary could not be started; the error event says why.
  const inst = newInstance(q, vm, p, child.pid ?? -1, child, vncPort);
  child.once('error', (e: NodeJS.ErrnoException) => {
    inst.failStart(qemuError(e.code === 'ENOENT' ? 'unsupported' : 'internal', `cannot start ${q.qemuBinary}: ${e.message}${e.code === 'ENOENT' ? ' (install qemu-system-x86)' : ''}`, { cause: e }));
  });
  return inst;
}

async function waitForMonitor(q: QemuDriverState, inst: QemuInstance, ctx?: OpContext): Promise<void> {
  const deadline = Date.now() + q.startTimeoutMs;
  for (;;) {
    if (inst.startError) throw inst.startError;
    if (!inst.alive) {
      const exit = await inst.exited;
      throw qemuError('internal', `QEMU for ${inst.vm.name} ended while starting (${exit.reason}): ${await logTail(inst.paths.qemuLog)}`);
    }
    if (ctx?.signal?.aborted) throw qemuError('cancelled', `starting ${inst.vm.name} was cancelled`);
    try {
      await inst.qmp.connect();
      return;
    } catch (e) {
      const code = e instanceof VmgateError ? e.details?.code : undefined;
      if (code !== 'ENOENT' && code !== 'ECONNREFUSED' && code !== 'ECONNRESET') throw e;
    }
    if (Date.now() > deadline) throw qemuError('timed_out', `QEMU for ${inst.vm.name} did not open its monitor within ${q.startTimeoutMs} ms: ${await logTail(inst.paths.qemuLog)}`);
    await sleep(50);
  }
}

async function checkFiles(vm: DriverVm): Promise<void> {
  for (const d of planDisks(vm)) {
    if (!(await exists(d.file))) throw qemuError('not_found', `disk ${d.device} of ${vm.name} is missing: ${d.file} (create it with createDisks)`, { details: { file: d.file } });
  }
  for (const cd of vm.hardware.cdroms) {
    if (cd.isoFile !== null && cd.connected && !(await exists(resolveVmFile(vm, cd.isoFile)))) {
      throw qemuError('not_found', `ISO image of ${cd.device} of ${vm.name} is missing: ${resolveVmFile(vm, cd.isoFile)}`);
    }
  }
  const kb = vm.hardware.kernelBoot;
  if (kb) {
    for (const f of [kb.kernel, kb.initrd]) {
      if (f && !(await exists(resolveVmFile(vm, f)))) throw qemuError('not_found', `kernel boot file of ${vm.name} is missing: ${resolveVmFile(vm, f)}`);
    }
  }
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The QEMU driver: real guests under qemu-system-x86_64 (KVM when it is proven to work,
 * TCG otherwise), controlled over QMP and the QEMU guest agent. See docs/drivers.md.
 *
 * Guests outlive the control plane: QEMU runs detached with a pidfile in the VM's folder,
 * and close()/forget() only let go of the sockets. reattach() finds running guests again
 * through the pidfile and the QMP socket.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { access, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VmgateError } from '../../core/errors.ts';
import type { PowerState } from '../../core/model/index.ts';
import type {
  ConsoleEndpoint,
  DriverCapability,
  DriverEvent,
  DriverVm,
  HypervisorDriver,
  OpContext,
  PowerOffOptions,
  RuntimeState,
  SnapshotRef,
} from '../../core/ports/driver.ts';
import { probeKvm } from './accel-probe.ts';
import type { AccelDecision, ProbeGuest } from './accel-probe.ts';
import { buildQemuCommandLine, planDisks, resolveVmFile } from './command-line.ts';
import type { PlannedDisk, QemuAccel } from './command-line.ts';
import { QemuInstance } from './qemu-instance.ts';
import { createQemuGuestOps } from './qemu-guest-ops.ts';
import { qemuError } from './qemu-error.ts';
import { createQcow2, imageInfo, runQemuImg, snapshotApplyOffline, snapshotCreateOffline, snapshotDeleteOffline } from './qemu-img.ts';
import { isQemuOf, readPidFile, waitForProcessExit } from './qemu-process.ts';
import {
  cont,
  migrateIncoming,
  migrateToFile,
  migrationUriFromFile,
  queryStatus,
  queryVnc,
  quit,
  setLink,
  snapshotDelete,
  snapshotDisksInternal,
  snapshotLoad,
  snapshotSave,
  stop,
  systemPowerdown,
  systemReset,
  waitForIncoming,
} from './qmp/qmp-commands.ts';
import type { QemuRunState } from './qmp/qmp-commands.ts';
import { qemuRuntimePaths } from './runtime-paths.ts';
import type { QemuRuntimePaths } from './runtime-paths.ts';
import { pickVncPort } from './vnc-port.ts';

/** Logger shape (pino and core's Logger fit). */
export interface QemuDriverLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
}

export interface QemuDriverOptions {
  /** 'auto' proves KVM with a probe guest before using it, else TCG. */
  readonly accel: 'auto' | 'kvm' | 'tcg';
  /** Default 'qemu-system-x86_64' (from PATH). */
  readonly qemuBinary?: string;
  /** Default 'qemu-img'. */
  readonly qemuImg?: string;
  /** Timeout of one guest agent command. Default 15 s. */
  readonly guestAgentTimeoutMs?: number;
  /**
   * Kernel + initrd with qemu-ga for the KVM probe of accel 'auto'. Default: the test guest
   * of this checkout (.cache/test-guest, from scripts/build-test-guest.sh) when it exists.
   */
  readonly probeGuest?: ProbeGuest | null;
  /** Default 20 s. */
  readonly probeDeadlineMs?: number;
  /** Short directory for sockets of VMs whose folder path is too long. Default /tmp. */
  readonly runtimeDir?: string;
  /** UEFI firmware for firmware 'efi' (Debian's ovmf package by default). */
  readonly ovmf?: { readonly code: string; readonly vars: string };
  /** How long QEMU may take to open its monitor. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Soft power-off grace when the caller gives none. Default 60 s. */
  readonly softPowerOffTimeoutMs?: number;
  readonly log?: QemuDriverLogger;
}

interface SuspendInfo {
  readonly accel: QemuAccel;
  readonly savedAt: string;
  readonly memoryMiB: number;
}

const CAPABILITIES: ReadonlySet<DriverCapability> = new Set<DriverCapability>([
  'power',
  'pause',
  'suspend',
  'snapshot',
  'snapshotMemory',
  'guestOps',
  'console',
  'reattach',
  'vmdk',
  'kernelBoot',
]);

const DEFAULT_PROBE_DIR = fileURLToPath(new URL('../../../.cache/test-guest/', import.meta.url));

const stderrLogger: QemuDriverLogger = {
  info: (obj, msg) => console.error(`[driver.qemu] ${typeof obj === 'string' ? obj : `${msg ?? ''} ${JSON.stringify(obj)}`}`),
  warn: (obj, msg) => console.error(`[driver.qemu] warning: ${typeof obj === 'string' ? obj : `${msg ?? ''} ${JSON.stringify(obj)}`}`),
};

export function createQemuDriver(opts: QemuDriverOptions): HypervisorDriver {
  const qemuBinary = opts.qemuBinary ?? 'qemu-system-x86_64';
  const qemuImgBinary = opts.qemuImg ?? 'qemu-img';
  const agentTimeoutMs = opts.guestAgentTimeoutMs ?? 15_000;
  const runtimeDir = opts.runtimeDir ?? '/tmp';
  const startTimeoutMs = opts.startTimeoutMs ?? 30_000;
  const log = opts.log ?? stderrLogger;
  const ovmf = opts.ovmf ?? { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' };

  const listeners = new Set<(event: DriverEvent) => void>();
  const instances = new Map<string, QemuInstance>();
  /** Per-VM chain: operations that start or stop QEMU never overlap for one VM. */
  const vmChains = new Map<string, Promise<unknown>>();
  /** Attaches in progress, shared by concurrent callers. */
  const attaching = new Map<string, Promise<QemuInstance | null>>();
  let accelDecision: Promise<AccelDecision> | null = null;
  let closed = false;

  const emit = (event: DriverEvent): void => {
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch {
        // a listener's failure is its own
      }
    }
  };

  const img = (signal?: AbortSignal) => ({ binary: qemuImgBinary, signal });

  function paths(vm: DriverVm): QemuRuntimePaths {
    return qemuRuntimePaths(vm, runtimeDir);
  }

  function serial<T>(vmId: string, fn: () => Promise<T>): Promise<T> {
    const prev = vmChains.get(vmId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    vmChains.set(vmId, tail);
    void tail.then(() => {
      if (vmChains.get(vmId) === tail) vmChains.delete(vmId);
    });
    return run;
  }

  // ---- accelerator ----------------------------------------------------------------------

  async function defaultProbeGuest(): Promise<ProbeGuest | null> {
    if (opts.probeGuest !== undefined) return opts.probeGuest;
    const kernel = join(DEFAULT_PROBE_DIR, 'vmlinuz');
    const initrd = join(DEFAULT_PROBE_DIR, 'initrd.img');
    return (await exists(kernel)) && (await exists(initrd)) ? { kernel, initrd } : null;
  }

  function resolveAccel(): Promise<AccelDecision> {
    accelDecision ??= (async (): Promise<AccelDecision> => {
      let d: AccelDecision;
      if (opts.accel === 'kvm') d = { accel: 'kvm', reason: 'configured' };
      else if (opts.accel === 'tcg') d = { accel: 'tcg', reason: 'configured' };
      else d = await probeKvm({ qemuBinary, probeGuest: await defaultProbeGuest(), deadlineMs: opts.probeDeadlineMs });
      log.info({ accel: d.accel, reason: d.reason }, `QEMU accelerator: ${d.accel} (${d.reason})`);
      return d;
    })();
    return accelDecision;
  }

  // ---- finding and starting processes -----------------------------------------------------

  /** The live instance of a VM: ours, or a running QEMU found through its pidfile. */
  async function instanceOf(vm: DriverVm): Promise<QemuInstance | null> {
    const have = instances.get(vm.id);
    if (have?.alive) return have;
    let pending = attaching.get(vm.id);
    if (!pending) {
      pending = attach(vm).finally(() => attaching.delete(vm.id));
      attaching.set(vm.id, pending);
    }
    return pending;
  }

  async function attach(vm: DriverVm): Promise<QemuInstance | null> {
    const have = instances.get(vm.id);
    if (have?.alive) return have;
    const p = paths(vm);
    const pid = await readPidFile(p.pidFile);
    if (pid === null || !(await isQemuOf(pid, p.pidFile))) return null;
    const record = await readJson<{ vncPort?: number | null }>(p.runtimeRecord);
    const inst = newInstance(vm, p, pid, null, record?.vncPort ?? null);
    try {
      await inst.qmp.connect();
    } catch (e) {
      await inst.release();
      throw qemuError('internal', `${vm.name} runs (QEMU pid ${pid}) but its monitor ${p.qmpSocket} does not answer: ${(e as Error).message}`, { cause: e });
    }
    inst.watch();
    log.info({ vmId: vm.id, pid }, `reattached to ${vm.name} (QEMU pid ${pid})`);
    return inst;
  }

  function newInstance(vm: DriverVm, p: QemuRuntimePaths, pid: number, child: ChildProcess | null, vncPort: number | null): QemuInstance {
    const inst: QemuInstance = new QemuInstance({
      vm,
      paths: p,
      pid,
      child,
      vncPort,
      emit,
      agentTimeoutMs,
      onGone: () => {
        if (instances.get(vm.id) === inst) instances.delete(vm.id);
      },
    });
    instances.set(vm.id, inst);
    return inst;
  }

  async function requireInstance(vm: DriverVm, what: string): Promise<QemuInstance> {
    const inst = await instanceOf(vm);
    if (!inst) throw qemuError('not_allowed_in_current_state', `cannot ${what} ${vm.id} (${vm.name}): it is not running`, { reason: 'vm_not_running' });
    return inst;
  }

  interface LaunchOptions {
    readonly incoming: boolean;
    readonly accel?: QemuAccel;
  }

  /** Starts QEMU with vCPUs stopped (-S) and waits until its monitor answers. */
  async function launch(vm: DriverVm, lo: LaunchOptions, ctx?: OpContext): Promise<QemuInstance> {
    if (closed) throw qemuError('not_allowed_in_current_state', 'the QEMU driver is closed');
    const p = paths(vm);
    const existing = await instanceOf(vm);
    if (existing) throw qemuError('not_allowed_in_current_state', `${vm.id} (${vm.name}) is already running (QEMU pid ${existing.pid})`, { reason: 'vm_is_running' });
    const accel = lo.accel ?? (await resolveAccel()).accel;
    ctx?.progress?.(5, `checking the files of ${vm.name}`);
    await checkFiles(vm);
    await mkdir(p.socketDir, { recursive: true, mode: 0o700 });
    await Promise.all([p.qmpSocket, p.agentSocket, p.pidFile].map((f) => rm(f, { force: true })));
    let efi: { code: string; vars: string } | null = null;
    if (vm.hardware.firmware === 'efi') {
      if (!(await exists(ovmf.code))) throw qemuError('unsupported', `${vm.name} needs UEFI firmware but ${ovmf.code} is missing (install the ovmf package)`);
      if (!(await exists(p.efiVars))) await copyFile(ovmf.vars, p.efiVars);
      efi = { code: ovmf.code, vars: p.efiVars };
    }
    const taken = new Set([...instances.values()].map((i) => i.vncPort).filter((x): x is number => x !== null));
    for (let attempt = 1; ; attempt++) {
      const vncPort = await pickVncPort(5900, 5999, taken);
      const cl = buildQemuCommandLine(vm, { accel, paths: p, vncPort, startPaused: true, incoming: lo.incoming, efi });
      ctx?.progress?.(10, `starting QEMU for ${vm.name} (${accel})`);
      const inst = spawnQemu(vm, p, cl.argv, vncPort);
      try {
        await waitForMonitor(inst, ctx);
        for (const id of cl.disconnectedNics) await setLink(inst.qmp, id, false);
        await writeFile(p.runtimeRecord, `${JSON.stringify({ pid: inst.pid, accel, vncPort, qmpSocket: p.qmpSocket, agentSocket: p.agentSocket, startedAt: new Date().toISOString() }, null, 2)}\n`);
        inst.watch();
        return inst;
      } catch (e) {
        inst.expectedExit = true;
        inst.kill();
        await inst.waitForExit(5_000);
        // Another process took the VNC port between our check and QEMU's bind: next port.
        if (attempt < 3 && /Address already in use/.test((e as Error).message)) {
          taken.add(vncPort);
          continue;
        }
        throw e;
      }
    }
  }

  /** Runs QEMU detached (it outlives us), its output appended to qemu.log. */
  function spawnQemu(vm: DriverVm, p: QemuRuntimePaths, argv: readonly string[], vncPort: number): QemuInstance {
    const logFd = openSync(p.qemuLog, 'a');
    let child: ChildProcess;
    try {
      writeSync(logFd, `--- ${new Date().toISOString()} vmgate starts: ${qemuBinary} ${argv.map(shellWord).join(' ')}\n`);
      child = spawn(qemuBinary, [...argv], { detached: true, stdio: ['ignore', logFd, logFd], cwd: vm.dir });
    } finally {
      closeSync(logFd);
    }
    child.unref();
    // No pid: the binary could not be started; the error event says why.
    const inst = newInstance(vm, p, child.pid ?? -1, child, vncPort);
    child.once('error', (e: NodeJS.ErrnoException) => {
      inst.failStart(qemuError(e.code === 'ENOENT' ? 'unsupported' : 'internal', `cannot start ${qemuBinary}: ${e.message}${e.code === 'ENOENT' ? ' (install qemu-system-x86)' : ''}`, { cause: e }));
    });
    return inst;
  }

  async function waitForMonitor(inst: QemuInstance, ctx?: OpContext): Promise<void> {
    const deadline = Date.now() + startTimeoutMs;
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
      if (Date.now() > deadline) throw qemuError('timed_out', `QEMU for ${inst.vm.name} did not open its monitor within ${startTimeoutMs} ms: ${await logTail(inst.paths.qemuLog)}`);
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

  /** Stops QEMU: `quit`, then SIGKILL if it lingers. The exit is expected (no event). */
  async function stopProcess(inst: QemuInstance): Promise<void> {
    inst.expectedExit = true;
    await quit(inst.qmp, { timeoutMs: 5_000 }).catch(() => undefined);
    if (await inst.waitForExit(10_000)) return;
    log.warn({ vmId: inst.vm.id, pid: inst.pid }, `QEMU of ${inst.vm.name} ignored quit; killing it`);
    inst.kill();
    if (!(await inst.waitForExit(5_000))) {
      await waitForProcessExit(inst.pid, 5_000);
    }
  }

  function stateOf(status: QemuRunState): PowerState {
    switch (status) {
      case 'running':
      case 'save-vm':
      case 'restore-vm':
      case 'suspended':
      case 'colo':
        return 'poweredOn';
      case 'inmigrate':
      case 'prelaunch':
        return 'poweringOn';
      case 'finish-migrate':
      case 'postmigrate':
        return 'suspending';
      case 'shutdown':
        return 'poweringOff';
      default:
        return 'paused';
    }
  }

  async function runtimeOf(vm: DriverVm, probeTools: boolean): Promise<RuntimeState> {
    let inst: QemuInstance | null = null;
    try {
      inst = await instanceOf(vm);
    } catch (e) {
      log.warn({ vmId: vm.id, err: (e as Error).message }, `cannot reach the monitor of ${vm.name}`);
      return { powerState: 'poweredOn', toolsState: 'unknown' };
    }
    if (!inst) {
      return { powerState: (await exists(paths(vm).suspendFile)) ? 'suspended' : 'poweredOff', toolsState: 'unknown' };
    }
    const st = await queryStatus(inst.qmp, { timeoutMs: 10_000 }).catch(() => null);
    const powerState = st ? stateOf(st.status) : 'poweredOn';
    if (probeTools && !inst.toolsRunning && st?.status === 'running') await inst.waitForTools(3_000);
    return { powerState, toolsState: inst.toolsRunning ? 'running' : 'unknown' };
  }

  // ---- snapshots ------------------------------------------------------------------------

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

  async function offlineDelete(vm: DriverVm, disks: readonly PlannedDisk[], tag: string, signal?: AbortSignal): Promise<void> {
    for (const d of disks) {
      await snapshotDeleteOffline(d.file, tag, img(signal)).catch((e: unknown) => {
        if (!isMissingSnapshot(e)) throw e;
      });
    }
  }

  // ---- the driver -----------------------------------------------------------------------

  const driver: HypervisorDriver = {
    kind: 'qemu',
    capabilities: CAPABILITIES,

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async reattach(vm, _recorded) {
      return runtimeOf(vm, true);
    },

    async getRuntime(vm) {
      return runtimeOf(vm, false);
    },

    async createDisks(vm, ctx) {
      const disks = planDisks(vm);
      let i = 0;
      for (const d of disks) {
        ctx?.progress?.(Math.round((i++ / Math.max(1, disks.length)) * 100), `creating disk ${d.device}`);
        if (await exists(d.file)) continue; // an existing disk (e.g. a VMware .vmdk) is used as is
        await mkdir(dirname(d.file), { recursive: true });
        if (d.format === 'qcow2') await createQcow2(d.file, capacityOf(vm, d), img(ctx?.signal));
        else await runQemuImgCreate(d, vm);
      }
      ctx?.progress?.(100, 'disks ready');
    },

    async powerOn(vm, ctx) {
      await serial(vm.id, async () => {
        const p = paths(vm);
        if (await exists(p.suspendFile)) {
          log.warn({ vmId: vm.id }, `${vm.name}: discarding a stale suspend file ${p.suspendFile} on power on`);
          await rm(p.suspendFile, { force: true });
          await rm(p.suspendInfo, { force: true });
        }
        const inst = await launch(vm, { incoming: false }, ctx);
        try {
          ctx?.progress?.(80, `running ${vm.name}`);
          await cont(inst.qmp);
        } catch (e) {
          await stopProcess(inst);
          throw e;
        }
        ctx?.progress?.(100, `${vm.name} is running`);
      });
    },

    async powerOff(vm, o: PowerOffOptions, ctx) {
      const inst = await requireInstance(vm, 'power off');
      inst.expectedExit = true;
      if (o.soft) {
        const st = await queryStatus(inst.qmp, { timeoutMs: 5_000 }).catch(() => null);
        if (st?.status === 'running') {
          const timeoutMs = o.timeoutMs ?? opts.softPowerOffTimeoutMs ?? 60_000;
          ctx?.progress?.(10, `asking the guest of ${vm.name} to shut down`);
          if (inst.toolsRunning) await inst.agent.shutdown('powerdown', { timeoutMs: 5_000 }).catch(() => systemPowerdown(inst.qmp));
          else await systemPowerdown(inst.qmp);
          if (await inst.waitForExit(timeoutMs)) return;
          log.warn({ vmId: vm.id }, `the guest of ${vm.name} did not shut down within ${timeoutMs} ms; forcing power off`);
        }
      }
      ctx?.progress?.(50, `stopping QEMU of ${vm.name}`);
      await stopProcess(inst);
    },

    async reset(vm, o, _ctx) {
      const inst = await requireInstance(vm, 'reset');
      const reset = inst.nextReset();
      if (o.soft && inst.toolsRunning) {
        // The guest reboots itself; QEMU reports RESET when it does. Until then its agent may
        // still answer, so wait for it: tools are down afterwards.
        await inst.agent.shutdown('reboot', { timeoutMs: 5_000 });
        if (!(await reset.wait(60_000))) log.warn({ vmId: vm.id }, `the guest of ${vm.name} did not reboot within 60 s of the request`);
      } else {
        await systemReset(inst.qmp);
        await reset.wait(5_000);
      }
      inst.clearTools();
    },

    async pause(vm) {
      const inst = await requireInstance(vm, 'pause');
      await stop(inst.qmp);
    },

    async unpause(vm) {
      const inst = await requireInstance(vm, 'unpause');
      await cont(inst.qmp);
    },

    async suspend(vm, ctx) {
      await serial(vm.id, async () => {
        const inst = await requireInstance(vm, 'suspend');
        const p = inst.paths;
        const accel = ((await readJson<{ accel?: QemuAccel }>(p.runtimeRecord))?.accel ?? (await resolveAccel()).accel) as QemuAccel;
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
        await stopProcess(inst);
        ctx?.progress?.(100, `${vm.name} is suspended`);
      });
    },

    async resume(vm, ctx) {
      await serial(vm.id, async () => {
        const p = paths(vm);
        if (!(await exists(p.suspendFile))) {
          throw qemuError('not_allowed_in_current_state', `${vm.id} (${vm.name}) has no saved state to resume from (${p.suspendFile})`);
        }
        const info = await readJson<SuspendInfo>(p.suspendInfo);
        const inst = await launch(vm, { incoming: true, accel: info?.accel }, ctx);
        try {
          ctx?.progress?.(30, `loading the memory of ${vm.name}`);
          await migrateIncoming(inst.qmp, migrationUriFromFile(p.suspendFile));
          await waitForIncoming(inst.qmp, { signal: ctx?.signal, timeoutMs: 30 * 60_000 });
          ctx?.progress?.(90, `running ${vm.name}`);
          await cont(inst.qmp);
        } catch (e) {
          await stopProcess(inst);
          throw e instanceof VmgateError ? e : qemuError('internal', `resuming ${vm.name} failed: ${(e as Error).message}`, { cause: e });
        }
        await rm(p.suspendFile, { force: true });
        await rm(p.suspendInfo, { force: true });
        ctx?.progress?.(100, `${vm.name} is running`);
      });
    },

    async discardSuspendState(vm) {
      const p = paths(vm);
      await rm(p.suspendFile, { force: true });
      await rm(p.suspendInfo, { force: true });
      await rm(`${p.suspendFile}.partial`, { force: true });
    },

    async waitForTools(vm, timeoutMs, ctx) {
      const inst = await requireInstance(vm, 'wait for the tools of');
      if (await inst.waitForTools(timeoutMs, ctx?.signal)) return;
      if (ctx?.signal?.aborted) throw qemuError('cancelled', `waiting for the tools of ${vm.name} was cancelled`);
      throw qemuError('timed_out', `the guest agent of ${vm.id} (${vm.name}) did not answer within ${Math.round(timeoutMs / 1000)} s`, { reason: 'timeout_waiting_for_tools' });
    },

    async createSnapshot(vm, snap, _running, ctx) {
      const disks = snapshotDisks(vm);
      const inst = await instanceOf(vm);
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
          await snapshotCreateOffline(d.file, snap.id, img(ctx?.signal));
          done.push(d);
        }
      } catch (e) {
        await offlineDelete(vm, done, snap.id).catch(() => undefined);
        throw e;
      }
    },

    async revertSnapshot(vm, snap, ctx) {
      return serial(vm.id, async (): Promise<PowerState> => {
        const disks = snapshotDisks(vm);
        const devices = disks.map((d) => d.node);
        const p = paths(vm);
        let inst = await instanceOf(vm);
        if (!inst && (await exists(p.suspendFile))) await driver.discardSuspendState!(vm);
        if (!snap.includeMemory) {
          // Disks only: the VM is off afterwards, as VMware does.
          if (inst) await stopProcess(inst);
          for (const d of disks) {
            await snapshotApplyOffline(d.file, snap.id, img(ctx?.signal)).catch((e: unknown) => {
              throw isMissingSnapshot(e) ? snapshotNotFound(vm, snap, e) : e;
            });
          }
          return 'poweredOff';
        }
        // A failed snapshot-load leaves QEMU stopped in restore-vm: make sure the tag is there.
        const held = await imageInfo(disks[0].file, img(ctx?.signal));
        const found = held.snapshots.find((s) => s.name === snap.id);
        if (!found) throw snapshotNotFound(vm, snap, null);
        if (found.vmStateSize === 0) throw qemuError('invalid_argument', `snapshot ${snap.id} of ${vm.name} holds no memory state`);
        const started = !inst;
        inst ??= await launch(vm, { incoming: false }, ctx);
        const before = started ? null : await queryStatus(inst.qmp);
        try {
          ctx?.progress?.(40, `loading snapshot ${snap.id} of ${vm.name}`);
          inst.clearTools();
          await snapshotLoad(inst.qmp, { jobId: `vmgate-load-${snap.id}`, tag: snap.id, vmstate: devices[0], devices }, { signal: ctx?.signal });
        } catch (e) {
          if (started) await stopProcess(inst);
          else if (before?.running && (await queryStatus(inst.qmp).catch(() => null))?.status === 'restore-vm') await cont(inst.qmp).catch(() => undefined);
          throw isMissingSnapshot(e) ? snapshotNotFound(vm, snap, e) : e;
        }
        const st = await queryStatus(inst.qmp);
        if (started || st.status === 'prelaunch') {
          await cont(inst.qmp);
          return 'poweredOn';
        }
        return stateOf(st.status);
      });
    },

    async removeSnapshot(vm, snap, _running, ctx) {
      const disks = snapshotDisks(vm);
      const inst = await instanceOf(vm);
      if (inst) {
        await snapshotDelete(inst.qmp, { jobId: `vmgate-delete-${snap.id}`, tag: snap.id, devices: disks.map((d) => d.node) }, { signal: ctx?.signal }).catch((e: unknown) => {
          if (!isMissingSnapshot(e)) throw e;
        });
        return;
      }
      await offlineDelete(vm, disks, snap.id, ctx?.signal);
    },

    guest: createQemuGuestOps({
      async session(vm) {
        const inst = await requireInstance(vm, 'run guest operations in');
        return { agent: inst.agent, state: inst.guest };
      },
    }),

    async console(vm): Promise<ConsoleEndpoint> {
      const inst = await requireInstance(vm, 'open the console of');
      const vnc = await queryVnc(inst.qmp);
      const port = Number(vnc.service ?? inst.vncPort);
      if (!vnc.enabled || !Number.isInteger(port) || port <= 0) throw qemuError('unsupported', `${vm.name} has no VNC console`);
      return { protocol: 'VNC', host: vnc.host && vnc.host !== '' ? vnc.host : '127.0.0.1', port, password: null };
    },

    async forget(vm) {
      const inst = instances.get(vm.id);
      if (inst) await inst.release();
    },

    async close() {
      closed = true;
      await Promise.all([...instances.values()].map((i) => i.release()));
      listeners.clear();
    },
  };

  async function runQemuImgCreate(d: PlannedDisk, vm: DriverVm): Promise<void> {
    const args = d.format === 'vmdk' ? ['create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicSparse', d.file, `${capacityOf(vm, d)}M`] : ['create', '-q', '-f', d.format, d.file, `${capacityOf(vm, d)}M`];
    await runQemuImg(args, img());
  }

  return driver;
}

function capacityOf(vm: DriverVm, d: PlannedDisk): number {
  return vm.hardware.disks.find((x) => x.device === d.device)?.capacityMiB ?? 1024;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

async function logTail(file: string): Promise<string> {
  try {
    const s = await stat(file);
    const text = await readFile(file, 'utf8');
    const lines = text.slice(Math.max(0, s.size - 2000)).trim().split('\n');
    return lines.filter((l) => !l.startsWith('--- ')).slice(-3).join(' | ') || 'no output';
  } catch {
    return 'no log';
  }
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Finding the QEMU process of a VM: ours, or one that outlived an earlier control plane,
 * found again through its pidfile and QMP socket (reattach). And what it is doing.
 */
import type { ChildProcess } from 'node:child_process';
import type { PowerState } from '../../core/model/index.ts';
import type { DriverVm, RuntimeState } from '../../core/ports/driver.ts';
import { exists, readJson } from './fs-helpers.ts';
import type { QemuDriverState } from './qemu-driver-state.ts';
import { qemuError } from './qemu-error.ts';
import { QemuInstance } from './qemu-instance.ts';
import { isQemuOf, readPidFile } from './qemu-process.ts';
import { queryStatus } from './qmp/qmp-commands.ts';
import type { QemuRunState } from './qmp/qmp-commands.ts';
import type { QemuRuntimePaths } from './runtime-paths.ts';

/** The live instance of a VM: ours, or a running QEMU found through its pidfile. */
export async function instanceOf(q: QemuDriverState, vm: DriverVm): Promise<QemuInstance | null> {
  const have = q.instances.get(vm.id);
  if (have?.alive) return have;
  let pending = q.attaching.get(vm.id);
  if (!pending) {
    pending = attach(q, vm).finally(() => q.attaching.delete(vm.id));
    q.attaching.set(vm.id, pending);
  }
  return pending;
}

/** The live instance of a VM; throws not_allowed_in_current_state (vm_not_running) when it does not run. */
export async function requireInstance(q: QemuDriverState, vm: DriverVm, what: string): Promise<QemuInstance> {
  const inst = await instanceOf(q, vm);
  if (!inst) throw qemuError('not_allowed_in_current_state', `cannot ${what} ${vm.id} (${vm.name}): it is not running`, { reason: 'vm_not_running' });
  return inst;
}

/** Watches a QEMU process of `vm` (started by us when `child` is set) as the VM's instance. */
export function newInstance(q: QemuDriverState, vm: DriverVm, p: QemuRuntimePaths, pid: number, child: ChildProcess | null, vncPort: number | null): QemuInstance {
  const inst: QemuInstance = new QemuInstance({
    vm,
    paths: p,
    pid,
    child,
    vncPort,
    emit: (event) => q.emit(event),
    agentTimeoutMs: q.agentTimeoutMs,
    onGone: () => {
      if (q.instances.get(vm.id) === inst) q.instances.delete(vm.id);
    },
  });
  q.instances.set(vm.id, inst);
  return inst;
}

async function attach(q: QemuDriverState, vm: DriverVm): Promise<QemuInstance | null> {
  const have = q.instances.get(vm.id);
  if (have?.alive) return have;
  const p = q.paths(vm);
  const pid = await readPidFile(p.pidFile);
  if (pid === null || !(await isQemuOf(pid, p.pidFile))) return null;
  const record = await readJson<{ vncPort?: number | null }>(p.runtimeRecord);
  const inst = newInstance(q, vm, p, pid, null, record?.vncPort ?? null);
  try {
    await inst.qmp.connect();
  } catch (e) {
    await inst.release();
    throw qemuError('internal', `${vm.name} runs (QEMU pid ${pid}) but its monitor ${p.qmpSocket} does not answer: ${(e as Error).message}`, { cause: e });
  }
  inst.watch();
  q.log.info({ vmId: vm.id, pid }, `reattached to ${vm.name} (QEMU pid ${pid})`);
  return inst;
}

/** The VM's state as QEMU sees it; `probeTools` waits briefly for the guest agent of a running guest. */
export async function runtimeOf(q: QemuDriverState, vm: DriverVm, probeTools: boolean): Promise<RuntimeState> {
  let inst: QemuInstance | null = null;
  try {
    inst = await instanceOf(q, vm);
  } catch (e) {
    q.log.warn({ vmId: vm.id, err: (e as Error).message }, `cannot reach the monitor of ${vm.name}`);
    return { powerState: 'poweredOn', toolsState: 'unknown' };
  }
  if (!inst) {
    return { powerState: (await exists(q.paths(vm).suspendFile)) ? 'suspended' : 'poweredOff', toolsState: 'unknown' };
  }
  const st = await queryStatus(inst.qmp, { timeoutMs: 10_000 }).catch(() => null);
  const powerState = st ? powerStateOf(st.status) : 'poweredOn';
  if (probeTools && !inst.toolsRunning && st?.status === 'running') await inst.waitForTools(3_000);
  return { powerState, toolsState: inst.toolsRunning ? 'running' : 'unknown' };
}

/** The power state a QEMU run state stands for. */
export function powerStateOf(status: QemuRunState): PowerState {
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

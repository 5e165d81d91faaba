import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventLog } from './events.ts';
import { notAllowedInCurrentState, notFound, timedOut, unsupported } from './errors.ts';
import type { InventoryService } from './inventory.ts';
import type { InventoryEvent, Task, ToolsState, Vm } from './model/index.ts';
import type { DriverVm, HypervisorDriver, OpContext, RuntimeState } from './ports/driver.ts';
import type { Store } from './ports/store.ts';
import { checkFits } from './placement.ts';
import type { PowerOp, PowerTransition } from './power.ts';
import { POWER_TRANSITIONS, checkPowerTransition, describePowerState } from './power.ts';
import type { TaskContext, TaskEngine } from './tasks.ts';
import type { VmRuntime } from './vm-runtime.ts';
import { runtimePatch } from './vm-runtime.ts';
import type { VmService } from './vms.ts';

/** Events that record a change of a VM's power state (what clean_power_off looks back at). */
const POWER_EVENT_TYPES: ReadonlySet<string> = new Set(['vm.created', 'vm.registered', 'vm.poweredOn', 'vm.resumed', 'vm.poweredOff', 'vm.guestShutdown', 'vm.suspended', 'vm.stateCorrected']);

const EVENT_TYPE: Readonly<Record<PowerOp, string>> = {
  powerOn: 'vm.poweredOn',
  resume: 'vm.resumed',
  powerOff: 'vm.poweredOff',
  shutdownGuest: 'vm.guestShutdown',
  reset: 'vm.reset',
  rebootGuest: 'vm.guestRebooted',
  suspend: 'vm.suspended',
  standbyGuest: 'vm.guestStandby',
  pause: 'vm.paused',
  unpause: 'vm.unpaused',
};

/** A power operation checked against the state machine and the host, ready to run. */
interface PowerPlan {
  readonly op: PowerOp;
  readonly t: PowerTransition;
  readonly driver: HypervisorDriver;
  /** The VM as recorded when its lock was taken: passed through the task, not read again. */
  readonly vm: Vm;
}

/**
 * Power operations. Each reads: resolve → authorise → take the VM's lock (the resolved
 * record is the locked one, passed through; read again only if an operation on the VM
 * ended in between) → check the state machine (power.ts, the only check: drivers do,
 * they do not decide) → task { the task, admission (host load read) and the transitional
 * state in one transaction →
 * driver → the end state, its event and the task's end in one transaction }.
 */
export class PowerService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly authz: Authorizer,
    private readonly events: EventLog,
    private readonly tasks: TaskEngine,
    private readonly inventory: InventoryService,
    private readonly vms: VmService,
    private readonly rt: VmRuntime,
    /** The driver's view of a VM about to start, completed with what only the start needs (port forwards). */
    private readonly startView: (vm: Vm, dvm: DriverVm) => Promise<DriverVm> = async (_vm, dvm) => dvm,
  ) {}

  /**
   * Starts a power operation and returns its task. `powerOn` of a suspended VM resumes it
   * (as VixVM_PowerOn does); `powerOff` of a suspended VM discards its saved state.
   */
  async run(caller: Caller, ref: string, requested: PowerOp, opts: { hard?: boolean } = {}): Promise<Task> {
    const mark = this.ctx.locks.mark();
    const found = await this.vms.resolve(caller, ref, 'VirtualMachine.PowerOps');
    let op: PowerOp = requested === 'powerOn' && found.powerState === 'suspended' ? 'resume' : requested;
    const release = this.ctx.locks.acquire(found.id, POWER_TRANSITIONS[op].label);
    try {
      // The resolved record is the locked one unless an operation on the VM ended since it
      // was read: then read it again (once), under the lock.
      const vm = this.ctx.locks.releasedSince(found.id, mark) ? await this.ctx.store.vms.get(found.id) : found;
      if (!vm) throw notFound(`virtual machine '${ref}' was not found`, { module: 'core.power' });
      if (vm !== found) op = requested === 'powerOn' && vm.powerState === 'suspended' ? 'resume' : requested;
      let now = vm;
      const plan = this.plan(op, vm);
      const via = plan.t.via ? runtimePatch(vm, plan.t.via) : null;
      // Admission (the host's load read, then the transitional state written) happens in
      // the transaction that records the task: transactions run one at a time, so two
      // power-ons on one host cannot both see the load from before the other.
      const admit = addsLoad(op);
      const task = await this.tasks.start(
        {
          kind: `vm.${op}`,
          targetId: vm.id,
          targetName: vm.name,
          caller,
          cancellable: op === 'powerOn' || op === 'resume',
          release,
          lockedVmId: vm.id,
          step: `${capitalise(plan.t.label)} ${vm.name}`,
          ...(via || admit
            ? {
                begin: async (tx: Store) => {
                  if (admit) await this.admit(tx, op, vm);
                  if (via) now = await this.rt.write(tx, vm, via);
                },
              }
            : {}),
        },
        (tctx) => this.perform(caller, plan, now, tctx, { powerState: plan.t.to }, opts),
      );
      if (now !== vm) this.ctx.bus.emit('vm.changed', now, vm);
      return task;
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * Powers on `vm` inside a task that is already running (clone's powerOn): the same
   * checks and steps as run('powerOn'), under the VM's own lock; the end state and its
   * event commit with the task's end, whose result is `result`.
   */
  async powerOnInTask<R>(caller: Caller, vm: Vm, tctx: TaskContext, result: R, range: readonly [number, number]): Promise<R> {
    const release = this.ctx.locks.acquire(vm.id, POWER_TRANSITIONS.powerOn.label, tctx.taskId);
    try {
      await this.authz.requireVisible(caller, 'VirtualMachine.PowerOps', vm.id, await this.authz.vmAncestry(vm));
      const plan = this.plan('powerOn', vm);
      const via = runtimePatch(vm, plan.t.via!);
      // Admission and the transitional state in one transaction (see run).
      let now = vm;
      await this.ctx.store.transaction(async (tx) => {
        await this.admit(tx, 'powerOn', vm);
        if (via) now = await this.rt.write(tx, vm, via);
      });
      if (now !== vm) this.ctx.bus.emit('vm.changed', now, vm);
      const [from, to] = range;
      const scaled: TaskContext = { ...tctx, progress: (p, step) => tctx.progress(from + ((to - from) * p) / 100, step) };
      return await this.perform(caller, plan, now, scaled, result, {});
    } finally {
      release();
    }
  }

  /** The checks before a power operation starts that need no read: state machine, library, driver. */
  private plan(op: PowerOp, vm: Vm): PowerPlan {
    const t = checkPowerTransition(op, vm);
    const driver = this.rt.driverFor(vm);
    if (addsLoad(op) && !vm.hostId) throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is in the library: place it on a host before powering it on`, { module: 'core.power' });
    const needs: Partial<Record<PowerOp, keyof typeof driver>> = { suspend: 'suspend', standbyGuest: 'suspend', resume: 'resume', pause: 'pause', unpause: 'unpause' };
    const member = needs[op];
    if (member && !driver[member]) throw unsupported(`the ${driver.kind} driver cannot ${t.label} a VM`, { module: 'core.power' });
    return { op, t, driver, vm };
  }

  /**
   * Admission of an operation that adds load to the VM's host (addsLoad): the host is
   * connected, not in maintenance, and has room. Read through `tx`, the transaction that
   * then writes the VM's transitional state, so that the check and the write are one step.
   */
  private async admit(tx: Store, op: PowerOp, vm: Vm): Promise<void> {
    const host = vm.hostId ? await tx.hosts.get(vm.hostId) : undefined;
    if (!host || host.connectionState !== 'connected') throw notAllowedInCurrentState(`host of ${vm.id} is not connected`, { module: 'core.power', reason: 'host_disconnected' });
    if (host.maintenanceMode) throw notAllowedInCurrentState(`host ${host.name} is in maintenance mode`, { module: 'core.power' });
    const load = await this.inventory.hostLoad(host, tx);
    // A suspended VM already counts against its host (hostUsage counts all but powered-off).
    const self = op === 'resume' ? vm.hardware : { cpuCount: 0, memoryMiB: 0 };
    checkFits(vm, { ...load, usedCpu: load.usedCpu - self.cpuCount, usedMemoryMiB: load.usedMemoryMiB - self.memoryMiB }, this.ctx.config.cpuOvercommit);
  }

  /** The task's work: `now` is the VM as recorded in its transitional state. */
  private async perform<R>(caller: Caller, plan: PowerPlan, now: Vm, tctx: TaskContext, result: R, opts: { hard?: boolean }): Promise<R> {
    const { op, t, driver, vm: before } = plan;
    const base = this.rt.driverVm(now, await this.rt.datastoreOf(now));
    const dvm = op === 'powerOn' || op === 'resume' ? await this.startView(now, base) : base;
    const dctx = { signal: tctx.signal, progress: (p: number, s: string) => tctx.progress(p, s) };
    try {
      await this.drive(plan, dvm, dctx, opts);
    } catch (e) {
      // Put back what is really there; the driver knows best.
      await this.recordReal(driver, dvm, now, null);
      throw e;
    }
    const real = await driver.getRuntime(dvm).catch((e: unknown) => {
      this.ctx.log.warn({ err: e, vmId: now.id }, 'the driver could not tell the tools state after a power operation');
      return null;
    });
    const tools: ToolsState = t.to === 'poweredOff' || t.to === 'suspended' ? (now.toolsState === 'notInstalled' ? 'notInstalled' : 'unknown') : (real?.toolsState ?? now.toolsState);
    const patch = runtimePatch(now, t.to, tools);
    let next = now;
    let ev: InventoryEvent | null = null;
    try {
      await tctx.complete(result, async (tx) => {
        if (patch) next = await this.rt.write(tx, now, patch);
        ev = await this.events.append(tx, now.id, EVENT_TYPE[op], `${now.name}: ${describePowerState(before.powerState)} → ${describePowerState(t.to)}`, { caller, taskId: tctx.taskId });
      });
    } catch (e) {
      // Nothing of the end was recorded: the VM still shows its transitional state. Record
      // where it really is, with an event saying so (or, failing that, leave it for the
      // next driver event or restart to correct).
      await this.recordReal(driver, dvm, now, `${now.name}: ${t.label} happened, but recording it failed (${(e as Error).message})`);
      throw e;
    }
    if (next !== now) this.ctx.bus.emit('vm.changed', next, now);
    if (ev) this.ctx.bus.emit('event.appended', ev);
    return result;
  }

  private async drive(plan: PowerPlan, dvm: DriverVm, dctx: OpContext, opts: { hard?: boolean }): Promise<void> {
    const { op, driver, vm: before } = plan;
    switch (op) {
      case 'powerOn':
        return driver.powerOn(dvm, dctx);
      case 'resume':
        return driver.resume!(dvm, dctx);
      case 'powerOff':
        if (before.powerState === 'suspended') return driver.discardSuspendState?.(dvm);
        return driver.powerOff(dvm, { soft: !(opts.hard ?? true), timeoutMs: this.ctx.config.softPowerOffTimeoutMs }, dctx);
      case 'shutdownGuest':
        return driver.powerOff(dvm, { soft: true, timeoutMs: this.ctx.config.softPowerOffTimeoutMs }, dctx);
      case 'reset':
        return driver.reset(dvm, { soft: false }, dctx);
      case 'rebootGuest':
        return driver.reset(dvm, { soft: true }, dctx);
      case 'suspend':
      case 'standbyGuest':
        return driver.suspend!(dvm, dctx);
      case 'pause':
        return driver.pause!(dvm);
      case 'unpause':
        return driver.unpause!(dvm);
    }
  }

  /**
   * After a failure: records the state the driver reports (with an event when `why` is
   * given, in one transaction). When the driver cannot tell, nothing is guessed: the
   * record keeps its last state and the failure is logged.
   */
  private async recordReal(driver: HypervisorDriver, dvm: DriverVm, now: Vm, why: string | null): Promise<void> {
    let real: RuntimeState;
    try {
      real = await driver.getRuntime(dvm);
    } catch (e) {
      this.ctx.log.error({ err: e, vmId: now.id, recorded: now.powerState }, 'after a failed power operation the driver could not tell the VM\'s state: its record keeps the last one until the driver reports or vmgate restarts');
      return;
    }
    try {
      const patch = { powerState: real.powerState, toolsState: real.toolsState };
      let next = now;
      let ev: InventoryEvent | null = null;
      await this.ctx.store.transaction(async (tx) => {
        next = await this.rt.write(tx, now, patch);
        if (why) ev = await this.events.append(tx, now.id, 'vm.stateCorrected', `${why}; it is ${describePowerState(real.powerState)}`, { severity: 'warning' });
      });
      this.ctx.bus.emit('vm.changed', next, now);
      if (ev) this.ctx.bus.emit('event.appended', ev);
    } catch (e) {
      this.ctx.log.error({ err: e, vmId: now.id, real }, 'could not record the state of a VM after a failed power operation');
    }
  }

  /** Runs the operation and waits for it: what synchronous APIs (REST power) need. */
  /**
   * vSphere's clean_power_off of a powered-off VM (null for a VM that is not off): false
   * when it went off without a shutdown of its own or a stop vmgate asked for — the
   * driver saw its process die (an error `vm.poweredOff` event) or vmgate found it off
   * after a restart or a failed operation (`vm.stateCorrected`). Read from the VM's event
   * log: the latest event that changed its power state decides.
   */
  async cleanPowerOff(caller: Caller, ref: string): Promise<{ vm: Vm; clean: boolean | null }> {
    const vm = await this.vms.get(caller, ref);
    if (vm.powerState !== 'poweredOff') return { vm, clean: null };
    const recent = await this.ctx.store.events.list({ objectId: vm.id, limit: 200 });
    const last = recent.find((e) => POWER_EVENT_TYPES.has(e.type));
    const clean = !last || !((last.type === 'vm.poweredOff' && last.severity === 'error') || last.type === 'vm.stateCorrected');
    return { vm, clean };
  }

  async runAndWait(caller: Caller, ref: string, op: PowerOp, opts: { hard?: boolean } = {}): Promise<Vm> {
    const task = await this.run(caller, ref, op, opts);
    await this.tasks.result(caller, task);
    return this.vms.get(caller, ref);
  }

  /** Waits until tools run in the guest; times out with a clear error (never hangs). A task. */
  async waitForTools(caller: Caller, ref: string, timeoutMs = this.ctx.config.toolsTimeoutMs): Promise<Task> {
    const vm = await this.vms.resolve(caller, ref, 'System.View');
    if (vm.powerState !== 'poweredOn') throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is ${describePowerState(vm.powerState)}: tools can only run in a powered-on VM`, { module: 'core.power', reason: 'vm_not_running' });
    return this.tasks.start({ kind: 'vm.waitForTools', targetId: vm.id, targetName: vm.name, caller, cancellable: true, step: 'Waiting for tools' }, async (t) => {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      if (cur.toolsState === 'running') return { toolsState: 'running' };
      const { driver, dvm } = await this.rt.resolveDriverVm(cur);
      try {
        await driver.waitForTools(dvm, timeoutMs, { signal: t.signal });
      } catch (e) {
        if ((e as { kind?: string }).kind === 'timed_out') {
          throw timedOut(`tools did not start in ${vm.id} (${vm.name}) within ${Math.round(timeoutMs / 1000)} s`, { module: 'core.power', reason: 'timeout_waiting_for_tools' });
        }
        throw e;
      }
      const now = (await this.ctx.store.vms.get(vm.id))!;
      if (now.toolsState !== 'running') await this.rt.update(now, { toolsState: 'running' });
      return { toolsState: 'running' };
    });
  }
}

/** Whether `op` adds load to the VM's host (and so goes through admission). */
function addsLoad(op: PowerOp): boolean {
  return op === 'powerOn' || op === 'resume';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

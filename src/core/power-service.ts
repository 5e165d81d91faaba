import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventLog } from './events.ts';
import { notAllowedInCurrentState, timedOut, unsupported } from './errors.ts';
import type { InventoryService } from './inventory.ts';
import type { Task, Vm } from './model/index.ts';
import { checkFits } from './placement.ts';
import type { PowerOp } from './power.ts';
import { POWER_TRANSITIONS, checkPowerTransition, describePowerState } from './power.ts';
import type { TaskEngine } from './tasks.ts';
import type { VmRuntime } from './vm-runtime.ts';
import type { VmService } from './vms.ts';

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

/**
 * Power operations. Each reads: resolve → authorise → take the VM's lock → check the state
 * machine → task { record the transitional state → driver → record the end state → event }.
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
  ) {}

  /**
   * Starts a power operation and returns its task. `powerOn` of a suspended VM resumes it
   * (as VixVM_PowerOn does); `powerOff` of a suspended VM discards its saved state.
   */
  async run(caller: Caller, ref: string, requested: PowerOp, opts: { hard?: boolean } = {}): Promise<Task> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.PowerOps');
    const op: PowerOp = requested === 'powerOn' && vm.powerState === 'suspended' ? 'resume' : requested;
    const release = this.ctx.locks.acquire(vm.id, POWER_TRANSITIONS[op].label);
    try {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      const t = checkPowerTransition(op, cur);
      const driver = this.rt.driverFor(cur);
      if (op === 'powerOn' || op === 'resume') {
        if (!cur.hostId) throw notAllowedInCurrentState(`${cur.id} (${cur.name}) is in the library: place it on a host before powering it on`, { module: 'core.power' });
        const host = await this.ctx.store.hosts.get(cur.hostId);
        if (!host || host.connectionState !== 'connected') throw notAllowedInCurrentState(`host of ${cur.id} is not connected`, { module: 'core.power', reason: 'host_disconnected' });
        if (host.maintenanceMode) throw notAllowedInCurrentState(`host ${host.name} is in maintenance mode`, { module: 'core.power' });
        const load = await this.inventory.hostLoad(host);
        // A suspended VM already counts against its host (hostUsage counts all but powered-off).
        const self = op === 'resume' ? cur.hardware : { cpuCount: 0, memoryMiB: 0 };
        checkFits(cur, { ...load, usedCpu: load.usedCpu - self.cpuCount, usedMemoryMiB: load.usedMemoryMiB - self.memoryMiB }, this.ctx.config.cpuOvercommit);
      }
      const needs: Partial<Record<PowerOp, keyof typeof driver>> = { suspend: 'suspend', standbyGuest: 'suspend', resume: 'resume', pause: 'pause', unpause: 'unpause' };
      const member = needs[op];
      if (member && !driver[member]) throw unsupported(`the ${driver.kind} driver cannot ${t.label} a VM`, { module: 'core.power' });
      const cancellable = op === 'powerOn' || op === 'resume';
      return await this.tasks.start(
        { kind: `vm.${op}`, targetId: cur.id, targetName: cur.name, caller, cancellable, release, lockedVmId: cur.id, step: `${capitalise(t.label)} ${cur.name}` },
        async (tctx) => {
          const before = (await this.ctx.store.vms.get(vm.id))!;
          let now: Vm = t.via ? await this.rt.setRuntime(before, t.via) : before;
          const { dvm } = await this.rt.resolveDriverVm(now);
          const dctx = { signal: tctx.signal, progress: (p: number, s: string) => tctx.progress(p, s) };
          try {
            switch (op) {
              case 'powerOn':
                await driver.powerOn(dvm, dctx);
                break;
              case 'resume':
                await driver.resume!(dvm, dctx);
                break;
              case 'powerOff':
                if (before.powerState === 'suspended') await driver.discardSuspendState?.(dvm);
                else await driver.powerOff(dvm, { soft: !(opts.hard ?? true), timeoutMs: this.ctx.config.softPowerOffTimeoutMs }, dctx);
                break;
              case 'shutdownGuest':
                await driver.powerOff(dvm, { soft: true, timeoutMs: this.ctx.config.softPowerOffTimeoutMs }, dctx);
                break;
              case 'reset':
                await driver.reset(dvm, { soft: false }, dctx);
                break;
              case 'rebootGuest':
                await driver.reset(dvm, { soft: true }, dctx);
                break;
              case 'suspend':
              case 'standbyGuest':
                await driver.suspend!(dvm, dctx);
                break;
              case 'pause':
                await driver.pause!(dvm);
                break;
              case 'unpause':
                await driver.unpause!(dvm);
                break;
            }
          } catch (e) {
            // Put back what is really there; the driver knows best.
            const real = await driver.getRuntime(dvm).catch(() => ({ powerState: before.powerState, toolsState: before.toolsState }));
            now = (await this.ctx.store.vms.get(vm.id)) ?? now;
            await this.rt.setRuntime(now, real.powerState, real.toolsState);
            throw e;
          }
          now = (await this.ctx.store.vms.get(vm.id)) ?? now;
          const rt = await driver.getRuntime(dvm).catch(() => null);
          now = await this.rt.setRuntime(now, t.to, t.to === 'poweredOff' || t.to === 'suspended' ? (now.toolsState === 'notInstalled' ? 'notInstalled' : 'unknown') : (rt?.toolsState ?? now.toolsState));
          await this.events.record(vm.id, EVENT_TYPE[op], `${vm.name}: ${describePowerState(before.powerState)} → ${describePowerState(t.to)}`, { caller, taskId: tctx.taskId });
          return { powerState: now.powerState };
        },
      );
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Runs the operation and waits for it: what synchronous APIs (REST power) need. */
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

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

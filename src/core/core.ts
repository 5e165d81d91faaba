import type { DriverEvent, HypervisorDriver } from './ports/driver.ts';
import type { Store } from './ports/store.ts';
import type { DatastoreFilesFactory } from './ports/datastore-files.ts';
import { Authorizer } from './authorizer.ts';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import type { CoreApi } from './core-api.ts';
import type { CoreConfig, CoreContext, Logger } from './context.ts';
import { DEFAULT_CORE_CONFIG, silentLogger } from './context.ts';
import { ConsoleService } from './consoles.ts';
import { DatastoreFileService } from './datastore-file-service.ts';
import { EventBus } from './event-bus.ts';
import { EventLog } from './events.ts';
import { GuestService } from './guest.ts';
import { IdentityService } from './identity.ts';
import { InventoryService } from './inventory.ts';
import { LiveService } from './live.ts';
import type { DriverKind, PowerState } from './model/index.ts';
import { PortForwardService } from './port-forwards.ts';
import { PowerService } from './power-service.ts';
import { describePowerState } from './power.ts';
import { SYSTEM_ROLES } from './roles.ts';
import { SnapshotService } from './snapshots.ts';
import { StatisticsService } from './statistics.ts';
import { TaskEngine } from './tasks.ts';
import { VdiService } from './vdi.ts';
import { VmJobService } from './vm-jobs.ts';
import { VmLocks } from './vm-locks.ts';
import { VmRuntime } from './vm-runtime.ts';
import { VmService } from './vms.ts';
import { VmDeviceService } from './vm-devices.ts';
import { KeyedSerializer } from './keyed-serializer.ts';

export interface CoreOptions {
  readonly store: Store;
  readonly drivers: ReadonlyMap<DriverKind, HypervisorDriver>;
  /** The datastore file port: `datastoreFiles` from src/datastore in the server. */
  readonly files: DatastoreFilesFactory;
  readonly config: Partial<CoreConfig> & Pick<CoreConfig, 'datastoreRoot'>;
  readonly clock?: Clock;
  readonly log?: Logger;
}

export interface StartReport {
  readonly interruptedTasks: number;
  readonly reattached: number;
  readonly corrected: { vmId: string; from: PowerState; to: PowerState }[];
}

/** vmgate's domain: one object holding every service. Faces see it as a {@link CoreApi}. */
export class Core implements CoreApi {
  readonly ctx: CoreContext;
  readonly bus: EventBus;
  readonly authz: Authorizer;
  readonly events: EventLog;
  readonly tasks: TaskEngine;
  readonly identity: IdentityService;
  readonly inventory: InventoryService;
  readonly vms: VmService;
  readonly power: PowerService;
  readonly snapshots: SnapshotService;
  readonly guest: GuestService;
  readonly vdi: VdiService;
  /** Files on datastores for a caller (the vmserverd file operations). */
  readonly datastoreFiles: DatastoreFileService;
  readonly vmJobs: VmJobService;
  readonly consoles: ConsoleService;
  readonly live: LiveService;
  readonly statistics: StatisticsService;
  readonly portForwards: PortForwardService;
  /** A VM's NICs, floppy drives, serial / parallel ports and controllers one at a time. */
  readonly devices: VmDeviceService;
  private readonly rt: VmRuntime;
  private readonly unsubscribe: (() => void)[] = [];
  private closed = false;

  constructor(opts: CoreOptions) {
    const defaultDriver = opts.config.defaultDriver ?? ([...opts.drivers.keys()][0] ?? 'sim');
    const log = opts.log ?? silentLogger;
    this.bus = new EventBus(log);
    this.ctx = {
      store: opts.store,
      bus: this.bus,
      clock: opts.clock ?? systemClock,
      log,
      config: { ...DEFAULT_CORE_CONFIG, ...opts.config, defaultDriver },
      locks: new VmLocks(),
      sections: new KeyedSerializer(),
      drivers: opts.drivers,
      files: opts.files,
    };
    this.authz = new Authorizer(this.ctx);
    this.events = new EventLog(this.ctx, this.authz);
    this.tasks = new TaskEngine(this.ctx, this.authz, this.events);
    this.identity = new IdentityService(this.ctx, this.authz, this.events);
    this.inventory = new InventoryService(this.ctx, this.authz, this.events);
    this.rt = new VmRuntime(this.ctx);
    // Clone's powerOn runs through the power service, made just below.
    this.vms = new VmService(this.ctx, this.authz, this.events, this.tasks, this.inventory, this.rt, (caller, vm, t, result, range) => this.power.powerOnInTask(caller, vm, t, result, range));
    this.portForwards = new PortForwardService(this.ctx, this.events, this.vms, this.rt);
    this.power = new PowerService(this.ctx, this.authz, this.events, this.tasks, this.inventory, this.vms, this.rt, (vm, dvm) => this.portForwards.forStart(vm, dvm));
    this.snapshots = new SnapshotService(this.ctx, this.events, this.tasks, this.vms, this.rt, (vm, dvm) => this.portForwards.forStart(vm, dvm));
    this.guest = new GuestService(this.ctx, this.events, this.tasks, this.vms, this.rt);
    this.datastoreFiles = new DatastoreFileService(this.ctx, this.authz, this.events, this.tasks);
    this.consoles = new ConsoleService(this.ctx, this.events, this.vms, this.rt);
    this.vdi = new VdiService(this.ctx, this.authz, this.events, this.tasks, this.vms, this.power, this.rt, this.identity, this.consoles);
    this.vmJobs = new VmJobService(this.ctx, this.tasks, this.inventory, this.vms, this.power);
    this.live = new LiveService(this.ctx, this.authz, this.tasks, this.identity.sessions);
    this.statistics = new StatisticsService(this.ctx, this.vms, this.inventory, this.rt);
    this.devices = new VmDeviceService({ ctx: this.ctx, authz: this.authz, events: this.events, tasks: this.tasks, inventory: this.inventory, rt: this.rt, powerOnInTask: (caller, vm, t, result, range) => this.power.powerOnInTask(caller, vm, t, result, range) });
  }

  /** Core's time (the clock it was given). */
  now(): Date {
    return this.ctx.clock.now();
  }

  /** The hypervisor drivers this core runs on (`sim`, `qemu`), for health reports. */
  driverKinds(): DriverKind[] {
    return [...this.ctx.drivers.keys()];
  }

  /**
   * Start-up: the built-in roles, crash recovery of tasks, reattaching to guests that
   * outlived the last process (as libvirt does) and listening to the drivers.
   */
  async start(): Promise<StartReport> {
    const { store, log } = this.ctx;
    for (const role of SYSTEM_ROLES) {
      const cur = await store.roles.get(role.id);
      if (!cur) await store.roles.insert(role);
      else if (JSON.stringify(cur.privileges) !== JSON.stringify(role.privileges)) await store.roles.update(role.id, { privileges: role.privileges, name: role.name });
    }
    this.authz.invalidate();
    for (const d of this.ctx.drivers.values()) this.unsubscribe.push(d.onEvent((ev) => void this.onDriverEvent(d, ev)));
    const interrupted = await this.tasks.recoverInterrupted();
    if (interrupted.length) log.warn({ count: interrupted.length }, 'tasks interrupted by the last stop were marked failed');
    const corrected: StartReport['corrected'] = [];
    let reattached = 0;
    for (const vm of await store.vms.query({})) {
      const driver = this.ctx.drivers.get(vm.driver);
      if (!driver) continue;
      if (vm.powerState === 'poweredOff' && vm.toolsState !== 'running') continue;
      try {
        const dvm = this.rt.driverVm(vm, await this.rt.datastoreOf(vm));
        const real = await driver.reattach(dvm, { powerState: vm.powerState, toolsState: vm.toolsState });
        if (real.powerState !== 'poweredOff') reattached++;
        if (real.powerState !== vm.powerState || real.toolsState !== vm.toolsState) {
          await this.rt.update(vm, { powerState: real.powerState, toolsState: real.toolsState });
          if (real.powerState !== vm.powerState) {
            corrected.push({ vmId: vm.id, from: vm.powerState, to: real.powerState });
            await this.events.record(vm.id, 'vm.stateCorrected', `after restart ${vm.name} is ${describePowerState(real.powerState)} (recorded: ${describePowerState(vm.powerState)})`, { severity: 'warning' });
          }
        }
      } catch (e) {
        log.error({ err: e, vmId: vm.id }, 'could not reattach to a VM');
      }
    }
    void this.identity.pruneSessions().catch(() => undefined);
    await this.statistics.start();
    return { interruptedTasks: interrupted.length, reattached, corrected };
  }

  /**
   * What a hypervisor did on its own: recorded unless an operation holds the VM. The VM is
   * read in the transaction that records the change (and its event), so the change is
   * worked out from the record it replaces.
   */
  private async onDriverEvent(driver: HypervisorDriver, ev: DriverEvent): Promise<void> {
    if (this.closed) return;
    try {
      const changed = await this.ctx.store.transaction(async (tx) => {
        const vm = await tx.vms.get(ev.vmId);
        if (!vm || vm.driver !== driver.kind) return null;
        const busy = this.ctx.locks.isHeld(vm.id);
        const patch: { powerState?: PowerState; toolsState?: typeof vm.toolsState } = {};
        if (ev.toolsState && ev.toolsState !== vm.toolsState) patch.toolsState = ev.toolsState;
        if (!busy && ev.powerState && ev.powerState !== vm.powerState) {
          patch.powerState = ev.powerState;
          if (ev.powerState === 'poweredOff' && !patch.toolsState) patch.toolsState = vm.toolsState === 'notInstalled' ? 'notInstalled' : 'unknown';
        }
        if (Object.keys(patch).length === 0) return null;
        // The change and its event: one transaction.
        const next = await this.rt.write(tx, vm, patch);
        // An unclean stop is an error event: clean_power_off reads it (PowerService.cleanPowerOff).
        const severity = patch.powerState === 'poweredOff' && ev.clean === false ? 'error' : (ev.severity ?? 'warning');
        const appended = patch.powerState
          ? await this.events.append(tx, vm.id, `vm.${patch.powerState}`, `${vm.name} is ${describePowerState(patch.powerState)}: ${ev.reason}`, { severity })
          : await this.events.append(tx, vm.id, 'vm.toolsStateChanged', `tools in ${vm.name}: ${patch.toolsState} (${ev.reason})`, { severity: 'info' });
        return { next, vm, appended };
      });
      if (changed) {
        this.ctx.bus.emit('vm.changed', changed.next, changed.vm);
        this.ctx.bus.emit('event.appended', changed.appended);
      }
    } catch (e) {
      this.ctx.log.error({ err: e, event: ev }, 'could not record a driver event');
    }
  }

  /** Stops: no new tasks, running ones finish (or are cancelled after `drainMs`), drivers let go. */
  async close(drainMs = 10_000): Promise<void> {
    if (this.closed) return;
    await this.tasks.drain(drainMs);
    this.closed = true;
    await this.statistics.stop();
    for (const u of this.unsubscribe) u();
    for (const d of this.ctx.drivers.values()) await d.close().catch(() => undefined);
  }
}

import { setMaxListeners } from 'node:events';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isVmgateError } from '../../core/errors.ts';
import type { PowerState, VirtualDisk } from '../../core/model/index.ts';
import type {
  ConsoleEndpoint,
  ConsoleTicket,
  DriverEvent,
  DriverVm,
  GuestCredentials,
  GuestOps,
  HypervisorDriver,
  OpContext,
  PowerOffOptions,
  RuntimeState,
  SnapshotRef,
  VmStatistics,
} from '../../core/ports/driver.ts';
import { renderConsoleFrame } from './console-frame.ts';
import type { SimOperation } from './faults.ts';
import { FaultInjector } from './faults.ts';
import { DEFAULT_GUEST_ACCOUNTS } from './guest-accounts.ts';
import type { SimGuestAccount } from './guest-accounts.ts';
import { GuestFs } from './guest-fs.ts';
import { defaultGuestFs } from './presets.ts';
import { RfbServer } from './rfb-server.ts';
import {
  loadGuestDisk,
  loadSnapshotFile,
  removeFileIfPresent,
  saveGuestDisk,
  saveSnapshotFile,
  simDiskPath,
  simSnapshotPath,
} from './sim-disk-image.ts';
import { DEFAULT_SIM_DURATIONS } from './sim-driver-options.ts';
import type { SimDriverOptions, SimDurations } from './sim-driver-options.ts';
import { simError } from './sim-error.ts';
import { simStatistics } from './sim-statistics.ts';
import { SimGuest } from './sim-guest.ts';
import type { GuestMemoryImage, SimGuestOptions } from './sim-guest.ts';
import { createSimGuestOps } from './sim-guest-ops.ts';
import { SimVm } from './sim-vm.ts';
import type { SimSnapshotData } from './sim-vm.ts';
import { timedStep } from './timed-step.ts';

export type { SimDriverOptions, SimDurations } from './sim-driver-options.ts';

const MiB = 1024 * 1024;
const RUNNING: readonly PowerState[] = ['poweredOn', 'paused'];
const STABLE: readonly PowerState[] = ['poweredOff', 'poweredOn', 'paused', 'suspended'];

/** Where a VM recorded in a transitional state really is after a restart. */
const REATTACHED: Readonly<Record<PowerState, PowerState>> = {
  poweredOff: 'poweredOff',
  poweredOn: 'poweredOn',
  paused: 'paused',
  suspended: 'suspended',
  poweringOn: 'poweredOff',
  poweringOff: 'poweredOff',
  suspending: 'poweredOn',
  resetting: 'poweredOn',
};

/**
 * The simulator: an in-process hypervisor whose guests have a file system, accounts,
 * processes and built-in programs, a VNC console each, and disks kept as
 * `<vm.dir>/sim-disk.json`. See SimDriverOptions for speed, durations and fault injection.
 */
export function createSimDriver(opts: SimDriverOptions = {}): HypervisorDriver {
  return new SimDriver(opts);
}

class SimDriver implements HypervisorDriver {
  readonly kind = 'sim' as const;
  readonly guest: GuestOps;

  readonly #vms = new Map<string, SimVm>();
  readonly #listeners = new Set<(e: DriverEvent) => void>();
  readonly #closing = new AbortController();
  readonly #faults: FaultInjector;
  readonly #speed: number;
  readonly #durations: SimDurations;
  readonly #random: () => number;
  readonly #accounts: readonly SimGuestAccount[];
  readonly #persist: boolean;
  readonly #consoles: boolean;
  readonly #consoleHost: string;
  #closed = false;

  constructor(opts: SimDriverOptions) {
    const speed = opts.speed ?? 1;
    if (!(speed > 0)) throw simError('invalid_argument', `sim speed must be a positive number, not ${speed}`);
    this.#speed = speed;
    // Every operation in flight listens on the driver-wide closing signal (through AbortSignal.any).
    setMaxListeners(0, this.#closing.signal);
    this.#durations = { ...DEFAULT_SIM_DURATIONS, ...(opts.durations ?? {}) };
    for (const [k, v] of Object.entries(this.#durations)) {
      if (!(typeof v === 'number' && v >= 0)) throw simError('invalid_argument', `sim duration ${k} must be a non-negative number of milliseconds, not ${String(v)}`);
    }
    this.#random = opts.random ?? Math.random;
    this.#faults = new FaultInjector(opts.faults ?? [], this.#random);
    this.#accounts = opts.guestAccounts ?? DEFAULT_GUEST_ACCOUNTS;
    if (this.#accounts.length === 0) throw simError('invalid_argument', 'a sim guest needs at least one account');
    this.#persist = opts.persist ?? true;
    this.#consoles = opts.consoles ?? true;
    this.#consoleHost = opts.consoleHost ?? '127.0.0.1';
    this.guest = createSimGuestOps({ session: (op, vm, creds) => this.#session(op, vm, creds), random: this.#random });
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- state ----------------------------------------------------------------------------

  async reattach(vm: DriverVm, recorded: RuntimeState): Promise<RuntimeState> {
    this.#open();
    this.#faults.check('reattach', vm);
    const known = this.#vms.get(vm.id);
    if (known && known.power !== 'poweredOff') {
      known.vm = vm;
      return known.runtime();
    }
    const sv = this.#sv(vm);
    const target = REATTACHED[recorded.powerState] ?? 'poweredOff';
    if (target === 'poweredOn' || target === 'paused') {
      this.#boot(sv, await this.#disk(sv), true);
      if (target === 'paused') sv.guest?.freeze();
    }
    sv.setPower(target);
    return sv.runtime();
  }

  async getRuntime(vm: DriverVm): Promise<RuntimeState> {
    this.#open();
    return this.#sv(vm).runtime();
  }

  /** A simulated disk is a sparse file as long as the disk: its length is its capacity. */
  async diskCapacities(vm: DriverVm): Promise<(number | null)[]> {
    return Promise.all(vm.hardware.disks.map(async (d) => stat(resolve(vm.dir, d.fileName)).then((st) => (st.isFile() ? st.size : null), () => null)));
  }

  /** The image is copied as it is (the simulator does not read disks): its length is the capacity. */
  async importDisk(vm: DriverVm, disk: VirtualDisk, source: string, ctx?: OpContext): Promise<number> {
    this.#open();
    const target = resolve(vm.dir, disk.fileName);
    await mkdir(vm.dir, { recursive: true });
    ctx?.progress?.(0, `copying ${source} to ${target}`);
    try {
      await copyFile(source, target, constants.COPYFILE_EXCL);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw simError('already_exists', `disk file ${target} of ${vm.name} already exists`);
      if (code === 'ENOENT') throw simError('not_found', `disk image ${source} does not exist`);
      throw e;
    }
    return (await stat(target)).size;
  }

  async createDisks(vm: DriverVm, ctx?: OpContext): Promise<void> {
    this.#open();
    this.#faults.check('createDisks', vm);
    const files = vm.hardware.disks.map((d) => ({ path: resolve(vm.dir, d.fileName), bytes: d.capacityMiB * MiB }));
    for (const f of files) {
      if (await exists(f.path)) throw simError('already_exists', `disk file ${f.path} of ${vm.name} already exists`);
    }
    const made: string[] = [];
    try {
      await mkdir(vm.dir, { recursive: true });
      for (const [n, f] of files.entries()) {
        ctx?.progress?.(Math.round((n * 100) / files.length), `Creating disk ${f.path}`);
        await mkdir(resolve(f.path, '..'), { recursive: true });
        const handle = await open(f.path, 'wx');
        made.push(f.path);
        try {
          await handle.truncate(f.bytes);
        } finally {
          await handle.close();
        }
      }
      ctx?.progress?.(100, `Created ${files.length} disk(s) of ${vm.name}`);
    } catch (e) {
      await Promise.all(made.map((p) => rm(p, { force: true }).catch(() => undefined)));
      if (isVmgateError(e)) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      // The file system's limit (ext4: 16 TiB a file) is below vmgate's (64 TiB): the caller's problem, not a fault.
      if (code === 'EFBIG') throw simError('resource_exhausted', `cannot create the disks of ${vm.name}: the datastore's file system does not allow a file that large (largest disk ${Math.max(...files.map((f) => f.bytes / MiB))} MiB)`);
      if (code === 'ENOSPC' || code === 'EDQUOT') throw simError('resource_exhausted', `cannot create the disks of ${vm.name}: the datastore is full`);
      if (code === 'ENAMETOOLONG') throw simError('invalid_argument', `cannot create the disks of ${vm.name}: a disk file name is too long`);
      throw simError('internal', `cannot create the disks of ${vm.name}: ${(e as Error).message}`);
    }
  }

  // ---- power ----------------------------------------------------------------------------

  async powerOn(vm: DriverVm, ctx?: OpContext): Promise<void> {
    const sv = this.#begin('powerOn', vm, ['poweredOff'], 'power on');
    sv.setPower('poweringOn');
    let disk: GuestFs;
    try {
      disk = await this.#disk(sv);
      await timedStep(this.#ms('powerOn'), { step: `Powering on ${vm.name}`, ctx, cancellable: true, closing: this.#closing.signal });
    } catch (e) {
      sv.setPower('poweredOff');
      throw e;
    }
    this.#boot(sv, disk, false);
    sv.setPower('poweredOn');
  }

  async powerOff(vm: DriverVm, opts: PowerOffOptions, ctx?: OpContext): Promise<void> {
    const sv = this.#begin('powerOff', vm, RUNNING, 'power off');
    if (opts.soft && sv.power === 'poweredOn' && sv.toolsUp) {
      await this.#shutdownGuest(sv, ctx, `Shutting down the guest of ${vm.name}`);
      return;
    }
    const step = { ctx, cancellable: false, closing: this.#closing.signal };
    sv.setPower('poweringOff');
    try {
      if (opts.soft) {
        await timedStep(opts.timeoutMs ?? this.#ms('softPowerOff'), { ...step, step: `Waiting for the guest of ${vm.name} to shut down`, from: 0, to: 50 });
      }
      this.#halt(sv, 'powered off');
      await this.#stopConsole(sv);
      await timedStep(this.#ms('powerOff'), { ...step, step: `Powering off ${vm.name}`, from: opts.soft ? 50 : 0 });
    } finally {
      await this.#finishOff(sv, 'powered off');
    }
  }

  async reset(vm: DriverVm, opts: { soft: boolean }, ctx?: OpContext): Promise<void> {
    const sv = this.#begin('reset', vm, opts.soft ? ['poweredOn'] : RUNNING, opts.soft ? 'restart the guest of' : 'reset');
    if (opts.soft && !sv.toolsUp) {
      throw simError('not_allowed_in_current_state', `cannot restart the guest of ${vm.name}: tools are not running in it`, 'tools_not_running');
    }
    await this.#restart(sv, ctx, opts.soft ? `Restarting the guest of ${vm.name}` : `Resetting ${vm.name}`);
  }

  async suspend(vm: DriverVm, ctx?: OpContext): Promise<void> {
    const sv = this.#begin('suspend', vm, ['poweredOn'], 'suspend');
    sv.setPower('suspending');
    sv.guest?.freeze();
    try {
      await timedStep(this.#ms('suspend'), { step: `Suspending ${vm.name}`, ctx, cancellable: false, closing: this.#closing.signal });
    } finally {
      await this.#stopConsole(sv);
      await this.#save(sv);
      sv.setPower('suspended');
    }
  }

  async resume(vm: DriverVm, ctx?: OpContext): Promise<void> {
    const sv = this.#begin('resume', vm, ['suspended'], 'resume');
    sv.setPower('poweringOn');
    let disk: GuestFs;
    try {
      disk = await this.#disk(sv);
      await timedStep(this.#ms('resume'), { step: `Resuming ${vm.name}`, ctx, cancellable: false, closing: this.#closing.signal });
    } catch (e) {
      sv.setPower('suspended');
      throw e;
    }
    if (sv.guest) {
      sv.guest.thaw();
      this.#startConsole(sv);
    } else {
      // suspended before a restart of the control plane: the guest comes back fresh
      this.#boot(sv, disk, true);
    }
    sv.setPower('poweredOn');
  }

  async discardSuspendState(vm: DriverVm): Promise<void> {
    const sv = this.#begin('discardSuspendState', vm, ['suspended'], 'discard the suspended state of');
    this.#halt(sv, 'its suspended state was discarded');
    await this.#finishOff(sv, 'its suspended state was discarded');
  }

  async pause(vm: DriverVm): Promise<void> {
    const sv = this.#begin('pause', vm, ['poweredOn'], 'pause');
    sv.guest?.freeze();
    sv.setPower('paused');
  }

  async unpause(vm: DriverVm): Promise<void> {
    const sv = this.#begin('unpause', vm, ['paused'], 'unpause');
    sv.guest?.thaw();
    sv.setPower('poweredOn');
  }

  async waitForTools(vm: DriverVm, timeoutMs: number, ctx?: OpContext): Promise<void> {
    this.#open();
    this.#faults.check('waitForTools', vm);
    const sv = this.#sv(vm);
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (sv.toolsState === 'running') return;
      if (sv.power === 'poweredOff' || sv.power === 'suspended') {
        throw simError('not_allowed_in_current_state', `cannot wait for tools in ${vm.name}: it is ${sv.power}`, 'vm_not_running');
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const why = sv.notools ? ` (tools are not installed in its guest OS '${vm.hardware.guestOs}')` : '';
        throw simError('timed_out', `tools did not start in ${vm.name} within ${timeoutMs} ms${why}`, 'timeout_waiting_for_tools');
      }
      if (this.#closed) throw simError('cancelled', `waiting for tools in ${vm.name}: the sim driver is closing`);
      await sv.waitChange(left, [ctx?.signal, this.#closing.signal]);
    }
  }

  // ---- snapshots ------------------------------------------------------------------------

  async createSnapshot(vm: DriverVm, snap: SnapshotRef, _running: boolean, ctx?: OpContext): Promise<void> {
    const sv = this.#begin('createSnapshot', vm, STABLE, 'take a snapshot of');
    const disk = (await this.#disk(sv)).clone();
    const memory = snap.includeMemory && RUNNING.includes(sv.power) && sv.guest ? { guest: sv.guest.captureMemory(), toolsUp: sv.toolsUp } : null;
    await timedStep(this.#ms('snapshot'), { step: `Taking snapshot ${snap.id} of ${vm.name}`, ctx, cancellable: true, closing: this.#closing.signal });
    const data: SimSnapshotData = { disk, includeMemory: snap.includeMemory, memory };
    sv.snapshots.set(snap.id, data);
    if (this.#persist) {
      await saveSnapshotFile(simSnapshotPath(vm.dir, snap.id), { format: 'vmgate-sim-snapshot', version: 1, snapshotId: snap.id, includeMemory: snap.includeMemory, disk: disk.toImage() }).catch((e: unknown) =>
        this.#warn(sv, `could not save snapshot ${snap.id} to the datastore: ${(e as Error).message}`),
      );
    }
    await this.#save(sv);
  }

  async revertSnapshot(vm: DriverVm, snap: SnapshotRef, ctx?: OpContext): Promise<PowerState> {
    const sv = this.#begin('revertSnapshot', vm, STABLE, 'revert');
    const data = sv.snapshots.get(snap.id) ?? (await this.#snapshotFromFile(sv, snap.id));
    if (!data) throw simError('not_found', `${vm.name} has no snapshot ${snap.id} in the simulator`, 'snapshot_not_found');
    await timedStep(this.#ms('revert'), { step: `Reverting ${vm.name} to snapshot ${snap.id}`, ctx, cancellable: true, closing: this.#closing.signal });
    this.#open();
    this.#halt(sv, 'reverted to a snapshot');
    sv.disk = data.disk.clone();
    if (data.memory) {
      this.#boot(sv, sv.disk, data.memory.toolsUp, data.memory.guest);
      sv.setPower('poweredOn');
    } else if (data.includeMemory) {
      // the memory part did not survive a restart of the control plane: boot afresh
      this.#boot(sv, sv.disk, true);
      sv.setPower('poweredOn');
    } else {
      await this.#stopConsole(sv);
      sv.setPower('poweredOff');
    }
    await this.#save(sv);
    return sv.power;
  }

  async removeSnapshot(vm: DriverVm, snap: SnapshotRef, _running: boolean, ctx?: OpContext): Promise<void> {
    this.#open();
    this.#faults.check('removeSnapshot', vm);
    const sv = this.#sv(vm);
    await timedStep(0, { step: `Removing snapshot ${snap.id} of ${vm.name}`, ctx, cancellable: true, closing: this.#closing.signal });
    sv.snapshots.delete(snap.id);
    if (this.#persist) await removeFileIfPresent(simSnapshotPath(vm.dir, snap.id)).catch(() => undefined);
  }

  // ---- statistics -----------------------------------------------------------------------

  async statistics(vm: DriverVm): Promise<VmStatistics> {
    this.#open();
    const sv = this.#sv(vm);
    if (!RUNNING.includes(sv.power) || !sv.guest) throw simError('not_allowed_in_current_state', `${vm.name} (${vm.id}) is ${sv.power}: statistics exist only while it runs`, 'vm_not_running');
    return simStatistics(sv.guest, vm.hardware, vm.uuid);
  }

  // ---- console --------------------------------------------------------------------------

  async console(vm: DriverVm, ticket?: ConsoleTicket): Promise<ConsoleEndpoint> {
    const sv = this.#begin('console', vm, RUNNING, 'open the console of');
    if (!this.#consoles) throw simError('unsupported', 'consoles are switched off in this sim driver');
    const server = await this.#startConsole(sv);
    if (!server) throw simError('internal', `the console of ${vm.name} could not be started`);
    if (ticket) server.setPassword(ticket.password, ticket.validForMs);
    return { protocol: 'VNC', host: this.#consoleHost, port: server.port, password: ticket?.password ?? null };
  }

  // ---- lifecycle ------------------------------------------------------------------------

  async forget(vm: DriverVm): Promise<void> {
    const sv = this.#vms.get(vm.id);
    if (!sv) return;
    this.#vms.delete(vm.id);
    sv.forgotten = true;
    this.#halt(sv, 'forgotten by the sim driver');
    await this.#stopConsole(sv);
    sv.changed();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    const all = [...this.#vms.values()];
    await Promise.all(
      all.map(async (sv) => {
        if (sv.guest) await this.#save(sv);
        this.#halt(sv, 'the sim driver closed');
        await this.#stopConsole(sv);
        sv.changed();
        await sv.saving;
      }),
    );
    this.#vms.clear();
    this.#listeners.clear();
  }

  // ---- internals ------------------------------------------------------------------------

  #open(): void {
    if (this.#closed) throw simError('not_allowed_in_current_state', 'the sim driver is closed');
  }

  #sv(vm: DriverVm): SimVm {
    let sv = this.#vms.get(vm.id);
    if (!sv) {
      sv = new SimVm(vm);
      this.#vms.set(vm.id, sv);
    }
    sv.vm = vm;
    return sv;
  }

  /**
   * The common start of an operation: open driver, fault injection, and whether the
   * simulated machine can do it at all. Core has decided already (power.ts): this only
   * refuses what is physically impossible, with no reasons of its own.
   */
  #begin(op: SimOperation, vm: DriverVm, possible: readonly PowerState[], what: string): SimVm {
    this.#open();
    const sv = this.#sv(vm);
    this.#faults.check(op, vm);
    if (!possible.includes(sv.power)) throw simError('not_allowed_in_current_state', `cannot ${what} ${vm.name} (${vm.id}): it is ${sv.power}`);
    return sv;
  }

  /** Guest operations: the VM must run, tools must answer, the credentials must be right. */
  #session(op: SimOperation, vm: DriverVm, creds: GuestCredentials): { guest: SimGuest; account: SimGuestAccount } {
    this.#open();
    const sv = this.#sv(vm);
    this.#faults.check(op, vm);
    if (sv.power === 'paused') throw simError('not_allowed_in_current_state', `${vm.name} is paused: its guest cannot answer`);
    if (sv.power !== 'poweredOn' || !sv.guest) throw simError('not_allowed_in_current_state', `${vm.name} is ${sv.power}: guest operations need a running VM`, 'vm_not_running');
    if (!sv.toolsUp) throw simError('not_allowed_in_current_state', `tools are not running in ${vm.name}`, 'tools_not_running');
    return { guest: sv.guest, account: sv.guest.authenticate(creds) };
  }

  #ms(name: keyof SimDurations): number {
    return Number.isFinite(this.#speed) ? this.#durations[name] / this.#speed : 0;
  }

  async #disk(sv: SimVm): Promise<GuestFs> {
    if (sv.disk) return sv.disk;
    sv.diskLoading ??= (async () => {
      const saved = this.#persist ? await loadGuestDisk(simDiskPath(sv.vm.dir)) : null;
      return saved ?? defaultGuestFs(sv.vm, this.#accounts);
    })();
    try {
      const disk = await sv.diskLoading;
      sv.disk ??= disk;
      return sv.disk;
    } finally {
      sv.diskLoading = null;
    }
  }

  async #snapshotFromFile(sv: SimVm, id: string): Promise<SimSnapshotData | null> {
    if (!this.#persist) return null;
    const file = await loadSnapshotFile(simSnapshotPath(sv.vm.dir, id));
    if (!file) return null;
    const data: SimSnapshotData = { disk: GuestFs.fromImage(file.disk), includeMemory: file.includeMemory, memory: null };
    sv.snapshots.set(id, data);
    return data;
  }

  /** Starts a guest on `disk` (from a memory image when given) and its console. */
  #boot(sv: SimVm, disk: GuestFs, toolsAtOnce: boolean, memory?: GuestMemoryImage): void {
    if (this.#closed || sv.forgotten) return;
    const options: SimGuestOptions = {
      vmName: () => sv.vm.name,
      fs: disk,
      accounts: this.#accounts,
      random: this.#random,
      nextPid: () => sv.nextPid(),
      onPowerOff: () => void this.#guestPowerOff(sv, booted),
      onReboot: () => void this.#guestReboot(sv, booted),
    };
    const booted: SimGuest = memory ? SimGuest.restore(options, memory) : new SimGuest(options);
    sv.guest = booted;
    sv.toolsUp = false;
    if (!sv.notools) {
      if (toolsAtOnce) sv.toolsUp = true;
      else {
        booted.clock.schedule(this.#ms('toolsStart'), () => {
          if (sv.guest !== booted) return;
          sv.toolsUp = true;
          sv.changed();
          this.#emit({ vmId: sv.vm.id, toolsState: 'running', reason: 'tools started in the guest', severity: 'info' });
        });
      }
    }
    this.#startConsole(sv);
    sv.changed();
  }

  /** Ends the running guest (processes die, waiters learn why). */
  #halt(sv: SimVm, why: string): void {
    const guest = sv.guest;
    sv.guest = null;
    sv.toolsUp = false;
    guest?.halt(simError('not_allowed_in_current_state', `the guest of ${sv.vm.name} stopped: ${why}`, 'vm_not_running'));
  }

  async #finishOff(sv: SimVm, why: string): Promise<void> {
    this.#halt(sv, why);
    await this.#stopConsole(sv);
    await this.#save(sv);
    sv.setPower('poweredOff');
  }

  /** The guest shuts itself down: it takes softPowerOff, then the VM is off. */
  async #shutdownGuest(sv: SimVm, ctx: OpContext | undefined, step: string): Promise<void> {
    sv.setPower('poweringOff');
    try {
      await timedStep(this.#ms('softPowerOff'), { step, ctx, cancellable: false, closing: this.#closing.signal });
    } finally {
      await this.#finishOff(sv, 'the guest shut down');
    }
  }

  async #restart(sv: SimVm, ctx: OpContext | undefined, step: string): Promise<void> {
    sv.setPower('resetting');
    this.#halt(sv, 'reset');
    try {
      await timedStep(this.#ms('reset'), { step, ctx, cancellable: false, closing: this.#closing.signal });
    } catch (e) {
      if (this.#closed) return;
      throw e;
    }
    this.#boot(sv, await this.#disk(sv), false);
    sv.setPower('poweredOn');
  }

  async #guestPowerOff(sv: SimVm, guest: SimGuest): Promise<void> {
    if (sv.guest !== guest || sv.power !== 'poweredOn' || this.#closed) return;
    try {
      await this.#shutdownGuest(sv, undefined, `The guest of ${sv.vm.name} is shutting down`);
    } catch {
      // the driver is closing
    }
    if (!this.#closed && !sv.forgotten) this.#emit({ vmId: sv.vm.id, powerState: 'poweredOff', toolsState: sv.toolsState, reason: 'the guest shut down', severity: 'info', clean: true });
  }

  async #guestReboot(sv: SimVm, guest: SimGuest): Promise<void> {
    if (sv.guest !== guest || sv.power !== 'poweredOn' || this.#closed) return;
    try {
      await this.#restart(sv, undefined, `The guest of ${sv.vm.name} is restarting`);
    } catch {
      return;
    }
    if (!this.#closed && !sv.forgotten) this.#emit({ vmId: sv.vm.id, powerState: 'poweredOn', toolsState: sv.toolsState, reason: 'the guest restarted', severity: 'info' });
  }

  #startConsole(sv: SimVm): Promise<RfbServer | null> {
    if (!this.#consoles || this.#closed || sv.forgotten) return Promise.resolve(null);
    if (sv.console) return sv.console.catch(() => null);
    const starting = RfbServer.listen({
      host: this.#consoleHost,
      // Locked until core issues a ticket: nobody on the console's network gets in without one.
      passwordRequired: true,
      desktopName: () => sv.vm.name,
      render: () => renderConsoleFrame({ vmName: sv.vm.name, hostname: sv.guest?.hostname() ?? sv.vm.name, powerState: sv.power, toolsState: sv.toolsState }),
    });
    sv.console = starting;
    starting.catch((e: unknown) => {
      if (sv.console === starting) sv.console = null;
      this.#warn(sv, `the console of ${sv.vm.name} could not listen on ${this.#consoleHost}: ${(e as Error).message}`);
    });
    // a console asked for while the VM was being stopped must not outlive it
    return starting.then(
      async (server) => {
        if (sv.console !== starting) {
          await server.close();
          return null;
        }
        return server;
      },
      () => null,
    );
  }

  async #stopConsole(sv: SimVm): Promise<void> {
    const starting = sv.console;
    sv.console = null;
    if (starting) await starting.then((s) => s.close(), () => undefined);
  }

  /** Saves the disk image (one save at a time per VM); failures become warning events. */
  #save(sv: SimVm): Promise<void> {
    if (!this.#persist || !sv.disk || sv.forgotten) return sv.saving;
    const disk = sv.disk;
    sv.saving = sv.saving.then(() =>
      saveGuestDisk(simDiskPath(sv.vm.dir), disk).catch((e: unknown) => this.#warn(sv, `could not save the disk of ${sv.vm.name} to ${simDiskPath(sv.vm.dir)}: ${(e as Error).message}`)),
    );
    return sv.saving;
  }

  #warn(sv: SimVm, reason: string): void {
    this.#emit({ vmId: sv.vm.id, reason, severity: 'warning' });
  }

  #emit(event: DriverEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import { invalidArgument, notAllowedInCurrentState, notFound, toVmgateError } from './errors.ts';
import type { InventoryService } from './inventory.ts';
import type { Host, Task, Vm } from './model/index.ts';
import { chooseHost } from './placement.ts';
import type { PowerService } from './power-service.ts';
import type { TaskEngine } from './tasks.ts';
import type { VmService } from './vms.ts';

/** How a caller names a VM: its name, its GUID (BIOS UUID) or the guest's computer FQDN. */
export type VmNameKind = 'name' | 'uuid' | 'fqdn';

/** A VM as a broker sees it: the record, its host (null = library) and what holds its lock. */
export interface BrokerVm {
  readonly vm: Vm;
  readonly host: Host | null;
  /** The operation in progress on it ('relocate', 'power on', …), or null. */
  readonly busyWith: string | null;
}

/** Which phase of a broker job failed: RDV tells placement failures from start failures. */
export type BrokerJobPhase = 'placement' | 'start';

/**
 * Broker-style VM jobs (what RDV's StartVM/PlaceVM need, and any face that hands out "a
 * job that makes this VM run"): look a VM up by name, GUID or guest FQDN (ambiguity is an
 * error, never a guess), start it where it is or place it first, place a library VM on
 * the best host. Each job is one core task; its steps are the ordinary relocate and power
 * tasks, run with the caller's own rights. `watch` lets a face follow tasks.
 */
export class VmJobService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly tasks: TaskEngine,
    private readonly inventory: InventoryService,
    private readonly vms: VmService,
    private readonly power: PowerService,
  ) {}

  /** The one VM the caller names; not_found if none (or none visible), invalid_argument if several. */
  async lookup(caller: Caller, kind: VmNameKind, value: string): Promise<BrokerVm> {
    if (typeof value !== 'string' || value.length === 0 || value.length > 1024) throw invalidArgument('a VM name must be 1–1024 characters', { module: 'core.vmjobs' });
    let matches: Vm[];
    if (kind === 'uuid') {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw invalidArgument(`'${value.slice(0, 100)}' is not a GUID`, { module: 'core.vmjobs' });
      matches = await this.vms.list(caller, { uuids: [value.toLowerCase()] });
    } else if (kind === 'name') {
      matches = await this.vms.list(caller, { names: [value] });
    } else {
      const want = value.toLowerCase();
      matches = (await this.vms.list(caller)).filter((v) => v.fqdn !== '' && v.fqdn.toLowerCase() === want);
    }
    if (matches.length === 0) throw notFound(`virtual machine '${value}' was not found`, { module: 'core.vmjobs' });
    if (matches.length > 1) {
      throw invalidArgument(`'${value}' names ${matches.length} virtual machines (${matches.map((v) => v.id).join(', ')}): it is ambiguous`, { module: 'core.vmjobs', details: { ambiguous: true } });
    }
    return this.describe(matches[0]!);
  }

  /** The VM's host and lock holder, read now. */
  async describe(vm: Vm): Promise<BrokerVm> {
    const cur = (await this.ctx.store.vms.get(vm.id)) ?? vm;
    const host = cur.hostId ? ((await this.ctx.store.hosts.get(cur.hostId)) ?? null) : null;
    const holder = this.ctx.locks.holder(cur.id);
    return { vm: cur, host, busyWith: holder };
  }

  /**
   * Starts the VM: on its host if it is placed there (and the host can take it), else on
   * the best host (placement first). One task; a failed step's message starts with its
   * phase (`placement: …`, `start: …`, see {@link brokerJobPhase}).
   */
  async start(caller: Caller, vmId: string): Promise<Task> {
    const vm = await this.vms.resolve(caller, vmId, 'VirtualMachine.PowerOps');
    this.checkFree(vm);
    if (vm.powerState === 'poweredOn') throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is already running`, { module: 'core.vmjobs', reason: 'already_in_state' });
    if (vm.powerState !== 'poweredOff' && vm.powerState !== 'suspended') {
      throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is ${vm.powerState}: it cannot be started now`, { module: 'core.vmjobs' });
    }
    let move: Host | null = null;
    if (!vm.hostId || !(await this.fitsWhereItIs(vm))) {
      if (vm.powerState === 'suspended') throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is suspended on a host that cannot take it back`, { module: 'core.vmjobs' });
      move = await this.pickHost(vm, vm.hostId);
    }
    return this.tasks.start({ kind: 'vm.brokerStart', targetId: vm.id, targetName: vm.name, caller, cancellable: false, step: `Starting ${vm.name}` }, async (t) => {
      if (move) {
        t.progress(10, `Placing ${vm.name} on ${move.name}`);
        await this.step('placement', caller, () => this.vms.relocate(caller, vm.id, { hostId: move.id }));
      }
      t.progress(50, `Powering on ${vm.name}`);
      await this.step('start', caller, () => this.power.run(caller, vm.id, 'powerOn'));
      return { vm: vm.id, host: move?.id ?? vm.hostId, placed: move !== null };
    });
  }

  /** Moves a library VM onto the best host that can run it. One task. */
  async place(caller: Caller, vmId: string): Promise<Task> {
    const vm = await this.vms.resolve(caller, vmId, 'VirtualMachine.Inventory');
    this.checkFree(vm);
    if (vm.hostId) throw notAllowedInCurrentState(`${vm.id} (${vm.name}) is already on a host, not in the library`, { module: 'core.vmjobs' });
    const host = await this.pickHost(vm, null);
    return this.tasks.start({ kind: 'vm.brokerPlace', targetId: vm.id, targetName: vm.name, caller, cancellable: false, step: `Placing ${vm.name}` }, async (t) => {
      t.progress(10, `Placing ${vm.name} on ${host.name}`);
      await this.step('placement', caller, () => this.vms.relocate(caller, vm.id, { hostId: host.id }));
      return { vm: vm.id, host: host.id, placed: true };
    });
  }

  /** Follows every task change (progress and end); returns the unsubscribe function. */
  watch(listener: (task: Task) => void): () => void {
    return this.ctx.bus.on('task.changed', listener);
  }

  private checkFree(vm: Vm): void {
    const holder = this.ctx.locks.holder(vm.id);
    if (holder) {
      // The same error the lock itself gives, before a job is made for nothing.
      this.ctx.locks.acquire(vm.id, 'broker job')();
    }
  }

  private async fitsWhereItIs(vm: Vm): Promise<boolean> {
    const host = vm.hostId ? await this.ctx.store.hosts.get(vm.hostId) : undefined;
    if (!host) return false;
    try {
      chooseHost(vm, [await this.inventory.hostLoad(host)], { cpuOvercommit: this.ctx.config.cpuOvercommit });
      return true;
    } catch {
      return false;
    }
  }

  private async pickHost(vm: Vm, exceptId: string | null): Promise<Host> {
    const hosts = (await this.ctx.store.hosts.list()).filter((h) => h.id !== exceptId && h.driver === vm.driver);
    const loads = await Promise.all(hosts.map((h) => this.inventory.hostLoad(h)));
    return chooseHost(vm, loads, { cpuOvercommit: this.ctx.config.cpuOvercommit }).host;
  }

  /** Runs one step's task to its end; its failure is rethrown with the phase in the message. */
  private async step(phase: BrokerJobPhase, caller: Caller, begin: () => Promise<Task>): Promise<void> {
    try {
      const task = await begin();
      await this.tasks.result(caller, task);
    } catch (e) {
      const err = toVmgateError(e, 'core.vmjobs');
      throw Object.assign(err, { message: `${phase}: ${err.message}` });
    }
  }
}

/** The phase a failed broker job's error message names (`placement: …` / `start: …`). */
export function brokerJobPhase(message: string): BrokerJobPhase | null {
  return message.startsWith('placement: ') ? 'placement' : message.startsWith('start: ') ? 'start' : null;
}

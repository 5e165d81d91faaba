import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { EventLog } from './events.ts';
import { alreadyExists, invalidArgument, notAllowedInCurrentState, notFound, unsupported } from './errors.ts';
import { nextId } from './ids.ts';
import { checkFreeText, checkObjectName, TEXT_LIMITS } from './names.ts';
import type { Snapshot, Task, Vm } from './model/index.ts';
import { describePowerState, isRunningState } from './power.ts';
import type { TaskEngine } from './tasks.ts';
import { rewriteVmx } from './vm-hardware.ts';
import type { DriverVm } from './ports/driver.ts';
import type { VmRuntime } from './vm-runtime.ts';
import type { VmService } from './vms.ts';

export interface SnapshotNode extends Snapshot {
  readonly children: readonly SnapshotNode[];
}

const MAX_SNAPSHOTS = 32;

/** Snapshot trees; the tree lives in core, the data in the driver. */
export class SnapshotService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly events: EventLog,
    private readonly tasks: TaskEngine,
    private readonly vms: VmService,
    private readonly rt: VmRuntime,
    /** The driver's view of a VM about to start, with what only a start needs (port forwards): a revert to a memory snapshot may start it. */
    private readonly startView: (vm: Vm, dvm: DriverVm) => Promise<DriverVm> = async (_vm, dvm) => dvm,
  ) {}

  async list(caller: Caller, ref: string): Promise<Snapshot[]> {
    const vm = await this.vms.resolve(caller, ref);
    return this.ctx.store.snapshots.listForVm(vm.id);
  }

  /** The tree: root snapshots with their children, oldest first. */
  async tree(caller: Caller, ref: string): Promise<SnapshotNode[]> {
    const all = await this.list(caller, ref);
    const build = (parent: string | null): SnapshotNode[] => all.filter((s) => s.parentId === parent).map((s) => ({ ...s, children: build(s.id) }));
    return build(null);
  }

  async get(caller: Caller, ref: string, snapshotRef: string): Promise<Snapshot> {
    const vm = await this.vms.resolve(caller, ref);
    return this.find(vm, snapshotRef);
  }

  /** By id, or by name ('a/b/c' walks the tree by names); a name used twice is ambiguous. */
  async find(vm: Vm, snapshotRef: string): Promise<Snapshot> {
    const all = await this.ctx.store.snapshots.listForVm(vm.id);
    const byId = all.find((s) => s.id === snapshotRef);
    if (byId) return byId;
    const parts = snapshotRef.split('/');
    let candidates = all.filter((s) => s.name === parts[0] && (parts.length === 1 || s.parentId === null));
    for (const part of parts.slice(1)) candidates = all.filter((s) => s.name === part && candidates.some((c) => c.id === s.parentId));
    if (candidates.length === 0) throw notFound(`snapshot '${snapshotRef}' of ${vm.id} (${vm.name}) was not found`, { module: 'core.snapshot', reason: 'snapshot_not_found' });
    if (candidates.length > 1) throw invalidArgument(`snapshot name '${snapshotRef}' of ${vm.id} is not unique: use its id`, { module: 'core.snapshot' });
    return candidates[0]!;
  }

  async create(caller: Caller, ref: string, spec: { name: string; description?: string; includeMemory?: boolean }): Promise<Task> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.Snapshot');
    checkObjectName('snapshot name', spec.name, { also: [/\//, "no '/'"], module: 'core.snapshot' });
    checkFreeText('snapshot description', spec.description, TEXT_LIMITS.long, 'core.snapshot');
    const release = this.ctx.locks.acquire(vm.id, 'snapshot');
    try {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      const driver = this.rt.driverFor(cur);
      if (!driver.createSnapshot) throw unsupported(`the ${driver.kind} driver has no snapshots`, { module: 'core.snapshot' });
      if (!['poweredOff', 'poweredOn', 'suspended', 'paused'].includes(cur.powerState)) throw notAllowedInCurrentState(`cannot snapshot ${vm.id} while it is ${describePowerState(cur.powerState)}`, { module: 'core.snapshot' });
      const existing = await this.ctx.store.snapshots.listForVm(vm.id);
      if (existing.length >= MAX_SNAPSHOTS) throw alreadyExists(`${vm.id} already has ${MAX_SNAPSHOTS} snapshots, the most it may have`, { module: 'core.snapshot' });
      const running = isRunningState(cur.powerState);
      const includeMemory = (spec.includeMemory ?? false) && running;
      return await this.tasks.start({ kind: 'vm.snapshot.create', targetId: vm.id, targetName: vm.name, caller, cancellable: false, release, lockedVmId: vm.id, step: `Taking snapshot '${spec.name}'` }, async (t) => {
        const snap: Snapshot = {
          id: await nextId(this.ctx.store, 'snapshot'),
          vmId: vm.id,
          parentId: cur.currentSnapshotId,
          name: spec.name,
          description: spec.description ?? '',
          includeMemory,
          powerState: cur.powerState,
          createdAt: this.ctx.clock.now().toISOString(),
        };
        let { dvm } = await this.rt.resolveDriverVm(cur);
        // Disks that cannot hold snapshots (a registered .vmdk on QEMU) are converted first, and the VM records its new disks.
        const converted = driver.prepareDisksForSnapshots ? await driver.prepareDisksForSnapshots(dvm, { signal: t.signal, progress: t.progress }) : null;
        if (converted) {
          const now = (await this.ctx.store.vms.get(vm.id))!;
          const hardware = { ...now.hardware, disks: converted };
          await rewriteVmx({ ctx: this.ctx, rt: this.rt }, now, { hardware });
          const updated = await this.rt.update(now, { hardware });
          const changed = now.hardware.disks.flatMap((d, i) => (converted[i] && d.fileName !== converted[i].fileName ? [`${d.fileName} → ${converted[i].fileName}`] : []));
          await this.events.record(vm.id, 'vm.disksConverted', `disks converted to qcow2 for snapshots (the originals stay): ${changed.join(', ')}`, { caller, taskId: t.taskId });
          dvm = this.rt.driverVm(updated, await this.rt.datastoreOf(updated));
        }
        await driver.createSnapshot!(dvm, { id: snap.id, includeMemory }, running, { signal: t.signal, progress: t.progress });
        await this.ctx.store.snapshots.insert(snap);
        await this.rt.update((await this.ctx.store.vms.get(vm.id))!, { currentSnapshotId: snap.id });
        await this.events.record(vm.id, 'vm.snapshot.created', `snapshot '${snap.name}' (${snap.id}) taken${includeMemory ? ' with memory' : ''}`, { caller, taskId: t.taskId });
        return snap.id;
      });
    } catch (e) {
      release();
      throw e;
    }
  }

  async revert(caller: Caller, ref: string, snapshotRef?: string): Promise<Task> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.Snapshot');
    const release = this.ctx.locks.acquire(vm.id, 'revert to snapshot');
    try {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      const target = snapshotRef ? await this.find(cur, snapshotRef) : cur.currentSnapshotId ? await this.find(cur, cur.currentSnapshotId) : null;
      if (!target) throw notFound(`${vm.id} (${vm.name}) has no current snapshot to revert to`, { module: 'core.snapshot', reason: 'snapshot_not_found' });
      const driver = this.rt.driverFor(cur);
      if (!driver.revertSnapshot) throw unsupported(`the ${driver.kind} driver has no snapshots`, { module: 'core.snapshot' });
      return await this.tasks.start({ kind: 'vm.snapshot.revert', targetId: vm.id, targetName: vm.name, caller, cancellable: false, release, lockedVmId: vm.id, step: `Reverting to '${target.name}'` }, async (t) => {
        const { dvm: base } = await this.rt.resolveDriverVm(cur);
        const dvm = target.includeMemory ? await this.startView(cur, base) : base;
        const state = await driver.revertSnapshot!(dvm, { id: target.id, includeMemory: target.includeMemory }, { signal: t.signal, progress: t.progress });
        const rt = await driver.getRuntime(dvm).catch(() => ({ powerState: state, toolsState: 'unknown' as const }));
        const now = (await this.ctx.store.vms.get(vm.id))!;
        await this.rt.update(now, { currentSnapshotId: target.id, powerState: state, toolsState: rt.toolsState });
        await this.events.record(vm.id, 'vm.snapshot.reverted', `reverted to snapshot '${target.name}' (${target.id}); now ${describePowerState(state)}`, { caller, taskId: t.taskId });
        return { powerState: state };
      });
    } catch (e) {
      release();
      throw e;
    }
  }

  async remove(caller: Caller, ref: string, snapshotRef: string, opts: { removeChildren?: boolean } = {}): Promise<Task> {
    const vm = await this.vms.resolve(caller, ref, 'VirtualMachine.Snapshot');
    const release = this.ctx.locks.acquire(vm.id, 'remove snapshot');
    try {
      const cur = (await this.ctx.store.vms.get(vm.id))!;
      const target = await this.find(cur, snapshotRef);
      const driver = this.rt.driverFor(cur);
      if (!driver.removeSnapshot) throw unsupported(`the ${driver.kind} driver has no snapshots`, { module: 'core.snapshot' });
      return await this.tasks.start({ kind: 'vm.snapshot.remove', targetId: vm.id, targetName: vm.name, caller, cancellable: false, release, lockedVmId: vm.id, step: `Removing snapshot '${target.name}'` }, async (t) => {
        const all = await this.ctx.store.snapshots.listForVm(vm.id);
        const doomed: Snapshot[] = [target];
        if (opts.removeChildren) {
          for (let i = 0; i < doomed.length; i++) doomed.push(...all.filter((s) => s.parentId === doomed[i]!.id));
        }
        const { dvm } = await this.rt.resolveDriverVm(cur);
        const running = isRunningState(cur.powerState);
        for (const [i, s] of doomed.reverse().entries()) {
          t.progress((i / doomed.length) * 100, `Removing '${s.name}'`);
          await driver.removeSnapshot!(dvm, { id: s.id, includeMemory: s.includeMemory }, running);
        }
        const gone = new Set(doomed.map((s) => s.id));
        await this.ctx.store.transaction(async (tx) => {
          for (const s of all) if (!gone.has(s.id) && s.parentId && gone.has(s.parentId)) await tx.snapshots.update(s.id, { parentId: target.parentId });
          for (const id of gone) await tx.snapshots.delete(id);
        });
        const now = (await this.ctx.store.vms.get(vm.id))!;
        if (now.currentSnapshotId && gone.has(now.currentSnapshotId)) await this.rt.update(now, { currentSnapshotId: target.parentId });
        await this.events.record(vm.id, 'vm.snapshot.removed', `snapshot '${target.name}' removed${opts.removeChildren ? ' with its children' : ''}`, { caller, taskId: t.taskId });
        return { removed: [...gone] };
      });
    } catch (e) {
      release();
      throw e;
    }
  }
}

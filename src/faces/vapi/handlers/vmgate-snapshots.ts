import type { Snapshot } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { VapiCall } from '../call.ts';
import type { VmgateSnapshotSummary } from '../../../protocols/vapi/types/index.ts';
import { VmgateSnapshotsService } from '../../../protocols/vapi/types/index.ts';
import { vapiPowerState } from './mappings.ts';

/** A core snapshot with its children and whether it is the VM's current one. */
function snapshotInfo(s: Snapshot, all: readonly Snapshot[], currentId: string | null): VmgateSnapshotSummary {
  return {
    snapshot: s.id,
    name: s.name,
    description: s.description,
    ...(s.parentId === null ? {} : { parent: s.parentId }),
    children: all.filter((c) => c.parentId === s.id).map((c) => c.id),
    include_memory: s.includeMemory,
    power_state: vapiPowerState(s.powerState),
    created: s.createdAt,
    current: s.id === currentId,
  };
}

async function tree(call: VapiCall, vm: string): Promise<{ all: Snapshot[]; currentId: string | null }> {
  const all = await call.core.snapshots.list(call.caller, vm);
  const v = await call.core.vms.get(call.caller, vm);
  return { all, currentId: v.currentSnapshotId };
}

/**
 * com.vmgate.vm.snapshots → core.snapshots. Take, revert and delete are core tasks: the
 * plain operations wait for them (and answer the task's error), `$task` returns its id.
 */
export const vmgateSnapshotsHandlers = implement(VmgateSnapshotsService, {
  async list(call, { vm }) {
    const { all, currentId } = await tree(call, vm);
    return all.map((s) => snapshotInfo(s, all, currentId));
  },
  async get(call, { vm, snapshot }) {
    const s = await call.core.snapshots.get(call.caller, vm, snapshot);
    const { all, currentId } = await tree(call, vm);
    return snapshotInfo(s, all, currentId);
  },
  async create(call, { vm, spec }) {
    const task = await call.core.snapshots.create(call.caller, vm, createSpec(spec));
    return call.core.tasks.result<string>(call.caller, task);
  },
  async 'create$task'(call, { vm, spec }) {
    return (await call.core.snapshots.create(call.caller, vm, createSpec(spec))).id;
  },
  async revert(call, { vm, snapshot }) {
    await call.core.tasks.result(call.caller, await call.core.snapshots.revert(call.caller, vm, snapshot));
    return undefined;
  },
  async 'revert$task'(call, { vm, snapshot }) {
    return (await call.core.snapshots.revert(call.caller, vm, snapshot)).id;
  },
  async delete(call, { vm, snapshot, remove_children }) {
    await call.core.tasks.result(call.caller, await call.core.snapshots.remove(call.caller, vm, snapshot, { removeChildren: remove_children === true }));
    return undefined;
  },
  async 'delete$task'(call, { vm, snapshot, remove_children }) {
    return (await call.core.snapshots.remove(call.caller, vm, snapshot, { removeChildren: remove_children === true })).id;
  },
});

function createSpec(spec: { readonly name: string; readonly description?: string; readonly memory?: boolean }): { name: string; description?: string; includeMemory?: boolean } {
  return {
    name: spec.name,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.memory === undefined ? {} : { includeMemory: spec.memory }),
  };
}

/**
 * com.vmgate.vm.snapshots: a VM's snapshot tree — list, get, take, revert, delete. A vmgate
 * addition (vSphere 7.0.3's Automation API has no snapshots); REST under
 * `/api/vmgate/vm/{vm}/snapshots`. Taking, reverting and deleting are tasks in core: the
 * plain operations wait for them, the `$task` variants (REST `vmw-task=true`) return the
 * task id at once (see com.vmware.cis.tasks).
 *
 * Structures:
 * - `com.vmgate.vm.snapshots.summary` (list) and `com.vmgate.vm.snapshots.info` (get), the
 *   same fields: `snapshot` id, `name`, `description`, `parent` (absent for a root),
 *   `children` (ids of the direct children, oldest first), `include_memory` (reverting
 *   resumes a running VM), `power_state` of the VM when it was taken (POWERED_ON /
 *   POWERED_OFF / SUSPENDED), `created`, `current` (the VM's current snapshot: the parent
 *   of the next one).
 * - `com.vmgate.vm.snapshots.create_spec`: `name` (1–80 characters, no '/'),
 *   `description?`, `memory?` (save the memory of a running VM too; default false).
 *
 * A snapshot is addressed by its id (`snapshot-<n>`) or by its name ('a/b' walks the tree
 * by names); a name used twice answers invalid_argument.
 */
import type { Infer } from './vapi-type.ts';
import { boolean, dateTime, id, list, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';
import { VmPowerState } from './power.ts';

const SNAPSHOT_FIELDS = {
  snapshot: id('com.vmgate.vm.snapshot'),
  name: string(),
  description: string(),
  parent: optional(id('com.vmgate.vm.snapshot')),
  children: list(id('com.vmgate.vm.snapshot')),
  include_memory: boolean(),
  power_state: VmPowerState,
  created: dateTime(),
  current: boolean(),
} as const;

export const VmgateSnapshotSummary = struct('com.vmgate.vm.snapshots.summary', SNAPSHOT_FIELDS);
export type VmgateSnapshotSummary = Infer<typeof VmgateSnapshotSummary>;

export const VmgateSnapshotInfo = struct('com.vmgate.vm.snapshots.info', SNAPSHOT_FIELDS);
export type VmgateSnapshotInfo = Infer<typeof VmgateSnapshotInfo>;

export const VmgateSnapshotCreateSpec = struct('com.vmgate.vm.snapshots.create_spec', {
  name: string(),
  description: optional(string()),
  memory: optional(boolean()),
});
export type VmgateSnapshotCreateSpec = Infer<typeof VmgateSnapshotCreateSpec>;

const READ_ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];
const CHANGE_ERRORS: readonly StdErrorKind[] = [
  'already_exists', 'error', 'invalid_argument', 'not_allowed_in_current_state', 'not_found', 'resource_busy',
  'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
];

const SNAPSHOT = id('com.vmgate.vm.snapshot');
const VM = id('VirtualMachine');
const TASK = id('com.vmware.cis.TASK');

export const VmgateSnapshotsService = service('com.vmgate.vm.snapshots', {
  list: operation({
    input: { vm: VM },
    output: list(VmgateSnapshotSummary),
    errors: READ_ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/vm/{vm}/snapshots', status: 200 },
  }),
  get: operation({
    input: { vm: VM, snapshot: SNAPSHOT },
    output: VmgateSnapshotInfo,
    errors: READ_ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/vm/{vm}/snapshots/{snapshot}', status: 200 },
  }),
  create: operation({
    input: { vm: VM, spec: VmgateSnapshotCreateSpec },
    output: SNAPSHOT,
    errors: CHANGE_ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/snapshots', status: 201, body: 'spec' },
  }),
  'create$task': operation({
    input: { vm: VM, spec: VmgateSnapshotCreateSpec },
    output: TASK,
    errors: CHANGE_ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/snapshots?vmw-task=true', status: 202, body: 'spec' },
  }),
  revert: operation({
    input: { vm: VM, snapshot: SNAPSHOT },
    output: voidT(),
    errors: CHANGE_ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/snapshots/{snapshot}?action=revert', status: 204 },
  }),
  'revert$task': operation({
    input: { vm: VM, snapshot: SNAPSHOT },
    output: TASK,
    errors: CHANGE_ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/vm/{vm}/snapshots/{snapshot}?action=revert&vmw-task=true', status: 202 },
  }),
  delete: operation({
    input: { vm: VM, snapshot: SNAPSHOT, remove_children: optional(boolean()) },
    output: voidT(),
    errors: CHANGE_ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/vm/{vm}/snapshots/{snapshot}', status: 204, query: ['remove_children'] },
  }),
  'delete$task': operation({
    input: { vm: VM, snapshot: SNAPSHOT, remove_children: optional(boolean()) },
    output: TASK,
    errors: CHANGE_ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/vm/{vm}/snapshots/{snapshot}?vmw-task=true', status: 202, query: ['remove_children'] },
  }),
});

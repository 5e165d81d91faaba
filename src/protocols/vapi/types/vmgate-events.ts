/**
 * com.vmgate.events: the append-only event log — what happened to an object (power
 * changes, snapshots, logins locked out, failed tasks, …), newest first. A vmgate addition;
 * REST `GET /api/vmgate/events`. Needs System.View on the object (on the root without one).
 *
 * Structures:
 * - `com.vmgate.events.info`: `id` (increasing), `time`, `object` (`vm-12`, `host-3`,
 *   `user-2`, `pool-1`, `root`, …), `type` (`vm.poweredOn`, `vm.snapshot.created`,
 *   `task.failed`, …), `severity` (INFO / WARNING / ERROR), `message`, `user?` (who caused
 *   it), `task?` (the task it belongs to).
 *
 * list takes `object?` (one object's events; default all), `limit?` (1–10000, default 100)
 * and `before?` (only events with a smaller id: the next page).
 */
import type { Infer } from './vapi-type.ts';
import { dateTime, enumT, id, list, long, optional, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';

export const VmgateEventSeverity = enumT('com.vmgate.events.severity', ['INFO', 'WARNING', 'ERROR']);
export type VmgateEventSeverity = Infer<typeof VmgateEventSeverity>;

export const VmgateEventInfo = struct('com.vmgate.events.info', {
  id: long(),
  time: dateTime(),
  object: id(),
  type: string(),
  severity: VmgateEventSeverity,
  message: string(),
  user: optional(string()),
  task: optional(id('com.vmware.cis.task')),
});
export type VmgateEventInfo = Infer<typeof VmgateEventInfo>;

export const VmgateEventsService = service('com.vmgate.events', {
  list: operation({
    input: { object: optional(id()), limit: optional(long()), before: optional(long()) },
    output: list(VmgateEventInfo),
    errors: ['error', 'invalid_argument', 'service_unavailable', 'unauthenticated', 'unauthorized'],
    rest: { method: 'GET', path: '/api/vmgate/events', status: 200, query: ['object', 'limit', 'before'] },
  }),
});

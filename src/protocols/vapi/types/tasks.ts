/**
 * com.vmware.cis.tasks: the task records every long operation leaves (`clone$task`, `vmw-task=true`).
 *
 * Structure and field names as the official bindings use them; fields and enum values as
 * in the vSphere 7.0.3 API (checked against the REST specs by test/protocols/vapi/codec).
 */
import type { Infer } from './vapi-type.ts';
import { anyError, boolean, dateTime, enumT, id, list, long, map, opaque, optional, set, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import { DynamicID, LocalizableMessage } from './std.ts';

export const TasksGetSpec = struct('com.vmware.cis.tasks.get_spec', {
  return_all: optional(boolean()),
  exclude_result: optional(boolean()),
});
export type TasksGetSpec = Infer<typeof TasksGetSpec>;

export const TaskProgress = struct('com.vmware.cis.task.progress', {
  total: long(),
  completed: long(),
  message: LocalizableMessage,
});
export type TaskProgress = Infer<typeof TaskProgress>;

export const TaskStatus = enumT('com.vmware.cis.task.status', [
  'PENDING', 'RUNNING', 'BLOCKED', 'SUCCEEDED', 'FAILED',
]);
export type TaskStatus = Infer<typeof TaskStatus>;

export const TaskInfo = struct('com.vmware.cis.task.info', {
  progress: optional(TaskProgress),
  result: optional(opaque()),
  description: LocalizableMessage,
  service: id('com.vmware.vapi.service'),
  operation: id('com.vmware.vapi.operation'),
  parent: optional(id()),
  target: optional(DynamicID),
  status: TaskStatus,
  cancelable: boolean(),
  error: optional(anyError()),
  start_time: optional(dateTime()),
  end_time: optional(dateTime()),
  user: optional(string()),
});
export type TaskInfo = Infer<typeof TaskInfo>;

export const TasksFilterSpec = struct('com.vmware.cis.tasks.filter_spec', {
  tasks: optional(set(id())),
  services: optional(set(id())),
  operations: optional(set(id())),
  status: optional(set(TaskStatus)),
  targets: optional(list(DynamicID)),
  users: optional(set(string())),
});
export type TasksFilterSpec = Infer<typeof TasksFilterSpec>;

export const TasksService = service('com.vmware.cis.tasks', {
  get: operation({
    input: { task: id('com.vmware.cis.task'), spec: optional(TasksGetSpec) },
    output: TaskInfo,
    errors: [
      'error', 'not_found', 'resource_inaccessible', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'GET', path: '/api/cis/tasks/{task}', status: 200, query: ['spec'] },
  }),
  list: operation({
    input: { filter_spec: optional(TasksFilterSpec), result_spec: optional(TasksGetSpec) },
    output: map(id(), TaskInfo),
    errors: [
      'invalid_argument', 'resource_inaccessible', 'service_unavailable', 'unauthenticated',
      'unauthorized',
    ],
    rest: { method: 'POST', path: '/api/cis/tasks?action=list', status: 200, body: 'fields' },
  }),
  cancel: operation({
    input: { task: id('com.vmware.cis.task') },
    output: voidT(),
    errors: [
      'error', 'not_allowed_in_current_state', 'not_found', 'resource_inaccessible',
      'service_unavailable', 'unauthenticated', 'unauthorized', 'unsupported',
    ],
    rest: { method: 'POST', path: '/api/cis/tasks/{task}?action=cancel', status: 204 },
  }),
});

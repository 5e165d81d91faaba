import type { Task } from '../../../core/model/index.ts';
import { implement } from '../call.ts';
import type { TaskInfo, TaskStatus } from '../../../protocols/vapi/types/index.ts';
import { TasksService, stdErrorTypeOf } from '../../../protocols/vapi/types/index.ts';
import { message, taskDescription, taskOperation, taskStdError } from './mappings.ts';

const STATUS: Readonly<Record<Task['state'], TaskStatus>> = {
  queued: 'PENDING',
  running: 'RUNNING',
  success: 'SUCCEEDED',
  error: 'FAILED',
  cancelled: 'FAILED',
};

/** A core task as com.vmware.cis.task.info. */
export function taskInfo(t: Task, opts: { excludeResult?: boolean } = {}): TaskInfo {
  const { service, operation } = taskOperation(t.kind);
  const err = taskStdError(t);
  const resultValue = t.result === null || t.result === undefined || opts.excludeResult ? undefined : typeof t.result === 'string' ? t.result : JSON.stringify(t.result);
  return {
    progress: { total: 100, completed: t.progress, message: message(`vmgate.task.step`, t.step) },
    ...(resultValue === undefined ? {} : { result: resultValue }),
    description: message(`vmgate.task.${t.kind}`, taskDescription(t)),
    service,
    operation,
    ...(t.targetId ? { target: { type: targetType(t.targetId), id: t.targetId } } : {}),
    status: STATUS[t.state],
    cancelable: t.cancellable && t.state === 'running',
    ...(err ? { error: { error_type: stdErrorTypeOf(err.kind), messages: err.messages } } : {}),
    ...(t.startedAt ? { start_time: t.startedAt } : {}),
    ...(t.finishedAt ? { end_time: t.finishedAt } : {}),
    ...(t.ownerName ? { user: t.ownerName } : {}),
  } as TaskInfo;
}

function targetType(id: string): string {
  if (id.startsWith('vm-')) return 'VirtualMachine';
  if (id.startsWith('host-')) return 'HostSystem';
  if (id.startsWith('domain-c')) return 'ClusterComputeResource';
  if (id.startsWith('datacenter-')) return 'Datacenter';
  return 'ManagedObject';
}

/** com.vmware.cis.tasks: the same task records every face shows. */
export const tasksHandlers = implement(TasksService, {
  async get(call, { task, spec }) {
    return taskInfo(await call.core.tasks.get(call.caller, task), { excludeResult: spec?.exclude_result === true });
  },
  async list(call, { filter_spec, result_spec }) {
    const f = filter_spec ?? {};
    let rows = await call.core.tasks.list(call.caller, { ...(f.tasks ? { ids: [...f.tasks] } : {}), ...(f.targets ? { targetIds: f.targets.map((t) => t.id) } : {}), limit: 1000 });
    if (f.status) rows = rows.filter((t) => f.status!.includes(STATUS[t.state]));
    if (f.services) rows = rows.filter((t) => f.services!.includes(taskOperation(t.kind).service));
    if (f.operations) rows = rows.filter((t) => f.operations!.includes(taskOperation(t.kind).operation));
    if (f.users) rows = rows.filter((t) => t.ownerName && f.users!.includes(t.ownerName));
    return Object.fromEntries(rows.map((t) => [t.id, taskInfo(t, { excludeResult: result_spec?.exclude_result === true })]));
  },
  async cancel(call, { task }) {
    await call.core.tasks.cancel(call.caller, task);
    return undefined;
  },
});

import type { InventoryEvent } from '../../../core/model/index.ts';
import { invalidArgument } from '../../../core/errors.ts';
import { implement } from '../call.ts';
import type { VmgateEventInfo, VmgateEventSeverity } from '../../../protocols/vapi/types/index.ts';
import { VmgateEventsService } from '../../../protocols/vapi/types/index.ts';

const SEVERITY: Readonly<Record<InventoryEvent['severity'], VmgateEventSeverity>> = { info: 'INFO', warning: 'WARNING', error: 'ERROR' };

/** A core event as com.vmgate.events.info (one item of GET /api/vmgate/events). */
export function eventInfo(e: InventoryEvent): VmgateEventInfo {
  return {
    id: e.id,
    time: e.time,
    object: e.objectId,
    type: e.type,
    severity: SEVERITY[e.severity],
    message: e.message,
    ...(e.userName === null ? {} : { user: e.userName }),
    ...(e.taskId === null ? {} : { task: e.taskId }),
  };
}

/** com.vmgate.events → core.events. */
export const vmgateEventsHandlers = implement(VmgateEventsService, {
  async list(call, { object, limit, before }) {
    if (limit !== undefined && (limit < 1 || limit > 10_000)) throw invalidArgument(`limit must be 1–10000, not ${limit}`, { module: 'face.vapi' });
    if (before !== undefined && before < 1) throw invalidArgument(`before must be an event id (1 or more), not ${before}`, { module: 'face.vapi' });
    return (await call.core.events.list(call.caller, object, limit ?? 100, before)).map(eventInfo);
  },
});

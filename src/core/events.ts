import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventSeverity, InventoryEvent } from './model/index.ts';

/** The append-only event log per object. */
export class EventLog {
  constructor(private readonly ctx: CoreContext, private readonly authz: Authorizer) {}

  async record(objectId: string, type: string, message: string, opts: { severity?: EventSeverity; caller?: Caller | null; taskId?: string | null } = {}): Promise<InventoryEvent> {
    const ev = await this.ctx.store.events.append({
      objectId,
      type,
      message,
      severity: opts.severity ?? 'info',
      userName: opts.caller && opts.caller.kind === 'user' ? opts.caller.userName : null,
      taskId: opts.taskId ?? null,
      time: this.ctx.clock.now().toISOString(),
    });
    this.ctx.bus.emit('event.appended', ev);
    return ev;
  }

  /** The last `limit` events of an object, newest first. */
  async list(caller: Caller, objectId: string | undefined, limit = 100, beforeId?: number): Promise<InventoryEvent[]> {
    await this.authz.require(caller, 'System.View', objectId ?? 'root');
    return this.ctx.store.events.list({ ...(objectId ? { objectId } : {}), limit: Math.min(Math.max(1, limit), 10_000), ...(beforeId ? { beforeId } : {}) });
  }
}

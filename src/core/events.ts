import type { Caller } from './caller.ts';
import type { CoreContext } from './context.ts';
import type { Authorizer } from './authorizer.ts';
import type { EventSeverity, InventoryEvent } from './model/index.ts';
import type { Store } from './ports/store.ts';

export interface EventOptions {
  readonly severity?: EventSeverity;
  readonly caller?: Caller | null;
  readonly taskId?: string | null;
}

/** The append-only event log per object. */
export class EventLog {
  constructor(private readonly ctx: CoreContext, private readonly authz: Authorizer) {}

  async record(objectId: string, type: string, message: string, opts: EventOptions = {}): Promise<InventoryEvent> {
    const ev = await this.append(this.ctx.store, objectId, type, message, opts);
    this.ctx.bus.emit('event.appended', ev);
    return ev;
  }

  /** Records the event inside a transaction (`tx`): the caller emits `event.appended` once it has committed. */
  append(tx: Store, objectId: string, type: string, message: string, opts: EventOptions = {}): Promise<InventoryEvent> {
    return tx.events.append({
      objectId,
      type,
      message,
      severity: opts.severity ?? 'info',
      userName: opts.caller && opts.caller.kind === 'user' ? opts.caller.userName : null,
      taskId: opts.taskId ?? null,
      time: this.ctx.clock.now().toISOString(),
    });
  }

  /** The last `limit` events of an object, newest first. */
  async list(caller: Caller, objectId: string | undefined, limit = 100, beforeId?: number): Promise<InventoryEvent[]> {
    await this.authz.require(caller, 'System.View', objectId ?? 'root');
    return this.ctx.store.events.list({ ...(objectId ? { objectId } : {}), limit: Math.min(Math.max(1, limit), 10_000), ...(beforeId ? { beforeId } : {}) });
  }
}

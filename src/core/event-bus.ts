import { EventEmitter } from 'node:events';
import type { Logger } from './context.ts';
import type { InventoryEvent, Session, Task, Vm } from './model/index.ts';

/**
 * Domain events core emits after it has recorded a change (after the commit: a change
 * rolled back is never emitted). The seam for live views: core's LiveService
 * (src/core/live.ts) filters them per caller for the web UI's event stream.
 */
export interface DomainEvents {
  'vm.changed': [vm: Vm, previous: Vm | null];
  'vm.removed': [vm: Vm];
  'task.changed': [task: Task];
  'session.ended': [session: Session, why: 'logout' | 'expired' | 'revoked' | 'evicted'];
  'event.appended': [event: InventoryEvent];
}

export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor(private readonly log: Logger) {
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof DomainEvents>(name: K, listener: (...args: DomainEvents[K]) => void): () => void {
    const l = listener as (...args: unknown[]) => void;
    this.emitter.on(name, l);
    return () => this.emitter.off(name, l);
  }

  /** Listeners on every event, in all: a subscriber that is gone must leave none behind. */
  listenerCount(): number {
    let n = 0;
    for (const name of this.emitter.eventNames()) n += this.emitter.listenerCount(name);
    return n;
  }

  emit<K extends keyof DomainEvents>(name: K, ...args: DomainEvents[K]): void {
    // A listener's failure must never break the operation that emitted: it is logged.
    for (const l of this.emitter.listeners(name)) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (e) {
        this.log.error({ err: e, event: name }, 'a listener of a domain event failed');
      }
    }
  }
}

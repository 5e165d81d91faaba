import { EventEmitter } from 'node:events';
import type { Logger } from './context.ts';
import type { InventoryEvent, Session, Task, Vm } from './model/index.ts';

/**
 * Domain events core emits after it has recorded a change (after the commit: a change
 * rolled back is never emitted). Nothing subscribes yet: this is the seam for faces'
 * live views — RDV JobUpdated and VIX job callbacks (`task.changed`), the web UI.
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

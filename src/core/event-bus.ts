import { EventEmitter } from 'node:events';
import type { InventoryEvent, Session, Task, Vm } from './model/index.ts';

/**
 * Domain events core emits after it has recorded a change. Faces subscribe (RDV
 * JobUpdated callbacks, VIX job callbacks, vAPI task status, the web UI's live view).
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

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof DomainEvents>(name: K, listener: (...args: DomainEvents[K]) => void): () => void {
    const l = listener as (...args: unknown[]) => void;
    this.emitter.on(name, l);
    return () => this.emitter.off(name, l);
  }

  emit<K extends keyof DomainEvents>(name: K, ...args: DomainEvents[K]): void {
    // A listener's failure must never break the operation that emitted.
    for (const l of this.emitter.listeners(name)) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch {
        /* listeners report their own errors */
      }
    }
  }
}

export type EventSeverity = 'info' | 'warning' | 'error';

/** One line of an object's append-only history (VM_GetLastNEvents, the UI's history). */
export interface InventoryEvent {
  readonly id: number; // increasing
  readonly time: string;
  /** 'vm-12', 'host-3', 'user-2', 'pool-1', 'root', … */
  readonly objectId: string;
  /** 'vm.poweredOn', 'vm.created', 'task.failed', 'user.lockedOut', … */
  readonly type: string;
  readonly severity: EventSeverity;
  readonly message: string;
  readonly userName: string | null;
  readonly taskId: string | null;
}

export type NewInventoryEvent = Omit<InventoryEvent, 'id' | 'time'> & { readonly time?: string };

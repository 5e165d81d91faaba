import type { ErrorKind, ErrorReason } from '../errors.ts';

export const TASK_STATES = ['queued', 'running', 'success', 'error', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface TaskError {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly reason?: ErrorReason;
}

export interface Task {
  readonly id: string; // GUID
  /** What it does: 'vm.powerOn', 'vm.snapshot.create', 'guest.run', 'vm.relocate', … */
  readonly kind: string;
  /** Object it works on: 'vm-12', 'host-3', … (null for global work). */
  readonly targetId: string | null;
  readonly targetName: string | null;
  readonly state: TaskState;
  readonly progress: number; // 0–100
  readonly step: string;
  readonly cancellable: boolean;
  /** JSON-serialisable result on success. */
  readonly result: unknown;
  readonly error: TaskError | null;
  readonly ownerId: string | null;
  readonly ownerName: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface TaskFilter {
  readonly ids?: readonly string[];
  readonly states?: readonly TaskState[];
  readonly targetIds?: readonly string[];
  readonly ownerIds?: readonly string[];
  readonly kinds?: readonly string[];
  readonly limit?: number;
}

import type { ErrorKind, ErrorReason } from '../errors.ts';

export const TASK_STATES = ['queued', 'running', 'success', 'error', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/**
 * Every kind of task core runs, with what it does in words: the one table every face
 * maps from (a face's `Record<TaskKind, …>` is checked for coverage by the compiler).
 */
export const TASK_KINDS = {
  'vm.powerOn': { description: 'Power on a virtual machine' },
  'vm.resume': { description: 'Resume a suspended virtual machine' },
  'vm.powerOff': { description: 'Power off a virtual machine' },
  'vm.shutdownGuest': { description: 'Shut down the guest of a virtual machine' },
  'vm.reset': { description: 'Reset a virtual machine' },
  'vm.rebootGuest': { description: 'Reboot the guest of a virtual machine' },
  'vm.suspend': { description: 'Suspend a virtual machine' },
  'vm.standbyGuest': { description: 'Put the guest of a virtual machine in standby' },
  'vm.pause': { description: 'Pause a virtual machine' },
  'vm.unpause': { description: 'Unpause a virtual machine' },
  'vm.waitForTools': { description: 'Wait for tools in a virtual machine' },
  'vm.clone': { description: 'Clone a virtual machine' },
  'vm.relocate': { description: 'Move a virtual machine' },
  'vm.upgrade': { description: 'Upgrade the virtual hardware of a virtual machine' },
  'vm.snapshot.create': { description: 'Take a snapshot of a virtual machine' },
  'vm.snapshot.revert': { description: 'Revert a virtual machine to a snapshot' },
  'vm.snapshot.remove': { description: 'Remove a snapshot of a virtual machine' },
  'guest.run': { description: 'Run a program in a guest' },
  'datastore.fileCopy': { description: 'Copy a file on the datastores' },
  'vm.brokerStart': { description: 'Start a virtual machine, placing it on a host first if it must' },
  'vm.brokerPlace': { description: 'Place a virtual machine from the library on a host' },
} as const satisfies Readonly<Record<string, { readonly description: string }>>;

export type TaskKind = keyof typeof TASK_KINDS;

export function isTaskKind(s: string): s is TaskKind {
  return Object.hasOwn(TASK_KINDS, s);
}

export interface TaskError {
  readonly kind: ErrorKind;
  readonly message: string;
  readonly reason?: ErrorReason;
}

export interface Task {
  readonly id: string; // GUID
  /** What it does: 'vm.powerOn', 'vm.snapshot.create', 'guest.run', 'vm.relocate', … (TASK_KINDS). */
  readonly kind: TaskKind;
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
  readonly kinds?: readonly TaskKind[];
  readonly limit?: number;
}

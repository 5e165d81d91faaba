import type { PowerState } from './vm.ts';

export interface Snapshot {
  readonly id: string; // snapshot-<n>
  readonly vmId: string;
  readonly parentId: string | null;
  readonly name: string;
  readonly description: string;
  /** Memory was saved with it: reverting returns to a running VM. */
  readonly includeMemory: boolean;
  /** VM power state when the snapshot was taken. */
  readonly powerState: PowerState;
  readonly createdAt: string;
}

import { resourceBusy } from './errors.ts';

/**
 * One operation at a time per VM (libvirt's per-domain job). Acquire is synchronous so
 * that two requests racing for the same VM get a deterministic resource_busy.
 * Single-process for now; with several control-plane replicas this moves to the store.
 */
export class VmLocks {
  private readonly held = new Map<string, { readonly what: string; taskId: string | null }>();
  /** Counts releases; `released` keeps the count at each VM's last release. */
  private releases = 0;
  private readonly released = new Map<string, number>();

  acquire(vmId: string, what: string, taskId: string | null = null): () => void {
    const cur = this.held.get(vmId);
    if (cur) {
      throw resourceBusy(`${vmId} is busy: ${cur.what}${cur.taskId ? ` (task ${cur.taskId})` : ''} is in progress`, {
        module: 'core.locks',
        details: { vmId, holder: cur },
      });
    }
    const entry = { what, taskId };
    this.held.set(vmId, entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.held.get(vmId) === entry) this.held.delete(vmId);
      this.released.set(vmId, ++this.releases);
    };
  }

  /** A mark to pass to releasedSince, taken before reading a VM that is then locked. */
  mark(): number {
    return this.releases;
  }

  /**
   * Whether an operation on the VM ended (released its lock) after `mark`: a record read
   * after the mark and locked now may then be stale and must be read again. Operations
   * write before they release, so without a release since the mark the record is current.
   */
  releasedSince(vmId: string, mark: number): boolean {
    return (this.released.get(vmId) ?? 0) > mark;
  }

  /** Attach the task id once the task exists (for the busy message). */
  setTask(vmId: string, taskId: string): void {
    const cur = this.held.get(vmId);
    if (cur) cur.taskId = taskId;
  }

  isHeld(vmId: string): boolean {
    return this.held.has(vmId);
  }

  holder(vmId: string): string | null {
    return this.held.get(vmId)?.what ?? null;
  }
}

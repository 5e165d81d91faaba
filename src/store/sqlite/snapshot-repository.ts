import type { Snapshot } from '../../core/model/index.ts';
import type { SnapshotRepository } from '../../core/ports/store.ts';
import { TableRepository } from './table-repository.ts';
import type { SqlContext } from './sql-context.ts';
import { SNAPSHOTS } from './tables.ts';

export class SqliteSnapshotRepository extends TableRepository<Snapshot> implements SnapshotRepository {
  constructor(ctx: SqlContext) {
    super(ctx, SNAPSHOTS);
  }

  /** In id order, which is creation order: parents before children. */
  listForVm(vmId: string): Promise<Snapshot[]> {
    return this.listWhere('vm_id', vmId);
  }

  deleteForVm(vmId: string): Promise<number> {
    return this.deleteWhere('vm_id', vmId);
  }
}

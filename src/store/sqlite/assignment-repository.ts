import type { DesktopAssignment } from '../../core/model/index.ts';
import type { AssignmentRepository } from '../../core/ports/store.ts';
import type { SqlContext } from './sql-context.ts';
import { constraintError } from './sqlite-errors.ts';
import { ASSIGNMENTS } from './tables.ts';
import { fromRow, toRow } from './table-spec.ts';

/** Keyed by (poolId, userId) rather than an id, so not a TableRepository. */
export class SqliteAssignmentRepository implements AssignmentRepository {
  constructor(private readonly ctx: SqlContext) {}

  async get(poolId: string, userId: string): Promise<DesktopAssignment | undefined> {
    const row = await this.ctx.db
      .selectFrom('assignments')
      .selectAll()
      .where('pool_id', '=', poolId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(ASSIGNMENTS, row);
  }

  async listForPool(poolId: string): Promise<DesktopAssignment[]> {
    let q = this.ctx.db.selectFrom('assignments').selectAll().where('pool_id', '=', poolId);
    for (const [column, direction] of ASSIGNMENTS.order) q = q.orderBy(column, direction);
    return (await q.execute()).map((r) => fromRow(ASSIGNMENTS, r));
  }

  async insert(row: DesktopAssignment): Promise<void> {
    try {
      await this.ctx.db.insertInto('assignments').values(toRow(ASSIGNMENTS, row)).execute();
    } catch (e) {
      throw constraintError(e, ASSIGNMENTS, row);
    }
  }

  async delete(poolId: string, userId: string): Promise<boolean> {
    const r = await this.ctx.db
      .deleteFrom('assignments')
      .where('pool_id', '=', poolId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

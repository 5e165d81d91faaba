import { expressionBuilder } from 'kysely';
import type { Expression, SqlBool } from 'kysely';
import type { Task, TaskFilter } from '../../core/model/index.ts';
import { invalidArgument } from '../../core/errors.ts';
import type { TaskRepository } from '../../core/ports/store.ts';
import type { AnyDatabase, SqlContext } from './sql-context.ts';
import { TableRepository } from './table-repository.ts';
import { epochMs } from './table-spec.ts';
import { TASKS } from './tables.ts';

const UNFINISHED = ['queued', 'running'] as const;
const FINISHED = ['success', 'error', 'cancelled'] as const;

/** AND of the fields, OR inside one; null when a field is an empty list (matches nothing). */
function taskConditions(f: TaskFilter): Expression<SqlBool> | null {
  const eb = expressionBuilder<AnyDatabase, 'tasks'>();
  const out: Expression<SqlBool>[] = [];
  for (const [column, values] of [
    ['id', f.ids],
    ['state', f.states],
    ['target_id', f.targetIds],
    ['owner_id', f.ownerIds],
    ['kind', f.kinds],
  ] as const) {
    if (values === undefined) continue;
    if (values.length === 0) return null;
    out.push(eb(column, 'in', values));
  }
  return eb.and(out);
}

/** Tasks list newest first (created_at, then id, both descending). */
export class SqliteTaskRepository extends TableRepository<Task> implements TaskRepository {
  constructor(ctx: SqlContext) {
    super(ctx, TASKS);
  }

  async query(filter: TaskFilter): Promise<Task[]> {
    if (filter.limit !== undefined && !(Number.isInteger(filter.limit) && filter.limit >= 0)) {
      throw invalidArgument(`task query limit must be a whole number ≥ 0, not ${filter.limit}`, { module: 'store' });
    }
    const where = taskConditions(filter);
    if (where === null || filter.limit === 0) return [];
    const q = this.select(this.ctx.db).where(where);
    return this.rows(filter.limit === undefined ? q : q.limit(filter.limit));
  }

  /** Oldest first: crash recovery resumes or fails them in the order they were asked for. */
  listUnfinished(): Promise<Task[]> {
    return this.rows(
      this.ctx.db
        .selectFrom('tasks')
        .selectAll()
        .where('state', 'in', UNFINISHED)
        .orderBy('created_ms', 'asc')
        .orderBy('id', 'asc'),
    );
  }

  async prune(finishedBefore: string): Promise<number> {
    const before = epochMs(finishedBefore);
    if (before === null) {
      throw invalidArgument(`'${finishedBefore}' is not an ISO time`, { module: 'store' });
    }
    const r = await this.ctx.db
      .deleteFrom('tasks')
      .where('state', 'in', FINISHED)
      .where('finished_ms', '<', before)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

import type { InventoryEvent, NewInventoryEvent } from '../../core/model/index.ts';
import { invalidArgument } from '../../core/errors.ts';
import type { EventRepository } from '../../core/ports/store.ts';
import { CompiledTexts } from './sql-context.ts';
import type { SqlContext } from './sql-context.ts';
import { constraintError } from './sqlite-errors.ts';
import { EVENTS } from './tables.ts';
import { fromRow, toRow } from './table-spec.ts';

/** Append-only: SQLite hands out the increasing ids (AUTOINCREMENT never reuses one). */
export class SqliteEventRepository implements EventRepository {
  private readonly texts = CompiledTexts.of('events');

  constructor(private readonly ctx: SqlContext) {}

  async append(event: NewInventoryEvent): Promise<InventoryEvent> {
    const time = event.time ?? new Date().toISOString();
    const { id: _id, ...row } = toRow(EVENTS, { ...event, id: 0, time });
    try {
      const [r] = await this.texts.rows(this.ctx, `append ${Object.keys(row).join(',')}`, Object.values(row), (db) => db.insertInto('events').values(row).returning('id'));
      return { ...event, id: Number(r!.id), time };
    } catch (e) {
      throw constraintError(e, EVENTS, event);
    }
  }

  /** Newest first: the `limit` latest (of one object, or of all), older than beforeId if given. */
  async list(opts: { objectId?: string; limit: number; beforeId?: number }): Promise<InventoryEvent[]> {
    if (!(Number.isInteger(opts.limit) && opts.limit >= 0)) {
      throw invalidArgument(`event list limit must be a whole number ≥ 0, not ${opts.limit}`, { module: 'store' });
    }
    let q = this.ctx.db.selectFrom('events').selectAll().orderBy('id', 'desc').limit(opts.limit);
    if (opts.objectId !== undefined) q = q.where('object_id', '=', opts.objectId);
    if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId);
    return (await q.execute()).map((r) => fromRow(EVENTS, r));
  }
}

import { invalidArgument, notFound } from '../../core/errors.ts';
import type { NamedRepository, Repository } from '../../core/ports/store.ts';
import { CompiledTexts } from './sql-context.ts';
import type { Db, SqlContext } from './sql-context.ts';
import { constraintError, describeRecord } from './sqlite-errors.ts';
import { fromRow, toRow } from './table-spec.ts';
import type { SqlRow, TableSpec } from './table-spec.ts';
import type { SqlValue } from './column.ts';

type Id = { readonly id: string };

/** `select * from <table>` in the table's order, for further narrowing. */
export function selectOrdered<T>(db: Db, spec: TableSpec<T>) {
  let q = db.selectFrom(spec.table).selectAll();
  for (const [column, direction] of spec.order) q = q.orderBy(column, direction);
  return q;
}

/**
 * `Repository<T>` over one table, driven by its TableSpec. Every table with a string id is
 * one of these (or a subclass adding the table's own lookups).
 */
export class TableRepository<T extends Id> implements Repository<T> {
  /** SQL texts of the hot statements (get, insert, update by id), compiled once per table. */
  protected readonly texts: CompiledTexts;

  constructor(
    protected readonly ctx: SqlContext,
    protected readonly spec: TableSpec<T>,
  ) {
    this.texts = CompiledTexts.of(spec.table);
  }

  get(id: string): Promise<T | undefined> {
    return this.first(this.ctx.db, 'id', id);
  }

  list(): Promise<T[]> {
    return this.rows(this.select(this.ctx.db));
  }

  async insert(row: T): Promise<void> {
    try {
      const values = toRow(this.spec, row);
      const columns = Object.keys(values);
      await this.texts.run(this.ctx, `insert ${columns.join(',')}`, Object.values(values), (db) => db.insertInto(this.spec.table).values(values));
    } catch (e) {
      throw constraintError(e, this.spec, row);
    }
  }

  /**
   * Read, merge and write back in one transaction, so derived columns (seq, cpu_count,
   * expiry times) follow the merge. Fields the patch sets to undefined are left alone.
   */
  update(id: string, patch: Partial<Omit<T, 'id'>>, current?: T): Promise<T> {
    if (current !== undefined && current.id === id) return this.updateKnown(current, patch);
    return this.ctx.atomic(async (db) => {
      const current = await this.first(db, 'id', id);
      if (current === undefined) {
        throw notFound(`${describeRecord(this.spec, { id } as Partial<T>)} was not found`, { module: 'store' });
      }
      const next = { ...current } as Record<string, unknown>;
      for (const [field, value] of Object.entries(patch)) {
        if (field === 'id' || value === undefined) continue;
        if (!(field in this.spec.columns)) {
          throw invalidArgument(`a ${this.spec.noun} has no field '${field}'`, { module: 'store' });
        }
        next[field] = value;
      }
      const merged = next as T;
      // Only the columns that change: SQLite rewrites the entries of every index whose
      // columns are SET, changed or not (a full-row SET of a VM touched seven indexes).
      const before = toRow(this.spec, current);
      const after = toRow(this.spec, merged);
      const changed: Record<string, SqlValue> = {};
      for (const [column, value] of Object.entries(after)) if (!sameValue(before[column], value)) changed[column] = value;
      if (Object.keys(changed).length === 0) return merged;
      try {
        await db.updateTable(this.spec.table).set(changed).where('id', '=', id).execute();
      } catch (e) {
        throw constraintError(e, this.spec, merged);
      }
      return merged;
    });
  }

  /**
   * update() when the caller holds the stored row: one UPDATE, no read. The patch's own
   * columns are written whether or not they differ from `current` (it may be older than
   * the row), plus the derived columns that the merge changes.
   */
  private async updateKnown(current: T, patch: Partial<Omit<T, 'id'>>): Promise<T> {
    const next = { ...current } as Record<string, unknown>;
    const set: Record<string, SqlValue> = {};
    for (const [field, value] of Object.entries(patch)) {
      if (field === 'id' || value === undefined) continue;
      const column = (this.spec.columns as Record<string, { name: string; encode(v: unknown): SqlValue } | undefined>)[field];
      if (column === undefined) throw invalidArgument(`a ${this.spec.noun} has no field '${field}'`, { module: 'store' });
      next[field] = value;
      set[column.name] = column.encode(value);
    }
    const merged = next as T;
    if (this.spec.derived !== undefined) {
      const before = this.spec.derived(current);
      for (const [column, value] of Object.entries(this.spec.derived(merged))) if (!sameValue(before[column], value)) set[column] = value;
    }
    if (Object.keys(set).length === 0) return merged;
    let updated: number;
    try {
      const params = [...Object.values(set), current.id];
      updated = await this.texts.run(this.ctx, `update ${Object.keys(set).join(',')}`, params, (db) => db.updateTable(this.spec.table).set(set).where('id', '=', current.id));
    } catch (e) {
      throw constraintError(e, this.spec, merged);
    }
    if (updated === 0) throw notFound(`${describeRecord(this.spec, { id: current.id } as Partial<T>)} was not found`, { module: 'store' });
    return merged;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.ctx.db.deleteFrom(this.spec.table).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async count(): Promise<number> {
    const r = await this.ctx.db
      .selectFrom(this.spec.table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  protected select(db: Db) {
    return selectOrdered(db, this.spec);
  }

  protected async rows(query: { execute(): Promise<SqlRow[]> }): Promise<T[]> {
    const rows = await query.execute();
    return rows.map((r) => fromRow(this.spec, r));
  }

  /** The first row (in table order) whose column equals value. */
  protected async first(db: Db, column: string, value: SqlValue): Promise<T | undefined> {
    // On the repository's own context (not inside an atomic() of its own): the compiled text.
    const row =
      db === this.ctx.db
        ? (await this.texts.rows(this.ctx, `first ${column}`, [value, 1], (d) => this.select(d).where(column, '=', value).limit(1)))[0]
        : await this.select(db).where(column, '=', value).limit(1).executeTakeFirst();
    return row === undefined ? undefined : fromRow(this.spec, row);
  }

  /** Every row whose column equals value, in table order. */
  protected listWhere(column: string, value: SqlValue): Promise<T[]> {
    return this.rows(this.select(this.ctx.db).where(column, '=', value));
  }

  protected async deleteWhere(column: string, value: SqlValue): Promise<number> {
    const r = await this.ctx.db.deleteFrom(this.spec.table).where(column, '=', value).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

/** A table whose records have a name; getByName returns the first in table order. */
export class NamedTableRepository<T extends Id & { readonly name: string }>
  extends TableRepository<T>
  implements NamedRepository<T>
{
  getByName(name: string): Promise<T | undefined> {
    return this.first(this.ctx.db, 'name', name);
  }
}

function sameValue(a: SqlValue | undefined, b: SqlValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return a === b;
}

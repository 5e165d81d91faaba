import type { CompiledQuery, Kysely, SqliteDatabase } from 'kysely';
import { internal } from '../../core/errors.ts';
import type { SqlValue } from './column.ts';
import type { ConnectionState } from './sqlite-dialect.ts';
import type { SqlRow } from './table-spec.ts';

/**
 * The repositories build queries on table and column names held in data (tables.ts), so
 * the database type is "any table, any column". The column maps are where names are checked.
 */
export type AnyDatabase = Record<string, Record<string, SqlValue>>;
export type Db = Kysely<AnyDatabase>;

/** What a repository runs its queries on: the database itself, or one open transaction. */
export interface SqlContext {
  /** Query builder for single statements. */
  readonly db: Db;
  /** Runs fn atomically: in a new transaction, or as part of the one already open. */
  atomic<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  readonly inTransaction: boolean;
  /**
   * The handle itself, when a statement may run on it now, else null: in a transaction (it
   * holds the one connection) always; outside, only while kysely has not lent the
   * connection out (no statement or transaction of anyone else in progress), since a
   * statement run then would land inside someone else's transaction.
   */
  direct(): SqliteDatabase | null;
  /** Resolves when direct() may give the handle again (at once in a transaction). */
  whenFree(): Promise<void>;
}

export function rootContext(db: Db, handle: SqliteDatabase, state: ConnectionState): SqlContext {
  return {
    db,
    atomic: (fn) => db.transaction().execute(fn),
    inTransaction: false,
    direct: () => (state.held ? null : handle),
    whenFree: () => new Promise<void>((resolve) => state.waiters.push(resolve)),
  };
}

/**
 * Context of a transaction. Once the transaction is over, using it is a bug (the statements
 * would run outside any transaction, on a connection that is no longer ours): it throws.
 */
export function transactionContext(trx: Db, handle: SqliteDatabase): SqlContext & { end(): void } {
  let open = true;
  const db = (): Db => {
    if (!open) {
      throw internal('a transaction store was used after its transaction ended', { module: 'store' });
    }
    return trx;
  };
  return {
    get db() {
      return db();
    },
    atomic: (fn) => fn(db()),
    inTransaction: true,
    direct: () => (db(), handle),
    whenFree: () => Promise.resolve(),
    end: () => {
      open = false;
    },
  };
}

/**
 * Hot statements without kysely's cost per call (building, compiling, and the connection
 * hand-over, several promise turns each): the query is built and compiled by kysely once
 * per `key`, and its SQL text is then run with `params` on a prepared statement (the
 * handle caches them, see database.ts), waiting for kysely to give the connection back when
 * it has lent it out (`ctx.whenFree()`: one wake-up per waiter, where kysely's own queue
 * wakes every waiter at each release); through kysely as before when the text is not
 * reusable. Results are the same either way: the text is kysely's own, and it is only
 * reused when the compiled parameters were exactly `params`, in order.
 */
export class CompiledTexts {
  private readonly texts = new Map<string, string | null>();

  /** One per table, shared by every store and transaction (a text is the schema's, not a handle's). */
  static of(table: string): CompiledTexts {
    let t = SHARED.get(table);
    if (t === undefined) SHARED.set(table, (t = new CompiledTexts()));
    return t;
  }

  /** Rows of the query (a select, or a write with `returning`). */
  async rows(ctx: SqlContext, key: string, params: readonly SqlValue[], build: (db: Db) => { compile(): CompiledQuery; execute(): Promise<unknown[]> }): Promise<SqlRow[]> {
    const text = this.text(ctx, key, params, build);
    if (text === null) return (await build(ctx.db).execute()) as SqlRow[];
    return onHandle(ctx, (handle) => handle.prepare(text).all(params) as SqlRow[]);
  }

  /** Rows changed by the statement (an insert, update or delete without `returning`). */
  async run(ctx: SqlContext, key: string, params: readonly SqlValue[], build: (db: Db) => { compile(): CompiledQuery; executeTakeFirst(): Promise<unknown> }): Promise<number> {
    const text = this.text(ctx, key, params, build);
    if (text === null) return changes(await build(ctx.db).executeTakeFirst());
    return onHandle(ctx, (handle) => Number(handle.prepare(text).run(params).changes));
  }

  private text(ctx: SqlContext, key: string, params: readonly SqlValue[], build: (db: Db) => { compile(): CompiledQuery }): string | null {
    const known = this.texts.get(key);
    if (known !== undefined) return known;
    const compiled = build(ctx.db).compile();
    const same = compiled.parameters.length === params.length && compiled.parameters.every((p, i) => p === params[i]);
    this.texts.set(key, same ? compiled.sql : null);
    return same ? compiled.sql : null;
  }
}

const SHARED = new Map<string, CompiledTexts>();

/**
 * Runs `use` on the handle as soon as a statement may run on it: right after the check, in
 * the same synchronous step, so that no kysely caller can take the connection in between.
 * Waiters are answered in the order they came.
 */
async function onHandle<T>(ctx: SqlContext, use: (handle: SqliteDatabase) => T): Promise<T> {
  for (;;) {
    const handle = ctx.direct();
    if (handle !== null) return use(handle);
    await ctx.whenFree();
  }
}

function changes(r: unknown): number {
  const o = r as { numUpdatedRows?: bigint; numDeletedRows?: bigint; numInsertedOrUpdatedRows?: bigint } | undefined;
  return Number(o?.numUpdatedRows ?? o?.numDeletedRows ?? o?.numInsertedOrUpdatedRows ?? 0n);
}

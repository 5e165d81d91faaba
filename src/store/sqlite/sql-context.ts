import type { Kysely } from 'kysely';
import { internal } from '../../core/errors.ts';
import type { SqlValue } from './column.ts';

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
}

export function rootContext(db: Db): SqlContext {
  return {
    db,
    atomic: (fn) => db.transaction().execute(fn),
    inTransaction: false,
  };
}

/**
 * Context of a transaction. Once the transaction is over, using it is a bug (the statements
 * would run outside any transaction, on a connection that is no longer ours): it throws.
 */
export function transactionContext(trx: Db): SqlContext & { end(): void } {
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
    end: () => {
      open = false;
    },
  };
}

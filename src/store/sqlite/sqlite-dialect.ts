/**
 * kysely's SqliteDialect with two changes for a store that several processes may open:
 * - transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so a
 *   transaction waits (busy_timeout) for another writer instead of failing half-way
 *   when it upgrades from reading to writing;
 * - DDL is transactional (SQLite's is): the Migrator applies all pending migrations and
 *   records them in one transaction, so a crash mid-migration leaves the old schema;
 * - it tells (`ConnectionState.held`) whether its one connection is lent out (a statement
 *   or a transaction in progress), so the store knows when a statement may run on the
 *   handle directly (see sql-context.ts).
 */
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';

/** Whether kysely has lent out its one connection, and who waits for it to come back. */
export interface ConnectionState {
  held: boolean;
  /** Called (and dropped) when the connection comes back: see SqlContext.whenFree. */
  readonly waiters: (() => void)[];
}

export function connectionState(): ConnectionState {
  return { held: false, waiters: [] };
}

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly state: ConnectionState,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const c = await super.acquireConnection();
    this.state.held = true;
    return c;
  }

  override async releaseConnection(): Promise<void> {
    this.state.held = false;
    // Those waiting for the handle itself are woken first (each then runs one statement at
    // once, before any kysely caller takes the connection again), all in one go: kysely's
    // own mutex wakes every waiter on each release, and the losers wait again.
    const waiters = this.state.waiters.splice(0);
    for (const wake of waiters) wake();
    await super.releaseConnection();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class VmgateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(
    config: SqliteDialectConfig,
    readonly state: ConnectionState = connectionState(),
  ) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.state);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * kysely's SqliteDialect with two changes for a store that several processes may open:
 * - transactions start with BEGIN IMMEDIATE: the write lock is taken up front, so a
 *   transaction waits (busy_timeout) for another writer instead of failing half-way
 *   when it upgrades from reading to writing;
 * - DDL is transactional (SQLite's is): the Migrator applies all pending migrations and
 *   records them in one transaction, so a crash mid-migration leaves the old schema.
 */
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, DialectAdapter, Driver, SqliteDialectConfig } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
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

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

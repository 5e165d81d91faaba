/**
 * The SQLite store: better-sqlite3 under kysely, one file (or ':memory:').
 *
 *   const store = await openSqliteStore({ path: 'data/vmgate.db' });
 *
 * Every repository runs on an SqlContext: the database, or the transaction of
 * `store.transaction(fn)`. SQLite has one connection; kysely queues statements on it, so
 * while a transaction is open every other caller waits for it — which is why code inside
 * fn must use the `tx` store it is given, never the outer one (that would wait forever).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, sql } from 'kysely';
import { internal, notAllowedInCurrentState } from '../../core/errors.ts';
import type {
  Cluster,
  Datacenter,
  Datastore,
  DesktopPool,
  Group,
  Host,
  PublishedApplication,
  Role,
} from '../../core/model/index.ts';
import type {
  AssignmentRepository,
  DesktopSessionRepository,
  EntitlementRepository,
  EventRepository,
  LoginFailureRepository,
  NamedRepository,
  PermissionRepository,
  SessionRepository,
  SettingsRepository,
  SnapshotRepository,
  Store,
  TaskRepository,
  UserRepository,
  VmRepository,
} from '../../core/ports/store.ts';
import { SqliteAssignmentRepository } from './assignment-repository.ts';
import { wrapDatabase } from './database.ts';
import { SqliteDesktopSessionRepository } from './desktop-session-repository.ts';
import { SqliteEntitlementRepository } from './entitlement-repository.ts';
import { SqliteEventRepository } from './event-repository.ts';
import { SqliteLoginFailureRepository } from './login-failure-repository.ts';
import { migrationProvider } from './migrations/index.ts';
import { SqlitePermissionRepository } from './permission-repository.ts';
import { SqliteSessionRepository } from './session-repository.ts';
import { SqliteSettingsRepository } from './settings-repository.ts';
import { SqliteSnapshotRepository } from './snapshot-repository.ts';
import { rootContext, transactionContext } from './sql-context.ts';
import type { AnyDatabase, Db, SqlContext } from './sql-context.ts';
import { VmgateSqliteDialect } from './sqlite-dialect.ts';
import { NamedTableRepository } from './table-repository.ts';
import {
  APPLICATIONS,
  CLUSTERS,
  DATACENTERS,
  DATASTORES,
  GROUPS,
  HOSTS,
  POOLS,
  ROLES,
} from './tables.ts';
import { SqliteTaskRepository } from './task-repository.ts';
import { SqliteUserRepository } from './user-repository.ts';
import { SqliteVmRepository } from './vm-repository.ts';

export interface SqliteStoreOptions {
  /** Database file (its directory is created if missing), or ':memory:'. */
  readonly path: string;
}

/** Where kysely's Migrator records applied migrations (name, timestamp). */
export const MIGRATION_TABLE = 'schema_migration';
const MIGRATION_LOCK_TABLE = 'schema_migration_lock';

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly datacenters: NamedRepository<Datacenter>;
  readonly clusters: NamedRepository<Cluster>;
  readonly hosts: NamedRepository<Host>;
  readonly datastores: NamedRepository<Datastore>;
  readonly vms: VmRepository;
  readonly snapshots: SnapshotRepository;
  readonly tasks: TaskRepository;
  readonly users: UserRepository;
  readonly loginFailures: LoginFailureRepository;
  readonly groups: NamedRepository<Group>;
  readonly roles: NamedRepository<Role>;
  readonly permissions: PermissionRepository;
  readonly sessions: SessionRepository;
  readonly pools: NamedRepository<DesktopPool>;
  readonly entitlements: EntitlementRepository;
  readonly assignments: AssignmentRepository;
  readonly desktopSessions: DesktopSessionRepository;
  readonly applications: NamedRepository<PublishedApplication>;
  readonly events: EventRepository;
  readonly settings: SettingsRepository;
  private closed = false;

  constructor(
    private readonly root: Db,
    private readonly ctx: SqlContext,
  ) {
    this.datacenters = new NamedTableRepository(ctx, DATACENTERS);
    this.clusters = new NamedTableRepository(ctx, CLUSTERS);
    this.hosts = new NamedTableRepository(ctx, HOSTS);
    this.datastores = new NamedTableRepository(ctx, DATASTORES);
    this.vms = new SqliteVmRepository(ctx);
    this.snapshots = new SqliteSnapshotRepository(ctx);
    this.tasks = new SqliteTaskRepository(ctx);
    this.users = new SqliteUserRepository(ctx);
    this.loginFailures = new SqliteLoginFailureRepository(ctx);
    this.groups = new NamedTableRepository(ctx, GROUPS);
    this.roles = new NamedTableRepository(ctx, ROLES);
    this.permissions = new SqlitePermissionRepository(ctx);
    this.sessions = new SqliteSessionRepository(ctx);
    this.pools = new NamedTableRepository(ctx, POOLS);
    this.entitlements = new SqliteEntitlementRepository(ctx);
    this.assignments = new SqliteAssignmentRepository(ctx);
    this.desktopSessions = new SqliteDesktopSessionRepository(ctx);
    this.applications = new NamedTableRepository(ctx, APPLICATIONS);
    this.events = new SqliteEventRepository(ctx);
    this.settings = new SqliteSettingsRepository(ctx);
  }

  /** One statement (upsert … returning): atomic with or without a transaction. */
  async nextSequence(name: string): Promise<number> {
    const r = await this.ctx.db
      .insertInto('sequences')
      .values({ name, value: 1 })
      .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ value: eb('sequences.value', '+', 1) })))
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(r.value);
  }

  /**
   * fn gets a store bound to one transaction (BEGIN IMMEDIATE … COMMIT); a throw rolls
   * everything back. Inside, `tx.transaction(g)` joins: g runs in the same transaction
   * (no savepoint), so a throw out of g that fn catches does not undo g's writes.
   */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.ctx.inTransaction) return fn(this);
    return this.root.transaction().execute(async (trx) => {
      const ctx = transactionContext(trx);
      try {
        return await fn(new SqliteStore(this.root, ctx));
      } finally {
        ctx.end();
      }
    });
  }

  async close(): Promise<void> {
    if (this.ctx.inTransaction) {
      throw notAllowedInCurrentState('a transaction store cannot close the database', { module: 'store' });
    }
    if (this.closed) return;
    this.closed = true;
    try {
      // Keeps the planner's statistics current for the next open (bounded work).
      await sql`pragma optimize`.execute(this.root);
    } finally {
      await this.root.destroy();
    }
  }
}

/**
 * Opens (creating if needed) and migrates the database at opts.path.
 *
 * Pragmas: WAL journal; synchronous=NORMAL, which in WAL mode keeps every committed
 * transaction through a crash or `kill -9` of the process (the WAL is in the OS's hands
 * at commit) and may lose only the last commits on power loss or an OS crash, never
 * consistency; foreign_keys=ON; busy_timeout=5000 ms for other processes' locks.
 */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<Store> {
  const memory = opts.path === ':memory:' || opts.path === '';
  if (!memory) mkdirSync(dirname(resolve(opts.path)), { recursive: true });

  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(opts.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Refresh the planner's statistics where they are stale (cheap: SQLite bounds the work).
    sqlite.pragma('optimize = 0x10002');
  } catch (e) {
    sqlite?.close();
    throw internal(`cannot open the database '${opts.path}': ${(e as Error).message}`, { module: 'store', cause: e });
  }

  const db = new Kysely<AnyDatabase>({ dialect: new VmgateSqliteDialect({ database: wrapDatabase(sqlite) }) });
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    const message = error instanceof Error ? error.message : String(error);
    throw internal(`cannot bring the database '${opts.path}' to the current schema: ${message}`, {
      module: 'store',
      cause: error,
    });
  }
  return new SqliteStore(db, rootContext(db));
}

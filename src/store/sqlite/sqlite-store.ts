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
import type { SqliteDatabase } from 'kysely';
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
import { VmgateSqliteDialect, connectionState } from './sqlite-dialect.ts';
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
  private closed = false;
  private readonly group: GroupCommit;
  // Repositories are made on first use: a transaction's store is made for each
  // transaction and uses two or three of the twenty.
  #datacenters: NamedRepository<Datacenter> | undefined;
  #clusters: NamedRepository<Cluster> | undefined;
  #hosts: NamedRepository<Host> | undefined;
  #datastores: NamedRepository<Datastore> | undefined;
  #vms: VmRepository | undefined;
  #snapshots: SnapshotRepository | undefined;
  #tasks: TaskRepository | undefined;
  #users: UserRepository | undefined;
  #loginFailures: LoginFailureRepository | undefined;
  #groups: NamedRepository<Group> | undefined;
  #roles: NamedRepository<Role> | undefined;
  #permissions: PermissionRepository | undefined;
  #sessions: SessionRepository | undefined;
  #pools: NamedRepository<DesktopPool> | undefined;
  #entitlements: EntitlementRepository | undefined;
  #assignments: AssignmentRepository | undefined;
  #desktopSessions: DesktopSessionRepository | undefined;
  #applications: NamedRepository<PublishedApplication> | undefined;
  #events: EventRepository | undefined;
  #settings: SettingsRepository | undefined;

  constructor(
    private readonly root: Db,
    private readonly ctx: SqlContext,
    handle: SqliteDatabase,
    group?: GroupCommit,
  ) {
    this.group = group ?? new GroupCommit(root, handle, (tx) => new SqliteStore(root, tx, handle, this.group));
  }

  get datacenters(): NamedRepository<Datacenter> {
    return (this.#datacenters ??= new NamedTableRepository(this.ctx, DATACENTERS));
  }
  get clusters(): NamedRepository<Cluster> {
    return (this.#clusters ??= new NamedTableRepository(this.ctx, CLUSTERS));
  }
  get hosts(): NamedRepository<Host> {
    return (this.#hosts ??= new NamedTableRepository(this.ctx, HOSTS));
  }
  get datastores(): NamedRepository<Datastore> {
    return (this.#datastores ??= new NamedTableRepository(this.ctx, DATASTORES));
  }
  get vms(): VmRepository {
    return (this.#vms ??= new SqliteVmRepository(this.ctx));
  }
  get snapshots(): SnapshotRepository {
    return (this.#snapshots ??= new SqliteSnapshotRepository(this.ctx));
  }
  get tasks(): TaskRepository {
    return (this.#tasks ??= new SqliteTaskRepository(this.ctx));
  }
  get users(): UserRepository {
    return (this.#users ??= new SqliteUserRepository(this.ctx));
  }
  get loginFailures(): LoginFailureRepository {
    return (this.#loginFailures ??= new SqliteLoginFailureRepository(this.ctx));
  }
  get groups(): NamedRepository<Group> {
    return (this.#groups ??= new NamedTableRepository(this.ctx, GROUPS));
  }
  get roles(): NamedRepository<Role> {
    return (this.#roles ??= new NamedTableRepository(this.ctx, ROLES));
  }
  get permissions(): PermissionRepository {
    return (this.#permissions ??= new SqlitePermissionRepository(this.ctx));
  }
  get sessions(): SessionRepository {
    return (this.#sessions ??= new SqliteSessionRepository(this.ctx));
  }
  get pools(): NamedRepository<DesktopPool> {
    return (this.#pools ??= new NamedTableRepository(this.ctx, POOLS));
  }
  get entitlements(): EntitlementRepository {
    return (this.#entitlements ??= new SqliteEntitlementRepository(this.ctx));
  }
  get assignments(): AssignmentRepository {
    return (this.#assignments ??= new SqliteAssignmentRepository(this.ctx));
  }
  get desktopSessions(): DesktopSessionRepository {
    return (this.#desktopSessions ??= new SqliteDesktopSessionRepository(this.ctx));
  }
  get applications(): NamedRepository<PublishedApplication> {
    return (this.#applications ??= new NamedTableRepository(this.ctx, APPLICATIONS));
  }
  get events(): EventRepository {
    return (this.#events ??= new SqliteEventRepository(this.ctx));
  }
  get settings(): SettingsRepository {
    return (this.#settings ??= new SqliteSettingsRepository(this.ctx));
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
   * fn gets a store bound to one transaction; a throw rolls back everything fn wrote, and
   * the promise resolves only once fn's writes are committed. Inside, `tx.transaction(g)`
   * joins: g runs in the same transaction (no savepoint), so a throw out of g that fn
   * catches does not undo g's writes.
   *
   * Group commit: transactions asked for while one is running, or within the same turn of
   * the event loop, run one after another inside one BEGIN IMMEDIATE … COMMIT, each in a
   * savepoint of its own (see GroupCommit).
   */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.ctx.inTransaction) return fn(this);
    return this.group.run(fn);
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

/** A transaction waiting for its turn in a group commit. */
interface Pending {
  readonly fn: (tx: Store) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** At most this many transactions share one commit (bounds the wait of the first). */
const GROUP_MAX = 64;
const SAVEPOINT = 'savepoint vmgate_tx';
const RELEASE = 'release vmgate_tx';
const ROLLBACK_TO = 'rollback to vmgate_tx';

/**
 * Group commit: a commit costs far more than the statements before it (the WAL write, and
 * now and then a checkpoint), so the transactions of concurrent callers share one.
 *
 * One SQLite transaction (BEGIN IMMEDIATE, kysely's: other statements wait for it) runs
 * the waiting transactions one at a time, each inside `savepoint … release`: a throw rolls
 * back to its savepoint (that transaction's writes only) and rejects its caller at once.
 * When none is waiting it yields one turn of the event loop (setImmediate), and takes in
 * what was asked for meanwhile, until a turn brings nothing or GROUP_MAX have run. Then
 * COMMIT, and only then do the callers whose transactions succeeded get their values: no
 * caller hears of a write that is not committed. If COMMIT fails, all of them get its error
 * and nothing of the group stays.
 *
 * Each transaction still sees exactly the writes before it (they run in order, on the one
 * connection), as if committed one by one; only durability is shared, at the group's commit.
 */
class GroupCommit {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly root: Db,
    private readonly handle: SqliteDatabase,
    private readonly storeFor: (ctx: SqlContext) => Store,
  ) {}

  run<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) await this.commitGroup();
    } finally {
      this.running = false;
    }
  }

  private async commitGroup(): Promise<void> {
    const succeeded: { readonly p: Pending; readonly value: unknown }[] = [];
    const taken: Pending[] = [];
    try {
      await this.root.transaction().execute(async (trx) => {
        for (;;) {
          while (this.queue.length > 0 && taken.length < GROUP_MAX) {
            const p = this.queue.shift()!;
            taken.push(p);
            // On the handle itself: the group's transaction holds kysely's one connection.
            this.handle.prepare(SAVEPOINT).run([]);
            const ctx = transactionContext(trx, this.handle);
            let value: unknown;
            try {
              value = await p.fn(this.storeFor(ctx));
            } catch (e) {
              ctx.end();
              this.handle.prepare(ROLLBACK_TO).run([]);
              this.handle.prepare(RELEASE).run([]);
              p.reject(e);
              continue;
            }
            ctx.end();
            this.handle.prepare(RELEASE).run([]);
            succeeded.push({ p, value });
          }
          if (taken.length >= GROUP_MAX) break;
          // One turn of the event loop: concurrent callers' transactions join this commit.
          await new Promise<void>((r) => setImmediate(r));
          if (this.queue.length === 0) break;
        }
      });
    } catch (e) {
      // COMMIT (or a savepoint statement) failed: nothing of the group is stored. The ones
      // already rejected keep their own error (a promise settles once). If BEGIN itself
      // failed (another process held the write lock past busy_timeout), none was taken:
      // those waiting get its error, as they would have one by one.
      for (const p of taken.length > 0 ? taken : this.queue.splice(0)) p.reject(e);
      return;
    }
    for (const { p, value } of succeeded) p.resolve(value);
  }
}

/**
 * Opens (creating if needed) and migrates the database at opts.path.
 *
 * Pragmas: WAL journal; synchronous=NORMAL, which in WAL mode keeps every committed
 * transaction through a crash or `kill -9` of the process (the WAL is in the OS's hands
 * at commit) and may lose only the last commits on power loss or an OS crash, never
 * consistency; foreign_keys=ON; busy_timeout=5000 ms for other processes' locks.
 * Throughput: a checkpoint (WAL pages copied into the database, with an fsync) every
 * 10,000 WAL pages (~40 MiB) instead of SQLite's 1,000, so that a page written over and
 * over is copied once, and the WAL file is cut back to 64 MiB after one; a page cache of
 * up to 64 MiB (SQLite's default is 2 MiB), so the hot tables' pages stay in memory.
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
    sqlite.pragma('wal_autocheckpoint = 10000');
    sqlite.pragma('journal_size_limit = 67108864');
    sqlite.pragma('cache_size = -65536');
    // Refresh the planner's statistics where they are stale (cheap: SQLite bounds the work).
    sqlite.pragma('optimize = 0x10002');
  } catch (e) {
    sqlite?.close();
    throw internal(`cannot open the database '${opts.path}': ${(e as Error).message}`, { module: 'store', cause: e });
  }

  const handle = wrapDatabase(sqlite);
  const state = connectionState();
  const db = new Kysely<AnyDatabase>({ dialect: new VmgateSqliteDialect({ database: handle }, state) });
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
  return new SqliteStore(db, rootContext(db, handle, state), handle);
}

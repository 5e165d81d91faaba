/**
 * Persistence behind one interface: `sqlite` (default, better-sqlite3 + kysely) and later
 * `postgres`. Core is the only caller. Every method is async so that both backends fit.
 *
 * Rules every backend keeps (the conformance suite in test/store/ checks them):
 * - `insert` of an existing id throws VmgateError already_exists; `update` of a missing id
 *   throws not_found; `delete` returns whether a row went.
 * - Records come back as plain frozen-shape objects equal (deepEqual) to what was written.
 * - `transaction(fn)` runs fn against a store bound to one transaction: all or nothing, and
 *   serializable: what fn reads no other transaction changes before fn's transaction ends
 *   (power-on admission reads a host's load and writes the VM's transitional state in one).
 * - Unique names: hosts, datacenters, users, groups, pools (by name), VMs by uuid and by
 *   (datastoreId, vmxRel). User names are unique and looked up case-insensitively (ASCII).
 */
import type {
  Cluster,
  Datacenter,
  Datastore,
  DesktopAssignment,
  DesktopPool,
  DesktopSession,
  Entitlement,
  Group,
  Host,
  InventoryEvent,
  LoginFailure,
  NewInventoryEvent,
  Permission,
  PublishedApplication,
  Role,
  Session,
  Snapshot,
  Task,
  TaskFilter,
  User,
  Vm,
  VmFilter,
} from '../model/index.ts';

export interface Repository<T extends { readonly id: string }> {
  get(id: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  insert(row: T): Promise<void>;
  /**
   * Shallow merge of `patch` into the row; returns the new row. A caller that holds the
   * row as stored (under the object's lock) passes it as `current`: the store then writes
   * without reading it first (every field of the patch is written, equal or not, and the
   * returned row is `current` merged with `patch`).
   */
  update(id: string, patch: Partial<Omit<T, 'id'>>, current?: T): Promise<T>;
  delete(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface NamedRepository<T extends { readonly id: string; readonly name: string }> extends Repository<T> {
  getByName(name: string): Promise<T | undefined>;
}

export interface VmRepository extends NamedRepository<Vm> {
  /** Names are not unique for VMs: returns the first by id order. */
  getByName(name: string): Promise<Vm | undefined>;
  getByUuid(uuid: string): Promise<Vm | undefined>;
  getByPath(datastoreId: string, vmxRel: string): Promise<Vm | undefined>;
  /** Ordered by numeric id. `clusterIds`/`datacenterIds` go through the host. */
  query(filter: VmFilter): Promise<Vm[]>;
  countBy(filter: VmFilter): Promise<number>;
  /** Sum of vCPUs and memory of VMs on a host that count against capacity (not poweredOff). */
  hostUsage(hostId: string): Promise<{ cpuCount: number; memoryMiB: number; vmCount: number }>;
}

export interface SnapshotRepository extends Repository<Snapshot> {
  listForVm(vmId: string): Promise<Snapshot[]>;
  deleteForVm(vmId: string): Promise<number>;
}

export interface TaskRepository extends Repository<Task> {
  /** Newest first. */
  query(filter: TaskFilter): Promise<Task[]>;
  /** Tasks in queued/running: used by crash recovery. */
  listUnfinished(): Promise<Task[]>;
  /** Delete finished tasks older than the ISO time; returns how many. */
  prune(finishedBefore: string): Promise<number>;
}

export interface SessionRepository extends Repository<Session> {
  listForUser(userId: string): Promise<Session[]>;
  /** Delete sessions past absolute or idle expiry at `now`; returns how many. */
  deleteExpired(now: string): Promise<number>;
}

export interface UserRepository extends NamedRepository<User> {
  /** Case-insensitive: 'Administrator' finds 'administrator'. */
  getByName(name: string): Promise<User | undefined>;
  /**
   * One statement: failedLogins + 1, and lockedUntil raised to `lockedUntil` when that is
   * later (informational: the lock that counts is the LoginFailure of the source).
   */
  countFailedLogin(id: string, lockedUntil: string | null): Promise<User | undefined>;
}

export interface LoginFailureRepository {
  get(userId: string, source: string): Promise<LoginFailure | undefined>;
  listForUser(userId: string): Promise<LoginFailure[]>;
  /**
   * Counts one wrong password of `source` on `userId` in one statement (N parallel calls
   * count N). The count restarts at 1 when the last failure is older than `windowStart`;
   * when it reaches `max` (and no lock is active) the pair is locked until `lockUntil`.
   */
  recordFailure(userId: string, source: string, opts: { at: string; windowStart: string; max: number; lockUntil: string }): Promise<LoginFailure>;
  /** Forgets the failures of one source, or of every source when `source` is undefined. */
  clear(userId: string, source?: string): Promise<number>;
  /** Drops rows whose last failure is before `before` and whose lock (if any) has ended by then. */
  prune(before: string): Promise<number>;
}

export interface PermissionRepository extends Repository<Permission> {
  listForEntity(entityId: string): Promise<Permission[]>;
  listForPrincipal(principal: string): Promise<Permission[]>;
}

export interface EntitlementRepository extends Repository<Entitlement> {
  listForPool(poolId: string): Promise<Entitlement[]>;
}

export interface AssignmentRepository {
  get(poolId: string, userId: string): Promise<DesktopAssignment | undefined>;
  listForPool(poolId: string): Promise<DesktopAssignment[]>;
  insert(row: DesktopAssignment): Promise<void>;
  delete(poolId: string, userId: string): Promise<boolean>;
}

export interface DesktopSessionRepository extends Repository<DesktopSession> {
  listForUser(userId: string): Promise<DesktopSession[]>;
  listForVm(vmId: string): Promise<DesktopSession[]>;
}

export interface EventRepository {
  append(event: NewInventoryEvent): Promise<InventoryEvent>;
  /** The last `limit` events of an object (all objects when objectId is undefined), newest first. */
  list(opts: { objectId?: string; limit: number; beforeId?: number }): Promise<InventoryEvent[]>;
}

/** Small key/value table for settings and singletons (schema facts, first-start marks). */
export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
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

  /** Next value of a named counter, starting at 1: ids like vm-<n> come from it. */
  nextSequence(name: string): Promise<number>;

  /** Runs fn in one transaction (serializable, see above); nested calls join the outer one. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}

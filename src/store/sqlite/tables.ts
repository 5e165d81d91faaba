/**
 * Every table of the store as a field → column map: the one place where snake_case columns
 * meet camelCase record fields. The DDL lives in migrations/ (frozen in time); these maps
 * follow the latest migration.
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
  Permission,
  PublishedApplication,
  Role,
  Session,
  Snapshot,
  Task,
  User,
  Vm,
} from '../../core/model/index.ts';
import { invalidArgument } from '../../core/errors.ts';
import { bool, json, num, text } from './column.ts';
import { epochMs, seqOf } from './table-spec.ts';
import type { OrderTerm, TableSpec } from './table-spec.ts';

/** Tables whose ids end in a number ('vm-12', 'domain-c3') list in numeric id order. */
const BY_SEQ: readonly OrderTerm[] = [
  ['seq', 'asc'],
  ['id', 'asc'],
];
const seq = (r: { readonly id: string }) => ({ seq: seqOf(r.id) });
const named = (noun: string) => ({
  columns: ['name'],
  describe: (r: { readonly name: string }) => `${noun} '${r.name}'`,
});

/** Epoch ms of a time the store does date math on: an unreadable one is refused. */
function requiredMs(noun: string, field: string, iso: string): number {
  const ms = epochMs(iso);
  if (ms === null) {
    throw invalidArgument(`${noun} ${field} '${iso}' is not an ISO time`, { module: 'store' });
  }
  return ms;
}

export const DATACENTERS: TableSpec<Datacenter> = {
  table: 'datacenters',
  noun: 'datacenter',
  columns: { id: text('id'), name: text('name'), createdAt: text('created_at') },
  derived: seq,
  order: BY_SEQ,
  unique: [named('datacenter')],
};

export const CLUSTERS: TableSpec<Cluster> = {
  table: 'clusters',
  noun: 'cluster',
  columns: {
    id: text('id'),
    name: text('name'),
    datacenterId: text('datacenter_id'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
};

export const HOSTS: TableSpec<Host> = {
  table: 'hosts',
  noun: 'host',
  columns: {
    id: text('id'),
    name: text('name'),
    datacenterId: text('datacenter_id'),
    clusterId: text('cluster_id'),
    driver: text('driver'),
    connectionState: text('connection_state'),
    maintenanceMode: bool('maintenance_mode'),
    cpuCount: num('cpu_count'),
    memoryMiB: num('memory_mib'),
    datastoreIds: json('datastore_ids'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
  unique: [named('host')],
};

export const DATASTORES: TableSpec<Datastore> = {
  table: 'datastores',
  noun: 'datastore',
  columns: {
    id: text('id'),
    name: text('name'),
    path: text('path'),
    datacenterId: text('datacenter_id'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
};

export const VMS: TableSpec<Vm> = {
  table: 'vms',
  noun: 'VM',
  columns: {
    id: text('id'),
    uuid: text('uuid'),
    name: text('name'),
    fqdn: text('fqdn'),
    datastoreId: text('datastore_id'),
    vmxRel: text('vmx_rel'),
    hardware: json('hardware'),
    powerState: text('power_state'),
    toolsState: text('tools_state'),
    hostId: text('host_id'),
    driver: text('driver'),
    ownerId: text('owner_id'),
    currentSnapshotId: text('current_snapshot_id'),
    annotation: text('annotation'),
    createdAt: text('created_at'),
    updatedAt: text('updated_at'),
  },
  // cpu_count and memory_mib copy the hardware's, so hostUsage sums columns, not JSON.
  derived: (vm) => ({
    seq: seqOf(vm.id),
    cpu_count: vm.hardware?.cpuCount ?? null,
    memory_mib: vm.hardware?.memoryMiB ?? null,
  }),
  order: BY_SEQ,
  unique: [
    { columns: ['uuid'], describe: (vm) => `a VM with uuid '${vm.uuid}'` },
    {
      columns: ['datastore_id', 'vmx_rel'],
      describe: (vm) => `a VM at '${vm.vmxRel}' on ${vm.datastoreId}`,
    },
  ],
};

export const SNAPSHOTS: TableSpec<Snapshot> = {
  table: 'snapshots',
  noun: 'snapshot',
  columns: {
    id: text('id'),
    vmId: text('vm_id'),
    parentId: text('parent_id'),
    name: text('name'),
    description: text('description'),
    includeMemory: bool('include_memory'),
    powerState: text('power_state'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
};

/** Newest first; created_ms keeps the order right whatever ISO form the times take. */
export const TASKS: TableSpec<Task> = {
  table: 'tasks',
  noun: 'task',
  columns: {
    id: text('id'),
    kind: text('kind'),
    targetId: text('target_id'),
    targetName: text('target_name'),
    state: text('state'),
    progress: num('progress'),
    step: text('step'),
    cancellable: bool('cancellable'),
    result: json('result'),
    error: json('error'),
    ownerId: text('owner_id'),
    ownerName: text('owner_name'),
    createdAt: text('created_at'),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
  },
  derived: (t) => ({
    created_ms: requiredMs('task', 'createdAt', t.createdAt),
    finished_ms: t.finishedAt === null ? null : requiredMs('task', 'finishedAt', t.finishedAt),
  }),
  order: [
    ['created_ms', 'desc'],
    ['id', 'desc'],
  ],
  describe: (t) => `task ${t.id}`,
};

export const USERS: TableSpec<User> = {
  table: 'users',
  noun: 'user',
  columns: {
    id: text('id'),
    name: text('name'),
    fullName: text('full_name'),
    passwordHash: text('password_hash'),
    disabled: bool('disabled'),
    mustChangePassword: bool('must_change_password'),
    failedLogins: num('failed_logins'),
    lockedUntil: text('locked_until'),
    lastLoginAt: text('last_login_at'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
  unique: [named('user')],
};

export const GROUPS: TableSpec<Group> = {
  table: 'groups',
  noun: 'group',
  columns: {
    id: text('id'),
    name: text('name'),
    description: text('description'),
    memberIds: json('member_ids'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
  unique: [named('group')],
};

/** Role ids are words ('administrator'); they list by id. */
export const ROLES: TableSpec<Role> = {
  table: 'roles',
  noun: 'role',
  columns: {
    id: text('id'),
    name: text('name'),
    privileges: json('privileges'),
    system: bool('system'),
  },
  order: [['id', 'asc']],
  describe: (r) => `role '${r.id}'`,
};

export const PERMISSIONS: TableSpec<Permission> = {
  table: 'permissions',
  noun: 'permission',
  columns: {
    id: text('id'),
    principal: text('principal'),
    entityId: text('entity_id'),
    roleId: text('role_id'),
    propagate: bool('propagate'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
};

/** Session ids are token hashes: messages show a prefix only. */
export const SESSIONS: TableSpec<Session> = {
  table: 'sessions',
  noun: 'session',
  columns: {
    id: text('id'),
    userId: text('user_id'),
    userName: text('user_name'),
    face: text('face'),
    createdAt: text('created_at'),
    lastUsedAt: text('last_used_at'),
    expiresAt: text('expires_at'),
    idleSeconds: num('idle_seconds'),
    data: json('data'),
  },
  // Absolute and idle expiry as epoch ms, so deleteExpired is two indexed comparisons.
  derived: (s) => ({
    expires_ms: requiredMs('session', 'expiresAt', s.expiresAt),
    idle_expires_ms: requiredMs('session', 'lastUsedAt', s.lastUsedAt) + s.idleSeconds * 1000,
  }),
  order: [
    ['created_at', 'asc'],
    ['id', 'asc'],
  ],
  describe: (s) => `session ${String(s.id).slice(0, 8)}…`,
};

export const POOLS: TableSpec<DesktopPool> = {
  table: 'pools',
  noun: 'desktop pool',
  columns: {
    id: text('id'),
    name: text('name'),
    displayName: text('display_name'),
    type: text('type'),
    vmIds: json('vm_ids'),
    protocols: json('protocols'),
    defaultProtocol: text('default_protocol'),
    enabled: bool('enabled'),
    resetAllowed: bool('reset_allowed'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
  unique: [named('desktop pool')],
};

export const ENTITLEMENTS: TableSpec<Entitlement> = {
  table: 'entitlements',
  noun: 'entitlement',
  columns: {
    id: text('id'),
    poolId: text('pool_id'),
    principal: text('principal'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
};

/** Keyed by (pool, user): a user has at most one dedicated desktop per pool. */
export const ASSIGNMENTS: TableSpec<DesktopAssignment> = {
  table: 'assignments',
  noun: 'desktop assignment',
  columns: {
    poolId: text('pool_id'),
    vmId: text('vm_id'),
    userId: text('user_id'),
    createdAt: text('created_at'),
  },
  key: ['poolId', 'userId'],
  order: [
    ['created_at', 'asc'],
    ['user_id', 'asc'],
  ],
  describe: (a) => `a desktop of ${a.userId} in ${a.poolId}`,
};

export const DESKTOP_SESSIONS: TableSpec<DesktopSession> = {
  table: 'desktop_sessions',
  noun: 'desktop session',
  columns: {
    id: text('id'),
    poolId: text('pool_id'),
    vmId: text('vm_id'),
    userId: text('user_id'),
    protocol: text('protocol'),
    state: text('state'),
    startedAt: text('started_at'),
    updatedAt: text('updated_at'),
  },
  order: [
    ['started_at', 'asc'],
    ['id', 'asc'],
  ],
  describe: (s) => `desktop session ${s.id}`,
};

export const APPLICATIONS: TableSpec<PublishedApplication> = {
  table: 'applications',
  noun: 'application',
  columns: {
    id: text('id'),
    name: text('name'),
    poolId: text('pool_id'),
    path: text('path'),
    version: text('version'),
    publisher: text('publisher'),
    icon: text('icon'),
    createdAt: text('created_at'),
  },
  derived: seq,
  order: BY_SEQ,
};

/** Append-only; ids come from SQLite (AUTOINCREMENT: never reused). */
export const EVENTS: TableSpec<InventoryEvent> = {
  table: 'events',
  noun: 'event',
  columns: {
    id: num('id'),
    time: text('time'),
    objectId: text('object_id'),
    type: text('type'),
    severity: text('severity'),
    message: text('message'),
    userName: text('user_name'),
    taskId: text('task_id'),
  },
  order: [['id', 'desc']],
};

/**
 * The first schema. Real columns for everything a query filters, orders or joins on;
 * JSON text for nested structures. Frozen once released: change the schema in a new
 * migration, never here.
 */
import type { Kysely, Migration } from 'kysely';

const TABLES = [
  'datacenters',
  'clusters',
  'hosts',
  'datastores',
  'vms',
  'snapshots',
  'tasks',
  'users',
  'groups',
  'roles',
  'permissions',
  'sessions',
  'pools',
  'entitlements',
  'assignments',
  'desktop_sessions',
  'applications',
  'events',
  'settings',
  'sequences',
];

export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const s = db.schema;

    await s
      .createTable('datacenters')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await s
      .createTable('clusters')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('datacenter_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('clusters_name').on('clusters').column('name').execute();
    await s.createIndex('clusters_datacenter').on('clusters').column('datacenter_id').execute();

    await s
      .createTable('hosts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('datacenter_id', 'text', (c) => c.notNull())
      .addColumn('cluster_id', 'text')
      .addColumn('driver', 'text', (c) => c.notNull())
      .addColumn('connection_state', 'text', (c) => c.notNull())
      .addColumn('maintenance_mode', 'integer', (c) => c.notNull())
      .addColumn('cpu_count', 'integer', (c) => c.notNull())
      .addColumn('memory_mib', 'integer', (c) => c.notNull())
      .addColumn('datastore_ids', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('hosts_cluster').on('hosts').column('cluster_id').execute();
    await s.createIndex('hosts_datacenter').on('hosts').column('datacenter_id').execute();

    await s
      .createTable('datastores')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('datacenter_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('datastores_name').on('datastores').column('name').execute();

    // cpu_count / memory_mib repeat hardware's so that hostUsage sums plain columns.
    await s
      .createTable('vms')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('uuid', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('fqdn', 'text', (c) => c.notNull())
      .addColumn('datastore_id', 'text', (c) => c.notNull())
      .addColumn('vmx_rel', 'text', (c) => c.notNull())
      .addColumn('hardware', 'text', (c) => c.notNull())
      .addColumn('cpu_count', 'integer', (c) => c.notNull())
      .addColumn('memory_mib', 'integer', (c) => c.notNull())
      .addColumn('power_state', 'text', (c) => c.notNull())
      .addColumn('tools_state', 'text', (c) => c.notNull())
      .addColumn('host_id', 'text')
      .addColumn('driver', 'text', (c) => c.notNull())
      .addColumn('owner_id', 'text')
      .addColumn('current_snapshot_id', 'text')
      .addColumn('annotation', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('vms_path', ['datastore_id', 'vmx_rel'])
      .execute();
    // Each filter column leads an index that ends in the order (seq, id): a filtered page
    // comes in id order straight off the index, with no sort.
    await s.createIndex('vms_seq').on('vms').columns(['seq', 'id']).execute();
    await s.createIndex('vms_power_state').on('vms').columns(['power_state', 'seq', 'id']).execute();
    await s.createIndex('vms_host').on('vms').columns(['host_id', 'seq', 'id']).execute();
    await s.createIndex('vms_name').on('vms').columns(['name', 'seq', 'id']).execute();
    await s.createIndex('vms_owner').on('vms').column('owner_id').execute();

    await s
      .createTable('snapshots')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('vm_id', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('include_memory', 'integer', (c) => c.notNull())
      .addColumn('power_state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('snapshots_vm').on('snapshots').columns(['vm_id', 'seq', 'id']).execute();

    await s
      .createTable('tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text')
      .addColumn('target_name', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('progress', 'real', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('cancellable', 'integer', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('owner_id', 'text')
      .addColumn('owner_name', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('created_ms', 'integer', (c) => c.notNull())
      .addColumn('finished_ms', 'integer')
      .execute();
    await s.createIndex('tasks_created').on('tasks').columns(['created_ms', 'id']).execute();
    await s.createIndex('tasks_state').on('tasks').columns(['state', 'created_ms']).execute();
    await s.createIndex('tasks_target').on('tasks').columns(['target_id', 'created_ms']).execute();
    await s.createIndex('tasks_owner').on('tasks').columns(['owner_id', 'created_ms']).execute();
    await s.createIndex('tasks_kind').on('tasks').columns(['kind', 'created_ms']).execute();
    await s.createIndex('tasks_finished').on('tasks').column('finished_ms').execute();

    await s
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('full_name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull())
      .addColumn('failed_logins', 'integer', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('last_login_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await s
      .createTable('groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('member_ids', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await s
      .createTable('roles')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('privileges', 'text', (c) => c.notNull())
      .addColumn('system', 'integer', (c) => c.notNull())
      .execute();
    await s.createIndex('roles_name').on('roles').column('name').execute();

    await s
      .createTable('permissions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('role_id', 'text', (c) => c.notNull())
      .addColumn('propagate', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('permissions_entity').on('permissions').column('entity_id').execute();
    await s.createIndex('permissions_principal').on('permissions').column('principal').execute();

    await s
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('face', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('idle_seconds', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('expires_ms', 'integer', (c) => c.notNull())
      .addColumn('idle_expires_ms', 'integer', (c) => c.notNull())
      .execute();
    await s.createIndex('sessions_user').on('sessions').column('user_id').execute();
    await s.createIndex('sessions_expires').on('sessions').column('expires_ms').execute();
    await s.createIndex('sessions_idle_expires').on('sessions').column('idle_expires_ms').execute();

    await s
      .createTable('pools')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('vm_ids', 'text', (c) => c.notNull())
      .addColumn('protocols', 'text', (c) => c.notNull())
      .addColumn('default_protocol', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('reset_allowed', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await s
      .createTable('entitlements')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('pool_id', 'text', (c) => c.notNull())
      .addColumn('principal', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('entitlements_pool').on('entitlements').column('pool_id').execute();

    await s
      .createTable('assignments')
      .addColumn('pool_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('vm_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('assignments_pk', ['pool_id', 'user_id'])
      .execute();

    await s
      .createTable('desktop_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('pool_id', 'text', (c) => c.notNull())
      .addColumn('vm_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('protocol', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('desktop_sessions_user').on('desktop_sessions').column('user_id').execute();
    await s.createIndex('desktop_sessions_vm').on('desktop_sessions').column('vm_id').execute();

    await s
      .createTable('applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('pool_id', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('publisher', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await s.createIndex('applications_name').on('applications').column('name').execute();
    await s.createIndex('applications_pool').on('applications').column('pool_id').execute();

    await s
      .createTable('events')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('object_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text')
      .addColumn('task_id', 'text')
      .execute();
    await s.createIndex('events_object').on('events').columns(['object_id', 'id']).execute();

    await s
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await s
      .createTable('sequences')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'integer', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [...TABLES].reverse()) await db.schema.dropTable(table).ifExists().execute();
  },
};

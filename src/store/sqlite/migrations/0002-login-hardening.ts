/**
 * Issue 8's login hardening:
 * - user names are one account whatever their case (as in vSphere): a case-insensitive
 *   unique index. Accounts that already clash ('Administrator' beside 'administrator')
 *   keep the oldest name; later ones are renamed '<name>-<id>' (still unique, still
 *   loggable-in by that name) rather than merged.
 * - failed logins counted per (account, source address), so that a lock set by one
 *   address does not lock out the others.
 */
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

export const loginHardening: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`
      update users set name = name || '-' || id
      where exists (select 1 from users older where older.name = users.name collate nocase and older.seq < users.seq)
    `.execute(db);
    await sql`create unique index users_name_nocase on users (name collate nocase)`.execute(db);

    await db.schema
      .createTable('login_failures')
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('locked_until_ms', 'integer')
      .addColumn('last_failure_ms', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('login_failures_pk', ['user_id', 'source'])
      .execute();
    await db.schema.createIndex('login_failures_last').on('login_failures').column('last_failure_ms').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('login_failures').execute();
    await sql`drop index users_name_nocase`.execute(db);
  },
};

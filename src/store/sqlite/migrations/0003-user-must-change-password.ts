/**
 * Issue 11: an administrator can require a user to change their password before the
 * account logs in again (the View broker's windows-password-expired screen). Existing
 * accounts keep logging in as before (0).
 */
import type { Kysely, Migration } from 'kysely';

export const userMustChangePassword: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('users')
      .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').dropColumn('must_change_password').execute();
  },
};

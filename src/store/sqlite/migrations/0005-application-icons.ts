/**
 * Issue 11: a published application carries an icon (a small data: URL, or NULL when it
 * has none). Applications stored before have none.
 */
import type { Kysely, Migration } from 'kysely';

export const applicationIcons: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('applications').addColumn('icon', 'text').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('applications').dropColumn('icon').execute();
  },
};

import { sql } from 'kysely';
import type { User } from '../../core/model/index.ts';
import type { UserRepository } from '../../core/ports/store.ts';
import type { SqlContext } from './sql-context.ts';
import { fromRow } from './table-spec.ts';
import { NamedTableRepository } from './table-repository.ts';
import { USERS } from './tables.ts';

/** Users: names compared case-insensitively (the users_name_nocase index, migration 0002). */
export class SqliteUserRepository extends NamedTableRepository<User> implements UserRepository {
  constructor(ctx: SqlContext) {
    super(ctx, USERS);
  }

  override async getByName(name: string): Promise<User | undefined> {
    const row = await this.select(this.ctx.db).where(sql<boolean>`name = ${name} collate nocase`).limit(1).executeTakeFirst();
    return row === undefined ? undefined : fromRow(USERS, row);
  }

  async countFailedLogin(id: string, lockedUntil: string | null): Promise<User | undefined> {
    const row = await this.ctx.db
      .updateTable('users')
      .set({
        failed_logins: sql<number>`failed_logins + 1`,
        locked_until: sql<string | null>`case when ${lockedUntil} is not null and (locked_until is null or locked_until < ${lockedUntil}) then ${lockedUntil} else locked_until end`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(USERS, row);
  }
}

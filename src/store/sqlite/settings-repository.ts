import type { SettingsRepository } from '../../core/ports/store.ts';
import type { SqlContext } from './sql-context.ts';

export class SqliteSettingsRepository implements SettingsRepository {
  constructor(private readonly ctx: SqlContext) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.ctx.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row === undefined ? undefined : (row.value as string);
  }

  async set(key: string, value: string): Promise<void> {
    await this.ctx.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}

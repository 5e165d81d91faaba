import type { Session } from '../../core/model/index.ts';
import { invalidArgument } from '../../core/errors.ts';
import type { SessionRepository } from '../../core/ports/store.ts';
import { TableRepository } from './table-repository.ts';
import { epochMs } from './table-spec.ts';
import type { SqlContext } from './sql-context.ts';
import { SESSIONS } from './tables.ts';

/**
 * Sessions carry their absolute and idle expiry as epoch ms columns (expires_ms,
 * idle_expires_ms = lastUsedAt + idleSeconds), kept by the table's derived columns.
 */
export class SqliteSessionRepository extends TableRepository<Session> implements SessionRepository {
  constructor(ctx: SqlContext) {
    super(ctx, SESSIONS);
  }

  listForUser(userId: string): Promise<Session[]> {
    return this.listWhere('user_id', userId);
  }

  /** A session is expired at the instant it reaches either limit (<=). */
  async deleteExpired(now: string): Promise<number> {
    const ms = epochMs(now);
    if (ms === null) throw invalidArgument(`'${now}' is not an ISO time`, { module: 'store' });
    const r = await this.ctx.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_ms', '<=', ms), eb('idle_expires_ms', '<=', ms)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

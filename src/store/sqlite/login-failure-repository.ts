import { sql } from 'kysely';
import { invalidArgument } from '../../core/errors.ts';
import type { LoginFailure } from '../../core/model/index.ts';
import type { LoginFailureRepository } from '../../core/ports/store.ts';
import type { SqlValue } from './column.ts';
import type { SqlContext } from './sql-context.ts';
import { epochMs } from './table-spec.ts';

function ms(iso: string, what: string): number {
  const v = epochMs(iso);
  if (v === null) throw invalidArgument(`${what} '${iso}' is not an ISO time`, { module: 'store' });
  return v;
}

function decode(row: Readonly<Record<string, SqlValue>>): LoginFailure {
  return {
    userId: row.user_id as string,
    source: row.source as string,
    failures: Number(row.failures),
    lockedUntil: row.locked_until_ms === null ? null : new Date(Number(row.locked_until_ms)).toISOString(),
    lastFailureAt: new Date(Number(row.last_failure_ms)).toISOString(),
  };
}

/** login_failures: one row per (user, source) with failures; times as epoch ms. */
export class SqliteLoginFailureRepository implements LoginFailureRepository {
  constructor(private readonly ctx: SqlContext) {}

  async get(userId: string, source: string): Promise<LoginFailure | undefined> {
    const row = await this.ctx.db.selectFrom('login_failures').selectAll().where('user_id', '=', userId).where('source', '=', source).executeTakeFirst();
    return row === undefined ? undefined : decode(row);
  }

  async listForUser(userId: string): Promise<LoginFailure[]> {
    const rows = await this.ctx.db.selectFrom('login_failures').selectAll().where('user_id', '=', userId).orderBy('source').execute();
    return rows.map(decode);
  }

  /** One upsert … returning: atomic whatever runs beside it. */
  async recordFailure(userId: string, source: string, opts: { at: string; windowStart: string; max: number; lockUntil: string }): Promise<LoginFailure> {
    const at = ms(opts.at, 'at');
    const windowStart = ms(opts.windowStart, 'windowStart');
    const lockUntil = ms(opts.lockUntil, 'lockUntil');
    const max = opts.max;
    const next = sql<number>`(case when login_failures.last_failure_ms < ${windowStart} then 1 else login_failures.failures + 1 end)`;
    const row = await this.ctx.db
      .insertInto('login_failures')
      .values({ user_id: userId, source, failures: 1, locked_until_ms: 1 >= max ? lockUntil : null, last_failure_ms: at })
      .onConflict((oc) =>
        oc.columns(['user_id', 'source']).doUpdateSet({
          failures: next,
          locked_until_ms: sql<number | null>`case
            when login_failures.locked_until_ms > ${at} then login_failures.locked_until_ms
            when ${next} >= ${max} then ${lockUntil}
            else null end`,
          last_failure_ms: at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return decode(row);
  }

  async clear(userId: string, source?: string): Promise<number> {
    let q = this.ctx.db.deleteFrom('login_failures').where('user_id', '=', userId);
    if (source !== undefined) q = q.where('source', '=', source);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async prune(before: string): Promise<number> {
    const b = ms(before, 'before');
    const r = await this.ctx.db
      .deleteFrom('login_failures')
      .where('last_failure_ms', '<', b)
      .where((eb) => eb.or([eb('locked_until_ms', 'is', null), eb('locked_until_ms', '<=', b)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

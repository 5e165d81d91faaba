/**
 * The better-sqlite3 handle as kysely's SqliteDialect sees it, plus two things the dialect
 * lacks: a bounded cache of prepared statements (kysely prepares every query anew) and
 * translation of SQLite errors into VmgateError where statements run.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { sqliteError } from './sqlite-errors.ts';

const CACHE_SIZE = 256;

export function wrapDatabase(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();

  const prepare = (sql: string): SqliteStatement => {
    const hit = cache.get(sql);
    if (hit !== undefined) {
      cache.delete(sql); // re-insert: Map order is the LRU order
      cache.set(sql, hit);
      return hit;
    }
    let stmt: BetterSqlite3.Statement;
    try {
      stmt = db.prepare(sql);
    } catch (e) {
      throw sqliteError(e);
    }
    const wrapped: SqliteStatement = {
      reader: stmt.reader,
      all(parameters) {
        try {
          return stmt.all(parameters as unknown[]);
        } catch (e) {
          throw sqliteError(e);
        }
      },
      run(parameters) {
        try {
          return stmt.run(parameters as unknown[]);
        } catch (e) {
          throw sqliteError(e);
        }
      },
      iterate(parameters) {
        return stmt.iterate(parameters as unknown[]);
      },
    };
    cache.set(sql, wrapped);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return wrapped;
  };

  return {
    prepare,
    close: () => {
      cache.clear();
      db.close();
    },
  };
}

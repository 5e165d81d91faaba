/**
 * better-sqlite3 errors → VmgateError. Constraint failures need to know which record was
 * written (for the message), so repositories call `constraintError`; everything else is
 * translated once, where statements run (see database.ts).
 */
import {
  alreadyExists,
  internal,
  invalidArgument,
  resourceBusy,
  resourceExhausted,
  VmgateError,
} from '../../core/errors.ts';
import type { TableSpec } from './table-spec.ts';

const MODULE = 'store';

interface SqliteErrorLike {
  readonly code: string;
  readonly message: string;
}

function isSqliteError(e: unknown): e is SqliteErrorLike {
  if (!(e instanceof Error)) return false;
  const code: unknown = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** 'UNIQUE constraint failed: vms.datastore_id, vms.vmx_rel' → ['datastore_id', 'vmx_rel'] */
function failedColumns(message: string): string[] {
  const m = /constraint failed: (.+)$/.exec(message);
  if (m === null) return [];
  return m[1].split(',').map((c) => c.trim().replace(/^[^.]*\./, ''));
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

export function describeRecord<T>(spec: TableSpec<T>, record: Partial<T>): string {
  if (spec.describe !== undefined) return spec.describe(record);
  const id = (record as { id?: unknown }).id;
  return id === undefined ? `a ${spec.noun}` : String(id);
}

/**
 * A constraint failure while writing `record` into `spec`'s table as VmgateError
 * ("user 'alice' already exists", "vm-12 already exists"); other errors as they are.
 */
export function constraintError<T>(e: unknown, spec: TableSpec<T>, record: Partial<T>): unknown {
  if (!isSqliteError(e)) return e;
  const details = { table: spec.table, sqlite: e.message };
  switch (e.code) {
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return alreadyExists(`${describeRecord(spec, record)} already exists`, { module: MODULE, details, cause: e });
    case 'SQLITE_CONSTRAINT_UNIQUE': {
      const columns = failedColumns(e.message);
      const key = spec.unique?.find((u) => sameColumns(u.columns, columns));
      const what = key === undefined ? describeRecord(spec, record) : key.describe(record as T);
      return alreadyExists(`${what} already exists`, { module: MODULE, details, cause: e });
    }
    case 'SQLITE_CONSTRAINT_NOTNULL': {
      const [column] = failedColumns(e.message);
      const columns = Object.entries(spec.columns) as [string, { name: string }][];
      const field = columns.find(([, c]) => c.name === column)?.[0] ?? column;
      return invalidArgument(`${describeRecord(spec, record)} needs a value for '${field}'`, {
        module: MODULE,
        details,
        cause: e,
      });
    }
    default:
      return sqliteError(e);
  }
}

/** Any error out of better-sqlite3 as VmgateError (module 'store'). */
export function sqliteError(e: unknown): unknown {
  if (e instanceof VmgateError || !isSqliteError(e)) return e;
  const details = { sqlite: e.message, code: e.code };
  if (e.code.startsWith('SQLITE_BUSY') || e.code.startsWith('SQLITE_LOCKED')) {
    return resourceBusy('the database is busy (locked by another writer)', { module: MODULE, details, cause: e });
  }
  if (e.code === 'SQLITE_FULL') {
    return resourceExhausted('the disk holding the database is full', { module: MODULE, details, cause: e });
  }
  if (e.code.startsWith('SQLITE_CONSTRAINT')) return e; // the repository names the record
  return internal(`database error: ${e.message}`, { module: MODULE, details, cause: e });
}

import type { Column, SqlValue } from './column.ts';

/** A row as the driver returns it and as inserts take it. */
export type SqlRow = Readonly<Record<string, SqlValue>>;

/** Field → column of every field of T: the one place a table's names are mapped. */
export type ColumnMap<T> = { readonly [K in keyof T]-?: Column };

export type OrderTerm = readonly [column: string, direction: 'asc' | 'desc'];

/** A unique constraint besides the primary key, and how messages name a clash on it. */
export interface UniqueKey<T> {
  readonly columns: readonly string[];
  describe(record: T): string;
}

/** How records of T live in one table. */
export interface TableSpec<T> {
  readonly table: string;
  /** How messages name a row of the table: 'user', 'VM', 'desktop assignment'. */
  readonly noun: string;
  readonly columns: ColumnMap<T>;
  /** Extra columns computed from the record (ordering, indexing, date math); never read back. */
  readonly derived?: (record: T) => SqlRow;
  /** Order of list() and of every multi-row read. */
  readonly order: readonly OrderTerm[];
  /** Columns that identify a row (default: id). */
  readonly key?: readonly (keyof T & string)[];
  readonly unique?: readonly UniqueKey<T>[];
  /** How messages name a row by key: 'vm-12', "task 5c1e…" (default: the id itself). */
  describe?(record: Partial<T>): string;
}

export function toRow<T>(spec: TableSpec<T>, record: T): SqlRow {
  const row: Record<string, SqlValue> = {};
  for (const field of Object.keys(spec.columns) as (keyof T)[]) {
    const column = spec.columns[field];
    row[column.name] = column.encode(record[field]);
  }
  return spec.derived === undefined ? row : { ...row, ...spec.derived(record) };
}

export function fromRow<T>(spec: TableSpec<T>, row: SqlRow): T {
  const record: Record<string, unknown> = {};
  for (const field of Object.keys(spec.columns) as (keyof T & string)[]) {
    const column = spec.columns[field];
    record[field] = column.decode(row[column.name]);
  }
  return record as T;
}

/** Trailing number of an id ('vm-12' → 12, 'domain-c7' → 7): ids sort by it. */
export function seqOf(id: string): number | null {
  const m = /(\d{1,15})$/.exec(id);
  return m === null ? null : Number(m[1]);
}

/** Epoch milliseconds of an ISO time, or null; used for date math in SQL. */
export function epochMs(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

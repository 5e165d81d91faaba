/**
 * One column of a table: its SQL name and how a record field is written to and read from
 * it. The whole snake_case ↔ camelCase mapping of a table is a map of these (see tables.ts).
 */

/** What better-sqlite3 binds and returns (pg returns booleans too: decoders accept both). */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

export interface Column {
  readonly name: string;
  encode(value: unknown): SqlValue;
  decode(value: unknown): unknown;
}

const identity = (value: unknown): unknown => (value === undefined ? null : value);

/** Text or number, stored as is; null stays null. */
export function text(name: string): Column {
  return { name, encode: identity as (v: unknown) => SqlValue, decode: identity };
}

/** Numbers are stored as they come (INTEGER or REAL affinity keeps 50 and 50.5 apart). */
export const num = text;

/** SQLite has no boolean: 1/0 on disk, true/false in the record; null stays null. */
export function bool(name: string): Column {
  return {
    name,
    encode: (v) => (v === null || v === undefined ? null : v ? 1 : 0),
    decode: (v) => (v === null ? null : v === 1 || v === true || v === 1n),
  };
}

/**
 * Any JSON value as text: arrays, nested objects, and also a bare null ('null'), so that
 * `null` and `undefined` (SQL NULL) both round-trip.
 */
export function json(name: string): Column {
  return {
    name,
    encode: (v) => (v === undefined ? null : JSON.stringify(v)),
    decode: (v) => (v === null ? undefined : JSON.parse(v as string)),
  };
}

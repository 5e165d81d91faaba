/**
 * What every vCenter list operation shares: filter sets, the size limits vCenter
 * enforces, and the order of results.
 */
import { resourceExhausted } from '../../../core/errors.ts';

/**
 * A filter's set field as a set, or undefined for "no condition": vSphere treats an
 * unset and an empty set alike ("if unset or empty, … with any identifier match").
 */
export function setOf<T>(values: readonly T[] | undefined): ReadonlySet<T> | undefined {
  return values === undefined || values.length === 0 ? undefined : new Set(values);
}

/** Whether `value` passes a filter set (no set: everything passes). */
export function passes<T>(set: ReadonlySet<T> | undefined, value: T): boolean {
  return set === undefined || set.has(value);
}

/** Whether any of `values` passes a filter set (no set: everything passes). */
export function passesAny<T>(set: ReadonlySet<T> | undefined, values: Iterable<T>): boolean {
  if (set === undefined) return true;
  for (const v of values) if (set.has(v)) return true;
  return false;
}

/**
 * The most entries each list operation returns; beyond it vCenter answers
 * unable_to_allocate_resource (the 7.0.3 specs: "if more than 4000 virtual machines
 * match the filter", 2500 hosts or datastores, 1000 of the others).
 */
export const LIST_LIMITS = {
  'virtual machines': 4000,
  hosts: 2500,
  datastores: 2500,
  networks: 1000,
  folders: 1000,
  'resource pools': 1000,
  clusters: 1000,
  datacenters: 1000,
} as const;
export type ListKind = keyof typeof LIST_LIMITS;

/** Refuses a result larger than vCenter would return, as vCenter does. */
export function checkListSize(kind: ListKind, count: number): void {
  const max = LIST_LIMITS[kind];
  if (count > max) {
    throw resourceExhausted(`more than ${max} ${kind} match the filter; a list returns at most ${max}: narrow the filter`, { module: 'face.vapi' });
  }
}

/** `vm-2` before `vm-10`: ids in numeric order, as core lists them. */
const ID_COLLATOR = new Intl.Collator('en', { numeric: true });

/** 'vm-2' before 'vm-10'. One collator: localeCompare with options builds one per call. */
export function compareIds(a: string, b: string): number {
  return ID_COLLATOR.compare(a, b);
}

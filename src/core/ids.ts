import { randomUUID } from 'node:crypto';
import type { Store } from './ports/store.ts';

/** Lower-case GUID, 8-4-4-4-12. */
export function newGuid(): string {
  return randomUUID();
}

/** The id prefixes vSphere prints, and ours for vendor objects. */
export const ID_PREFIX = {
  datacenter: 'datacenter-',
  cluster: 'domain-c',
  host: 'host-',
  datastore: 'datastore-',
  vm: 'vm-',
  snapshot: 'snapshot-',
  user: 'user-',
  group: 'group-',
  permission: 'permission-',
  pool: 'pool-',
  entitlement: 'entitlement-',
  application: 'app-',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

export async function nextId(store: Store, kind: IdKind): Promise<string> {
  return `${ID_PREFIX[kind]}${await store.nextSequence(kind)}`;
}

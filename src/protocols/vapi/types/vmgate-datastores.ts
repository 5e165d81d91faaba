/**
 * com.vmgate.datastores: the directories vmgate keeps VMs, disks and ISOs in. A vmgate
 * addition; REST under `/api/vmgate/datastores`. Listing shows the datastores the caller
 * may see; adding and removing one needs Host.Config on the root (administrators).
 *
 * Structures:
 * - `com.vmgate.datastores.info` (list, get): `datastore` id (`datastore-<n>`), `name`,
 *   `path` (absolute directory on the vmgate machine), `datacenter`, `capacity?` and
 *   `free_space?` in bytes (absent when the directory cannot be read), `vm_count`.
 * - `com.vmgate.datastores.create_spec`: `name` (letters, digits, `. _ -`), `path?` (an
 *   existing absolute directory, not inside another datastore nor containing one; absent:
 *   a new directory `<data-dir>/datastores/<name>`), `datacenter?` (needed only when there
 *   are several).
 *
 * `delete` takes the datastore out of the inventory and leaves its files in place; it is
 * `not_allowed_in_current_state` while VMs are registered on it.
 */
import type { Infer } from './vapi-type.ts';
import { id, list, long, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateDatastoreInfo = struct('com.vmgate.datastores.info', {
  datastore: id('Datastore'),
  name: string(),
  path: string(),
  datacenter: id('Datacenter'),
  capacity: optional(long()),
  free_space: optional(long()),
  vm_count: long(),
});
export type VmgateDatastoreInfo = Infer<typeof VmgateDatastoreInfo>;

export const VmgateDatastoreCreateSpec = struct('com.vmgate.datastores.create_spec', {
  name: string(),
  path: optional(string()),
  datacenter: optional(id('Datacenter')),
});
export type VmgateDatastoreCreateSpec = Infer<typeof VmgateDatastoreCreateSpec>;

const DATASTORE = id('Datastore');
const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgateDatastoresService = service('com.vmgate.datastores', {
  list: operation({
    input: {},
    output: list(VmgateDatastoreInfo),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/datastores', status: 200 },
  }),
  get: operation({
    input: { datastore: DATASTORE },
    output: VmgateDatastoreInfo,
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/datastores/{datastore}', status: 200 },
  }),
  create: operation({
    input: { spec: VmgateDatastoreCreateSpec },
    output: DATASTORE,
    errors: [...ERRORS, 'already_exists'],
    rest: { method: 'POST', path: '/api/vmgate/datastores', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { datastore: DATASTORE },
    output: voidT(),
    errors: [...ERRORS, 'not_allowed_in_current_state'],
    rest: { method: 'DELETE', path: '/api/vmgate/datastores/{datastore}', status: 204 },
  }),
});

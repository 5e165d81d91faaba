/**
 * com.vmgate.pools.applications: the applications published on an application pool (a
 * pool of type APPLICATION: one VM shared by many users' sessions). A vmgate addition;
 * REST under `/api/vmgate/pools/{pool}/applications`. Needs Desktop.Admin on the root.
 * Who may launch an application is who is entitled to its pool
 * (com.vmgate.pools.entitlements).
 *
 * Structures:
 * - `com.vmgate.pools.applications.info` (list): `application` id (`app-<n>`), `name`,
 *   `path` (the program on the VM), `version`, `publisher`, `icon?` (a data: URL),
 *   `created`.
 * - `com.vmgate.pools.applications.create_spec`: `name` (unique in the pool), `path`,
 *   `version?`, `publisher?` (default empty), `icon?` (`data:image/png;base64,…`, at
 *   most 64 KiB; png, gif, jpeg, bmp, x-icon).
 *
 * `create` on a pool that is not of type APPLICATION is invalid_argument; `delete` of an
 * application not published on that pool is not_found.
 */
import type { Infer } from './vapi-type.ts';
import { dateTime, id, list, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

const APPLICATION = id('com.vmgate.pools.application');

export const VmgateApplicationInfo = struct('com.vmgate.pools.applications.info', {
  application: APPLICATION,
  name: string(),
  path: string(),
  version: string(),
  publisher: string(),
  icon: optional(string()),
  created: dateTime(),
});
export type VmgateApplicationInfo = Infer<typeof VmgateApplicationInfo>;

export const VmgateApplicationCreateSpec = struct('com.vmgate.pools.applications.create_spec', {
  name: string(),
  path: string(),
  version: optional(string()),
  publisher: optional(string()),
  icon: optional(string()),
});
export type VmgateApplicationCreateSpec = Infer<typeof VmgateApplicationCreateSpec>;

const POOL = id('com.vmgate.pool');
const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgatePoolApplicationsService = service('com.vmgate.pools.applications', {
  list: operation({
    input: { pool: POOL },
    output: list(VmgateApplicationInfo),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/pools/{pool}/applications', status: 200 },
  }),
  create: operation({
    input: { pool: POOL, spec: VmgateApplicationCreateSpec },
    output: APPLICATION,
    errors: [...ERRORS, 'already_exists'],
    rest: { method: 'POST', path: '/api/vmgate/pools/{pool}/applications', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { pool: POOL, application: APPLICATION },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/pools/{pool}/applications/{application}', status: 204 },
  }),
});

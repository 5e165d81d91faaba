/**
 * com.vmgate.pools.entitlements: which users and groups may launch a desktop pool's
 * desktops. A vmgate addition; REST under `/api/vmgate/pools/{pool}/entitlements`.
 * Needs Desktop.Admin on the root.
 *
 * Structures:
 * - `com.vmgate.pools.entitlements.info` (list): `entitlement` id (`entitlement-<n>`),
 *   `principal` (`user:<name>` or `group:<name>`), `created`.
 *
 * `add` takes a principal (`user:<name|id>`, `group:<name|id>`, a bare name is a user) and
 * is idempotent (entitling again answers the existing entitlement's id); `remove` answers
 * not_found when the principal is not entitled.
 */
import type { Infer } from './vapi-type.ts';
import { dateTime, id, list, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateEntitlementInfo = struct('com.vmgate.pools.entitlements.info', {
  entitlement: id('com.vmgate.pools.entitlement'),
  principal: string(),
  created: dateTime(),
});
export type VmgateEntitlementInfo = Infer<typeof VmgateEntitlementInfo>;

const POOL = id('com.vmgate.pool');
const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgatePoolEntitlementsService = service('com.vmgate.pools.entitlements', {
  list: operation({
    input: { pool: POOL },
    output: list(VmgateEntitlementInfo),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/pools/{pool}/entitlements', status: 200 },
  }),
  add: operation({
    input: { pool: POOL, principal: string() },
    output: id('com.vmgate.pools.entitlement'),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/pools/{pool}/entitlements', status: 201, body: 'fields' },
  }),
  remove: operation({
    input: { pool: POOL, principal: string() },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/pools/{pool}/entitlements/{principal}', status: 204 },
  }),
});

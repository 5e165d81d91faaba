/**
 * com.vmgate.permissions: who holds which role on which inventory object. Resolution is
 * vSphere's: from the object up to the root, the first level with a permission for the
 * caller decides (user over group), a permission on an ancestor counts when it propagates.
 * A vmgate addition; REST under `/api/vmgate/permissions`.
 *
 * Structures:
 * - `com.vmgate.permissions.info` (list): `permission` id (`permission-<n>`), `principal`
 *   (`user:<name>` or `group:<name>`), `entity` (`root`, `library`, a datacenter, cluster,
 *   host, VM or desktop pool id), `role` id, `propagate`.
 * - `com.vmgate.permissions.set_spec`: `principal` (`user:<name|id>`, `group:<name|id>`; a
 *   bare name is a user), `entity`, `role`, `propagate?` (default true). Setting again for
 *   the same principal and entity replaces the role.
 */
import type { Infer } from './vapi-type.ts';
import { boolean, id, list, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgatePermissionInfo = struct('com.vmgate.permissions.info', {
  permission: id('com.vmgate.permission'),
  principal: string(),
  entity: id(),
  role: id('com.vmgate.role'),
  propagate: boolean(),
});
export type VmgatePermissionInfo = Infer<typeof VmgatePermissionInfo>;

export const VmgatePermissionSetSpec = struct('com.vmgate.permissions.set_spec', {
  principal: string(),
  entity: id(),
  role: id('com.vmgate.role'),
  propagate: optional(boolean()),
});
export type VmgatePermissionSetSpec = Infer<typeof VmgatePermissionSetSpec>;

const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgatePermissionsService = service('com.vmgate.permissions', {
  list: operation({
    input: { entity: optional(id()) },
    output: list(VmgatePermissionInfo),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/permissions', status: 200, query: ['entity'] },
  }),
  set: operation({
    input: { spec: VmgatePermissionSetSpec },
    output: id('com.vmgate.permission'),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/permissions', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { permission: id('com.vmgate.permission') },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/permissions/{permission}', status: 204 },
  }),
});

/**
 * com.vmgate.roles: named sets of privileges that permissions grant. The built-in roles
 * (administrator, operator, read-only, desktop-user) cannot change; custom ones can be
 * added. A vmgate addition; REST under `/api/vmgate/roles`.
 *
 * Structures:
 * - `com.vmgate.roles.info` (list): `id` (`operator`, …), `name`, `privileges`
 *   (`System.View`, `VirtualMachine.PowerOps`, …), `system` (built in).
 * - `com.vmgate.roles.create_spec`: `id` (lower-case letters, digits, `-`), `name`,
 *   `privileges` (each one of core's privileges; an unknown one answers invalid_argument
 *   and lists the known ones).
 */
import type { Infer } from './vapi-type.ts';
import { boolean, id, list, string, struct } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateRoleInfo = struct('com.vmgate.roles.info', {
  id: id('com.vmgate.role'),
  name: string(),
  privileges: list(string()),
  system: boolean(),
});
export type VmgateRoleInfo = Infer<typeof VmgateRoleInfo>;

export const VmgateRoleCreateSpec = struct('com.vmgate.roles.create_spec', {
  id: id('com.vmgate.role'),
  name: string(),
  privileges: list(string()),
});
export type VmgateRoleCreateSpec = Infer<typeof VmgateRoleCreateSpec>;

const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgateRolesService = service('com.vmgate.roles', {
  list: operation({
    input: {},
    output: list(VmgateRoleInfo),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/roles', status: 200 },
  }),
  create: operation({
    input: { spec: VmgateRoleCreateSpec },
    output: id('com.vmgate.role'),
    errors: [...ERRORS, 'already_exists'],
    rest: { method: 'POST', path: '/api/vmgate/roles', status: 201, body: 'spec' },
  }),
});

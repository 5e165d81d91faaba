/**
 * com.vmgate.groups: groups of vmgate users (permissions and desktop entitlements may name
 * a group). A vmgate addition; REST under `/api/vmgate/groups`. Listing needs System.View,
 * changes Authorization.Modify on the root.
 *
 * Structures:
 * - `com.vmgate.groups.info` (list, get): `group` id (`group-<n>`), `name`, `description`,
 *   `members` (user names), `created`.
 * - `com.vmgate.groups.create_spec`: `name`, `description?`, `members?` (user names or ids).
 *
 * A group is addressed by id or by name; members by user name or id.
 */
import type { Infer } from './vapi-type.ts';
import { dateTime, id, list, optional, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateGroupInfo = struct('com.vmgate.groups.info', {
  group: id('com.vmgate.group'),
  name: string(),
  description: string(),
  members: list(string()),
  created: dateTime(),
});
export type VmgateGroupInfo = Infer<typeof VmgateGroupInfo>;

export const VmgateGroupCreateSpec = struct('com.vmgate.groups.create_spec', {
  name: string(),
  description: optional(string()),
  members: optional(list(string())),
});
export type VmgateGroupCreateSpec = Infer<typeof VmgateGroupCreateSpec>;

const GROUP = id('com.vmgate.group');
const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgateGroupsService = service('com.vmgate.groups', {
  list: operation({
    input: {},
    output: list(VmgateGroupInfo),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/groups', status: 200 },
  }),
  get: operation({
    input: { group: GROUP },
    output: VmgateGroupInfo,
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/groups/{group}', status: 200 },
  }),
  create: operation({
    input: { spec: VmgateGroupCreateSpec },
    output: GROUP,
    errors: [...ERRORS, 'already_exists'],
    rest: { method: 'POST', path: '/api/vmgate/groups', status: 201, body: 'spec' },
  }),
  delete: operation({
    input: { group: GROUP },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'DELETE', path: '/api/vmgate/groups/{group}', status: 204 },
  }),
  add_members: operation({
    input: { group: GROUP, users: list(string()) },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/groups/{group}?action=add-members', status: 204, body: 'fields' },
  }),
  remove_members: operation({
    input: { group: GROUP, users: list(string()) },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/groups/{group}?action=remove-members', status: 204, body: 'fields' },
  }),
});

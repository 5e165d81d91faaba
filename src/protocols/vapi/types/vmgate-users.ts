/**
 * com.vmgate.users: vmgate's local accounts — the same accounts log in through every face.
 * A vmgate addition; REST under `/api/vmgate/users`. Everything but reading or changing
 * one's own account (get, set_password) needs Authorization.Modify on the root.
 *
 * Structures:
 * - `com.vmgate.users.summary` (list): `user` id (`user-<n>`), `name`, `full_name`,
 *   `disabled`, `locked` (refusing logins after too many failures).
 * - `com.vmgate.users.info` (get): the summary's fields and `locked_until?`,
 *   `failed_logins` (since the last good one), `last_login?`, `created`,
 *   `must_change_password` (the account cannot log in until its password is changed).
 * - `com.vmgate.users.create_spec`: `name` (1–64 letters, digits, `. _ @ \ -`),
 *   `password?` (at least 8 characters; generated when absent), `full_name?`.
 * - `com.vmgate.users.create_result`: `user` id and `password` — present only when it was
 *   generated, shown this once.
 * - `com.vmgate.users.update_spec`: `full_name?`, `disabled?` (a disabled account cannot
 *   log in and its sessions end at their next use), `must_change_password?` (true: the
 *   account's sessions end and it cannot log in until the password is changed — the View
 *   broker offers the windows-password-expired screen for that; the user changing their own
 *   password with `set_password` clears it too).
 *
 * `set_password` of one's own account needs `current_password` too (a wrong one is
 * `unauthorized` and counts as a failed login); an administrator setting someone else's
 * password does not.
 *
 * A user is addressed by id or by name (`alice`, `alice@vsphere.local`), whatever its case.
 */
import type { Infer } from './vapi-type.ts';
import { boolean, dateTime, id, list, long, optional, secret, string, struct, voidT } from './vapi-type.ts';
import { operation, service } from './operation.ts';
import type { StdErrorKind } from './std.ts';

export const VmgateUserSummary = struct('com.vmgate.users.summary', {
  user: id('com.vmgate.user'),
  name: string(),
  full_name: string(),
  disabled: boolean(),
  locked: boolean(),
});
export type VmgateUserSummary = Infer<typeof VmgateUserSummary>;

export const VmgateUserInfo = struct('com.vmgate.users.info', {
  user: id('com.vmgate.user'),
  name: string(),
  full_name: string(),
  disabled: boolean(),
  locked: boolean(),
  locked_until: optional(dateTime()),
  failed_logins: long(),
  last_login: optional(dateTime()),
  created: dateTime(),
  must_change_password: boolean(),
});
export type VmgateUserInfo = Infer<typeof VmgateUserInfo>;

export const VmgateUserCreateSpec = struct('com.vmgate.users.create_spec', {
  name: string(),
  password: optional(secret()),
  full_name: optional(string()),
});
export type VmgateUserCreateSpec = Infer<typeof VmgateUserCreateSpec>;

export const VmgateUserCreateResult = struct('com.vmgate.users.create_result', {
  user: id('com.vmgate.user'),
  password: optional(secret()),
});
export type VmgateUserCreateResult = Infer<typeof VmgateUserCreateResult>;

export const VmgateUserUpdateSpec = struct('com.vmgate.users.update_spec', {
  full_name: optional(string()),
  disabled: optional(boolean()),
  must_change_password: optional(boolean()),
});
export type VmgateUserUpdateSpec = Infer<typeof VmgateUserUpdateSpec>;

const USER = id('com.vmgate.user');
const ERRORS: readonly StdErrorKind[] = ['error', 'invalid_argument', 'not_found', 'service_unavailable', 'unauthenticated', 'unauthorized'];

export const VmgateUsersService = service('com.vmgate.users', {
  list: operation({
    input: {},
    output: list(VmgateUserSummary),
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/users', status: 200 },
  }),
  get: operation({
    input: { user: USER },
    output: VmgateUserInfo,
    errors: ERRORS,
    rest: { method: 'GET', path: '/api/vmgate/users/{user}', status: 200 },
  }),
  create: operation({
    input: { spec: VmgateUserCreateSpec },
    output: VmgateUserCreateResult,
    errors: [...ERRORS, 'already_exists'],
    rest: { method: 'POST', path: '/api/vmgate/users', status: 201, body: 'spec' },
  }),
  update: operation({
    input: { user: USER, spec: VmgateUserUpdateSpec },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'PATCH', path: '/api/vmgate/users/{user}', status: 204, body: 'spec' },
  }),
  set_password: operation({
    input: { user: USER, password: secret(), current_password: optional(secret()) },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/users/{user}?action=set-password', status: 204, body: 'fields' },
  }),
  unlock: operation({
    input: { user: USER },
    output: voidT(),
    errors: ERRORS,
    rest: { method: 'POST', path: '/api/vmgate/users/{user}?action=unlock', status: 204 },
  }),
  delete: operation({
    input: { user: USER },
    output: voidT(),
    errors: [...ERRORS, 'not_allowed_in_current_state'],
    rest: { method: 'DELETE', path: '/api/vmgate/users/{user}', status: 204 },
  }),
});

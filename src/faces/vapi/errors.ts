/**
 * The vAPI face's error mapping, the face's one table: core error kinds map through
 * VAPI_ERROR_TABLE (REST statuses come from the protocol's STD_ERROR_HTTP_STATUS); the
 * reason refinements pick the more precise std error vSphere clients expect.
 */
import type { ErrorKind, VmgateError } from '../../core/errors.ts';
import { isVmgateError, toVmgateError } from '../../core/errors.ts';
import type { StdError } from '../../protocols/vapi/codec/index.ts';
import { STD_ERROR_HTTP_STATUS, message, stdError } from '../../protocols/vapi/codec/index.ts';
import type { StdErrorKind, StdErrorType } from '../../protocols/vapi/types/index.ts';
import { stdErrorTypeOf } from '../../protocols/vapi/types/index.ts';

export interface VapiErrorMapping {
  /** The std error a core error of this kind becomes. */
  readonly stdError: StdErrorKind;
  /** Its `error_type` discriminator (`NOT_FOUND`). */
  readonly errorType: StdErrorType;
  /** Its REST status. */
  readonly httpStatus: number;
}

const row = (stdErrorKind: StdErrorKind): VapiErrorMapping => ({
  stdError: stdErrorKind,
  errorType: stdErrorTypeOf(stdErrorKind),
  httpStatus: STD_ERROR_HTTP_STATUS[stdErrorKind],
});

/**
 * THE mapping of vmgate core error kinds (`src/core/errors.ts`) to the vAPI face's
 * vocabulary — the one table of this face (DESIGN.md, "Errors").
 *
 * | core kind                    | std error                     | error_type                  | REST |
 * |------------------------------|-------------------------------|-----------------------------|------|
 * | not_found                    | not_found                     | NOT_FOUND                   | 404  |
 * | already_exists               | already_exists                | ALREADY_EXISTS              | 400  |
 * | invalid_argument             | invalid_argument              | INVALID_ARGUMENT            | 400  |
 * | not_allowed_in_current_state | not_allowed_in_current_state  | NOT_ALLOWED_IN_CURRENT_STATE| 400  |
 * | unauthenticated              | unauthenticated               | UNAUTHENTICATED             | 401  |
 * | unauthorized                 | unauthorized                  | UNAUTHORIZED                | 403  |
 * | resource_busy                | resource_busy                 | RESOURCE_BUSY               | 400  |
 * | resource_exhausted           | unable_to_allocate_resource   | UNABLE_TO_ALLOCATE_RESOURCE | 400  |
 * | timed_out                    | timed_out                     | TIMED_OUT                   | 504  |
 * | unsupported                  | unsupported                   | UNSUPPORTED                 | 400  |
 * | cancelled                    | canceled                      | CANCELED                    | 500  |
 * | internal                     | error                         | ERROR                       | 500  |
 *
 * Std errors with no core counterpart (`concurrent_change` 409, `service_unavailable` 503,
 * `operation_not_found`, `unexpected_input`, `already_in_desired_state`, …) are raised by
 * the face itself; their statuses are in {@link STD_ERROR_HTTP_STATUS}.
 * Note: vCenter's 7.0.3 spec declares some per-operation deviations (e.g. `resource_busy`
 * as 500 on power start); vmgate answers the runtime's default for every operation.
 */
export const VAPI_ERROR_TABLE: Readonly<Record<ErrorKind, VapiErrorMapping>> = {
  not_found: row('not_found'),
  already_exists: row('already_exists'),
  invalid_argument: row('invalid_argument'),
  not_allowed_in_current_state: row('not_allowed_in_current_state'),
  unauthenticated: row('unauthenticated'),
  unauthorized: row('unauthorized'),
  resource_busy: row('resource_busy'),
  resource_exhausted: row('unable_to_allocate_resource'),
  timed_out: row('timed_out'),
  unsupported: row('unsupported'),
  cancelled: row('canceled'),
  internal: row('error'),
};

/** The std error for a core error; its message id is `vmgate.<module>.<reason or kind>`. */
export function fromVmgateError(err: VmgateError): StdError {
  const m = VAPI_ERROR_TABLE[err.kind];
  return stdError(m.stdError, [message(`vmgate.${err.module}.${err.reason ?? err.kind}`, err.message)]);
}


/** Reasons that have a more precise vSphere error than their kind. */
const REASON_REFINEMENTS: Readonly<Partial<Record<string, StdErrorKind>>> = {
  already_in_state: 'already_in_desired_state',
  // Guest operations (processes, files, transfers, identity, guest power): vSphere answers
  // service_unavailable (503) when tools do not run; a VM that is not running stays
  // not_allowed_in_current_state (core's vm_not_running).
  tools_not_running: 'service_unavailable',
  // Wrong guest credentials: unauthenticated without the HTTP challenge (the session is fine).
  guest_auth_failed: 'unauthenticated',
};

export const UNAUTHENTICATED_CHALLENGE = 'Basic realm="vmgate",SIGN realm="vmgate",service="com.vmware.vapi.endpoint"';

/** Any thrown value as a std error; internal errors say no more than "internal error". */
export function toStdError(e: unknown): StdError {
  const err = toVmgateError(e, 'face.vapi');
  const refined = err.reason ? REASON_REFINEMENTS[err.reason] : undefined;
  if (refined) return stdError(refined, [message(`vmgate.${err.module}.${err.reason}`, err.message)]);
  if (err.kind === 'unauthenticated') return stdError('unauthenticated', [message(`vmgate.${err.module}.unauthenticated`, err.message)], undefined, { challenge: UNAUTHENTICATED_CHALLENGE });
  if (err.kind === 'internal' && !isVmgateError(e)) return stdError('error', [message('vmgate.internal', 'internal error; see the server log')]);
  return fromVmgateError(err);
}

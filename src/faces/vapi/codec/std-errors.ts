/**
 * vAPI standard errors: building them, the one table that maps vmgate's core error kinds
 * onto them (and onto REST statuses), and their wire forms.
 *
 * An API error travels inside a successful JSON-RPC reply
 * (`"result":{"error":{"ERROR":{"com.vmware.vapi.std.errors.not_found":{…}}}}` plus the
 * header `vapi-error: com.vmware.vapi.std.errors.not_found`), or as a REST reply with the
 * table's status and body `{"error_type":"NOT_FOUND","messages":[…]}`.
 */
import type { ErrorKind, VmgateError } from '../../../core/errors.ts';
import type { LocalizableMessage, StdErrorKind, StdErrorType } from '../types/std.ts';
import { STD_ERROR_TYPES, stdErrorName, stdErrorTypeOf } from '../types/std.ts';
import type { Typed } from '../types/vapi-type.ts';
import type { DecodeIssue } from './decode-result.ts';
import type { WireFormat } from './value-codec.ts';
import { encodeValue } from './value-codec.ts';

/** A standard error value, ready to encode. */
export interface StdError {
  readonly kind: StdErrorKind;
  readonly messages: readonly LocalizableMessage[];
  /** Structured detail; a plain object, or a {@link Typed} value to keep a structure name. */
  readonly data?: Readonly<Record<string, unknown>> | Typed;
  /** `unauthenticated` only: the schemes the caller may use (`Basic realm="vmgate"`). */
  readonly challenge?: string;
}

/** A localizable message; vmgate sends `default_message` already filled in. */
export function message(id: string, defaultMessage: string, args: readonly string[] = []): LocalizableMessage {
  return { id, default_message: defaultMessage, args };
}

/**
 * Builds a std error. Messages given as text get the id `vmgate.<kind>`.
 * ```ts
 * stdError('not_found', ['VM vm-42 not found'])
 * ```
 */
export function stdError(
  kind: StdErrorKind,
  messages: readonly (LocalizableMessage | string)[],
  data?: Readonly<Record<string, unknown>> | Typed,
  options: { challenge?: string } = {},
): StdError {
  return {
    kind,
    messages: messages.map((m) => (typeof m === 'string' ? message(`vmgate.${kind}`, m) : m)),
    ...(data === undefined ? {} : { data }),
    ...(options.challenge === undefined ? {} : { challenge: options.challenge }),
  };
}

/** `com.vmware.vapi.std.errors.<kind>`: the error's name (and the `vapi-error` header value). */
export function stdErrorNameOf(e: StdError): string {
  return stdErrorName(e.kind);
}

// ---------------------------------------------------------------------------------------
// The tables

/**
 * REST status of every std error: vapi_runtime's `vapi_to_http_error_map`
 * (`vmware/vapi/rest/lib.py`); errors it does not list (`error`, `canceled`,
 * `unexpected_input`, `unverified_peer`) answer 500 as the runtime does, except
 * `unexpected_input`, a client mistake, which answers 400.
 */
export const STD_ERROR_HTTP_STATUS: Readonly<Record<StdErrorKind, number>> = {
  error: 500,
  already_exists: 400,
  already_in_desired_state: 400,
  canceled: 500,
  concurrent_change: 409,
  feature_in_use: 400,
  internal_server_error: 500,
  invalid_argument: 400,
  invalid_element_configuration: 400,
  invalid_element_type: 400,
  invalid_request: 400,
  not_allowed_in_current_state: 400,
  not_found: 404,
  operation_not_found: 404,
  resource_busy: 400,
  resource_in_use: 400,
  resource_inaccessible: 400,
  service_unavailable: 503,
  timed_out: 504,
  unable_to_allocate_resource: 400,
  unauthenticated: 401,
  unauthorized: 403,
  unexpected_input: 400,
  unsupported: 400,
  unverified_peer: 500,
};

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

/**
 * The std error for input that did not decode: `unexpected_input` when the only problems
 * are undeclared fields (as vapi_runtime answers), else `invalid_argument`; one message per
 * issue.
 */
export function inputError(issues: readonly DecodeIssue[]): StdError {
  const kind: StdErrorKind = issues.every((i) => i.code === 'unexpected_field') ? 'unexpected_input' : 'invalid_argument';
  return stdError(
    kind,
    issues.map((i) =>
      message(i.code === 'unexpected_field' ? 'vapi.data.structure.field.unexpected' : 'vmgate.vapi.input.invalid', i.message),
    ),
  );
}

export function httpStatusOf(e: StdError): number {
  return STD_ERROR_HTTP_STATUS[e.kind];
}

// ---------------------------------------------------------------------------------------
// Wire forms

/** The clean value of a std error: `{ messages, data?, error_type, challenge? }`. */
export function stdErrorFields(e: StdError): Record<string, unknown> {
  return {
    messages: e.messages,
    ...(e.data === undefined ? {} : { data: e.data }),
    error_type: stdErrorTypeOf(e.kind),
    ...(e.kind === 'unauthenticated' && e.challenge !== undefined ? { challenge: e.challenge } : {}),
  };
}

/**
 * The error in a wire format: specialized `{"ERROR":{"com.vmware.vapi.std.errors.<kind>":{…}}}`
 * (JSON-RPC default), clean `{…}`, or the REST body `{"error_type":…,"messages":[…]}`.
 */
export function encodeStdError(e: StdError, format: WireFormat): unknown {
  return encodeValue(stdErrorFields(e), STD_ERROR_TYPES[e.kind], format, 'error');
}

/** Status and body of a REST error reply. */
export function renderRestError(e: StdError): { status: number; body: unknown } {
  return { status: httpStatusOf(e), body: encodeStdError(e, 'rest') };
}

/**
 * vAPI standard errors: building them, the one table that maps vmgate's core error kinds
 * onto them (and onto REST statuses), and their wire forms.
 *
 * An API error travels inside a successful JSON-RPC reply
 * (`"result":{"error":{"ERROR":{"com.vmware.vapi.std.errors.not_found":{…}}}}` plus the
 * header `vapi-error: com.vmware.vapi.std.errors.not_found`), or as a REST reply with the
 * table's status and body `{"error_type":"NOT_FOUND","messages":[…]}`.
 */
import type { LocalizableMessage, StdErrorKind } from '../types/std.ts';
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

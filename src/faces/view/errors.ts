/**
 * The View broker face's error vocabulary: the one table of this face (docs/design.md,
 * "Errors"). Core error kinds map to a View `error-code`; every reply element that fails
 * carries `<result>error</result>`, the code, the error message and a user message.
 */
import type { ErrorKind } from '../../core/errors.ts';
import { toVmgateError } from '../../core/errors.ts';

export type ViewErrorCode =
  // The codes of the View protocol.
  | 'ALREADY_AUTHENTICATED'
  | 'AUTHENTICATION_FAILED'
  | 'NOT_AUTHENTICATED'
  | 'NOT_ENTITLED'
  | 'DESKTOP_LAUNCH_ERROR'
  | 'TUNNEL_ERROR'
  | 'UNSUPPORTED_VERSION'
  // vmgate's own, for what the protocol's list has no word for.
  | 'PROTOCOL_ERROR'
  | 'INVALID_REQUEST'
  | 'OPERATION_FAILED'
  | 'NOT_SUPPORTED';

/**
 * Core error kind → View error code, for every operation but `get-desktop-connection`.
 *
 * | core kind                    | error-code         |
 * |------------------------------|--------------------|
 * | not_found                    | NOT_ENTITLED       |
 * | unauthorized                 | NOT_ENTITLED       |
 * | unauthenticated              | NOT_AUTHENTICATED  |
 * | invalid_argument             | INVALID_REQUEST    |
 * | already_exists               | INVALID_REQUEST    |
 * | unsupported                  | NOT_SUPPORTED      |
 * | everything else              | OPERATION_FAILED   |
 *
 * A user never learns whether something they are not entitled to exists: not_found and
 * unauthorized read the same.
 */
export const VIEW_ERROR_TABLE: Readonly<Record<ErrorKind, ViewErrorCode>> = {
  not_found: 'NOT_ENTITLED',
  already_exists: 'INVALID_REQUEST',
  invalid_argument: 'INVALID_REQUEST',
  not_allowed_in_current_state: 'OPERATION_FAILED',
  unauthenticated: 'NOT_AUTHENTICATED',
  unauthorized: 'NOT_ENTITLED',
  resource_busy: 'OPERATION_FAILED',
  resource_exhausted: 'OPERATION_FAILED',
  timed_out: 'OPERATION_FAILED',
  unsupported: 'NOT_SUPPORTED',
  cancelled: 'OPERATION_FAILED',
  internal: 'OPERATION_FAILED',
};

/**
 * For `get-desktop-connection`: a desktop that cannot be launched (none free, pool
 * disabled, protocol not offered, power-on failed) is DESKTOP_LAUNCH_ERROR, with core's
 * message as the reason.
 */
export const LAUNCH_ERROR_TABLE: Readonly<Record<ErrorKind, ViewErrorCode>> = {
  not_found: 'NOT_ENTITLED',
  already_exists: 'DESKTOP_LAUNCH_ERROR',
  invalid_argument: 'DESKTOP_LAUNCH_ERROR',
  not_allowed_in_current_state: 'DESKTOP_LAUNCH_ERROR',
  unauthenticated: 'NOT_AUTHENTICATED',
  unauthorized: 'NOT_ENTITLED',
  resource_busy: 'DESKTOP_LAUNCH_ERROR',
  resource_exhausted: 'DESKTOP_LAUNCH_ERROR',
  timed_out: 'DESKTOP_LAUNCH_ERROR',
  unsupported: 'DESKTOP_LAUNCH_ERROR',
  cancelled: 'DESKTOP_LAUNCH_ERROR',
  internal: 'DESKTOP_LAUNCH_ERROR',
};

/** What a person reads (`user-message`) for each code. */
export const USER_MESSAGES: Readonly<Record<ViewErrorCode, string>> = {
  ALREADY_AUTHENTICATED: 'You are already logged in.',
  AUTHENTICATION_FAILED: 'Authentication failed.',
  NOT_AUTHENTICATED: 'Your session has ended or you are not logged in. Please log in.',
  NOT_ENTITLED: 'You are not entitled to this desktop.',
  DESKTOP_LAUNCH_ERROR: 'The desktop could not be launched.',
  TUNNEL_ERROR: 'The secure tunnel could not be set up.',
  UNSUPPORTED_VERSION: 'This client version is not supported by the server.',
  PROTOCOL_ERROR: 'The client sent a request the server cannot read.',
  INVALID_REQUEST: 'The request is not valid.',
  OPERATION_FAILED: 'The operation failed.',
  NOT_SUPPORTED: 'The server does not support this operation.',
};

export interface ViewError {
  readonly code: ViewErrorCode;
  /** For logs and administrators: core's message (never an internal error's details). */
  readonly message: string;
  readonly userMessage: string;
}

export function viewError(code: ViewErrorCode, message: string, userMessage?: string): ViewError {
  return { code, message, userMessage: userMessage ?? USER_MESSAGES[code] };
}

/** Any thrown value as a View error through `table`; internal errors keep their details to the log. */
export function fromThrown(e: unknown, table: Readonly<Record<ErrorKind, ViewErrorCode>> = VIEW_ERROR_TABLE): ViewError & { readonly internal: boolean } {
  const err = toVmgateError(e, 'face.view');
  const internal = err.kind === 'internal';
  const code = table[err.kind];
  const message = internal ? 'internal error' : err.message;
  // A launch failure's reason is worth showing to the user.
  const userMessage = code === 'DESKTOP_LAUNCH_ERROR' ? `${USER_MESSAGES[code]} ${message}` : USER_MESSAGES[code];
  return { code, message, userMessage, internal };
}

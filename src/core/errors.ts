/**
 * The one error type of vmgate. `core`, the store and the drivers throw it; every face
 * maps `kind` to its own vocabulary in one table (see `src/faces/<face>/errors.ts`).
 */
export const ERROR_KINDS = [
  'not_found',
  'already_exists',
  'invalid_argument',
  'not_allowed_in_current_state',
  'unauthenticated',
  'unauthorized',
  'resource_busy',
  'resource_exhausted',
  'timed_out',
  'unsupported',
  'cancelled',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * Finer reasons some faces need to tell apart (VIX and vmserverd have an error code per
 * reason, RDV a `VMError` value). Optional: the kind alone is always enough to map.
 */
export type ErrorReason =
  | 'guest_auth_failed'
  | 'tools_not_running'
  | 'vm_not_running'
  | 'vm_is_running'
  | 'no_such_process'
  | 'not_a_file'
  | 'not_a_directory'
  | 'file_exists'
  | 'file_not_found'
  | 'snapshot_not_found'
  | 'account_locked'
  /** The password was right but must be changed before the account logs in (User.mustChangePassword). */
  | 'password_expired'
  /** Too many logins in progress from one address (refused before any password is checked). */
  | 'login_throttled'
  /** Changing one's own password without, or with a wrong, current password. */
  | 'wrong_current_password'
  | 'no_host_fits'
  | 'host_disconnected'
  | 'timeout_waiting_for_tools'
  /** The object is already in the state the operation leads to (vSphere already_in_desired_state). */
  | 'already_in_state';

export interface ErrorOptions {
  /** Subsystem that raised it: 'core.power', 'store', 'driver.qemu', … */
  readonly module?: string;
  readonly reason?: ErrorReason;
  /** Extra facts for the debug log; never shown to clients. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class VmgateError extends Error {
  readonly kind: ErrorKind;
  readonly module: string;
  readonly reason: ErrorReason | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(kind: ErrorKind, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VmgateError';
    this.kind = kind;
    this.module = options.module ?? 'core';
    this.reason = options.reason;
    this.details = options.details;
  }

  toJSON(): { kind: ErrorKind; module: string; message: string; reason?: ErrorReason } {
    return this.reason === undefined
      ? { kind: this.kind, module: this.module, message: this.message }
      : { kind: this.kind, module: this.module, message: this.message, reason: this.reason };
  }
}

export function isVmgateError(e: unknown): e is VmgateError {
  return e instanceof VmgateError;
}

/** Any thrown value as a VmgateError; unknown errors become `internal`. */
export function toVmgateError(e: unknown, module = 'core'): VmgateError {
  if (e instanceof VmgateError) return e;
  if (e instanceof Error && e.name === 'AbortError') {
    return new VmgateError('cancelled', 'the operation was cancelled', { module, cause: e });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new VmgateError('internal', message, { module, cause: e });
}

type Factory = (message: string, options?: ErrorOptions) => VmgateError;
const factory =
  (kind: ErrorKind): Factory =>
  (message, options) =>
    new VmgateError(kind, message, options);

export const notFound = factory('not_found');
export const alreadyExists = factory('already_exists');
export const invalidArgument = factory('invalid_argument');
export const notAllowedInCurrentState = factory('not_allowed_in_current_state');
export const unauthenticated = factory('unauthenticated');
export const unauthorized = factory('unauthorized');
export const resourceBusy = factory('resource_busy');
export const resourceExhausted = factory('resource_exhausted');
export const timedOut = factory('timed_out');
export const unsupported = factory('unsupported');
export const cancelled = factory('cancelled');
export const internal = factory('internal');

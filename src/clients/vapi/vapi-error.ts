import type { LocalizableMessage } from '../../protocols/vapi/types/std.ts';
import { STD_ERROR_HTTP_STATUS } from '../../protocols/vapi/codec/std-errors.ts';
import { stdErrorKindOf, stdErrorKindOfType, stdErrorName, stdErrorTypeOf } from '../../protocols/vapi/types/std.ts';

/**
 * A vAPI std error the server answered (`com.vmware.vapi.std.errors.not_found`, …),
 * from either flavour.
 */
export class VapiError extends Error {
  /** `NOT_FOUND`, `UNAUTHENTICATED`, … (the std `error_type`). */
  readonly errorType: string;
  /** `com.vmware.vapi.std.errors.not_found` */
  readonly errorName: string;
  readonly messages: readonly LocalizableMessage[];
  /** The error's structured `data`, if any. */
  readonly data: unknown;
  /** `unauthenticated` only: the server's authentication challenge. */
  readonly challenge: string | undefined;
  /**
   * REST: the status the server answered. JSON-RPC (always HTTP 200): the status the
   * REST flavour gives this error, so callers can treat both alike.
   */
  readonly httpStatus: number;

  constructor(init: {
    errorName?: string;
    errorType?: string;
    messages?: readonly LocalizableMessage[];
    data?: unknown;
    challenge?: string;
    httpStatus?: number;
  }) {
    const kind =
      (init.errorName === undefined ? undefined : stdErrorKindOf(init.errorName)) ??
      (init.errorType === undefined ? undefined : stdErrorKindOfType(init.errorType));
    const errorType = init.errorType ?? (kind === undefined ? 'ERROR' : stdErrorTypeOf(kind));
    const messages = init.messages ?? [];
    const text = messages.map((m) => m.default_message).join('; ');
    super(text === '' ? errorType : `${errorType}: ${text}`);
    this.name = 'VapiError';
    this.errorType = errorType;
    this.errorName = init.errorName ?? (kind === undefined ? 'com.vmware.vapi.std.errors.error' : stdErrorName(kind));
    this.messages = messages;
    this.data = init.data;
    this.challenge = init.challenge;
    this.httpStatus = init.httpStatus ?? (kind === undefined ? 500 : STD_ERROR_HTTP_STATUS[kind]);
  }
}

/**
 * The server broke the protocol or refused the envelope: a JSON-RPC `error` object
 * (`code` -32700 … -31001), a reply that is not JSON-RPC, or an unexpected HTTP status
 * (`code` -32300, transport).
 */
export class VapiProtocolError extends Error {
  readonly code: number;
  readonly data: unknown;
  readonly httpStatus: number | undefined;
  constructor(code: number, message: string, options: { data?: unknown; httpStatus?: number } = {}) {
    super(`${message} (${code})`);
    this.name = 'VapiProtocolError';
    this.code = code;
    this.data = options.data;
    this.httpStatus = options.httpStatus;
  }
}

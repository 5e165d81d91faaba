/**
 * The vmserverd face's error table — its one place where core error kinds become the
 * `<error><code>` of a failed exec reply (`returncode` 0). Codes are stable: clients
 * switch on them. docs/faces/vmserverd.md prints the same table.
 */
import type { ErrorKind } from '../../core/errors.ts';
import { toVmgateError } from '../../core/errors.ts';
import type { ExecFailure } from '../../protocols/vmserverd/index.ts';

export type ExecErrorCode =
  | 'unknown_op'
  | 'bad_argument'
  | 'malformed_xml'
  | 'not_found'
  | 'already_exists'
  | 'invalid_state'
  | 'permission_denied'
  | 'not_authenticated'
  | 'busy'
  | 'timed_out'
  | 'unsupported'
  | 'cancelled'
  | 'frame_too_large'
  | 'bad_frame'
  | 'internal';

/**
 * | core kind                    | code              |
 * |------------------------------|-------------------|
 * | not_found                    | not_found         |
 * | already_exists               | already_exists    |
 * | invalid_argument             | bad_argument      |
 * | not_allowed_in_current_state | invalid_state     |
 * | unauthenticated              | not_authenticated |
 * | unauthorized                 | permission_denied |
 * | resource_busy                | busy              |
 * | resource_exhausted           | busy              |
 * | timed_out                    | timed_out         |
 * | unsupported                  | unsupported       |
 * | cancelled                    | cancelled         |
 * | internal                     | internal          |
 *
 * Raised by the face itself: unknown_op (no such op), malformed_xml (not well-formed, a
 * DOCTYPE/entity declaration, no `<op>`), bad_argument (a missing or mistyped `<in>`
 * field), frame_too_large and bad_frame (framing errors: the connection then closes).
 */
export const EXEC_ERROR_TABLE: Readonly<Record<ErrorKind, ExecErrorCode>> = {
  not_found: 'not_found',
  already_exists: 'already_exists',
  invalid_argument: 'bad_argument',
  not_allowed_in_current_state: 'invalid_state',
  unauthenticated: 'not_authenticated',
  unauthorized: 'permission_denied',
  resource_busy: 'busy',
  resource_exhausted: 'busy',
  timed_out: 'timed_out',
  unsupported: 'unsupported',
  cancelled: 'cancelled',
  internal: 'internal',
};

/** A failure the face raises itself (not from core). */
export class ExecError extends Error {
  constructor(
    readonly code: ExecErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

/** Any thrown value as the `<error>` of a reply. Internal errors keep their text out of the reply. */
export function toExecFailure(e: unknown): ExecFailure {
  if (e instanceof ExecError) return { code: e.code, message: e.message };
  const v = toVmgateError(e, 'face.vmserverd');
  const code = EXEC_ERROR_TABLE[v.kind];
  return { code, message: code === 'internal' ? 'internal error (see the server log)' : v.message };
}

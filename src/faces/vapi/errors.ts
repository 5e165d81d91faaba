/**
 * The vAPI face's error mapping. Core error kinds map through VAPI_ERROR_TABLE (in
 * codec/std-errors.ts: the one table, with REST statuses); the refinements below pick the
 * more precise std error vSphere clients expect for a few reasons.
 */
import { isVmgateError, toVmgateError } from '../../core/errors.ts';
import type { StdError } from './codec/index.ts';
import { fromVmgateError, message, stdError } from './codec/index.ts';
import type { StdErrorKind } from './types/index.ts';

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

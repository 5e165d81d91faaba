import { VmgateError } from '../../core/errors.ts';
import type { ErrorKind, ErrorReason } from '../../core/errors.ts';

/** The module every error of the simulator carries. */
export const SIM_MODULE = 'driver.sim';

/** A VmgateError raised by the simulator. */
export function simError(kind: ErrorKind, message: string, reason?: ErrorReason): VmgateError {
  return new VmgateError(kind, message, reason === undefined ? { module: SIM_MODULE } : { module: SIM_MODULE, reason });
}

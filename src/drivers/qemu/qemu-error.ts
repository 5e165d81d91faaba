import { VmgateError } from '../../core/errors.ts';
import type { ErrorKind, ErrorReason } from '../../core/errors.ts';

/** The module every error of the QEMU driver carries. */
export const QEMU_MODULE = 'driver.qemu';

/** A VmgateError raised by the QEMU driver. */
export function qemuError(kind: ErrorKind, message: string, opts: { reason?: ErrorReason; details?: Record<string, unknown>; cause?: unknown } = {}): VmgateError {
  return new VmgateError(kind, message, { module: QEMU_MODULE, ...opts });
}

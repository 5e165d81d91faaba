/**
 * `vmgate/vix`: the VIX SDK for TypeScript over vmgate's vmserverd exec API. The faithful
 * API keeps the names, argument order and constants of VMware's VIX Programming Guide 1.0
 * (docs/sdk/vix.md); the promise API (`connect`, `VixHostConnection`, `VixVm`) sits on it.
 */
export * from './constants.ts';
export { VIX_ERROR_CODE, VIX_SUCCEEDED, VIX_FAILED, Vix_GetErrorText, EXEC_TO_VIX, vixErrorOf } from './errors.ts';
export type { ErrorContext } from './errors.ts';
export * from './api.ts';
export { connect, VixError, VixHost, VixVm, VixSnapshot } from './promise.ts';
export type { ConnectOptions, ProgressOptions, ProgramResult, DirectoryEntry } from './promise.ts';

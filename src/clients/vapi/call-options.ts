/** Options of every VapiClient call, and the one generic call the typed methods go through. */
import type { InputOf, OutputOf, ServiceDef } from '../../protocols/vapi/types/operation.ts';

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface TaskOption extends CallOptions {
  /** Start the operation as a task and return its id (`$task` / `vmw-task=true`). */
  readonly task?: boolean;
}

/** Calls an operation of the registry with its plain input; resolves with its plain output. */
export type VapiCaller = <S extends ServiceDef, K extends keyof S['operations'] & string>(
  svc: S,
  operationId: K,
  input: NoInfer<InputOf<S['operations'][K]>>,
  options?: CallOptions,
) => Promise<OutputOf<S['operations'][K]>>;

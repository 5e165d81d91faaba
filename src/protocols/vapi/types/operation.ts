import type { Fields, Infer, StructureType, VapiType } from './vapi-type.ts';
import { OPERATION_INPUT, struct } from './vapi-type.ts';
import type { StdErrorKind } from './std.ts';
import { stdErrorName } from './std.ts';

/**
 * How an operation appears on the REST flavour (`/api/...`), as in the 7.0.3 specs.
 *
 * - `path` is the spec's path key, query string included (`/api/vcenter/vm/{vm}/power?action=start`);
 *   each `{name}` is the input field of that name.
 * - `query` lists input fields sent as query parameters. A structure-typed field listed
 *   here (a list operation's `filter`) is flattened: its own fields become the parameters,
 *   lists repeated (`names=a&names=b`).
 * - `body`: `'fields'` sends the remaining input fields as one JSON object
 *   (`{"credentials":…,"spec":…}`); a field name sends that field's value alone as the
 *   body (`POST /api/vcenter/vm` with the create spec); absent: no body.
 * - `status`: the success status (201 create, 202 task, 204 void, else 200).
 */
export interface RestMapping {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly status: 200 | 201 | 202 | 204;
  readonly query?: readonly string[];
  readonly body?: string;
}

export interface OperationDef<I extends Fields = Fields, O extends VapiType = VapiType> {
  /** The `operation-input` structure: one field per parameter. */
  readonly input: StructureType<I>;
  readonly output: O;
  /** Full names of the std errors the operation declares (`com.vmware.vapi.std.errors.not_found`). */
  readonly errors: readonly string[];
  readonly rest: RestMapping;
}

export interface OperationSpec<I extends Fields, O extends VapiType> {
  readonly input: I;
  readonly output: O;
  readonly errors: readonly StdErrorKind[];
  readonly rest: RestMapping;
}

export function operation<const I extends Fields, O extends VapiType>(
  spec: OperationSpec<I, O>,
): OperationDef<I, O> {
  return {
    input: struct(OPERATION_INPUT, spec.input),
    output: spec.output,
    errors: spec.errors.map(stdErrorName),
    rest: spec.rest,
  };
}

export interface ServiceDef<Ops extends Readonly<Record<string, OperationDef>> = Readonly<Record<string, OperationDef>>> {
  /** `com.vmware.vcenter.VM` */
  readonly id: string;
  readonly operations: Ops;
}

export function service<const Ops extends Readonly<Record<string, OperationDef>>>(
  id: string,
  operations: Ops,
): ServiceDef<Ops> {
  return { id, operations };
}

/** The plain input object of an operation: `{ vm: string; spec?: … }`. */
export type InputOf<Op extends OperationDef> = Infer<Op['input']>;
/** The plain output value of an operation. */
export type OutputOf<Op extends OperationDef> = Infer<Op['output']>;

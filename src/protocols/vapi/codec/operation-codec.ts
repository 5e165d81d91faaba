/**
 * Operation-level codec: what a JSON-RPC handler and client call. Input is the
 * `operation-input` structure, output the operation's declared output type.
 *
 * Server handler, in order:
 * ```ts
 * const parsed = parseJsonRpcRequest(body, req.headers);           // envelope
 * if (!parsed.ok) return send(renderProtocolError(parsed.error));
 * const { request } = parsed;
 * const op = findOperation(request.serviceId, request.operationId);
 * if (!op) return send(renderStdError(request.id, stdError('operation_not_found', [...])));
 * const input = decodeOperationInput(op, request.input);           // → plain object
 * if (!input.ok) return send(renderStdError(request.id, inputError(input.issues)));
 * const output = await handler(input.value, request.security, request.appCtx);
 * send(renderResult(request.id, encodeOperationOutput(op, output, format)));
 * ```
 */
import type { OperationDef } from '../types/operation.ts';
import { OPERATION_INPUT } from '../types/vapi-type.ts';
import type { DecodeOptions, DecodeResult } from './decode-result.ts';
import type { WireFormat } from './value-codec.ts';
import { decodeValue, encodeValue } from './value-codec.ts';

/** Server-side input decoding defaults: reject undeclared set fields and unknown enum values. */
export const SERVER_INPUT_OPTIONS: DecodeOptions = { path: OPERATION_INPUT, unknownFields: 'reject', strictEnums: true };

/**
 * Decodes `params.input` of a request into the plain input object (`{ vm: 'vm-1', spec: {…} }`).
 * Issues have paths rooted at `operation-input`. The SDK sends specialized JSON.
 */
export function decodeOperationInput(
  op: OperationDef,
  input: unknown,
  format: WireFormat = 'specialized',
  options: DecodeOptions = SERVER_INPUT_OPTIONS,
): DecodeResult<Record<string, unknown>> {
  return decodeValue<Record<string, unknown>>(input, op.input, format, { path: OPERATION_INPUT, ...options });
}

/** Encodes a handler's plain output for `result.output`; throws `EncodeError` on a mismatch (a bug). */
export function encodeOperationOutput(op: OperationDef, output: unknown, format: WireFormat = 'specialized'): unknown {
  return encodeValue(output, op.output, format, 'output');
}

/** Client side: the `params.input` to send. */
export function encodeOperationInput(
  op: OperationDef,
  input: Readonly<Record<string, unknown>>,
  format: WireFormat = 'specialized',
): unknown {
  return encodeValue(input, op.input, format, OPERATION_INPUT);
}

/** Client side: the plain value of `result.output` (lenient: unknown fields and enum values pass). */
export function decodeOperationOutput(
  op: OperationDef,
  output: unknown,
  format: WireFormat = 'specialized',
  options: DecodeOptions = {},
): DecodeResult<unknown> {
  return decodeValue(output, op.output, format, { path: 'output', ...options });
}

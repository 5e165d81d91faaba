/**
 * Specialized JSON: the vAPI JSON-RPC data format the official SDKs send and expect by
 * default (`Accept: application/json`). Every structure, error, optional, secret and
 * binary carries its wrapper (`{"STRUCTURE":{"<name>":{…}}}`, `{"OPTIONAL":…}`, …); maps
 * are lists of `map-entry` structures; doubles are canonical (`1.5E0`).
 *
 * Write the result of {@link toSpecialized} with `stringifyWire` (it holds `WireDouble`s).
 */
import type { Infer, VapiType } from '../types/vapi-type.ts';
import type { DecodeOptions, DecodeResult } from './decode-result.ts';
import { decodeGeneric, decodeValue, encodeValue } from './value-codec.ts';

/** Encodes a plain value of `type`; throws `EncodeError` (with the path) if it does not fit. */
export function toSpecialized<T extends VapiType>(value: Infer<T> | unknown, type: T, path = 'value'): unknown {
  return encodeValue(value, type, 'specialized', path);
}

/** Decodes and validates specialized JSON as `type`, collecting precise issues. */
export function fromSpecialized<T extends VapiType>(json: unknown, type: T, options?: DecodeOptions): DecodeResult<Infer<T>> {
  return decodeValue<Infer<T>>(json, type, 'specialized', options);
}

/** Drops the wrappers of a specialized value whose type is not known (opaque values). */
export function fromSpecializedUntyped(json: unknown): unknown {
  return decodeGeneric(json);
}

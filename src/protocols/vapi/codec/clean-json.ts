/**
 * Clean JSON (`Accept: application/vnd.vmware.vapi.cleanjson`): the same values without
 * the wrappers. An optional is its value, or is left out (`null` inside lists); a secret
 * or binary (base64) is a string; a map is an object; doubles stay canonical.
 */
import type { Infer, VapiType } from '../types/vapi-type.ts';
import type { DecodeOptions, DecodeResult } from './decode-result.ts';
import { decodeValue, encodeValue } from './value-codec.ts';

export function toClean<T extends VapiType>(value: Infer<T> | unknown, type: T, path = 'value'): unknown {
  return encodeValue(value, type, 'clean', path);
}

/** Decodes clean JSON; `null` and absent both mean "unset" for optionals. */
export function fromClean<T extends VapiType>(json: unknown, type: T, options?: DecodeOptions): DecodeResult<Infer<T>> {
  return decodeValue<Infer<T>>(json, type, 'clean', options);
}

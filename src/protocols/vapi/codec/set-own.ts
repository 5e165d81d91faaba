/**
 * `obj[key] = value` for keys that come off the wire. `obj['__proto__'] = v` would not
 * make a property but replace the object's prototype, so that key is defined instead.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

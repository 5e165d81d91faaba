/** Parsers for option values (commander `argParser`s): bad values are usage errors, exit 2. */
import { InvalidArgumentError } from 'commander';

/** A positive integer (`--cpus 2`). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  return n;
}

/** A non-negative integer (`--limit 0`). */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`'${value}' is not a whole number`);
  return n;
}

/** For repeatable options: `--host a --host b` → ['a', 'b']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

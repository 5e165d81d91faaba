/** Reading an op's `<in>`: missing or mistyped fields are bad_argument. */
import type { XmlElement } from '../../protocols/vmserverd/index.ts';
import { child } from '../../protocols/vmserverd/index.ts';
import { ExecError } from './errors.ts';

export function need(input: XmlElement | undefined): XmlElement {
  if (!input) throw new ExecError('bad_argument', 'the request has no <in> element');
  return input;
}

export function str(input: XmlElement | undefined, name: string): string {
  const el = child(need(input), name);
  if (!el || el.text === '') throw new ExecError('bad_argument', `<in> needs a non-empty <${name}>`);
  return el.text;
}

export function optStr(input: XmlElement | undefined, name: string): string | undefined {
  const el = child(input, name);
  return el && el.text !== '' ? el.text : undefined;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function num(input: XmlElement | undefined, name: string): number {
  const s = str(input, name);
  const n = Number(s);
  if (!NUMBER_RE.test(s) || !Number.isFinite(n)) throw new ExecError('bad_argument', `<${name}> must be a number, not '${s.slice(0, 40)}'`);
  return n;
}

export function optInt(input: XmlElement | undefined, name: string, def: number, min: number, max: number): number {
  if (optStr(input, name) === undefined) return def;
  const n = num(input, name);
  if (!Number.isInteger(n) || n < min || n > max) throw new ExecError('bad_argument', `<${name}> must be a whole number from ${min} to ${max}`);
  return n;
}

export function optBool(input: XmlElement | undefined, name: string): boolean {
  const s = optStr(input, name);
  if (s === undefined) return false;
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  throw new ExecError('bad_argument', `<${name}> must be 0 or 1, not '${s.slice(0, 40)}'`);
}


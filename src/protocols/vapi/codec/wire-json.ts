/**
 * JSON text helpers shared by the vAPI codecs: canonical doubles, the serializer that
 * writes them, date-times and base64.
 */

/**
 * A double on its way to the wire. vAPI writes doubles in the XML-schema canonical form
 * (`1.5E0`, `1.0E2`, `-2.5E-3`, `0.0E0`), which `JSON.stringify` cannot produce; the
 * encoders put a `WireDouble` in the tree and {@link stringifyWire} writes it. Its
 * `toJSON` keeps plain `JSON.stringify` working (as an ordinary number).
 */
export class WireDouble {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

/**
 * The canonical form vapi_runtime writes (`vmware.vapi.lib.jsonlib.canonicalize_double`):
 * one non-zero digit before the point, at least one after it, no trailing zeros beyond
 * that, exponent introduced by `E` with no `+` and no leading zeros; zero is `0.0E0`.
 * NaN and infinities have no representation and throw.
 */
export function canonicalDouble(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`a double must be finite, got ${n}`);
  if (n === 0) return Object.is(n, -0) ? '-0.0E0' : '0.0E0';
  // toExponential() with no argument gives the shortest digits that round-trip: "1.5e+0".
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  let m = mantissa.includes('.') ? mantissa.replace(/0+$/, '') : `${mantissa}.0`;
  if (m.endsWith('.')) m += '0';
  return `${m}E${Number(exponent)}`;
}

/**
 * `JSON.stringify` for encoder output: writes {@link WireDouble}s canonically, leaves out
 * `undefined` object members and writes `undefined` array elements as `null`.
 */
export function stringifyWire(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

function write(v: unknown, out: string[]): void {
  if (v instanceof WireDouble) {
    out.push(canonicalDouble(v.value));
  } else if (v === null || v === undefined) {
    out.push('null');
  } else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((e, i) => {
      if (i > 0) out.push(',');
      write(e, out);
    });
    out.push(']');
  } else if (typeof v === 'object' && !(v instanceof Date)) {
    out.push('{');
    let first = true;
    for (const [k, e] of Object.entries(v)) {
      if (e === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(e, out);
    }
    out.push('}');
  } else {
    const s = JSON.stringify(v);
    out.push(s === undefined ? 'null' : s);
  }
}

// ---------------------------------------------------------------------------------------
// Date-times

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 date-time (the grammar vapi_runtime's `DateTimeConverter` accepts:
 * any fraction length, `Z` or `±hh:mm`) and returns it in the one form vAPI writes,
 * `YYYY-MM-DDTHH:mm:ss.SSSZ` in UTC; undefined if the text is not such a date-time.
 */
export function canonicalDateTime(text: string): string | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  // A leap second (60) is accepted by the grammar; JavaScript has none, so it clamps.
  const second = Math.min(Number(s), 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || Number(s) > 60) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (year < 100) t = new Date(t).setUTCFullYear(year);
  if (sign !== undefined) {
    if (Number(oh) > 23 || Number(om) > 59) return undefined;
    const offset = (Number(oh) * 60 + Number(om)) * 60_000;
    t += sign === '+' ? -offset : offset;
  }
  return formatDateTime(new Date(t));
}

/** `YYYY-MM-DDTHH:mm:ss.SSSZ`; throws for dates outside years 0–9999. */
export function formatDateTime(d: Date): string {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid date');
  const year = d.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} has no vAPI date-time form`);
  return d.toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// ---------------------------------------------------------------------------------------
// Base64

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64 (standard alphabet, padded); undefined if `text` is not that. */
export function fromBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

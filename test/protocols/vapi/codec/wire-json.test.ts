import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  WireDouble,
  canonicalDateTime,
  canonicalDouble,
  formatDateTime,
  fromBase64,
  stringifyWire,
  toBase64,
} from '../../../../src/protocols/vapi/codec/wire-json.ts';

describe('canonicalDouble (vapi_runtime canonicalize_double)', () => {
  const cases: [number, string][] = [
    [1.5, '1.5E0'],
    [1, '1.0E0'],
    [100, '1.0E2'],
    [123.456, '1.23456E2'],
    [0.001, '1.0E-3'],
    [0.00123, '1.23E-3'],
    [-2.5, '-2.5E0'],
    [-0.5, '-5.0E-1'],
    [10.5, '1.05E1'],
    [1e21, '1.0E21'],
    [1.7976931348623157e308, '1.7976931348623157E308'],
    [5e-324, '5.0E-324'],
    [0, '0.0E0'],
  ];
  for (const [n, text] of cases) {
    it(`${n} → ${text}`, () => {
      assert.equal(canonicalDouble(n), text);
      assert.equal(Number(text), n, 'the canonical text reads back as the same number');
    });
  }
  it('refuses NaN and infinities', () => {
    assert.throws(() => canonicalDouble(Number.NaN), RangeError);
    assert.throws(() => canonicalDouble(Infinity), RangeError);
  });
});

describe('stringifyWire', () => {
  it('writes WireDoubles canonically, drops undefined members, nulls undefined elements', () => {
    assert.equal(
      stringifyWire({ a: new WireDouble(2.25), b: undefined, c: [1, undefined, 'x'], d: null }),
      '{"a":2.25E0,"c":[1,null,"x"],"d":null}',
    );
  });
  it('keeps plain JSON.stringify usable on the same tree', () => {
    assert.equal(JSON.stringify({ a: new WireDouble(2.25) }), '{"a":2.25}');
  });
  it('escapes strings and keys like JSON.stringify', () => {
    const v = { 'k"ey': 'line\nbreak "q" \u2028' };
    assert.equal(stringifyWire(v), JSON.stringify(v));
  });
});

describe('date-times', () => {
  it('writes UTC with milliseconds', () => {
    assert.equal(canonicalDateTime('2024-01-02T03:04:05Z'), '2024-01-02T03:04:05.000Z');
    assert.equal(canonicalDateTime('2024-01-02T03:04:05.1Z'), '2024-01-02T03:04:05.100Z');
    assert.equal(canonicalDateTime('2024-01-02T03:04:05.123456789Z'), '2024-01-02T03:04:05.123Z');
  });
  it('converts offsets to UTC', () => {
    assert.equal(canonicalDateTime('2024-01-02T03:04:05.000+02:00'), '2024-01-02T01:04:05.000Z');
    assert.equal(canonicalDateTime('2024-12-31T23:30:00-01:00'), '2025-01-01T00:30:00.000Z');
  });
  it('rejects what RFC 3339 does not allow', () => {
    for (const bad of ['2024-01-02', '2024-01-02 03:04:05Z', '2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T03:04:05', 'yesterday']) {
      assert.equal(canonicalDateTime(bad), undefined, bad);
    }
    assert.equal(canonicalDateTime('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00.000Z');
  });
  it('formats Dates', () => {
    assert.equal(formatDateTime(new Date(Date.UTC(2012, 9, 26, 12, 24, 18, 941))), '2012-10-26T12:24:18.941Z');
    assert.throws(() => formatDateTime(new Date(Number.NaN)), RangeError);
  });
});

describe('base64', () => {
  it('round-trips bytes and rejects non-base64 text', () => {
    assert.equal(toBase64(Buffer.from('Hello')), 'SGVsbG8=');
    assert.deepEqual(fromBase64('SGVsbG8='), Buffer.from('Hello'));
    assert.deepEqual(fromBase64(''), Buffer.alloc(0));
    assert.equal(fromBase64('SGVsbG8'), undefined);
    assert.equal(fromBase64('SGV*bG8='), undefined);
  });
  it('encodes a view of a larger buffer correctly', () => {
    const big = Buffer.from('xxHelloxx');
    assert.equal(toBase64(big.subarray(2, 7)), 'SGVsbG8=');
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { list, long, map, optional, string, VMSummary, voidT } from '../../../../src/protocols/vapi/types/index.ts';
import { fromClean, fromRest, stringifyWire, toClean, toRest } from '../../../../src/protocols/vapi/codec/index.ts';
import { Everything, everythingValue } from './everything.ts';

describe('clean JSON', () => {
  it('writes every kind without wrappers; unset optionals left out, null in lists; maps as objects', () => {
    assert.equal(
      stringifyWire(toClean(everythingValue, Everything)),
      '{"s":"hello","i":"vm-1","e":"RED","b":true,"l":42,"d":1.5E0,"dt":"2024-01-02T03:04:05.000Z",' +
        '"bin":"SGVsbG8=","sec":"s3cret","u":"https://host/path?q=1","o":"set","li":[1,-2],"se":["a","b"],' +
        '"m":{"a":1,"b":2},"ml":{"7":"seven"},"nested":{"x":1},"ol":["a",null],"op":"anything","dyn":{"k":"v"}}',
    );
  });

  it('round-trips every kind', () => {
    const wire = JSON.parse(stringifyWire(toClean(everythingValue, Everything)));
    const back = fromClean(wire, Everything);
    assert.ok(back.ok, JSON.stringify(!back.ok && back.issues));
    assert.deepEqual(back.value, everythingValue);
  });

  it('null and absent both mean unset', () => {
    const r = fromClean({ vm: 'vm-1', name: 'a', power_state: 'POWERED_OFF', cpu_count: null }, VMSummary);
    assert.deepEqual(r, { ok: true, value: { vm: 'vm-1', name: 'a', power_state: 'POWERED_OFF' } });
  });

  it('required fields cannot be null', () => {
    const r = fromClean({ vm: 'vm-1', name: null, power_state: 'POWERED_OFF' }, VMSummary, { path: 'output' });
    assert.deepEqual(!r.ok && r.issues.map((i) => i.message), ['output.name: required field of com.vmware.vcenter.VM.summary is missing']);
  });

  it('maps also decode from the runtime’s [{key,value}] form', () => {
    assert.deepEqual(fromClean([{ key: 'a', value: 1 }], map(string(), long())), { ok: true, value: { a: 1 } });
  });

  it('lists of optionals keep their holes', () => {
    assert.deepEqual(toClean(['a', undefined, null], list(optional(string()))), ['a', null, null]);
    assert.deepEqual(fromClean(['a', null], list(optional(string()))), { ok: true, value: ['a', undefined] });
  });

  it('void', () => {
    assert.equal(toClean(undefined, voidT()), null);
  });
});

describe('REST JSON values', () => {
  it('is clean JSON with plain JSON numbers for doubles', () => {
    const text = JSON.stringify(toRest(everythingValue, Everything));
    assert.match(text, /"d":1\.5,/);
    const back = fromRest(JSON.parse(text), Everything);
    assert.ok(back.ok);
    assert.deepEqual(back.value, everythingValue);
  });
});

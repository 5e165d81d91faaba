import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeGeneric, decodeRestInput, decodeValue, matchRestRoute, SERVER_INPUT_OPTIONS } from '../../../../src/protocols/vapi/codec/index.ts';
import { findOperation, map, SERVICES, string } from '../../../../src/protocols/vapi/types/index.ts';

/**
 * Issue 8, item 7 in the wire layer: names of Object.prototype as service and operation
 * ids find nothing, and `__proto__` keys off the wire become own keys (or unknown-field
 * errors), never a new prototype.
 */
describe('vAPI registry and codecs: Object.prototype names', () => {
  it('the registry finds no service or operation named like a prototype member', () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__', 'valueOf']) {
      assert.equal(SERVICES[name], undefined, name);
      assert.equal(findOperation(name, 'get'), undefined);
      assert.equal(findOperation('com.vmware.vcenter.VM', name), undefined);
    }
  });

  it('a map key "__proto__" is an own key of the decoded map, its value not a prototype', () => {
    const json = JSON.parse('{"__proto__": "x", "PATH": "/bin"}') as unknown;
    const r = decodeValue(json, map(string(), string()), 'clean');
    assert.ok(r.ok);
    const v = r.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['__proto__', 'PATH']);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    const generic = decodeGeneric(JSON.parse('{"STRUCTURE":{"x":{"__proto__":{"polluted":true}}}}')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(generic), Object.prototype);
    assert.equal((generic as { polluted?: unknown }).polluted, undefined);
    assert.ok(Object.hasOwn(generic, '__proto__'));
  });

  it('a REST body member "__proto__" is an unexpected field, not a prototype for the input', () => {
    const m = matchRestRoute('POST', '/api/vcenter/vm?action=register')!;
    const body = JSON.parse('{"__proto__": {"spec": {"datastore_path": "[ds] a/a.vmx"}}}') as unknown;
    const r = decodeRestInput(m.op, { pathParams: m.pathParams, query: m.query, body }, SERVER_INPUT_OPTIONS);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.issues.some((i) => i.message.includes('__proto__')), JSON.stringify(r));
  });
});

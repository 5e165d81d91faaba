import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { specStructureName, wireStructureNameProblems } from './spec-validator.ts';

describe('spec-validator: JSON-RPC structure names against the 7.0.3 types', () => {
  it('maps vAPI names to the specs’ definition names', () => {
    assert.equal(specStructureName('com.vmware.vcenter.VM.info'), 'VcenterVMInfo');
    assert.equal(specStructureName('com.vmware.vcenter.vm.hardware.ethernet.backing_info'), 'VcenterVmHardwareEthernetBackingInfo');
  });

  it('accepts official names, map entries and vmgate’s own; names a structure or error the specs lack', () => {
    const good = { STRUCTURE: { 'com.vmware.vcenter.vm.hardware.ethernet.info': { backing: { STRUCTURE: { 'com.vmware.vcenter.vm.hardware.ethernet.backing_info': {} } }, m: [{ STRUCTURE: { 'map-entry': { key: 'a' } } }] } } };
    assert.deepEqual(wireStructureNameProblems(good), []);
    assert.deepEqual(wireStructureNameProblems({ STRUCTURE: { 'com.vmgate.vm.snapshots.info': {} } }), []);
    const bad = { output: [{ STRUCTURE: { 'com.vmware.vcenter.vm.hardware.ethernet.information': {} } }], error: { ERROR: { 'com.vmware.vapi.std.errors.no_such_error': {} } } };
    assert.deepEqual(wireStructureNameProblems(bad), [
      '(output).output[0]: STRUCTURE com.vmware.vcenter.vm.hardware.ethernet.information is not a 7.0.3 type (no VcenterVmHardwareEthernetInformation)',
      '(output).error: ERROR com.vmware.vapi.std.errors.no_such_error is not a 7.0.3 type (no VapiStdErrorsNoSuchError)',
    ]);
  });
});

/** New disks on QEMU are qcow2 whatever name they were given (docs/drivers.md, "Disk formats"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qcow2Name } from '../../src/core/vm-create.ts';

test('a new disk name on QEMU ends in .qcow2: image extensions are replaced, others kept', () => {
  assert.equal(qcow2Name('data.vmdk'), 'data.qcow2');
  assert.equal(qcow2Name('data.VMDK'), 'data.qcow2');
  assert.equal(qcow2Name('web_1.vdi'), 'web_1.qcow2');
  assert.equal(qcow2Name('disk.vhdx'), 'disk.qcow2');
  assert.equal(qcow2Name('disk.vhd'), 'disk.qcow2');
  assert.equal(qcow2Name('disk.img'), 'disk.qcow2');
  assert.equal(qcow2Name('disk.raw'), 'disk.qcow2');
  assert.equal(qcow2Name('disk.qcow'), 'disk.qcow2');
  assert.equal(qcow2Name('disk.qcow2'), 'disk.qcow2');
  assert.equal(qcow2Name('plain'), 'plain.qcow2');
  assert.equal(qcow2Name('my.disk'), 'my.disk.qcow2');
});

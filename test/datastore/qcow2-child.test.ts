import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probeBaseDisk, qcow2ChildImage } from '../../src/datastore/qcow2-child.ts';

describe('qcow2 child disks: the base probe and the image', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmgate-qcow2-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('probes a VMware sparse header (KDMV, capacity in sectors), a text descriptor, a qcow2 header, else raw', async () => {
    const kdmv = Buffer.alloc(512);
    kdmv.write('KDMV', 0, 'latin1');
    kdmv.writeBigUInt64LE(2048n, 12);
    await writeFile(join(dir, 'sparse.vmdk'), kdmv);
    assert.deepEqual(await probeBaseDisk(join(dir, 'sparse.vmdk')), { format: 'vmdk', virtualSize: 1048576 });
    await writeFile(join(dir, 'desc.vmdk'), '# Disk DescriptorFile\nversion=1\ncreateType="twoGbMaxExtentSparse"\n\nRW 4096 SPARSE "desc-s001.vmdk"\nRW 2048 SPARSE "desc-s002.vmdk"\n');
    assert.deepEqual(await probeBaseDisk(join(dir, 'desc.vmdk')), { format: 'vmdk', virtualSize: 3145728 });
    await writeFile(join(dir, 'child.qcow2'), qcow2ChildImage('desc.vmdk', 'vmdk', 3145728));
    assert.deepEqual(await probeBaseDisk(join(dir, 'child.qcow2')), { format: 'qcow2', virtualSize: 3145728 });
    await writeFile(join(dir, 'plain.img'), Buffer.alloc(4096, 7));
    assert.deepEqual(await probeBaseDisk(join(dir, 'plain.img')), { format: 'raw', virtualSize: 4096 });
  });

  it('the image: header fields, the backing format extension, one cluster each for header, L1, refcount table and block', () => {
    const img = qcow2ChildImage('base.vmdk', 'raw', 1024 * 1024 * 1024);
    assert.equal(img.length, 4 * 65536);
    assert.equal(img.readUInt32BE(0), 0x514649fb);
    assert.equal(img.readUInt32BE(20), 16); // cluster bits
    assert.equal(img.readUInt32BE(36), 2); // L1 entries: 1 GiB / 512 MiB
    assert.equal(img.readBigUInt64BE(40), 65536n); // L1 at cluster 1
    assert.equal(img.readBigUInt64BE(48), 131072n); // refcount table at cluster 2
    assert.equal(img.readUInt32BE(72), 0xe2792aca); // backing format extension
    assert.equal(img.subarray(80, 83).toString('latin1'), 'raw');
    assert.equal(img.readBigUInt64BE(8), 96n); // header 72 + extension 16 + end marker 8
    assert.equal(img.subarray(96, 105).toString('utf8'), 'base.vmdk');
    assert.equal(img.readBigUInt64BE(131072), 196608n); // the refcount block at cluster 3
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => img.readUInt16BE(196608 + i * 2)), [1, 1, 1, 1, 0]);
  });

  it('refuses an empty name, a name too long, a base with no size', () => {
    assert.throws(() => qcow2ChildImage('', 'raw', 1024), RangeError);
    assert.throws(() => qcow2ChildImage('x'.repeat(1024), 'raw', 1024), RangeError);
    assert.throws(() => qcow2ChildImage('b', 'raw', 0), RangeError);
  });
});

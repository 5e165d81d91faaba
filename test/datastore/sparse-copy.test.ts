import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DatastoreFiles } from '../../src/datastore/index.ts';

describe('copies keep sparse disk images sparse', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vmgate-sparse-'));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  it('a 256 MiB image with data in the middle and a trailing hole: same bytes, same length, few blocks', async () => {
    const ds = new DatastoreFiles(root, 'ds');
    await ds.makeDir('vm', false);
    const src = join(root, 'vm', 'disk.vmdk');
    await writeFile(src, '');
    await truncate(src, 256 * 1024 * 1024);
    const fh = await open(src, 'r+');
    await fh.write(Buffer.from('boot sector'), 0, 11, 0);
    await fh.write(Buffer.alloc(4096, 7), 0, 4096, 100 * 1024 * 1024);
    await fh.close();
    await ds.copyFolderTo(ds, 'vm', 'vm-copy');
    const copy = join(root, 'vm-copy', 'disk.vmdk');
    const [a, b] = await Promise.all([stat(src), stat(copy)]);
    assert.equal(b.size, a.size);
    assert.ok(b.blocks * 512 < 16 * 1024 * 1024, `the copy allocates ${b.blocks * 512} bytes, not its full size`);
    const [da, db] = await Promise.all([readFile(src), readFile(copy)]);
    assert.ok(da.equals(db), 'same content');
    await ds.copy('vm/disk.vmdk', 'single.vmdk');
    assert.equal((await stat(join(root, 'single.vmdk'))).size, a.size);
  });
});

import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmgateError } from '../../src/core/errors.ts';
import { DatastoreFiles, sanitizeFolderName } from '../../src/datastore/index.ts';
import { skipUnlessAvailable } from '../support/ci.ts';

function isKind(kind: string, reason?: string, text?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof VmgateError, `expected a VmgateError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (reason !== undefined) assert.equal(e.reason, reason, e.message);
    if (text !== undefined) assert.match(e.message, text);
    return true;
  };
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** A second root on another file system when the machine has one (tmpfs /dev/shm). */
function otherFsBase(): string | null {
  try {
    const base = mkdtempSync('/dev/shm/vmgate-ds-');
    if (statSync(base).dev !== statSync(tmpdir()).dev) return base;
    rmSync(base, { recursive: true, force: true });
  } catch {
    // no /dev/shm
  }
  return null;
}

describe('DatastoreFiles', () => {
  let base: string;
  let ds: DatastoreFiles;
  let ds2: DatastoreFiles;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'vmgate-ds-'));
    mkdirSync(join(base, 'ds1'));
    mkdirSync(join(base, 'ds2'));
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'secret.txt'), 'secret');
    ds = new DatastoreFiles(join(base, 'ds1'), 'ds1');
    ds2 = new DatastoreFiles(join(base, 'ds2'), 'ds2');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  describe('confinement', () => {
    it('every operation refuses paths outside the datastore', async () => {
      symlinkSync(join(base, 'outside'), join(base, 'ds1', 'out'));
      const escapes = ['../outside/secret.txt', 'out/secret.txt', 'a/../../outside'];
      for (const rel of escapes) {
        const ops: Array<[string, () => Promise<unknown>]> = [
          ['readText', () => ds.readText(rel)],
          ['writeAtomic', () => ds.writeAtomic(rel, 'pwned')],
          ['exists', () => ds.exists(rel)],
          ['stat', () => ds.stat(rel)],
          ['list', () => ds.list(rel)],
          ['makeDir', () => ds.makeDir(rel + '/x', true)],
          ['removeFile', () => ds.removeFile(rel)],
          ['removeDir', () => ds.removeDir(rel, true)],
          ['move from', () => ds.move(rel, 'stolen.txt')],
          ['move to', () => ds.move('x', rel, true)],
          ['copy from', () => ds.copy(rel, 'stolen.txt')],
          ['copy to', () => ds.copy('x', rel, true)],
          ['copyFolderTo', () => ds.copyFolderTo(ds2, rel, 'x')],
          ['moveFolderTo from', () => ds.moveFolderTo(ds2, rel, 'x')],
          ['moveFolderTo to', () => ds.moveFolderTo(ds, 'xdir', rel)],
        ];
        writeFileSync(join(base, 'ds1', 'x'), 'x');
        mkdirSync(join(base, 'ds1', 'xdir'), { recursive: true });
        for (const [name, op] of ops) {
          await assert.rejects(op(), isKind('unauthorized', undefined, /escapes the datastore/), `${name} ${rel}`);
        }
      }
      assert.equal(readFileSync(join(base, 'outside', 'secret.txt'), 'utf8'), 'secret');
      assert.deepEqual(readdirSync(join(base, 'outside')), ['secret.txt']);
    });

    it('refuses absolute paths and NUL bytes', async () => {
      await assert.rejects(ds.readText(join(base, 'outside', 'secret.txt')), isKind('invalid_argument', undefined, /absolute/));
      await assert.rejects(ds.writeAtomic('a\0b', 'x'), isKind('invalid_argument', undefined, /NUL/));
    });

    it('refuses to remove or move the datastore root', async () => {
      await assert.rejects(ds.removeDir('', true), isKind('invalid_argument', undefined, /datastore root/));
      await assert.rejects(ds.removeVmFolder('.'), isKind('invalid_argument', undefined, /datastore root/));
      await assert.rejects(ds.move('', 'x'), isKind('invalid_argument'));
      assert.ok(existsSync(join(base, 'ds1')));
    });
  });

  describe('files', () => {
    it('writes atomically and reads back', async () => {
      await ds.makeDir('vm');
      await ds.writeAtomic('vm/vm.vmx', '.encoding = "UTF-8"\n');
      assert.equal(await ds.readText('vm/vm.vmx'), '.encoding = "UTF-8"\n');
      await ds.writeAtomic('vm/vm.vmx', 'second');
      assert.equal(await ds.readText('vm/vm.vmx'), 'second');
      assert.deepEqual(readdirSync(join(base, 'ds1', 'vm')), ['vm.vmx']);
    });

    it('a failed write leaves the old file', async () => {
      await ds.writeAtomic('keep.txt', 'old');
      async function* failing(): AsyncGenerator<string> {
        yield 'new';
        throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
      }
      await assert.rejects(ds.writeAtomic('keep.txt', failing()), isKind('resource_exhausted', undefined, /\[ds1\] keep\.txt/));
      assert.equal(await ds.readText('keep.txt'), 'old');
      assert.deepEqual(readdirSync(join(base, 'ds1')), ['keep.txt']);
    });

    it('names the datastore path in errors, with the right kind and reason', async () => {
      await assert.rejects(ds.readText('vm/missing.vmx'), isKind('not_found', 'file_not_found', /\[ds1\] vm\/missing\.vmx does not exist/));
      await ds.makeDir('vm');
      await assert.rejects(ds.readText('vm'), isKind('invalid_argument', 'not_a_file', /\[ds1\] vm/));
      await assert.rejects(ds.writeAtomic('nofolder/x.vmx', 'x'), isKind('not_found', 'file_not_found', /folder \[ds1\] nofolder/));
      await ds.writeAtomic('file.txt', 'x');
      await assert.rejects(ds.writeAtomic('file.txt/x.vmx', 'x'), isKind('invalid_argument', 'not_a_directory'));
      await assert.rejects(ds.writeAtomic('vm', 'x'), isKind('invalid_argument', 'not_a_file'));
      await assert.rejects(ds.list('file.txt'), isKind('invalid_argument', 'not_a_directory'));
      await assert.rejects(ds.list('nothing'), isKind('not_found', 'file_not_found'));
      await assert.rejects(ds.readText('file.txt', { maxBytes: 0 }), isKind('invalid_argument', undefined, /more than the 0 bytes/));
    });

    it('exists, stat and list', async () => {
      await ds.makeDir('vm');
      await ds.writeAtomic('vm/b.vmdk', Buffer.alloc(1234));
      await ds.writeAtomic('vm/a.vmx', 'x');
      symlinkSync('a.vmx', join(base, 'ds1', 'vm', 'c-link'));
      assert.equal(await ds.exists('vm/a.vmx'), true);
      assert.equal(await ds.exists('vm/zzz'), false);
      assert.equal(await ds.exists('vm/a.vmx/below'), false);
      const st = await ds.stat('vm/b.vmdk');
      assert.equal(st.name, 'b.vmdk');
      assert.equal(st.type, 'file');
      assert.equal(st.size, 1234);
      assert.ok(!Number.isNaN(Date.parse(st.mtime)));
      assert.equal((await ds.stat('vm')).type, 'directory');
      const list = await ds.list('vm');
      assert.deepEqual(
        list.map((e) => [e.name, e.type]),
        [
          ['a.vmx', 'file'],
          ['b.vmdk', 'file'],
          ['c-link', 'symlink'],
        ],
      );
      assert.deepEqual(
        (await ds.list('')).map((e) => e.name),
        ['vm'],
      );
      await assert.rejects(ds.stat('nope'), isKind('not_found', 'file_not_found'));
    });

    it('removes files and folders', async () => {
      await ds.makeDir('vm/logs', true);
      await ds.writeAtomic('vm/vmware.log', 'log');
      await assert.rejects(ds.removeFile('vm'), isKind('invalid_argument', 'not_a_file'));
      await assert.rejects(ds.removeDir('vm/vmware.log'), isKind('invalid_argument', 'not_a_directory'));
      await assert.rejects(ds.removeDir('vm'), isKind('not_allowed_in_current_state', undefined, /not empty/));
      await assert.rejects(ds.removeFile('vm/nope'), isKind('not_found', 'file_not_found'));
      await ds.removeFile('vm/vmware.log');
      await ds.removeDir('vm/logs');
      await ds.removeDir('vm');
      assert.deepEqual(readdirSync(join(base, 'ds1')), []);
      await ds.makeDir('vm2/a/b', true);
      await ds.removeDir('vm2', true);
      assert.equal(await ds.exists('vm2'), false);
    });

    it('links that point outside or nowhere can be looked at and removed, never followed', async () => {
      symlinkSync(join(base, 'outside', 'secret.txt'), join(base, 'ds1', 'out-file'));
      symlinkSync(join(base, 'outside'), join(base, 'ds1', 'out-dir'));
      symlinkSync('does-not-exist', join(base, 'ds1', 'dangling'));
      for (const rel of ['out-file', 'out-dir', 'dangling']) {
        assert.equal(await ds.exists(rel), true, rel);
        assert.equal((await ds.stat(rel)).type, 'symlink', rel);
      }
      await assert.rejects(ds.readText('out-file'), isKind('unauthorized'));
      await assert.rejects(ds.writeAtomic('out-file', 'x'), isKind('unauthorized'));
      await assert.rejects(ds.copy('out-file', 'copy'), isKind('unauthorized'));
      await assert.rejects(ds.move('out-file', 'elsewhere', false, { destination: ds2 }), isKind('unsupported'));
      await assert.rejects(ds.removeDir('out-dir', true), isKind('invalid_argument', 'not_a_directory'));
      await ds.move('dangling', 'renamed-dangling');
      for (const rel of ['out-file', 'out-dir', 'renamed-dangling']) await ds.removeFile(rel);
      assert.deepEqual(readdirSync(join(base, 'ds1')), []);
      assert.equal(readFileSync(join(base, 'outside', 'secret.txt'), 'utf8'), 'secret');
    });

    it('removeFile on a link removes the link, not its target', async () => {
      await ds.writeAtomic('target.txt', 't');
      symlinkSync('target.txt', join(base, 'ds1', 'link'));
      assert.equal(await ds.readText('link'), 't'); // links inside may be read through
      await assert.rejects(ds.copy('link', 'copy'), isKind('unsupported', undefined, /symbolic link/));
      await ds.removeFile('link');
      assert.equal(await ds.readText('target.txt'), 't');
    });
  });

  describe('makeDir', () => {
    it('makes nested folders with parents, exactly where asked', async () => {
      await ds.makeDir('test1/test2/test3', true);
      assert.deepEqual(readdirSync(join(base, 'ds1')), ['test1']);
      assert.deepEqual(readdirSync(join(base, 'ds1', 'test1')), ['test2']);
      assert.deepEqual(readdirSync(join(base, 'ds1', 'test1', 'test2')), ['test3']);
      await ds.makeDir('test1/test2/test3', true); // mkdir -p: fine when it exists
      await ds.makeDir('', true);
    });

    it('without parents needs the parent and a free name', async () => {
      await assert.rejects(ds.makeDir('a/b'), isKind('not_found', 'file_not_found', /folder \[ds1\] a of \[ds1\] a\/b/));
      await ds.makeDir('a');
      await assert.rejects(ds.makeDir('a'), isKind('already_exists', 'file_exists', /\[ds1\] a already exists/));
      await assert.rejects(ds.makeDir(''), isKind('already_exists', 'file_exists'));
      await ds.writeAtomic('f', 'x');
      await assert.rejects(ds.makeDir('f', true), isKind('already_exists', 'file_exists'));
      await assert.rejects(ds.makeDir('f/sub', true), isKind('invalid_argument', 'not_a_directory'));
    });
  });

  describe('move and copy', () => {
    it('moves and renames within a datastore', async () => {
      await ds.writeAtomic('a.txt', 'A');
      await ds.move('a.txt', 'b.txt');
      assert.equal(await ds.readText('b.txt'), 'A');
      assert.equal(await ds.exists('a.txt'), false);
      await ds.writeAtomic('c.txt', 'C');
      await assert.rejects(ds.move('c.txt', 'b.txt'), isKind('already_exists', 'file_exists', /\[ds1\] b\.txt/));
      await ds.move('c.txt', 'b.txt', true);
      assert.equal(await ds.readText('b.txt'), 'C');
      await assert.rejects(ds.move('nope', 'x'), isKind('not_found', 'file_not_found', /\[ds1\] nope/));
      await ds.makeDir('d');
      await assert.rejects(ds.move('d', 'd/inside'), isKind('invalid_argument'));
      await assert.rejects(ds.move('b.txt', 'missing/b.txt'), isKind('not_found', 'file_not_found'));
    });

    it('moves a file to another datastore', async () => {
      await ds.writeAtomic('a.iso', 'iso');
      await ds.move('a.iso', 'isos-a.iso', false, { destination: ds2 });
      assert.equal(await ds2.readText('isos-a.iso'), 'iso');
      assert.equal(await ds.exists('a.iso'), false);
    });

    it('copies a 30 MB file, streamed, with progress', async () => {
      const data = randomBytes(30 * 1024 * 1024);
      writeFileSync(join(base, 'ds1', 'big.vmdk'), data);
      const progress: Array<[number, number]> = [];
      await ds.copy('big.vmdk', 'copy.vmdk', false, { onProgress: (n, total) => progress.push([n, total]) });
      assert.equal(sha(readFileSync(join(base, 'ds1', 'copy.vmdk'))), sha(data));
      assert.ok(progress.length > 1, 'progress is reported while copying');
      assert.deepEqual(progress[progress.length - 1], [data.length, data.length]);
      // and into another datastore
      await ds.copy('big.vmdk', 'big.vmdk', false, { destination: ds2 });
      assert.equal(sha(readFileSync(join(base, 'ds2', 'big.vmdk'))), sha(data));
    });

    it('copy refuses folders, missing sources and existing targets unless overwriting', async () => {
      await ds.writeAtomic('a', 'A');
      await ds.writeAtomic('b', 'B');
      await ds.makeDir('dir');
      await assert.rejects(ds.copy('dir', 'x'), isKind('invalid_argument', 'not_a_file', /\[ds1\] dir/));
      await assert.rejects(ds.copy('nope', 'x'), isKind('not_found', 'file_not_found', /\[ds1\] nope/));
      await assert.rejects(ds.copy('a', 'b'), isKind('already_exists', 'file_exists', /\[ds1\] b/));
      await assert.rejects(ds.copy('a', 'dir', true), isKind('invalid_argument', 'not_a_file'));
      await ds.copy('a', 'b', true);
      assert.equal(await ds.readText('b'), 'A');
    });

    it('an aborted copy is cancelled and leaves no destination', async () => {
      writeFileSync(join(base, 'ds1', 'big.vmdk'), randomBytes(8 * 1024 * 1024));
      const ac = new AbortController();
      await assert.rejects(
        ds.copy('big.vmdk', 'copy.vmdk', false, { signal: ac.signal, onProgress: () => ac.abort() }),
        isKind('cancelled'),
      );
      assert.deepEqual(readdirSync(join(base, 'ds1')), ['big.vmdk']);
    });
  });

  describe('VM folders', () => {
    it('createVmFolder picks name, name_1, name_2 …', async () => {
      assert.equal(await ds.createVmFolder('web01'), 'web01');
      assert.equal(await ds.createVmFolder('web01'), 'web01_1');
      assert.equal(await ds.createVmFolder('web01'), 'web01_2');
      await ds.writeAtomic('db', 'a file takes the name too');
      assert.equal(await ds.createVmFolder('db'), 'db_1');
      const names = await Promise.all(Array.from({ length: 10 }, () => ds.createVmFolder('race')));
      assert.equal(new Set(names).size, 10);
    });

    it('sanitises folder names', async () => {
      assert.equal(sanitizeFolderName('a/b\\c:d*e?f"g<h>i|j'), 'a_b_c_d_e_f_g_h_i_j');
      assert.equal(sanitizeFolderName('../..'), '_');
      assert.equal(sanitizeFolderName('  .hidden  '), 'hidden');
      assert.equal(sanitizeFolderName('trailing dots...'), 'trailing dots');
      assert.equal(sanitizeFolderName(''), 'vm');
      assert.equal(sanitizeFolderName('\n\t'), '__');
      assert.equal(sanitizeFolderName('Windows 11 [dev] #2'), 'Windows 11 [dev] #2');
      const long = sanitizeFolderName('é'.repeat(300));
      assert.ok(Buffer.byteLength(long) <= 200);
      assert.equal(long, 'é'.repeat(100));
      assert.equal(await ds.createVmFolder('../../outside'), '_.._outside');
      assert.ok(existsSync(join(base, 'ds1', '_.._outside')));
    });

    it('removeVmFolder removes the folder and everything in it', async () => {
      const rel = await ds.createVmFolder('gone');
      await ds.writeAtomic(`${rel}/gone.vmx`, 'x');
      await ds.makeDir(`${rel}/snapshots`);
      await ds.removeVmFolder(rel);
      assert.equal(await ds.exists(rel), false);
      await assert.rejects(ds.removeVmFolder(rel), isKind('not_found', 'file_not_found'));
    });

    const makeVm = async (files: DatastoreFiles, name: string): Promise<string> => {
      const rel = await files.createVmFolder(name);
      await files.writeAtomic(`${rel}/${name}.vmx`, `displayName = "${name}"\n`);
      await files.writeAtomic(`${rel}/${name}.vmdk`, randomBytes(3 * 1024 * 1024));
      await files.makeDir(`${rel}/logs`);
      await files.writeAtomic(`${rel}/logs/vmware.log`, 'log line\n');
      return rel;
    };

    const tree = (dir: string): Record<string, string> => {
      const out: Record<string, string> = {};
      const walk = (d: string, prefix: string): void => {
        for (const name of readdirSync(d).sort()) {
          const p = join(d, name);
          if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
          else out[prefix + name] = sha(readFileSync(p));
        }
      };
      walk(dir, '');
      return out;
    };

    it('copyFolderTo clones a folder tree to another datastore', async () => {
      const rel = await makeVm(ds, 'golden');
      const before = tree(join(base, 'ds1', rel));
      await ds.copyFolderTo(ds2, rel, 'clone-01');
      assert.deepEqual(tree(join(base, 'ds2', 'clone-01')), before);
      assert.deepEqual(tree(join(base, 'ds1', rel)), before); // source intact
      await assert.rejects(ds.copyFolderTo(ds2, rel, 'clone-01'), isKind('already_exists', 'file_exists', /\[ds2\] clone-01 already exists and is not empty/));
      await ds2.writeAtomic('a-file', 'x');
      await assert.rejects(ds.copyFolderTo(ds2, rel, 'a-file'), isKind('already_exists', 'file_exists'));
      await assert.rejects(ds.copyFolderTo(ds2, `${rel}/golden.vmx`, 'x'), isKind('invalid_argument', 'not_a_directory'));
      await assert.rejects(ds.copyFolderTo(ds2, 'nope', 'x'), isKind('not_found', 'file_not_found'));
    });

    it('copyFolderTo fills an empty folder reserved with createVmFolder', async () => {
      const rel = await makeVm(ds, 'golden');
      const reserved = await ds2.createVmFolder('golden');
      assert.equal(reserved, 'golden');
      await ds.copyFolderTo(ds2, rel, reserved);
      assert.deepEqual(tree(join(base, 'ds2', reserved)), tree(join(base, 'ds1', rel)));
      assert.deepEqual(readdirSync(join(base, 'ds2')), ['golden']);
    });

    it('copyFolderTo refuses links before writing anything', async () => {
      const rel = await makeVm(ds, 'linked');
      symlinkSync('/etc/passwd', join(base, 'ds1', rel, 'passwd'));
      await assert.rejects(ds.copyFolderTo(ds2, rel, 'clone'), isKind('unsupported', undefined, /\[ds1\] linked\/passwd .*symbolic link/));
      assert.deepEqual(readdirSync(join(base, 'ds2')), []);
    });

    it('an aborted folder copy leaves nothing behind', async () => {
      const rel = await makeVm(ds, 'big');
      const ac = new AbortController();
      await assert.rejects(
        ds.copyFolderTo(ds2, rel, 'clone', { signal: ac.signal, onProgress: () => ac.abort() }),
        isKind('cancelled'),
      );
      assert.deepEqual(readdirSync(join(base, 'ds2')), []);
    });

    it('moveFolderTo moves a VM folder between two datastores', async () => {
      const rel = await makeVm(ds, 'mover');
      const before = tree(join(base, 'ds1', rel));
      assert.equal(await ds.moveFolderTo(ds2, rel), rel);
      assert.deepEqual(tree(join(base, 'ds2', rel)), before);
      assert.equal(await ds.exists(rel), false);
      // and back under another name
      assert.equal(await ds2.moveFolderTo(ds, rel, 'renamed'), 'renamed');
      assert.deepEqual(tree(join(base, 'ds1', 'renamed')), before);
      await ds2.makeDir('taken');
      await ds2.writeAtomic('taken/something', 'x');
      await assert.rejects(ds.moveFolderTo(ds2, 'renamed', 'taken'), isKind('already_exists', 'file_exists'));
      assert.ok(existsSync(join(base, 'ds1', 'renamed')));
      // an empty (reserved) folder is a valid destination
      await ds2.makeDir('empty');
      assert.equal(await ds.moveFolderTo(ds2, 'renamed', 'empty'), 'empty');
      assert.deepEqual(tree(join(base, 'ds2', 'empty')), before);
    });

    describe('across file systems', () => {
      const other = otherFsBase();
      after(() => {
        if (other !== null) rmSync(other, { recursive: true, force: true });
      });

      // In CI the second file system must be there (ci.ts): this test cannot skip silently.
      it('moveFolderTo copies then removes when rename cannot cross', { skip: skipUnlessAvailable('the cross-file-system move test', other === null ? 'no second file system (/dev/shm on another device than the temporary directory)' : null) }, async () => {
        const far = new DatastoreFiles(other as string, 'shm');
        const rel = await makeVm(ds, 'far');
        const before = tree(join(base, 'ds1', rel));
        await ds.moveFolderTo(far, rel);
        assert.deepEqual(tree(join(other as string, rel)), before);
        // back into an empty reserved folder, still across file systems
        const reserved = await ds.createVmFolder('far-back');
        await far.copyFolderTo(ds, rel, reserved);
        assert.deepEqual(tree(join(base, 'ds1', reserved)), before);
        assert.equal(await ds.exists(rel), false);
        await far.move(`${rel}/far.vmx`, 'far.vmx', false, { destination: ds });
        assert.equal(await ds.readText('far.vmx'), 'displayName = "far"\n');
        await far.copy(`${rel}/far.vmdk`, 'far.vmdk', false, { destination: ds });
        assert.equal(sha(readFileSync(join(base, 'ds1', 'far.vmdk'))), before['far.vmdk']);
        assert.deepEqual(
          readdirSync(other as string).filter((n) => n.includes('vmgate-tmp')),
          [],
        );
      });
    });
  });

  it('usage reports capacity and free space', async () => {
    const u = await ds.usage();
    assert.ok(u.capacityBytes > 0);
    assert.ok(u.freeBytes >= 0 && u.freeBytes <= u.capacityBytes);
    await assert.rejects(new DatastoreFiles(join(base, 'missing'), 'gone').usage(), isKind('not_found', undefined, /datastore root/));
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statfsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { VmserverdError } from '../../../src/clients/vmserverd/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { startAuthd, type AuthdKit } from './kit.ts';

const code = (c: string) => (e: unknown) => {
  assert.ok(e instanceof VmserverdError, String(e));
  assert.equal(e.code, c, e.message);
  return true;
};
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const TMPFS_MAGIC = 0x01021994;

/** Why the 200 MB copy cannot run here (no tmpfs at /dev/shm, or too little room in it), or null. */
function shmMissing(): string | null {
  try {
    const s = statfsSync('/dev/shm');
    if (s.type !== TMPFS_MAGIC) return '/dev/shm is not a tmpfs';
    if (s.bavail * s.bsize < 512 * 1024 * 1024) return '/dev/shm has less than 512 MiB free';
    return null;
  } catch (e) {
    return `/dev/shm is not usable: ${(e as Error).message}`;
  }
}

function qemuImgMissing(): string | null {
  try {
    execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
    execFileSync('qemu-io', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'qemu-img and qemu-io are not installed (apt-get install qemu-utils)';
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

describe('vmserverd file and directory ops', () => {
  let k: AuthdKit;
  let c: VmserverdClient;
  let root: string;
  let shmDir: string;
  before(async () => {
    k = await startAuthd();
    c = await k.admin();
    root = k.t.datastore.path;
    shmDir = await mkdtemp('/dev/shm/vmgate-ds-');
    await k.t.core.inventory.createDatastore(SYSTEM_CALLER, { name: 'shm', datacenterId: k.t.dc.id, path: shmDir });
  });
  after(async () => {
    await k.close();
    await rm(shmDir, { recursive: true, force: true });
  });

  it('FileManager_MakeDir with makeParents makes a, a/b, a/b/c (not the seed bug); without it a missing parent is not_found', async () => {
    const out = await c.execValue('FileManager_MakeDir', '<directories><directory>[ds0] a/b/c</directory><directory>[ds0] x</directory></directories><owner_mode>rwx</owner_mode><makeParents>1</makeParents>');
    assert.deepEqual(plain(out), { directories: { directory: ['[ds0] a/b/c', '[ds0] x'] } });
    for (const p of ['a', 'a/b', 'a/b/c', 'x']) assert.ok((await stat(join(root, p))).isDirectory(), p);
    assert.equal(existsSync(join(root, 'ab')), false);
    assert.equal(existsSync(join(root, 'abc')), false);
    await assert.rejects(c.exec('FileManager_MakeDir', '<directories><directory>[ds0] m/n</directory></directories><makeParents>0</makeParents>'), code('not_found'));
    await assert.rejects(c.exec('Directory_Make', { path: '[ds0] x' }), code('already_exists'));
    assert.deepEqual(plain(await c.execValue('Directory_Make', { path: '[ds0] x', makeParents: 1 })), { path: '[ds0] x' });
  });

  it('File_Create, File_Exists, File_Read, File_ReadLastN, FileManager_ListDir, ListDirTree, GetParentDir', async () => {
    await c.exec('File_Create', { path: '[ds0] a/b/notes.txt', content: 'one\ntwo\nthree & <four>\n' });
    await assert.rejects(c.exec('File_Create', { path: '[ds0] a/b/notes.txt', content: 'again' }), code('already_exists'));
    assert.equal(await readFile(join(root, 'a/b/notes.txt'), 'utf8'), 'one\ntwo\nthree & <four>\n');
    assert.deepEqual(plain(await c.execValue('File_Exists', { path: '[ds0] a/b/notes.txt' })), { exists: '1', type: 'file' });
    assert.deepEqual(plain(await c.execValue('FileManager_FileExists', { path: '[ds0] a/b' })), { exists: '1', type: 'directory' });
    assert.deepEqual(plain(await c.execValue('File_Exists', { path: '[ds0] nope' })), { exists: '0', type: '' });
    assert.deepEqual(plain(await c.execValue('File_Read', { path: '[ds0] a/b/notes.txt' })), { content: 'one\ntwo\nthree & <four>' });
    const last = (await c.exec('File_ReadLastN', { path: '[ds0] a/b/notes.txt', n: 2 }))!.children[0]!.children.map((l) => l.text);
    assert.deepEqual(last, ['two', 'three & <four>']);
    const list = (await c.exec('FileManager_ListDir', { path: '[ds0] a/b' }))!.children[0]!.children;
    assert.deepEqual(list.map((e) => [e.children[0]!.text, e.children[1]!.text]), [['c', 'directory'], ['notes.txt', 'file']]);
    assert.deepEqual(plain(await c.execValue('Directory_GetSpaceUsage', { path: '[ds0] a' })), { bytes: '23', files: '1', directories: '2' });
    await assert.rejects(c.exec('Directory_GetSpaceUsage', { path: '[ds0] a/b/notes.txt' }), code('bad_argument'));
    const tree = (await c.exec('FileManager_ListDirTree', { path: '[ds0] a' }))!.children[0]!.children.map((e) => e.children[0]!.text);
    assert.deepEqual(tree, ['b', 'b/c', 'b/notes.txt']);
    // The absolute root form names the same place.
    const abs = (await c.exec('Directory_List', { path: `${root}/a/b` }))!.children[0]!.children.length;
    assert.equal(abs, 2);
    assert.deepEqual(plain(await c.execValue('FileManager_GetParentDir', { path: '[ds0] a/b/notes.txt' })), { path: '[ds0] a/b' });
    assert.deepEqual(plain(await c.execValue('FileManager_GetParentDir', { path: '[ds0] a' })), { path: '[ds0]' });
    assert.deepEqual(plain(await c.execValue('FileManager_GetHomeDir')), { path: '[ds0]' });
    await assert.rejects(c.exec('FileManager_ListDir', { path: '[ds0] a/b/notes.txt' }), code('bad_argument'));
    await assert.rejects(c.exec('File_Read', { path: '[ds0] a/missing.txt' }), code('not_found'));
  });

  it('traversal is refused: .., an absolute path elsewhere, a link leading out, an unknown datastore, a NUL', async () => {
    await symlink('/etc', join(root, 'etc-link'));
    await assert.rejects(c.exec('File_Read', { path: '[ds0] ../../../../etc/passwd' }), code('permission_denied'));
    await assert.rejects(c.exec('File_Read', { path: '[ds0] a/../../x' }), code('permission_denied'));
    await assert.rejects(c.exec('File_Read', { path: '/etc/passwd' }), code('not_found'));
    await assert.rejects(c.exec('FileManager_ListDir', { path: '[ds0] etc-link' }), code('permission_denied'));
    await assert.rejects(c.exec('File_Read', { path: '[ds0] etc-link/passwd' }), code('permission_denied'));
    await assert.rejects(c.exec('File_Read', { path: '[other] x' }), code('not_found'));
    await assert.rejects(c.exec('File_Read', { path: 'relative/x' }), code('bad_argument'));
    const nul = await c.execXml('<exec><op>File_Read</op><in><path>[ds0] a&#0;b</path></in></exec>');
    assert.deepEqual(nul.ok ? null : nul.error, { code: 'malformed_xml', message: 'malformed XML: &#0; is not a character XML allows' });
    await assert.rejects(c.exec('FileManager_RemoveDir', { path: '[ds0] ../' }), code('permission_denied'));
    // A link can be listed as a link and removed, never followed.
    const entries = (await c.exec('FileManager_ListDir', { path: '[ds0]' }))!.children[0]!.children.map((e) => [e.children[0]!.text, e.children[1]!.text]);
    assert.ok(entries.some(([n, t]) => n === 'etc-link' && t === 'symlink'));
    await c.exec('File_Delete', { path: '[ds0] etc-link' });
    assert.ok(existsSync('/etc/passwd'));
  });

  it('a user without rights does not see the datastore; read-only (no Datastore.Browse) may not browse; an operator may', async () => {
    await k.t.user('nobody', null);
    await k.t.user('viewer', 'read-only');
    await k.t.user('oper', 'operator');
    const n = await k.client();
    await n.login('nobody', 'nobody-password-1');
    await assert.rejects(n.exec('FileManager_ListDir', { path: '[ds0]' }), code('not_found'));
    const v = await k.client();
    await v.login('viewer', 'viewer-password-1');
    await assert.rejects(v.exec('FileManager_ListDir', { path: '[ds0] a' }), code('permission_denied'));
    await assert.rejects(v.exec('Directory_Make', { path: '[ds0] v' }), code('permission_denied'));
    await assert.rejects(v.exec('File_Delete', { path: '[ds0] a/b/notes.txt' }), code('permission_denied'));
    const o = await k.client();
    await o.login('oper', 'oper-password-1');
    assert.deepEqual((await o.exec('FileManager_ListDir', { path: '[ds0] a' }))!.children[0]!.children.map((e) => e.children[0]!.text), ['b']);
    await o.exec('Directory_Make', { path: '[ds0] a/o' });
    await o.exec('Directory_Remove', { path: '[ds0] a/o' });
  });

  it('FileManager_FileMove, FileRemove, RemoveDir (recursive or not)', async () => {
    await c.exec('FileManager_FileMove', { source: '[ds0] a/b/notes.txt', destination: '[ds0] x/notes.txt' });
    assert.ok(existsSync(join(root, 'x/notes.txt')));
    assert.equal(existsSync(join(root, 'a/b/notes.txt')), false);
    await c.exec('FileManager_FileMove', { source: '[ds0] x/notes.txt', destination: '[shm] notes.txt' });
    assert.equal(await readFile(join(shmDir, 'notes.txt'), 'utf8'), 'one\ntwo\nthree & <four>\n');
    await c.exec('FileManager_FileRemove', { path: '[shm] notes.txt' });
    assert.equal(existsSync(join(shmDir, 'notes.txt')), false);
    await assert.rejects(c.exec('FileManager_FileRemove', { path: '[shm] notes.txt' }), code('not_found'));
    await assert.rejects(c.exec('Directory_Remove', { path: '[ds0] a' }), code('invalid_state'));
    await c.exec('FileManager_RemoveDir', { path: '[ds0] a', recursive: 1 });
    assert.equal(existsSync(join(root, 'a')), false);
    await assert.rejects(c.exec('FileManager_RemoveDir', { path: '[ds0]' }), code('bad_argument'));
  });

  it('FileManager_FileCopy: 200 MB of real bytes from the disk to a tmpfs datastore as a task whose progress StatusOfTask shows', { skip: skipUnlessAvailable('the 200 MB copy across file systems', shmMissing()) }, async () => {
    // Different file systems: the datastore's and /dev/shm's devices differ (a rename cannot do it).
    assert.notEqual((await stat(root)).dev, (await stat(shmDir)).dev);
    assert.equal(statfsSync(shmDir).type, TMPFS_MAGIC);
    await mkdir(join(root, 'big'), { recursive: true });
    // 200 MiB of random bytes (not sparse), written and hashed 1 MiB at a time.
    const size = 200 * 1024 * 1024;
    const hash = createHash('sha256');
    const fh = await open(join(root, 'big/disk.bin'), 'w');
    for (let done = 0; done < size; done += 1024 * 1024) {
      const chunk = randomBytes(1024 * 1024);
      hash.update(chunk);
      await fh.write(chunk);
    }
    await fh.close();
    const want = hash.digest('hex');
    assert.equal((await stat(join(root, 'big/disk.bin'))).blocks * 512 >= size, true, 'the source holds real blocks');
    const started = (await c.execValue('FileManager_FileCopy', { source: '[ds0] big/disk.bin', destination: '[shm] disk.bin', wait: 0 })) as { task: string };
    // Follow it through the exec face only: TaskManager_StatusOfTask until it ends.
    const seen: number[] = [];
    let st = await c.taskStatus(started.task);
    while (st.state === 'running') {
      seen.push(st.progress);
      st = await c.taskStatus(started.task);
    }
    assert.deepEqual({ kind: st.kind, state: st.state, progress: st.progress }, { kind: 'datastore.fileCopy', state: 'success', progress: 100 });
    const between = [...new Set(seen.filter((p) => p > 0 && p < 100))];
    assert.ok(between.length >= 2, `more than one progress value between 0 and 100 was seen: ${between.join(',')}`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `progress never goes back: ${seen.join(',')}`);
    assert.match(st.step, /^Completed$/);
    assert.equal(await sha256File(join(shmDir, 'disk.bin')), want);
    assert.equal((await stat(join(shmDir, 'disk.bin'))).size, size);
    // The same copy, waited for: the reply has the bytes; a second copy onto it needs overwrite.
    await assert.rejects(c.exec('FileManager_FileCopy', { source: '[ds0] big/disk.bin', destination: '[shm] disk.bin' }), code('already_exists'));
    const again = await c.exec('File_Copy', { source: '[ds0] big/disk.bin', destination: '[shm] disk.bin', overwrite: 1 });
    assert.equal(again!.children.find((e) => e.name === 'bytes')!.text, String(size));
    await assert.rejects(c.exec('FileManager_FileCopy', { source: '[ds0] big', destination: '[shm] big' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_FileCopy', { source: '[ds0] big/disk.bin', destination: '[shm] no/such/dir.bin' }), code('not_found'));
    const events = await k.t.core.events.list(k.t.admin, undefined, 20);
    assert.ok(events.some((e) => e.type === 'datastore.fileCopied' && e.userName === 'administrator' && e.message === `[ds0] big/disk.bin copied to [shm] disk.bin (${size} bytes)`));
    await rm(join(shmDir, 'disk.bin'));
    await rm(join(root, 'big'), { recursive: true });
  });

  it('FileManager_ChangeMode (octal or the seed\'s rwx letters) and ChangeAttribs (read-only); bad modes, links, traversal', async () => {
    await mkdir(join(root, 'perm'), { recursive: true });
    await writeFile(join(root, 'perm/f.txt'), 'x', { mode: 0o644 });
    assert.deepEqual(plain(await c.execValue('FileManager_ChangeMode', { path: '[ds0] perm/f.txt', mode: '640' })), { path: '[ds0] perm/f.txt', mode: '640' });
    assert.equal((await stat(join(root, 'perm/f.txt'))).mode & 0o777, 0o640);
    // Letters per class; a class left out keeps its bits.
    assert.deepEqual(plain(await c.execValue('FileManager_ChangeMode', { path: '[ds0] perm/f.txt', owner_mode: 'rwx', other_mode: 'r--' })), { path: '[ds0] perm/f.txt', mode: '744' });
    assert.equal((await stat(join(root, 'perm/f.txt'))).mode & 0o777, 0o744);
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0] perm/f.txt', mode: '4755' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0] perm/f.txt', mode: '9' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0] perm/f.txt', owner_mode: 'wrx' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0] perm/f.txt' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0] perm/none', mode: '600' }), code('not_found'));
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0]', mode: '000' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeAttribs', { path: '[ds0]', readOnly: 1 }), code('bad_argument'));
    assert.equal((await stat(root)).mode & 0o700, 0o700);
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0] ../../etc/passwd', mode: '666' }), code('permission_denied'));
    await symlink('/etc/passwd', join(root, 'perm/out'));
    await assert.rejects(c.exec('FileManager_ChangeMode', { path: '[ds0] perm/out', mode: '666' }), code('unsupported'));
    assert.notEqual((await stat('/etc/passwd')).mode & 0o777, 0o666);
    assert.deepEqual(plain(await c.execValue('FileManager_ChangeAttribs', { path: '[ds0] perm/f.txt', readOnly: 1 })), { path: '[ds0] perm/f.txt', readOnly: '1', mode: '544' });
    assert.equal((await stat(join(root, 'perm/f.txt'))).mode & 0o777, 0o544);
    assert.deepEqual(plain(await c.execValue('FileManager_ChangeAttribs', { path: '[ds0] perm/f.txt', readOnly: 0 })), { path: '[ds0] perm/f.txt', readOnly: '0', mode: '744' });
    await assert.rejects(c.exec('FileManager_ChangeAttribs', { path: '[ds0] perm/f.txt', readOnly: 0, hidden: 1 }), code('unsupported'));
    await assert.rejects(c.exec('FileManager_ChangeAttribs', { path: '[ds0] perm/f.txt' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeAttribs', { path: '[ds0] perm/f.txt', readOnly: 'yes' }), code('bad_argument'));
    const events = await k.t.core.events.list(k.t.admin, undefined, 10);
    assert.ok(events.some((e) => e.type === 'datastore.fileModeChanged' && e.message === '[ds0] perm/f.txt made writable (mode 744)'), events.map((e) => e.message).join('\n'));
    const v = await k.client();
    await k.t.user('viewer2', 'read-only');
    await v.login('viewer2', 'viewer2-password-1');
    await assert.rejects(v.exec('FileManager_ChangeMode', { path: '[ds0] perm/f.txt', mode: '777' }), code('permission_denied'));
  });

  it('FileManager_ChangeOwner and ChangeGroup: the owner a file has is fine, any other is unsupported', async () => {
    const st = await stat(join(root, 'perm/f.txt'));
    const me = userInfo();
    assert.deepEqual(plain(await c.execValue('FileManager_ChangeOwner', { path: '[ds0] perm/f.txt', owner: me.username })), { path: '[ds0] perm/f.txt', uid: String(st.uid), gid: String(st.gid) });
    assert.deepEqual(plain(await c.execValue('FileManager_ChangeOwner', { path: '[ds0] perm/f.txt', owner: String(st.uid) })), { path: '[ds0] perm/f.txt', uid: String(st.uid), gid: String(st.gid) });
    assert.deepEqual(plain(await c.execValue('FileManager_ChangeGroup', { path: '[ds0] perm/f.txt', group: String(st.gid) })), { path: '[ds0] perm/f.txt', uid: String(st.uid), gid: String(st.gid) });
    await assert.rejects(c.exec('FileManager_ChangeOwner', { path: '[ds0] perm/f.txt', owner: String(st.uid + 1) }), code('unsupported'));
    await assert.rejects(c.exec('FileManager_ChangeOwner', { path: '[ds0] perm/f.txt', owner: 'somebody-else' }), code('unsupported'));
    await assert.rejects(c.exec('FileManager_ChangeGroup', { path: '[ds0] perm/f.txt', group: String(st.gid + 1) }), code('unsupported'));
    await assert.rejects(c.exec('FileManager_ChangeGroup', { path: '[ds0] perm/f.txt', group: 'wheel' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeOwner', { path: '[ds0] perm/f.txt' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_ChangeOwner', { path: '[ds0] perm/gone', owner: me.username }), code('not_found'));
    assert.equal((await stat(join(root, 'perm/f.txt'))).uid, st.uid);
  });

  it('FileManager_FileMakeLink: a link inside one datastore, relative; targets outside, across datastores, missing or taken are refused', async () => {
    await mkdir(join(root, 'links/deep'), { recursive: true });
    assert.deepEqual(plain(await c.execValue('FileManager_FileMakeLink', { path: '[ds0] links/deep/f-link', target: '[ds0] perm/f.txt' })), { path: '[ds0] links/deep/f-link', target: '[ds0] perm/f.txt' });
    assert.equal(await readlink(join(root, 'links/deep/f-link')), '../../perm/f.txt');
    assert.deepEqual(plain(await c.execValue('File_Read', { path: '[ds0] links/deep/f-link' })), { content: 'x' });
    const listed = (await c.exec('FileManager_ListDir', { path: '[ds0] links/deep' }))!.children[0]!.children.map((e) => [e.children[0]!.text, e.children[1]!.text]);
    assert.deepEqual(listed, [['f-link', 'symlink']]);
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] links/deep/f-link', target: '[ds0] perm/f.txt' }), code('already_exists'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] links/passwd', target: '/etc/passwd' }), code('not_found'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] links/passwd', target: '[ds0] ../../../etc/passwd' }), code('permission_denied'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] ../escape', target: '[ds0] perm/f.txt' }), code('permission_denied'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] links/via-out', target: '[ds0] perm/out' }), code('permission_denied'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[shm] cross', target: '[ds0] perm/f.txt' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] links/none', target: '[ds0] perm/none' }), code('not_found'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] no/such/link', target: '[ds0] perm/f.txt' }), code('not_found'));
    await assert.rejects(c.exec('FileManager_FileMakeLink', { path: '[ds0] links/x' }), code('bad_argument'));
    // A link made inside a linked folder still points inside: the real folder counts.
    await symlink(root, join(root, 'links/deep/to-root'));
    await c.exec('FileManager_FileMakeLink', { path: '[ds0] links/deep/to-root/r-link', target: '[ds0] perm/f.txt' });
    assert.equal(await readlink(join(root, 'r-link')), 'perm/f.txt');
    assert.deepEqual(plain(await c.execValue('File_Read', { path: '[ds0] r-link' })), { content: 'x' });
    for (const p of ['[ds0] r-link', '[ds0] links/deep/to-root', '[ds0] links/deep/f-link', '[ds0] perm/out']) await c.exec('File_Delete', { path: p });
  });

  it('CreateCOWDisk: an empty qcow2 child whose backing file is the base (relative); the base is not written; errors', async () => {
    await mkdir(join(root, 'cow/sub'), { recursive: true });
    const base = await open(join(root, 'cow/base.vmdk'), 'w');
    await base.truncate(8 * 1024 * 1024); // a sim disk: a sparse raw file
    await base.close();
    const baseBefore = await stat(join(root, 'cow/base.vmdk'));
    assert.deepEqual(plain(await c.execValue('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk', child: '[ds0] cow/child.qcow2' })), { path: '[ds0] cow/child.qcow2', parent: '[ds0] cow/base.vmdk', format: 'qcow2', parentFormat: 'raw', capacity: '8388608' });
    const img = await readFile(join(root, 'cow/child.qcow2'));
    assert.equal(img.subarray(0, 4).toString('latin1'), 'QFI\xfb');
    assert.equal(img.readUInt32BE(4), 2);
    assert.equal(img.readBigUInt64BE(24), 8388608n);
    const off = Number(img.readBigUInt64BE(8));
    assert.equal(img.subarray(off, off + img.readUInt32BE(16)).toString('utf8'), 'base.vmdk');
    assert.equal((await stat(join(root, 'cow/base.vmdk'))).mtimeMs, baseBefore.mtimeMs);
    // A child in a subfolder points up; a child of a child has a qcow2 base.
    await c.exec('CreateCOWDisk', { parent: `${root}/cow/base.vmdk`, child: '[ds0] cow/sub/c2.qcow2' });
    const img2 = await readFile(join(root, 'cow/sub/c2.qcow2'));
    assert.equal(img2.subarray(Number(img2.readBigUInt64BE(8)), Number(img2.readBigUInt64BE(8)) + img2.readUInt32BE(16)).toString('utf8'), '../base.vmdk');
    assert.equal((plain(await c.execValue('CreateCOWDisk', { parent: '[ds0] cow/child.qcow2', child: '[ds0] cow/grandchild.qcow2' })) as Record<string, string>).parentFormat, 'qcow2');
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk', child: '[ds0] cow/child.qcow2' }), code('already_exists'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk', child: '[ds0] cow/child.vmdk' }), code('bad_argument'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/none.vmdk', child: '[ds0] cow/c3.qcow2' }), code('not_found'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] ../../../etc/passwd', child: '[ds0] cow/c3.qcow2' }), code('permission_denied'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk', child: '[ds0] ../c3.qcow2' }), code('permission_denied'));
    await symlink('/etc/passwd', join(root, 'cow/out.vmdk'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/out.vmdk', child: '[ds0] cow/c3.qcow2' }), code('permission_denied'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk', child: '[shm] c3.qcow2' }), code('bad_argument'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/sub', child: '[ds0] cow/c3.qcow2' }), code('bad_argument'));
    await writeFile(join(root, 'cow/empty.vmdk'), '');
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/empty.vmdk', child: '[ds0] cow/c3.qcow2' }), code('bad_argument'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk', child: '[ds0] no/such/c3.qcow2' }), code('not_found'));
    await assert.rejects(c.exec('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk' }), code('bad_argument'));
    assert.equal(existsSync(join(root, 'cow/c3.qcow2')), false);
    const v = await k.client();
    await v.login('viewer2', 'viewer2-password-1');
    await assert.rejects(v.exec('CreateCOWDisk', { parent: '[ds0] cow/base.vmdk', child: '[ds0] cow/c4.qcow2' }), code('permission_denied'));
    const events = await k.t.core.events.list(k.t.admin, undefined, 20);
    assert.ok(events.some((e) => e.type === 'datastore.diskCreated' && e.message === '[ds0] cow/child.qcow2 created as a copy-on-write child of [ds0] cow/base.vmdk (raw, 8388608 bytes)'));
  });

  it('CreateCOWDisk: qemu-img reads the child as a qcow2 image backed by the base, and a write lands in the child only', { skip: skipUnlessAvailable('checking CreateCOWDisk with qemu-img', qemuImgMissing()) }, async () => {
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(root, 'cow/sub/c2.qcow2')], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.deepEqual([info.format, info['virtual-size'], info['backing-filename'], info['backing-filename-format']], ['qcow2', 8388608, '../base.vmdk', 'raw']);
    execFileSync('qemu-img', ['check', join(root, 'cow/sub/c2.qcow2')]);
    execFileSync('qemu-io', ['-c', 'write -P 0xab 0 64k', join(root, 'cow/sub/c2.qcow2')]);
    execFileSync('qemu-io', ['-c', 'read -P 0xab 0 64k', join(root, 'cow/sub/c2.qcow2')]);
    const head = Buffer.alloc(65536);
    const fh = await open(join(root, 'cow/base.vmdk'), 'r');
    await fh.read(head, 0, head.length, 0);
    await fh.close();
    assert.ok(head.every((b) => b === 0), 'the base is untouched');
  });

  it('GSXHostInfo_GetDiskSpace', async () => {
    const v = (await c.execValue('GSXHostInfo_GetDiskSpace', { path: '[shm]' })) as Record<string, string>;
    assert.equal(v.datastore, 'shm');
    assert.ok(Number(v.capacity) > 0);
    assert.ok(Number(v.free) <= Number(v.capacity));
  });
});

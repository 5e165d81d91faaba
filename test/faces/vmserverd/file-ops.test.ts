import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { VmserverdError } from '../../../src/clients/vmserverd/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { startAuthd, type AuthdKit } from './kit.ts';

const code = (c: string) => (e: unknown) => {
  assert.ok(e instanceof VmserverdError, String(e));
  assert.equal(e.code, c, e.message);
  return true;
};
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

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

  it('FileManager_FileCopy: 24 MiB across datastores on different file systems (ext4 → tmpfs) as a task with progress', async () => {
    await mkdir(join(root, 'big'), { recursive: true });
    const data = Buffer.alloc(24 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32LE(i, i);
    await writeFile(join(root, 'big/disk.bin'), data);
    const progress: number[] = [];
    const off = k.t.core.bus.on('task.changed', (t: { kind: string; progress: number }) => {
      if (t.kind === 'datastore.fileCopy') progress.push(t.progress);
    });
    const out = await c.exec('FileManager_FileCopy', { source: '[ds0] big/disk.bin', destination: '[shm] disk.bin' });
    off();
    assert.ok(progress.some((p) => p > 0 && p < 100), `progress was reported along the way: ${progress.join(',')}`);
    assert.equal(progress.at(-1), 100);
    const task = out!.children.find((e) => e.name === 'task')!.text;
    assert.equal(out!.children.find((e) => e.name === 'bytes')!.text, String(data.length));
    assert.equal(sha(await readFile(join(shmDir, 'disk.bin'))), sha(data));
    const st = await c.taskStatus(task);
    assert.deepEqual({ kind: st.kind, state: st.state, progress: st.progress }, { kind: 'datastore.fileCopy', state: 'success', progress: 100 });
    await assert.rejects(c.exec('FileManager_FileCopy', { source: '[ds0] big/disk.bin', destination: '[shm] disk.bin' }), code('already_exists'));
    await c.exec('File_Copy', { source: '[ds0] big/disk.bin', destination: '[shm] disk.bin', overwrite: 1 });
    await assert.rejects(c.exec('FileManager_FileCopy', { source: '[ds0] big', destination: '[shm] big' }), code('bad_argument'));
    await assert.rejects(c.exec('FileManager_FileCopy', { source: '[ds0] big/disk.bin', destination: '[shm] no/such/dir.bin' }), code('not_found'));
    const events = await k.t.core.events.list(k.t.admin, undefined, 20);
    assert.ok(events.some((e) => e.type === 'datastore.fileCopied' && e.userName === 'administrator'));
  });

  it('GSXHostInfo_GetDiskSpace', async () => {
    const v = (await c.execValue('GSXHostInfo_GetDiskSpace', { path: '[shm]' })) as Record<string, string>;
    assert.equal(v.datastore, 'shm');
    assert.ok(Number(v.capacity) > 0);
    assert.ok(Number(v.free) <= Number(v.capacity));
  });
});

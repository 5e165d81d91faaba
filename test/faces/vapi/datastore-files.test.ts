/**
 * Datastores as an administrator manages them (com.vmgate.datastores, REST) and their
 * files the way vSphere tools reach them (`/folder/<path>?dsName=&dcPath=`), over real
 * HTTPS against a real server: authentication, permissions, confinement (traversal,
 * encoded traversal, symbolic links leading out), atomic uploads.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { useVapiServer } from '../../support/vapi-kit.ts';

const kit = useVapiServer();
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ADMIN = basic('administrator', ADMIN_PASSWORD);

let outside: string;
before(async () => {
  outside = await mkdtemp(join(tmpdir(), 'vmgate-ds-outside-'));
});
after(async () => rm(outside, { recursive: true, force: true }));

let users: Promise<void> | undefined;
/** An operator `op` and a read-only `viewer` (made once, after the server started). */
function ensureUsers(): Promise<void> {
  users ??= makeUsers();
  return users;
}
async function makeUsers(): Promise<void> {
  const core = kit.s.server.core;
  const op = await core.identity.createUser(SYSTEM_CALLER, { name: 'op', password: 'operator-password-1' });
  await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${op.user.id}`, entityId: 'root', roleId: 'operator', propagate: true });
  const viewer = await core.identity.createUser(SYSTEM_CALLER, { name: 'viewer', password: 'viewer-password-1' });
  await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${viewer.user.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
}

/** A raw HTTPS request whose path is sent exactly as given (no URL normalisation). */
function raw(method: string, path: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((res, rej) => {
    const req = httpsRequest({ host: '127.0.0.1', port: kit.s.port, method, path, ca: kit.s.ca, servername: 'localhost', headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (d: Buffer) => chunks.push(d));
      r.on('end', () => res({ status: r.statusCode!, headers: r.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', rej);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const dsPath = (name: string) => join(kit.s.dataDir, 'datastores', name);

describe('com.vmgate.datastores (REST)', () => {
  it('lists the demo datastores with their directories, capacity and VM count', async () => {
    const r = await kit.rest('GET', '/api/vmgate/datastores');
    assert.equal(r.status, 200);
    const rows = r.json as { name: string; path: string; capacity?: number; free_space?: number; vm_count: number }[];
    assert.deepEqual(rows.map((d) => d.name).sort(), ['Library', 'LocalDS_0', 'LocalDS_1']);
    const library = rows.find((d) => d.name === 'Library')!;
    assert.equal(library.path, dsPath('Library'));
    assert.equal(library.vm_count, 3, 'the three library VMs');
    assert.ok(library.capacity! > 0 && library.free_space! > 0 && library.free_space! <= library.capacity!);
  });

  it('an administrator adds a directory as a datastore; hosts see it; removing it leaves the files', async () => {
    const dir = join(outside, 'isos');
    await mkdir(dir);
    await writeFile(join(dir, 'keep.txt'), 'kept\n');
    const created = await kit.rest('POST', '/api/vmgate/datastores', { body: { name: 'isos', path: dir } });
    assert.equal(created.status, 201);
    const id = created.json as string;
    assert.match(id, /^datastore-\d+$/);
    const got = await kit.rest('GET', `/api/vmgate/datastores/${id}`);
    assert.deepEqual({ ...(got.json as object), capacity: 0, free_space: 0 }, { datastore: id, name: 'isos', path: dir, datacenter: 'datacenter-1', capacity: 0, free_space: 0, vm_count: 0 });
    // Every host of the datacenter sees it (the vSphere view of a host's datastores).
    const hosts = await kit.s.server.core.ctx.store.hosts.list();
    assert.ok(hosts.length > 0 && hosts.every((h) => h.datastoreIds.includes(id)));
    // By name too, in the vSphere datastore list.
    const vs = await kit.rest('GET', '/api/vcenter/datastore?names=isos');
    assert.deepEqual((vs.json as { datastore: string }[]).map((d) => d.datastore), [id]);

    assert.equal((await kit.rest('DELETE', `/api/vmgate/datastores/isos`)).status, 204);
    assert.equal((await kit.rest('GET', `/api/vmgate/datastores/${id}`)).status, 404);
    assert.equal(await readFile(join(dir, 'keep.txt'), 'utf8'), 'kept\n', 'the files stay');
    assert.ok((await kit.s.server.core.ctx.store.hosts.list()).every((h) => !h.datastoreIds.includes(id)));
  });

  it('refuses a relative, missing or file path, overlaps, a taken name and a datastore with VMs', async () => {
    const file = join(outside, 'a-file');
    await writeFile(file, 'x');
    const cases: [unknown, RegExp][] = [
      [{ name: 'rel', path: 'some/dir' }, /is not absolute/],
      [{ name: 'missing', path: join(outside, 'nope') }, /does not exist/],
      [{ name: 'file', path: file }, /is not a directory/],
      [{ name: 'inside', path: join(dsPath('Library')) }, /is datastore 'Library'/],
      [{ name: 'parent', path: join(kit.s.dataDir, 'datastores') }, /contains datastore '/],
      [{ name: 'bad/name' }, /datastore name/],
    ];
    await mkdir(join(dsPath('Library'), 'sub'), { recursive: true });
    cases.push([{ name: 'below', path: join(dsPath('Library'), 'sub') }, /is inside datastore 'Library'/]);
    for (const [spec, text] of cases) {
      const r = await kit.rest('POST', '/api/vmgate/datastores', { body: spec });
      assert.equal(r.status, 400, JSON.stringify(spec));
      const body = r.json as { error_type: string; messages: { default_message: string }[] };
      assert.equal(body.error_type, 'INVALID_ARGUMENT');
      assert.match(body.messages[0]!.default_message, text, JSON.stringify(spec));
    }
    const taken = await kit.rest('POST', '/api/vmgate/datastores', { body: { name: 'Library' } });
    assert.equal(taken.status, 400);
    assert.equal((taken.json as { error_type: string }).error_type, 'ALREADY_EXISTS');
    const busy = await kit.rest('DELETE', '/api/vmgate/datastores/Library');
    assert.equal(busy.status, 400);
    assert.equal((busy.json as { error_type: string }).error_type, 'NOT_ALLOWED_IN_CURRENT_STATE');
    assert.match((busy.json as { messages: { default_message: string }[] }).messages[0]!.default_message, /still holds 3 registered VMs/);
  });

  it('only administrators add or remove datastores', async () => {
    await ensureUsers();
    const dir = join(outside, 'op-try');
    await mkdir(dir);
    const r = await kit.rest('POST', '/api/vmgate/datastores', { basic: 'op:operator-password-1', body: { name: 'op-try', path: dir } });
    assert.equal(r.status, 403);
    assert.equal((r.json as { error_type: string }).error_type, 'UNAUTHORIZED');
    const d = await kit.rest('DELETE', '/api/vmgate/datastores/LocalDS_1', { basic: 'viewer:viewer-password-1' });
    assert.equal(d.status, 403);
    assert.equal((await kit.rest('GET', '/api/vmgate/datastores/LocalDS_1')).status, 200, 'still there');
  });
});

describe('/folder: datastore files', () => {
  const url = (path: string, ds = 'LocalDS_1', dc = 'DC0') => `/folder/${path}?dsName=${ds}&dcPath=${dc}`;

  it('PUT creates (201, folders made on the way), GET streams it back, PUT replaces (200), DELETE removes (204)', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const put = await raw('PUT', url('iso/new/blob.bin'), { authorization: ADMIN, 'content-type': 'application/octet-stream' }, data);
    assert.equal(put.status, 201, put.body.toString());
    assert.deepEqual(await readFile(join(dsPath('LocalDS_1'), 'iso/new/blob.bin')), data);
    const get = await raw('GET', url('iso/new/blob.bin'), { 'vmware-api-session-id': kit.adminToken });
    assert.equal(get.status, 200);
    assert.equal(get.headers['content-type'], 'application/octet-stream');
    assert.equal(get.headers['content-length'], String(data.length));
    assert.equal(createHash('sha256').update(get.body).digest('hex'), createHash('sha256').update(data).digest('hex'));
    const again = await raw('PUT', url('iso/new/blob.bin'), { authorization: ADMIN }, 'short now');
    assert.equal(again.status, 200);
    assert.equal((await raw('GET', url('iso/new/blob.bin'), { authorization: ADMIN })).body.toString(), 'short now');
    const listing = await raw('GET', url('iso/new'), { authorization: ADMIN, accept: 'application/json' });
    assert.equal(listing.status, 200);
    assert.deepEqual((JSON.parse(listing.body.toString()) as { name: string; type: string; size: number }[]).map(({ name, type, size }) => ({ name, type, size })), [{ name: 'blob.bin', type: 'file', size: 9 }]);
    const html = await raw('GET', url('iso/new'), { authorization: ADMIN });
    assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(html.body.toString(), /<a href="\/folder\/iso\/new\/blob\.bin\?dsName=LocalDS_1&#38;dcPath=DC0">blob\.bin<\/a>/);
    assert.equal((await raw('DELETE', url('iso/new/blob.bin'), { authorization: ADMIN })).status, 204);
    const gone = await raw('GET', url('iso/new/blob.bin'), { authorization: ADMIN });
    assert.equal(gone.status, 404);
    assert.match(gone.body.toString(), /\[LocalDS_1\] iso\/new\/blob\.bin does not exist/);
  });

  it('asks for credentials (401 with a Basic challenge) and refuses wrong ones', async () => {
    const none = await raw('GET', url('x'));
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Basic realm="vmgate", charset="UTF-8"');
    assert.equal((await raw('GET', url('x'), { authorization: basic('administrator', 'wrong-password') })).status, 401);
    assert.equal((await raw('GET', url('x'), { 'vmware-api-session-id': 'not-a-session' })).status, 401);
  });

  it('read-only users read but do not write or delete; unknown datastores and datacenters are 404', async () => {
    await ensureUsers();
    await writeFile(join(dsPath('LocalDS_1'), 'readme.txt'), 'hello\n');
    const viewer = basic('viewer', 'viewer-password-1');
    const read = await raw('GET', url('readme.txt'), { authorization: viewer });
    // read-only has System.View but not Datastore.Browse
    assert.equal(read.status, 403);
    const op = basic('op', 'operator-password-1');
    assert.equal((await raw('GET', url('readme.txt'), { authorization: op })).body.toString(), 'hello\n');
    assert.equal((await raw('PUT', url('w.txt'), { authorization: viewer }, 'no')).status, 403);
    assert.equal((await raw('DELETE', url('readme.txt'), { authorization: viewer })).status, 403);
    assert.equal(existsSync(join(dsPath('LocalDS_1'), 'w.txt')), false);
    assert.equal(existsSync(join(dsPath('LocalDS_1'), 'readme.txt')), true);
    const noDs = await raw('GET', url('readme.txt', 'NoSuchDS'), { authorization: ADMIN });
    assert.equal(noDs.status, 404);
    assert.match(noDs.body.toString(), /datastore 'NoSuchDS' in datacenter 'DC0' was not found/);
    assert.equal((await raw('GET', url('readme.txt', 'LocalDS_1', 'OtherDC'), { authorization: ADMIN })).status, 404);
    const noName = await raw('GET', '/folder/readme.txt', { authorization: ADMIN });
    assert.equal(noName.status, 400);
    assert.match(noName.body.toString(), /dsName is required/);
  });

  it('stays inside the datastore: .., encoded .., symbolic links leading out', async () => {
    await writeFile(join(outside, 'secret.txt'), 'secret\n');
    await symlink(outside, join(dsPath('LocalDS_1'), 'escape'));
    for (const path of ['../LocalDS_0/x', '..%2fLocalDS_0%2fx', '%2e%2e/%2e%2e/vmgate.db', 'a/../../x']) {
      const r = await raw('GET', `/folder/${path}?dsName=LocalDS_1`, { authorization: ADMIN });
      assert.equal(r.status, 403, path);
      assert.match(r.body.toString(), /escapes the datastore/, path);
    }
    const viaLink = await raw('GET', url('escape/secret.txt'), { authorization: ADMIN });
    assert.equal(viaLink.status, 403);
    assert.doesNotMatch(viaLink.body.toString(), /secret\n/);
    const putLink = await raw('PUT', url('escape/planted.txt'), { authorization: ADMIN }, 'planted');
    assert.equal(putLink.status, 403);
    assert.equal(existsSync(join(outside, 'planted.txt')), false);
    const encodedPut = await raw('PUT', `/folder/%2e%2e%2f%2e%2e%2fplanted.txt?dsName=LocalDS_1`, { authorization: ADMIN }, 'planted');
    assert.equal(encodedPut.status, 403);
    assert.equal(existsSync(join(kit.s.dataDir, 'planted.txt')), false);
    // The link itself is on the datastore and may be removed (not what it points to).
    assert.equal((await raw('DELETE', url('escape'), { authorization: ADMIN })).status, 204);
    assert.equal(await readFile(join(outside, 'secret.txt'), 'utf8'), 'secret\n');
  });

  it('an upload that breaks off leaves neither the file nor a temporary one; the old file stays', async () => {
    await writeFile(join(dsPath('LocalDS_1'), 'old.bin'), 'old content');
    for (const name of ['old.bin', 'fresh.bin']) {
      await new Promise<void>((res) => {
        const req = httpsRequest({ host: '127.0.0.1', port: kit.s.port, method: 'PUT', path: url(name), ca: kit.s.ca, servername: 'localhost', headers: { authorization: ADMIN, 'content-length': String(10 * 1024 * 1024) } });
        req.on('error', () => res());
        req.on('response', () => res());
        req.write(randomBytes(512 * 1024), () => setTimeout(() => req.destroy(), 200));
      });
      // The server notices the reset and cleans up; wait for the temporary file to go.
      const deadline = Date.now() + 10_000;
      while ((await readdir(dsPath('LocalDS_1'))).some((n) => n.includes('vmgate-tmp')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual((await readdir(dsPath('LocalDS_1'))).filter((n) => n.includes('vmgate-tmp')), [], name);
    }
    assert.equal(await readFile(join(dsPath('LocalDS_1'), 'old.bin'), 'utf8'), 'old content');
    assert.equal(existsSync(join(dsPath('LocalDS_1'), 'fresh.bin')), false);
  });

  it('refuses a folder as a PUT target, the root as DELETE target and a non-empty folder', async () => {
    await mkdir(join(dsPath('LocalDS_1'), 'full'), { recursive: true });
    await writeFile(join(dsPath('LocalDS_1'), 'full', 'f'), 'f');
    const put = await raw('PUT', url('full'), { authorization: ADMIN }, 'x');
    assert.equal(put.status, 400);
    assert.equal((await raw('DELETE', url(''), { authorization: ADMIN })).status, 400);
    const nonEmpty = await raw('DELETE', url('full'), { authorization: ADMIN });
    assert.equal(nonEmpty.status, 409);
    assert.match(nonEmpty.body.toString(), /not empty/);
    assert.equal((await raw('POST', url('full'), { authorization: ADMIN })).status, 405);
  });
});

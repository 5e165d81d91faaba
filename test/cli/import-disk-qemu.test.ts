/**
 * Disks on QEMU as a user brings them: `vmgate vm create --import-disk` (vmdk, raw, qcow2
 * converted to qcow2 in the VM's folder; images that name other files refused) and a
 * registered `.vmx` whose disk sizes come from the images. A real server on a fresh data
 * directory with `--driver qemu` (its first start makes datastore1), real qemu-img; no
 * guest boots.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skipUnlessAvailable } from '../support/ci.ts';
import { cliFixture, type CliFixture } from './cli-fixture.ts';

const skip = skipUnlessAvailable('qemu-img', spawnSync('qemu-img', ['--version']).status === 0 ? null : 'qemu-img not found (apt-get install qemu-utils)');

function img(...args: string[]): void {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}
function formatOf(file: string): string {
  return (JSON.parse(spawnSync('qemu-img', ['info', '--output=json', '-U', file], { encoding: 'utf8' }).stdout) as { format: string }).format;
}

describe('disks on QEMU: vm create --import-disk, register reads sizes from the images', { skip }, () => {
  let f: CliFixture;
  let work: string;
  let ds: string;
  before(async () => {
    f = await cliFixture({ serve: { driver: 'qemu', qemuAccel: 'tcg', demo: false } });
    work = await mkdtemp(join(tmpdir(), 'vmgate-import-'));
    ds = join(f.server.dataDir, 'datastores', 'datastore1');
  });
  after(async () => {
    await f?.close();
    await rm(work, { recursive: true, force: true });
  });

  const vmInfo = async (id: string) => JSON.parse((await f.ok(['vm', 'get', id, '--json'])).stdout) as { disks: Record<string, { backing: { vmdk_file: string }; capacity: number }> };

  it('a vmdk, a raw and a qcow2 image become the qcow2 first disk of new VMs, sized from the image; the upload is cleaned up', async () => {
    img('create', '-q', '-f', 'vmdk', join(work, 'legacy.vmdk'), '48M');
    img('create', '-q', '-f', 'raw', join(work, 'plain.img'), '20M');
    img('create', '-q', '-f', 'qcow2', join(work, 'cloud.qcow2'), '2G');
    const cases: [string, string, number][] = [
      ['legacy.vmdk', 'from-vmdk', 48],
      ['plain.img', 'from-raw', 20],
      ['cloud.qcow2', 'from-qcow2', 2048],
    ];
    for (const [file, name, mib] of cases) {
      const out = await f.ok(['vm', 'create', name, '--import-disk', join(work, file), '--memory', '256']);
      const m = new RegExp(`^created (vm-\\d+) \\(${name}\\) with its first disk from ${join(work, file).replace(/[.]/g, '\\.')}\\n$`).exec(out.stdout);
      assert.ok(m, out.stdout);
      const info = await vmInfo(m[1]!);
      assert.deepEqual(
        Object.values(info.disks).map((d) => [d.backing.vmdk_file, d.capacity]),
        [[`[datastore1] ${name}/${name}.qcow2`, mib * 1024 * 1024]],
        name,
      );
      assert.equal(formatOf(join(ds, name, `${name}.qcow2`)), 'qcow2');
    }
    assert.deepEqual(await readdir(join(ds, '.vmgate-import')), [], 'the uploaded images are gone');
  });

  it('an image that names another file (a backing file) is refused; no VM, no upload left', async () => {
    img('create', '-q', '-f', 'qcow2', '-b', '/etc/hostname', '-F', 'raw', join(work, 'sneaky.qcow2'));
    const r = await f.ok(['vm', 'create', 'sneaky', '--import-disk', join(work, 'sneaky.qcow2')], { code: 1 });
    assert.match(r.stderr, /^vmgate: INVALID_ARGUMENT: .*sneaky\.qcow2 refers to a backing file \(\/etc\/hostname\): import a self-contained image/);
    assert.equal((await f.run(['vm', 'get', 'sneaky'])).code, 1);
    assert.equal(existsSync(join(ds, 'sneaky')), false, 'no VM folder');
    assert.deepEqual(await readdir(join(ds, '.vmgate-import')), []);
    const missing = await f.ok(['vm', 'create', 'ghost', '--import-disk', join(work, 'nope.vmdk')], { code: 2 });
    assert.match(missing.stderr, /--import-disk: cannot read '.*nope\.vmdk'/);
  });

  it('a registered .vmx reads its disk sizes from the images (a .vmx does not record them)', async () => {
    const dir = join(ds, 'from-esxi');
    await mkdir(dir);
    img('create', '-q', '-f', 'vmdk', join(dir, 'from-esxi.vmdk'), '96M');
    img('create', '-q', '-f', 'qcow2', join(dir, 'data.qcow2'), '300M');
    await writeFile(
      join(dir, 'from-esxi.vmx'),
      [
        '.encoding = "UTF-8"',
        'config.version = "8"',
        'virtualHW.version = "19"',
        'displayName = "from-esxi"',
        'guestOS = "otherlinux-64"',
        'memSize = "256"',
        'numvcpus = "1"',
        'scsi0.present = "TRUE"',
        'scsi0.virtualDev = "pvscsi"',
        'scsi0:0.present = "TRUE"',
        'scsi0:0.fileName = "from-esxi.vmdk"',
        'scsi0:1.present = "TRUE"',
        'scsi0:1.fileName = "data.qcow2"',
        '',
      ].join('\n'),
    );
    // The CLI has no register command: the vSphere API, as a script would.
    const r = await f.server.request('POST', '/api/vcenter/vm?action=register', {
      headers: { authorization: `Basic ${Buffer.from('administrator:test-admin-password-1').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ datastore_path: '[datastore1] from-esxi/from-esxi.vmx' }),
    });
    assert.equal(r.status, 200, r.body);
    const id = JSON.parse(r.body) as string;
    const info = await vmInfo(id);
    assert.deepEqual(
      Object.values(info.disks).map((d) => [d.backing.vmdk_file, d.capacity]),
      [
        ['[datastore1] from-esxi/from-esxi.vmdk', 96 * 1024 * 1024],
        ['[datastore1] from-esxi/data.qcow2', 300 * 1024 * 1024],
      ],
    );

    // The first snapshot converts the vmdk to qcow2 beside it (the original stays) and records the new file.
    const snap = await f.ok(['vm', 'snapshot', 'create', 'from-esxi', 'before-upgrade']);
    assert.match(snap.stdout, /^created snapshot-\d+ of vm-\d+\n$/);
    const after = await vmInfo(id);
    assert.deepEqual(
      Object.values(after.disks).map((d) => [d.backing.vmdk_file, d.capacity]),
      [
        ['[datastore1] from-esxi/from-esxi.qcow2', 96 * 1024 * 1024],
        ['[datastore1] from-esxi/data.qcow2', 300 * 1024 * 1024],
      ],
    );
    assert.equal(formatOf(join(dir, 'from-esxi.qcow2')), 'qcow2');
    assert.equal(formatOf(join(dir, 'from-esxi.vmdk')), 'vmdk', 'the original stays');
    const vmx = await readFile(join(dir, 'from-esxi.vmx'), 'utf8');
    assert.match(vmx, /^scsi0:0\.fileName = "from-esxi\.qcow2"$/m);
    const tags = (file: string) => (JSON.parse(spawnSync('qemu-img', ['info', '--output=json', '-U', file], { encoding: 'utf8' }).stdout) as { snapshots?: { name: string }[] }).snapshots?.length ?? 0;
    assert.equal(tags(join(dir, 'from-esxi.qcow2')), 1);
    assert.equal(tags(join(dir, 'data.qcow2')), 1);
    const events = JSON.parse((await f.server.request('GET', `/api/vmgate/events?object=${id}&limit=10`, { headers: { authorization: `Basic ${Buffer.from('administrator:test-admin-password-1').toString('base64')}` } })).body) as { type: string; message: string }[];
    const conv = events.find((e) => e.type === 'vm.disksConverted');
    assert.equal(conv?.message, 'disks converted to qcow2 for snapshots (the originals stay): from-esxi.vmdk → from-esxi.qcow2');
  });
});

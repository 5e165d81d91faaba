import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliFixture, parseTable, type CliFixture } from './cli-fixture.ts';

/**
 * `vmgate vm hardware set`, `vm disk ls|add|rm`, `vm cdrom ls|insert|eject`, `vm boot
 * get|set`: the real CLI against a demo server on the simulator (a VM made for the test on
 * host-3, whose files are on LocalDS_1).
 */
describe('vmgate vm hardware | disk | cdrom | boot', () => {
  let f: CliFixture;
  let ds: string;
  const vmx = () => readFile(join(ds, 'hwcli', 'hwcli.vmx'), 'utf8');

  before(async () => {
    f = await cliFixture();
    await f.ok(['vm', 'create', 'hwcli', '--host', 'host-3']);
    ds = join(f.server.dataDir, 'datastores', 'LocalDS_1');
    await mkdir(join(ds, 'iso'), { recursive: true });
    await writeFile(join(ds, 'iso', 'one.iso'), 'ONE');
    await writeFile(join(ds, 'iso', 'two.iso'), 'TWO');
  });
  after(async () => f.close());

  it('hardware set changes CPUs, cores and memory while off; a bad count exits 1, nothing to change exits 2', async () => {
    const r = await f.ok(['vm', 'hardware', 'set', 'hwcli', '--cpus', '4', '--cores-per-socket', '2', '--memory', '2048']);
    assert.match(r.stdout, /^vm-\d+: 4 CPUs \(2 per socket\), 2048 MiB\n$/);
    const text = await vmx();
    assert.match(text, /^numvcpus = "4"$/m);
    assert.match(text, /^memsize = "2048"$/m);
    const bad = await f.run(['vm', 'hardware', 'set', 'hwcli', '--cpus', '3']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^vmgate: INVALID_ARGUMENT: cores per socket 2 must divide the cpu count 3\n$/);
    const none = await f.run(['vm', 'hardware', 'set', 'hwcli']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--cpus, --cores-per-socket or --memory/);
  });

  it('disk add (--size, --attach), ls, rm (the file stays)', async () => {
    const added = await f.ok(['vm', 'disk', 'add', 'hwcli', '--size', '2']);
    assert.match(added.stdout, /^added disk 2001 to vm-\d+: Hard disk 2, 2\.0 GiB, \[LocalDS_1\] hwcli\/hwcli_1\.vmdk\n$/);
    await writeFile(join(ds, 'iso', 'data.vmdk'), Buffer.alloc(1024 * 1024));
    const attached = await f.ok(['vm', 'disk', 'add', 'hwcli', '--attach', 'LocalDS_1:iso/data.vmdk']);
    assert.match(attached.stdout, /^added disk 2002 to vm-\d+: Hard disk 3, 1\.0 MiB, \[LocalDS_1\] iso\/data\.vmdk\n$/);
    const rows = parseTable((await f.ok(['vm', 'disk', 'ls', 'hwcli'])).stdout);
    assert.deepEqual(rows, [
      { DISK: '2000', LABEL: 'Hard disk 1', BUS: 'SCSI 0:0', CAPACITY: '1.0 GiB', FILE: '[LocalDS_1] hwcli/hwcli.vmdk' },
      { DISK: '2001', LABEL: 'Hard disk 2', BUS: 'SCSI 0:1', CAPACITY: '2.0 GiB', FILE: '[LocalDS_1] hwcli/hwcli_1.vmdk' },
      { DISK: '2002', LABEL: 'Hard disk 3', BUS: 'SCSI 0:2', CAPACITY: '1.0 MiB', FILE: '[LocalDS_1] iso/data.vmdk' },
    ]);
    const rm = await f.ok(['vm', 'disk', 'rm', 'hwcli', 'Hard disk 3']);
    assert.match(rm.stdout, /^removed disk 2002 from vm-\d+; its file stays: \[LocalDS_1\] iso\/data\.vmdk\n$/);
    assert.equal((await readFile(join(ds, 'iso', 'data.vmdk'))).length, 1024 * 1024);
    const both = await f.run(['vm', 'disk', 'add', 'hwcli', '--size', '1', '--attach', 'LocalDS_1:iso/data.vmdk']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --size GiB .* or --attach FILE/);
    const missing = await f.run(['vm', 'disk', 'rm', 'hwcli', '2099']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /has no disk '2099'/);
  });

  it('cdrom insert adds a drive to an off VM, swaps the ISO live while on, eject empties it', async () => {
    const first = await f.ok(['vm', 'cdrom', 'insert', 'hwcli', '[LocalDS_1] iso/one.iso']);
    assert.match(first.stdout, /^inserted \[LocalDS_1\] iso\/one\.iso into a new CD-ROM 3002 of vm-\d+\n$/);
    assert.deepEqual(parseTable((await f.ok(['vm', 'cdrom', 'ls', 'hwcli'])).stdout), [{ CDROM: '3002', LABEL: 'CD/DVD drive 1', ISO: '[LocalDS_1] iso/one.iso', CONNECTED: 'no', 'AT POWER ON': 'yes' }]);
    await f.ok(['vm', 'power', 'on', 'hwcli']);
    assert.equal(parseTable((await f.ok(['vm', 'cdrom', 'ls', 'hwcli'])).stdout)[0]!.CONNECTED, 'yes');
    const swapped = await f.ok(['vm', 'cdrom', 'insert', 'hwcli', 'LocalDS_1:iso/two.iso']);
    assert.match(swapped.stdout, /^inserted \[LocalDS_1\] iso\/two\.iso into CD-ROM 3002 of vm-\d+ \(the guest sees the new medium\)\n$/);
    assert.deepEqual(parseTable((await f.ok(['vm', 'cdrom', 'ls', 'hwcli'])).stdout), [{ CDROM: '3002', LABEL: 'CD/DVD drive 1', ISO: '[LocalDS_1] iso/two.iso', CONNECTED: 'yes', 'AT POWER ON': 'yes' }]);
    const ej = await f.ok(['vm', 'cdrom', 'eject', 'hwcli']);
    assert.match(ej.stdout, /^ejected \[LocalDS_1\] iso\/two\.iso from CD-ROM 3002 of vm-\d+\n$/);
    assert.deepEqual(parseTable((await f.ok(['vm', 'cdrom', 'ls', 'hwcli'])).stdout), [{ CDROM: '3002', LABEL: 'CD/DVD drive 1', ISO: '(empty)', CONNECTED: 'no', 'AT POWER ON': 'no' }]);
    const onDisk = await f.run(['vm', 'disk', 'add', 'hwcli', '--size', '1']);
    assert.equal(onDisk.code, 1);
    assert.match(onDisk.stderr, /^vmgate: NOT_ALLOWED_IN_CURRENT_STATE: cannot add a disk to vm-\d+ \(hwcli\) while it is powered on: power it off first\n$/);
    await f.ok(['vm', 'power', 'off', 'hwcli']);
    const noIso = await f.run(['vm', 'cdrom', 'insert', 'hwcli', 'iso/two.iso']);
    assert.equal(noIso.code, 2);
    assert.match(noIso.stderr, /name a file on a datastore/);
  });

  it('boot set --order / --firmware / --delay and boot get', async () => {
    const set = await f.ok(['vm', 'boot', 'set', 'hwcli', '--order', 'cdrom,disk', '--firmware', 'efi', '--delay', '2000']);
    assert.match(set.stdout, /^vm-\d+: firmware efi, delay 2000 ms, boot order cdrom,disk\n$/);
    const text = await vmx();
    assert.match(text, /^bios\.bootOrder = "cdrom,hdd"$/m);
    assert.match(text, /^firmware = "efi"$/m);
    const get = await f.ok(['vm', 'boot', 'get', 'hwcli']);
    assert.match(get.stdout, /\nFirmware:\s+efi\nDelay:\s+2000 ms\nRetry:\s+no\nOrder:\s+cdrom, disk\n$/);
    const back = await f.ok(['vm', 'boot', 'set', 'hwcli', '--order', 'default']);
    assert.match(back.stdout, /boot order default\n$/);
    const bad = await f.run(['vm', 'boot', 'set', 'hwcli', '--order', 'disk,usb']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'usb' is not disk, cdrom, ethernet or floppy/);
  });
});

/**
 * vm.hardware on QEMU through the vSphere API, against a real server in this process: a
 * disk added while off is on the next QEMU command line and open in QEMU; the boot order
 * reaches `bootindex` (the guest boots its CD-ROM first); an ISO put into a running
 * guest's CD-ROM (cdrom update + connect → QMP blockdev-change-medium) is in QEMU's drive
 * (QMP query-block, through core's liveMedia) and disconnect ejects it. The test guest has
 * no SCSI or ATA drivers, so QEMU rather than the guest is asked what the drives hold. One
 * QEMU guest at a time (acquireQemuTestLock).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { VapiClient } from '../../../src/clients/vapi/index.ts';
import type { VmGuestCredentials } from '../../../src/clients/vapi/index.ts';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { skippable } from '../../support/ci.ts';
import { qemuTestGuest, qemuTestSkip, testGuestIso } from '../../support/qemu-guest.ts';
import { startQemuTestBed } from '../../support/qemu-server.ts';
import type { QemuTestBed } from '../../support/qemu-server.ts';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import type { TestServer } from '../../support/test-server.ts';
import { rejectsWith } from '../../support/vapi-kit.ts';
import { until } from '../../support/until.ts';

const ROOT: VmGuestCredentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };
const MiB = 1024 * 1024;

const onQemu = skippable(qemuTestSkip({ iso: true }));
onQemu.describe('vm.hardware on QEMU: disk add, boot order, live CD-ROM swap (vSphere API)', { timeout: 1_800_000 }, () => {
  let bed: QemuTestBed | undefined;
  let s: TestServer | undefined;
  let dsPath = '';
  let hostId = '';
  let dsId = '';

  onQemu.before(async () => {
    bed = await startQemuTestBed('hw', { qemuAccel: 'auto' });
    s = bed.s;
    dsPath = bed.datastore.path;
    hostId = bed.hostId;
    dsId = bed.datastore.id;
    await mkdir(join(dsPath, 'iso'), { recursive: true });
    await copyFile(testGuestIso(qemuTestGuest().guest), join(dsPath, 'iso', 'test-guest.iso'));
    // Any bytes make a medium (QEMU opens it raw).
    await writeFile(join(dsPath, 'iso', 'marker.iso'), Buffer.alloc(MiB));
  });
  onQemu.after(async () => bed?.close());

  onQemu.it('adds a qcow2 disk QEMU opens, boots the CD-ROM first, swaps an ISO into the running guest and ejects it', { timeout: 1_500_000 }, async (t) => {
    const client = new VapiClient({ server: s!.baseUrl, flavour: 'rest', ca: s!.ca, timeoutMs: 300_000 });
    await client.login('administrator@vsphere.local', ADMIN_PASSWORD);
    const sh = async (script: string) => (await client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', script] })).stdout;
    const vm = await client.vm.create({
      name: 'hw-qemu',
      guest_OS: 'OTHER_LINUX_64',
      placement: { host: hostId, datastore: dsId },
      memory: { size_MiB: 256 },
      disks: [{ new_vmdk: { capacity: 64 * MiB } }],
      cdroms: [{ type: 'IDE', backing: { type: 'ISO_FILE', iso_file: '[hw-ds] iso/test-guest.iso' }, start_connected: true }],
    });
    try {
      const folder = join(dsPath, ...posix.dirname((await s!.server.core.vms.get(SYSTEM_CALLER, vm)).vmxRel).split('/'));

      // While off: a second disk (a new qcow2), an empty second CD-ROM drive, CD-ROM first in the boot order.
      assert.equal(await client.hardware.disk.create(vm, { new_vmdk: { name: 'extra', capacity: 32 * MiB } }), '2001');
      const info = JSON.parse(spawnSync('qemu-img', ['info', '--output=json', join(folder, 'extra.qcow2')], { encoding: 'utf8' }).stdout) as { format: string; 'virtual-size': number };
      assert.deepEqual([info.format, info['virtual-size']], ['qcow2', 32 * MiB]);
      assert.equal(await client.hardware.cdrom.create(vm, {}), '3003');
      await client.hardware.boot.device.set(vm, [{ type: 'CDROM' }, { type: 'DISK' }]);
      t.diagnostic('configured');

      await client.power.start(vm);
      const line = (await readFile(join(folder, 'qemu.log'), 'utf8')).split('\n').find((l) => l.includes('vmgate starts:')) ?? '';
      assert.match(line, /ide-cd,bus=ide\.0,drive=cd0,id=cd0-dev,bootindex=1/);
      assert.match(line, /ide-cd,bus=ide\.1,id=cd1-dev/);
      assert.match(line, /scsi-hd,bus=scsi0\.0,drive=disk0,id=disk0-dev,bootindex=2/);
      assert.match(line, /scsi-hd,bus=scsi0\.0,drive=disk1,id=disk1-dev,bootindex=3/);
      assert.match(line, /"filename":"[^"]*extra\.qcow2"/);
      await until('guest tools after power on', 600_000, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
      t.diagnostic('tools up');

      // Booted from the CD-ROM, first in the boot order (isolinux passes BOOT_IMAGE).
      assert.match(await sh('cat /proc/cmdline'), /^BOOT_IMAGE=\/vmlinuz /);
      // What QEMU has open (query-block): both disks, the ISO, an empty second drive.
      const core = s!.server.core;
      const media = async () => Object.fromEntries((await core.devices.liveMedia(SYSTEM_CALLER, vm)) ?? []);
      const iso = (name: string) => join(dsPath, 'iso', name);
      assert.deepEqual(await media(), { 'scsi0:0': join(folder, 'hw-qemu.qcow2'), 'scsi0:1': join(folder, 'extra.qcow2'), 'ide1:0': iso('test-guest.iso'), 'ide1:1': null });

      // Live swap into the empty drive: update its backing (it is disconnected), connect.
      assert.equal((await client.hardware.cdrom.get(vm, '3003')).state, 'NOT_CONNECTED');
      await client.hardware.cdrom.update(vm, '3003', { backing: { type: 'ISO_FILE', iso_file: '[hw-ds] iso/marker.iso' } });
      assert.equal((await media())['ide1:1'], null, 'a disconnected drive gets no medium');
      await client.hardware.cdrom.connect(vm, '3003');
      assert.equal((await media())['ide1:1'], iso('marker.iso'));
      assert.equal((await client.hardware.cdrom.get(vm, '3003')).state, 'CONNECTED');

      // Disconnect ejects it; the boot drive keeps its ISO.
      await client.hardware.cdrom.disconnect(vm, '3003');
      assert.deepEqual(await media(), { 'scsi0:0': join(folder, 'hw-qemu.qcow2'), 'scsi0:1': join(folder, 'extra.qcow2'), 'ide1:0': iso('test-guest.iso'), 'ide1:1': null });
      assert.equal((await client.hardware.cdrom.get(vm, '3003')).state, 'NOT_CONNECTED');
      // A connected drive's ISO cannot change while the VM runs.
      await rejectsWith(client.hardware.cdrom.update(vm, '3002', { backing: { type: 'ISO_FILE', iso_file: '[hw-ds] iso/marker.iso' } }), 'NOT_ALLOWED_IN_CURRENT_STATE', /disconnect it first/);
      // The guest runs on after the swaps.
      assert.equal((await sh('echo alive')).trim(), 'alive');

      await client.power.stop(vm);
      await client.vm.delete(vm);
    } finally {
      client.close();
    }
  });
});

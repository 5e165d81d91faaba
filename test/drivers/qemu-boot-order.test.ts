/**
 * A VM's boot order and boot settings on the QEMU command line: bootindex per device and
 * `-boot` (boot-order.ts through buildQemuCommandLine). Pure: no QEMU runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQemuCommandLine } from '../../src/drivers/qemu/command-line.ts';
import { qemuRuntimePaths } from '../../src/drivers/qemu/runtime-paths.ts';
import type { DriverVm } from '../../src/core/ports/driver.ts';
import type { VmHardware } from '../../src/core/model/index.ts';

const BASE: VmHardware = {
  cpuCount: 1,
  coresPerSocket: 1,
  memoryMiB: 512,
  guestOs: 'otherlinux-64',
  version: 19,
  firmware: 'bios',
  disks: [
    { device: 'scsi0:0', fileName: 'a.qcow2', capacityMiB: 64 },
    { device: 'scsi0:1', fileName: 'b.qcow2', capacityMiB: 64 },
  ],
  nics: [{ device: 'ethernet0', macAddress: '00:50:56:00:00:01', network: 'isolated', connected: true, model: 'virtio' }],
  cdroms: [
    { device: 'ide1:0', isoFile: '/ds/iso/a.iso', connected: true },
    { device: 'ide1:1', isoFile: null, connected: false },
  ],
  kernelBoot: null,
};

function line(hw: Partial<VmHardware>): string[] {
  const dir = '/ds/vm';
  const v: DriverVm = { id: 'vm-1', uuid: '564d9a4e-1c2b-3d4e-5f60-718293a4b5c6', name: 'vm', dir, vmxPath: `${dir}/vm.vmx`, hardware: { ...BASE, ...hw } };
  return [...buildQemuCommandLine(v, { accel: 'tcg', paths: qemuRuntimePaths(v), vncPort: null, startPaused: true, incoming: false }).argv];
}

const devices = (argv: string[]) => argv.filter((_, i) => argv[i - 1] === '-device' && /^(scsi-hd|ide-cd|virtio-net-pci)/.test(argv[i]!));
const bootOption = (argv: string[]) => argv.filter((_, i) => argv[i - 1] === '-boot');

test('no boot order: disks, then the CD-ROM with an ISO; the empty drive and the NIC get none; no -boot', () => {
  const argv = line({});
  assert.deepEqual(devices(argv), [
    'scsi-hd,bus=scsi0.0,drive=disk0,id=disk0-dev,bootindex=1',
    'scsi-hd,bus=scsi0.0,drive=disk1,id=disk1-dev,bootindex=2',
    'ide-cd,bus=ide.0,drive=cd0,id=cd0-dev,bootindex=3',
    'ide-cd,bus=ide.1,id=cd1-dev',
    'virtio-net-pci,netdev=net0,id=net0-dev,mac=00:50:56:00:00:01',
  ]);
  assert.deepEqual(bootOption(argv), []);
});

test('a boot order numbers only the devices it names, in its order: NIC, CD-ROM, the second disk', () => {
  const argv = line({ bootOrder: [{ type: 'ethernet', devices: [] }, { type: 'cdrom', devices: [] }, { type: 'disk', devices: ['scsi0:1'] }] });
  assert.deepEqual(devices(argv), [
    'scsi-hd,bus=scsi0.0,drive=disk0,id=disk0-dev',
    'scsi-hd,bus=scsi0.0,drive=disk1,id=disk1-dev,bootindex=3',
    'ide-cd,bus=ide.0,drive=cd0,id=cd0-dev,bootindex=2',
    'ide-cd,bus=ide.1,id=cd1-dev',
    'virtio-net-pci,netdev=net0,id=net0-dev,mac=00:50:56:00:00:01,bootindex=1',
  ]);
});

test('a disk entry without disks takes every disk; a floppy entry names nothing', () => {
  const argv = line({ bootOrder: [{ type: 'floppy', devices: [] }, { type: 'disk', devices: [] }] });
  assert.deepEqual(devices(argv).slice(0, 3), [
    'scsi-hd,bus=scsi0.0,drive=disk0,id=disk0-dev,bootindex=1',
    'scsi-hd,bus=scsi0.0,drive=disk1,id=disk1-dev,bootindex=2',
    'ide-cd,bus=ide.0,drive=cd0,id=cd0-dev',
  ]);
});

test('boot delay and retry become -boot menu=on,splash-time and reboot-timeout', () => {
  assert.deepEqual(bootOption(line({ boot: { delayMs: 3000, retry: true, retryDelayMs: 5000 } })), ['menu=on,splash-time=3000,reboot-timeout=5000']);
  assert.deepEqual(bootOption(line({ boot: { delayMs: 0, retry: true, retryDelayMs: 10000 } })), ['reboot-timeout=10000']);
  assert.deepEqual(bootOption(line({ boot: { delayMs: 1500, retry: false, retryDelayMs: 10000 } })), ['menu=on,splash-time=1500']);
});

test('kernel boot: no bootindex and no -boot, whatever the order says', () => {
  const argv = line({ kernelBoot: { kernel: '/k', initrd: null, cmdline: '' }, bootOrder: [{ type: 'cdrom', devices: [] }], boot: { delayMs: 100, retry: false, retryDelayMs: 10000 } });
  assert.ok(devices(argv).every((d) => !d.includes('bootindex')));
  assert.deepEqual(bootOption(argv), []);
});

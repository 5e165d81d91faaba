import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nicNetwork, buildQemuCommandLine, diskFormatOf, qemuOptValue } from '../../src/drivers/qemu/command-line.ts';
import type { CommandLineOptions } from '../../src/drivers/qemu/command-line.ts';
import { MAX_UNIX_SOCKET_PATH_BYTES, qemuRuntimePaths, safeFileName } from '../../src/drivers/qemu/runtime-paths.ts';
import type { DriverVm } from '../../src/core/ports/driver.ts';
import type { VmHardware } from '../../src/core/model/index.ts';

const BASE: VmHardware = {
  cpuCount: 2,
  coresPerSocket: 2,
  memoryMiB: 2048,
  guestOs: 'ubuntu-64',
  version: 19,
  firmware: 'bios',
  disks: [{ device: 'scsi0:0', fileName: 'web01.qcow2', capacityMiB: 16384 }],
  nics: [{ device: 'ethernet0', macAddress: '00:50:56:AB:CD:EF', network: 'VM Network', connected: true, model: 'vmxnet3' }],
  cdroms: [],
  kernelBoot: null,
};

function vm(hw: Partial<VmHardware> = {}, dir = '/data/datastore/web01'): DriverVm {
  return { id: 'vm-7', uuid: '564d9a4e-1c2b-3d4e-5f60-718293a4b5c6', name: 'web01', dir, vmxPath: `${dir}/web01.vmx`, hardware: { ...BASE, ...hw } };
}

function opts(v: DriverVm, over: Partial<CommandLineOptions> = {}): CommandLineOptions {
  return { accel: 'tcg', paths: qemuRuntimePaths(v), vncPort: 5901, startPaused: true, incoming: false, natSockets: new Map([[0, `${v.dir}/n0.sock`]]), ...over };
}

/** The values that follow each occurrence of `flag`. */
function values(argv: readonly string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []));
}

test('a VMware-shaped Linux VM: q35 on TCG, topology, memory, disk, vmxnet3, VNC, sockets', () => {
  const v = vm();
  const { argv, disks, disconnectedNics } = buildQemuCommandLine(v, opts(v));
  assert.deepEqual(values(argv, '-name'), ['guest=web01,debug-threads=on']);
  assert.deepEqual(values(argv, '-uuid'), ['564d9a4e-1c2b-3d4e-5f60-718293a4b5c6']);
  assert.deepEqual(values(argv, '-machine'), ['q35,accel=tcg']);
  assert.equal(argv.includes('-cpu'), false);
  assert.deepEqual(values(argv, '-smp'), ['cpus=2,sockets=1,cores=2,threads=1']);
  assert.deepEqual(values(argv, '-m'), ['2048M']);
  assert.ok(argv.includes('-no-user-config') && argv.includes('-nodefaults'));
  assert.deepEqual(values(argv, '-display'), ['none']);
  assert.deepEqual(values(argv, '-vnc'), ['127.0.0.1:1,password=on']);
  assert.deepEqual(JSON.parse(values(argv, '-blockdev')[0]), {
    driver: 'qcow2',
    'node-name': 'disk0',
    discard: 'unmap',
    file: { driver: 'file', filename: '/data/datastore/web01/web01.qcow2' },
  });
  assert.ok(values(argv, '-device').includes('virtio-scsi-pci,id=scsi0'));
  assert.ok(values(argv, '-device').includes('scsi-hd,bus=scsi0.0,drive=disk0,id=disk0-dev,bootindex=1'));
  assert.deepEqual(values(argv, '-netdev'), ['stream,id=net0,server=off,addr.type=unix,addr.path=/data/datastore/web01/n0.sock']);
  assert.ok(values(argv, '-device').includes('vmxnet3,netdev=net0,id=net0-dev,mac=00:50:56:ab:cd:ef'));
  assert.ok(values(argv, '-chardev').includes('socket,id=qmp,path=/data/datastore/web01/qmp.sock,server=on,wait=off'));
  assert.deepEqual(values(argv, '-mon'), ['chardev=qmp,mode=control']);
  assert.ok(values(argv, '-chardev').includes('socket,id=qga0,path=/data/datastore/web01/qga.sock,server=on,wait=off'));
  assert.ok(values(argv, '-device').includes('virtserialport,bus=vser0.0,chardev=qga0,name=org.qemu.guest_agent.0'));
  assert.ok(values(argv, '-chardev').includes('file,id=serial0,path=/data/datastore/web01/serial.log'));
  assert.deepEqual(values(argv, '-pidfile'), ['/data/datastore/web01/qemu.pid']);
  assert.ok(argv.includes('-S'));
  assert.equal(argv.includes('-incoming'), false);
  assert.deepEqual(disks, [{ node: 'disk0', device: 'scsi0:0', file: '/data/datastore/web01/web01.qcow2', format: 'qcow2', internalSnapshots: true }]);
  assert.deepEqual(disconnectedNics, []);
});

test('KVM adds -cpu host; resume adds -incoming defer; no VNC when no port', () => {
  const v = vm();
  const { argv } = buildQemuCommandLine(v, opts(v, { accel: 'kvm', incoming: true, vncPort: null }));
  assert.deepEqual(values(argv, '-machine'), ['q35,accel=kvm']);
  assert.deepEqual(values(argv, '-cpu'), ['host']);
  assert.deepEqual(values(argv, '-incoming'), ['defer']);
  assert.equal(argv.includes('-vnc'), false);
});

test('a Windows VM from VMware: vmdk opened directly on AHCI, e1000e for virtio NICs, local RTC, ISO', () => {
  const v = vm({
    guestOs: 'windows9-64',
    cpuCount: 4,
    coresPerSocket: 3, // 4 is not a multiple of 3: one core per socket
    disks: [
      { device: 'scsi0:0', fileName: 'win10.vmdk', capacityMiB: 40960 },
      { device: 'sata0:1', fileName: '/data/other/data.img', capacityMiB: 1024 },
    ],
    nics: [{ device: 'ethernet0', macAddress: '00:0c:29:11:22:33', network: 'VM Network', connected: false, model: 'virtio' }],
    cdroms: [
      { device: 'ide1:0', isoFile: 'install, v2.iso', connected: true },
      { device: 'ide1:1', isoFile: null, connected: false },
    ],
  });
  const { argv, disks, disconnectedNics } = buildQemuCommandLine(v, opts(v));
  assert.deepEqual(values(argv, '-smp'), ['cpus=4,sockets=4,cores=1,threads=1']);
  assert.deepEqual(values(argv, '-rtc'), ['base=localtime']);
  const blockdevs = values(argv, '-blockdev').map((b) => JSON.parse(b) as { driver: string; 'node-name': string; 'read-only'?: boolean; file: { filename: string } });
  assert.deepEqual(
    blockdevs.map((b) => [b.driver, b['node-name'], b.file.filename, b['read-only'] ?? false]),
    [
      ['vmdk', 'disk0', '/data/datastore/web01/win10.vmdk', false],
      ['raw', 'disk1', '/data/other/data.img', false],
      ['raw', 'cd0', '/data/datastore/web01/install, v2.iso', true],
    ],
  );
  const devices = values(argv, '-device');
  // q35: each IDE/AHCI device on its own AHCI port.
  assert.ok(devices.includes('ide-hd,bus=ide.0,drive=disk0,id=disk0-dev,bootindex=1'));
  assert.ok(devices.includes('ide-hd,bus=ide.1,drive=disk1,id=disk1-dev,bootindex=2'));
  assert.ok(devices.includes('ide-cd,bus=ide.2,drive=cd0,id=cd0-dev,bootindex=3'));
  assert.ok(devices.includes('ide-cd,bus=ide.3,id=cd1-dev'));
  assert.ok(devices.includes('e1000e,netdev=net0,id=net0-dev,mac=00:0c:29:11:22:33'));
  assert.equal(devices.some((d) => d.startsWith('virtio-scsi')), false);
  assert.deepEqual(disconnectedNics, ['net0']);
  assert.deepEqual(
    disks.map((d) => d.internalSnapshots),
    [false, false],
  );
});

test('kernel boot of an appliance: -kernel/-initrd/-append, no boot indexes, virtio disk and NIC, NVMe', () => {
  const v = vm({
    memoryMiB: 256,
    cpuCount: 1,
    coresPerSocket: 1,
    guestOs: 'otherlinux-64',
    disks: [
      { device: 'virtio0:0', fileName: 'root.qcow2', capacityMiB: 64 },
      { device: 'nvme0:0', fileName: 'scratch.qcow2', capacityMiB: 64 },
    ],
    nics: [{ device: 'ethernet0', macAddress: 'not-a-mac', network: 'n', connected: true, model: 'e1000' }],
    kernelBoot: { kernel: '/cache/vmlinuz', initrd: 'initrd.img', cmdline: 'console=ttyS0 quiet' },
  });
  const { argv } = buildQemuCommandLine(v, opts(v, { startPaused: false }));
  assert.deepEqual(values(argv, '-kernel'), ['/cache/vmlinuz']);
  assert.deepEqual(values(argv, '-initrd'), ['/data/datastore/web01/initrd.img']);
  assert.deepEqual(values(argv, '-append'), ['console=ttyS0 quiet']);
  const devices = values(argv, '-device');
  assert.ok(devices.includes('virtio-blk-pci,drive=disk0,id=disk0-dev'));
  assert.ok(devices.includes('nvme,drive=disk1,id=disk1-dev,serial=vmgate-disk1'));
  // sha256("564d9a4e-1c2b-3d4e-5f60-718293a4b5c6/0") starts 7e1b3c: stable per VM and NIC, never QEMU's one default.
  assert.ok(devices.includes('e1000,netdev=net0,id=net0-dev,mac=52:54:00:7e:1b:3c'), 'a NIC without a valid MAC gets one derived from the VM');
  assert.equal(argv.includes('-S'), false);
});

test('legacy guests get the pc machine; EFI adds the firmware and the VM’s variable store', () => {
  const v = vm({ guestOs: 'winxppro', firmware: 'efi' });
  const { argv } = buildQemuCommandLine(v, opts(v, { efi: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/data/datastore/web01/web01-efivars.fd' } }));
  assert.deepEqual(values(argv, '-machine'), ['pc,accel=tcg']);
  assert.deepEqual(values(buildQemuCommandLine({ ...v, uuid: 'not-a-uuid' }, opts(v)).argv, '-uuid'), [], 'a malformed UUID is left out');
  assert.deepEqual(values(argv, '-drive'), [
    'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
    'if=pflash,format=raw,unit=1,file=/data/datastore/web01/web01-efivars.fd',
  ]);
});

test('names and paths with commas are escaped in option values', () => {
  const v = { ...vm({}, '/data/ds,1/web01'), name: 'web,01' };
  const { argv } = buildQemuCommandLine(v, opts(v));
  assert.deepEqual(values(argv, '-name'), ['guest=web,,01,debug-threads=on']);
  assert.ok(values(argv, '-chardev').includes('file,id=serial0,path=/data/ds,,1/web01/serial.log'));
  assert.equal(qemuOptValue('a,b,,c'), 'a,,b,,,,c');
});

test('VNC ports below 5900 are refused', () => {
  const v = vm();
  assert.throws(() => buildQemuCommandLine(v, opts(v, { vncPort: 5800 })), RangeError);
});

test('disk formats by extension', () => {
  assert.deepEqual(
    ['a.qcow2', 'B.VMDK', 'c.vdi', 'd.vhd', 'e.vhdx', 'f.img', 'g'].map(diskFormatOf),
    ['qcow2', 'vmdk', 'vdi', 'vpc', 'vhdx', 'raw', 'raw'],
  );
});

test('sockets move to a short runtime directory when the VM folder path is too long', () => {
  const short = qemuRuntimePaths({ dir: '/data/ds/web01', name: 'web01' });
  assert.equal(short.socketDir, '/data/ds/web01');
  assert.equal(short.suspendFile, '/data/ds/web01/web01.vmss');
  const longDir = `/data/${'very-long-folder-name/'.repeat(5)}web01`;
  const long = qemuRuntimePaths({ dir: longDir, name: 'web01' });
  assert.match(long.socketDir, /^\/tmp\/vmgate-[0-9a-f]{16}$/);
  assert.ok(Buffer.byteLength(long.qmpSocket) <= MAX_UNIX_SOCKET_PATH_BYTES);
  assert.equal(long.pidFile, `${longDir}/qemu.pid`, 'everything else stays in the VM folder');
  assert.equal(qemuRuntimePaths({ dir: longDir, name: 'web01' }).socketDir, long.socketDir, 'the same folder always maps to the same directory');
  assert.equal(safeFileName('../a/b'), '_a_b');
});

test('networks: nat is passt over a unix socket, isolated a lone hub port, bridge:<name> a tap on that bridge', () => {
  const v = vm({
    nics: [
      { device: 'ethernet0', macAddress: '00:50:56:00:00:0a', network: 'VM Network', connected: true, model: 'virtio' },
      { device: 'ethernet1', macAddress: '00:50:56:00:00:0b', network: 'Isolated', connected: true, model: 'e1000' },
      { device: 'ethernet2', macAddress: '00:50:56:00:00:0c', network: 'bridge:br-lan', connected: true, model: 'virtio' },
      { device: 'ethernet3', macAddress: '00:50:56:00:00:0d', network: 'nat', connected: true, model: 'virtio' },
    ],
  });
  const cl = buildQemuCommandLine(v, opts(v, { natSockets: new Map([[0, '/run/v/n0.sock'], [3, '/run/v/n3.sock']]) }));
  assert.deepEqual(values(cl.argv, '-netdev'), [
    'stream,id=net0,server=off,addr.type=unix,addr.path=/run/v/n0.sock',
    'hubport,id=net1,hubid=1',
    'bridge,id=net2,br=br-lan',
    'stream,id=net3,server=off,addr.type=unix,addr.path=/run/v/n3.sock',
  ]);
  assert.deepEqual(cl.natNics, [0, 3]);
  const nics = values(cl.argv, '-device').filter((d) => d.includes('netdev='));
  assert.deepEqual(nics, [
    'virtio-net-pci,netdev=net0,id=net0-dev,mac=00:50:56:00:00:0a',
    'e1000,netdev=net1,id=net1-dev,mac=00:50:56:00:00:0b',
    'virtio-net-pci,netdev=net2,id=net2-dev,mac=00:50:56:00:00:0c',
    'virtio-net-pci,netdev=net3,id=net3-dev,mac=00:50:56:00:00:0d',
  ]);
  assert.equal(cl.argv.includes('user,id=net0'), false, 'no slirp: its 10.0.2.2 is the host loopback');
});

test('network names: which kind each selects; a bridge name Linux would refuse is an error', () => {
  assert.deepEqual(nicNetwork('VM Network'), { kind: 'nat' });
  assert.deepEqual(nicNetwork('bridged'), { kind: 'nat' });
  assert.deepEqual(nicNetwork(' isolated '), { kind: 'isolated' });
  assert.deepEqual(nicNetwork('bridge:br0'), { kind: 'bridge', bridge: 'br0' });
  assert.throws(() => nicNetwork('bridge:br0,helper=/bin/sh'), /'br0,helper=\/bin\/sh' is not a Linux bridge name/);
  assert.throws(() => nicNetwork('bridge:'), /is not a Linux bridge name/);
  assert.throws(() => nicNetwork('bridge:a-name-too-long-for-linux'), /is not a Linux bridge name/);
  const v = vm();
  assert.throws(() => buildQemuCommandLine(v, opts(v, { natSockets: new Map() })), /ethernet0 is on a nat network but has no passt socket/);
});

test('floppies, serial and parallel ports, controllers no disk uses; what QEMU cannot run', () => {
  const v = vm({
    floppies: [{ device: 'floppy0', imageFile: 'boot.flp', connected: true }, { device: 'floppy1', imageFile: 'other.flp', connected: false }],
    serials: [
      { device: 'serial0', backing: { kind: 'file', file: '/data/datastore/logs/com2.log' }, connected: true, yieldOnPoll: false },
      { device: 'serial1', backing: { kind: 'tcpServer', port: 7001 }, connected: true, yieldOnPoll: false },
      { device: 'serial2', backing: { kind: 'other', fileType: 'pipe', fileName: 'com.pipe' }, connected: true, yieldOnPoll: false },
    ],
    parallels: [{ device: 'parallel0', file: 'lpt.out', connected: false }],
    controllers: [
      { device: 'scsi0', model: 'pvscsi' },
      { device: 'scsi1', model: 'pvscsi' },
      { device: 'scsi2', model: 'lsisas1068' },
      { device: 'scsi3', model: 'lsilogic' },
      { device: 'sata1', model: 'ahci' },
      { device: 'nvme0', model: 'nvme' },
    ],
  });
  const { argv } = buildQemuCommandLine(v, opts(v));
  const devices = values(argv, '-device');
  const chardevs = values(argv, '-chardev');
  assert.ok(devices.includes('isa-fdc,id=fdc0'));
  assert.ok(devices.includes('floppy,bus=fdc0.0,unit=0,drive=fd0,id=fd0-dev'));
  assert.ok(devices.includes('floppy,bus=fdc0.0,unit=1,id=fd1-dev'), 'a disconnected floppy is an empty drive');
  assert.ok(values(argv, '-blockdev').includes(JSON.stringify({ driver: 'raw', 'node-name': 'fd0', file: { driver: 'file', filename: '/data/datastore/web01/boot.flp' } })));
  assert.ok(!values(argv, '-blockdev').some((b) => b.includes('other.flp')));
  assert.ok(chardevs.includes('file,id=com2,path=/data/datastore/logs/com2.log'));
  assert.ok(chardevs.includes('socket,id=com3,host=127.0.0.1,port=7001,server=on,wait=off'));
  assert.ok(devices.includes('isa-serial,chardev=com2,id=serial0-dev,index=1'));
  assert.ok(devices.includes('isa-serial,chardev=com3,id=serial1-dev,index=2'));
  assert.ok(!chardevs.some((c) => c.includes('com.pipe')) && !devices.some((d) => d.includes('serial2')), 'a pipe is not run');
  assert.ok(chardevs.includes('null,id=lpt1'), 'a disconnected parallel port');
  assert.ok(devices.includes('isa-parallel,chardev=lpt1,id=parallel0-dev,index=0'));
  // scsi0 holds the disk (virtio-scsi, as always); the others by model.
  assert.ok(devices.includes('virtio-scsi-pci,id=scsi0'));
  assert.ok(!devices.some((d) => d.includes('ctl-scsi0')));
  assert.deepEqual(devices.filter((d) => d.includes('id=ctl-')), ['pvscsi,id=ctl-scsi1', 'mptsas1068,id=ctl-scsi2', 'virtio-scsi-pci,id=ctl-scsi3', 'ich9-ahci,id=ctl-sata1', 'nvme,id=ctl-nvme0,serial=vmgate-nvme0']);
  // The console log stays COM1.
  assert.deepEqual(values(argv, '-serial'), ['chardev:serial0']);

  assert.throws(() => buildQemuCommandLine(vm({ controllers: [{ device: 'scsi1', model: 'buslogic' }] }), opts(v)), /SCSI controller scsi1 is buslogic, which QEMU does not emulate/);
  const four = [0, 1, 2, 3].map((i) => ({ device: `serial${i}`, backing: { kind: 'tcpServer' as const, port: 7000 + i }, connected: true, yieldOnPoll: false }));
  assert.throws(() => buildQemuCommandLine(vm({ serials: four }), opts(v)), /at most 3 serial ports/);
});

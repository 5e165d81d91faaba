import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { VmgateError } from '../../../src/core/errors.ts';
import {
  buildNewVmx,
  guidToVmwareUuid,
  parseVmx,
  readVmxConfig,
  vmwareUuidToGuid,
  writeVmxConfig,
} from '../../../src/core/vmx/index.ts';
import type { VmxConfig } from '../../../src/core/vmx/index.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function isKind(kind: string, text?: RegExp, key?: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof VmgateError, `expected a VmgateError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    if (text !== undefined) assert.match(e.message, text);
    if (key !== undefined) assert.equal(e.details?.key, key);
    return true;
  };
}

function changedLines(a: string, b: string): Array<[string, string]> {
  const la = a.split('\n');
  const lb = b.split('\n');
  assert.equal(la.length, lb.length, 'line count changed');
  return la.flatMap((l, i) => (l === lb[i] ? [] : [[l, lb[i]] as [string, string]]));
}

const WORKSTATION: VmxConfig = {
  name: 'Ubuntu 64-bit',
  uuid: '564d5e1c-8a2b-3f47-9e0d-11a2c3b4d5e6',
  fqdn: null,
  annotation: '',
  hardware: {
    cpuCount: 2,
    coresPerSocket: 1,
    memoryMiB: 4096,
    guestOs: 'ubuntu-64',
    version: 20,
    firmware: 'efi',
    disks: [{ device: 'nvme0:0', fileName: 'Ubuntu 64-bit.vmdk', capacityMiB: 0 }],
    nics: [{ device: 'ethernet0', macAddress: '00:0c:29:b4:d5:e6', network: 'nat', connected: true, model: 'e1000' }],
    cdroms: [{ device: 'sata0:1', isoFile: '/home/alice/Downloads/ubuntu-22.04.3-desktop-amd64.iso', connected: true }],
    kernelBoot: null,
    // Workstation's ThinPrint port: kept as it is, not run.
    serials: [{ device: 'serial0', backing: { kind: 'other', fileType: 'thinprint', fileName: 'thinprint' }, connected: true, yieldOnPoll: false }],
  },
};

const ESXI: VmxConfig = {
  name: 'SQL "prod" 01',
  uuid: '421e8d3b-5c4a-77e2-a16e-7c332d5b0e9f',
  fqdn: 'sql-prod-01.corp.example.com',
  annotation: 'Owner: DBA team | ticket CHG-1234\nMaintenance window: Sun 02:00\n"do not vMotion"',
  hardware: {
    cpuCount: 8,
    coresPerSocket: 4,
    memoryMiB: 16384,
    guestOs: 'windows2019srv-64',
    version: 19,
    firmware: 'efi',
    disks: [
      { device: 'scsi0:0', fileName: 'sql-prod-01.vmdk', capacityMiB: 81920 },
      { device: 'scsi0:1', fileName: 'sql-prod-01_1.vmdk', capacityMiB: 512000 },
    ],
    nics: [
      { device: 'ethernet0', macAddress: '00:50:56:9a:1c:2d', network: 'VM Network', connected: true, model: 'vmxnet3' },
      { device: 'ethernet1', macAddress: '00:50:56:3f:00:42', network: 'Backup VLAN 42', connected: false, model: 'e1000e', staticMac: true },
    ],
    cdroms: [{ device: 'ide1:0', isoFile: null, connected: false }],
    kernelBoot: null,
    // Its SCSI controller is not the LSI Logic vmgate would make; floppy0.present is FALSE.
    controllers: [{ device: 'scsi0', model: 'lsisas1068' }],
  },
};

const WEIRD: VmxConfig = {
  name: 'weird box',
  uuid: '6b29fc40-ca47-1067-b31d-00dd010662da',
  fqdn: null,
  annotation: '50% off |zz is no escape, | is a pipe, café',
  hardware: {
    cpuCount: 1, // default
    coresPerSocket: 1, // default
    memoryMiB: 1024, // the later "MemSize" wins
    guestOs: 'other', // the guestOS line is malformed
    version: 14,
    firmware: 'bios', // default
    disks: [{ device: 'scsi0:0', fileName: 'weird.vmdk', capacityMiB: 0 }], // scsi0:1 absent, scsi0:2 pass-through
    nics: [{ device: 'ethernet0', macAddress: '00:50:56:01:02:03', network: 'VMnet2', connected: true, model: 'vmxnet3', staticMac: true }],
    cdroms: [{ device: 'ide0:0', isoFile: '[isos] tools/appliance.iso', connected: false }],
    kernelBoot: { kernel: 'boot/vmlinuz-6.1', initrd: 'boot/initrd.img-6.1', cmdline: 'console=ttyS0 root=/dev/vda1 quiet' },
  },
};

const CASES: Array<[string, VmxConfig]> = [
  ['workstation.vmx', WORKSTATION],
  ['esxi.vmx', ESXI],
  ['weird.vmx', WEIRD],
];

function withHardware(cfg: VmxConfig, hw: Partial<VmxConfig['hardware']>): VmxConfig {
  return { ...cfg, hardware: { ...cfg.hardware, ...hw } };
}

describe('readVmxConfig', () => {
  for (const [name, expected] of CASES) {
    it(`reads ${name}`, () => {
      assert.deepEqual(readVmxConfig(parseVmx(fixture(name))), expected);
    });
  }

  it('uses defaults for a nearly empty file', () => {
    const cfg = readVmxConfig(parseVmx('.encoding = "UTF-8"\n'), { fallbackName: 'from-file-name' });
    assert.deepEqual(cfg, {
      name: 'from-file-name',
      uuid: null,
      fqdn: null,
      annotation: '',
      hardware: {
        cpuCount: 1,
        coresPerSocket: 1,
        memoryMiB: 256,
        guestOs: 'other',
        version: 4,
        firmware: 'bios',
        disks: [],
        nics: [],
        cdroms: [],
        kernelBoot: null,
      },
    });
  });

  it('reads NIC defaults and Workstation network types', () => {
    const hw = readVmxConfig(
      parseVmx(
        [
          'ethernet0.present = "TRUE"',
          'ethernet1.present = "TRUE"',
          'ethernet1.connectionType = "hostonly"',
          'ethernet1.generatedAddress = "00:0C:29:AA:BB:CC"',
          'ethernet2.present = "FALSE"',
          '',
        ].join('\n'),
      ),
    ).hardware;
    assert.deepEqual(hw.nics, [
      { device: 'ethernet0', macAddress: '', network: 'bridged', connected: true, model: 'e1000' },
      { device: 'ethernet1', macAddress: '00:0c:29:aa:bb:cc', network: 'hostonly', connected: true, model: 'e1000' },
    ]);
  });

  it('tells CD-ROMs from disks by deviceType', () => {
    const hw = readVmxConfig(
      parseVmx(
        [
          'ide0:0.present = "TRUE"',
          'ide0:0.fileName = "disk.vmdk"',
          'ide0:0.deviceType = "ata-hardDisk"',
          'ide1:0.present = "TRUE"',
          'ide1:0.deviceType = "cdrom-image"',
          'ide1:0.fileName = ""',
          'sata0:0.present = "TRUE"',
          'sata0:0.deviceType = "cdrom-raw"',
          'sata0:0.fileName = "auto detect"',
          'nvme0:3.present = "TRUE"',
          'nvme0:3.fileName = "fast.vmdk"',
          'vmgate.nvme0:3.capacityMiB = "1024"',
          '',
        ].join('\n'),
      ),
    ).hardware;
    assert.deepEqual(hw.disks, [
      { device: 'ide0:0', fileName: 'disk.vmdk', capacityMiB: 0 },
      { device: 'nvme0:3', fileName: 'fast.vmdk', capacityMiB: 1024 },
    ]);
    assert.deepEqual(hw.cdroms, [
      { device: 'ide1:0', isoFile: null, connected: true },
      { device: 'sata0:0', isoFile: null, connected: true },
    ]);
  });

  it('rejects invalid numbers, booleans, firmware and uuid, naming the key', () => {
    const bad: Array<[string, string]> = [
      ['memsize = "lots"', 'memsize'],
      ['memsize = "0"', 'memsize'],
      ['numvcpus = "-1"', 'numvcpus'],
      ['numvcpus = "1.5"', 'numvcpus'],
      ['numvcpus = ""', 'numvcpus'],
      ['cpuid.coresPerSocket = "0x2"', 'cpuid.coresPerSocket'],
      ['virtualHW.version = "99999999999999999999"', 'virtualHW.version'],
      ['firmware = "uefi"', 'firmware'],
      ['uuid.bios = "56 4d 12"', 'uuid.bios'],
      ['ethernet0.present = "maybe"', 'ethernet0.present'],
      ['scsi0:0.present = "TRUE"\nvmgate.scsi0:0.capacityMiB = "big"', 'vmgate.scsi0:0.capacityMiB'],
    ];
    for (const [text, key] of bad) {
      assert.throws(
        () => readVmxConfig(parseVmx(text + '\n')),
        isKind('invalid_argument', new RegExp(`"${key.replace(/\./g, '\\.')}"`), key),
        text,
      );
    }
  });

  it('accepts padded numbers and VMware boolean spellings', () => {
    const hw = readVmxConfig(parseVmx('memsize = " 512 "\nscsi0:0.present = "yes"\nscsi0:0.startConnected = "off"\n')).hardware;
    assert.equal(hw.memoryMiB, 512);
    assert.equal(hw.disks.length, 1);
  });
});

describe('uuid.bios', () => {
  it('converts both ways without byte swapping', () => {
    assert.equal(vmwareUuidToGuid('42 1e 8d 3b 5c 4a 77 e2-a1 6e 7c 33 2d 5b 0e 9f'), '421e8d3b-5c4a-77e2-a16e-7c332d5b0e9f');
    assert.equal(guidToVmwareUuid('421E8D3B-5C4A-77E2-A16E-7C332D5B0E9F'), '42 1e 8d 3b 5c 4a 77 e2-a1 6e 7c 33 2d 5b 0e 9f');
    assert.equal(vmwareUuidToGuid('{6B29FC40-CA47-1067-B31D-00DD010662DA}'), '6b29fc40-ca47-1067-b31d-00dd010662da');
    assert.equal(vmwareUuidToGuid('42 1e'), null);
    assert.equal(guidToVmwareUuid('not-a-guid'), null);
  });

  it('writes a new uuid in VMware format and leaves an equal one alone', () => {
    const text = fixture('weird.vmx');
    const doc = parseVmx(text);
    writeVmxConfig(doc, WEIRD); // same GUID, spelled differently in the file
    assert.equal(doc.toString(), text);
    writeVmxConfig(doc, { ...WEIRD, uuid: '00112233-4455-6677-8899-aabbccddeeff' });
    assert.equal(doc.get('uuid.bios'), '00 11 22 33 44 55 66 77-88 99 aa bb cc dd ee ff');
    writeVmxConfig(doc, { ...WEIRD, uuid: null });
    assert.equal(doc.has('uuid.bios'), false);
  });
});

describe('writeVmxConfig', () => {
  for (const [name, cfg] of CASES) {
    it(`leaves ${name} byte-identical when nothing changed`, () => {
      const text = fixture(name);
      const doc = parseVmx(text);
      writeVmxConfig(doc, readVmxConfig(doc));
      writeVmxConfig(doc, cfg);
      assert.equal(doc.toString(), text);
    });
  }

  it('changes only the lines of what changed', () => {
    const text = fixture('esxi.vmx');
    const doc = parseVmx(text);
    writeVmxConfig(doc, withHardware(ESXI, { memoryMiB: 24576, cpuCount: 12, coresPerSocket: 6 }));
    assert.deepEqual(changedLines(text, doc.toString()), [
      ['numvcpus = "8"', 'numvcpus = "12"'],
      ['memSize = "16384"', 'memSize = "24576"'],
      ['cpuid.coresPerSocket = "4"', 'cpuid.coresPerSocket = "6"'],
    ]);
  });

  it('adds, updates and removes devices; the result reads back as written', () => {
    const doc = parseVmx(fixture('esxi.vmx'));
    const wanted = withHardware(ESXI, {
      disks: [
        { device: 'scsi0:0', fileName: 'sql-prod-01.vmdk', capacityMiB: 102400 }, // grown
        { device: 'nvme0:0', fileName: 'tempdb.vmdk', capacityMiB: 8192 }, // new, new controller
      ], // scsi0:1 removed
      nics: [{ device: 'ethernet1', macAddress: '00:50:56:3f:00:43', network: 'Prod', connected: true, model: 'e1000e', staticMac: true }], // ethernet0 removed
      cdroms: [
        { device: 'ide1:0', isoFile: '[isos] SQLServer2019.iso', connected: true }, // host drive → ISO
        { device: 'sata0:0', isoFile: null, connected: false }, // new empty drive
      ],
      kernelBoot: null,
    });
    writeVmxConfig(doc, wanted);
    const text = doc.toString();
    assert.deepEqual(readVmxConfig(parseVmx(text)), wanted);
    // removed devices lose all their keys, unrelated keys survive
    assert.doesNotMatch(text, /^scsi0:1\./m);
    assert.doesNotMatch(text, /^vmgate\.scsi0:1\./m);
    assert.doesNotMatch(text, /^ethernet0\./m);
    assert.match(text, /^sched\.scsi0:0\.shares = "normal"$/m);
    assert.match(text, /^nvme0\.present = "TRUE"$/m);
    assert.match(text, /^sata0\.present = "TRUE"$/m);
    assert.match(text, /^ide1:0\.deviceType = "cdrom-image"$/m);
    assert.match(text, /^ethernet1\.address = "00:50:56:3f:00:43"$/m); // static stays static
    assert.equal(doc.get('vmgate.scsi0:0.capacityMiB'), '102400');
  });

  it('switches a slot from CD-ROM to disk', () => {
    const doc = parseVmx(fixture('workstation.vmx'));
    const wanted = withHardware(WORKSTATION, {
      disks: [...WORKSTATION.hardware.disks, { device: 'sata0:1', fileName: 'extra.vmdk', capacityMiB: 100 }],
      cdroms: [],
    });
    writeVmxConfig(doc, wanted);
    assert.deepEqual(readVmxConfig(parseVmx(doc.toString())), wanted);
    assert.equal(doc.has('sata0:1.deviceType'), false);
  });

  it('writes Workstation networks to connectionType and others to networkName', () => {
    const doc = parseVmx(fixture('workstation.vmx'));
    const nic = WORKSTATION.hardware.nics[0];
    writeVmxConfig(doc, withHardware(WORKSTATION, { nics: [{ ...nic, network: 'bridged' }] }));
    assert.equal(doc.get('ethernet0.connectionType'), 'bridged');
    assert.equal(doc.has('ethernet0.networkName'), false);
    writeVmxConfig(doc, withHardware(WORKSTATION, { nics: [{ ...nic, network: 'Lab', macAddress: '00:0c:29:00:00:01' }] }));
    assert.equal(doc.get('ethernet0.networkName'), 'Lab');
    assert.equal(doc.get('ethernet0.generatedAddress'), '00:0c:29:00:00:01');
    assert.equal(readVmxConfig(doc).hardware.nics[0].network, 'Lab');
  });

  it('sets and removes kernel boot keys', () => {
    const doc = parseVmx(fixture('workstation.vmx'));
    const boot = { kernel: 'vmlinuz', initrd: null, cmdline: 'console=ttyS0' };
    writeVmxConfig(doc, withHardware(WORKSTATION, { kernelBoot: boot }));
    assert.equal(doc.get('vmgate.boot.kernel'), 'vmlinuz');
    assert.equal(doc.has('vmgate.boot.initrd'), false);
    assert.deepEqual(readVmxConfig(doc).hardware.kernelBoot, boot);
    writeVmxConfig(doc, WORKSTATION);
    assert.equal(doc.toString(), fixture('workstation.vmx'));
  });

  it('writes identity: name, annotation with escapes, fqdn', () => {
    const doc = parseVmx(fixture('workstation.vmx'));
    writeVmxConfig(doc, { ...WORKSTATION, name: 'Ubuntu "dev" | lab', annotation: 'a\nb', fqdn: 'dev.lab' });
    assert.match(doc.toString(), /^displayName = "Ubuntu \|22dev\|22 \|7C lab"$/m);
    assert.match(doc.toString(), /^annotation = "a\|0Ab"$/m);
    assert.equal(doc.get('guestinfo.hostname'), 'dev.lab');
    writeVmxConfig(doc, WORKSTATION);
    assert.equal(doc.has('annotation'), false);
    assert.equal(doc.has('guestinfo.hostname'), false);
  });

  it('rewrites an unreadable value instead of failing', () => {
    const doc = parseVmx('memsize = "lots"\n');
    writeVmxConfig(doc, withHardware(WEIRD, { memoryMiB: 512, disks: [], nics: [], cdroms: [], kernelBoot: null }));
    assert.equal(doc.get('memsize'), '512');
  });

  it('rejects configs it must not write, leaving the document alone', () => {
    const bad: Array<[VmxConfig, RegExp]> = [
      [withHardware(ESXI, { cpuCount: 0 }), /cpuCount/],
      [withHardware(ESXI, { memoryMiB: 1.5 }), /memoryMiB/],
      [withHardware(ESXI, { version: -1 }), /version/],
      [withHardware(ESXI, { firmware: 'uefi' as 'efi' }), /firmware/],
      [withHardware(ESXI, { disks: [{ device: 'scsi0', fileName: 'x.vmdk', capacityMiB: 1 }] }), /scsi0/],
      [withHardware(ESXI, { disks: [{ device: 'scsi0:0', fileName: 'x.vmdk', capacityMiB: -5 }] }), /capacityMiB/],
      [
        withHardware(ESXI, {
          disks: [{ device: 'ide1:0', fileName: 'x.vmdk', capacityMiB: 1 }],
          cdroms: [{ device: 'IDE1:0', isoFile: null, connected: true }],
        }),
        /twice/,
      ],
      [withHardware(ESXI, { nics: [{ ...ESXI.hardware.nics[0], macAddress: '00:50:56:zz:00:00' }] }), /MAC/],
      [withHardware(ESXI, { nics: [{ ...ESXI.hardware.nics[0], device: 'eth0' }] }), /eth0/],
      [withHardware(ESXI, { kernelBoot: { kernel: '', initrd: null, cmdline: '' } }), /kernel/],
      [{ ...ESXI, uuid: 'nope' }, /uuid/],
      [{ ...ESXI, name: 'a\0b' }, /name.*NUL/],
      [{ ...ESXI, annotation: 'a\0b' }, /annotation.*NUL/],
      [withHardware(ESXI, { nics: [{ ...ESXI.hardware.nics[0], network: '\0' }] }), /network.*NUL/],
    ];
    for (const [cfg, message] of bad) {
      const text = fixture('esxi.vmx');
      const doc = parseVmx(text);
      assert.throws(() => writeVmxConfig(doc, cfg), isKind('invalid_argument', message), String(message));
      assert.equal(doc.toString(), text);
    }
  });
});

describe('buildNewVmx', () => {
  const cfg: VmxConfig = {
    name: 'web-01',
    uuid: '564d1234-5678-9abc-def0-123456789abc',
    fqdn: 'web-01.example.com',
    annotation: 'created by vmgate',
    hardware: {
      cpuCount: 1,
      coresPerSocket: 1,
      memoryMiB: 2048,
      guestOs: 'otherlinux-64',
      version: 19,
      firmware: 'bios',
      disks: [{ device: 'scsi0:0', fileName: 'web-01.vmdk', capacityMiB: 20480 }],
      nics: [{ device: 'ethernet0', macAddress: '00:50:56:00:00:01', network: 'VM Network', connected: true, model: 'vmxnet3' }],
      cdroms: [{ device: 'ide1:0', isoFile: null, connected: false }],
      kernelBoot: { kernel: 'vmlinuz', initrd: 'initrd.img', cmdline: 'console=ttyS0' },
    },
  };

  it('writes the VMware header first and reads back as the config', () => {
    const text = buildNewVmx(cfg);
    assert.ok(text.startsWith('.encoding = "UTF-8"\nconfig.version = "8"\nvirtualHW.version = "19"\n'), text);
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(readVmxConfig(parseVmx(text)), cfg);
    assert.equal(parseVmx(text).toString(), text);
  });

  it('writes sizing keys even when they equal the defaults', () => {
    const doc = parseVmx(buildNewVmx(cfg));
    assert.equal(doc.get('numvcpus'), '1');
    assert.equal(doc.get('cpuid.coresPerSocket'), '1');
    assert.equal(doc.get('firmware'), 'bios');
    assert.equal(doc.get('uuid.bios'), '56 4d 12 34 56 78 9a bc-de f0 12 34 56 78 9a bc');
    assert.equal(doc.get('scsi0.present'), 'TRUE');
    assert.equal(doc.get('scsi0.virtualDev'), 'lsilogic');
  });

  it('leaves uuid.bios out when there is no uuid, and rejects bad configs', () => {
    assert.equal(parseVmx(buildNewVmx({ ...cfg, uuid: null })).has('uuid.bios'), false);
    assert.throws(() => buildNewVmx(withHardware(cfg, { memoryMiB: 0 })), isKind('invalid_argument', /memoryMiB/));
  });
});

describe('floppies, serial and parallel ports, controllers, static MACs', () => {
  const cfg: VmxConfig = {
    name: 'ports',
    uuid: null,
    fqdn: null,
    annotation: '',
    hardware: {
      cpuCount: 1,
      coresPerSocket: 1,
      memoryMiB: 512,
      guestOs: 'otherlinux-64',
      version: 19,
      firmware: 'bios',
      disks: [{ device: 'scsi0:0', fileName: 'ports.vmdk', capacityMiB: 64 }],
      nics: [{ device: 'ethernet0', macAddress: '00:50:56:3a:00:01', network: 'isolated', connected: false, model: 'e1000e', staticMac: true }],
      cdroms: [],
      kernelBoot: null,
      floppies: [{ device: 'floppy0', imageFile: 'boot.flp', connected: true }, { device: 'floppy1', imageFile: null, connected: false }],
      serials: [
        { device: 'serial0', backing: { kind: 'file', file: '/ds/logs/com2.log' }, connected: true, yieldOnPoll: false },
        { device: 'serial1', backing: { kind: 'tcpServer', port: 7001 }, connected: false, yieldOnPoll: true },
      ],
      parallels: [{ device: 'parallel0', file: 'lpt.out', connected: true }],
      controllers: [{ device: 'scsi1', model: 'pvscsi' }, { device: 'sata0', model: 'ahci' }, { device: 'nvme2', model: 'nvme' }],
    },
  };

  it('writes VMware keys and reads back as written', () => {
    const text = buildNewVmx(cfg);
    const keys = [
      'ethernet0.addressType = "static"',
      'ethernet0.address = "00:50:56:3a:00:01"',
      'floppy0.fileType = "file"',
      'floppy0.fileName = "boot.flp"',
      'floppy1.startConnected = "FALSE"',
      'serial0.fileType = "file"',
      'serial0.fileName = "/ds/logs/com2.log"',
      'serial1.fileType = "network"',
      'serial1.fileName = "tcp://127.0.0.1:7001"',
      'serial1.network.endPoint = "server"',
      'serial1.yieldOnMsrRead = "TRUE"',
      'parallel0.fileType = "file"',
      'parallel0.fileName = "lpt.out"',
      'scsi1.present = "TRUE"',
      'scsi1.virtualDev = "pvscsi"',
      'sata0.present = "TRUE"',
      'nvme2.present = "TRUE"',
    ];
    for (const k of keys) assert.ok(text.split('\n').includes(k), `${k} in\n${text}`);
    assert.doesNotMatch(text, /^ethernet0\.generatedAddress/m);
    assert.deepEqual(readVmxConfig(parseVmx(text)), cfg);
  });

  it('removes devices left out, keeps a controller a disk uses, switches a MAC back to generated', () => {
    const doc = parseVmx(buildNewVmx(cfg));
    writeVmxConfig(doc, withHardware(cfg, {
      nics: [{ ...cfg.hardware.nics[0]!, staticMac: false }],
      floppies: [],
      serials: [cfg.hardware.serials![1]!],
      parallels: [],
      controllers: [],
    }));
    const text = doc.toString();
    assert.doesNotMatch(text, /^(floppy\d|serial0|parallel0|scsi1|sata0|nvme2)\./m);
    assert.match(text, /^serial1\.fileName = "tcp:\/\/127\.0\.0\.1:7001"$/m);
    assert.match(text, /^scsi0\.present = "TRUE"$/m);
    assert.match(text, /^ethernet0\.addressType = "generated"$/m);
    assert.match(text, /^ethernet0\.generatedAddress = "00:50:56:3a:00:01"$/m);
    assert.doesNotMatch(text, /^ethernet0\.address =/m);
    const back = readVmxConfig(doc).hardware;
    assert.deepEqual([back.floppies, back.serials, back.parallels, back.controllers], [undefined, [cfg.hardware.serials![1]!], undefined, undefined]);
    assert.equal(back.nics[0]!.staticMac, undefined);
  });

  it('refuses bad device names, too many devices, bad ports and files', () => {
    const bad: [Partial<VmxConfig['hardware']>, RegExp][] = [
      [{ floppies: [{ device: 'floppyA', imageFile: null, connected: true }] }, /not like "floppy0"/],
      [{ serials: [0, 1, 2, 3, 4].map((i) => ({ device: `serial${i}`, backing: { kind: 'file' as const, file: 'x' }, connected: true, yieldOnPoll: false })) }, /at most 4 serial ports/],
      [{ serials: [{ device: 'serial0', backing: { kind: 'tcpServer', port: 70000 }, connected: true, yieldOnPoll: false }] }, /TCP port 70000/],
      [{ parallels: [{ device: 'parallel0', file: 'a"b', connected: true }] }, /without NUL characters or quotes/],
      [{ controllers: [{ device: 'scsi1', model: 'Bad Model' }] }, /controller model/],
    ];
    for (const [hw, text] of bad) assert.throws(() => buildNewVmx(withHardware(cfg, hw)), isKind('invalid_argument', text));
  });
});

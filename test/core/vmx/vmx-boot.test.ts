/** Boot order and boot settings in a .vmx: VMware's keys read, written only when they change, dropped at the defaults. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVmx, readVmxConfig, writeVmxConfig } from '../../../src/core/vmx/index.ts';

const BASE = ['displayName = "web"', 'numvcpus = "1"', 'memsize = "512"', 'guestOS = "otherlinux-64"', 'virtualHW.version = "19"', 'scsi0.present = "TRUE"', 'scsi0:0.present = "TRUE"', 'scsi0:0.fileName = "web.vmdk"', ''].join('\n');

test('a file without boot keys reads the default order and settings (the fields are absent)', () => {
  const hw = readVmxConfig(parseVmx(BASE)).hardware;
  assert.equal(hw.bootOrder, undefined);
  assert.equal(hw.boot, undefined);
});

test("VMware's keys read: bios.bootOrder with hddOrder and nicOrder, bootDelay in ms, the retry delay in seconds; unknown kinds skipped", () => {
  const text = `${BASE}bios.bootOrder = "ethernet,usb,cdrom,hdd"\nbios.hddOrder = "SCSI0:0"\nbios.nicOrder = "ethernet0"\nbios.bootDelay = "2500"\nbios.bootRetry.enabled = "TRUE"\nbios.bootRetry.delay = "7"\n`;
  const hw = readVmxConfig(parseVmx(text)).hardware;
  assert.deepEqual(hw.bootOrder, [
    { type: 'ethernet', devices: ['ethernet0'] },
    { type: 'cdrom', devices: [] },
    { type: 'disk', devices: ['scsi0:0'] },
  ]);
  assert.deepEqual(hw.boot, { delayMs: 2500, retry: true, retryDelayMs: 7000 });
});

test('written only when changed; back to the defaults the keys go; an unreadable delay is invalid_argument', () => {
  const doc = parseVmx(BASE);
  const cfg = readVmxConfig(doc);
  writeVmxConfig(doc, cfg);
  assert.equal(doc.toString(), BASE, 'an untouched file stays byte-identical');
  writeVmxConfig(doc, { ...cfg, hardware: { ...cfg.hardware, bootOrder: [{ type: 'cdrom', devices: [] }, { type: 'disk', devices: ['scsi0:0'] }], boot: { delayMs: 1000, retry: false, retryDelayMs: 10000 } } });
  assert.equal(doc.toString(), `${BASE}bios.bootOrder = "cdrom,hdd"\nbios.hddOrder = "scsi0:0"\nbios.bootDelay = "1000"\n`);
  assert.deepEqual(readVmxConfig(parseVmx(doc.toString())).hardware.bootOrder, [{ type: 'cdrom', devices: [] }, { type: 'disk', devices: ['scsi0:0'] }]);
  writeVmxConfig(doc, cfg);
  assert.equal(doc.toString(), BASE);
  assert.throws(() => readVmxConfig(parseVmx(`${BASE}bios.bootDelay = "soon"\n`)), (e: Error & { kind?: string }) => e.kind === 'invalid_argument' && /bios\.bootDelay/.test(e.message));
});

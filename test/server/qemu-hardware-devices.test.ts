/**
 * Devices added through the vSphere API to a powered-off VM on a real vmgate over the QEMU
 * driver (TCG, the test guest by kernel boot) are there at the next power on: a NIC with a
 * given MAC on the isolated network, seen by the guest's kernel and by the guest agent
 * (guest networking); `disconnect` / `connect` of that NIC (QMP `set_link`) take the
 * guest's carrier down and up; a serial port with a FILE backing receives what the guest
 * writes to its COM2 (/dev/ttyS1). A floppy drive, a parallel port and a PVSCSI controller
 * are on QEMU's command line too (the VM boots with them).
 *
 * One guest at a time (acquireQemuTestLock); skips locally without QEMU or the test guest,
 * fails in CI.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VapiClient } from '../../src/clients/vapi/index.ts';
import type { VmGuestCredentials } from '../../src/clients/vapi/index.ts';
import { skippable } from '../support/ci.ts';
import { qemuTestSkip } from '../support/qemu-guest.ts';
import { startQemuTestBed } from '../support/qemu-server.ts';
import type { QemuTestBed } from '../support/qemu-server.ts';
import { ADMIN_PASSWORD } from '../support/test-server.ts';
import { until } from '../support/until.ts';

const ROOT: VmGuestCredentials = { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: 'root', password: 'vmware' };
const DEADLINE_MS = 300_000;
const MAC = '00:50:56:3a:7e:01';
const { after, before, describe, it } = skippable(qemuTestSkip());

describe('QEMU: NIC, serial port, floppy, parallel port and controller added through the vSphere API', { timeout: 900_000 }, () => {
  let bed: QemuTestBed | undefined;
  let client: VapiClient;
  let vm: string;
  let dsPath: string;

  before(async () => {
    bed = await startQemuTestBed('hw');
    const s = bed.s;
    dsPath = bed.datastore.path;
    vm = await bed.createGuestVm({ name: 'hwguest' });
    await writeFile(join(dsPath, 'boot.flp'), '');
    await truncate(join(dsPath, 'boot.flp'), 1474560);
    client = new VapiClient({ server: s.baseUrl, flavour: 'rest', ca: s.ca, timeoutMs: 300_000 });
    await client.login('administrator@vsphere.local', ADMIN_PASSWORD);
  });

  after(async () => {
    client?.close();
    await bed?.close();
  });

  it('the guest sees the NIC with its MAC, its carrier follows disconnect/connect, and COM2 writes to the file', async (t) => {
    const nic = await client.hardware.ethernet.create(vm, {
      type: 'VIRTIO',
      mac_type: 'MANUAL',
      mac_address: MAC,
      start_connected: true,
      backing: { type: 'STANDARD_PORTGROUP', network: 'isolated' },
    });
    assert.equal(nic, '4000');
    assert.equal(await client.hardware.serial.create(vm, { backing: { type: 'FILE', file: '[hw-ds] com2.log' }, start_connected: true }), '9000');
    assert.equal(await client.hardware.floppy.create(vm, { backing: { type: 'IMAGE_FILE', image_file: '[hw-ds] boot.flp' }, start_connected: true }), '8000');
    assert.equal(await client.hardware.parallel.create(vm, { backing: { type: 'FILE', file: '[hw-ds] lpt1.out' }, start_connected: true }), '10000');
    assert.equal(await client.hardware.adapter.scsi.create(vm, { type: 'PVSCSI' }), '1001');
    // QEMU has no BusLogic: refused before anything is recorded.
    await assert.rejects(client.hardware.adapter.scsi.create(vm, { type: 'BUSLOGIC' }), (e: Error & { errorType?: string }) => e.errorType === 'UNSUPPORTED' && /BusLogic|buslogic/.test(e.message));
    assert.deepEqual(await client.hardware.adapter.scsi.list(vm), [{ adapter: '1000' }, { adapter: '1001' }]);

    await client.power.start(vm);
    await until('guest tools', DEADLINE_MS, async () => ((await client.guest.power.get(vm)).operations_ready ? true : undefined));
    const sh = async (script: string) => client.vmgate.guest.run(vm, ROOT, { path: '/bin/sh', arguments: ['-c', script], timeout_seconds: 60 });

    // The guest's kernel has a NIC with that MAC; the agent reports it as NIC 4000.
    const dev = (await sh(`for i in /sys/class/net/*; do [ "$(cat $i/address)" = "${MAC}" ] && basename $i; done; true`)).stdout.trim();
    t.diagnostic(`guest interface ${dev}`);
    assert.match(dev, /^\w+$/, 'an interface with the given MAC');
    const ifaces = await until('the NIC in guest networking', DEADLINE_MS, async () => {
      const list = await client.guest.networking.interfaces.list(vm);
      return list.some((i) => i.mac_address === MAC) ? list : undefined;
    });
    assert.deepEqual(ifaces.filter((i) => i.mac_address === MAC).map((i) => i.nic), ['4000']);

    // Link up in the guest, then the cable: carrier 1 → 0 → 1.
    assert.equal((await sh(`ip link set ${dev} up`)).exit_code, 0);
    const carrier = async () => (await sh(`cat /sys/class/net/${dev}/carrier`)).stdout.trim();
    await until('carrier 1 while connected', DEADLINE_MS, async () => ((await carrier()) === '1' ? true : undefined));
    assert.equal((await client.hardware.ethernet.get(vm, nic)).state, 'CONNECTED');
    await client.hardware.ethernet.disconnect(vm, nic);
    await until('carrier 0 after disconnect', DEADLINE_MS, async () => ((await carrier()) === '0' ? true : undefined));
    assert.equal((await client.hardware.ethernet.get(vm, nic)).state, 'NOT_CONNECTED');
    await client.hardware.ethernet.connect(vm, nic);
    await until('carrier 1 after connect', DEADLINE_MS, async () => ((await carrier()) === '1' ? true : undefined));
    assert.equal((await client.hardware.ethernet.get(vm, nic)).state, 'CONNECTED');

    // QEMU connects only NICs while running.
    await assert.rejects(client.hardware.serial.disconnect(vm, '9000'), (e: Error & { errorType?: string }) => e.errorType === 'UNSUPPORTED' && /only network adapters/.test(e.message));

    // COM2 (/dev/ttyS1) goes to the serial port's file.
    assert.equal((await sh('echo vmgate-serial-check > /dev/ttyS1')).exit_code, 0);
    await until('the guest’s line in com2.log', DEADLINE_MS, async () => (readFileSync(join(dsPath, 'com2.log'), 'utf8').includes('vmgate-serial-check') ? true : undefined));

    await client.power.stop(vm);
    // Off again: the .vmx keeps what was added.
    const vmx = readFileSync(join(dsPath, 'hwguest', 'hwguest.vmx'), 'utf8');
    assert.match(vmx, /^ethernet0\.address = "00:50:56:3a:7e:01"$/m);
    assert.match(vmx, /^serial0\.fileType = "file"$/m);
    assert.match(vmx, /^scsi1\.virtualDev = "pvscsi"$/m);
  });
});

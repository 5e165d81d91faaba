/**
 * Every vm.hardware.* operation, vm.Tools get and console.Tickets create on a real vmgate,
 * on both drivers (the simulator, and QEMU booting the test guest) and in both flavours
 * (REST and JSON-RPC `POST /api`), one server and one VM per driver: each REST reply
 * validated against the vSphere 7.0.3 spec, each JSON-RPC reply's structure and error
 * names checked against the 7.0.3 types the official bindings know
 * (test/support/vapi-call.ts). Off: devices created, read, changed and removed; on: NIC and
 * CD-ROM changed hot (the link and the drive as the hypervisor reports them), everything
 * else `not_allowed_in_current_state`, tools running, a console ticket that opens the VM's
 * VNC console once. The last test checks that every operation ran in both flavours. The
 * QEMU half takes one QEMU guest at a time (acquireQemuTestLock) and skips without QEMU.
 */
import assert from 'node:assert/strict';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { skippable } from '../../support/ci.ts';
import { qemuTestSkip } from '../../support/qemu-guest.ts';
import { startQemuTestBed } from '../../support/qemu-server.ts';
import type { QemuTestBed } from '../../support/qemu-server.ts';
import { ADMIN_PASSWORD } from '../../support/test-server.ts';
import { until } from '../../support/until.ts';
import { FLAVOURS, vapiCall } from '../../support/vapi-call.ts';
import type { Flavour } from '../../support/vapi-call.ts';
import { UpgradeRefused, wsRfbSession } from '../../support/ws-rfb-client.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const MiB = 1024 * 1024;
const MAC = '00:50:56:3a:7e:21';
const WSS_TICKET = /^wss:\/\/127\.0\.0\.1:(\d+)\/console\/vnc\/[A-Za-z0-9_-]{43}$/;
const PEER = (f: Flavour): Flavour => (f === 'rest' ? 'jsonrpc' : 'rest');

/** Every operation this file must drive, in both flavours: written out by hand. */
const OPERATIONS = [
  'hardware.cpu.get', 'hardware.cpu.update',
  'hardware.memory.get', 'hardware.memory.update',
  'hardware.boot.get', 'hardware.boot.update',
  'hardware.boot.device.get', 'hardware.boot.device.set',
  'hardware.disk.list', 'hardware.disk.get', 'hardware.disk.create', 'hardware.disk.update', 'hardware.disk.delete',
  'hardware.ethernet.list', 'hardware.ethernet.get', 'hardware.ethernet.create', 'hardware.ethernet.update', 'hardware.ethernet.delete', 'hardware.ethernet.connect', 'hardware.ethernet.disconnect',
  'hardware.cdrom.list', 'hardware.cdrom.get', 'hardware.cdrom.create', 'hardware.cdrom.update', 'hardware.cdrom.delete', 'hardware.cdrom.connect', 'hardware.cdrom.disconnect',
  'hardware.floppy.list', 'hardware.floppy.get', 'hardware.floppy.create', 'hardware.floppy.update', 'hardware.floppy.delete', 'hardware.floppy.connect', 'hardware.floppy.disconnect',
  'hardware.serial.list', 'hardware.serial.get', 'hardware.serial.create', 'hardware.serial.update', 'hardware.serial.delete', 'hardware.serial.connect', 'hardware.serial.disconnect',
  'hardware.parallel.list', 'hardware.parallel.get', 'hardware.parallel.create', 'hardware.parallel.update', 'hardware.parallel.delete', 'hardware.parallel.connect', 'hardware.parallel.disconnect',
  'hardware.adapter.scsi.list', 'hardware.adapter.scsi.get', 'hardware.adapter.scsi.create', 'hardware.adapter.scsi.update', 'hardware.adapter.scsi.delete',
  'hardware.adapter.sata.list', 'hardware.adapter.sata.get', 'hardware.adapter.sata.create', 'hardware.adapter.sata.delete',
  'hardware.adapter.nvme.list', 'hardware.adapter.nvme.get', 'hardware.adapter.nvme.create', 'hardware.adapter.nvme.delete',
  'tools.get',
  'console.tickets.create',
];

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const port = (srv.address() as { port: number }).port;
  await new Promise((res) => srv.close(res));
  return port;
}

for (const driver of ['sim', 'qemu'] as const) scenario(driver);

function scenario(driver: 'sim' | 'qemu'): void {
  const qemu = driver === 'qemu';
  const onQemu = skippable(qemu ? qemuTestSkip() : false);
  onQemu.describe(`vm.hardware, vm.tools and console tickets on ${driver} in both flavours`, { timeout: 1_800_000 }, () => {
    let bed: QemuTestBed;
    let token = '';
    let vm = '';
    let ds = '';
    let folder = '';
    const called = new Set<string>();

    /** `svc` below com.vmware.vcenter.vm (`hardware.cpu`); `vm` is added to the input. */
    const call = async (f: Flavour, svc: string, op: string, input: Record<string, unknown> = {}) => {
      called.add(`${f} ${svc}.${op}`);
      return vapiCall(bed.s, token, f, `com.vmware.vcenter.vm.${svc}`, op, { vm, ...input });
    };
    const ok = async (f: Flavour, svc: string, op: string, input: Record<string, unknown> = {}): Promise<Json> => {
      const r = await call(f, svc, op, input);
      assert.equal(r.error, undefined, `${f} ${svc}.${op}: ${r.message}`);
      return r.value;
    };
    const refused = async (f: Flavour, svc: string, op: string, input: Record<string, unknown>, error: string, text?: RegExp, undeclared = false): Promise<void> => {
      called.add(`${f} ${svc}.${op}`);
      const r = await vapiCall(bed.s, token, f, `com.vmware.vcenter.vm.${svc}`, op, { vm, ...input }, undeclared ? { undeclaredError: error } : {});
      assert.equal(r.error, error, `${f} ${svc}.${op} ${JSON.stringify(input)}: ${r.message}`);
      if (text) assert.match(r.message ?? '', text);
    };
    const vmx = () => readFile(join(folder, 'hwq.vmx'), 'utf8');
    const media = async () => Object.fromEntries((await bed.s.server.core.devices.liveMedia(SYSTEM_CALLER, vm)) ?? []);

    onQemu.before(async () => {
      bed = await startQemuTestBed('hwq', { driver, qemuAccel: 'auto' });
      ds = bed.datastore.path;
      vm = await bed.createGuestVm({ name: 'hwq' });
      folder = join(ds, 'hwq');
      const login = await bed.s.request('POST', '/api/session', { headers: { authorization: 'Basic ' + Buffer.from(`administrator:${ADMIN_PASSWORD}`).toString('base64') } });
      token = JSON.parse(login.body) as string;
      for (const f of ['a.flp', 'b.flp']) {
        await writeFile(join(ds, f), '');
        await truncate(join(ds, f), 1474560);
      }
      // Any bytes make a medium (QEMU opens an ISO raw).
      await writeFile(join(ds, 'marker.iso'), Buffer.alloc(MiB));
      await writeFile(join(ds, 'other.iso'), Buffer.alloc(MiB));
    });
    onQemu.after(async () => bed?.close());

    onQemu.it('off: cpu, memory, boot and boot order read and changed in both flavours, written to the .vmx', async () => {
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.cpu', 'get'), { count: 1, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false });
        assert.deepEqual(await ok(f, 'hardware.memory', 'get'), { size_MiB: 256, hot_add_enabled: false });
        assert.deepEqual(await ok(f, 'hardware.boot', 'get'), { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false });
        assert.deepEqual(await ok(f, 'hardware.boot.device', 'get'), []);
      }
      // REST changes, JSON-RPC reads; then the other way round, back to what the guest needs.
      await ok('rest', 'hardware.cpu', 'update', { spec: { count: 2, cores_per_socket: 2 } });
      await ok('rest', 'hardware.memory', 'update', { spec: { size_MiB: 384 } });
      await ok('rest', 'hardware.boot', 'update', { spec: { delay: 1000, retry: true, retry_delay: 5000 } });
      await ok('rest', 'hardware.boot.device', 'set', { devices: [{ type: 'DISK', disks: ['2000'] }, { type: 'CDROM' }] });
      assert.deepEqual(await ok('jsonrpc', 'hardware.cpu', 'get'), { count: 2, cores_per_socket: 2, hot_add_enabled: false, hot_remove_enabled: false });
      assert.deepEqual(await ok('jsonrpc', 'hardware.memory', 'get'), { size_MiB: 384, hot_add_enabled: false });
      assert.deepEqual(await ok('jsonrpc', 'hardware.boot', 'get'), { type: 'BIOS', delay: 1000, retry: true, retry_delay: 5000, enter_setup_mode: false });
      assert.deepEqual(await ok('jsonrpc', 'hardware.boot.device', 'get'), [{ type: 'DISK', disks: ['2000'] }, { type: 'CDROM' }]);
      const text = await vmx();
      for (const line of ['numvcpus = "2"', 'cpuid.coresPerSocket = "2"', 'memsize = "384"', 'bios.bootDelay = "1000"', 'bios.bootRetry.enabled = "TRUE"', 'bios.bootOrder = "hdd,cdrom"', 'bios.hddOrder = "scsi0:0"']) {
        assert.ok(text.split('\n').includes(line), `${line} in the .vmx`);
      }
      await ok('jsonrpc', 'hardware.cpu', 'update', { spec: { count: 1, cores_per_socket: 1 } });
      await ok('jsonrpc', 'hardware.memory', 'update', { spec: { size_MiB: 256 } });
      await ok('jsonrpc', 'hardware.boot', 'update', { spec: { delay: 0, retry: false, retry_delay: 10000 } });
      await ok('jsonrpc', 'hardware.boot.device', 'set', { devices: [] });
      assert.deepEqual(await ok('rest', 'hardware.cpu', 'get'), { count: 1, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false });
      assert.deepEqual(await ok('rest', 'hardware.memory', 'get'), { size_MiB: 256, hot_add_enabled: false });
      assert.deepEqual(await ok('rest', 'hardware.boot', 'get'), { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false });
      assert.deepEqual(await ok('rest', 'hardware.boot.device', 'get'), []);
      assert.doesNotMatch(await vmx(), /bios\.(bootOrder|hddOrder|bootDelay|bootRetry)/);
      // Bad input is refused alike in both flavours.
      for (const f of FLAVOURS) {
        await refused(f, 'hardware.cpu', 'update', { spec: { count: 3, cores_per_socket: 2 } }, 'invalid_argument', /cores per socket 2 must divide the cpu count 3/);
        await refused(f, 'hardware.memory', 'update', { spec: { size_MiB: 255 } }, 'invalid_argument', /multiple of 4/);
        await refused(f, 'hardware.boot.device', 'set', { devices: [{ type: 'DISK', disks: ['2099'] }] }, 'not_found', /no disk 2099/);
      }
    });

    onQemu.it('off: disks, CD-ROMs, NICs, floppies, serial and parallel ports and controllers created, read, changed and removed in both flavours', async () => {
      // New disks are qcow2 on QEMU, sparse .vmdk files on the simulator.
      const ext = qemu ? 'qcow2' : 'vmdk';
      // Disks: a named new disk (REST) and an unnamed one (JSON-RPC), both qcow2 on QEMU.
      assert.equal(await ok('rest', 'hardware.disk', 'create', { spec: { new_vmdk: { name: 'data-r', capacity: 32 * MiB } } }), '2001');
      assert.equal(await ok('jsonrpc', 'hardware.disk', 'create', { spec: { new_vmdk: { capacity: 16 * MiB } } }), '2002');
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.disk', 'list'), [{ disk: '2000' }, { disk: '2001' }, { disk: '2002' }]);
        assert.deepEqual(await ok(f, 'hardware.disk', 'get', { disk: '2001' }), { label: 'Hard disk 2', type: 'SCSI', scsi: { bus: 0, unit: 1 }, backing: { type: 'VMDK_FILE', vmdk_file: `[hwq-ds] hwq/data-r.${ext}` }, capacity: 32 * MiB });
        assert.deepEqual(await ok(f, 'hardware.disk', 'get', { disk: '2002' }), { label: 'Hard disk 3', type: 'SCSI', scsi: { bus: 0, unit: 2 }, backing: { type: 'VMDK_FILE', vmdk_file: `[hwq-ds] hwq/hwq_1.${ext}` }, capacity: 16 * MiB });
      }
      // Re-pointed at each other's image and back, one flavour each way.
      await ok('jsonrpc', 'hardware.disk', 'delete', { disk: '2002' });
      await ok('rest', 'hardware.disk', 'update', { disk: '2001', spec: { backing: { type: 'VMDK_FILE', vmdk_file: `[hwq-ds] hwq/hwq_1.${ext}` } } });
      assert.equal((await ok('jsonrpc', 'hardware.disk', 'get', { disk: '2001' })).backing.vmdk_file, `[hwq-ds] hwq/hwq_1.${ext}`);
      await ok('jsonrpc', 'hardware.disk', 'update', { disk: '2001', spec: { backing: { type: 'VMDK_FILE', vmdk_file: `[hwq-ds] hwq/data-r.${ext}` } } });
      assert.deepEqual(await ok('rest', 'hardware.disk', 'get', { disk: '2001' }), { label: 'Hard disk 2', type: 'SCSI', scsi: { bus: 0, unit: 1 }, backing: { type: 'VMDK_FILE', vmdk_file: `[hwq-ds] hwq/data-r.${ext}` }, capacity: 32 * MiB });
      for (const f of FLAVOURS) await refused(f, 'hardware.disk', 'get', { disk: '2002' }, 'not_found');

      // CD-ROMs: an empty drive (REST) and one with an ISO (JSON-RPC).
      assert.equal(await ok('rest', 'hardware.cdrom', 'create', { spec: { type: 'IDE' } }), '3002');
      assert.equal(await ok('jsonrpc', 'hardware.cdrom', 'create', { spec: { type: 'IDE', backing: { type: 'ISO_FILE', iso_file: '[hwq-ds] other.iso' }, start_connected: true } }), '3003');
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.cdrom', 'list'), [{ cdrom: '3002' }, { cdrom: '3003' }]);
        assert.deepEqual(await ok(f, 'hardware.cdrom', 'get', { cdrom: '3003' }), {
          type: 'IDE', label: 'CD/DVD drive 2', ide: { primary: false, master: false }, backing: { type: 'ISO_FILE', iso_file: '[hwq-ds] other.iso' }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false,
        });
      }
      await ok('rest', 'hardware.cdrom', 'update', { cdrom: '3003', spec: { backing: { type: 'ISO_FILE', iso_file: '[hwq-ds] marker.iso' } } });
      assert.equal((await ok('jsonrpc', 'hardware.cdrom', 'get', { cdrom: '3003' })).backing.iso_file, '[hwq-ds] marker.iso');
      await ok('jsonrpc', 'hardware.cdrom', 'update', { cdrom: '3002', spec: { start_connected: false } });
      await ok('jsonrpc', 'hardware.cdrom', 'delete', { cdrom: '3003' });
      assert.deepEqual(await ok('rest', 'hardware.cdrom', 'list'), [{ cdrom: '3002' }]);

      // NICs on the isolated network: a given MAC (REST), a generated one (JSON-RPC).
      assert.equal(await ok('rest', 'hardware.ethernet', 'create', { spec: { type: 'E1000E', mac_type: 'MANUAL', mac_address: MAC, start_connected: true, backing: { type: 'STANDARD_PORTGROUP', network: 'isolated' } } }), '4000');
      assert.equal(await ok('jsonrpc', 'hardware.ethernet', 'create', { spec: { type: 'VMXNET3', start_connected: false, backing: { type: 'STANDARD_PORTGROUP', network: 'isolated' } } }), '4001');
      assert.equal(await ok('jsonrpc', 'hardware.ethernet', 'create', { spec: { type: 'E1000' } }), '4002');
      const generated = (await ok('rest', 'hardware.ethernet', 'get', { nic: '4001' })).mac_address as string;
      assert.match(generated, /^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.ethernet', 'list'), [{ nic: '4000' }, { nic: '4001' }, { nic: '4002' }]);
        assert.deepEqual(await ok(f, 'hardware.ethernet', 'get', { nic: '4000' }), {
          label: 'Network adapter 1', type: 'E1000E', mac_type: 'MANUAL', mac_address: MAC, wake_on_lan_enabled: false, backing: { type: 'STANDARD_PORTGROUP', network_name: 'isolated' }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false,
        });
        assert.deepEqual(await ok(f, 'hardware.ethernet', 'get', { nic: '4001' }), {
          label: 'Network adapter 2', type: 'VMXNET3', upt_compatibility_enabled: false, mac_type: 'ASSIGNED', mac_address: generated, wake_on_lan_enabled: false, backing: { type: 'STANDARD_PORTGROUP', network_name: 'isolated' }, state: 'NOT_CONNECTED', start_connected: false, allow_guest_control: false,
        });
      }
      await ok('rest', 'hardware.ethernet', 'update', { nic: '4001', spec: { start_connected: true } });
      assert.equal((await ok('jsonrpc', 'hardware.ethernet', 'get', { nic: '4001' })).start_connected, true);
      await ok('jsonrpc', 'hardware.ethernet', 'update', { nic: '4002', spec: { backing: { type: 'STANDARD_PORTGROUP', network: 'isolated' } } });
      assert.deepEqual((await ok('rest', 'hardware.ethernet', 'get', { nic: '4002' })).backing, { type: 'STANDARD_PORTGROUP', network_name: 'isolated' });
      await ok('jsonrpc', 'hardware.ethernet', 'delete', { nic: '4002' });
      // A MAC another NIC has is refused in both flavours.
      for (const f of FLAVOURS) await refused(f, 'hardware.ethernet', 'create', { spec: { mac_type: 'MANUAL', mac_address: MAC } }, 'already_exists', /MAC address 00:50:56:3a:7e:21 is already used/);

      // Floppy drives: two images.
      assert.equal(await ok('rest', 'hardware.floppy', 'create', { spec: { backing: { type: 'IMAGE_FILE', image_file: '[hwq-ds] a.flp' }, start_connected: true } }), '8000');
      assert.equal(await ok('jsonrpc', 'hardware.floppy', 'create', { spec: { backing: { type: 'IMAGE_FILE', image_file: '[hwq-ds] b.flp' } } }), '8001');
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.floppy', 'list'), [{ floppy: '8000' }, { floppy: '8001' }]);
        assert.deepEqual(await ok(f, 'hardware.floppy', 'get', { floppy: '8000' }), { label: 'Floppy drive 1', backing: { type: 'IMAGE_FILE', image_file: '[hwq-ds] a.flp' }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false });
      }
      await ok('rest', 'hardware.floppy', 'update', { floppy: '8001', spec: { start_connected: false } });
      await ok('jsonrpc', 'hardware.floppy', 'update', { floppy: '8000', spec: { backing: { type: 'IMAGE_FILE', image_file: '[hwq-ds] b.flp' } } });
      assert.equal((await ok('rest', 'hardware.floppy', 'get', { floppy: '8000' })).backing.image_file, '[hwq-ds] b.flp');
      await ok('jsonrpc', 'hardware.floppy', 'delete', { floppy: '8001' });

      // Serial ports: a file and a TCP server on loopback.
      const tcp = await freePort();
      assert.equal(await ok('rest', 'hardware.serial', 'create', { spec: { backing: { type: 'FILE', file: '[hwq-ds] com2.log' }, start_connected: true } }), '9000');
      assert.equal(await ok('jsonrpc', 'hardware.serial', 'create', { spec: { backing: { type: 'NETWORK_SERVER', network_location: `tcp://127.0.0.1:${tcp}` }, start_connected: true } }), '9001');
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.serial', 'list'), [{ port: '9000' }, { port: '9001' }]);
        assert.deepEqual(await ok(f, 'hardware.serial', 'get', { port: '9001' }), { label: 'Serial port 2', yield_on_poll: false, backing: { type: 'NETWORK_SERVER', network_location: `tcp://127.0.0.1:${tcp}` }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false });
      }
      await ok('rest', 'hardware.serial', 'update', { port: '9001', spec: { backing: { type: 'NETWORK_SERVER', network_location: `tcp://127.0.0.1:${tcp + 1}` } } });
      assert.equal((await ok('jsonrpc', 'hardware.serial', 'get', { port: '9001' })).backing.network_location, `tcp://127.0.0.1:${tcp + 1}`);
      await ok('jsonrpc', 'hardware.serial', 'update', { port: '9000', spec: { start_connected: true } });
      await ok('jsonrpc', 'hardware.serial', 'delete', { port: '9001' });

      // Parallel ports: files.
      assert.equal(await ok('rest', 'hardware.parallel', 'create', { spec: { backing: { type: 'FILE', file: '[hwq-ds] lpt1.out' }, start_connected: true } }), '10000');
      assert.equal(await ok('jsonrpc', 'hardware.parallel', 'create', { spec: { backing: { type: 'FILE', file: '[hwq-ds] lpt2.out' } } }), '10001');
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.parallel', 'list'), [{ port: '10000' }, { port: '10001' }]);
        assert.deepEqual(await ok(f, 'hardware.parallel', 'get', { port: '10000' }), { label: 'Parallel port 1', backing: { type: 'FILE', file: '[hwq-ds] lpt1.out' }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false });
      }
      await ok('rest', 'hardware.parallel', 'update', { port: '10001', spec: { start_connected: true } });
      await ok('jsonrpc', 'hardware.parallel', 'update', { port: '10000', spec: { backing: { type: 'FILE', file: '[hwq-ds] lpt3.out' } } });
      assert.equal((await ok('rest', 'hardware.parallel', 'get', { port: '10000' })).backing.file, '[hwq-ds] lpt3.out');
      await ok('jsonrpc', 'hardware.parallel', 'delete', { port: '10001' });

      // Controllers: SCSI (PVSCSI stays and boots with the VM), SATA and NVMe.
      assert.equal(await ok('rest', 'hardware.adapter.scsi', 'create', { spec: { type: 'PVSCSI' } }), '1001');
      assert.equal(await ok('jsonrpc', 'hardware.adapter.scsi', 'create', { spec: { type: 'LSILOGICSAS' } }), '1002');
      for (const f of FLAVOURS) {
        // QEMU has no BusLogic (the simulator keeps any model).
        if (qemu) await refused(f, 'hardware.adapter.scsi', 'create', { spec: { type: 'BUSLOGIC' } }, 'unsupported', /buslogic/i);
        assert.deepEqual(await ok(f, 'hardware.adapter.scsi', 'list'), [{ adapter: '1000' }, { adapter: '1001' }, { adapter: '1002' }]);
        assert.deepEqual(await ok(f, 'hardware.adapter.scsi', 'get', { adapter: '1001' }), { label: 'SCSI controller 1', type: 'PVSCSI', scsi: { bus: 1, unit: 7 }, sharing: 'NONE' });
        await ok(f, 'hardware.adapter.scsi', 'update', { adapter: '1001', spec: { sharing: 'NONE' } });
        await refused(f, 'hardware.adapter.scsi', 'update', { adapter: '1001', spec: { sharing: 'PHYSICAL' } }, 'unsupported');
      }
      await ok('jsonrpc', 'hardware.adapter.scsi', 'delete', { adapter: '1002' });
      assert.equal(await ok('rest', 'hardware.adapter.sata', 'create', { spec: {} }), '15000');
      assert.equal(await ok('jsonrpc', 'hardware.adapter.sata', 'create', { spec: { bus: 1 } }), '15001');
      assert.equal(await ok('rest', 'hardware.adapter.nvme', 'create', { spec: {} }), '20000');
      assert.equal(await ok('jsonrpc', 'hardware.adapter.nvme', 'create', { spec: { bus: 1 } }), '20001');
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.adapter.sata', 'list'), [{ adapter: '15000' }, { adapter: '15001' }]);
        assert.deepEqual(await ok(f, 'hardware.adapter.sata', 'get', { adapter: '15001' }), { label: 'SATA controller 1', type: 'AHCI', bus: 1 });
        assert.deepEqual(await ok(f, 'hardware.adapter.nvme', 'list'), [{ adapter: '20000' }, { adapter: '20001' }]);
        assert.deepEqual(await ok(f, 'hardware.adapter.nvme', 'get', { adapter: '20001' }), { label: 'NVME controller 1', bus: 1 });
      }
      await ok('rest', 'hardware.adapter.sata', 'delete', { adapter: '15000' });
      await ok('jsonrpc', 'hardware.adapter.sata', 'delete', { adapter: '15001' });
      await ok('rest', 'hardware.adapter.nvme', 'delete', { adapter: '20000' });
      await ok('jsonrpc', 'hardware.adapter.nvme', 'delete', { adapter: '20001' });
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.adapter.sata', 'list'), []);
        assert.deepEqual(await ok(f, 'hardware.adapter.nvme', 'list'), []);
      }

      const text = (await vmx()).split('\n');
      for (const line of [`scsi0:1.fileName = "data-r.${ext}"`, 'ide1:0.present = "TRUE"', `ethernet0.address = "${MAC}"`, 'ethernet1.virtualDev = "vmxnet3"', 'floppy0.fileType = "file"', 'serial0.fileType = "file"', 'parallel0.fileType = "file"', 'scsi1.virtualDev = "pvscsi"']) {
        assert.ok(text.includes(line), `${line} in the .vmx`);
      }
      assert.ok(!text.some((l) => /^(ethernet2|floppy1|serial1|parallel1|scsi2|sata\d|nvme\d)\./.test(l)), 'removed devices leave the .vmx');
    });

    onQemu.it('on: tools run, NICs and CD-ROMs change hot (as the hypervisor reports), the rest is not_allowed_in_current_state, a console ticket opens the console once', async (t) => {
      for (const f of FLAVOURS) assert.deepEqual(await ok(f, 'tools', 'get'), { auto_update_supported: false, upgrade_policy: 'MANUAL', run_state: 'NOT_RUNNING' });
      for (const f of FLAVOURS) await refused(f, 'console.tickets', 'create', { spec: { type: 'WEBMKS' } }, 'not_allowed_in_current_state', /powered off/);
      assert.equal((await bed.s.request('POST', `/api/vcenter/vm/${vm}/power?action=start`, { headers: { 'vmware-api-session-id': token } })).status, 204);
      try {
        await whileOn(t);
      } finally {
        assert.equal((await bed.s.request('POST', `/api/vcenter/vm/${vm}/power?action=stop`, { headers: { 'vmware-api-session-id': token } })).status, 204);
      }
    });

    async function whileOn(t: { diagnostic(text: string): void }): Promise<void> {
      await until('guest tools', 600_000, async () => ((await ok('rest', 'tools', 'get')).run_state === 'RUNNING' ? true : undefined));
      t.diagnostic('tools up');
      for (const f of FLAVOURS) {
        // The simulator plays open-vm-tools; on QEMU the guest agent stands in for them.
        assert.deepEqual(await ok(f, 'tools', 'get'), { auto_update_supported: false, upgrade_policy: 'MANUAL', run_state: 'RUNNING', version_status: 'UNMANAGED', install_type: qemu ? 'UNKNOWN' : 'OPEN_VM_TOOLS' });
      }

      // NICs: QEMU's link follows; the state is what the API reports.
      for (const f of FLAVOURS) {
        await ok(f, 'hardware.ethernet', 'disconnect', { nic: '4000' });
        assert.equal((await ok(PEER(f), 'hardware.ethernet', 'get', { nic: '4000' })).state, 'NOT_CONNECTED');
        await refused(f, 'hardware.ethernet', 'disconnect', { nic: '4000' }, 'already_in_desired_state');
        await ok(f, 'hardware.ethernet', 'connect', { nic: '4000' });
        assert.equal((await ok(PEER(f), 'hardware.ethernet', 'get', { nic: '4000' })).state, 'CONNECTED');
        await refused(f, 'hardware.ethernet', 'connect', { nic: '4000' }, 'already_in_desired_state');
      }

      // CD-ROM: an ISO into the running guest's empty drive, ejected and inserted again.
      const iso = join(ds, 'marker.iso');
      assert.equal((await media())['ide1:0'], null);
      await ok('rest', 'hardware.cdrom', 'update', { cdrom: '3002', spec: { backing: { type: 'ISO_FILE', iso_file: '[hwq-ds] marker.iso' } } });
      assert.equal((await media())['ide1:0'], null, 'a disconnected drive gets no medium');
      for (const f of FLAVOURS) {
        await ok(f, 'hardware.cdrom', 'connect', { cdrom: '3002' });
        assert.equal((await media())['ide1:0'], iso);
        assert.equal((await ok(PEER(f), 'hardware.cdrom', 'get', { cdrom: '3002' })).state, 'CONNECTED');
        await refused(f, 'hardware.cdrom', 'update', { cdrom: '3002', spec: { backing: { type: 'ISO_FILE', iso_file: '[hwq-ds] other.iso' } } }, 'not_allowed_in_current_state', /disconnect it first/);
        await ok(f, 'hardware.cdrom', 'disconnect', { cdrom: '3002' });
        assert.equal((await media())['ide1:0'], null);
        assert.equal((await ok(PEER(f), 'hardware.cdrom', 'get', { cdrom: '3002' })).state, 'NOT_CONNECTED');
      }
      await ok('jsonrpc', 'hardware.cdrom', 'update', { cdrom: '3002', spec: { backing: { type: 'ISO_FILE', iso_file: '[hwq-ds] other.iso' } } });

      // QEMU connects only NICs while running (the simulator any device); everything else waits for power off.
      for (const f of FLAVOURS) {
        for (const [svc, key, id] of [['floppy', 'floppy', '8000'], ['serial', 'port', '9000'], ['parallel', 'port', '10000']] as const) {
          if (qemu) {
            await refused(f, `hardware.${svc}`, 'disconnect', { [key]: id }, 'unsupported', /only network adapters/);
          } else {
            await ok(f, `hardware.${svc}`, 'disconnect', { [key]: id });
            assert.equal((await ok(PEER(f), `hardware.${svc}`, 'get', { [key]: id })).state, 'NOT_CONNECTED');
            await ok(f, `hardware.${svc}`, 'connect', { [key]: id });
            assert.equal((await ok(PEER(f), `hardware.${svc}`, 'get', { [key]: id })).state, 'CONNECTED');
          }
          await refused(f, `hardware.${svc}`, 'connect', { [key]: id }, 'already_in_desired_state');
        }
        const running = 'not_allowed_in_current_state';
        await refused(f, 'hardware.cpu', 'update', { spec: { count: 2 } }, running);
        await refused(f, 'hardware.memory', 'update', { spec: { size_MiB: 512 } }, running);
        await refused(f, 'hardware.boot', 'update', { spec: { type: 'EFI' } }, running);
        await refused(f, 'hardware.disk', 'create', { spec: { new_vmdk: { capacity: 8 * MiB } } }, running, /power it off first/);
        await refused(f, 'hardware.disk', 'delete', { disk: '2001' }, running);
        await refused(f, 'hardware.cdrom', 'create', { spec: {} }, running);
        await refused(f, 'hardware.cdrom', 'delete', { cdrom: '3002' }, running);
        await refused(f, 'hardware.ethernet', 'create', { spec: {} }, running, /power it off first/);
        // vCenter hot-removes NICs (7.0.3 declares no such error); QEMU's NICs stay until power off.
        await refused(f, 'hardware.ethernet', 'delete', { nic: '4001' }, running, /power it off first/, true);
        await refused(f, 'hardware.floppy', 'create', { spec: {} }, running);
        await refused(f, 'hardware.serial', 'create', { spec: { backing: { type: 'FILE', file: '[hwq-ds] x.log' } } }, running);
        await refused(f, 'hardware.parallel', 'create', { spec: { backing: { type: 'FILE', file: '[hwq-ds] x.out' } } }, running);
        await refused(f, 'hardware.adapter.scsi', 'create', { spec: {} }, running);
        await refused(f, 'hardware.adapter.sata', 'create', { spec: {} }, running);
        await refused(f, 'hardware.adapter.nvme', 'create', { spec: {} }, running);
      }

      // A console ticket per flavour: the VM's VNC console (QEMU's, or the simulator's) through vmgate's proxy, once.
      for (const f of FLAVOURS) {
        const url = (await ok(f, 'console.tickets', 'create', { spec: { type: 'WEBMKS' } })).ticket as string;
        assert.equal(Number(WSS_TICKET.exec(url)?.[1]), bed.s.port, url);
        const rfb = await wsRfbSession(url, bed.s.ca);
        assert.equal(rfb.name, qemu ? 'QEMU (hwq)' : 'hwq');
        const again = await wsRfbSession(url, bed.s.ca).then(
          () => null,
          (e: unknown) => e,
        );
        assert.ok(again instanceof UpgradeRefused, String(again));
        assert.equal(again.status, 401);
      }
    }

    onQemu.it('off again: what was kept is removed in REST; every operation ran in both flavours', async () => {
      await ok('rest', 'hardware.disk', 'delete', { disk: '2001' });
      await ok('rest', 'hardware.cdrom', 'delete', { cdrom: '3002' });
      await ok('rest', 'hardware.ethernet', 'delete', { nic: '4000' });
      await ok('rest', 'hardware.ethernet', 'delete', { nic: '4001' });
      await ok('rest', 'hardware.floppy', 'delete', { floppy: '8000' });
      await ok('rest', 'hardware.serial', 'delete', { port: '9000' });
      await ok('rest', 'hardware.parallel', 'delete', { port: '10000' });
      await ok('rest', 'hardware.adapter.scsi', 'delete', { adapter: '1001' });
      for (const f of FLAVOURS) {
        assert.deepEqual(await ok(f, 'hardware.disk', 'list'), [{ disk: '2000' }]);
        assert.deepEqual(await ok(f, 'hardware.cdrom', 'list'), []);
        assert.deepEqual(await ok(f, 'hardware.ethernet', 'list'), []);
        assert.deepEqual(await ok(f, 'hardware.floppy', 'list'), []);
        assert.deepEqual(await ok(f, 'hardware.serial', 'list'), []);
        assert.deepEqual(await ok(f, 'hardware.parallel', 'list'), []);
        assert.deepEqual(await ok(f, 'hardware.adapter.scsi', 'list'), [{ adapter: '1000' }]);
      }
      const missing = OPERATIONS.flatMap((op) => FLAVOURS.map((f) => `${f} ${op}`)).filter((x) => !called.has(x));
      assert.deepEqual(missing, []);
    });
  });
}

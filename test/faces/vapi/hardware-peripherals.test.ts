import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { validateResponse } from '../../support/spec-validator.ts';
import { restChecked, rpcInvoke } from '../../support/vapi-call.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/**
 * com.vmware.vcenter.vm.hardware.{ethernet, floppy, serial, parallel, adapter.scsi,
 * adapter.sata, adapter.nvme} and com.vmware.vcenter.vm.tools on the sim driver, over both
 * flavours against a real server (demo inventory: standalone host-3 sees LocalDS_1). Every
 * REST body is checked against the vSphere 7.0.3 spec; the .vmx is read after each change.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const basic = (user: string, pw: string) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');

describe('vAPI vm.hardware devices and vm.tools (sim, real HTTPS)', () => {
  let s: TestServer;
  let token: string;
  let viewer: string;
  let vm: string;
  const ds = (...rel: string[]) => join(s.dataDir, 'datastores', 'LocalDS_1', ...rel);
  const vmx = () => readFileSync(ds('hw01', 'hw01.vmx'), 'utf8');
  const key = (name: string) => new RegExp(`^${name.replace(/[.]/g, '\\.')} = "([^"]*)"$`, 'm').exec(vmx())?.[1];

  const rest = (method: string, template: string, path: string, body?: unknown, tok = token) => restChecked(s, tok, method, template, path, body);

  const rpc = (serviceId: string, operationId: string, input: Record<string, unknown> = {}, tok = token) => rpcInvoke(s, tok, serviceId, operationId, input);

  async function power(action: 'start' | 'stop'): Promise<void> {
    assert.equal((await rest('POST', `/api/vcenter/vm/{vm}/power?action=${action}`, `/api/vcenter/vm/${vm}/power?action=${action}`)).status, 204);
  }

  const E = 'com.vmware.vcenter.vm.hardware.ethernet';
  const NIC = '/api/vcenter/vm/{vm}/hardware/ethernet';

  before(async () => {
    s = await startTestServer();
    token = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('administrator', ADMIN_PASSWORD) } })).body) as string;
    const core = s.server.core;
    const { user } = await core.identity.createUser(SYSTEM_CALLER, { name: 'viewer', password: 'viewer-password-1' });
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    viewer = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('viewer', 'viewer-password-1') } })).body) as string;
    const r = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { guest_OS: 'OTHER_LINUX_64', name: 'hw01', placement: { host: 'host-3' } });
    assert.equal(r.status, 201);
    vm = r.body as string;
  });
  after(async () => s.close());

  it('ethernet: create with a given MAC on the isolated network (REST) and a generated one (JSON-RPC), list, get, .vmx', async () => {
    assert.deepEqual((await rest('GET', NIC, `/api/vcenter/vm/${vm}/hardware/ethernet`)).body, []);
    const a = await rest('POST', NIC, `/api/vcenter/vm/${vm}/hardware/ethernet`, {
      type: 'E1000E',
      mac_type: 'MANUAL',
      mac_address: '00:50:56:3A:00:01',
      start_connected: true,
      backing: { type: 'STANDARD_PORTGROUP', network: 'isolated' },
    });
    assert.deepEqual(a, { status: 201, body: '4000' });
    const b = await rpc(E, 'create', { vm, spec: { type: 'VMXNET3', backing: { type: 'STANDARD_PORTGROUP', network: 'network-1' } } });
    assert.equal(b.output, '4001');
    assert.deepEqual((await rest('GET', NIC, `/api/vcenter/vm/${vm}/hardware/ethernet`)).body, [{ nic: '4000' }, { nic: '4001' }]);
    assert.deepEqual((await rpc(E, 'list', { vm })).output, [{ nic: '4000' }, { nic: '4001' }]);

    const got = await rest('GET', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/4000`);
    assert.deepEqual(got.body, {
      label: 'Network adapter 1',
      type: 'E1000E',
      mac_type: 'MANUAL',
      mac_address: '00:50:56:3a:00:01',
      wake_on_lan_enabled: false,
      backing: { type: 'STANDARD_PORTGROUP', network_name: 'isolated' },
      state: 'NOT_CONNECTED',
      start_connected: true,
      allow_guest_control: false,
    });
    const second = (await rpc(E, 'get', { vm, nic: '4001' })).output;
    assert.match(second.mac_address, /^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    assert.deepEqual(second, {
      label: 'Network adapter 2',
      type: 'VMXNET3',
      upt_compatibility_enabled: false,
      mac_type: 'ASSIGNED',
      mac_address: second.mac_address,
      wake_on_lan_enabled: false,
      backing: { type: 'STANDARD_PORTGROUP', network: 'network-1', network_name: 'VM Network' },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: false,
    });

    assert.equal(key('ethernet0.present'), 'TRUE');
    assert.equal(key('ethernet0.virtualDev'), 'e1000e');
    assert.equal(key('ethernet0.networkName'), 'isolated');
    assert.equal(key('ethernet0.addressType'), 'static');
    assert.equal(key('ethernet0.address'), '00:50:56:3a:00:01');
    assert.equal(key('ethernet0.generatedAddress'), undefined);
    assert.equal(key('ethernet1.virtualDev'), 'vmxnet3');
    assert.equal(key('ethernet1.addressType'), 'generated');
    assert.equal(key('ethernet1.generatedAddress'), second.mac_address);
    assert.equal(key('ethernet1.startConnected'), 'FALSE');
  });

  it('ethernet: bad input is refused in the vAPI vocabulary and nothing changes', async () => {
    const before = vmx();
    const other = (await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { guest_OS: 'OTHER_LINUX_64', name: 'hw02', placement: { host: 'host-3' } })).body as string;
    // The MAC of hw01's first NIC, any case: already_exists.
    const dup = await rest('POST', NIC, `/api/vcenter/vm/${other}/hardware/ethernet`, { mac_type: 'MANUAL', mac_address: '00:50:56:3a:00:01' });
    assert.equal(dup.status, 400);
    assert.equal(dup.body.error_type, 'ALREADY_EXISTS');
    assert.match(dup.body.messages[0].default_message, /MAC address 00:50:56:3a:00:01 is already used/);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ mac_type: 'MANUAL', mac_address: 'zz:00:00:00:00:01' }, 'invalid_argument', /is not like "00:50:56:12:34:56"/],
      [{ mac_type: 'MANUAL', mac_address: '01:00:5e:00:00:01' }, 'invalid_argument', /multicast/],
      [{ mac_type: 'MANUAL' }, 'invalid_argument', /mac_address is required when mac_type is MANUAL/],
      [{ mac_type: 'GENERATED', mac_address: '00:50:56:3a:00:09' }, 'invalid_argument', /only be set when mac_type is MANUAL/],
      [{ type: 'PCNET32' }, 'unsupported', /vmgate emulates E1000, E1000E, VMXNET3 and VIRTIO/],
      [{ wake_on_lan_enabled: true }, 'unsupported', /wake_on_lan_enabled is not supported/],
      [{ allow_guest_control: true }, 'unsupported', /allow_guest_control is not supported/],
      [{ backing: { type: 'DISTRIBUTED_PORTGROUP' } }, 'unsupported', /backing\.type DISTRIBUTED_PORTGROUP/],
      [{ backing: { type: 'STANDARD_PORTGROUP', network: 'network-77' } }, 'not_found', /network 'network-77' was not found/],
      [{ backing: { type: 'STANDARD_PORTGROUP', network: 'bridge:no/slash' } }, 'invalid_argument', /not a Linux bridge name/],
    ];
    for (const [spec, kind, text] of cases) {
      const r = await rpc(E, 'create', { vm, spec });
      assert.equal(r.error, kind, JSON.stringify(spec));
      assert.match(r.message!, text);
    }
    // A wrong JSON type for a field: the codec's invalid_argument, over REST.
    const wrongType = await rest('POST', NIC, `/api/vcenter/vm/${vm}/hardware/ethernet`, { start_connected: 'yes' });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error_type, 'INVALID_ARGUMENT');
    // Unknown VM and unknown NIC keys.
    assert.equal((await rest('GET', NIC, '/api/vcenter/vm/vm-9999/hardware/ethernet')).status, 404);
    for (const nic of ['4009', 'abc', '3999']) {
      const r = await rest('GET', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/${nic}`);
      assert.equal(r.status, 404, nic);
      assert.match(r.body.messages[0].default_message, new RegExp(`has no network adapter '${nic}'`));
    }
    // A read-only user sees the NICs but changes nothing.
    assert.equal((await rest('GET', NIC, `/api/vcenter/vm/${vm}/hardware/ethernet`, undefined, viewer)).status, 200);
    assert.equal((await rpc(E, 'create', { vm, spec: {} }, viewer)).error, 'unauthorized');
    assert.equal((await rpc(E, 'delete', { vm, nic: '4000' }, viewer)).error, 'unauthorized');
    assert.equal((await rest('DELETE', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/4000`, undefined, viewer)).status, 403);
    assert.equal(vmx(), before, 'the .vmx is unchanged');
    assert.deepEqual((await rpc(E, 'list', { vm })).output, [{ nic: '4000' }, { nic: '4001' }]);
  });

  it('ethernet: update MAC type, network and start_connected; connect/disconnect only while on; delete', async () => {
    assert.equal((await rest('PATCH', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/4000`, { mac_type: 'GENERATED', start_connected: false, backing: { type: 'STANDARD_PORTGROUP' } })).status, 204);
    const nic0 = (await rest('GET', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/4000`)).body;
    assert.equal(nic0.mac_type, 'ASSIGNED');
    assert.notEqual(nic0.mac_address, '00:50:56:3a:00:01');
    assert.equal(nic0.start_connected, false);
    assert.deepEqual(nic0.backing, { type: 'STANDARD_PORTGROUP', network: 'network-1', network_name: 'VM Network' });
    assert.equal(key('ethernet0.addressType'), 'generated');
    assert.equal(key('ethernet0.generatedAddress'), nic0.mac_address);
    assert.equal(key('ethernet0.address'), undefined);
    assert.equal(key('ethernet0.networkName'), 'VM Network');
    // The freed MAC can be given again.
    assert.equal((await rpc(E, 'update', { vm, nic: '4001', spec: { mac_type: 'MANUAL', mac_address: '00:50:56:3a:00:01' } })).error, undefined);
    assert.equal(key('ethernet1.address'), '00:50:56:3a:00:01');

    const off = await rpc(E, 'connect', { vm, nic: '4001' });
    assert.equal(off.error, 'not_allowed_in_current_state');
    assert.match(off.message!, /cannot connect ethernet1 of vm-\d+ \(hw01\) while it is powered off/);
    await power('start');
    try {
      assert.equal((await rest('POST', `${NIC}/{nic}?action=connect`, `/api/vcenter/vm/${vm}/hardware/ethernet/4001?action=connect`)).status, 204);
      assert.equal((await rest('GET', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/4001`)).body.state, 'CONNECTED');
      assert.equal((await rpc(E, 'connect', { vm, nic: '4001' })).error, 'already_in_desired_state');
      assert.equal((await rpc(E, 'disconnect', { vm, nic: '4001' })).error, undefined);
      assert.equal((await rest('GET', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/4001`)).body.state, 'NOT_CONNECTED');
      assert.equal(key('ethernet1.startConnected'), 'FALSE');
      const busy = await rpc(E, 'create', { vm, spec: {} });
      assert.equal(busy.error, 'not_allowed_in_current_state');
      assert.match(busy.message!, /power it off first/);
      assert.equal((await rpc(E, 'delete', { vm, nic: '4000' })).error, 'not_allowed_in_current_state');
    } finally {
      await power('stop');
    }
    assert.equal((await rest('DELETE', `${NIC}/{nic}`, `/api/vcenter/vm/${vm}/hardware/ethernet/4000`)).status, 204);
    assert.deepEqual((await rpc(E, 'list', { vm })).output, [{ nic: '4001' }]);
    assert.equal(key('ethernet0.present'), undefined);
    assert.equal((await rpc(E, 'get', { vm, nic: '4000' })).error, 'not_found');
    // The next NIC takes the free slot.
    assert.equal((await rpc(E, 'create', { vm, spec: { type: 'E1000' } })).output, '4000');
  });

  it('floppy: image file and empty drive, update, delete; client devices are unsupported', async () => {
    const F = '/api/vcenter/vm/{vm}/hardware/floppy';
    const c = await rest('POST', F, `/api/vcenter/vm/${vm}/hardware/floppy`, { backing: { type: 'IMAGE_FILE', image_file: '[LocalDS_1] images/boot.flp' }, start_connected: true });
    assert.deepEqual(c, { status: 201, body: '8000' });
    assert.deepEqual((await rest('GET', `${F}/{floppy}`, `/api/vcenter/vm/${vm}/hardware/floppy/8000`)).body, {
      label: 'Floppy drive 1',
      backing: { type: 'IMAGE_FILE', image_file: '[LocalDS_1] images/boot.flp' },
      state: 'NOT_CONNECTED',
      start_connected: true,
      allow_guest_control: false,
    });
    assert.equal(key('floppy0.present'), 'TRUE');
    assert.equal(key('floppy0.fileType'), 'file');
    assert.equal(key('floppy0.fileName'), ds('images', 'boot.flp'));
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.floppy', 'create', { vm, spec: {} })).output, '8001');
    assert.deepEqual((await rest('GET', F, `/api/vcenter/vm/${vm}/hardware/floppy`)).body, [{ floppy: '8000' }, { floppy: '8001' }]);
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.floppy', 'get', { vm, floppy: '8001' })).output, {
      label: 'Floppy drive 2',
      backing: { type: 'HOST_DEVICE', auto_detect: true },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: false,
    });
    const third = await rpc('com.vmware.vcenter.vm.hardware.floppy', 'create', { vm, spec: {} });
    assert.equal(third.error, 'invalid_argument');
    assert.match(third.message!, /already has 2 floppy drives/);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.floppy', 'create', { vm, spec: { backing: { type: 'CLIENT_DEVICE' } } })).error, 'unsupported');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.floppy', 'create', { vm, spec: { backing: { type: 'IMAGE_FILE', image_file: '[LocalDS_1] ../../etc/passwd' } } })).error, 'invalid_argument');
    assert.equal((await rest('PATCH', `${F}/{floppy}`, `/api/vcenter/vm/${vm}/hardware/floppy/8000`, { backing: { type: 'HOST_DEVICE' } })).status, 204);
    assert.equal(key('floppy0.fileType'), 'device');
    assert.equal(key('floppy0.fileName'), undefined);
    assert.equal((await rest('DELETE', `${F}/{floppy}`, `/api/vcenter/vm/${vm}/hardware/floppy/8001`)).status, 204);
    assert.equal(key('floppy1.present'), undefined);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.floppy', 'disconnect', { vm, floppy: '8000' })).error, 'not_allowed_in_current_state');
  });

  it('serial: a file and a TCP server on loopback; other backings are unsupported; connect while on', async () => {
    const P = '/api/vcenter/vm/{vm}/hardware/serial';
    const S = 'com.vmware.vcenter.vm.hardware.serial';
    assert.deepEqual(await rest('POST', P, `/api/vcenter/vm/${vm}/hardware/serial`, { backing: { type: 'FILE', file: '[LocalDS_1] hw01/com2.log' }, start_connected: true }), { status: 201, body: '9000' });
    assert.equal((await rpc(S, 'create', { vm, spec: { backing: { type: 'NETWORK_SERVER', network_location: 'tcp://127.0.0.1:47001' } } })).output, '9001');
    assert.deepEqual((await rest('GET', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/serial/9000`)).body, {
      label: 'Serial port 1',
      yield_on_poll: false,
      backing: { type: 'FILE', file: '[LocalDS_1] hw01/com2.log' },
      state: 'NOT_CONNECTED',
      start_connected: true,
      allow_guest_control: false,
    });
    assert.deepEqual((await rest('GET', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/serial/9001`)).body, {
      label: 'Serial port 2',
      yield_on_poll: false,
      backing: { type: 'NETWORK_SERVER', network_location: 'tcp://127.0.0.1:47001' },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: false,
    });
    assert.equal(key('serial0.fileType'), 'file');
    assert.equal(key('serial0.fileName'), ds('hw01', 'com2.log'));
    assert.equal(key('serial1.fileType'), 'network');
    assert.equal(key('serial1.fileName'), 'tcp://127.0.0.1:47001');
    assert.equal(key('serial1.network.endPoint'), 'server');
    const refused: [Record<string, unknown>, string, RegExp][] = [
      [{ backing: { type: 'NETWORK_SERVER', network_location: 'tcp://10.0.0.1:47002' } }, 'unsupported', /on loopback only/],
      [{ backing: { type: 'NETWORK_CLIENT', network_location: 'tcp://127.0.0.1:47002' } }, 'unsupported', /backing\.type NETWORK_CLIENT/],
      [{ backing: { type: 'PIPE_SERVER', pipe: '\\\\.\\pipe\\com' } }, 'unsupported', /backing\.type PIPE_SERVER/],
      [{ backing: { type: 'NETWORK_SERVER', network_location: 'tcp://127.0.0.1:80' } }, 'invalid_argument', /TCP port 80 is out of range/],
      [{ backing: { type: 'FILE' } }, 'invalid_argument', /backing\.file is required/],
      [{}, 'invalid_argument', /spec\.backing is required/],
      [{ yield_on_poll: true, backing: { type: 'FILE', file: '[LocalDS_1] x.log' } }, 'unsupported', /yield_on_poll/],
    ];
    for (const [spec, kind, text] of refused) {
      const r = await rpc(S, 'create', { vm, spec });
      assert.equal(r.error, kind, JSON.stringify(spec));
      assert.match(r.message!, text);
    }
    assert.equal((await rest('PATCH', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/serial/9001`, { backing: { type: 'NETWORK_SERVER', network_location: 'tcp://:47003' }, start_connected: true })).status, 204);
    assert.equal(key('serial1.fileName'), 'tcp://127.0.0.1:47003');
    assert.equal(key('serial1.startConnected'), 'TRUE');
    await power('start');
    try {
      assert.equal((await rest('GET', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/serial/9001`)).body.state, 'CONNECTED');
      assert.equal((await rest('POST', `${P}/{port}?action=disconnect`, `/api/vcenter/vm/${vm}/hardware/serial/9001?action=disconnect`)).status, 204);
      assert.equal((await rpc(S, 'get', { vm, port: '9001' })).output.state, 'NOT_CONNECTED');
      assert.equal((await rpc(S, 'connect', { vm, port: '9001' })).error, undefined);
    } finally {
      await power('stop');
    }
    assert.equal((await rest('DELETE', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/serial/9000`)).status, 204);
    assert.deepEqual((await rest('GET', P, `/api/vcenter/vm/${vm}/hardware/serial`)).body, [{ port: '9001' }]);
  });

  it('parallel: a file; host devices are unsupported', async () => {
    const P = '/api/vcenter/vm/{vm}/hardware/parallel';
    assert.deepEqual(await rest('POST', P, `/api/vcenter/vm/${vm}/hardware/parallel`, { backing: { type: 'FILE', file: '[LocalDS_1] hw01/lpt1.out' } }), { status: 201, body: '10000' });
    assert.deepEqual((await rest('GET', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/parallel/10000`)).body, {
      label: 'Parallel port 1',
      backing: { type: 'FILE', file: '[LocalDS_1] hw01/lpt1.out' },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: false,
    });
    assert.equal(key('parallel0.fileType'), 'file');
    assert.equal(key('parallel0.startConnected'), 'FALSE');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.parallel', 'create', { vm, spec: { backing: { type: 'HOST_DEVICE' } } })).error, 'unsupported');
    assert.equal((await rest('PATCH', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/parallel/10000`, { start_connected: true })).status, 204);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.parallel', 'get', { vm, port: '10000' })).output.start_connected, true);
    assert.equal((await rest('DELETE', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/parallel/10000`)).status, 204);
    assert.equal((await rest('GET', `${P}/{port}`, `/api/vcenter/vm/${vm}/hardware/parallel/10000`)).status, 404);
  });

  it('adapters: the disk\'s SCSI controller is listed; SCSI, SATA and NVMe controllers are added and removed', async () => {
    const SC = '/api/vcenter/vm/{vm}/hardware/adapter/scsi';
    assert.deepEqual((await rest('GET', SC, `/api/vcenter/vm/${vm}/hardware/adapter/scsi`)).body, [{ adapter: '1000' }]);
    assert.deepEqual((await rest('GET', `${SC}/{adapter}`, `/api/vcenter/vm/${vm}/hardware/adapter/scsi/1000`)).body, { label: 'SCSI controller 0', type: 'LSILOGIC', scsi: { bus: 0, unit: 7 }, sharing: 'NONE' });
    assert.deepEqual(await rest('POST', SC, `/api/vcenter/vm/${vm}/hardware/adapter/scsi`, { type: 'PVSCSI' }), { status: 201, body: '1001' });
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.adapter.scsi', 'get', { vm, adapter: '1001' })).output, { label: 'SCSI controller 1', type: 'PVSCSI', scsi: { bus: 1, unit: 7 }, sharing: 'NONE' });
    assert.equal(key('scsi1.present'), 'TRUE');
    assert.equal(key('scsi1.virtualDev'), 'pvscsi');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.scsi', 'create', { vm, spec: { bus: 1 } })).error, 'already_exists');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.scsi', 'create', { vm, spec: { bus: 4 } })).error, 'invalid_argument');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.scsi', 'create', { vm, spec: { sharing: 'PHYSICAL' } })).error, 'unsupported');
    assert.equal((await rest('PATCH', `${SC}/{adapter}`, `/api/vcenter/vm/${vm}/hardware/adapter/scsi/1001`, { sharing: 'NONE' })).status, 204);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.scsi', 'update', { vm, adapter: '1001', spec: { sharing: 'VIRTUAL' } })).error, 'unsupported');
    const holds = await rpc('com.vmware.vcenter.vm.hardware.adapter.scsi', 'delete', { vm, adapter: '1000' });
    assert.equal(holds.error, 'not_allowed_in_current_state');
    assert.match(holds.message!, /controller scsi0 of vm-\d+ \(hw01\) holds scsi0:0; remove those first/);
    assert.equal((await rest('DELETE', `${SC}/{adapter}`, `/api/vcenter/vm/${vm}/hardware/adapter/scsi/1001`)).status, 204);
    assert.equal(key('scsi1.present'), undefined);
    assert.equal(key('scsi1.virtualDev'), undefined);

    const SA = '/api/vcenter/vm/{vm}/hardware/adapter/sata';
    assert.deepEqual((await rest('GET', SA, `/api/vcenter/vm/${vm}/hardware/adapter/sata`)).body, []);
    assert.deepEqual(await rest('POST', SA, `/api/vcenter/vm/${vm}/hardware/adapter/sata`, { type: 'AHCI' }), { status: 201, body: '15000' });
    assert.deepEqual((await rest('GET', `${SA}/{adapter}`, `/api/vcenter/vm/${vm}/hardware/adapter/sata/15000`)).body, { label: 'SATA controller 0', type: 'AHCI', bus: 0 });
    assert.equal(key('sata0.present'), 'TRUE');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.sata', 'create', { vm, spec: { pci_slot_number: 33 } })).error, 'unsupported');

    const NV = '/api/vcenter/vm/{vm}/hardware/adapter/nvme';
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.nvme', 'create', { vm, spec: { bus: 2 } })).output, '20002');
    assert.deepEqual((await rest('GET', `${NV}/{adapter}`, `/api/vcenter/vm/${vm}/hardware/adapter/nvme/20002`)).body, { label: 'NVME controller 2', bus: 2 });
    assert.deepEqual((await rest('GET', NV, `/api/vcenter/vm/${vm}/hardware/adapter/nvme`)).body, [{ adapter: '20002' }]);
    assert.equal(key('nvme2.present'), 'TRUE');

    // VM.get shows the same devices.
    const info = (await rest('GET', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${vm}`)).body;
    assert.deepEqual(Object.keys(info.scsi_adapters), ['1000']);
    assert.deepEqual(info.sata_adapters, { 15000: { label: 'SATA controller 0', type: 'AHCI', bus: 0 } });
    assert.deepEqual(info.nvme_adapters, { 20002: { label: 'NVME controller 2', bus: 2 } });
    assert.deepEqual(Object.keys(info.floppies), ['8000']);
    assert.deepEqual(Object.keys(info.serial_ports), ['9001']);
    assert.deepEqual(info.parallel_ports, {});

    assert.equal((await rest('DELETE', `${SA}/{adapter}`, `/api/vcenter/vm/${vm}/hardware/adapter/sata/15000`)).status, 204);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.nvme', 'delete', { vm, adapter: '20002' })).error, undefined);
    assert.equal(key('sata0.present'), undefined);
    assert.equal(key('nvme2.present'), undefined);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.nvme', 'delete', { vm, adapter: '20002' })).error, 'not_found');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.adapter.sata', 'create', { vm, spec: {} }, viewer)).error, 'unauthorized');
  });

  it('tools: not running while off, running (open-vm-tools on the sim) once up; the policy stays MANUAL', async () => {
    const T = '/api/vcenter/vm/{vm}/tools';
    const offInfo = (await rest('GET', T, `/api/vcenter/vm/${vm}/tools`)).body;
    assert.deepEqual(offInfo, { auto_update_supported: false, upgrade_policy: 'MANUAL', run_state: 'NOT_RUNNING' });
    await power('start');
    try {
      let info: Json;
      for (let i = 0; i < 500; i++) {
        info = (await rest('GET', T, `/api/vcenter/vm/${vm}/tools`)).body;
        if (info.run_state === 'RUNNING') break;
        await sleep(20);
      }
      assert.deepEqual(info, { auto_update_supported: false, upgrade_policy: 'MANUAL', run_state: 'RUNNING', version_status: 'UNMANAGED', install_type: 'OPEN_VM_TOOLS' });
      assert.deepEqual((await rpc('com.vmware.vcenter.vm.tools', 'get', { vm })).output, info);
    } finally {
      await power('stop');
    }
    assert.equal((await rest('PATCH', T, `/api/vcenter/vm/${vm}/tools`, { upgrade_policy: 'MANUAL' })).status, 204);
    const r = await rpc('com.vmware.vcenter.vm.tools', 'update', { vm, spec: { upgrade_policy: 'UPGRADE_AT_POWER_CYCLE' } });
    assert.equal(r.error, 'unsupported');
    assert.match(r.message!, /upgrades no tools/);
    assert.equal((await rpc('com.vmware.vcenter.vm.tools', 'update', { vm, spec: {} }, viewer)).error, 'unauthorized');
    assert.equal((await rest('GET', T, '/api/vcenter/vm/vm-9999/tools')).status, 404);
  });

  it('a registered .vmx reads back its NIC types and MACs, floppy, serial and parallel ports and controllers', async () => {
    await mkdir(ds('reg-hw'), { recursive: true });
    await writeFile(ds('reg-hw', 'disk.vmdk'), '');
    await writeFile(
      ds('reg-hw', 'reg-hw.vmx'),
      [
        '.encoding = "UTF-8"',
        'config.version = "8"',
        'virtualHW.version = "19"',
        'displayName = "reg-hw"',
        'guestOS = "otherlinux-64"',
        'memsize = "512"',
        'scsi0.present = "TRUE"',
        'scsi0.virtualDev = "pvscsi"',
        'scsi0:0.present = "TRUE"',
        'scsi0:0.fileName = "disk.vmdk"',
        'sata0.present = "TRUE"',
        'nvme1.present = "TRUE"',
        'ethernet0.present = "TRUE"',
        'ethernet0.virtualDev = "e1000"',
        'ethernet0.networkName = "VM Network"',
        'ethernet0.addressType = "generated"',
        'ethernet0.generatedAddress = "00:0C:29:AA:BB:01"',
        'ethernet1.present = "TRUE"',
        'ethernet1.virtualDev = "virtio"',
        'ethernet1.networkName = "isolated"',
        'ethernet1.addressType = "static"',
        'ethernet1.address = "52:54:00:12:00:02"',
        'ethernet1.startConnected = "FALSE"',
        'ethernet2.present = "TRUE"',
        'ethernet2.virtualDev = "vmxnet3"',
        'ethernet2.addressType = "vpx"',
        'ethernet2.generatedAddress = "00:50:56:01:02:03"',
        'floppy0.present = "TRUE"',
        'floppy0.fileType = "file"',
        'floppy0.fileName = "boot.flp"',
        'serial0.present = "TRUE"',
        'serial0.fileType = "network"',
        'serial0.fileName = "telnet://:47010"',
        'serial0.yieldOnMsrRead = "TRUE"',
        'serial1.present = "TRUE"',
        'serial1.fileType = "pipe"',
        'serial1.fileName = "com.pipe"',
        'parallel0.present = "TRUE"',
        'parallel0.fileType = "file"',
        'parallel0.fileName = "lpt.out"',
        'parallel0.startConnected = "FALSE"',
        '',
      ].join('\n'),
    );
    const reg = await rest('POST', '/api/vcenter/vm?action=register', '/api/vcenter/vm?action=register', { datastore_path: '[LocalDS_1] reg-hw/reg-hw.vmx' });
    assert.equal(reg.status, 200, JSON.stringify(reg.body));
    const id = reg.body as string;
    // VIRTIO (ethernet1) is vmgate's extension of the enum: the spec check leaves the NICs out.
    const info = JSON.parse((await s.request('GET', `/api/vcenter/vm/${id}`, { headers: { 'vmware-api-session-id': token } })).body) as Json;
    assert.deepEqual(validateResponse('GET', '/api/vcenter/vm/{vm}', 200, { ...info, nics: {} }), []);
    const raw = JSON.parse((await s.request('GET', `/api/vcenter/vm/${id}/hardware/ethernet/4001`, { headers: { 'vmware-api-session-id': token } })).body) as Json;
    assert.deepEqual(raw, {
      label: 'Network adapter 2',
      type: 'VIRTIO',
      mac_type: 'MANUAL',
      mac_address: '52:54:00:12:00:02',
      wake_on_lan_enabled: false,
      backing: { type: 'STANDARD_PORTGROUP', network_name: 'isolated' },
      state: 'NOT_CONNECTED',
      start_connected: false,
      allow_guest_control: false,
    });
    assert.deepEqual((await rest('GET', `${NIC}/{nic}`, `/api/vcenter/vm/${id}/hardware/ethernet/4000`)).body, {
      label: 'Network adapter 1',
      type: 'E1000',
      mac_type: 'GENERATED',
      mac_address: '00:0c:29:aa:bb:01',
      wake_on_lan_enabled: false,
      backing: { type: 'STANDARD_PORTGROUP', network: 'network-1', network_name: 'VM Network' },
      state: 'NOT_CONNECTED',
      start_connected: true,
      allow_guest_control: false,
    });
    assert.equal(info.nics['4002'].type, 'VMXNET3');
    assert.equal(info.nics['4002'].mac_address, '00:50:56:01:02:03');
    assert.deepEqual(info.floppies, { 8000: { label: 'Floppy drive 1', backing: { type: 'IMAGE_FILE', image_file: '[LocalDS_1] reg-hw/boot.flp' }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false } });
    assert.deepEqual(info.serial_ports, {
      9000: { label: 'Serial port 1', yield_on_poll: true, backing: { type: 'NETWORK_SERVER', network_location: 'tcp://127.0.0.1:47010' }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false },
      9001: { label: 'Serial port 2', yield_on_poll: false, backing: { type: 'PIPE_SERVER', pipe: 'com.pipe' }, state: 'NOT_CONNECTED', start_connected: true, allow_guest_control: false },
    });
    assert.deepEqual(info.parallel_ports, { 10000: { label: 'Parallel port 1', backing: { type: 'FILE', file: '[LocalDS_1] reg-hw/lpt.out' }, state: 'NOT_CONNECTED', start_connected: false, allow_guest_control: false } });
    assert.deepEqual(info.scsi_adapters, { 1000: { label: 'SCSI controller 0', type: 'PVSCSI', scsi: { bus: 0, unit: 7 }, sharing: 'NONE' } });
    assert.deepEqual(info.sata_adapters, { 15000: { label: 'SATA controller 0', type: 'AHCI', bus: 0 } });
    assert.deepEqual(info.nvme_adapters, { 20001: { label: 'NVME controller 1', bus: 1 } });
    // A change elsewhere leaves the devices vmgate does not run as the file has them.
    assert.equal((await rpc(E, 'delete', { vm: id, nic: '4002' })).error, undefined);
    const text = readFileSync(ds('reg-hw', 'reg-hw.vmx'), 'utf8');
    assert.match(text, /^serial1\.fileType = "pipe"$/m);
    assert.match(text, /^serial0\.fileName = "telnet:\/\/:47010"$/m);
    assert.match(text, /^scsi0\.virtualDev = "pvscsi"$/m);
    assert.doesNotMatch(text, /^ethernet2\./m);
  });
});

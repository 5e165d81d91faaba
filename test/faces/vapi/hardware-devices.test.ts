import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { restChecked, rpcInvoke } from '../../support/vapi-call.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/**
 * com.vmware.vcenter.vm.hardware.{cpu, memory, boot, boot.device, disk, cdrom} on the
 * simulator, against a real server over HTTPS: every REST reply checked against the
 * vSphere 7.0.3 spec, JSON-RPC answers compared with REST, the .vmx read from disk after
 * each change, bad input, wrong states and a read-only user.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const basic = (user: string, pw: string) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');
const GiB = 1024 * 1024 * 1024;

describe('vAPI vm.hardware device services on sim (real HTTPS)', () => {
  let s: TestServer;
  let token: string;
  let viewer: string;
  let vm: string;
  let ds: string;

  const rest = (method: string, template: string, path: string, body?: unknown, tok = token) => restChecked(s, tok, method, template, path, body);

  const rpc = (serviceId: string, operationId: string, input: Record<string, unknown> = {}, tok = token) => rpcInvoke(s, tok, serviceId, operationId, input);

  const hw = (part: string) => `/api/vcenter/vm/${vm}/hardware/${part}`;
  const T = (part: string) => `/api/vcenter/vm/{vm}/hardware/${part}`;
  const vmx = () => readFile(join(ds, 'hw-a', 'hw-a.vmx'), 'utf8');
  const power = async (action: 'start' | 'stop') => assert.equal((await rest('POST', `/api/vcenter/vm/{vm}/power?action=${action}`, `/api/vcenter/vm/${vm}/power?action=${action}`)).status, 204);
  function refused(r: { status: number; body: Json }, status: number, type: string, text?: RegExp): void {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.error_type, type);
    if (text) assert.match(r.body.messages[0].default_message, text);
  }

  before(async () => {
    s = await startTestServer();
    token = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('administrator', ADMIN_PASSWORD) } })).body) as string;
    const core = s.server.core;
    const { user } = await core.identity.createUser(SYSTEM_CALLER, { name: 'viewer', password: 'viewer-password-1' });
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    viewer = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('viewer', 'viewer-password-1') } })).body) as string;
    const created = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { name: 'hw-a', guest_OS: 'OTHER_LINUX_64', placement: { host: 'host-3' } });
    assert.equal(created.status, 201);
    vm = created.body as string;
    ds = join(s.dataDir, 'datastores', 'LocalDS_1');
    await mkdir(join(ds, 'iso'), { recursive: true });
    await writeFile(join(ds, 'iso', 'a.iso'), 'ISO A');
    await writeFile(join(ds, 'iso', 'b.iso'), 'ISO B');
    await mkdir(join(ds, 'images'), { recursive: true });
    await writeFile(join(ds, 'images', 'data.vmdk'), Buffer.alloc(3 * 1024 * 1024));
  });
  after(async () => s.close());

  it('cpu: get, update while off (written to the .vmx), hot add unsupported, bad counts invalid_argument', async () => {
    const g = await rest('GET', T('cpu'), hw('cpu'));
    assert.deepEqual(g.body, { count: 1, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false });
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.cpu', 'get', { vm })).output, g.body);
    assert.equal((await rest('PATCH', T('cpu'), hw('cpu'), { count: 4, cores_per_socket: 2 })).status, 204);
    assert.deepEqual((await rest('GET', T('cpu'), hw('cpu'))).body, { count: 4, cores_per_socket: 2, hot_add_enabled: false, hot_remove_enabled: false });
    const text = await vmx();
    assert.match(text, /^numvcpus = "4"$/m);
    assert.match(text, /^cpuid\.coresPerSocket = "2"$/m);
    refused(await rest('PATCH', T('cpu'), hw('cpu'), { hot_add_enabled: true }), 400, 'UNSUPPORTED', /hot_add_enabled/);
    refused(await rest('PATCH', T('cpu'), hw('cpu'), { count: 3 }), 400, 'INVALID_ARGUMENT', /cores per socket 2 must divide the cpu count 3/);
    refused(await rest('PATCH', T('cpu'), hw('cpu'), { count: 'two' }), 400, 'INVALID_ARGUMENT');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.cpu', 'update', { vm, spec: { count: 2, cores_per_socket: 1 } })).error, undefined);
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.cpu', 'get', { vm })).output, { count: 2, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false });
  });

  it('memory: get, update while off, hot add unsupported, sizes out of range invalid_argument', async () => {
    assert.deepEqual((await rest('GET', T('memory'), hw('memory'))).body, { size_MiB: 512, hot_add_enabled: false });
    assert.equal((await rest('PATCH', T('memory'), hw('memory'), { size_MiB: 1024 })).status, 204);
    assert.deepEqual((await rest('GET', T('memory'), hw('memory'))).body, { size_MiB: 1024, hot_add_enabled: false });
    assert.match(await vmx(), /^memsize = "1024"$/m);
    refused(await rest('PATCH', T('memory'), hw('memory'), { hot_add_enabled: true }), 400, 'UNSUPPORTED', /memory hot add/);
    refused(await rest('PATCH', T('memory'), hw('memory'), { size_MiB: 1023 }), 400, 'INVALID_ARGUMENT', /multiple of 4/);
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.memory', 'get', { vm })).output, { size_MiB: 1024, hot_add_enabled: false });
  });

  it('boot: delay and retry written as VMware keys; firmware changes only while off; setup mode unsupported', async () => {
    assert.deepEqual((await rest('GET', T('boot'), hw('boot'))).body, { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false });
    assert.equal((await rest('PATCH', T('boot'), hw('boot'), { delay: 3000, retry: true, retry_delay: 5000 })).status, 204);
    assert.deepEqual((await rest('GET', T('boot'), hw('boot'))).body, { type: 'BIOS', delay: 3000, retry: true, retry_delay: 5000, enter_setup_mode: false });
    const text = await vmx();
    assert.match(text, /^bios\.bootDelay = "3000"$/m);
    assert.match(text, /^bios\.bootRetry\.enabled = "TRUE"$/m);
    assert.match(text, /^bios\.bootRetry\.delay = "5"$/m);
    refused(await rest('PATCH', T('boot'), hw('boot'), { enter_setup_mode: true }), 400, 'UNSUPPORTED', /enter_setup_mode/);
    refused(await rest('PATCH', T('boot'), hw('boot'), { delay: -1 }), 400, 'INVALID_ARGUMENT', /boot delay -1 ms/);
    refused(await rest('PATCH', T('boot'), hw('boot'), { retry_delay: 1500 }), 400, 'INVALID_ARGUMENT', /whole seconds/);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.boot', 'update', { vm, spec: { type: 'EFI' } })).error, undefined);
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.boot', 'get', { vm })).output, { type: 'EFI', efi_legacy_boot: false, network_protocol: 'IPV4', delay: 3000, retry: true, retry_delay: 5000, enter_setup_mode: false });
    assert.match(await vmx(), /^firmware = "efi"$/m);
    // Back to the defaults: the keys leave the file.
    assert.equal((await rest('PATCH', T('boot'), hw('boot'), { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000 })).status, 204);
    assert.doesNotMatch(await vmx(), /bios\.boot(Delay|Retry)/);
  });

  it('boot.device: set and get the order (disks by key), unknown disks not_found, duplicates invalid_argument, [] the default', async () => {
    assert.deepEqual((await rest('GET', T('boot/device'), hw('boot/device'))).body, []);
    assert.equal((await rest('PUT', T('boot/device'), hw('boot/device'), { devices: [{ type: 'CDROM' }, { type: 'DISK', disks: ['2000'] }, { type: 'ETHERNET' }] })).status, 204);
    assert.deepEqual((await rest('GET', T('boot/device'), hw('boot/device'))).body, [{ type: 'CDROM' }, { type: 'DISK', disks: ['2000'] }, { type: 'ETHERNET' }]);
    const text = await vmx();
    assert.match(text, /^bios\.bootOrder = "cdrom,hdd,ethernet"$/m);
    assert.match(text, /^bios\.hddOrder = "scsi0:0"$/m);
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.boot.device', 'get', { vm })).output, [{ type: 'CDROM' }, { type: 'DISK', disks: ['2000'] }, { type: 'ETHERNET' }]);
    refused(await rest('PUT', T('boot/device'), hw('boot/device'), { devices: [{ type: 'DISK', disks: ['2099'] }] }), 404, 'NOT_FOUND', /no disk 2099/);
    refused(await rest('PUT', T('boot/device'), hw('boot/device'), { devices: [{ type: 'CDROM' }, { type: 'CDROM' }] }), 400, 'INVALID_ARGUMENT', /listed twice/);
    refused(await rest('PUT', T('boot/device'), hw('boot/device'), { devices: [{ type: 'CDROM', disks: ['2000'] }] }), 400, 'INVALID_ARGUMENT', /only for a DISK entry/);
    refused(await rest('PUT', T('boot/device'), hw('boot/device'), { devices: [{ type: 'USB' }] }), 400, 'INVALID_ARGUMENT');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.boot.device', 'set', { vm, devices: [] })).error, undefined);
    assert.deepEqual((await rest('GET', T('boot/device'), hw('boot/device'))).body, []);
    assert.doesNotMatch(await vmx(), /bios\.(bootOrder|hddOrder)/);
  });

  it('disk: list, create a new disk and attach an image, get, delete keeps the file, bad specs refused', async () => {
    assert.deepEqual((await rest('GET', T('disk'), hw('disk'))).body, [{ disk: '2000' }]);
    const made = await rest('POST', T('disk'), hw('disk'), { new_vmdk: { capacity: 2 * GiB } });
    assert.equal(made.status, 201);
    assert.equal(made.body, '2001');
    assert.deepEqual((await rest('GET', T('disk/{disk}'), hw('disk/2001'))).body, {
      label: 'Hard disk 2', type: 'SCSI', scsi: { bus: 0, unit: 1 }, backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] hw-a/hw-a_1.vmdk' }, capacity: 2 * GiB,
    });
    assert.equal((await stat(join(ds, 'hw-a', 'hw-a_1.vmdk'))).size, 2 * GiB);
    const text = await vmx();
    assert.match(text, /^scsi0:1\.fileName = "hw-a_1\.vmdk"$/m);
    assert.match(text, /^scsi0:1\.present = "TRUE"$/m);

    const attached = await rpc('com.vmware.vcenter.vm.hardware.disk', 'create', { vm, spec: { backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] images/data.vmdk' } } });
    assert.equal(attached.output, '2002');
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.disk', 'get', { vm, disk: '2002' })).output, {
      label: 'Hard disk 3', type: 'SCSI', scsi: { bus: 0, unit: 2 }, backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] images/data.vmdk' }, capacity: 3 * 1024 * 1024,
    });
    refused(await rest('POST', T('disk'), hw('disk'), { backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] images/data.vmdk' } }), 400, 'ALREADY_EXISTS', /already a disk of this VM/);
    refused(await rest('POST', T('disk'), hw('disk'), { backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] images/none.vmdk' } }), 404, 'NOT_FOUND');
    refused(await rest('POST', T('disk'), hw('disk'), { backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] ../../../etc/hostname' } }), 403, 'UNAUTHORIZED', /escapes the datastore/);
    refused(await rest('POST', T('disk'), hw('disk'), { type: 'IDE', new_vmdk: { capacity: GiB } }), 400, 'UNSUPPORTED', /SCSI/);
    refused(await rest('POST', T('disk'), hw('disk'), {}), 400, 'INVALID_ARGUMENT', /new_vmdk/);
    refused(await rest('POST', T('disk'), hw('disk'), { new_vmdk: { capacity: -5 } }), 400, 'INVALID_ARGUMENT');
    assert.deepEqual((await rest('GET', T('disk'), hw('disk'))).body, [{ disk: '2000' }, { disk: '2001' }, { disk: '2002' }]);

    assert.equal((await rest('DELETE', T('disk/{disk}'), hw('disk/2002'))).status, 204);
    assert.equal((await stat(join(ds, 'images', 'data.vmdk'))).size, 3 * 1024 * 1024);
    assert.equal((await rest('DELETE', T('disk/{disk}'), hw('disk/2001'))).status, 204);
    assert.equal((await stat(join(ds, 'hw-a', 'hw-a_1.vmdk'))).size, 2 * GiB);
    assert.doesNotMatch(await vmx(), /scsi0:[12]\./);
    refused(await rest('DELETE', T('disk/{disk}'), hw('disk/2099')), 404, 'NOT_FOUND', /2099/);
    refused(await rest('GET', T('disk/{disk}'), hw('disk/2001')), 404, 'NOT_FOUND');
    assert.deepEqual((await rest('GET', T('disk'), hw('disk'))).body, [{ disk: '2000' }]);
    // The new file name is taken: the next new disk gets another.
    assert.equal((await rest('POST', T('disk'), hw('disk'), { new_vmdk: { name: 'data2', capacity: GiB } })).body, '2001');
    assert.equal((await rest('GET', T('disk/{disk}'), hw('disk/2001'))).body.backing.vmdk_file, '[LocalDS_1] hw-a/data2.vmdk');
    assert.equal((await rest('DELETE', T('disk/{disk}'), hw('disk/2001'))).status, 204);
  });

  it('cdrom: create with an ISO, connect state follows power, live swap only while disconnected, connect/disconnect errors', async () => {
    assert.deepEqual((await rest('GET', T('cdrom'), hw('cdrom'))).body, []);
    const made = await rest('POST', T('cdrom'), hw('cdrom'), { backing: { type: 'ISO_FILE', iso_file: '[LocalDS_1] iso/a.iso' }, start_connected: true });
    assert.equal(made.status, 201);
    assert.equal(made.body, '3002');
    const info = (iso: string, state: string, connected: boolean) => ({
      type: 'IDE', label: 'CD/DVD drive 1', ide: { primary: false, master: true }, backing: { type: 'ISO_FILE', iso_file: iso }, state, start_connected: connected, allow_guest_control: false,
    });
    assert.deepEqual((await rest('GET', T('cdrom/{cdrom}'), hw('cdrom/3002'))).body, info('[LocalDS_1] iso/a.iso', 'NOT_CONNECTED', true));
    const text = await vmx();
    assert.match(text, /^ide1:0\.deviceType = "cdrom-image"$/m);
    assert.match(text, /^ide1:0\.fileName = "[^"]*LocalDS_1\/iso\/a\.iso"$/m);
    refused(await rest('POST', T('cdrom/{cdrom}?action=connect'), `${hw('cdrom/3002')}?action=connect`), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', /powered off/);

    await power('start');
    assert.deepEqual((await rest('GET', T('cdrom/{cdrom}'), hw('cdrom/3002'))).body, info('[LocalDS_1] iso/a.iso', 'CONNECTED', true));
    refused(await rest('PATCH', T('cdrom/{cdrom}'), hw('cdrom/3002'), { backing: { type: 'ISO_FILE', iso_file: '[LocalDS_1] iso/b.iso' } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', /disconnect it first/);
    assert.equal((await rest('POST', T('cdrom/{cdrom}?action=disconnect'), `${hw('cdrom/3002')}?action=disconnect`)).status, 204);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.cdrom', 'disconnect', { vm, cdrom: '3002' })).error, 'already_in_desired_state');
    assert.deepEqual((await rest('GET', T('cdrom/{cdrom}'), hw('cdrom/3002'))).body, info('[LocalDS_1] iso/a.iso', 'NOT_CONNECTED', false));
    assert.equal((await rest('PATCH', T('cdrom/{cdrom}'), hw('cdrom/3002'), { backing: { type: 'ISO_FILE', iso_file: '[LocalDS_1] iso/b.iso' } })).status, 204);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.cdrom', 'connect', { vm, cdrom: '3002' })).error, undefined);
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware.cdrom', 'get', { vm, cdrom: '3002' })).output, info('[LocalDS_1] iso/b.iso', 'CONNECTED', true));
    refused(await rest('DELETE', T('cdrom/{cdrom}'), hw('cdrom/3002')), 400, 'NOT_ALLOWED_IN_CURRENT_STATE', /power it off first/);
    refused(await rest('POST', T('cdrom'), hw('cdrom'), {}), 400, 'NOT_ALLOWED_IN_CURRENT_STATE');
    refused(await rest('POST', T('disk'), hw('disk'), { new_vmdk: { capacity: GiB } }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE');
    refused(await rest('PATCH', T('cpu'), hw('cpu'), { count: 4 }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE');
    refused(await rest('PATCH', T('memory'), hw('memory'), { size_MiB: 2048 }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE');
    assert.equal((await rest('PATCH', T('memory'), hw('memory'), { size_MiB: 1024 })).status, 204);
    refused(await rest('PATCH', T('boot'), hw('boot'), { type: 'EFI' }), 400, 'NOT_ALLOWED_IN_CURRENT_STATE');
    await power('stop');

    refused(await rest('POST', T('cdrom'), hw('cdrom'), { backing: { type: 'ISO_FILE', iso_file: '[LocalDS_1] iso/none.iso' } }), 404, 'NOT_FOUND');
    refused(await rest('POST', T('cdrom'), hw('cdrom'), { backing: { type: 'ISO_FILE', iso_file: 'iso/a.iso' } }), 400, 'INVALID_ARGUMENT', /datastore path/);
    refused(await rest('POST', T('cdrom'), hw('cdrom'), { type: 'SATA' }), 400, 'UNSUPPORTED', /IDE/);
    const empty = await rest('POST', T('cdrom'), hw('cdrom'), { backing: { type: 'HOST_DEVICE' } });
    assert.equal(empty.body, '3003');
    assert.deepEqual((await rest('GET', T('cdrom/{cdrom}'), hw('cdrom/3003'))).body.backing, { type: 'HOST_DEVICE', auto_detect: true, device_access_type: 'EMULATION' });
    assert.equal((await rest('DELETE', T('cdrom/{cdrom}'), hw('cdrom/3003'))).status, 204);
    assert.equal((await rest('DELETE', T('cdrom/{cdrom}'), hw('cdrom/3002'))).status, 204);
    assert.deepEqual((await rest('GET', T('cdrom'), hw('cdrom'))).body, []);
    assert.doesNotMatch(await vmx(), /ide1:[01]\./);
    refused(await rest('GET', T('cdrom/{cdrom}'), hw('cdrom/3002')), 404, 'NOT_FOUND');
  });

  it('a read-only user reads every device service but changes none (unauthorized), and nothing changes', async () => {
    for (const part of ['cpu', 'memory', 'boot', 'boot/device', 'disk', 'cdrom']) assert.equal((await rest('GET', T(part), hw(part), undefined, viewer)).status, 200, part);
    refused(await rest('PATCH', T('cpu'), hw('cpu'), { count: 8 }, viewer), 403, 'UNAUTHORIZED');
    refused(await rest('PATCH', T('memory'), hw('memory'), { size_MiB: 2048 }, viewer), 403, 'UNAUTHORIZED');
    refused(await rest('PATCH', T('boot'), hw('boot'), { delay: 1000 }, viewer), 403, 'UNAUTHORIZED');
    refused(await rest('PUT', T('boot/device'), hw('boot/device'), { devices: [{ type: 'CDROM' }] }, viewer), 403, 'UNAUTHORIZED');
    refused(await rest('POST', T('disk'), hw('disk'), { new_vmdk: { capacity: GiB } }, viewer), 403, 'UNAUTHORIZED');
    refused(await rest('DELETE', T('disk/{disk}'), hw('disk/2000'), undefined, viewer), 403, 'UNAUTHORIZED');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.cdrom', 'create', { vm, spec: {} }, viewer)).error, 'unauthorized');
    assert.deepEqual((await rest('GET', T('cpu'), hw('cpu'))).body.count, 2);
    assert.deepEqual((await rest('GET', T('disk'), hw('disk'))).body, [{ disk: '2000' }]);
    assert.deepEqual((await rest('GET', T('cdrom'), hw('cdrom'))).body, []);
  });

  it('every change operation over JSON-RPC too (memory, boot, boot order, disk create/update/delete, cdrom create/update/delete)', async () => {
    const j = async (service: string, op: string, input: Record<string, unknown>) => {
      const r = await rpc(`com.vmware.vcenter.vm.hardware.${service}`, op, { vm, ...input });
      assert.equal(r.error, undefined, `${service}.${op}: ${r.message}`);
      return r.output;
    };
    await j('memory', 'update', { spec: { size_MiB: 768 } });
    assert.deepEqual(await j('memory', 'get', {}), { size_MiB: 768, hot_add_enabled: false });
    await j('boot', 'update', { spec: { delay: 1000 } });
    assert.equal((await j('boot', 'get', {})).delay, 1000);
    await j('boot', 'update', { spec: { delay: 0 } });
    await j('boot.device', 'set', { devices: [{ type: 'DISK' }] });
    assert.deepEqual(await j('boot.device', 'get', {}), [{ type: 'DISK' }]);
    await j('boot.device', 'set', { devices: [] });
    assert.equal(await j('disk', 'create', { spec: { new_vmdk: { capacity: GiB } } }), '2001');
    assert.deepEqual(await j('disk', 'list', {}), [{ disk: '2000' }, { disk: '2001' }]);
    await j('disk', 'update', { disk: '2001', spec: { backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] images/data.vmdk' } } });
    assert.deepEqual((await j('disk', 'get', { disk: '2001' })).backing, { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] images/data.vmdk' });
    await j('disk', 'delete', { disk: '2001' });
    assert.equal(await j('cdrom', 'create', { spec: { backing: { type: 'ISO_FILE', iso_file: '[LocalDS_1] iso/a.iso' } } }), '3002');
    assert.deepEqual(await j('cdrom', 'list', {}), [{ cdrom: '3002' }]);
    await j('cdrom', 'update', { cdrom: '3002', spec: { start_connected: true } });
    assert.equal((await j('cdrom', 'get', { cdrom: '3002' })).start_connected, true);
    await j('cdrom', 'delete', { cdrom: '3002' });
    assert.deepEqual(await j('cdrom', 'list', {}), []);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware.disk', 'get', { vm, disk: '2001' })).error, 'not_found');
  });

  it('attaching a disk image needs Datastore.FileManagement on its datastore (the guest writes it); an ISO needs Browse', async () => {
    const core = s.server.core;
    await core.identity.createRole(SYSTEM_CALLER, { id: 'configurer', name: 'Configurer', privileges: ['System.View', 'VirtualMachine.Config', 'Datastore.Browse'] });
    const { user } = await core.identity.createUser(SYSTEM_CALLER, { name: 'configurer', password: 'configurer-password-1' });
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'configurer', propagate: true });
    const tok = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('configurer', 'configurer-password-1') } })).body) as string;
    refused(await rest('POST', T('disk'), hw('disk'), { backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_1] images/data.vmdk' } }, tok), 403, 'UNAUTHORIZED');
    assert.deepEqual((await rest('GET', T('disk'), hw('disk'))).body, [{ disk: '2000' }]);
    const cd = await rest('POST', T('cdrom'), hw('cdrom'), { backing: { type: 'ISO_FILE', iso_file: '[LocalDS_1] iso/a.iso' } }, tok);
    assert.equal(cd.status, 201);
    assert.equal((await rest('DELETE', T('cdrom/{cdrom}'), hw(`cdrom/${cd.body as string}`), undefined, tok)).status, 204);
  });

  it('an unknown VM is not_found on every service; each change was recorded as an event', async () => {
    for (const part of ['cpu', 'memory', 'boot', 'boot/device', 'disk', 'cdrom']) refused(await rest('GET', T(part), `/api/vcenter/vm/vm-999/hardware/${part}`), 404, 'NOT_FOUND');
    const events = await s.server.core.events.list(SYSTEM_CALLER, vm, 500);
    const messages = events.filter((e) => e.type === 'vm.reconfigured').map((e) => e.message);
    assert.ok(messages.includes('disk scsi0:1 added (hw-a_1.vmdk)'), messages.join('\n'));
    assert.ok(messages.includes('CD-ROM ide1:0 disconnected'), messages.join('\n'));
    assert.ok(messages.includes('boot order: cdrom, disk (scsi0:0), ethernet'), messages.join('\n'));
  });
});

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { validateResponse } from '../../support/spec-validator.ts';
import { restChecked, rpcInvoke } from '../../support/vapi-call.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/**
 * com.vmware.vcenter.VM create / delete / register / unregister / clone / relocate over
 * both flavours, against a real server whose datastores are directories in its data dir
 * (demo inventory: host-1 and host-2 in cluster domain-c1 see LocalDS_0, standalone
 * host-3 sees LocalDS_1, library VMs live on 'Library'). Every REST body is checked
 * against the vSphere 7.0.3 spec.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const basic = (user: string, pw: string) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');
const MiB = 1024 * 1024;

describe('vAPI VM create, delete, register, unregister, clone, relocate (real HTTPS)', () => {
  let s: TestServer;
  let token: string;
  let viewer: string;
  const ds = (name: string, ...rel: string[]) => join(s.dataDir, 'datastores', name, ...rel);

  const rest = (method: string, template: string, path: string, body?: unknown, tok = token) => restChecked(s, tok, method, template, path, body);

  const rpc = (serviceId: string, operationId: string, input: Record<string, unknown> = {}, tok = token) => rpcInvoke(s, tok, serviceId, operationId, input);

  /**
   * GET /api/cis/tasks/{id} until the task ends. The body is checked against the spec
   * without `result`: the 7.0.3 spec declares CisTaskInfo.result `type: object`, but it
   * is an opaque value (a clone's result is the new VM's id, a string) — the same kind of
   * spec defect spec-validator.ts already corrects for CisTaskInfo.error.
   */
  async function restTask(id: string): Promise<Json> {
    for (let i = 0; i < 400; i++) {
      const r = await s.request('GET', `/api/cis/tasks/${id}`, { headers: { 'vmware-api-session-id': token } });
      assert.equal(r.status, 200);
      const body = JSON.parse(r.body) as Json;
      const { result: _result, ...rest } = body;
      assert.deepEqual(validateResponse('GET', '/api/cis/tasks/{task}', 200, rest), [], r.body);
      if (body.status === 'SUCCEEDED' || body.status === 'FAILED') return body;
      await sleep(10);
    }
    throw new Error(`task ${id} did not end`);
  }

  async function rpcTask(id: string): Promise<Json> {
    for (let i = 0; i < 400; i++) {
      const t = (await rpc('com.vmware.cis.tasks', 'get', { task: id })).output;
      if (t.status === 'SUCCEEDED' || t.status === 'FAILED') return t;
      await sleep(10);
    }
    throw new Error(`task ${id} did not end`);
  }

  const vmByName = (name: string) => s.server.core.ctx.store.vms.getByName(name);
  const create = async (spec: Record<string, unknown>) => {
    const r = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { guest_OS: 'OTHER_LINUX_64', ...spec });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body as string;
  };
  const running = async () => (await s.server.core.vms.list(SYSTEM_CALLER, { powerStates: ['poweredOn'], inLibrary: false }))[0]!;

  before(async () => {
    s = await startTestServer();
    token = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('administrator', ADMIN_PASSWORD) } })).body) as string;
    const core = s.server.core;
    const { user } = await core.identity.createUser(SYSTEM_CALLER, { name: 'viewer', password: 'viewer-password-1' });
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    viewer = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('viewer', 'viewer-password-1') } })).body) as string;
    await mkdir(ds('Library', 'iso'), { recursive: true });
    await writeFile(ds('Library', 'iso', 'tiny.iso'), Buffer.alloc(2048));
  });
  after(async () => s.close());

  it('create (REST) with the whole spec vmgate honours; get shows it back', async () => {
    const id = await create({
      name: 'web01',
      guest_OS: 'UBUNTU_64',
      placement: { folder: 'group-v1', resource_pool: 'resgroup-1', datastore: 'datastore-1' },
      hardware_version: 'VMX_17',
      boot: { type: 'EFI' },
      cpu: { count: 2, cores_per_socket: 2, hot_add_enabled: false },
      memory: { size_MiB: 1024 },
      disks: [{ new_vmdk: { name: 'boot', capacity: 64 * MiB } }, { type: 'SCSI', new_vmdk: { capacity: 32 * MiB - 1 } }],
      nics: [{ type: 'E1000E', start_connected: true, backing: { type: 'STANDARD_PORTGROUP', network: 'network-1' } }, { mac_type: 'MANUAL', mac_address: '00:11:22:33:44:55' }],
      cdroms: [{ start_connected: true, backing: { type: 'ISO_FILE', iso_file: '[Library] iso/tiny.iso' } }],
    });
    assert.match(id, /^vm-\d+$/);
    const vm = (await vmByName('web01'))!;
    assert.equal(vm.id, id);
    assert.ok(vm.hostId === 'host-1' || vm.hostId === 'host-2', 'placed in the cluster of resgroup-1');
    assert.ok(existsSync(ds('LocalDS_0', 'web01', 'web01.vmx')));
    assert.ok(existsSync(ds('LocalDS_0', 'web01', 'boot.vmdk')));

    const info = (await rest('GET', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${id}`)).body;
    assert.equal(info.guest_OS, 'UBUNTU_64');
    assert.equal(info.hardware.version, 'VMX_17');
    assert.equal(info.boot.type, 'EFI');
    assert.deepEqual(info.cpu, { count: 2, cores_per_socket: 2, hot_add_enabled: false, hot_remove_enabled: false });
    assert.equal(info.memory.size_MiB, 1024);
    assert.deepEqual(Object.keys(info.disks), ['2000', '2001']);
    assert.equal(info.disks['2000'].backing.vmdk_file, '[LocalDS_0] web01/boot.vmdk');
    assert.equal(info.disks['2000'].capacity, 64 * MiB);
    assert.equal(info.disks['2001'].capacity, 32 * MiB, 'rounded up to whole MiB');
    assert.deepEqual(Object.keys(info.nics), ['4000', '4001']);
    assert.equal(info.nics['4000'].type, 'E1000E');
    assert.equal(info.nics['4000'].start_connected, true);
    assert.equal(info.nics['4000'].state, 'NOT_CONNECTED');
    assert.equal(info.nics['4000'].backing.network, 'network-1');
    assert.deepEqual([info.nics['4001'].mac_type, info.nics['4001'].mac_address, info.nics['4001'].start_connected], ['MANUAL', '00:11:22:33:44:55', false]);
    assert.deepEqual(info.cdroms['3002'].backing, { type: 'ISO_FILE', iso_file: '[Library] iso/tiny.iso' });
    assert.deepEqual(info.cdroms['3002'].ide, { primary: false, master: true });
    assert.equal(info.cdroms['3002'].start_connected, true);
  });

  it('a VIRTIO NIC (vmgate\'s extension of the emulation type): virtio in the .vmx, VIRTIO read back; generated MACs differ', async () => {
    const id = await create({ name: 'virtio01', placement: { folder: 'group-v1', resource_pool: 'resgroup-1', datastore: 'datastore-1' }, nics: [{ type: 'VIRTIO' }, { type: 'VMXNET3' }, {}] });
    const vmx = readFileSync(ds('LocalDS_0', 'virtio01', 'virtio01.vmx'), 'utf8');
    assert.match(vmx, /^ethernet0\.virtualDev = "virtio"$/m);
    assert.match(vmx, /^ethernet1\.virtualDev = "vmxnet3"$/m);
    // VIRTIO is not in vSphere's enum: read the reply without the spec validator.
    const r = await s.request('GET', `/api/vcenter/vm/${id}`, { headers: { 'vmware-api-session-id': token } });
    const nics = (JSON.parse(r.body) as { nics: Record<string, { type: string; mac_address: string }> }).nics;
    assert.deepEqual(Object.values(nics).map((n) => n.type), ['VIRTIO', 'VMXNET3', 'VMXNET3']);
    const macs = Object.values(nics).map((n) => n.mac_address);
    for (const m of macs) assert.match(m, /^00:50:56:[0-3][0-9a-f](:[0-9a-f]{2}){2}$/);
    assert.equal(new Set(macs).size, 3);
    const bad = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { guest_OS: 'OTHER_LINUX_64', name: 'virtio02', placement: { folder: 'group-v1', resource_pool: 'resgroup-1', datastore: 'datastore-1' }, nics: [{ type: 'VMXNET2' }] });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /vmgate emulates E1000, E1000E, VMXNET3 and VIRTIO/);
  });

  it('create (JSON-RPC): minimal specs, default name, library placement through a folder', async () => {
    const a = await rpc('com.vmware.vcenter.VM', 'create', { spec: { guest_OS: 'OTHER_LINUX_64', name: 'rpc-vm', placement: { host: 'host-3' }, cdroms: [{}] } });
    assert.match(a.output, /^vm-\d+$/);
    assert.equal((await vmByName('rpc-vm'))!.hostId, 'host-3');
    // vSphere's defaults: no nics → no NIC; one blank disk; devices not connected at power on.
    const info = (await rpc('com.vmware.vcenter.VM', 'get', { vm: a.output })).output;
    assert.deepEqual(info.nics, {});
    assert.deepEqual(Object.keys(info.disks), ['2000']);
    assert.deepEqual(info.cdroms['3002'].backing, { type: 'HOST_DEVICE', auto_detect: true, device_access_type: 'EMULATION' });
    assert.equal(info.cdroms['3002'].start_connected, false);
    const b = await rpc('com.vmware.vcenter.VM', 'create', { spec: { guest_OS: 'DEBIAN_11_64' } });
    assert.equal((await rpc('com.vmware.vcenter.VM', 'get', { vm: b.output })).output.name, 'New Virtual Machine');
    const lib = await rpc('com.vmware.vcenter.VM', 'create', { spec: { guest_OS: 'WINDOWS_9_64', name: 'lib-new', placement: { folder: 'group-v1', datastore: 'datastore-3' } } });
    const v = (await vmByName('lib-new'))!;
    assert.equal(v.id, lib.output);
    assert.equal(v.hostId, null);
    assert.ok(existsSync(ds('Library', 'lib-new', 'lib-new.vmx')));
    const inFolder = (await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm?folders=group-v1&names=lib-new')).body;
    assert.equal(inFolder.length, 1);
    assert.deepEqual((await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm?resource_pools=resgroup-1&resource_pools=resgroup-h3&names=lib-new')).body, []);
  });

  it('create refuses what vmgate cannot honour (unsupported, naming the field) and creates nothing', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ serial_ports: [{ backing: { type: 'FILE', file: '[LocalDS_0] x.txt' } }] }, /serial_ports/],
      [{ nics: [{ type: 'PCNET32' }] }, /nics\[0\]\.type PCNET32/],
      [{ cpu: { count: 2, hot_add_enabled: true } }, /cpu\.hot_add_enabled/],
      [{ boot_devices: [{ type: 'CDROM' }] }, /boot_devices/],
      [{ disks: [{ backing: { type: 'VMDK_FILE', vmdk_file: '[LocalDS_0] a/a.vmdk' }, new_vmdk: {} }] }, /disks\[0\]\.backing/],
      [{ storage_policy: { policy: 'gold' } }, /storage_policy/],
      [{ cdroms: [{ backing: { type: 'CLIENT_DEVICE' } }] }, /cdroms\[0\]\.backing\.type CLIENT_DEVICE/],
    ];
    for (const [extra, re] of cases) {
      const r = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { name: 'refused', guest_OS: 'OTHER_LINUX_64', placement: { host: 'host-3' }, ...extra });
      assert.equal(r.status, 400, JSON.stringify(extra));
      assert.equal(r.body.error_type, 'UNSUPPORTED');
      assert.match(r.body.messages[0].default_message, re);
    }
    const j = await rpc('com.vmware.vcenter.VM', 'create', { spec: { guest_OS: 'OTHER_LINUX_64', name: 'refused', memory: { hot_add_enabled: true } } });
    assert.equal(j.error, 'unsupported');
    assert.equal(await vmByName('refused'), undefined);
  });

  it('create: bad specs are invalid_argument, unknown places not_found', async () => {
    const bad: [Record<string, unknown>, number, string][] = [
      [{ cpu: { count: 0 } }, 400, 'INVALID_ARGUMENT'],
      [{ cpu: { count: 4, cores_per_socket: 3 } }, 400, 'INVALID_ARGUMENT'],
      [{ memory: { size_MiB: 3 } }, 400, 'INVALID_ARGUMENT'],
      [{ placement: { host: 'host-404' } }, 404, 'NOT_FOUND'],
      [{ placement: { folder: 'group-h1' } }, 400, 'INVALID_ARGUMENT'],
      [{ placement: { host: 'host-3', resource_pool: 'resgroup-1' } }, 400, 'INVALID_ARGUMENT'],
      [{ placement: { resource_pool: 'resgroup-77' } }, 404, 'NOT_FOUND'],
      [{ placement: { folder: 'group-v1', datastore: 'datastore-99' } }, 404, 'NOT_FOUND'],
      [{ nics: [{ backing: { type: 'STANDARD_PORTGROUP', network: 'network-9' } }] }, 404, 'NOT_FOUND'],
      [{ nics: [{ mac_type: 'MANUAL' }] }, 400, 'INVALID_ARGUMENT'],
      [{ cdroms: [{ backing: { type: 'ISO_FILE', iso_file: 'tiny.iso' } }] }, 400, 'INVALID_ARGUMENT'],
      [{ cdroms: [{ backing: { type: 'ISO_FILE', iso_file: '[Library] ../../../etc/passwd' } }] }, 400, 'INVALID_ARGUMENT'],
      [{ disks: [{ new_vmdk: { name: '../escape', capacity: MiB } }] }, 400, 'INVALID_ARGUMENT'],
      [{ guest_OS: 'BEOS' }, 400, 'INVALID_ARGUMENT'],
    ];
    for (const [extra, status, type] of bad) {
      const r = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { name: 'bad-spec', guest_OS: 'OTHER_LINUX_64', ...extra });
      assert.deepEqual([r.status, r.body.error_type], [status, type], JSON.stringify(extra));
    }
    const wrongType = await rpc('com.vmware.vcenter.VM', 'create', { spec: { guest_OS: 'OTHER_LINUX_64', name: 'bad-spec', cpu: { count: 0 } } });
    assert.equal(wrongType.error, 'invalid_argument');
    assert.equal(await vmByName('bad-spec'), undefined);
  });

  it('delete: a running VM is not_allowed_in_current_state; a stopped one goes with its files', async () => {
    const on = await running();
    const r = await rest('DELETE', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${on.id}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.error_type, 'NOT_ALLOWED_IN_CURRENT_STATE');
    assert.equal((await rpc('com.vmware.vcenter.VM', 'delete', { vm: on.id })).error, 'not_allowed_in_current_state');

    const id = (await vmByName('rpc-vm'))!.id;
    assert.ok(existsSync(ds('LocalDS_1', 'rpc-vm')));
    assert.equal((await rest('DELETE', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${id}`)).status, 204);
    assert.equal(existsSync(ds('LocalDS_1', 'rpc-vm')), false);
    assert.equal((await rest('GET', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${id}`)).status, 404);
    const other = (await vmByName('New Virtual Machine'))!.id;
    assert.deepEqual((await rpc('com.vmware.vcenter.VM', 'delete', { vm: other })).raw.result, { output: null });
    assert.equal((await rpc('com.vmware.vcenter.VM', 'delete', { vm: other })).error, 'not_found');
  });

  it('unregister keeps the files; register brings the .vmx back; registering twice is already_exists', async () => {
    const id = await create({ name: 'reg01', placement: { host: 'host-3' } });
    assert.equal((await rest('POST', '/api/vcenter/vm/{vm}?action=unregister', `/api/vcenter/vm/${id}?action=unregister`)).status, 204);
    assert.ok(existsSync(ds('LocalDS_1', 'reg01', 'reg01.vmx')), 'files stay after unregister');
    assert.deepEqual((await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm?names=reg01')).body, []);

    const back = await rest('POST', '/api/vcenter/vm?action=register', '/api/vcenter/vm?action=register', { datastore_path: '[LocalDS_1] reg01/reg01.vmx' });
    assert.equal(back.status, 200);
    assert.match(back.body, /^vm-\d+$/);
    assert.equal((await rest('GET', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${back.body}`)).body.name, 'reg01');
    const twice = await rest('POST', '/api/vcenter/vm?action=register', '/api/vcenter/vm?action=register', { datastore_path: '[LocalDS_1] reg01/reg01.vmx' });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.error_type, 'ALREADY_EXISTS');
    assert.equal((await rpc('com.vmware.vcenter.VM', 'register', { spec: { datastore: 'datastore-2', path: 'reg01/reg01.vmx' } })).error, 'already_exists');

    // JSON-RPC: unregister, then register by datastore + path with a new name and a pool.
    assert.deepEqual((await rpc('com.vmware.vcenter.VM', 'unregister', { vm: back.body })).raw.result, { output: null });
    const again = await rpc('com.vmware.vcenter.VM', 'register', { spec: { datastore: 'datastore-2', path: 'reg01/reg01.vmx', name: 'reg01-renamed', placement: { resource_pool: 'resgroup-h3' } } });
    assert.match(again.output, /^vm-\d+$/);
    const listed = (await rpc('com.vmware.vcenter.VM', 'list', { filter: { resource_pools: ['resgroup-h3'], names: ['reg01-renamed'] } })).output;
    assert.deepEqual(listed.map((v: Json) => v.vm), [again.output]);
    assert.match(await readFile(ds('LocalDS_1', 'reg01', 'reg01.vmx'), 'utf8'), /displayName = "reg01-renamed"/);

    // Bad register specs.
    assert.equal((await rest('POST', '/api/vcenter/vm?action=register', '/api/vcenter/vm?action=register', {})).body.error_type, 'INVALID_ARGUMENT');
    assert.equal((await rest('POST', '/api/vcenter/vm?action=register', '/api/vcenter/vm?action=register', { datastore_path: 'reg01.vmx' })).body.error_type, 'INVALID_ARGUMENT');
    assert.equal((await rest('POST', '/api/vcenter/vm?action=register', '/api/vcenter/vm?action=register', { datastore_path: '[nowhere] a/a.vmx' })).status, 404);
    assert.equal((await rpc('com.vmware.vcenter.VM', 'unregister', { vm: 'vm-31337' })).error, 'not_found');
  });

  it('clone: synchronous returns the new id; vmw-task=true answers 202 and a task that ends SUCCEEDED', async () => {
    const src = (await vmByName('web01'))!;
    const sync = await rest('POST', '/api/vcenter/vm?action=clone', '/api/vcenter/vm?action=clone', { source: src.id, name: 'web01-clone' });
    assert.equal(sync.status, 200);
    const copy = (await vmByName('web01-clone'))!;
    assert.equal(sync.body, copy.id);
    assert.ok(existsSync(ds('LocalDS_0', 'web01-clone', 'boot.vmdk')));
    assert.notEqual(copy.hardware.nics[0]!.macAddress, src.hardware.nics[0]!.macAddress);
    // Unset placement: the source's host and datastore, as vSphere does.
    assert.deepEqual([copy.hostId, copy.datastoreId], [src.hostId, src.datastoreId]);

    const started = await rest('POST', '/api/vcenter/vm?action=clone&vmw-task=true', '/api/vcenter/vm?action=clone&vmw-task=true', { source: src.id, name: 'web01-clone2', placement: { host: 'host-3', datastore: 'datastore-2' } });
    assert.equal(started.status, 202);
    const task = await restTask(started.body);
    assert.equal(task.status, 'SUCCEEDED');
    assert.equal(task.service, 'com.vmware.vcenter.VM');
    assert.equal(task.operation, 'clone');
    const c2 = (await vmByName('web01-clone2'))!;
    assert.equal(task.result, c2.id);
    assert.equal(c2.hostId, 'host-3');
    assert.ok(existsSync(ds('LocalDS_1', 'web01-clone2', 'web01-clone2.vmx')));
  });

  it('clone over JSON-RPC: clone$task, and power_on (sync and with the task)', async () => {
    const src = (await vmByName('web01'))!;
    const t = await rpc('com.vmware.vcenter.VM', 'clone$task', { spec: { source: src.id, name: 'web01-clone3', placement: { resource_pool: 'resgroup-h3', datastore: 'datastore-2' }, power_on: true } });
    assert.ok(t.raw.result.output, 'a task id');
    const done = await rpcTask(t.output);
    assert.equal(done.status, 'SUCCEEDED');
    let state = '';
    for (let i = 0; i < 200 && state !== 'POWERED_ON'; i++, await sleep(10)) state = (await rpc('com.vmware.vcenter.vm.power', 'get', { vm: (await vmByName('web01-clone3'))!.id })).output.state;
    assert.equal(state, 'POWERED_ON');

    const sync = await rpc('com.vmware.vcenter.VM', 'clone', { spec: { source: src.id, name: 'web01-clone4', placement: { host: 'host-3', datastore: 'datastore-2' }, power_on: true } });
    assert.equal((await rpc('com.vmware.vcenter.vm.power', 'get', { vm: sync.output })).output.state, 'POWERED_ON');
  });

  it('clone errors: running source, unknown source, unsupported parts, power_on into the library', async () => {
    const src = (await vmByName('web01'))!;
    const on = await running();
    const r = await rest('POST', '/api/vcenter/vm?action=clone', '/api/vcenter/vm?action=clone', { source: on.id, name: 'nope' });
    assert.deepEqual([r.status, r.body.error_type], [400, 'NOT_ALLOWED_IN_CURRENT_STATE']);
    assert.equal((await rest('POST', '/api/vcenter/vm?action=clone', '/api/vcenter/vm?action=clone', { source: 'vm-999999', name: 'nope' })).status, 404);
    const drop = await rest('POST', '/api/vcenter/vm?action=clone', '/api/vcenter/vm?action=clone', { source: src.id, name: 'nope', disks_to_remove: ['2001'] });
    assert.deepEqual([drop.status, drop.body.error_type], [400, 'UNSUPPORTED']);
    assert.equal((await rpc('com.vmware.vcenter.VM', 'clone', { spec: { source: src.id, name: 'nope', guest_customization_spec: { name: 'linux-spec' } } })).error, 'unsupported');
    const lib = (await vmByName('Library_VM0'))!;
    assert.equal((await rpc('com.vmware.vcenter.VM', 'clone$task', { spec: { source: lib.id, name: 'nope', placement: { folder: 'group-v1' }, power_on: true } })).error, 'invalid_argument');
    // The source's datastore is not seen by host-3: a conflict, as in vSphere.
    const conflict = await rest('POST', '/api/vcenter/vm?action=clone', '/api/vcenter/vm?action=clone', { source: src.id, name: 'nope', placement: { host: 'host-3' } });
    assert.deepEqual([conflict.status, conflict.body.error_type], [400, 'INVALID_ARGUMENT']);
    assert.match(conflict.body.messages[0].default_message, /does not see datastore/);
    assert.equal(await vmByName('nope'), undefined);
  });

  it('relocate: to a standalone host (files move to its datastore), back through a pool with vmw-task=true', async () => {
    const id = (await vmByName('web01'))!.id;
    const r = await rest('POST', '/api/vcenter/vm/{vm}?action=relocate', `/api/vcenter/vm/${id}?action=relocate`, { placement: { host: 'host-3', datastore: 'datastore-2' } });
    assert.equal(r.status, 204);
    let vm = (await vmByName('web01'))!;
    assert.equal(vm.hostId, 'host-3');
    assert.ok(existsSync(ds('LocalDS_1', 'web01', 'web01.vmx')));
    assert.equal(existsSync(ds('LocalDS_0', 'web01')), false);

    const started = await rest('POST', '/api/vcenter/vm/{vm}?action=relocate&vmw-task=true', `/api/vcenter/vm/${id}?action=relocate&vmw-task=true`, { placement: { resource_pool: 'resgroup-1', datastore: 'datastore-1' } });
    assert.equal(started.status, 202);
    const task = await restTask(started.body);
    assert.equal(task.status, 'SUCCEEDED');
    assert.equal(task.operation, 'relocate');
    vm = (await vmByName('web01'))!;
    assert.ok(vm.hostId === 'host-1' || vm.hostId === 'host-2');
    assert.ok(existsSync(ds('LocalDS_0', 'web01', 'boot.vmdk')));
    assert.equal((await rest('GET', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${id}`)).body.disks['2000'].backing.vmdk_file, '[LocalDS_0] web01/boot.vmdk');
  });

  it('relocate over JSON-RPC: into a cluster; relocate$task with the VM folder only keeps the host', async () => {
    const id = (await vmByName('web01-clone2'))!.id;
    assert.deepEqual((await rpc('com.vmware.vcenter.VM', 'relocate', { vm: id, spec: { placement: { cluster: 'domain-c1', datastore: 'datastore-1' } } })).raw.result, { output: null });
    const host = (await vmByName('web01-clone2'))!.hostId;
    assert.ok(host === 'host-1' || host === 'host-2');
    const t = await rpc('com.vmware.vcenter.VM', 'relocate$task', { vm: id, spec: { placement: { folder: 'group-v1' } } });
    assert.equal((await rpcTask(t.output)).status, 'SUCCEEDED');
    assert.equal((await vmByName('web01-clone2'))!.hostId, host);
  });

  it('relocate errors: unknown VM, contradicting placement, folders that hold no VMs, a host without the datastore, per-disk moves, running storage moves', async () => {
    const id = (await vmByName('web01-clone'))!.id;
    const path = `/api/vcenter/vm/${id}?action=relocate`;
    const tmpl = '/api/vcenter/vm/{vm}?action=relocate';
    assert.equal((await rest('POST', tmpl, '/api/vcenter/vm/vm-999999?action=relocate', { placement: { host: 'host-3' } })).status, 404);
    assert.equal((await rest('POST', tmpl, path, { placement: { host: 'host-3', resource_pool: 'resgroup-1' } })).body.error_type, 'INVALID_ARGUMENT');
    assert.equal((await rest('POST', tmpl, path, { placement: { folder: 'group-s1' } })).body.error_type, 'INVALID_ARGUMENT');
    // Unset datastore: the VM stays on its own, which host-3 does not see.
    const stay = await rest('POST', tmpl, path, { placement: { host: 'host-3' } });
    assert.deepEqual([stay.status, stay.body.error_type], [400, 'INVALID_ARGUMENT']);
    assert.match(stay.body.messages[0].default_message, /does not see datastore/);
    assert.equal((await rest('POST', tmpl, path, { disks: { '2000': { datastore: 'datastore-2' } } })).body.error_type, 'UNSUPPORTED');
    const on = (await s.server.core.vms.list(SYSTEM_CALLER, { powerStates: ['poweredOn'], hostIds: ['host-3'] }))[0]!;
    const move = await rpc('com.vmware.vcenter.VM', 'relocate', { vm: on.id, spec: { placement: { host: 'host-1', datastore: 'datastore-1' } } });
    assert.equal(move.error, 'not_allowed_in_current_state', move.message);
  });

  it('a read-only user may not clone, relocate, register or unregister (403 / unauthorized)', async () => {
    const src = (await vmByName('web01'))!.id;
    const c = await rest('POST', '/api/vcenter/vm?action=clone', '/api/vcenter/vm?action=clone', { source: src, name: 'viewer-copy' }, viewer);
    assert.deepEqual([c.status, c.body.error_type], [403, 'UNAUTHORIZED']);
    assert.equal((await rest('POST', '/api/vcenter/vm/{vm}?action=relocate', `/api/vcenter/vm/${src}?action=relocate`, { placement: { host: 'host-3' } }, viewer)).status, 403);
    assert.equal((await rest('POST', '/api/vcenter/vm/{vm}?action=unregister', `/api/vcenter/vm/${src}?action=unregister`, undefined, viewer)).status, 403);
    const gone = (await vmByName('web01-clone'))!.id;
    assert.equal((await rpc('com.vmware.vcenter.VM', 'unregister', { vm: gone })).error, undefined);
    assert.equal((await rpc('com.vmware.vcenter.VM', 'register', { spec: { datastore_path: '[LocalDS_0] web01-clone/web01-clone.vmx' } }, viewer)).error, 'unauthorized');
    assert.match((await rpc('com.vmware.vcenter.VM', 'register', { spec: { datastore_path: '[LocalDS_0] web01-clone/web01-clone.vmx' } })).output, /^vm-\d+$/);
    assert.equal((await rpc('com.vmware.vcenter.VM', 'clone$task', { spec: { source: src, name: 'viewer-copy' } }, viewer)).error, 'unauthorized');
    assert.equal(await vmByName('viewer-copy'), undefined);
  });
});

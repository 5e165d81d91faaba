import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import type { Vm } from '../../../src/core/model/index.ts';
import { decodeOperationOutput, encodeOperationInput } from '../../../src/protocols/vapi/codec/index.ts';
import { findOperation } from '../../../src/protocols/vapi/types/index.ts';
import { restChecked } from '../../support/vapi-call.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/**
 * com.vmware.vcenter.VM list / get and com.vmware.vcenter.vm.hardware over both flavours,
 * against a real server (demo inventory: DC0 with cluster DC0_C0 of host-1 and host-2,
 * standalone host-3, library VMs on datastore 'Library'). Every REST body is checked
 * against the vSphere 7.0.3 spec.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const basic = (user: string, pw: string) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');

describe('vAPI VM list/get and hardware (real HTTPS)', () => {
  let s: TestServer;
  let token: string;
  let viewer: string;
  let all: Vm[];

  /** A REST call whose reply must match the spec for `template`. */
  const rest = (method: string, template: string, path: string, body?: unknown, tok = token) => restChecked(s, tok, method, template, path, body);

  async function rpcRaw(serviceId: string, operationId: string, input: unknown, tok = token): Promise<{ headers: Record<string, unknown>; json: Json }> {
    const r = await s.request('POST', '/api', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: 'vm-test', params: { serviceId, operationId, input, ctx: { appCtx: { opId: 't' }, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: tok } } } }),
    });
    assert.equal(r.status, 200);
    return { headers: r.headers, json: JSON.parse(r.body) as Json };
  }

  /** JSON-RPC with specialized JSON as the SDK encodes it; output decoded, or the std error's kind. */
  async function rpc(serviceId: string, operationId: string, input: Record<string, unknown> = {}, tok = token): Promise<{ output?: Json; error?: string; message?: string; raw: Json }> {
    const op = findOperation(serviceId, operationId)!;
    const { json } = await rpcRaw(serviceId, operationId, encodeOperationInput(op, input), tok);
    assert.equal(json.id, 'vm-test');
    if (json.result.error) {
      const [name, fields] = Object.entries(json.result.error.ERROR as Record<string, Json>)[0]!;
      return { error: name.replace('com.vmware.vapi.std.errors.', ''), message: fields.messages[0].STRUCTURE['com.vmware.vapi.std.localizable_message'].default_message, raw: json };
    }
    const out = decodeOperationOutput(op, json.result.output);
    assert.ok(out.ok, JSON.stringify(json.result.output).slice(0, 300));
    return { output: out.value as Json, raw: json };
  }

  const ids = (rows: { vm: string }[]) => rows.map((r) => r.vm);
  const expected = (pred: (v: Vm) => boolean) => all.filter(pred).map((v) => v.id);
  const hostOf = (id: string) => all.find((v) => v.id === id)!.hostId;

  before(async () => {
    s = await startTestServer();
    token = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('administrator', ADMIN_PASSWORD) } })).body) as string;
    const core = s.server.core;
    const { user } = await core.identity.createUser(SYSTEM_CALLER, { name: 'viewer', password: 'viewer-password-1' });
    await core.identity.setPermission(SYSTEM_CALLER, { principal: `user:${user.id}`, entityId: 'root', roleId: 'read-only', propagate: true });
    viewer = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('viewer', 'viewer-password-1') } })).body) as string;
    all = await core.vms.list(SYSTEM_CALLER);
  });
  after(async () => s.close());

  it('list without a filter: every VM as a summary, in id order, on both flavours', async () => {
    const r = await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm');
    assert.equal(r.status, 200);
    assert.deepEqual(ids(r.body), all.map((v) => v.id));
    const lib = r.body.find((x: Json) => x.name === 'Library_VM0');
    assert.deepEqual(lib, { vm: lib.vm, name: 'Library_VM0', power_state: 'POWERED_OFF', cpu_count: 2, memory_size_MiB: 2048 });
    const j = await rpc('com.vmware.vcenter.VM', 'list');
    assert.deepEqual(j.output, r.body);
    // What the SDK reads: a list of com.vmware.vcenter.VM.summary structures, optionals wrapped.
    const first = j.raw.result.output[0].STRUCTURE['com.vmware.vcenter.VM.summary'];
    assert.deepEqual(first.cpu_count, { OPTIONAL: all[0]!.hardware.cpuCount });
    assert.equal(first.power_state, 'POWERED_ON');
  });

  it('list filters combine: folders, datacenters, resource pools, hosts, clusters, names, power states', async () => {
    const q = async (query: string, filter: Record<string, unknown>, want: string[]) => {
      const r = await rest('GET', '/api/vcenter/vm', `/api/vcenter/vm?${query}`);
      assert.equal(r.status, 200);
      assert.deepEqual(ids(r.body), want, query);
      const j = await rpc('com.vmware.vcenter.VM', 'list', { filter });
      assert.deepEqual(ids(j.output), want, `rpc ${query}`);
    };
    // The VM folder of DC0 holds library VMs too; power states narrow.
    await q('folders=group-v1&power_states=POWERED_OFF', { folders: ['group-v1'], power_states: ['POWERED_OFF'] }, expected((v) => v.powerState === 'poweredOff'));
    // A cluster's root pool and one of its hosts.
    await q('resource_pools=resgroup-1&hosts=host-1', { resource_pools: ['resgroup-1'], hosts: ['host-1'] }, expected((v) => v.hostId === 'host-1'));
    // A standalone host's pool, alone and with the cluster's pool.
    await q('resource_pools=resgroup-h3', { resource_pools: ['resgroup-h3'] }, expected((v) => v.hostId === 'host-3'));
    await q('resource_pools=resgroup-h3&resource_pools=resgroup-1&power_states=SUSPENDED', { resource_pools: ['resgroup-h3', 'resgroup-1'], power_states: ['SUSPENDED'] }, expected((v) => v.hostId !== null && v.powerState === 'suspended'));
    // A datacenter holds placed VMs and the library VMs on its datastores.
    await q('datacenters=datacenter-1&names=Library_VM0&names=DC0_H0_VM0', { datacenters: ['datacenter-1'], names: ['Library_VM0', 'DC0_H0_VM0'] }, expected((v) => v.name === 'Library_VM0' || v.name === 'DC0_H0_VM0'));
    // Clusters: VMs on the cluster's hosts; never library VMs.
    await q('clusters=domain-c1&folders=group-v1', { clusters: ['domain-c1'], folders: ['group-v1'] }, expected((v) => v.hostId === 'host-1' || v.hostId === 'host-2'));
    // A host outside the pool's cluster: nothing.
    await q('hosts=host-3&resource_pools=resgroup-1', { hosts: ['host-3'], resource_pools: ['resgroup-1'] }, []);
    // Unknown ids narrow, never fail.
    await q('vms=vm-1&vms=vm-99999', { vms: ['vm-1', 'vm-99999'] }, ['vm-1']);
    await q('folders=group-v99', { folders: ['group-v99'] }, []);
    await q('folders=group-h1', { folders: ['group-h1'] }, []);
    await q('resource_pools=nonsense', { resource_pools: ['nonsense'] }, []);
    await q('datacenters=datacenter-77', { datacenters: ['datacenter-77'] }, []);
  });

  it('list: empty sets are no condition (JSON-RPC can send them)', async () => {
    const j = await rpc('com.vmware.vcenter.VM', 'list', { filter: { vms: [], names: [], power_states: [] } });
    assert.deepEqual(ids(j.output), all.map((v) => v.id));
  });

  it('get: the full VM.info with device maps keyed as vSphere does', async () => {
    const vm = all.find((v) => v.name === 'DC0_C0_H0_VM0')!;
    const r = await rest('GET', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${vm.id}`);
    assert.equal(r.status, 200);
    const info = r.body;
    assert.equal(info.name, vm.name);
    assert.equal(info.guest_OS, 'OTHER_LINUX_64');
    assert.deepEqual(info.identity, { name: vm.name, bios_uuid: vm.uuid, instance_uuid: vm.uuid });
    assert.equal(info.power_state, 'POWERED_ON');
    assert.deepEqual(info.hardware, { version: 'VMX_19', upgrade_policy: 'NEVER', upgrade_status: 'NONE' });
    assert.deepEqual(info.cpu, { count: vm.hardware.cpuCount, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false });
    assert.deepEqual(info.memory, { size_MiB: vm.hardware.memoryMiB, hot_add_enabled: false });
    assert.deepEqual(info.boot, { type: 'BIOS', delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false });
    assert.deepEqual(info.boot_devices, []);
    assert.deepEqual(Object.keys(info.disks), ['2000']);
    assert.deepEqual(info.disks['2000'], {
      label: 'Hard disk 1',
      type: 'SCSI',
      scsi: { bus: 0, unit: 0 },
      backing: { type: 'VMDK_FILE', vmdk_file: `[LocalDS_0] ${vm.name}/${vm.hardware.disks[0]!.fileName}` },
      capacity: 2048 * 1024 * 1024,
    });
    const nic = info.nics['4000'];
    assert.equal(nic.mac_address, vm.hardware.nics[0]!.macAddress);
    assert.equal(nic.type, 'VMXNET3');
    assert.equal(nic.state, 'CONNECTED');
    assert.deepEqual(nic.backing, { type: 'STANDARD_PORTGROUP', network: 'network-1', network_name: 'VM Network' });
    assert.deepEqual(Object.keys(info.scsi_adapters), ['1000']);
    for (const k of ['cdroms', 'floppies', 'parallel_ports', 'serial_ports', 'sata_adapters']) assert.deepEqual(info[k], {}, k);

    // JSON-RPC: the same value; maps travel as map-entry lists with the key as text.
    const j = await rpc('com.vmware.vcenter.VM', 'get', { vm: vm.id });
    assert.deepEqual(j.output, info);
    const wire = j.raw.result.output.STRUCTURE['com.vmware.vcenter.VM.info'];
    assert.equal(wire.disks[0].STRUCTURE['map-entry'].key, '2000');
    assert.equal(wire.guest_OS, 'OTHER_LINUX_64');
  });

  it('get: library VMs map their guest OS, powered-off NICs are not connected', async () => {
    const lib = all.find((v) => v.name === 'Library_VM1')!;
    const j = await rpc('com.vmware.vcenter.VM', 'get', { vm: lib.id });
    assert.equal(j.output.guest_OS, 'WINDOWS_9_64');
    assert.equal(j.output.nics['4000'].state, 'NOT_CONNECTED');
    assert.equal(j.output.nics['4000'].backing.network, 'network-1');
    assert.match(j.output.disks['2000'].backing.vmdk_file, /^\[Library\] Library_VM1\//);
  });

  it('get of an unknown VM is not_found on both flavours', async () => {
    const r = await rest('GET', '/api/vcenter/vm/{vm}', '/api/vcenter/vm/vm-424242');
    assert.equal(r.status, 404);
    assert.equal(r.body.error_type, 'NOT_FOUND');
    assert.match(r.body.messages[0].default_message, /vm-424242/);
    const j = await rpc('com.vmware.vcenter.VM', 'get', { vm: 'vm-424242' });
    assert.equal(j.error, 'not_found');
  });

  it('hardware get and update on both flavours; policies other than NEVER are unsupported', async () => {
    const vm = all.find((v) => v.powerState === 'poweredOff' && v.hostId !== null)!;
    const g = await rest('GET', '/api/vcenter/vm/{vm}/hardware', `/api/vcenter/vm/${vm.id}/hardware`);
    assert.deepEqual(g.body, { version: 'VMX_19', upgrade_policy: 'NEVER', upgrade_status: 'NONE' });
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware', 'get', { vm: vm.id })).output, g.body);

    const ok = await rest('PATCH', '/api/vcenter/vm/{vm}/hardware', `/api/vcenter/vm/${vm.id}/hardware`, { upgrade_policy: 'NEVER' });
    assert.equal(ok.status, 204);
    const later = await rest('PATCH', '/api/vcenter/vm/{vm}/hardware', `/api/vcenter/vm/${vm.id}/hardware`, { upgrade_policy: 'AFTER_CLEAN_SHUTDOWN', upgrade_version: 'VMX_19' });
    assert.equal(later.status, 400);
    assert.equal(later.body.error_type, 'UNSUPPORTED');
    assert.match(later.body.messages[0].default_message, /upgrade_policy AFTER_CLEAN_SHUTDOWN/);
    const j = await rpc('com.vmware.vcenter.vm.hardware', 'update', { vm: vm.id, spec: { upgrade_version: 'VMX_19' } });
    assert.equal(j.error, 'invalid_argument');
    assert.deepEqual((await rpc('com.vmware.vcenter.vm.hardware', 'update', { vm: vm.id, spec: {} })).output, undefined);
  });

  it('hardware upgrade: to a version, to the latest, then already_in_desired_state; running VMs refuse', async () => {
    const created = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { name: 'old-hw', guest_OS: 'WINDOWS_SERVER_2019', hardware_version: 'VMX_13', placement: { host: 'host-3' } });
    assert.equal(created.status, 201);
    const id = created.body as string;
    // The .vmx keeps VMware's guestOS key and the version.
    const vmx = await readFile(join(s.dataDir, 'datastores', 'LocalDS_1', 'old-hw', 'old-hw.vmx'), 'utf8');
    assert.match(vmx, /guestOS = "windows2019srv-64"/);
    assert.match(vmx, /virtualHW.version = "13"/);
    assert.equal((await rpc('com.vmware.vcenter.VM', 'get', { vm: id })).output.guest_OS, 'WINDOWS_SERVER_2019');

    const up = await rest('POST', '/api/vcenter/vm/{vm}/hardware?action=upgrade', `/api/vcenter/vm/${id}/hardware?action=upgrade`, { version: 'VMX_15' });
    assert.equal(up.status, 204);
    assert.equal((await rest('GET', '/api/vcenter/vm/{vm}/hardware', `/api/vcenter/vm/${id}/hardware`)).body.version, 'VMX_15');
    const latest = await rpc('com.vmware.vcenter.vm.hardware', 'upgrade', { vm: id });
    assert.equal(latest.error, undefined, latest.message);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware', 'get', { vm: id })).output.version, 'VMX_19');
    const again = await rest('POST', '/api/vcenter/vm/{vm}/hardware?action=upgrade', `/api/vcenter/vm/${id}/hardware?action=upgrade`, {});
    assert.equal(again.status, 400);
    assert.equal(again.body.error_type, 'ALREADY_IN_DESIRED_STATE');
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware', 'upgrade', { vm: id, version: 'VMX_19' })).error, 'already_in_desired_state');

    const running = all.find((v) => v.powerState === 'poweredOn')!;
    const r = await rest('POST', '/api/vcenter/vm/{vm}/hardware?action=upgrade', `/api/vcenter/vm/${running.id}/hardware?action=upgrade`, {});
    assert.equal(r.status, 400);
    assert.equal(r.body.error_type, 'NOT_ALLOWED_IN_CURRENT_STATE');
  });

  it('a read-only user lists and reads but may not change anything (403 / unauthorized)', async () => {
    const l = await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm?names=DC0_H0_VM1', undefined, viewer);
    assert.equal(l.status, 200);
    assert.equal(l.body.length, 1);
    const id = l.body[0].vm as string;
    assert.equal((await rest('GET', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${id}`, undefined, viewer)).status, 200);
    const del = await rest('DELETE', '/api/vcenter/vm/{vm}', `/api/vcenter/vm/${id}`, undefined, viewer);
    assert.equal(del.status, 403);
    assert.equal(del.body.error_type, 'UNAUTHORIZED');
    const create = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { name: 'nope', guest_OS: 'OTHER_LINUX_64', placement: { host: 'host-3' } }, viewer);
    assert.equal(create.status, 403);
    const hw = await rest('PATCH', '/api/vcenter/vm/{vm}/hardware', `/api/vcenter/vm/${id}/hardware`, { upgrade_policy: 'NEVER' }, viewer);
    assert.equal(hw.status, 403);
    assert.equal((await rpc('com.vmware.vcenter.vm.hardware', 'upgrade', { vm: id }, viewer)).error, 'unauthorized');
    assert.equal((await rpc('com.vmware.vcenter.VM', 'delete', { vm: id }, viewer)).error, 'unauthorized');
    assert.ok(await s.server.core.ctx.store.vms.get(id));
  });

  it('wrong types and unknown enum values are invalid_argument on both flavours', async () => {
    const badName = await rpcRaw('com.vmware.vcenter.VM', 'list', { STRUCTURE: { 'operation-input': { filter: { OPTIONAL: { STRUCTURE: { 'com.vmware.vcenter.VM.filter_spec': { names: { OPTIONAL: [42] } } } } } } } });
    assert.ok(badName.json.result.error.ERROR['com.vmware.vapi.std.errors.invalid_argument']);
    assert.equal(badName.headers['vapi-error'], 'com.vmware.vapi.std.errors.invalid_argument');
    const badId = await rpcRaw('com.vmware.vcenter.VM', 'get', { STRUCTURE: { 'operation-input': { vm: 7 } } });
    assert.ok(badId.json.result.error.ERROR['com.vmware.vapi.std.errors.invalid_argument']);
    const badEnum = await rpcRaw('com.vmware.vcenter.vm.hardware', 'upgrade', { STRUCTURE: { 'operation-input': { vm: 'vm-1', version: { OPTIONAL: 'VMX_99' } } } });
    assert.ok(badEnum.json.result.error.ERROR['com.vmware.vapi.std.errors.invalid_argument']);
    const badCpu = await rest('POST', '/api/vcenter/vm', '/api/vcenter/vm', { name: 'x', guest_OS: 'OTHER_LINUX_64', cpu: { count: 'two' } });
    assert.equal(badCpu.status, 400);
    assert.equal(badCpu.body.error_type, 'INVALID_ARGUMENT');
    const badState = await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm?power_states=HALF_ON');
    assert.equal(badState.status, 400);
    assert.match(badState.body.messages[0].default_message, /power_states/);
  });

  it('more than 4000 matching VMs: unable_to_allocate_resource, as vCenter; a narrower filter still lists', async () => {
    const store = s.server.core.ctx.store;
    const proto = all.find((v) => v.hostId === null)!;
    await store.transaction(async (tx) => {
      for (let i = 0; i < 4001; i++) {
        await tx.vms.insert({ ...proto, id: `vm-${100000 + i}`, uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `bulk-${i}`, vmxRel: `bulk-${i}/bulk-${i}.vmx` });
      }
    });
    const r = await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm');
    assert.equal(r.status, 400);
    assert.equal(r.body.error_type, 'UNABLE_TO_ALLOCATE_RESOURCE');
    assert.match(r.body.messages[0].default_message, /4000/);
    assert.equal((await rpc('com.vmware.vcenter.VM', 'list', { filter: { folders: ['group-v1'] } })).error, 'unable_to_allocate_resource');
    const narrow = await rest('GET', '/api/vcenter/vm', '/api/vcenter/vm?hosts=host-3');
    assert.equal(narrow.status, 200);
    assert.deepEqual(ids(narrow.body), [...expected((v) => v.hostId === 'host-3'), (await store.vms.getByName('old-hw'))!.id]);
    assert.equal(hostOf(narrow.body[0].vm), 'host-3');
  });
});

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { SYSTEM_CALLER } from '../../../src/core/index.ts';
import { decodeOperationOutput, encodeOperationInput } from '../../../src/protocols/vapi/codec/index.ts';
import { findOperation } from '../../../src/protocols/vapi/types/index.ts';
import { validateResponse } from '../../support/spec-validator.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../support/test-server.ts';

/**
 * The vCenter inventory services (host, datacenter, cluster, datastore, network, folder,
 * resource_pool) over both flavours, against a real server: the demo inventory (DC0:
 * cluster domain-c1 with host-1 and host-2 on LocalDS_0, standalone host-3 on LocalDS_1,
 * datastore Library) plus a second datacenter made through core here (DC1: cluster
 * domain-c2 with host-4, standalone host-5, datastore DS1). Every REST body is checked
 * against the vSphere 7.0.3 spec.
 */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const basic = (user: string, pw: string) => 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64');

describe('vAPI inventory: hosts, datacenters, clusters, datastores, networks, folders, resource pools (real HTTPS)', () => {
  let s: TestServer;
  let token: string;
  let dc1Viewer: string;
  let nobody: string;

  async function rest(template: string, path: string, tok = token): Promise<{ status: number; body: Json }> {
    const r = await s.request('GET', path, { headers: { 'vmware-api-session-id': tok } });
    const parsed = JSON.parse(r.body) as Json;
    assert.deepEqual(validateResponse('GET', template, r.status, parsed), [], `GET ${path} → ${r.status} ${r.body.slice(0, 400)}`);
    return { status: r.status, body: parsed };
  }

  async function rpcRaw(serviceId: string, operationId: string, input: unknown, tok = token): Promise<Json> {
    const r = await s.request('POST', '/api', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'invoke', id: 'inv', params: { serviceId, operationId, input, ctx: { appCtx: {}, securityCtx: { schemeId: 'com.vmware.vapi.std.security.session_id', sessionId: tok } } } }),
    });
    return JSON.parse(r.body) as Json;
  }

  async function rpc(serviceId: string, operationId: string, input: Record<string, unknown> = {}, tok = token): Promise<{ output?: Json; error?: string }> {
    const op = findOperation(serviceId, operationId)!;
    const json = await rpcRaw(serviceId, operationId, encodeOperationInput(op, input), tok);
    if (json.result.error) return { error: Object.keys(json.result.error.ERROR)[0]!.replace('com.vmware.vapi.std.errors.', '') };
    const out = decodeOperationOutput(op, json.result.output);
    assert.ok(out.ok);
    return { output: out.value as Json };
  }

  /** Free space changes while other tests write files: compare datastores without it. */
  const steady = (rows: Json[]) => rows.map(({ free_space: _f, ...rest }: Json) => rest);

  /** A list over REST (query) and JSON-RPC (filter): both must give `want` (ids under `key`). */
  async function both(svc: string, path: string, key: string, query: string, filter: Record<string, unknown>, want: string[], tok = token): Promise<Json[]> {
    const r = await rest(path, `${path}${query ? `?${query}` : ''}`, tok);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.map((x: Json) => x[key]), want, `${path}?${query}`);
    const j = await rpc(`com.vmware.vcenter.${svc}`, 'list', Object.keys(filter).length ? { filter } : {}, tok);
    assert.deepEqual(steady(j.output), steady(r.body), `rpc ${svc} ${JSON.stringify(filter)}`);
    return r.body;
  }

  before(async () => {
    s = await startTestServer();
    token = JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic('administrator', ADMIN_PASSWORD) } })).body) as string;
    const { inventory, identity, vms } = s.server.core;
    const c = SYSTEM_CALLER;
    const dc = await inventory.createDatacenter(c, 'DC1');
    const ds = await inventory.createDatastore(c, { name: 'DS1', datacenterId: dc.id });
    const cl = await inventory.createCluster(c, { name: 'DC1_C0', datacenterId: dc.id });
    const h4 = await inventory.createHost(c, { name: 'DC1_C0_H0', datacenterId: dc.id, clusterId: cl.id, driver: 'sim', cpuCount: 8, memoryMiB: 8192, datastoreIds: [ds.id] });
    await inventory.createHost(c, { name: 'DC1_H0', datacenterId: dc.id, clusterId: null, driver: 'sim', cpuCount: 8, memoryMiB: 8192, datastoreIds: [ds.id] });
    await vms.create(c, { name: 'dc1-vm', disks: [{ capacityMiB: 16 }], placement: { hostId: h4.id } });
    const gone = await inventory.createDatastore(c, { name: 'Gone', datacenterId: dc.id });
    await rm(gone.path, { recursive: true, force: true });
    for (const [name, entity] of [['dc1-viewer', dc.id], ['nobody', null]] as const) {
      const { user } = await identity.createUser(c, { name, password: `${name}-password-1` });
      if (entity) await identity.setPermission(c, { principal: `user:${user.id}`, entityId: entity, roleId: 'read-only', propagate: true });
    }
    const login = async (name: string) => JSON.parse((await s.request('POST', '/api/session', { headers: { authorization: basic(name, `${name}-password-1`) } })).body) as string;
    dc1Viewer = await login('dc1-viewer');
    nobody = await login('nobody');
  });
  after(async () => s.close());

  it('host list: connection and power state; filters by folder, datacenter, cluster, standalone, state, name', async () => {
    const list = await both('host', '/api/vcenter/host', 'host', '', {}, ['host-1', 'host-2', 'host-3', 'host-4', 'host-5']);
    assert.deepEqual(list[0], { host: 'host-1', name: 'DC0_C0_H0', connection_state: 'CONNECTED', power_state: 'POWERED_ON' });
    await both('host', '/api/vcenter/host', 'host', 'standalone=true', { standalone: true }, ['host-3', 'host-5']);
    await both('host', '/api/vcenter/host', 'host', 'standalone=false&datacenters=datacenter-1', { standalone: false, datacenters: ['datacenter-1'] }, ['host-1', 'host-2']);
    await both('host', '/api/vcenter/host', 'host', 'folders=group-h2', { folders: ['group-h2'] }, ['host-4', 'host-5']);
    await both('host', '/api/vcenter/host', 'host', 'clusters=domain-c1&names=DC0_C0_H1&names=DC1_H0', { clusters: ['domain-c1'], names: ['DC0_C0_H1', 'DC1_H0'] }, ['host-2']);
    await both('host', '/api/vcenter/host', 'host', 'connection_states=DISCONNECTED&connection_states=NOT_RESPONDING', { connection_states: ['DISCONNECTED', 'NOT_RESPONDING'] }, []);
    await both('host', '/api/vcenter/host', 'host', 'folders=group-v1', { folders: ['group-v1'] }, []);
    await both('host', '/api/vcenter/host', 'host', 'hosts=host-3&hosts=host-99', { hosts: ['host-3', 'host-99'] }, ['host-3']);
    const badState = await rest('/api/vcenter/host', '/api/vcenter/host?connection_states=SLEEPING');
    assert.deepEqual([badState.status, badState.body.error_type], [400, 'INVALID_ARGUMENT']);
    const badType = await rpcRaw('com.vmware.vcenter.host', 'list', { STRUCTURE: { 'operation-input': { filter: { OPTIONAL: { STRUCTURE: { 'com.vmware.vcenter.host.filter_spec': { standalone: { OPTIONAL: 'yes' } } } } } } } });
    assert.ok(badType.result.error.ERROR['com.vmware.vapi.std.errors.invalid_argument']);
  });

  it('datacenter list and get: the four folders of each datacenter', async () => {
    await both('datacenter', '/api/vcenter/datacenter', 'datacenter', '', {}, ['datacenter-1', 'datacenter-2']);
    await both('datacenter', '/api/vcenter/datacenter', 'datacenter', 'names=DC1&folders=group-d1', { names: ['DC1'], folders: ['group-d1'] }, ['datacenter-2']);
    await both('datacenter', '/api/vcenter/datacenter', 'datacenter', 'folders=group-v1', { folders: ['group-v1'] }, []);
    const g = await rest('/api/vcenter/datacenter/{datacenter}', '/api/vcenter/datacenter/datacenter-2');
    assert.deepEqual(g.body, { name: 'DC1', datastore_folder: 'group-s2', host_folder: 'group-h2', network_folder: 'group-n2', vm_folder: 'group-v2' });
    assert.deepEqual((await rpc('com.vmware.vcenter.datacenter', 'get', { datacenter: 'datacenter-2' })).output, g.body);
    const missing = await rest('/api/vcenter/datacenter/{datacenter}', '/api/vcenter/datacenter/datacenter-9');
    assert.deepEqual([missing.status, missing.body.error_type], [404, 'NOT_FOUND']);
    assert.equal((await rpc('com.vmware.vcenter.datacenter', 'get', { datacenter: 'datacenter-9' })).error, 'not_found');
  });

  it('cluster list and get: HA and DRS off, the root resource pool', async () => {
    const list = await both('cluster', '/api/vcenter/cluster', 'cluster', '', {}, ['domain-c1', 'domain-c2']);
    assert.deepEqual(list[0], { cluster: 'domain-c1', name: 'DC0_C0', ha_enabled: false, drs_enabled: false });
    await both('cluster', '/api/vcenter/cluster', 'cluster', 'datacenters=datacenter-2', { datacenters: ['datacenter-2'] }, ['domain-c2']);
    await both('cluster', '/api/vcenter/cluster', 'cluster', 'folders=group-h1&names=DC0_C0', { folders: ['group-h1'], names: ['DC0_C0'] }, ['domain-c1']);
    await both('cluster', '/api/vcenter/cluster', 'cluster', 'folders=group-s1', { folders: ['group-s1'] }, []);
    const g = await rest('/api/vcenter/cluster/{cluster}', '/api/vcenter/cluster/domain-c2');
    assert.deepEqual(g.body, { name: 'DC1_C0', resource_pool: 'resgroup-2' });
    assert.deepEqual((await rpc('com.vmware.vcenter.cluster', 'get', { cluster: 'domain-c2' })).output, g.body);
    assert.equal((await rest('/api/vcenter/cluster/{cluster}', '/api/vcenter/cluster/domain-c42')).status, 404);
  });

  it('datastore list and get: VMFS, sizes of the file system, multiple host access, inaccessible when its directory is gone', async () => {
    const list = await both('datastore', '/api/vcenter/datastore', 'datastore', '', {}, ['datastore-1', 'datastore-2', 'datastore-3', 'datastore-4', 'datastore-5']);
    const ds0 = list[0];
    assert.equal(ds0.type, 'VMFS');
    assert.ok(ds0.capacity > 0 && ds0.free_space > 0 && ds0.free_space <= ds0.capacity);
    assert.deepEqual(list[4], { datastore: 'datastore-5', name: 'Gone', type: 'VMFS' });
    await both('datastore', '/api/vcenter/datastore', 'datastore', 'folders=group-s2&types=VMFS', { folders: ['group-s2'], types: ['VMFS'] }, ['datastore-4', 'datastore-5']);
    await both('datastore', '/api/vcenter/datastore', 'datastore', 'datacenters=datacenter-1&names=Library', { datacenters: ['datacenter-1'], names: ['Library'] }, ['datastore-3']);
    await both('datastore', '/api/vcenter/datastore', 'datastore', 'types=NFS', { types: ['NFS'] }, []);
    const shared = await rest('/api/vcenter/datastore/{datastore}', '/api/vcenter/datastore/datastore-1');
    assert.deepEqual({ ...shared.body, free_space: 0 }, { name: 'LocalDS_0', type: 'VMFS', accessible: true, free_space: 0, multiple_host_access: true, thin_provisioning_supported: true });
    const local = await rpc('com.vmware.vcenter.datastore', 'get', { datastore: 'datastore-2' });
    assert.equal(local.output.multiple_host_access, false);
    const gone = await rest('/api/vcenter/datastore/{datastore}', '/api/vcenter/datastore/datastore-5');
    assert.deepEqual(gone.body, { name: 'Gone', type: 'VMFS', accessible: false, multiple_host_access: false, thin_provisioning_supported: true });
    assert.equal((await rest('/api/vcenter/datastore/{datastore}', '/api/vcenter/datastore/datastore-77')).status, 404);
    assert.equal((await rpc('com.vmware.vcenter.datastore', 'get', { datastore: 'datastore-77' })).error, 'not_found');
  });

  it("network list: one 'VM Network' per datacenter, the network VM NICs report", async () => {
    const list = await both('network', '/api/vcenter/network', 'network', '', {}, ['network-1', 'network-2']);
    assert.deepEqual(list[1], { network: 'network-2', name: 'VM Network', type: 'STANDARD_PORTGROUP' });
    await both('network', '/api/vcenter/network', 'network', 'folders=group-n2&names=VM%20Network&types=STANDARD_PORTGROUP', { folders: ['group-n2'], names: ['VM Network'], types: ['STANDARD_PORTGROUP'] }, ['network-2']);
    await both('network', '/api/vcenter/network', 'network', 'datacenters=datacenter-1&networks=network-2', { datacenters: ['datacenter-1'], networks: ['network-2'] }, []);
    await both('network', '/api/vcenter/network', 'network', 'types=DISTRIBUTED_PORTGROUP', { types: ['DISTRIBUTED_PORTGROUP'] }, []);
    const vm = (await s.server.core.ctx.store.vms.getByName('dc1-vm'))!;
    const info = (await rpc('com.vmware.vcenter.VM', 'get', { vm: vm.id })).output;
    assert.equal(info.nics['4000'].backing.network, 'network-2');
  });

  it('folder list: the root folder and four folders per datacenter; filters by type, name, datacenter, parent', async () => {
    await both('folder', '/api/vcenter/folder', 'folder', '', {}, ['group-d1', 'group-v1', 'group-h1', 'group-s1', 'group-n1', 'group-v2', 'group-h2', 'group-s2', 'group-n2']);
    const vmFolders = await both('folder', '/api/vcenter/folder', 'folder', 'type=VIRTUAL_MACHINE', { type: 'VIRTUAL_MACHINE' }, ['group-v1', 'group-v2']);
    assert.deepEqual(vmFolders[0], { folder: 'group-v1', name: 'vm', type: 'VIRTUAL_MACHINE' });
    await both('folder', '/api/vcenter/folder', 'folder', 'datacenters=datacenter-2&names=host&names=network', { datacenters: ['datacenter-2'], names: ['host', 'network'] }, ['group-h2', 'group-n2']);
    await both('folder', '/api/vcenter/folder', 'folder', 'type=DATACENTER', { type: 'DATACENTER' }, ['group-d1']);
    await both('folder', '/api/vcenter/folder', 'folder', 'parent_folders=group-d1', { parent_folders: ['group-d1'] }, []);
    await both('folder', '/api/vcenter/folder', 'folder', 'folders=group-s1&folders=group-x9', { folders: ['group-s1', 'group-x9'] }, ['group-s1']);
    const badType = await rest('/api/vcenter/folder', '/api/vcenter/folder?type=STORAGE_POD');
    assert.deepEqual([badType.status, badType.body.error_type], [400, 'INVALID_ARGUMENT']);
  });

  it('resource pool list and get: one root pool per cluster and per standalone host', async () => {
    await both('resource_pool', '/api/vcenter/resource-pool', 'resource_pool', '', {}, ['resgroup-1', 'resgroup-2', 'resgroup-h3', 'resgroup-h5']);
    await both('resource_pool', '/api/vcenter/resource-pool', 'resource_pool', 'hosts=host-1', { hosts: ['host-1'] }, ['resgroup-1']);
    await both('resource_pool', '/api/vcenter/resource-pool', 'resource_pool', 'hosts=host-3&hosts=host-4', { hosts: ['host-3', 'host-4'] }, ['resgroup-2', 'resgroup-h3']);
    await both('resource_pool', '/api/vcenter/resource-pool', 'resource_pool', 'clusters=domain-c2&names=Resources', { clusters: ['domain-c2'], names: ['Resources'] }, ['resgroup-2']);
    await both('resource_pool', '/api/vcenter/resource-pool', 'resource_pool', 'datacenters=datacenter-2', { datacenters: ['datacenter-2'] }, ['resgroup-2', 'resgroup-h5']);
    await both('resource_pool', '/api/vcenter/resource-pool', 'resource_pool', 'parent_resource_pools=resgroup-1', { parent_resource_pools: ['resgroup-1'] }, []);
    const g = await rest('/api/vcenter/resource-pool/{resource_pool}', '/api/vcenter/resource-pool/resgroup-h5');
    assert.deepEqual(g.body, { name: 'Resources', resource_pools: [] });
    assert.deepEqual((await rpc('com.vmware.vcenter.resource_pool', 'get', { resource_pool: 'resgroup-1' })).output, g.body);
    for (const id of ['resgroup-h1', 'resgroup-9', 'pool-1']) {
      const r = await rest('/api/vcenter/resource-pool/{resource_pool}', `/api/vcenter/resource-pool/${id}`);
      assert.deepEqual([r.status, r.body.error_type], [404, 'NOT_FOUND'], id);
    }
    assert.equal((await rpc('com.vmware.vcenter.resource_pool', 'get', { resource_pool: 'resgroup-h1' })).error, 'not_found');
  });

  it('what a user sees follows permissions, derived objects included', async () => {
    const t = dc1Viewer;
    await both('datacenter', '/api/vcenter/datacenter', 'datacenter', '', {}, ['datacenter-2'], t);
    await both('host', '/api/vcenter/host', 'host', '', {}, ['host-4', 'host-5'], t);
    await both('cluster', '/api/vcenter/cluster', 'cluster', '', {}, ['domain-c2'], t);
    await both('datastore', '/api/vcenter/datastore', 'datastore', '', {}, ['datastore-4', 'datastore-5'], t);
    await both('network', '/api/vcenter/network', 'network', '', {}, ['network-2'], t);
    await both('folder', '/api/vcenter/folder', 'folder', '', {}, ['group-d1', 'group-v2', 'group-h2', 'group-s2', 'group-n2'], t);
    await both('resource_pool', '/api/vcenter/resource-pool', 'resource_pool', '', {}, ['resgroup-2', 'resgroup-h5'], t);
    const vms = await rest('/api/vcenter/vm', '/api/vcenter/vm', t);
    assert.deepEqual(vms.body.map((v: Json) => v.name), ['dc1-vm']);
    assert.equal((await rest('/api/vcenter/cluster/{cluster}', '/api/vcenter/cluster/domain-c1', t)).status, 404);
    assert.equal((await rpc('com.vmware.vcenter.resource_pool', 'get', { resource_pool: 'resgroup-1' }, t)).error, 'not_found');

    for (const path of ['/api/vcenter/datacenter', '/api/vcenter/host', '/api/vcenter/folder', '/api/vcenter/network', '/api/vcenter/resource-pool', '/api/vcenter/vm']) {
      assert.deepEqual((await rest(path, path, nobody)).body, [], path);
    }
    assert.equal((await rest('/api/vcenter/datacenter/{datacenter}', '/api/vcenter/datacenter/datacenter-1', nobody)).status, 404);
  });
});

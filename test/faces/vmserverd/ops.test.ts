import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VmserverdClient, VmserverdError } from '../../../src/clients/vmserverd/index.ts';
import type { Vm } from '../../../src/core/index.ts';
import { startAuthd, testTls, type AuthdKit } from './kit.ts';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
const code = (c: string) => (e: unknown) => {
  assert.ok(e instanceof VmserverdError, String(e));
  assert.equal(e.code, c, e.message);
  return true;
};

describe('vmserverd ops over TLS', () => {
  let k: AuthdKit;
  let c: VmserverdClient;
  let ro: VmserverdClient;
  let vm: Vm;
  let vmx: string;
  before(async () => {
    k = await startAuthd();
    c = await k.admin();
    await k.t.user('reader', 'read-only');
    await k.t.user('stranger', null);
    ro = await k.client();
    await ro.login('reader', 'reader-password-1');
    vm = await k.t.core.vms.create(k.t.admin, { name: 'web01', placement: { hostId: k.t.hosts[0]!.id } });
    vmx = await k.t.core.vms.vmxPath(vm);
  });
  after(async () => k.close());

  describe('inc, dec, div', () => {
    it('compute', async () => {
      assert.equal(await c.inc(42), 43);
      assert.equal(await c.dec(42), 41);
      assert.equal(await c.inc(-1.5), -0.5);
      assert.equal(await c.div(7, 2), 3.5);
      assert.equal(await c.div(-9, 3), -3);
    });
    it('divide by zero, non-numbers, a missing field and a missing <in> are bad_argument', async () => {
      await assert.rejects(c.div(1, 0), code('bad_argument'));
      await assert.rejects(c.exec('inc', { number: 'forty-two' }), code('bad_argument'));
      await assert.rejects(c.exec('inc', { number: '1e999' }), code('bad_argument'));
      await assert.rejects(c.exec('inc', { number: '0x10' }), code('bad_argument'));
      await assert.rejects(c.exec('div', { dividend: 1 }), code('bad_argument'));
      await assert.rejects(c.execXml('<exec><op>inc</op></exec>').then((r) => (r.ok ? r : Promise.reject(new VmserverdError(r.error.code, r.error.message)))), code('bad_argument'));
    });
  });

  describe('VMServerd_*', () => {
    it('GetOperationTable lists every op as "Op NAME -> handler (access)", sorted', async () => {
      const table = await c.operationTable();
      assert.ok(table.includes('Op inc -> vmgate::inc (authuser)'), table.join('\n'));
      for (const name of ['dec', 'div', 'VM_INFO', 'VMRegister', 'VMUnRegister', 'VM_GetLastNEvents', 'VMServerd_GetConnectedVMList', 'VMServerd_GetOperationTable', 'VMServerd_GetProductInfo', 'VMServerd_GetRequestCount', 'VMServerd_IsAdminUser', 'VM_PowerOn', 'VM_PowerOff', 'VM_Reset', 'VM_Suspend', 'VM_Pause', 'VM_Unpause', 'TaskManager_StatusOfTask', 'TaskManager_StopTask']) {
        assert.ok(table.some((l) => l.startsWith(`Op ${name} -> `)), name);
      }
      for (const l of table) assert.match(l, /^Op \S+ -> vmgate::\S+ \((authuser|rootonly)\)$/);
      const names = table.map((l) => l.split(' ')[1]!);
      assert.deepEqual(names, [...names].sort());
    });
    it('GetProductInfo', async () => {
      const p = await c.productInfo();
      assert.equal(p.id, 'vmgate');
      assert.equal(p.title, 'vmgate');
      assert.match(p.version, /^\d+\.\d+\.\d+/);
    });
    it('GetRequestCount counts every exec request of the server (its own included)', async () => {
      const a = await c.requestCount();
      await ro.inc(1);
      const b = await c.requestCount();
      assert.equal(b, a + 2);
    });
    it('IsAdminUser: 1 for the administrator, 0 for a read-only user', async () => {
      assert.equal(await c.isAdminUser(), true);
      assert.equal(await ro.isAdminUser(), false);
    });
  });

  describe('VMs by .vmx path', () => {
    it('VMServerd_GetRegisteredVMList: every VM the caller sees, powered on or off, sorted; nothing for a user without a role', async () => {
      const list = plain(await c.execValue('VMServerd_GetRegisteredVMList')) as { vms: { vm: string | string[] } };
      const all = ([] as string[]).concat(list.vms.vm);
      assert.ok(all.includes('[ds0] web01/web01.vmx'), all.join(', '));
      assert.deepEqual(all, [...all].sort());
      assert.equal(plain(await c.execValue('VM_INFO', { vmx: '[ds0] web01/web01.vmx' })).powerState, 'poweredOff');
      const st = await k.client();
      await st.login('stranger', 'stranger-password-1');
      assert.deepEqual(plain(await st.execValue('VMServerd_GetRegisteredVMList')), { vms: '' });
    });
    it('VM_INFO', async () => {
      const i = await c.vmInfo(vmx);
      assert.equal(i.vmx, vmx);
      assert.equal(i.id, vm.id);
      assert.equal(i.name, 'web01');
      assert.equal(i.uuid, vm.uuid);
      assert.equal(i.powerState, 'poweredOff');
      assert.equal(i.numCPU, vm.hardware.cpuCount);
      assert.equal(i.memoryMB, vm.hardware.memoryMiB);
      assert.equal(i.host, k.t.hosts[0]!.id);
    });
    it('VM_INFO: an unknown path is not_found, a name is bad_argument, an invisible VM is not_found', async () => {
      await assert.rejects(c.vmInfo('[ds0] nothing/nothing.vmx'), code('not_found'));
      await assert.rejects(c.vmInfo('web01'), code('bad_argument'));
      await assert.rejects(c.exec('VM_INFO', { vmx: '' }), code('bad_argument'));
      const s = await k.client();
      await s.login('stranger', 'stranger-password-1');
      await assert.rejects(s.vmInfo(vmx), code('not_found'));
    });
    it('VMUnRegister then VMRegister: the VM leaves and comes back; events record both', async () => {
      const other = await k.t.core.vms.create(k.t.admin, { name: 'db01', placement: { hostId: k.t.hosts[1]!.id } });
      const path = await k.t.core.vms.vmxPath(other);
      await c.unregisterVm(path);
      assert.equal(await k.t.core.vms.find(other.id), undefined);
      await assert.rejects(c.vmInfo(path), code('not_found'));
      const back = await c.registerVm(path);
      assert.equal(back.vmx, path);
      assert.equal(back.name, 'db01');
      await assert.rejects(c.registerVm(path), code('already_exists'));
      const evs = await c.lastEvents(path, 5);
      assert.equal(evs[0]!.type, 'vm.registered');
      assert.equal(evs[0]!.user, 'administrator');
    });
    it('VMRegister: a missing file is not_found, not a .vmx is bad_argument, a read-only user is permission_denied', async () => {
      await assert.rejects(c.registerVm('[ds0] ghost/ghost.vmx'), code('not_found'));
      await assert.rejects(c.exec('VMRegister', { vmx: '[ds0] ghost/ghost.vmdk' }), code('bad_argument'));
      await assert.rejects(c.registerVm('[nods] ghost/ghost.vmx'), code('not_found'));
      await assert.rejects(ro.unregisterVm(vmx), code('permission_denied'));
    });
    it('VM_GetLastNEvents: newest first, n bounded', async () => {
      const evs = await c.lastEvents(vmx, 1);
      assert.equal(evs.length, 1);
      assert.equal(evs[0]!.type, 'vm.created');
      await assert.rejects(c.exec('VM_GetLastNEvents', { vmx, n: 0 }), code('bad_argument'));
      await assert.rejects(c.exec('VM_GetLastNEvents', { vmx, n: 'many' }), code('bad_argument'));
    });
  });

  describe('the session behind a connection', () => {
    it('disabling the user stops their open connection (not_authenticated, re-checked within a second)', async () => {
      await k.t.user('leaver', 'read-only');
      const l = await k.client();
      await l.login('leaver', 'leaver-password-1');
      assert.equal(await l.inc(1), 2);
      await k.t.core.identity.updateUser(k.t.admin, 'leaver', { disabled: true });
      let refused: unknown = null;
      const end = Date.now() + 10_000;
      while (!refused && Date.now() < end) {
        await l.inc(1).catch((e: unknown) => (refused = e));
        if (!refused) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(refused, 'refused within 10 s');
      code('not_authenticated')(refused);
    });
  });

  describe('DeleteVM, host info, security', () => {
    it('VMDeleteEdit_DeleteVM removes the VM and its files', async () => {
      const gone = await k.t.core.vms.create(k.t.admin, { name: 'scratch01', placement: { hostId: k.t.hosts[0]!.id } });
      const path = await k.t.core.vms.vmxPath(gone);
      await assert.rejects(ro.exec('VMDeleteEdit_DeleteVM', { vmx: path }), code('permission_denied'));
      assert.deepEqual(JSON.parse(JSON.stringify(await c.execValue('VMDeleteEdit_DeleteVM', { vmx: path }))), { vmx: path });
      assert.equal(await k.t.core.vms.find(gone.id), undefined);
      await assert.rejects(c.vmInfo(path), code('not_found'));
    });
    it('GSXHostInfo_Query lists the hosts with capacity and use', async () => {
      const v = JSON.parse(JSON.stringify(await c.execValue('GSXHostInfo_Query'))) as { hosts: { host: Record<string, string>[] } };
      assert.deepEqual(v.hosts.host.map((h) => [h.name, h.numCPU, h.memoryMB, h.connectionState]), [['H0', '8', '8192', 'connected'], ['H1', '8', '8192', 'connected']]);
    });
    it('Host_GetVirtualNet: one NAT network per datacenter; no bridged or host-only networks', async () => {
      assert.deepEqual(JSON.parse(JSON.stringify(await c.execValue('Host_GetVirtualNet'))), { networks: { network: { name: 'VM Network', datacenter: 'DC0', type: 'nat' } } });
      assert.deepEqual(JSON.parse(JSON.stringify(await c.execValue('Host_GetBridgedNet'))), { networks: '' });
      assert.deepEqual(JSON.parse(JSON.stringify(await c.execValue('Host_GetHostOnlyNet'))), { networks: '' });
    });
    it('Security_GetConfig is rootonly: the administrator gets the fingerprint, a read-only user permission_denied', async () => {
      const v = JSON.parse(JSON.stringify(await c.execValue('Security_GetConfig'))) as { tls: Record<string, string> };
      assert.equal(v.tls.fingerprint, c.socket.getPeerCertificate().fingerprint256);
      assert.equal(v.tls.required, '1');
      await assert.rejects(ro.exec('Security_GetConfig'), code('permission_denied'));
      assert.ok((await c.operationTable()).includes('Op Security_GetConfig -> vmgate::Security_GetConfig (rootonly)'));
    });
  });

  describe('Security_CreateCertificate and Security_ActivateConfig (rootonly)', () => {
    it('a new certificate is made, then active for new connections; old connections keep theirs', async () => {
      const before = c.socket.getPeerCertificate().fingerprint256;
      await assert.rejects(c.exec('Security_ActivateConfig'), code('invalid_state'));
      await assert.rejects(ro.exec('Security_CreateCertificate', { commonName: 'x' }), code('permission_denied'));
      await assert.rejects(c.exec('Security_CreateCertificate', { commonName: 'bad name' }), code('bad_argument'));
      const made = JSON.parse(JSON.stringify(await c.execValue('Security_CreateCertificate', { commonName: 'vmgate.test', days: 30 }))) as { certificate: Record<string, string> };
      assert.notEqual(made.certificate.fingerprint, before);
      assert.match(made.certificate.subject, /CN=vmgate\.test/);
      await assert.rejects(ro.exec('Security_ActivateConfig'), code('permission_denied'));
      const act = JSON.parse(JSON.stringify(await c.execValue('Security_ActivateConfig'))) as { fingerprint: string };
      assert.equal(act.fingerprint, made.certificate.fingerprint);
      const fresh = await VmserverdClient.connect({ host: '127.0.0.1', port: k.port, ca: made.certificate.pem! });
      assert.equal(fresh.socket.getPeerCertificate().fingerprint256, made.certificate.fingerprint);
      fresh.close();
      assert.equal(c.socket.getPeerCertificate().fingerprint256, before);
      assert.equal(await c.inc(1), 2);
      // Put the test certificate back for the other tests' new connections.
      k.server.setTls(await testTls());
    });
  });

  describe('snapshots through core.snapshots', () => {
    it('create, list (current marked), revert, remove; errors', async () => {
      const snapVm = await k.t.core.vms.create(k.t.admin, { name: 'snappy', placement: { hostId: k.t.hosts[0]!.id } });
      const path = await k.t.core.vms.vmxPath(snapVm);
      const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
      const a = plain(await c.execValue('VM_CreateSnapshot', { vmx: path, name: 'base', description: 'clean install' }));
      assert.match(String(a.snapshot), /^snapshot-\d+$/);
      const b = plain(await c.execValue('VM_CreateSnapshot', { vmx: path, name: 'patched' }));
      const list = plain(await c.execValue('VM_ListSnapshots', { vmx: path })) as { snapshots: { snapshot: Record<string, string>[] } };
      assert.deepEqual(
        list.snapshots.snapshot.map((x) => [x.name, x.parent, x.description, x.current]),
        [
          ['base', '', 'clean install', '0'],
          ['patched', String(a.snapshot), '', '1'],
        ],
      );
      assert.equal(plain(await c.execValue('VM_RevertToSnapshot', { vmx: path, snapshot: 'base' })).powerState, 'poweredOff');
      assert.equal((await k.t.core.vms.get(k.t.admin, snapVm.id)).currentSnapshotId, a.snapshot);
      await assert.rejects(c.exec('VM_RevertToSnapshot', { vmx: path, snapshot: 'nope' }), code('not_found'));
      await assert.rejects(c.exec('VM_CreateSnapshot', { vmx: path, name: 'a/b' }), code('bad_argument'));
      await assert.rejects(c.exec('VM_CreateSnapshot', { vmx: path }), code('bad_argument'));
      await assert.rejects(ro.exec('VM_CreateSnapshot', { vmx: path, name: 'x' }), code('permission_denied'));
      await c.exec('VM_RemoveSnapshot', { vmx: path, snapshot: String(b.snapshot) });
      const after = plain(await c.execValue('VM_ListSnapshots', { vmx: path })) as { snapshots: { snapshot: Record<string, string> } };
      assert.equal(after.snapshots.snapshot.name, 'base');
      const tasks = await k.t.core.tasks.list(k.t.admin, { targetIds: [snapVm.id] });
      assert.ok(tasks.some((t) => t.kind.startsWith('vm.snapshot')), tasks.map((t) => t.kind).join(','));
    });
  });

  describe('clone and hardware upgrade', () => {
    it('VM_Clone makes a new VM from a .vmx; VM_UpgradeVirtualHardware sets the version', async () => {
      const src = await k.t.core.vms.create(k.t.admin, { name: 'tmpl', placement: { hostId: k.t.hosts[0]!.id }, hardwareVersion: 14 });
      const path = await k.t.core.vms.vmxPath(src);
      const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, string>;
      const cl = plain(await c.execValue('VM_Clone', { vmx: path, name: 'tmpl-copy' }));
      assert.match(cl.vmx!, /^\[ds0\] tmpl-copy\/tmpl-copy\.vmx$/);
      assert.equal((await c.vmInfo(cl.vmx!)).name, 'tmpl-copy');
      await assert.rejects(c.exec('VM_Clone', { vmx: path, name: '' }), code('bad_argument'));
      assert.equal(plain(await c.execValue('VM_UpgradeVirtualHardware', { vmx: path, version: 17 })).hwVersion, '17');
      assert.equal((await c.vmInfo(path)).hwVersion, 17);
      await assert.rejects(c.exec('VM_UpgradeVirtualHardware', { vmx: path, version: 3 }), code('bad_argument'));
      await assert.rejects(ro.exec('VM_Clone', { vmx: path, name: 'nope' }), code('permission_denied'));
    });
  });

  describe('guest operations through core.guest', () => {
    it('wait for tools, run a program, files, processes; wrong guest password, powered-off VM', async () => {
      const gvm = await k.t.core.vms.create(k.t.admin, { name: 'guesty', placement: { hostId: k.t.hosts[1]!.id } });
      const path = await k.t.core.vms.vmxPath(gvm);
      const g = { vmx: path, guestUser: 'root', guestPassword: 'vmware' };
      const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
      await assert.rejects(c.exec('Guest_ListProcesses', g), code('invalid_state'));
      await c.power('VM_PowerOn', path);
      assert.equal(plain(await c.execValue('VM_WaitForToolsInGuest', { vmx: path, timeoutSeconds: 30 })).toolsState, 'running');
      const run = plain(await c.execValue('Guest_RunProgram', { ...g, program: '/bin/sh', args: { arg: ['-c', 'echo hello $USER; exit 3'] } }));
      assert.equal(run.exitCode, '3');
      assert.equal(run.stdout, 'hello root');
      await assert.rejects(c.exec('Guest_RunProgram', { ...g, guestPassword: 'wrong', program: 'true' }), code('not_authenticated'));
      await c.exec('Guest_MakeDirectory', { ...g, path: '/root/d/e', makeParents: 1 });
      await c.exec('Guest_WriteFile', { ...g, path: '/root/d/e/a.txt', data: Buffer.from('one\ntwo\n').toString('base64') });
      const rd = plain(await c.execValue('Guest_ReadFile', { ...g, path: '/root/d/e/a.txt' }));
      assert.equal(Buffer.from(String(rd.data), 'base64').toString(), 'one\ntwo\n');
      assert.equal(plain(await c.execValue('Guest_FileInfo', { ...g, path: '/root/d/e/a.txt' })).size, '8');
      await c.exec('Guest_Rename', { ...g, source: '/root/d/e/a.txt', destination: '/root/d/b.txt' });
      const ls = plain(await c.execValue('Guest_ListDirectory', { ...g, path: '/root/d' })) as { entries: { entry: Record<string, string>[] } };
      assert.deepEqual(ls.entries.entry.map((e) => [e.name, e.type]).sort(), [['b.txt', 'file'], ['e', 'directory']]);
      await c.exec('Guest_DeleteFile', { ...g, path: '/root/d/b.txt' });
      await c.exec('Guest_RemoveDirectory', { ...g, path: '/root/d', recursive: 1 });
      await assert.rejects(c.exec('Guest_FileInfo', { ...g, path: '/root/d' }), code('not_found'));
      await assert.rejects(c.exec('Guest_WriteFile', { ...g, path: '/root/x', data: '***' }), code('bad_argument'));
      const ps = plain(await c.execValue('Guest_ListProcesses', g)) as { processes: { process: unknown } };
      assert.ok(ps.processes.process, 'some processes');
      await assert.rejects(c.exec('Guest_KillProcess', g), code('bad_argument'));
      await assert.rejects(ro.exec('Guest_ListProcesses', g), code('permission_denied'));
      await c.power('VM_PowerOff', path, { hard: true });
    });
  });

  describe('power through core.power', () => {
    it('on, suspend, resume, pause, unpause, reset, off — each a task; GetConnectedVMList follows', async () => {
      assert.deepEqual(await c.connectedVmList(), []);
      const on = await c.power('VM_PowerOn', vmx);
      assert.equal(on.powerState, 'poweredOn');
      assert.deepEqual(await c.connectedVmList(), [vmx]);
      const st = await c.taskStatus(on.task);
      assert.deepEqual({ kind: st.kind, state: st.state, progress: st.progress }, { kind: 'vm.powerOn', state: 'success', progress: 100 });
      const tasks = await k.t.core.tasks.list(k.t.admin, { targetIds: [vm.id] });
      assert.ok(tasks.some((t) => t.id === on.task), 'the same task is in core (the vSphere face lists it)');
      assert.equal((await c.power('VM_Suspend', vmx)).powerState, 'suspended');
      assert.equal((await c.power('VM_PowerOn', vmx)).powerState, 'poweredOn');
      assert.equal((await c.power('VM_Pause', vmx)).powerState, 'paused');
      assert.equal((await c.power('VM_Unpause', vmx)).powerState, 'poweredOn');
      assert.equal((await c.power('VM_Reset', vmx)).powerState, 'poweredOn');
      await assert.rejects(c.unregisterVm(vmx), code('invalid_state'));
      assert.equal((await c.power('VM_PowerOff', vmx, { hard: true })).powerState, 'poweredOff');
      await assert.rejects(c.power('VM_PowerOff', vmx), code('invalid_state'));
      assert.equal((await c.vmInfo(vmx)).powerState, 'poweredOff');
    });
    it('<wait>0</wait> answers with the task at once; StatusOfTask follows it', async () => {
      const out = await c.execValue('VM_PowerOn', { vmx, wait: 0 });
      const task = (out as { task: string }).task;
      assert.match(task, /^[0-9a-f-]{36}$/);
      await k.t.core.tasks.wait(k.t.admin, task);
      assert.equal((await c.taskStatus(task)).state, 'success');
      await c.power('VM_PowerOff', vmx, { hard: true });
    });
    it('a read-only user may not power a VM; an unknown task is not_found; a finished task cannot be stopped', async () => {
      await assert.rejects(ro.power('VM_PowerOn', vmx), code('permission_denied'));
      await assert.rejects(c.taskStatus('00000000-0000-0000-0000-000000000000'), code('not_found'));
      const on = await c.power('VM_PowerOn', vmx);
      await assert.rejects(c.exec('TaskManager_StopTask', { task: on.task }), code('invalid_state'));
      await c.power('VM_PowerOff', vmx, { hard: true });
    });
  });
});

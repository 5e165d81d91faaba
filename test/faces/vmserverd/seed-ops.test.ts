/**
 * The seed's operations that came last: the whole seed table is served, TaskManager_DeleteTask,
 * VMConfigDefaults_*, VMDeleteInfo_DeleteVMInfo, VM_Who (and Guest_Login, whose sessions
 * VM_Who shows) — over TCP+TLS against a running authd listener.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VmserverdError, type VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import type { Vm } from '../../../src/core/index.ts';
import { startAuthd, type AuthdKit } from './kit.ts';

const code = (c: string) => (e: unknown) => {
  assert.ok(e instanceof VmserverdError, String(e));
  assert.equal(e.code, c, e.message);
  return true;
};
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

/** The seed's "Operations defined in function table", copied by hand (54 ops). */
const SEED_OPS: [string, 'authuser' | 'rootonly'][] = [
  ['CreateCOWDisk', 'authuser'],
  ['Directory_GetSpaceUsage', 'authuser'],
  ['Directory_List', 'authuser'],
  ['Directory_Make', 'authuser'],
  ['Directory_Remove', 'authuser'],
  ['FileManager_ChangeAttribs', 'authuser'],
  ['FileManager_ChangeGroup', 'authuser'],
  ['FileManager_ChangeMode', 'authuser'],
  ['FileManager_ChangeOwner', 'authuser'],
  ['FileManager_FileCopy', 'authuser'],
  ['FileManager_FileExists', 'authuser'],
  ['FileManager_FileMakeLink', 'authuser'],
  ['FileManager_FileMove', 'authuser'],
  ['FileManager_FileRemove', 'authuser'],
  ['FileManager_GetHomeDir', 'authuser'],
  ['FileManager_GetParentDir', 'authuser'],
  ['FileManager_ListDir', 'authuser'],
  ['FileManager_ListDirTree', 'authuser'],
  ['FileManager_MakeDir', 'authuser'],
  ['FileManager_RemoveDir', 'authuser'],
  ['File_Copy', 'authuser'],
  ['File_Create', 'authuser'],
  ['File_Delete', 'authuser'],
  ['File_Exists', 'authuser'],
  ['File_Read', 'authuser'],
  ['File_ReadLastN', 'authuser'],
  ['GSXHostInfo_GetDiskSpace', 'authuser'],
  ['GSXHostInfo_Query', 'authuser'],
  ['Host_GetBridgedNet', 'authuser'],
  ['Host_GetHostOnlyNet', 'authuser'],
  ['Host_GetVirtualNet', 'authuser'],
  ['Security_ActivateConfig', 'rootonly'],
  ['Security_CreateCertificate', 'rootonly'],
  ['Security_GetConfig', 'rootonly'],
  ['TaskManager_DeleteTask', 'authuser'],
  ['TaskManager_StatusOfTask', 'authuser'],
  ['TaskManager_StopTask', 'authuser'],
  ['VMConfigDefaults_GetAll', 'authuser'],
  ['VMConfigDefaults_GetConfigVersion', 'authuser'],
  ['VMDeleteEdit_DeleteVM', 'authuser'],
  ['VMDeleteInfo_DeleteVMInfo', 'authuser'],
  ['VMRegister', 'authuser'],
  ['VMServerd_GetConnectedVMList', 'authuser'],
  ['VMServerd_GetOperationTable', 'authuser'],
  ['VMServerd_GetProductInfo', 'authuser'],
  ['VMServerd_GetRequestCount', 'authuser'],
  ['VMServerd_IsAdminUser', 'authuser'],
  ['VMUnRegister', 'authuser'],
  ['VM_GetLastNEvents', 'authuser'],
  ['VM_INFO', 'authuser'],
  ['VM_Who', 'authuser'],
  ['dec', 'authuser'],
  ['div', 'authuser'],
  ['inc', 'authuser'],
];

describe('vmserverd: the rest of the seed table over TLS', () => {
  let k: AuthdKit;
  let c: VmserverdClient;
  let ro: VmserverdClient;
  let vm: Vm;
  let vmx: string;
  before(async () => {
    k = await startAuthd();
    c = await k.admin();
    await k.t.user('reader', 'read-only');
    ro = await k.client();
    await ro.login('reader', 'reader-password-1');
    vm = await k.t.core.vms.create(k.t.admin, { name: 'who01', placement: { hostId: k.t.hosts[0]!.id } });
    vmx = await k.t.core.vms.vmxPath(vm);
  });
  after(async () => k.close());

  it('VMServerd_GetOperationTable holds every op of the seed, with the seed access', async () => {
    const table = await c.operationTable();
    assert.equal(SEED_OPS.length, 54);
    for (const [name, access] of SEED_OPS) assert.ok(table.includes(`Op ${name} -> vmgate::${name} (${access})`), `${name} (${access}) is missing`);
  });

  describe('TaskManager_DeleteTask', () => {
    it('a finished task is deleted from every task list; a running one is invalid_state; others need Task.Cancel', async () => {
      await c.power('VM_PowerOn', vmx);
      const g = { vmx, guestUser: 'root', guestPassword: 'vmware' };
      await c.exec('VM_WaitForToolsInGuest', { vmx, timeoutSeconds: 30 });
      const run = plain(await c.execValue('Guest_RunProgram', { ...g, program: '/bin/sh', args: { arg: ['-c', 'sleep 600'] }, wait: 0 })) as { task: string };
      assert.equal((await c.taskStatus(run.task)).state, 'running');
      await assert.rejects(c.exec('TaskManager_DeleteTask', { task: run.task }), code('invalid_state'));
      await c.exec('TaskManager_StopTask', { task: run.task });
      await k.t.core.tasks.wait(k.t.admin, run.task);
      assert.equal((await c.taskStatus(run.task)).state, 'cancelled');
      // A read-only user sees the administrator's task but may not delete it.
      assert.equal((await ro.taskStatus(run.task)).state, 'cancelled');
      await assert.rejects(ro.exec('TaskManager_DeleteTask', { task: run.task }), code('permission_denied'));
      assert.deepEqual(plain(await c.execValue('TaskManager_DeleteTask', { task: run.task })), { task: run.task });
      await assert.rejects(c.taskStatus(run.task), code('not_found'));
      const left = await k.t.core.tasks.list(k.t.admin, { targetIds: [vm.id] });
      assert.equal(left.some((t) => t.id === run.task), false);
      const evs = await k.t.core.events.list(k.t.admin, vm.id, 5);
      assert.equal(evs[0]!.type, 'task.deleted');
      assert.equal(evs[0]!.userName, 'administrator');
      await assert.rejects(c.exec('TaskManager_DeleteTask', { task: run.task }), code('not_found'));
      await assert.rejects(c.exec('TaskManager_DeleteTask', {}), code('bad_argument'));
      await c.power('VM_PowerOff', vmx, { hard: true });
    });
  });

  describe('VMConfigDefaults_*', () => {
    it('GetAll: what a new VM gets; GetConfigVersion: the .vmx config.version', async () => {
      assert.deepEqual(plain(await ro.execValue('VMConfigDefaults_GetAll')), {
        configVersion: '8',
        guestOS: 'otherlinux-64',
        numCPU: '1',
        coresPerSocket: '1',
        memoryMB: '512',
        hwVersion: '19',
        firmware: 'bios',
        diskSizeMB: '1024',
        diskFormat: 'vmdk',
        nicModel: 'vmxnet3',
        network: 'VM Network',
      });
      assert.deepEqual(plain(await c.execValue('VMConfigDefaults_GetConfigVersion')), { configVersion: '8' });
      // A new VM is made of them (the created VM is read back, not the table).
      const fresh = await k.t.core.vms.create(k.t.admin, { name: 'plain01' });
      const info = await c.vmInfo(await k.t.core.vms.vmxPath(fresh));
      assert.deepEqual([info.guestOS, info.numCPU, info.memoryMB, info.hwVersion], ['otherlinux-64', 1, 512, 19]);
    });
  });

  describe('VMDeleteInfo_DeleteVMInfo', () => {
    it('lists what DeleteVM would remove and changes nothing; powered on it says why not', async () => {
      const doomed = await k.t.core.vms.create(k.t.admin, { name: 'doomed', placement: { hostId: k.t.hosts[1]!.id } });
      const path = await k.t.core.vms.vmxPath(doomed);
      const folder = join(k.t.datastore.path, posix.dirname(doomed.vmxRel));
      await mkdir(join(folder, 'logs'));
      await writeFile(join(folder, 'logs', 'vmware.log'), 'twelve bytes');
      const info = plain(await c.execValue('VMDeleteInfo_DeleteVMInfo', { vmx: path })) as Record<string, unknown> & { files: { file: Record<string, string>[] } };
      assert.equal(info.vmx, '[ds0] doomed/doomed.vmx');
      assert.equal(info.folder, '[ds0] doomed');
      assert.equal(info.deletable, '1');
      assert.equal(info.reason, '');
      assert.equal(info.truncated, '0');
      const files = info.files.file.map((f) => [f.path, f.type]);
      assert.ok(files.some(([p, t]) => p === 'doomed.vmx' && t === 'file'), JSON.stringify(files));
      assert.ok(files.some(([p, t]) => p === 'logs' && t === 'directory'), JSON.stringify(files));
      assert.ok(files.some(([p, t]) => p === 'logs/vmware.log' && t === 'file'), JSON.stringify(files));
      assert.equal(info.files.file.find((f) => f.path === 'logs/vmware.log')!.size, '12');
      assert.equal(Number(info.bytes), info.files.file.reduce((n, f) => n + Number(f.size), 0));
      // Nothing changed.
      assert.equal((await c.vmInfo(path)).name, 'doomed');
      await c.power('VM_PowerOn', path);
      const on = plain(await c.execValue('VMDeleteInfo_DeleteVMInfo', { vmx: path })) as Record<string, string>;
      assert.equal(on.deletable, '0');
      assert.equal(on.reason, `${doomed.id} (doomed) is powered on: power it off first`);
      await c.power('VM_PowerOff', path, { hard: true });
      await assert.rejects(ro.exec('VMDeleteInfo_DeleteVMInfo', { vmx: path }), code('permission_denied'));
      await assert.rejects(c.exec('VMDeleteInfo_DeleteVMInfo', { vmx: '[ds0] ghost/ghost.vmx' }), code('not_found'));
      await assert.rejects(c.exec('VMDeleteInfo_DeleteVMInfo', { vmx: 'doomed' }), code('bad_argument'));
      // DeleteVM then removes exactly that folder.
      await c.exec('VMDeleteEdit_DeleteVM', { vmx: path });
      await assert.rejects(c.exec('VMDeleteInfo_DeleteVMInfo', { vmx: path }), code('not_found'));
    });
  });

  describe('VM_Who', () => {
    it('console (desktop) sessions and guest logins of a VM; a stopped VM has no guest sessions', async () => {
      assert.deepEqual(plain(await c.execValue('VM_Who', { vmx })), { console: '', guest: '' });
      // A desktop user launches the VM as their desktop: a console session.
      const desk = await k.t.user('dana', 'desktop-user');
      const pool = await k.t.core.vdi.createPool(k.t.admin, { name: 'who-pool', type: 'dedicated', vmIds: [vm.id] });
      await k.t.core.vdi.entitle(k.t.admin, pool.id, 'dana');
      const launched = await k.t.core.vdi.launch(desk, pool.id);
      const who1 = plain(await c.execValue('VM_Who', { vmx })) as { console: { session: Record<string, string> }; guest: string };
      assert.deepEqual(who1.console.session, { user: 'dana', protocol: launched.session.protocol, state: 'connected', since: launched.session.startedAt });
      assert.equal(who1.guest, '');
      // A guest login over the exec API.
      await c.exec('VM_WaitForToolsInGuest', { vmx, timeoutSeconds: 30 });
      await assert.rejects(c.exec('Guest_Login', { vmx, guestUser: 'root', guestPassword: 'wrong' }), code('not_authenticated'));
      assert.deepEqual(plain(await c.execValue('Guest_Login', { vmx, guestUser: 'root', guestPassword: 'vmware' })), { guestUser: 'root' });
      const who2 = plain(await c.execValue('VM_Who', { vmx })) as { guest: { session: Record<string, string> } };
      assert.equal(who2.guest.session.user, 'administrator');
      assert.equal(who2.guest.session.guestUser, 'root');
      assert.match(who2.guest.session.since, /^\d{4}-\d\d-\d\dT/);
      // The read-only user sees the VM, so they see who is at it.
      const seen = plain(await ro.execValue('VM_Who', { vmx })) as { console: { session: Record<string, string> } };
      assert.equal(seen.console.session.user, 'dana');
      await k.t.core.vdi.endSession(desk, launched.session.id);
      await c.power('VM_PowerOff', vmx, { hard: true });
      assert.deepEqual(plain(await c.execValue('VM_Who', { vmx })), { console: '', guest: '' });
      await assert.rejects(c.exec('VM_Who', { vmx: '[ds0] ghost/ghost.vmx' }), code('not_found'));
      await assert.rejects(c.exec('VM_Who', { vmx: 'who01' }), code('bad_argument'));
      const stranger = await k.t.user('stranger', null);
      void stranger;
      const s = await k.client();
      await s.login('stranger', 'stranger-password-1');
      await assert.rejects(s.exec('VM_Who', { vmx }), code('not_found'));
    });
  });
});

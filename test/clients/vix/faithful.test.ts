/**
 * The faithful API against a real vmgate (child process, sim driver): handles and their
 * reference counts, jobs (wait, polling, callbacks, the event pump), properties, errors.
 * VixJob_Wait blocks this thread; the server lives in its own process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as V from '../../../src/clients/vix/index.ts';
import type { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { ADMIN, startVixServer, type VixServer } from './kit.ts';

const VM0 = '[LocalDS_0] DC0_C0_H0_VM0/DC0_C0_H0_VM0.vmx';
const VM1 = '[LocalDS_0] DC0_C0_H0_VM1/DC0_C0_H0_VM1.vmx';
const NOTOOLS = '[LocalDS_0] bare/bare.vmx';

function connect(k: VixServer, options = 0, user = ADMIN.user, password = ADMIN.password): [number, number] {
  const job = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, '127.0.0.1', k.authdPort, user, password, options, V.VIX_INVALID_HANDLE, null, null);
  const [err, host] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);
  V.Vix_ReleaseHandle(job);
  return [err, host as number];
}

function open(host: number, vmx: string): [number, number] {
  const job = V.VixVM_Open(host, vmx, null, null);
  const [err, vm] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);
  V.Vix_ReleaseHandle(job);
  return [err, vm as number];
}

function run(job: number): number {
  const [err] = V.VixJob_Wait(job, V.VIX_PROPERTY_NONE);
  V.Vix_ReleaseHandle(job);
  return err;
}

describe('the faithful VIX API', () => {
  let k: VixServer;
  let x: VmserverdClient;
  let host: number;
  before(async () => {
    k = await startVixServer();
    process.env.VMGATE_CA = k.caFile;
    x = await k.exec();
    await x.makeDir('[LocalDS_0] bare');
    await x.createFile(NOTOOLS, ['config.version = "8"', 'virtualHW.version = "19"', 'displayName = "bare"', 'guestOS = "otherlinux-notools"', 'numvcpus = "1"', 'memsize = "256"', ''].join('\n'));
    await x.registerVm(NOTOOLS);
    const [err, h] = connect(k);
    assert.equal(err, V.VIX_OK);
    host = h;
  });
  after(async () => {
    V.VixHost_Disconnect(host);
    await k.close();
  });

  describe('connecting', () => {
    it('gives a host handle; its properties say VMware Server and API version 1', () => {
      assert.equal(V.Vix_GetHandleType(host), V.VIX_HANDLETYPE_HOST);
      assert.deepEqual(V.Vix_GetProperties(host, V.VIX_PROPERTY_HOST_HOSTTYPE, V.VIX_PROPERTY_HOST_API_VERSION, V.VIX_PROPERTY_NONE), [0, 2, 1]);
    });
    it('three ways (chapter 3): a named host; the local host as a named user; the local host as the current OS user (a one-time ticket)', () => {
      const ways: [string | null, string | null, string | null][] = [
        ['127.0.0.1', ADMIN.user, ADMIN.password],
        [null, ADMIN.user, ADMIN.password],
        [null, null, null],
      ];
      for (const [name, user, password] of ways) {
        const job = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, name, k.authdPort, user, password, 0, V.VIX_INVALID_HANDLE, null, null);
        const [err, h] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);
        assert.equal(err, 0, `${name} ${user}`);
        assert.equal(V.Vix_GetHandleType(h as number), V.VIX_HANDLETYPE_HOST);
        const [e2, vm] = open(h as number, VM0);
        assert.equal(e2, 0);
        V.Vix_ReleaseHandle(vm);
        V.Vix_ReleaseHandle(job);
        V.VixHost_Disconnect(h as number);
      }
      const j = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, '127.0.0.1', k.authdPort, null, null, 0, 0, null, null);
      assert.deepEqual(V.VixJob_Wait(j, V.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE), [V.VIX_E_INVALID_ARG, 'a named host needs a user name and password (only the local host knows the current user)']);
      V.Vix_ReleaseHandle(j);
    });
    it('a wrong password is VIX_E_AUTHENTICATION_FAIL, with no host handle', () => {
      assert.deepEqual(connect(k, 0, ADMIN.user, 'wrong-password'), [35, 0]);
    });
    it('nobody listening is VIX_E_CANNOT_CONNECT_TO_HOST', () => {
      const job = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, '127.0.0.1', 1, ADMIN.user, ADMIN.password, 0, 0, null, null);
      assert.deepEqual(V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE), [18000, 0]);
      assert.match(String(V.Vix_GetProperties(job, V.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE)[1]), /cannot connect/);
      V.Vix_ReleaseHandle(job);
    });
    it('an API version it does not speak, and a VI Server host type, say why', () => {
      const j1 = V.VixHost_Connect(7, V.VIX_SERVICEPROVIDER_VMWARE_SERVER, '127.0.0.1', k.authdPort, ADMIN.user, ADMIN.password, 0, 0, null, null);
      assert.deepEqual(V.VixJob_Wait(j1, V.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE), [6, 'apiVersion 7 is not supported: this library speaks VIX API version 1 (pass VIX_API_VERSION)']);
      const j2 = V.VixHost_Connect(V.VIX_API_VERSION, V.VIX_SERVICEPROVIDER_VMWARE_VI_SERVER, '127.0.0.1', k.authdPort, ADMIN.user, ADMIN.password, 0, 0, null, null);
      assert.equal(V.VixJob_Wait(j2)[0], 6);
      V.Vix_ReleaseHandle(j1);
      V.Vix_ReleaseHandle(j2);
    });
  });

  describe('the handle table', () => {
    it('opening the same VM twice returns the same handle; one release per open', () => {
      const [e1, a] = open(host, VM1);
      const [e2, b] = open(host, VM1);
      assert.equal(e1, 0);
      assert.equal(e2, 0);
      assert.equal(a, b);
      V.Vix_ReleaseHandle(a);
      assert.deepEqual(V.Vix_GetProperties(a, V.VIX_PROPERTY_VM_NAME, V.VIX_PROPERTY_NONE), [0, 'DC0_C0_H0_VM1'], 'still valid after the first release');
      V.Vix_ReleaseHandle(a);
      assert.deepEqual(V.Vix_GetProperties(a, V.VIX_PROPERTY_VM_NAME, V.VIX_PROPERTY_NONE), [V.VIX_E_INVALID_HANDLE, undefined]);
      assert.equal(V.Vix_GetHandleType(a), V.VIX_HANDLETYPE_NONE);
      const job = V.VixVM_PowerOn(a, 0, 0, null, null);
      assert.deepEqual(V.VixJob_Wait(job, V.VIX_PROPERTY_NONE), [V.VIX_E_INVALID_HANDLE]);
      V.Vix_ReleaseHandle(job);
      const [, c] = open(host, VM1);
      assert.notEqual(c, a, 'a new handle after the last release');
      V.Vix_ReleaseHandle(c);
    });
    it('a handle of the wrong type is VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE; a property of another type VIX_E_UNRECOGNIZED_PROPERTY', () => {
      assert.equal(run(V.VixVM_PowerOn(host, 0, 0, null, null)), V.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE);
      assert.equal(run(V.VixVM_Open(host + 100000, VM0, null, null)), V.VIX_E_INVALID_HANDLE);
      const [, vm] = open(host, VM0);
      assert.equal(run(V.VixHost_RegisterVM(vm, VM0, null, null)), V.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE);
      assert.deepEqual(V.Vix_GetProperties(vm, V.VIX_PROPERTY_HOST_HOSTTYPE), [V.VIX_E_UNRECOGNIZED_PROPERTY, undefined]);
      assert.deepEqual(V.VixJob_Wait(vm), [V.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE]);
      assert.deepEqual(V.VixJob_CheckCompletion(vm), [V.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE, false]);
      V.Vix_ReleaseHandle(vm);
    });
    it('a job holds its result handle until the job is released', () => {
      const job = V.VixVM_Open(host, VM0, null, null);
      const [err, vm] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE);
      assert.equal(err, 0);
      V.Vix_ReleaseHandle(vm as number);
      assert.equal(V.Vix_GetHandleType(vm as number), V.VIX_HANDLETYPE_VM, 'the job still holds it');
      V.Vix_ReleaseHandle(job);
      assert.equal(V.Vix_GetHandleType(vm as number), V.VIX_HANDLETYPE_NONE);
      assert.equal(V.Vix_GetHandleType(job), V.VIX_HANDLETYPE_NONE);
    });
    it('a VM that is not registered is VIX_E_VM_NOT_FOUND', () => {
      assert.deepEqual(open(host, '[LocalDS_0] nothing/nothing.vmx'), [V.VIX_E_VM_NOT_FOUND, 0]);
    });
  });

  describe('jobs', () => {
    it('VixJob_CheckCompletion polls to completion without pumping (the guide\'s openVMWithPolling)', () => {
      const job = V.VixVM_Open(host, VM0, null, null);
      let completed = false;
      let vm = 0;
      let polls = 0;
      while (!completed) {
        const [err, c] = V.VixJob_CheckCompletion(job);
        assert.equal(err, 0);
        completed = c;
        const [e2, h] = V.Vix_GetProperties(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE, V.VIX_PROPERTY_NONE);
        assert.equal(e2, 0);
        if (completed) vm = h as number;
        else assert.equal(h, 0, 'no result before completion');
        polls++;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
      assert.ok(polls >= 1);
      assert.equal(V.Vix_GetHandleType(vm), V.VIX_HANDLETYPE_VM);
      assert.equal(V.VixJob_GetError(job), 0);
      V.Vix_ReleaseHandle(job);
      V.Vix_ReleaseHandle(vm);
    });
    it('without the pump, callbacks come on their own: (job, VIX_EVENTTYPE_JOB_COMPLETED, VIX_INVALID_HANDLE, clientData), exactly once', async () => {
      const calls: unknown[][] = [];
      const job = V.VixVM_Open(host, VM0, (h, type, more, cd) => calls.push([h, type, more, cd]), 'my context');
      for (let i = 0; i < 500 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(calls, [[job, 2, 0, 'my context']]);
      const [err, vm] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE);
      assert.equal(err, 0);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(calls.length, 1);
      V.Vix_ReleaseHandle(vm as number);
      V.Vix_ReleaseHandle(job);
    });
    it('a job failing at once calls its callback after the call returned', async () => {
      const calls: unknown[][] = [];
      const job = V.VixVM_PowerOn(host, 0, 0, (h, type) => calls.push([h, type, V.VixJob_GetError(h)]), null);
      assert.deepEqual(calls, []);
      await Promise.resolve();
      assert.deepEqual(calls, [[job, 2, V.VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE]]);
      V.Vix_ReleaseHandle(job);
    });
  });

  describe('the single-threaded event model (VIX_HOSTOPTION_USE_EVENT_PUMP)', () => {
    it('nothing advances and no callback runs outside Vix_PumpEvents; the guide\'s loop completes', () => {
      const [err, ph] = connect(k, V.VIX_HOSTOPTION_USE_EVENT_PUMP);
      assert.equal(err, 0, 'VixJob_Wait pumps a pump host itself');
      let done = false;
      const seen: number[] = [];
      const job = V.VixVM_Open(ph, VM0, (h, type) => {
        seen.push(type);
        if (type === V.VIX_EVENTTYPE_JOB_COMPLETED) done = true;
      }, null);
      // Without pumping, a whole second of waiting changes nothing.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      assert.deepEqual(V.VixJob_CheckCompletion(job), [0, false]);
      assert.deepEqual(seen, []);
      let pumps = 0;
      while (!done) {
        V.Vix_PumpEvents(ph, V.VIX_PUMPEVENTOPTION_NONE);
        pumps++;
      }
      assert.ok(pumps >= 1);
      assert.deepEqual(seen, [2]);
      assert.deepEqual(V.VixJob_CheckCompletion(job), [0, true]);
      const [e2, vm] = V.Vix_GetProperties(job, V.VIX_PROPERTY_JOB_RESULT_HANDLE);
      assert.equal(e2, 0);
      assert.equal(V.Vix_GetProperties(vm as number, V.VIX_PROPERTY_VM_NAME)[1], 'DC0_C0_H0_VM0');
      V.Vix_ReleaseHandle(vm as number);
      V.Vix_ReleaseHandle(job);
      V.VixHost_Disconnect(ph);
      assert.equal(V.Vix_GetHandleType(ph), V.VIX_HANDLETYPE_NONE);
    });
  });

  describe('VMs', () => {
    it('power, tools, properties: off → on (tools running) → suspended → on → off, each seen through the vSphere face', async () => {
      const v = await k.vapi();
      const id = (await v.vm.list({ names: ['DC0_C0_H1_VM1'] }))[0]!.vm;
      const [, vm] = open(host, '[LocalDS_0] DC0_C0_H1_VM1/DC0_C0_H1_VM1.vmx');
      if (V.Vix_GetProperties(vm, V.VIX_PROPERTY_VM_POWER_STATE)[1] !== V.VIX_POWERSTATE_POWERED_OFF) assert.equal(run(V.VixVM_PowerOff(vm, 0, 0, null, null)), 0);
      assert.deepEqual(V.Vix_GetProperties(vm, V.VIX_PROPERTY_VM_POWER_STATE, V.VIX_PROPERTY_VM_IS_RUNNING, V.VIX_PROPERTY_NONE), [0, 0x2, false]);
      assert.equal((await v.power.get(id)).state, 'POWERED_OFF');
      assert.equal(run(V.VixVM_PowerOn(vm, 0, 0, null, null)), 0);
      assert.equal(run(V.VixVM_WaitForToolsInGuest(vm, 60, null, null)), 0);
      assert.deepEqual(V.Vix_GetProperties(vm, V.VIX_PROPERTY_VM_POWER_STATE, V.VIX_PROPERTY_VM_TOOLS_STATE, V.VIX_PROPERTY_VM_IS_RUNNING), [0, 0x8 | 0x40, 2, true]);
      assert.equal((await v.power.get(id)).state, 'POWERED_ON');
      assert.equal(run(V.VixVM_PowerOn(vm, 0, 0, null, null)), V.VIX_E_VM_IS_RUNNING);
      assert.equal(run(V.VixVM_Suspend(vm, 0, 0, null, null)), 0);
      assert.equal(V.Vix_GetProperties(vm, V.VIX_PROPERTY_VM_POWER_STATE)[1], 0x20);
      assert.equal((await v.power.get(id)).state, 'SUSPENDED');
      assert.equal(run(V.VixVM_PowerOn(vm, 0, 0, null, null)), 0, 'PowerOn resumes');
      assert.equal(run(V.VixVM_PowerOff(vm, 0, 0, null, null)), 0);
      assert.equal(run(V.VixVM_PowerOff(vm, 0, 0, null, null)), V.VIX_E_VM_NOT_RUNNING);
      assert.equal((await v.power.get(id)).state, 'POWERED_OFF');
      V.Vix_ReleaseHandle(vm);
    });
    it('WaitForToolsInGuest honours its timeout: VIX_E_TIMEOUT_WAITING_FOR_TOOLS', () => {
      const [, vm] = open(host, NOTOOLS);
      assert.equal(run(V.VixVM_PowerOn(vm, 0, 0, null, null)), 0);
      const job = V.VixVM_WaitForToolsInGuest(vm, 1, null, null);
      const [err, msg] = V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_USER_MESSAGE, V.VIX_PROPERTY_NONE);
      assert.equal(err, V.VIX_E_TIMEOUT_WAITING_FOR_TOOLS);
      assert.match(String(msg), /tools did not start .* within 1 s/);
      V.Vix_ReleaseHandle(job);
      assert.equal(run(V.VixVM_PowerOff(vm, 0, 0, null, null)), 0);
      V.Vix_ReleaseHandle(vm);
    });
    it('guest operations: login, run a program (exit code, output), files, processes; no login and a wrong password fail clearly', () => {
      const [, vm] = open(host, '[LocalDS_0] DC0_C0_H1_VM0/DC0_C0_H1_VM0.vmx');
      if (!V.Vix_GetProperties(vm, V.VIX_PROPERTY_VM_IS_RUNNING)[1]) assert.equal(run(V.VixVM_PowerOn(vm, 0, 0, null, null)), 0);
      assert.equal(run(V.VixVM_WaitForToolsInGuest(vm, 60, null, null)), 0);
      assert.equal(run(V.VixVM_RunProgramInGuest(vm, '/bin/true', null, 0, 0, null, null)), V.VIX_E_INVALID_AUTHENTICATION_SESSION);
      assert.equal(run(V.VixVM_LoginInGuest(vm, 'root', 'wrong', 0, null, null)), V.VIX_E_CANNOT_AUTHENTICATE_WITH_GUEST);
      assert.equal(run(V.VixVM_LoginInGuest(vm, 'root', 'vmware', 0, null, null)), 0);
      const job = V.VixVM_RunProgramInGuest(vm, '/bin/sh', "-c 'echo hello \"vix world\"; exit 3'", 0, 0, null, null);
      assert.deepEqual(V.VixJob_Wait(job, V.VIX_PROPERTY_JOB_RESULT_GUEST_PROGRAM_EXIT_CODE, V.VIX_PROPERTY_JOB_RESULT_COMMAND_OUTPUT, V.VIX_PROPERTY_NONE), [0, 3, 'hello vix world\n']);
      V.Vix_ReleaseHandle(job);
      assert.equal(run(V.VixVM_CreateDirectoryInGuest(vm, '/root/vix/a', 0, null, null)), 0);
      const ex = V.VixVM_DirectoryExistsInGuest(vm, '/root/vix/a', null, null);
      assert.deepEqual(V.VixJob_Wait(ex, V.VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS), [0, true]);
      V.Vix_ReleaseHandle(ex);
      const fx = V.VixVM_FileExistsInGuest(vm, '/root/vix/none.txt', null, null);
      assert.deepEqual(V.VixJob_Wait(fx, V.VIX_PROPERTY_JOB_RESULT_GUEST_OBJECT_EXISTS), [0, false]);
      V.Vix_ReleaseHandle(fx);
      assert.equal(run(V.VixVM_DeleteFileInGuest(vm, '/root/vix/none.txt', null, null)), V.VIX_E_FILE_NOT_FOUND);
      const ls = V.VixVM_ListDirectoryInGuest(vm, '/root/vix', 0, null, null);
      assert.equal(V.VixJob_Wait(ls)[0], 0);
      assert.equal(V.VixJob_GetNumProperties(ls, V.VIX_PROPERTY_JOB_RESULT_ITEM_NAME), 1);
      assert.deepEqual(V.VixJob_GetNthProperties(ls, 0, V.VIX_PROPERTY_JOB_RESULT_ITEM_NAME, V.VIX_PROPERTY_JOB_RESULT_FILE_FLAGS, V.VIX_PROPERTY_NONE), [0, 'a', V.VIX_FILE_ATTRIBUTES_DIRECTORY]);
      assert.deepEqual(V.VixJob_GetNthProperties(ls, 5, V.VIX_PROPERTY_JOB_RESULT_ITEM_NAME), [V.VIX_E_INVALID_ARG, undefined]);
      V.Vix_ReleaseHandle(ls);
      assert.equal(run(V.VixVM_DeleteDirectoryInGuest(vm, '/root/vix', 0, null, null)), 0);
      const ps = V.VixVM_ListProcessesInGuest(vm, 0, null, null);
      assert.equal(V.VixJob_Wait(ps)[0], 0);
      assert.ok(V.VixJob_GetNumProperties(ps, V.VIX_PROPERTY_JOB_RESULT_PROCESS_ID) >= 1);
      V.Vix_ReleaseHandle(ps);
      assert.equal(run(V.VixVM_KillProcessInGuest(vm, 999999, 0, null, null)), V.VIX_E_NO_SUCH_PROCESS);
      assert.equal(run(V.VixVM_LogoutFromGuest(vm, null, null)), 0);
      assert.equal(run(V.VixVM_RunProgramInGuest(vm, '/bin/true', null, 0, 0, null, null)), V.VIX_E_INVALID_AUTHENTICATION_SESSION);
      V.Vix_ReleaseHandle(vm);
    });
    it('snapshots: create (a handle), the tree, current, named, revert, remove', async () => {
      const [, vm] = open(host, VM1);
      assert.deepEqual(await x.listSnapshots(VM1), []);
      const c1 = V.VixVM_CreateSnapshot(vm, 'base', 'clean install', 0, 0, null, null);
      const [e1, s1] = V.VixJob_Wait(c1, V.VIX_PROPERTY_JOB_RESULT_HANDLE);
      assert.equal(e1, 0);
      V.Vix_ReleaseHandle(c1);
      assert.equal(V.Vix_GetHandleType(s1 as number), V.VIX_HANDLETYPE_SNAPSHOT);
      assert.deepEqual(V.Vix_GetProperties(s1 as number, V.VIX_PROPERTY_SNAPSHOT_DISPLAYNAME, V.VIX_PROPERTY_SNAPSHOT_DESCRIPTION), [0, 'base', 'clean install']);
      const c2 = V.VixVM_CreateSnapshot(vm, 'patched', null, 0, 0, null, null);
      const [, s2] = V.VixJob_Wait(c2, V.VIX_PROPERTY_JOB_RESULT_HANDLE);
      V.Vix_ReleaseHandle(c2);
      assert.deepEqual(V.VixVM_GetNumRootSnapshots(vm), [0, 1]);
      assert.deepEqual((await x.listSnapshots(VM1)).map((s) => [s.name, s.description, s.current]), [['base', 'clean install', false], ['patched', '', true]]);
      const [, root] = V.VixVM_GetRootSnapshot(vm, 0);
      assert.equal(root, s1, 'the same snapshot, the same handle');
      assert.deepEqual(V.VixSnapshot_GetNumChildren(root), [0, 1]);
      assert.deepEqual(V.VixSnapshot_GetChild(root, 0), [0, s2]);
      assert.deepEqual(V.VixSnapshot_GetParent(s2 as number), [0, s1]);
      assert.deepEqual(V.VixSnapshot_GetParent(s1 as number), [0, 0]);
      assert.deepEqual(V.VixVM_GetCurrentSnapshot(vm), [0, s2]);
      assert.deepEqual(V.VixVM_GetNamedSnapshot(vm, 'base/patched'), [0, s2]);
      assert.deepEqual(V.VixVM_GetNamedSnapshot(vm, 'nope'), [V.VIX_E_SNAPSHOT_NOTFOUND, 0]);
      assert.equal(run(V.VixVM_RevertToSnapshot(vm, s1 as number, 0, 0, null, null)), 0);
      assert.deepEqual(V.VixVM_GetCurrentSnapshot(vm), [0, s1]);
      assert.equal(run(V.VixVM_RemoveSnapshot(vm, s1 as number, V.VIX_SNAPSHOT_REMOVE_CHILDREN, null, null)), 0);
      assert.deepEqual(V.VixVM_GetNumRootSnapshots(vm), [0, 0]);
      assert.deepEqual(await x.listSnapshots(VM1), [], 'the server has none left');
      V.Vix_ReleaseHandle(vm);
    });
    it('functions the exec face cannot back say VIX_E_NOT_SUPPORTED', () => {
      const [, vm] = open(host, VM0);
      for (const job of [V.VixVM_ReadVariable(vm, V.VIX_VM_GUEST_VARIABLE, 'ip', 0, null, null), V.VixVM_WriteVariable(vm, V.VIX_VM_GUEST_VARIABLE, 'x', 'y', 0, null, null), V.VixVM_InstallTools(vm, 0, null, null, null), V.VixVM_CaptureScreenImage(vm, 0, 0, null, null)]) {
        assert.equal(run(job), V.VIX_E_NOT_SUPPORTED);
      }
      V.Vix_ReleaseHandle(vm);
    });
  });

  describe('disconnecting', () => {
    it('completes the jobs still running with VIX_E_HOST_NOT_CONNECTED and removes the host\'s VM handles', () => {
      const [, h2] = connect(k);
      const [, vm] = open(h2, NOTOOLS);
      assert.equal(run(V.VixVM_PowerOn(vm, 0, 0, null, null)), 0);
      const job = V.VixVM_WaitForToolsInGuest(vm, 120, null, null);
      assert.deepEqual(V.VixJob_CheckCompletion(job), [0, false]);
      V.VixHost_Disconnect(h2);
      assert.deepEqual(V.VixJob_Wait(job, V.VIX_PROPERTY_NONE), [V.VIX_E_HOST_NOT_CONNECTED]);
      assert.equal(V.Vix_GetHandleType(vm), V.VIX_HANDLETYPE_NONE);
      assert.equal(V.Vix_GetHandleType(h2), V.VIX_HANDLETYPE_NONE);
      V.Vix_ReleaseHandle(job);
      const [, vm2] = open(host, NOTOOLS);
      assert.equal(run(V.VixVM_PowerOff(vm2, 0, 0, null, null)), 0, 'the other connection goes on');
      V.Vix_ReleaseHandle(vm2);
    });
  });

  describe('property lists', () => {
    it('hold typed properties read by Vix_GetProperties; a wrong type is refused', () => {
      const [err, pl] = V.VixPropertyList_AllocPropertyList(host, V.VIX_PROPERTY_VM_VMX_PATHNAME, VM0, V.VIX_PROPERTY_VM_NUM_VCPUS, 2, V.VIX_PROPERTY_NONE);
      assert.equal(err, 0);
      assert.equal(V.Vix_GetHandleType(pl), V.VIX_HANDLETYPE_PROPERTY_LIST);
      assert.deepEqual(V.Vix_GetProperties(pl, V.VIX_PROPERTY_VM_VMX_PATHNAME, V.VIX_PROPERTY_VM_NUM_VCPUS, V.VIX_PROPERTY_NONE), [0, VM0, 2]);
      assert.deepEqual(V.Vix_GetProperties(pl, V.VIX_PROPERTY_VM_NAME), [V.VIX_E_UNRECOGNIZED_PROPERTY, undefined]);
      assert.deepEqual(V.Vix_GetPropertyType(pl, V.VIX_PROPERTY_VM_VMX_PATHNAME), [0, V.VIX_PROPERTYTYPE_STRING]);
      V.Vix_ReleaseHandle(pl);
      assert.deepEqual(V.VixPropertyList_AllocPropertyList(host, V.VIX_PROPERTY_VM_NUM_VCPUS, 'two', V.VIX_PROPERTY_NONE), [V.VIX_E_INVALID_PROPERTY_VALUE, 0]);
    });
  });
});

describe('a connection that drops', () => {
  it('fails every pending job with VIX_E_HOST_CONNECTION_LOST, exactly once, and later jobs at once', async () => {
    const k = await startVixServer();
    try {
      const x = await k.exec();
      await x.makeDir('[LocalDS_0] bare');
      await x.createFile(NOTOOLS, ['config.version = "8"', 'virtualHW.version = "19"', 'displayName = "bare"', 'guestOS = "otherlinux-notools"', ''].join('\n'));
      await x.registerVm(NOTOOLS);
      await x.power('VM_PowerOn', NOTOOLS);
      process.env.VMGATE_CA = k.caFile;
      const [, h] = connect(k);
      const [, vm] = open(h, NOTOOLS);
      const calls: number[] = [];
      const jobs = [V.VixVM_WaitForToolsInGuest(vm, 120, (j, t) => t === 2 && calls.push(j), null), V.VixVM_WaitForToolsInGuest(vm, 120, (j, t) => t === 2 && calls.push(j), null)];
      await new Promise((r) => setTimeout(r, 300));
      k.s.child.kill('SIGKILL');
      for (const j of jobs) assert.deepEqual(V.VixJob_Wait(j, V.VIX_PROPERTY_NONE), [V.VIX_E_HOST_CONNECTION_LOST]);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(calls.sort(), [...jobs].sort());
      assert.equal(run(V.VixVM_PowerOff(vm, 0, 0, null, null)), V.VIX_E_HOST_CONNECTION_LOST);
      assert.deepEqual(V.Vix_GetProperties(vm, V.VIX_PROPERTY_VM_POWER_STATE), [V.VIX_E_HOST_CONNECTION_LOST, undefined]);
      assert.deepEqual(V.Vix_GetProperties(vm, V.VIX_PROPERTY_VM_NAME), [0, 'bare'], 'what is known stays readable');
      for (const j of jobs) V.Vix_ReleaseHandle(j);
      V.VixHost_Disconnect(h);
    } finally {
      await k.close();
    }
  });
});

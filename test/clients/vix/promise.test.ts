/**
 * The promise API's scenario on the sim driver against a real vmgate (child process):
 * open, power on, wait for tools, log in, run a program with output, copy 5 MiB each way,
 * snapshot, revert, suspend, resume, power off; typed errors, findItems as an async
 * iterable, progress callbacks, disposal. The vSphere face shows the changes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as vix from '../../../src/clients/vix/index.ts';
import { ADMIN, startVixServer, type VixServer } from './kit.ts';

const VMX = '[LocalDS_0] DC0_C0_H1_VM0/DC0_C0_H1_VM0.vmx';

describe('the promise API', () => {
  let k: VixServer;
  let dir: string;
  before(async () => {
    k = await startVixServer();
    dir = await mkdtemp(join(tmpdir(), 'vix-promise-'));
  });
  after(async () => {
    await k.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the whole scenario on the sim', async () => {
    const v = await k.vapi();
    const id = (await v.vm.list({ names: ['DC0_C0_H1_VM0'] }))[0]!.vm;
    const host = await vix.connect({ host: '127.0.0.1', port: k.authdPort, user: ADMIN.user, password: ADMIN.password, ca: k.ca });
    const vm = await host.openVM(VMX);
    assert.equal(vm.name, 'DC0_C0_H1_VM0');
    if ((await vm.powerState()) & vix.VIX_POWERSTATE_POWERED_ON) await vm.powerOff();
    assert.equal(await vm.powerState(), vix.VIX_POWERSTATE_POWERED_OFF);
    assert.equal((await v.power.get(id)).state, 'POWERED_OFF');

    await vm.powerOn();
    await vm.waitForTools({ timeoutMs: 60_000 });
    assert.equal(await vm.powerState(), vix.VIX_POWERSTATE_POWERED_ON | vix.VIX_POWERSTATE_TOOLS_RUNNING);
    assert.equal((await v.power.get(id)).state, 'POWERED_ON');
    await vm.loginInGuest('root', 'vmware');
    const r = await vm.runProgram('/bin/sh', ['-c', 'echo "it says $1"; exit 4', 'sh', 'two words']);
    assert.equal(r.exitCode, 4);
    assert.equal(r.stdout, 'it says two words\n');
    assert.ok(r.pid > 0);

    const data = randomBytes(5 * 1024 * 1024);
    await writeFile(join(dir, 'up.bin'), data);
    let upProgress = 0;
    await vm.copyFileFromHostToGuest(join(dir, 'up.bin'), '/root/big.bin', { onProgress: () => upProgress++ });
    assert.equal(upProgress, 1);
    const size = await vm.runProgram('/bin/sh', ['-c', 'wc -c < /root/big.bin']);
    assert.equal(size.stdout.trim(), String(5 * 1024 * 1024));
    let downProgress = 0;
    await vm.copyFileFromGuestToHost('/root/big.bin', join(dir, 'down.bin'), { onProgress: () => downProgress++ });
    assert.equal(downProgress, 2, 'two pieces of at most 4 MiB');
    assert.ok((await readFile(join(dir, 'down.bin'))).equals(data), 'the same 5 MiB came back');
    assert.equal((await stat(join(dir, 'down.bin'))).mode & 0o777, 0o600);

    const snap = await vm.createSnapshot('before-change', { description: 'scenario' });
    assert.equal(snap.name, 'before-change');
    await vm.runProgram('/bin/sh', ['-c', 'rm /root/big.bin']);
    assert.equal(await vm.fileExists('/root/big.bin'), false);
    await vm.revertToSnapshot(snap);
    assert.equal(await vm.powerState(), vix.VIX_POWERSTATE_POWERED_OFF, 'a snapshot without memory reverts to powered off');
    await vm.powerOn();
    await vm.waitForTools({ timeoutMs: 60_000 });
    await vm.loginInGuest('root', 'vmware');
    assert.equal(await vm.fileExists('/root/big.bin'), true, 'the file is back');

    await vm.suspend();
    assert.equal(await vm.powerState(), vix.VIX_POWERSTATE_SUSPENDED);
    assert.equal((await v.power.get(id)).state, 'SUSPENDED');
    await vm.resume();
    assert.equal((await vm.powerState()) & vix.VIX_POWERSTATE_POWERED_ON, vix.VIX_POWERSTATE_POWERED_ON);
    await vm.powerOff();
    assert.equal((await v.power.get(id)).state, 'POWERED_OFF');
    await vm.removeSnapshot(snap);
    snap.release();
    vm.release();
    host.disconnect();
  });

  it('failures are VixError with the code, its text and the server\'s message', async () => {
    await using host = await vix.connect({ port: k.authdPort, user: ADMIN.user, password: ADMIN.password, ca: k.ca });
    await assert.rejects(host.openVM('[LocalDS_0] nope/nope.vmx'), (e: unknown) => {
      assert.ok(e instanceof vix.VixError);
      assert.equal(e.code, vix.VIX_E_VM_NOT_FOUND);
      assert.equal(e.text, 'The virtual machine cannot be found');
      assert.match(e.message, /^The virtual machine cannot be found: .*nope/);
      return true;
    });
    await assert.rejects(vix.connect({ port: k.authdPort, user: ADMIN.user, password: 'wrong', ca: k.ca }), (e: unknown) => e instanceof vix.VixError && e.code === vix.VIX_E_AUTHENTICATION_FAIL);
    await using vm = await host.openVM(VMX);
    await assert.rejects(vm.runProgram('/bin/true'), (e: unknown) => e instanceof vix.VixError && e.code === vix.VIX_E_INVALID_AUTHENTICATION_SESSION);
  });

  it('findItems is an async iterable of .vmx paths (running, registered)', async () => {
    await using host = await vix.connect({ port: k.authdPort, user: ADMIN.user, password: ADMIN.password, ca: k.ca });
    const running: string[] = [];
    for await (const p of host.findItems(vix.VIX_FIND_RUNNING_VMS)) running.push(p);
    const registered: string[] = [];
    for await (const p of host.findItems(vix.VIX_FIND_REGISTERED_VMS)) registered.push(p);
    assert.ok(registered.includes(VMX), registered.join(', '));
    assert.ok(registered.includes('[LocalDS_0] Desktop-0/Desktop-0.vmx'));
    assert.ok(running.every((p) => registered.includes(p)));
    const v = await k.vapi();
    const on = (await v.vm.list({ power_states: ['POWERED_ON'] })).map((x) => x.name).sort();
    assert.deepEqual(running.map((p) => /\] ([^/]+)\//.exec(p)![1]).sort(), on);
  });
});

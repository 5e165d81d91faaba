/**
 * The promise API's scenario on the sim driver against a real vmgate (child process):
 * open, power on, wait for tools, log in, run a program with output, copy 5 MiB each way,
 * snapshot, revert, suspend, resume, power off; typed errors, findItems as an async
 * iterable, progress callbacks, disposal. The vSphere face shows the changes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as vix from '../../../src/clients/vix/index.ts';
import { ADMIN, startVixServer, type VixServer } from './kit.ts';
import { promiseScenario } from './scenario.ts';

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
    await promiseScenario({ port: k.authdPort, ca: k.ca, vmx: VMX, dir, power: async () => (await v.power.get(id)).state, toolsTimeoutMs: 60_000 });
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

/** The promise API's scenario, the same on the sim (promise.test.ts) and on QEMU (promise-qemu.test.ts). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vix from '../../../src/clients/vix/index.ts';
import { ADMIN } from './kit.ts';

export interface ScenarioWorld {
  readonly port: number;
  readonly ca: string;
  readonly vmx: string;
  /** A folder of this machine for the copies. */
  readonly dir: string;
  /** The VM's power state as the vSphere face shows it. */
  power(): Promise<string>;
  readonly toolsTimeoutMs: number;
  readonly step?: (name: string) => void;
  readonly user?: string;
  readonly password?: string;
}

/**
 * The promise API's scenario (the same on both drivers): open, power on, wait for tools,
 * log in, run a program with output, copy 5 MiB each way, snapshot (with memory), change a
 * file, revert (the file is back), suspend, resume, power off.
 */
export async function promiseScenario(w: ScenarioWorld): Promise<void> {
  const step = w.step ?? ((): void => undefined);
  const host = await vix.connect({ host: '127.0.0.1', port: w.port, user: w.user ?? ADMIN.user, password: w.password ?? ADMIN.password, ca: w.ca });
  const vm = await host.openVM(w.vmx);
  assert.equal(vm.vmxPath, w.vmx);
  if ((await vm.powerState()) !== vix.VIX_POWERSTATE_POWERED_OFF) await vm.powerOff();
  assert.equal(await vm.powerState(), vix.VIX_POWERSTATE_POWERED_OFF);
  assert.equal(await w.power(), 'POWERED_OFF');

  await vm.powerOn();
  await vm.waitForTools({ timeoutMs: w.toolsTimeoutMs });
  step('power on, tools');
  assert.equal(await vm.powerState(), vix.VIX_POWERSTATE_POWERED_ON | vix.VIX_POWERSTATE_TOOLS_RUNNING);
  assert.equal(await w.power(), 'POWERED_ON');
  await vm.loginInGuest('root', 'vmware');
  const r = await vm.runProgram('/bin/sh', ['-c', 'echo "it says $1"; exit 4', 'sh', 'two words']);
  assert.equal(r.exitCode, 4);
  assert.equal(r.stdout, 'it says two words\n');
  assert.ok(r.pid > 0);
  step('run a program');

  const data = randomBytes(5 * 1024 * 1024);
  await writeFile(join(w.dir, 'up.bin'), data);
  let upProgress = 0;
  await vm.copyFileFromHostToGuest(join(w.dir, 'up.bin'), '/root/big.bin', { onProgress: () => upProgress++ });
  assert.equal(upProgress, 1);
  const size = await vm.runProgram('/bin/sh', ['-c', 'wc -c < /root/big.bin']);
  assert.equal(size.stdout.trim(), String(5 * 1024 * 1024));
  let downProgress = 0;
  await vm.copyFileFromGuestToHost('/root/big.bin', join(w.dir, 'down.bin'), { onProgress: () => downProgress++ });
  assert.equal(downProgress, 2, 'two pieces of at most 4 MiB');
  assert.ok((await readFile(join(w.dir, 'down.bin'))).equals(data), 'the same 5 MiB came back');
  assert.equal((await stat(join(w.dir, 'down.bin'))).mode & 0o777, 0o600);
  step('copy 5 MiB each way');

  const snap = await vm.createSnapshot('before-change', { description: 'scenario', includeMemory: true });
  assert.equal(snap.name, 'before-change');
  assert.equal(snap.description, 'scenario');
  await vm.deleteFile('/root/big.bin');
  assert.equal(await vm.fileExists('/root/big.bin'), false);
  await vm.revertToSnapshot(snap);
  assert.equal((await vm.powerState()) & vix.VIX_POWERSTATE_POWERED_ON, vix.VIX_POWERSTATE_POWERED_ON, 'a snapshot with memory reverts to running');
  await vm.waitForTools({ timeoutMs: w.toolsTimeoutMs });
  await vm.loginInGuest('root', 'vmware');
  assert.equal(await vm.fileExists('/root/big.bin'), true, 'the file is back');
  step('snapshot, revert');

  await vm.suspend();
  assert.equal(await vm.powerState(), vix.VIX_POWERSTATE_SUSPENDED);
  assert.equal(await w.power(), 'SUSPENDED');
  await vm.resume();
  assert.equal((await vm.powerState()) & vix.VIX_POWERSTATE_POWERED_ON, vix.VIX_POWERSTATE_POWERED_ON);
  assert.equal(await w.power(), 'POWERED_ON');
  await vm.waitForTools({ timeoutMs: w.toolsTimeoutMs });
  assert.equal(await vm.fileExists('/root/big.bin'), true, 'still there after suspend and resume');
  step('suspend, resume');
  await vm.powerOff();
  assert.equal(await w.power(), 'POWERED_OFF');
  await vm.removeSnapshot(snap);
  snap.release();
  vm.release();
  host.disconnect();
}


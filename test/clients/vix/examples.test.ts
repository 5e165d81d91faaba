/**
 * Every example of the VIX Programming Guide, as translated under examples/vix/, run as a
 * program (node + tsx, as a user would) against a real vmgate on the simulator: what it
 * prints, and what changed on the server as the vSphere face shows it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { VapiClient } from '../../../src/clients/vapi/index.ts';
import type { VmserverdClient } from '../../../src/clients/vmserverd/index.ts';
import { ADMIN, startVixServer, type VixServer } from './kit.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const vmx = (name: string): string => `[LocalDS_0] ${name}/${name}.vmx`;

describe('the guide\'s examples (examples/vix)', () => {
  let k: VixServer;
  let x: VmserverdClient;
  let v: VapiClient;
  const login = ['127.0.0.1', ADMIN.user, ADMIN.password];

  function example(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', `examples/vix/${name}.ts`, ...args], { cwd: ROOT, env: { ...process.env, ...k.env() }, timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
  }
  async function prints(name: string, args: string[], expected: string | RegExp): Promise<void> {
    const r = await example(name, args);
    if (typeof expected === 'string') assert.equal(r.stdout, expected, r.stderr);
    else assert.match(r.stdout, expected, r.stderr);
    assert.equal(r.code, 0, r.stderr);
  }
  async function powerOf(name: string): Promise<string> {
    const id = (await v.vm.list({ names: [name] }))[0]!.vm;
    return (await v.power.get(id)).state;
  }
  async function setPower(name: string, want: 'poweredOn' | 'poweredOff' | 'suspended'): Promise<void> {
    const now = (await x.vmInfo(vmx(name))).powerState;
    if (now === want) return;
    if (now !== 'poweredOff') await x.power('VM_PowerOff', vmx(name), { hard: true });
    if (want !== 'poweredOff') await x.power('VM_PowerOn', vmx(name));
    if (want === 'suspended') await x.power('VM_Suspend', vmx(name));
  }
  async function newVmx(name: string, hw: number, guestOS: string): Promise<string> {
    await x.makeDir(`[LocalDS_0] ${name}`);
    await x.createFile(vmx(name), ['.encoding = "UTF-8"', 'config.version = "8"', `virtualHW.version = "${hw}"`, `displayName = "${name}"`, `guestOS = "${guestOS}"`, 'numvcpus = "1"', 'memsize = "256"', ''].join('\n'));
    return vmx(name);
  }

  before(async () => {
    k = await startVixServer();
    x = await k.exec();
    v = await k.vapi();
  });
  after(async () => k.close());

  it('connect-specified-host, connect-local-user, connect-current-user (three ways)', async () => {
    await prints('connect-specified-host', login, 'connected to 127.0.0.1 as administrator: host type 2\n');
    await prints('connect-specified-host', ['127.0.0.1', ADMIN.user, 'wrong'], 'error: Authentication failed: the host refused the user name or password\n');
    await prints('connect-local-user', [ADMIN.user, ADMIN.password], 'connected to the local host as administrator: host type 2\n');
    await prints('connect-current-user', [], 'connected as the current user: registered VMs are visible (The operation was successful)\n');
  });

  it('register-vm and unregister-vm change the inventory', async () => {
    const path = await newVmx('reg', 19, 'otherlinux-64');
    assert.deepEqual(await v.vm.list({ names: ['reg'] }), []);
    await prints('register-vm', [...login, path], `registered ${path}\n`);
    assert.equal((await v.vm.list({ names: ['reg'] })).length, 1);
    await prints('register-vm', [...login, path], 'error: The virtual machine is already registered\n');
    await prints('unregister-vm', [...login, path], `unregistered ${path}\n`);
    assert.deepEqual(await v.vm.list({ names: ['reg'] }), []);
  });

  it('open-twice: the same handle, released once per open', async () => {
    await prints('open-twice', [...login, vmx('DC0_C0_H0_VM0')], 'handle1 == handle2: true\nafter one release: DC0_C0_H0_VM0\nafter two releases: VIX_E_INVALID_HANDLE\n');
  });

  it('get-properties, power-on (from off, waiting for tools), wait-for-tools, guest-login, suspend, resume, power-off (polling)', async () => {
    const name = 'DC0_C0_H0_VM1';
    await setPower(name, 'poweredOff');
    await prints('get-properties', [...login, vmx(name)], `path ${vmx(name)}, power state 0x2\n`);
    await prints('power-on', [...login, vmx(name)], 'powered on: power state 0x48\n');
    assert.equal(await powerOf(name), 'POWERED_ON');
    await prints('wait-for-tools', [...login, vmx(name), '30'], 'tools are running\n');
    await prints('guest-login', [...login, vmx(name), 'root', 'vmware'], /^logged in to the guest as root\nexit code 0: hello from \S+\n$/);
    await prints('guest-login', [...login, vmx(name), 'root', 'wrong'], 'error: Cannot authenticate with the guest: wrong guest user name or password\n');
    await prints('suspend', [...login, vmx(name)], 'suspended: power state 0x20\n');
    assert.equal(await powerOf(name), 'SUSPENDED');
    await prints('resume', [...login, vmx(name)], /^tools state after resume: [12]\nresumed: power state 0x48\n$/);
    assert.equal(await powerOf(name), 'POWERED_ON');
    await prints('power-off', [...login, vmx(name)], 'powered off: power state 0x2\n');
    assert.equal(await powerOf(name), 'POWERED_OFF');
  });

  it('wait-for-tools honours its timeout on a guest without tools', async () => {
    const path = await newVmx('bare', 19, 'otherlinux-notools');
    await x.registerVm(path);
    await x.power('VM_PowerOn', path);
    await prints('wait-for-tools', [...login, path, '1'], 'error: Timed out waiting for VMware Tools in the guest\n');
    await x.power('VM_PowerOff', path, { hard: true });
  });

  it('install-tools: vmgate has no tools image (VIX_E_NOT_SUPPORTED)', async () => {
    await prints('install-tools', [...login, vmx('DC0_C0_H0_VM0')], 'error: The operation is not supported\n');
  });

  it('upgrade-hardware imports a legacy VM (hardware version 4) and upgrades it', async () => {
    const path = await newVmx('legacy', 4, 'otherlinux-64');
    await prints('upgrade-hardware', [...login, path], `upgraded the virtual hardware of ${path}\n`);
    const id = (await v.vm.list({ names: ['legacy'] }))[0]!.vm;
    assert.equal((await v.hardware.get(id)).version, 'VMX_19');
  });

  it('job-wait, check-completion, callback (the multi-threaded model)', async () => {
    await prints('job-wait', [...login, vmx('DC0_C0_H0_VM0')], 'connected: The operation was successful\nopened DC0_C0_H0_VM0\n');
    await prints('check-completion', [...login, vmx('DC0_C0_H0_VM0')], 'opened by polling: DC0_C0_H0_VM0\n');
    await prints('callback', [...login, vmx('DC0_C0_H0_VM0')], 'main: the open is under way\ncallback (Hello, Vix): opened DC0_C0_H0_VM0 (The operation was successful)\n');
  });

  it('pump-polling and pump-callback (the single-threaded model)', async () => {
    const name = 'DC0_C0_H1_VM1';
    await setPower(name, 'poweredOn');
    await prints('pump-polling', [vmx(name)], /^before pumping: power state 0x(8|48), job completed: false\ncompleted after \d+ pump\(s\)\nafter: power state 0x20\n$/);
    assert.equal(await powerOf(name), 'SUSPENDED');
    await prints('pump-callback', login, ':-)\n');
    await prints('pump-callback', ['127.0.0.1', ADMIN.user, 'wrong'], ':-(\n');
  });
});

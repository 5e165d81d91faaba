/**
 * The QEMU driver with real guests under TCG: the test guest of scripts/build-test-guest.sh
 * (Debian kernel, busybox, qemu-ga; users root and user, password "vmware"), 256 MiB, one
 * guest at a time. Skips locally when QEMU or the guest is missing; fails in CI.
 */
import * as nodeTest from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuDriver } from '../../src/drivers/qemu/qemu-driver.ts';
import type { DriverEvent, DriverVm, GuestCredentials, HypervisorDriver } from '../../src/core/ports/driver.ts';
import { VmgateError } from '../../src/core/errors.ts';
import { acquireQemuTestLock, qemuTestGuest, qemuTestSkip, testGuestVm } from '../support/qemu-guest.ts';
import { driverConformance } from './driver-conformance.ts';
import { vncHandshake } from '../faces/view/vnc-handshake.ts';
import { skippable } from '../support/ci.ts';

const skip = qemuTestSkip();
// Without QEMU (locally only) every test below is registered as skipped, so the summary counts them.
const { after, before, describe, test } = skippable(skip);
// One guest at a time across test files (the runner runs files in parallel).
let releaseLock: (() => void) | undefined;
if (!skip) {
  nodeTest.before(async () => {
    releaseLock = await acquireQemuTestLock();
  });
  nodeTest.after(() => releaseLock?.());
}
const silent = { info: () => undefined, warn: () => undefined };
const ROOT: GuestCredentials = { username: 'root', password: 'vmware' };
const USER: GuestCredentials = { username: 'user', password: 'vmware' };

describe('qemu driver with a real guest (TCG)', { timeout: 600_000 }, () => {
  const { guest } = qemuTestGuest();
  let dir: string;
  let vm: DriverVm;
  let driver: HypervisorDriver;
  const events: DriverEvent[] = [];

  const newDriver = (): HypervisorDriver => {
    const d = createQemuDriver({ accel: 'tcg', qemuBinary: guest.qemuBinary, qemuImg: guest.qemuImg, log: silent });
    d.onEvent((e) => events.push(e));
    return d;
  };

  const nextEvent = (match: (e: DriverEvent) => boolean, timeoutMs: number): Promise<DriverEvent> => {
    const from = events.length;
    return new Promise((resolve, reject) => {
      const t0 = Date.now();
      const tick = setInterval(() => {
        const e = events.slice(from).find(match);
        if (e) {
          clearInterval(tick);
          resolve(e);
        } else if (Date.now() - t0 > timeoutMs) {
          clearInterval(tick);
          reject(new Error(`no matching driver event within ${timeoutMs} ms; saw ${JSON.stringify(events.slice(from))}`));
        }
      }, 50);
    });
  };

  const run = async (creds: GuestCredentials, path: string, args: string[], more: { stdin?: string; cwd?: string; env?: Record<string, string> } = {}) => {
    const g = driver.guest!;
    const pid = await g.startProgram(vm, creds, { path, args, captureOutput: true, cwd: more.cwd, env: more.env, stdin: more.stdin === undefined ? undefined : Buffer.from(more.stdin) });
    const r = await g.waitProgram(vm, creds, pid);
    return { pid, exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  };

  const isError = (kind: string, reason?: string) => (e: unknown) => e instanceof VmgateError && e.kind === kind && (reason === undefined || e.reason === reason);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vmgate-qemu-test-'));
    vm = testGuestVm(dir, guest);
    driver = newDriver();
    await driver.createDisks(vm);
  });

  after(async () => {
    await driver.powerOff(vm, { soft: false }).catch(() => undefined);
    await driver.close();
    // Never leave a guest behind, whatever failed.
    const pidFile = join(dir, 'qemu.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates the qcow2 disk and powers on; the guest agent comes up', async (t: TestContext) => {
    assert.ok(existsSync(join(dir, 'disk0.qcow2')));
    const t0 = Date.now();
    const toolsUp = nextEvent((e) => e.toolsState === 'running', 120_000);
    await driver.powerOn(vm);
    assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOn');
    await driver.waitForTools(vm, 120_000);
    t.diagnostic(`boot to guest agent under TCG: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal((await toolsUp).vmId, vm.id);
    assert.deepEqual(await driver.getRuntime(vm), { powerState: 'poweredOn', toolsState: 'running' });
    await assert.rejects(driver.powerOn(vm), isError('not_allowed_in_current_state', 'vm_is_running'));
  });

  test('runs programs as the logged-in guest user, with output, stdin, cwd and environment', async () => {
    const echo = await run(USER, '/bin/echo', ['hello', '-n', 'from the guest']);
    assert.deepEqual({ code: echo.exitCode, out: echo.stdout }, { code: 0, out: 'hello -n from the guest\n' });
    const sh = await run(USER, 'sh', ['-c', 'id -un; pwd; echo "$GREETING"; cat; echo oops >&2; exit 7'], { stdin: 'piped in', cwd: '/tmp', env: { GREETING: 'hi there' } });
    assert.equal(sh.exitCode, 7);
    assert.equal(sh.stdout, 'user\n/tmp\nhi there\npiped in');
    assert.equal(sh.stderr, 'oops\n');
    assert.equal((await run(ROOT, 'id', ['-u'])).stdout, '0\n');
    await assert.rejects(driver.guest!.startProgram(vm, USER, { path: '/no/such/program', args: [], captureOutput: true }), isError('not_found', 'file_not_found'));
  });

  test('statistics of the running guest: CPU time and RSS of its QEMU process, no balloon; the machine’s load', async () => {
    const first = await driver.statistics!(vm);
    assert.ok(first.cpuTimeMs > 0, `CPU time ${first.cpuTimeMs} ms`);
    assert.ok(first.memoryUsedMiB > 0, `RSS ${first.memoryUsedMiB} MiB`);
    assert.equal(first.balloonMiB, null, 'the test guest has no balloon device');
    await run(USER, 'sh', ['-c', 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done']);
    const second = await driver.statistics!(vm);
    assert.ok(second.atMs > first.atMs);
    assert.ok(second.cpuTimeMs > first.cpuTimeMs, `CPU time grew: ${first.cpuTimeMs} → ${second.cpuTimeMs} ms`);
    const m = await driver.hostStatistics!();
    assert.ok(m.cpuTotalMs > m.cpuBusyMs && m.cpuBusyMs > 0);
    assert.ok(m.memoryTotalMiB > m.memoryUsedMiB && m.memoryUsedMiB > 0);
  });

  test('a wrong guest password or an unknown user is refused', async () => {
    await assert.rejects(driver.guest!.authenticate(vm, { username: 'user', password: 'wrong' }), isError('unauthenticated', 'guest_auth_failed'));
    await assert.rejects(driver.guest!.authenticate(vm, { username: 'nobody-here', password: 'vmware' }), isError('unauthenticated', 'guest_auth_failed'));
    await assert.rejects(driver.guest!.startProgram(vm, { username: 'root', password: 'vmware!' }, { path: '/bin/true', args: [], captureOutput: false }), isError('unauthenticated', 'guest_auth_failed'));
    await driver.guest!.authenticate(vm, USER);
  });

  test('writes and reads 1 MiB in chunks', async (t: TestContext) => {
    const g = driver.guest!;
    const data = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 10)) & 0xff;
    const t0 = Date.now();
    const piece = 256 * 1024;
    for (let off = 0; off < data.length; off += piece) {
      await g.writeFile(vm, USER, '/home/user/blob.bin', data.subarray(off, off + piece), { offset: off, truncate: off === 0, overwrite: true });
    }
    const parts: Buffer[] = [];
    for (let off = 0; off < data.length + 1; off += 300_000) parts.push(await g.readFile(vm, USER, '/home/user/blob.bin', off, 300_000));
    t.diagnostic(`1 MiB written and read back in ${Date.now() - t0} ms`);
    assert.ok(Buffer.concat(parts).equals(data));
    const info = await g.stat(vm, USER, '/home/user/blob.bin');
    assert.deepEqual({ size: info.size, type: info.type, owner: info.owner, name: info.name }, { size: data.length, type: 'file', owner: 'user', name: 'blob.bin' });
    await assert.rejects(g.writeFile(vm, USER, '/home/user/blob.bin', Buffer.from('x'), { offset: 0, truncate: true, overwrite: false }), isError('already_exists', 'file_exists'));
  });

  test('file and directory operations follow the guest user’s permissions', async () => {
    const g = driver.guest!;
    await g.makeDirectory(vm, USER, '/home/user/a/b', true);
    await g.writeFile(vm, USER, '/home/user/a/b/note.txt', Buffer.from('note'), { offset: 0, truncate: true, overwrite: false });
    const listing = await g.listDirectory(vm, USER, '/home/user/a/b');
    assert.deepEqual(
      listing.map((f) => [f.name, f.path, f.type, f.size]),
      [['note.txt', '/home/user/a/b/note.txt', 'file', 4]],
    );
    await g.move(vm, USER, '/home/user/a/b/note.txt', '/home/user/a/moved.txt', false);
    assert.equal((await g.readFile(vm, USER, '/home/user/a/moved.txt', 0, 100)).toString(), 'note');
    const tmp = await g.createTempFile(vm, USER, { prefix: 'vmgate-', suffix: '.tmp' });
    assert.match(tmp, /^\/tmp\/vmgate-[0-9a-f]+\.tmp$/);
    assert.equal((await g.stat(vm, USER, tmp)).owner, 'user');
    await g.removeFile(vm, USER, tmp);
    await assert.rejects(g.stat(vm, USER, tmp), isError('not_found', 'file_not_found'));
    await assert.rejects(g.removeDirectory(vm, USER, '/home/user/a', false), isError('invalid_argument'));
    await g.removeDirectory(vm, USER, '/home/user/a', true);
    await assert.rejects(g.readFile(vm, USER, '/etc/shadow', 0, 10), isError('unauthorized'));
    await assert.rejects(g.readFile(vm, USER, '/nope', 0, 10), isError('not_found', 'file_not_found'));
    await assert.rejects(g.writeFile(vm, USER, '/etc/evil', Buffer.from('x'), { offset: 0, truncate: true, overwrite: true }), isError('unauthorized'));
    await assert.rejects(g.listDirectory(vm, USER, '/etc/passwd'), isError('invalid_argument', 'not_a_directory'));
    assert.ok((await g.readFile(vm, ROOT, '/etc/shadow', 0, 4096)).toString().startsWith('root:$6$'));
    assert.equal((await g.environment!(vm, USER)).HOME, '/home/user');
  });

  test('lists and kills guest processes', async () => {
    const g = driver.guest!;
    const pid = await g.startProgram(vm, USER, { path: '/bin/sleep', args: ['600'], captureOutput: false });
    const [p] = await g.listProcesses(vm, USER, [pid]);
    assert.deepEqual({ pid: p.pid, name: p.name, owner: p.owner, exitCode: p.exitCode }, { pid, name: 'sleep', owner: 'user', exitCode: null });
    assert.ok((await g.listProcesses(vm, USER)).some((q) => q.pid === 1 && q.owner === 'root'));
    await assert.rejects(g.killProcess(vm, USER, 1), isError('unauthorized'));
    await g.killProcess(vm, USER, pid);
    assert.equal((await g.waitProgram(vm, USER, pid)).exitCode, 128 + 9);
    const [ended] = await g.listProcesses(vm, USER, [pid]);
    assert.equal(ended.exitCode, 137);
    await assert.rejects(g.killProcess(vm, USER, pid), isError('not_found', 'no_such_process'));
  });

  test('suspend to a .vmss file and resume keep a `sleep 600` alive', async (t: TestContext) => {
    const g = driver.guest!;
    const sleeper = await g.startProgram(vm, ROOT, { path: '/bin/sleep', args: ['600'], captureOutput: false });
    const t0 = Date.now();
    await driver.suspend!(vm);
    t.diagnostic(`suspend: ${Date.now() - t0} ms`);
    assert.ok(existsSync(join(dir, `${vm.name}.vmss`)));
    assert.equal((await driver.getRuntime(vm)).powerState, 'suspended');
    await assert.rejects(g.authenticate(vm, ROOT), isError('not_allowed_in_current_state', 'vm_not_running'));
    const t1 = Date.now();
    await driver.resume!(vm);
    await driver.waitForTools(vm, 60_000);
    t.diagnostic(`resume to guest agent: ${Date.now() - t1} ms`);
    assert.equal(existsSync(join(dir, `${vm.name}.vmss`)), false, 'the saved state is removed after resuming');
    assert.deepEqual(await driver.getRuntime(vm), { powerState: 'poweredOn', toolsState: 'running' });
    const alive = (await run(ROOT, 'sh', ['-c', `cat /proc/${sleeper}/cmdline | tr '\\0' ' '`])).stdout;
    assert.equal(alive, '/bin/sleep 600 ');
  });

  test('a snapshot with memory, reverted, restores a changed file and a running guest', async () => {
    const g = driver.guest!;
    const file = '/root/state.txt';
    await g.writeFile(vm, ROOT, file, Buffer.from('before the snapshot'), { offset: 0, truncate: true, overwrite: true });
    await driver.createSnapshot!(vm, { id: 'snapshot-1', includeMemory: true }, true);
    await g.writeFile(vm, ROOT, file, Buffer.from('changed afterwards'), { offset: 0, truncate: true, overwrite: true });
    assert.equal(await driver.revertSnapshot!(vm, { id: 'snapshot-1', includeMemory: true }), 'poweredOn');
    await driver.waitForTools(vm, 60_000);
    assert.equal((await g.readFile(vm, ROOT, file, 0, 100)).toString(), 'before the snapshot');
    await assert.rejects(driver.revertSnapshot!(vm, { id: 'snapshot-404', includeMemory: true }), isError('not_found', 'snapshot_not_found'));
    await driver.removeSnapshot!(vm, { id: 'snapshot-1', includeMemory: true }, true);
    await assert.rejects(driver.revertSnapshot!(vm, { id: 'snapshot-1', includeMemory: true }), isError('not_found', 'snapshot_not_found'));
    assert.deepEqual(await driver.getRuntime(vm), { powerState: 'poweredOn', toolsState: 'running' });
  });

  test('the console is VNC on loopback, locked until a ticket, which works once', async () => {
    const c = await driver.console!(vm);
    assert.deepEqual([c.protocol, c.host, c.password], ['VNC', '127.0.0.1', null]);
    assert.ok(c.port >= 5900);
    await assert.rejects(vncHandshake(c.host, c.port, null), /VNC authentication failed/);
    const t = await driver.console!(vm, { password: 'Qt1cket2', validForMs: 60_000 });
    assert.deepEqual([t.port, t.password], [c.port, 'Qt1cket2']);
    await assert.rejects(vncHandshake(c.host, c.port, 'Qt1cket3'), /VNC authentication failed/);
    const hs = await vncHandshake(c.host, c.port, 'Qt1cket2');
    assert.deepEqual([hs.types, hs.name], [[2], `QEMU (${vm.name})`]);
    await new Promise((r) => setTimeout(r, 300)); // the driver burns it on QEMU's VNC_INITIALIZED
    await assert.rejects(vncHandshake(c.host, c.port, 'Qt1cket2'), /VNC authentication failed/);
  });

  test('after a control-plane restart a new driver reattaches, sees poweredOn and can exec', async () => {
    const before = await driver.guest!.startProgram(vm, USER, { path: 'sh', args: ['-c', 'sleep 2; echo survived'], captureOutput: true });
    await driver.close(); // lets go of the sockets; the guest keeps running
    driver = newDriver();
    assert.deepEqual(await driver.reattach(vm, { powerState: 'poweredOn', toolsState: 'running' }), { powerState: 'poweredOn', toolsState: 'running' });
    const r = await run(USER, '/bin/echo', ['still', 'here']);
    assert.equal(r.stdout, 'still here\n');
    // A program started before the restart can still be waited for (qemu-ga kept it).
    assert.equal((await driver.guest!.waitProgram(vm, USER, before)).stdout.toString(), 'survived\n');
  });

  test('kill -9 of QEMU behind the driver’s back is reported as poweredOff with the reason', async () => {
    const pid = Number(readFileSync(join(dir, 'qemu.pid'), 'utf8'));
    const off = nextEvent((e) => e.powerState === 'poweredOff', 15_000);
    process.kill(pid, 'SIGKILL');
    const e = await off;
    assert.equal(e.vmId, vm.id);
    assert.match(e.reason, /QEMU process exited/);
    assert.deepEqual(await driver.getRuntime(vm), { powerState: 'poweredOff', toolsState: 'unknown' });
  });

  test('a guest that shuts itself down is reported with reason "guest shut down"', async () => {
    await driver.powerOn(vm);
    await driver.waitForTools(vm, 120_000);
    const off = nextEvent((e) => e.powerState === 'poweredOff', 60_000);
    await driver.guest!.startProgram(vm, ROOT, { path: '/sbin/poweroff', args: [], captureOutput: false });
    assert.equal((await off).reason, 'guest shut down');
    assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOff');
  });

  test('soft power off through the agent; disk-only snapshots while off revert to poweredOff', async () => {
    await driver.powerOn(vm);
    await driver.waitForTools(vm, 120_000);
    const before = events.length;
    await driver.powerOff(vm, { soft: true, timeoutMs: 60_000 });
    assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOff');
    assert.equal(
      events.slice(before).some((e) => e.powerState === 'poweredOff'),
      false,
      'a power off the driver was asked for is no news',
    );
    await driver.createSnapshot!(vm, { id: 'snapshot-2', includeMemory: false }, false);
    assert.equal(await driver.revertSnapshot!(vm, { id: 'snapshot-2', includeMemory: false }), 'poweredOff');
    await driver.removeSnapshot!(vm, { id: 'snapshot-2', includeMemory: false }, false);
    await assert.rejects(driver.powerOff(vm, { soft: false }), isError('not_allowed_in_current_state', 'vm_not_running'));
  });
});

// The shared driver conformance suite, in this file so that its guests too run one at a time.
{
  driverConformance(
    'qemu',
    async () => {
      const { guest } = qemuTestGuest();
      const root = mkdtempSync(join(tmpdir(), 'vmgate-qemu-conf-'));
      const driver = createQemuDriver({ accel: 'tcg', qemuBinary: guest.qemuBinary, qemuImg: guest.qemuImg, log: silent });
      const vms: DriverVm[] = [];
      return {
        driver,
        credentials: ROOT,
        async vm(name) {
          const dir = join(root, name);
          mkdirSync(dir);
          const vm = { ...testGuestVm(dir, guest, `vm-${name}`), name };
          await driver.createDisks(vm);
          vms.push(vm);
          return vm;
        },
        async cleanup() {
          for (const vm of vms) {
            await driver.powerOff(vm, { soft: false }).catch(() => undefined);
            const pidFile = join(vm.dir, 'qemu.pid');
            if (existsSync(pidFile)) {
              try {
                process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
              } catch {
                // gone
              }
            }
          }
          await driver.close();
          rmSync(root, { recursive: true, force: true });
        },
      };
    },
    { slow: true, skip },
  );
}

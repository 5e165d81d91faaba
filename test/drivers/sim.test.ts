import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PowerState } from '../../src/core/model/index.ts';
import type { DriverEvent, DriverVm, GuestCredentials, GuestProcessResult, HypervisorDriver } from '../../src/core/ports/driver.ts';
import { createSimDriver } from '../../src/drivers/sim/sim-driver.ts';
import type { SimDriverOptions } from '../../src/drivers/sim/sim-driver.ts';
import { countColors, countNonBackgroundPixels, grabRfbFrame } from '../support/rfb-client.ts';
import { assertVmgateRejects, driverConformance, nextEvent } from './driver-conformance.ts';
import { simTestVm } from './sim-vm-fixture.ts';

const ROOT: GuestCredentials = { username: 'root', password: 'vmware' };
const USER: GuestCredentials = { username: 'user', password: 'vmware' };

driverConformance('sim', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vmgate-sim-conf-'));
  const driver = createSimDriver({ speed: 1000 });
  return {
    driver,
    vm: async (name) => {
      const vm = simTestVm(root, name);
      await driver.createDisks(vm);
      return vm;
    },
    cleanup: async () => {
      await driver.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

/** A fresh sim driver in a temp folder, closed after the test. */
async function withSim<T>(opts: SimDriverOptions, fn: (h: { driver: HypervisorDriver; root: string; vm: (name: string, guestOs?: string) => DriverVm }) => Promise<T>): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'vmgate-sim-'));
  const driver = createSimDriver(opts);
  try {
    return await fn({ driver, root, vm: (name, guestOs) => simTestVm(root, name, guestOs ? { guestOs } : {}) });
  } finally {
    await driver.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function running(driver: HypervisorDriver, vm: DriverVm): Promise<void> {
  await driver.powerOn(vm);
  await driver.waitForTools(vm, 5000);
}

function guestRunner(driver: HypervisorDriver, vm: DriverVm, creds: GuestCredentials = ROOT) {
  const g = driver.guest!;
  return {
    run: async (path: string, args: string[], extra: { env?: Record<string, string>; stdin?: Buffer } = {}): Promise<GuestProcessResult> =>
      g.waitProgram(vm, creds, await g.startProgram(vm, creds, { path, args, captureOutput: true, ...extra })),
    sh: async (script: string): Promise<GuestProcessResult> => g.waitProgram(vm, creds, await g.startProgram(vm, creds, { path: '/bin/sh', args: ['-c', script], captureOutput: true })),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sim driver', () => {
  describe('guest shell', () => {
    let h: { driver: HypervisorDriver; vm: DriverVm; root: string };
    before(async () => {
      const root = await mkdtemp(join(tmpdir(), 'vmgate-sim-shell-'));
      const driver = createSimDriver({ speed: 1000 });
      const vm = simTestVm(root, 'shell-vm');
      await running(driver, vm);
      h = { driver, vm, root };
    });
    after(async () => {
      await h.driver.close();
      await rm(h.root, { recursive: true, force: true });
    });

    const cases: [script: string, stdout: string, exitCode?: number][] = [
      [`echo 'single $HOME' "double $USER" back\\ slash`, 'single $HOME double root back slash\n'],
      [`echo "a\\"b" 'c'"d" e\\'f`, `a"b cd e'f\n`],
      ['echo a; echo b', 'a\nb\n'],
      ['true && echo yes || echo no', 'yes\n'],
      ['false && echo yes || echo no', 'no\n'],
      ['! false && echo negated', 'negated\n'],
      ['false; echo $?', '1\n'],
      ['echo hello world | cat', 'hello world\n'],
      [`printf 'b\\na\\nc\\n' | sort | head -n 2`, 'a\nb\n'],
      ['echo abc | grep -c b', '1\n'],
      ['echo one > /tmp/r.txt; echo two >> /tmp/r.txt; cat /tmp/r.txt', 'one\ntwo\n'],
      ['wc -l < /etc/passwd', '2\n'],
      ['cat /nonexistent 2>/dev/null || echo missing', 'missing\n'],
      ['echo to-err 1>&2', ''],
      ['X=42; echo "x=$X ${X}y"', 'x=42 42y\n'],
      [`X=1 sh -c 'echo $X'; echo "[$X]"`, '1\n[]\n'],
      [`export Y=exported; sh -c 'echo $Y'`, 'exported\n'],
      [`sh -c 'echo $0 $1 $#' name one`, 'name one 1\n'],
      ['V="a   b"; echo $V; echo "$V"', 'a b\na   b\n'],
      ['echo ~', '/root\n'],
      ['cd /tmp && pwd', '/tmp\n'],
      ['touch /tmp/g1.txt /tmp/g2.txt; echo /tmp/g*.txt; echo "/tmp/g*.txt"', '/tmp/g1.txt /tmp/g2.txt\n/tmp/g*.txt\n'],
      ['[ -d /tmp ] && [ ! -f /tmp ] && test 3 -gt 2 && echo ok', 'ok\n'],
      ['hostname; whoami; id -u', 'shell-vm\nroot\n0\n'],
      ['exit 7', '', 7],
      ['echo before; exit 3; echo after', 'before\n', 3],
      ['nosuchcommand', '', 127],
      ['echo (', '', 2],
      ['echo "from $(hostname)" $(echo a   b) $(echo "$(whoami)")', 'from shell-vm a b root\n'],
      ['echo `hostname`', '', 2],
      ['echo $(hostname', '', 2],
      ['# only a comment\n\necho after-comment', 'after-comment\n'],
      ['mkdir -p /tmp/s/t && echo x > /tmp/s/t/f && ls /tmp/s/t && rm -r /tmp/s && ls /tmp/s', 'f\n', 2],
    ];
    for (const [script, stdout, exitCode = 0] of cases) {
      it(`sh -c ${JSON.stringify(script)}`, async () => {
        const r = await guestRunner(h.driver, h.vm).sh(script);
        assert.equal(r.stdout.toString(), stdout, `stderr: ${r.stderr.toString()}`);
        assert.equal(r.exitCode, exitCode, `stderr: ${r.stderr.toString()}`);
      });
    }

    it('reports errors on stderr', async () => {
      const { sh } = guestRunner(h.driver, h.vm);
      assert.match((await sh('nosuchcommand')).stderr.toString(), /nosuchcommand: not found/);
      assert.match((await sh('echo (')).stderr.toString(), /syntax error/);
      assert.equal((await sh('echo to-err 1>&2')).stderr.toString(), 'to-err\n');
    });

    it('runs scripts with a #! line and programs by path', async () => {
      const g = h.driver.guest!;
      await g.writeFile(h.vm, ROOT, '/root/script.sh', Buffer.from('#!/bin/sh\necho "script $1"\nexit 4\n'), { offset: 0, truncate: true, overwrite: true });
      const { run, sh } = guestRunner(h.driver, h.vm);
      assert.equal((await sh('/root/script.sh arg')).exitCode, 126); // not executable yet
      await sh('chmod 755 /root/script.sh');
      const r = await run('/root/script.sh', ['arg']);
      assert.equal(r.stdout.toString(), 'script arg\n');
      assert.equal(r.exitCode, 4);
      assert.equal((await run('/bin/echo', ['by', 'path'])).stdout.toString(), 'by path\n');
      assert.equal((await run('sh', [], { stdin: Buffer.from('echo from stdin script') })).stdout.toString(), 'from stdin script\n');
    });
  });

  describe('guest users and permissions', () => {
    it('runs as the logged-in user and checks file permissions', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('perm-vm');
        await running(driver, vm);
        const g = driver.guest!;
        await assertVmgateRejects(g.authenticate(vm, { username: 'user', password: 'nope' }), 'unauthenticated', 'guest_auth_failed');
        await g.authenticate(vm, { username: 'user', password: 'nope' }).catch((e: Error) => assert.match(e.message, /'user'/));

        await g.writeFile(vm, USER, '/home/user/mine.txt', Buffer.from('mine'), { offset: 0, truncate: true, overwrite: true });
        assert.equal((await g.stat(vm, USER, '/home/user/mine.txt')).owner, 'user');
        await g.writeFile(vm, USER, '/tmp/user.txt', Buffer.from('tmp'), { offset: 0, truncate: true, overwrite: true });
        await assertVmgateRejects(g.writeFile(vm, USER, '/etc/evil', Buffer.from('x'), { offset: 0, truncate: true, overwrite: true }), 'unauthorized');
        await assertVmgateRejects(g.stat(vm, USER, '/root/anything'), 'unauthorized');
        await assertVmgateRejects(g.removeFile(vm, USER, '/etc/passwd'), 'unauthorized');
        await g.writeFile(vm, ROOT, '/tmp/roots.txt', Buffer.from('r'), { offset: 0, truncate: true, overwrite: true });
        await assertVmgateRejects(g.removeFile(vm, USER, '/tmp/roots.txt'), 'unauthorized'); // sticky /tmp
        await g.writeFile(vm, ROOT, '/etc/ok', Buffer.from('root may'), { offset: 0, truncate: true, overwrite: true });
        await g.writeFile(vm, USER, 'relative.txt', Buffer.from('home'), { offset: 0, truncate: true, overwrite: true });
        assert.equal((await g.readFile(vm, USER, '/home/user/relative.txt', 0, 10)).toString(), 'home');

        const user = guestRunner(driver, vm, USER);
        const r = await user.sh('echo x > /etc/y');
        assert.equal(r.exitCode, 1);
        assert.match(r.stderr.toString(), /permission denied/);
        assert.equal((await user.sh('whoami; echo $HOME; pwd')).stdout.toString(), 'user\n/home/user\n/home/user\n');
        const env = await g.environment!(vm, USER);
        assert.equal(env.HOME, '/home/user');
        assert.equal(env.USER, 'user');

        const rootPid = await g.startProgram(vm, ROOT, { path: 'sleep', args: ['30'], captureOutput: false });
        const [p] = await g.listProcesses(vm, USER, [rootPid]);
        assert.equal(p.owner, 'root');
        await assertVmgateRejects(g.killProcess(vm, USER, rootPid), 'unauthorized');
        await assertVmgateRejects(g.killProcess(vm, ROOT, 999_999), 'not_found', 'no_such_process');
        await g.killProcess(vm, ROOT, rootPid);
        assert.equal((await g.waitProgram(vm, ROOT, rootPid)).exitCode, 137);
        await assertVmgateRejects(g.killProcess(vm, ROOT, rootPid), 'not_found', 'no_such_process');
        const init = (await g.listProcesses(vm, ROOT, [1]))[0];
        assert.equal(init.name, 'init');
        assert.equal(init.exitCode, null);
      });
    });

    it('takes its accounts from guestAccounts', async () => {
      await withSim({ speed: 1000, guestAccounts: [{ username: 'admin', password: 's3cret', uid: 0, home: '/root' }] }, async ({ driver, vm: mk }) => {
        const vm = mk('accounts-vm');
        await running(driver, vm);
        await driver.guest!.authenticate(vm, { username: 'admin', password: 's3cret' });
        await assertVmgateRejects(driver.guest!.authenticate(vm, ROOT), 'unauthenticated', 'guest_auth_failed');
      });
    });
  });

  describe('fault injection', () => {
    it('fails the named operation on matching VMs', async () => {
      await withSim(
        { speed: 1000, faults: [{ op: 'powerOn', vmName: /^flaky/, probability: 1, kind: 'resource_exhausted', message: 'no memory left for {vm}' }] },
        async ({ driver, vm }) => {
          const flaky = vm('flaky-1');
          await assert.rejects(driver.powerOn(flaky), (e: Error & { kind?: string }) => e.kind === 'resource_exhausted' && e.message === 'no memory left for flaky-1');
          assert.equal((await driver.getRuntime(flaky)).powerState, 'poweredOff');
          const solid = vm('solid-1');
          await driver.powerOn(solid);
          assert.equal((await driver.getRuntime(solid)).powerState, 'poweredOn');
        },
      );
    });

    it('fires with the given probability, using the injected random source', async () => {
      const rolls = [0.7, 0.2];
      await withSim(
        { speed: 1000, random: () => rolls.shift() ?? 0.99, faults: [{ op: 'pause', probability: 0.5, kind: 'internal', message: 'pause broke', reason: 'host_disconnected' }] },
        async ({ driver, vm: mk }) => {
          const vm = mk('dice');
          await driver.powerOn(vm);
          await driver.pause!(vm);
          await driver.unpause!(vm);
          await assertVmgateRejects(driver.pause!(vm), 'internal', 'host_disconnected');
          assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOn');
        },
      );
    });

    it('refuses a probability outside 0..1', () => {
      assert.throws(() => createSimDriver({ faults: [{ op: 'powerOn', probability: 1.5, kind: 'internal', message: 'x' }] }), /probability/);
    });
  });

  describe('timing', () => {
    // No wall-clock bounds (a loaded machine stretches them): timers in one process fire in
    // deadline order, so the order in which operations finish shows the durations.
    it('divides durations by speed: operations finish in the order of their scaled durations', async () => {
      const order: string[] = [];
      await withSim({ speed: 1, durations: { powerOn: 400 } }, ({ driver: slowDriver, vm: slowVm }) =>
        withSim({ speed: 10 }, ({ driver: tenDriver, vm: tenVm }) =>
          withSim({ speed: 1, durations: { powerOn: 100, toolsStart: 50 } }, ({ driver: overDriver, vm: overVm }) =>
            withSim({ speed: Infinity }, async ({ driver: instantDriver, vm: instantVm }) => {
              const slow = slowVm('slow-400');
              const ten = tenVm('speed-10'); // default 2000 ms / 10 = 200 ms
              const over = overVm('override-100');
              const instant = instantVm('instant');
              const track = (name: string, p: Promise<unknown>) => p.then(() => void order.push(name));
              const all = Promise.all([
                track('slow (400 ms)', slowDriver.powerOn(slow)),
                track('speed 10 (200 ms)', tenDriver.powerOn(ten).then(async () => {
                  assert.equal((await slowDriver.getRuntime(slow)).powerState, 'poweringOn', 'the 400 ms power-on is still under way');
                })),
                track('override (100 ms)', overDriver.powerOn(over)),
                track('speed Infinity: a whole cycle', (async () => {
                  await instantDriver.powerOn(instant);
                  await instantDriver.waitForTools(instant, 1000);
                  await instantDriver.suspend!(instant);
                  await instantDriver.resume!(instant);
                  await instantDriver.powerOff(instant, { soft: true, timeoutMs: 1000 });
                })()),
              ]);
              assert.equal((await tenDriver.getRuntime(ten)).powerState, 'poweringOn');
              await all;
              await overDriver.waitForTools(over, 2000);
            }),
          ),
        ),
      );
      assert.deepEqual(order, ['speed Infinity: a whole cycle', 'override (100 ms)', 'speed 10 (200 ms)', 'slow (400 ms)']);
    });

    it('cancels powerOn back to poweredOff', async () => {
      await withSim({ speed: 1 }, async ({ driver, vm: mk }) => {
        const vm = mk('cancel-me');
        const ac = new AbortController();
        const steps: string[] = [];
        setTimeout(() => ac.abort(), 50);
        await assertVmgateRejects(driver.powerOn(vm, { signal: ac.signal, progress: (_p, s) => steps.push(s) }), 'cancelled');
        assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOff');
        assert.deepEqual([...new Set(steps)], ['Powering on cancel-me']);
        await assertVmgateRejects(driver.powerOn(vm, { signal: AbortSignal.abort() }), 'cancelled');
        assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOff');
      });
    });

    it('cancels a snapshot without keeping it', async () => {
      await withSim({ speed: 1, durations: { powerOn: 0 } }, async ({ driver, vm: mk }) => {
        const vm = mk('snap-cancel');
        await driver.powerOn(vm);
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 50);
        const snap = { id: 'snapshot-9', includeMemory: false };
        await assertVmgateRejects(driver.createSnapshot!(vm, snap, true, { signal: ac.signal }), 'cancelled');
        await assertVmgateRejects(driver.revertSnapshot!(vm, snap), 'not_found', 'snapshot_not_found');
        assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOn');
      });
    });

    it('freezes guest time while suspended', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('frozen');
        await running(driver, vm);
        const g = driver.guest!;
        const pid = await g.startProgram(vm, ROOT, { path: 'sleep', args: ['1'], captureOutput: false });
        await driver.suspend!(vm);
        await sleep(1300);
        await driver.resume!(vm);
        const [p] = await g.listProcesses(vm, ROOT, [pid]);
        assert.equal(p.exitCode, null, 'sleep 1 finished while the VM was suspended');
        // Running again, the guest still has most of its second to sleep: it ends after a
        // 500 ms timer armed now (timer order, not a wall-clock bound).
        const order: string[] = [];
        const half = new Promise<void>((r) => setTimeout(() => r(void order.push('500 ms timer')), 500));
        const done = g.waitProgram(vm, ROOT, pid).then((r) => {
          order.push('sleep 1 ended');
          return r;
        });
        assert.equal((await done).exitCode, 0);
        await half;
        assert.deepEqual(order, ['500 ms timer', 'sleep 1 ended']);
      });
    });
  });

  describe('tools', () => {
    it("never starts tools in a guest OS containing 'notools'", async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('bare', 'otherlinux-64-notools');
        assert.equal((await driver.getRuntime(vm)).toolsState, 'notInstalled');
        await driver.powerOn(vm);
        await assertVmgateRejects(driver.waitForTools(vm, 150), 'timed_out', 'timeout_waiting_for_tools');
        assert.equal((await driver.getRuntime(vm)).toolsState, 'notInstalled');
        await assertVmgateRejects(driver.guest!.authenticate(vm, ROOT), 'not_allowed_in_current_state', 'tools_not_running');
        await assertVmgateRejects(driver.reset(vm, { soft: true }), 'not_allowed_in_current_state', 'tools_not_running');
        // Ordering, not a duration: a 100 ms timer armed first fires before the 150 ms timeout ends.
        const order: string[] = [];
        const timer = new Promise<void>((r) => setTimeout(() => r(void order.push('100 ms timer')), 100));
        await driver.powerOff(vm, { soft: true, timeoutMs: 150 });
        order.push('soft power-off done');
        await timer;
        assert.deepEqual(order, ['100 ms timer', 'soft power-off done'], 'soft power-off without tools waits for its timeout');
        assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOff');
      });
    });

    it('emits an event when tools start, and honours cancellation while waiting', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('tools-event');
        const ev = nextEvent(driver, (e) => e.vmId === vm.id && e.toolsState === 'running', 5000);
        await driver.powerOn(vm);
        assert.equal((await ev).severity, 'info');
        const bare = mk('tools-cancel', 'notools');
        await driver.powerOn(bare);
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 30);
        await assertVmgateRejects(driver.waitForTools(bare, 10_000, { signal: ac.signal }), 'cancelled');
      });
    });
  });

  describe('guest-initiated power changes', () => {
    it('reboots the guest on reboot and reports it', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('rebooter');
        await running(driver, vm);
        const g = driver.guest!;
        const sleeper = await g.startProgram(vm, ROOT, { path: 'sleep', args: ['60'], captureOutput: false });
        const events: DriverEvent[] = [];
        driver.onEvent((e) => events.push(e));
        const rebooted = nextEvent(driver, (e) => e.vmId === vm.id && e.powerState === 'poweredOn', 5000);
        await g.startProgram(vm, ROOT, { path: 'reboot', args: [], captureOutput: false });
        assert.match((await rebooted).reason, /restart/);
        await driver.waitForTools(vm, 5000);
        assert.deepEqual(await g.listProcesses(vm, ROOT, [sleeper]), []);
        assert.ok(events.some((e) => e.toolsState === 'running'));
      });
    });

    it('lets only root power the guest off', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('not-root');
        await running(driver, vm);
        const r = await guestRunner(driver, vm, USER).run('poweroff', []);
        assert.equal(r.exitCode, 1);
        await sleep(50);
        assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOn');
      });
    });

    it('fails a pending waitProgram when the VM powers off', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('pull-plug');
        await running(driver, vm);
        const g = driver.guest!;
        const pid = await g.startProgram(vm, ROOT, { path: 'sleep', args: ['60'], captureOutput: false });
        const waiting = assertVmgateRejects(g.waitProgram(vm, ROOT, pid), 'not_allowed_in_current_state', 'vm_not_running');
        await driver.powerOff(vm, { soft: false });
        await waiting;
      });
    });
  });

  describe('snapshots', () => {
    it('restores running processes from a memory snapshot', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('mem-snap');
        await running(driver, vm);
        const g = driver.guest!;
        const sleeper = await g.startProgram(vm, ROOT, { path: 'sleep', args: ['30'], captureOutput: false });
        const script = await g.startProgram(vm, ROOT, { path: 'sh', args: ['-c', 'echo start; sleep 1; echo resumed > /tmp/resumed.txt; echo end'], captureOutput: true });
        await sleep(100);
        const snap = { id: 'snapshot-mem', includeMemory: true };
        await driver.createSnapshot!(vm, snap, true);
        await g.killProcess(vm, ROOT, sleeper);
        const first = await g.waitProgram(vm, ROOT, script);
        assert.equal(first.stdout.toString(), 'start\nend\n');
        assert.equal((await g.readFile(vm, ROOT, '/tmp/resumed.txt', 0, 100)).toString(), 'resumed\n');

        assert.equal(await driver.revertSnapshot!(vm, snap), 'poweredOn');
        assert.equal((await driver.getRuntime(vm)).toolsState, 'running');
        const listed = await g.listProcesses(vm, ROOT, [sleeper, script]);
        assert.deepEqual(listed.map((p) => [p.pid, p.exitCode]), [[sleeper, null], [script, null]]);
        await assertVmgateRejects(g.stat(vm, ROOT, '/tmp/resumed.txt'), 'not_found', 'file_not_found');
        const again = await g.waitProgram(vm, ROOT, script);
        assert.equal(again.exitCode, 0);
        assert.equal(again.stdout.toString(), 'start\nend\n');
        assert.equal((await g.readFile(vm, ROOT, '/tmp/resumed.txt', 0, 100)).toString(), 'resumed\n');
        await g.killProcess(vm, ROOT, sleeper);
      });
    });

    it('reverts a disk-only snapshot to a powered-off VM', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('disk-snap');
        await running(driver, vm);
        const g = driver.guest!;
        await g.writeFile(vm, ROOT, '/root/state.txt', Buffer.from('before'), { offset: 0, truncate: true, overwrite: true });
        const snap = { id: 'snapshot-disk', includeMemory: false };
        await driver.createSnapshot!(vm, snap, true);
        await g.writeFile(vm, ROOT, '/root/state.txt', Buffer.from('after'), { offset: 0, truncate: true, overwrite: true });
        assert.equal(await driver.revertSnapshot!(vm, snap), 'poweredOff');
        await running(driver, vm);
        assert.equal((await g.readFile(vm, ROOT, '/root/state.txt', 0, 100)).toString(), 'before');
        await driver.removeSnapshot!(vm, snap, true);
        await assertVmgateRejects(driver.revertSnapshot!(vm, snap), 'not_found', 'snapshot_not_found');
      });
    });
  });

  describe('restart of the control plane', () => {
    const table: [PowerState, PowerState][] = [
      ['poweredOff', 'poweredOff'],
      ['poweredOn', 'poweredOn'],
      ['paused', 'paused'],
      ['suspended', 'suspended'],
      ['poweringOn', 'poweredOff'],
      ['poweringOff', 'poweredOff'],
      ['suspending', 'poweredOn'],
      ['resetting', 'poweredOn'],
    ];
    it('maps recorded states on reattach', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        for (const [recorded, expected] of table) {
          const vm = mk(`re-${recorded}`);
          const rt = await driver.reattach(vm, { powerState: recorded, toolsState: 'running' });
          assert.equal(rt.powerState, expected, `recorded ${recorded}`);
          assert.equal((await driver.getRuntime(vm)).powerState, expected);
          if (expected === 'poweredOn') {
            assert.equal(rt.toolsState, 'running');
            assert.equal((await guestRunner(driver, vm).run('echo', ['back'])).stdout.toString(), 'back\n');
          }
          if (expected === 'suspended') {
            await driver.resume!(vm);
            await driver.waitForTools(vm, 5000);
          }
          if (expected === 'paused') await driver.unpause!(vm);
        }
      });
    });

    it('keeps the guest disk in the VM folder across driver instances', async () => {
      const root = await mkdtemp(join(tmpdir(), 'vmgate-sim-persist-'));
      try {
        const vm = simTestVm(root, 'persist-vm');
        const one = createSimDriver({ speed: 1000 });
        await one.createDisks(vm);
        await running(one, vm);
        await one.guest!.writeFile(vm, ROOT, '/root/keep.txt', Buffer.from('survives'), { offset: 0, truncate: true, overwrite: true });
        await one.createSnapshot!(vm, { id: 'snapshot-p1', includeMemory: false }, true);
        await one.guest!.writeFile(vm, ROOT, '/root/keep.txt', Buffer.from('survives v2'), { offset: 0, truncate: true, overwrite: true });
        await one.powerOff(vm, { soft: false });
        assert.ok(existsSync(join(vm.dir, 'sim-disk.json')));
        await one.close();

        const two = createSimDriver({ speed: 1000 });
        assert.equal((await two.reattach(vm, { powerState: 'poweredOff', toolsState: 'unknown' })).powerState, 'poweredOff');
        await running(two, vm);
        assert.equal((await two.guest!.readFile(vm, ROOT, '/root/keep.txt', 0, 100)).toString(), 'survives v2');
        await two.guest!.writeFile(vm, ROOT, '/root/running.txt', Buffer.from('written while running'), { offset: 0, truncate: true, overwrite: true });
        await two.close(); // the VM "keeps running"

        const three = createSimDriver({ speed: 1000 });
        const rt = await three.reattach(vm, { powerState: 'poweredOn', toolsState: 'running' });
        assert.deepEqual(rt, { powerState: 'poweredOn', toolsState: 'running' });
        assert.equal((await three.guest!.readFile(vm, ROOT, '/root/running.txt', 0, 100)).toString(), 'written while running');
        assert.equal(await three.revertSnapshot!(vm, { id: 'snapshot-p1', includeMemory: false }), 'poweredOff');
        await running(three, vm);
        assert.equal((await three.guest!.readFile(vm, ROOT, '/root/keep.txt', 0, 100)).toString(), 'survives');
        await three.close();
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  });

  describe('disks', () => {
    it('creates sparse disk files and refuses to overwrite them', async () => {
      await withSim({ speed: 1000 }, async ({ driver, root }) => {
        const vm = simTestVm(root, 'disks', {
          disks: [
            { device: 'scsi0:0', fileName: 'disks.vmdk', capacityMiB: 2048 },
            { device: 'scsi0:1', fileName: 'disks_1.vmdk', capacityMiB: 16 },
          ],
        });
        await driver.createDisks(vm);
        assert.equal((await stat(join(vm.dir, 'disks.vmdk'))).size, 2048 * 1024 * 1024);
        assert.equal((await stat(join(vm.dir, 'disks_1.vmdk'))).size, 16 * 1024 * 1024);
        await assertVmgateRejects(driver.createDisks(vm), 'already_exists');
      });
    });
  });

  describe('console', () => {
    it('serves the VM screen over RFB while it runs', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('console-vm');
        await assertVmgateRejects(driver.console!(vm), 'not_allowed_in_current_state');
        await driver.powerOn(vm);
        const ep = await driver.console!(vm);
        assert.equal(ep.protocol, 'VNC');
        assert.equal(ep.host, '127.0.0.1');
        assert.equal(ep.password, null);
        assert.ok(ep.port > 0);
        // Locked until a ticket: no security type None, and no password works yet.
        await assert.rejects(grabRfbFrame(ep.host, ep.port), /does not offer security type None \(offers 2\)/);
        await assert.rejects(grabRfbFrame(ep.host, ep.port, { password: 'guessed1' }), /the console password was used or has not been issued/);
        const ticketed = await driver.console!(vm, { password: 'Frame1pw', validForMs: 60_000 });
        assert.deepEqual([ticketed.port, ticketed.password], [ep.port, 'Frame1pw']);
        const frame = await grabRfbFrame(ep.host, ep.port, { password: 'Frame1pw' });
        assert.equal(frame.serverVersion, 'RFB 003.008');
        assert.equal(frame.name, 'console-vm');
        assert.equal(frame.width, 640);
        assert.equal(frame.height, 480);
        assert.equal(frame.bitsPerPixel, 32);
        assert.ok(countNonBackgroundPixels(frame) > 1000, 'the frame is blank');
        assert.ok(countColors(frame) >= 4, 'the frame has no text');

        await driver.pause!(vm);
        await driver.console!(vm, { password: 'Frame2pw', validForMs: 60_000 });
        const paused = await grabRfbFrame(ep.host, ep.port, { password: 'Frame2pw' });
        assert.notDeepEqual(paused.pixels, frame.pixels, 'the screen does not show the power state');
        await driver.unpause!(vm);
        assert.equal((await driver.console!(vm)).port, ep.port);

        await driver.powerOff(vm, { soft: false });
        await assertVmgateRejects(driver.console!(vm), 'not_allowed_in_current_state');
        await assert.rejects(
          new Promise((resolve, reject) => {
            const s = connect({ host: ep.host, port: ep.port });
            s.on('connect', () => {
              s.destroy();
              resolve(undefined);
            });
            s.on('error', reject);
          }),
        );
      });
    });
  });

  describe('lifecycle', () => {
    it('forgets a VM: its guest and console go away', async () => {
      await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
        const vm = mk('forget-me');
        await running(driver, vm);
        await driver.forget(vm);
        assert.equal((await driver.getRuntime(vm)).powerState, 'poweredOff');
      });
    });

    it('lets the process exit after close()', async () => {
      const child = fileURLToPath(new URL('./fixtures/sim-exit-child.ts', import.meta.url));
      const proc = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          proc.kill('SIGKILL');
          reject(new Error(`the process did not exit within 15 s after close(); stdout: ${out}; stderr: ${err}`));
        }, 15_000);
        proc.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.equal(code, 0, err);
      assert.equal(out.trim(), 'closed');
    });

    it('refuses operations after close()', async () => {
      const driver = createSimDriver({ speed: 1000 });
      await driver.close();
      await assertVmgateRejects(driver.getRuntime(simTestVm(tmpdir(), 'closed')), 'not_allowed_in_current_state');
      await driver.close();
    });
  });

  it('writes the disk image as JSON a person can read', async () => {
    await withSim({ speed: 1000 }, async ({ driver, vm: mk }) => {
      const vm = mk('json-disk');
      await running(driver, vm);
      await driver.powerOff(vm, { soft: true, timeoutMs: 1000 });
      const image = JSON.parse(await readFile(join(vm.dir, 'sim-disk.json'), 'utf8')) as { format: string; entries: { path: string }[] };
      assert.equal(image.format, 'vmgate-sim-disk');
      assert.ok(image.entries.some((e) => e.path === '/etc/hostname'));
    });
  });
});

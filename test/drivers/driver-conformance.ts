/**
 * The driver conformance suite: one behaviour suite every HypervisorDriver runs (sim,
 * qemu), as Kysely runs one suite over every dialect. It uses only what the driver
 * interface offers and, in the guest, only standard POSIX tools busybox has too (echo,
 * cat, ls, sleep, true, false, env, sh -c, mkdir, rm, poweroff), so the same tests pass on
 * the simulator and on the QEMU test guest.
 *
 * Conventions it pins down for every driver:
 * - wrong power state → not_allowed_in_current_state;
 * - wrong guest password → unauthenticated / guest_auth_failed;
 * - unknown program → not_found / file_not_found;
 * - missing file → not_found / file_not_found; existing target → already_exists /
 *   file_exists; a file where a directory is needed → invalid_argument / not_a_directory;
 *   a directory where a file is needed → invalid_argument / not_a_file;
 * - killed processes end with a non-zero exit code;
 * - a guest-initiated shutdown is reported as a DriverEvent with powerState poweredOff.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { ErrorKind, ErrorReason } from '../../src/core/errors.ts';
import { isVmgateError } from '../../src/core/errors.ts';
import { skippable } from '../support/ci.ts';
import type { PowerState } from '../../src/core/model/index.ts';
import type { DriverEvent, DriverVm, GuestCredentials, GuestOps, GuestProcessResult, GuestProgramSpec, HypervisorDriver, OpContext } from '../../src/core/ports/driver.ts';

/** What a driver under test provides. */
export interface ConformanceSubject {
  readonly driver: HypervisorDriver;
  /** A new VM, ready to power on (disks created, guest image in place), named `name`. */
  vm(name: string): Promise<DriverVm>;
  cleanup(): Promise<void>;
  /** A guest login with root rights (default root / vmware, as in the QEMU test guest). */
  readonly credentials?: GuestCredentials;
}

export interface ConformanceOptions {
  /** The driver boots real guests: allow minutes where the sim needs milliseconds. */
  readonly slow?: boolean;
  /** A reason: every test is registered as skipped (counted in the summary), nothing runs. */
  readonly skip?: string | false;
}

/** Optional members that come together: a driver fills each group whole or not at all. */
const GROUPS = {
  pause: ['pause', 'unpause'],
  suspend: ['suspend', 'resume', 'discardSuspendState'],
  snapshot: ['createSnapshot', 'revertSnapshot', 'removeSnapshot'],
  guest: ['guest'],
} as const satisfies Record<string, readonly (keyof HypervisorDriver)[]>;

const KiB = 1024;
const MiB = 1024 * KiB;

/** Asserts that `p` rejects with a VmgateError of `kind` (and `reason` when given). */
export async function assertVmgateRejects(p: Promise<unknown>, kind: ErrorKind, reason?: ErrorReason): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVmgateError(e), `expected a VmgateError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of "${e.message}"`);
    if (reason !== undefined) assert.equal(e.reason, reason, `reason of "${e.message}"`);
    return true;
  });
}

/** Resolves with the first event that `match` accepts, or rejects after `ms`. */
export function nextEvent(driver: HypervisorDriver, match: (e: DriverEvent) => boolean, ms: number): Promise<DriverEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching driver event within ${ms} ms`));
    }, ms);
    const off = driver.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

export function driverConformance(name: string, make: () => Promise<ConformanceSubject>, opts: ConformanceOptions = {}): void {
  const { after, before, describe, it } = skippable(opts.skip ?? false);
  const slow = opts.slow ?? false;
  const toolsMs = slow ? 180_000 : 10_000;
  const timeout = slow ? 600_000 : 30_000;

  describe(`${name} driver conformance`, () => {
    let s: ConformanceSubject;
    const d = (): HypervisorDriver => s.driver;
    const has = (group: keyof typeof GROUPS): boolean => GROUPS[group].every((m) => s.driver[m] !== undefined);
    const creds = (): GuestCredentials => s.credentials ?? { username: 'root', password: 'vmware' };
    const state = async (vm: DriverVm): Promise<PowerState> => (await d().getRuntime(vm)).powerState;

    before(async () => {
      s = await make();
    });
    after(async () => {
      await s?.cleanup();
    });

    it('declares its kind and fills optional members in whole groups', () => {
      assert.ok(['sim', 'qemu'].includes(d().kind));
      for (const [group, members] of Object.entries(GROUPS)) {
        const present = members.filter((m) => d()[m] !== undefined);
        assert.ok(present.length === 0 || present.length === members.length, `${group}: has ${present.join(', ')} but not all of ${members.join(', ')}`);
      }
    });

    it('cycles power: on, pause, unpause, reset, suspend, resume, off', { timeout }, async () => {
      const vm = await s.vm('conf-power');
      assert.equal(await state(vm), 'poweredOff');
      await assertVmgateRejects(d().powerOff(vm, { soft: false }), 'not_allowed_in_current_state');

      const steps: [number, string][] = [];
      const ctx: OpContext = { progress: (p, step) => steps.push([p, step]) };
      await d().powerOn(vm, ctx);
      assert.equal(await state(vm), 'poweredOn');
      assert.ok(steps.length > 0, 'powerOn reported no progress');
      assert.ok(steps.every(([p]) => p >= 0 && p <= 100), 'progress outside 0..100');
      await assertVmgateRejects(d().powerOn(vm), 'not_allowed_in_current_state');

      if (has('pause')) {
        await d().pause!(vm);
        assert.equal(await state(vm), 'paused');
        await d().unpause!(vm);
        assert.equal(await state(vm), 'poweredOn');
      }

      await d().reset(vm, { soft: false });
      assert.equal(await state(vm), 'poweredOn');

      if (has('suspend')) {
        await d().suspend!(vm);
        assert.equal(await state(vm), 'suspended');
        await assertVmgateRejects(d().suspend!(vm), 'not_allowed_in_current_state');
        await d().resume!(vm);
        assert.equal(await state(vm), 'poweredOn');
      }

      await d().powerOff(vm, { soft: false });
      assert.equal(await state(vm), 'poweredOff');
      await assertVmgateRejects(d().reset(vm, { soft: false }), 'not_allowed_in_current_state');

      if (has('suspend')) {
        await d().powerOn(vm);
        await d().suspend!(vm);
        await d().discardSuspendState!(vm);
        assert.equal(await state(vm), 'poweredOff');
      }
    });

    it('waits for tools, restarts the guest softly and shuts it down softly', { timeout }, async (t) => {
      if (!has('guest')) return t.skip('no guest operations');
      const vm = await s.vm('conf-soft');
      await assertVmgateRejects(d().waitForTools(vm, 100), 'not_allowed_in_current_state');
      await d().powerOn(vm);
      await d().waitForTools(vm, toolsMs);
      assert.equal((await d().getRuntime(vm)).toolsState, 'running');
      await d().reset(vm, { soft: true });
      assert.equal(await state(vm), 'poweredOn');
      await d().waitForTools(vm, toolsMs);
      await d().powerOff(vm, { soft: true, timeoutMs: toolsMs });
      assert.equal(await state(vm), 'poweredOff');
      assert.notEqual((await d().getRuntime(vm)).toolsState, 'running');
    });

    describe('guest operations', () => {
      let vm: DriverVm;
      const g = (): GuestOps => {
        assert.ok(d().guest, 'driver has no guest operations');
        return d().guest!;
      };
      const start = (path: string, args: string[], extra: Partial<GuestProgramSpec> = {}): Promise<number> =>
        g().startProgram(vm, creds(), { path, args, captureOutput: true, ...extra });
      const run = async (path: string, args: string[], extra: Partial<GuestProgramSpec> = {}): Promise<GuestProcessResult> =>
        g().waitProgram(vm, creds(), await start(path, args, extra));
      const sh = (script: string, extra: Partial<GuestProgramSpec> = {}): Promise<GuestProcessResult> => run('/bin/sh', ['-c', script], extra);
      const base = `/tmp/vmgate-conf-${process.pid}`;
      const skipUnlessGuest = (t: { skip(msg: string): void }): boolean => {
        if (has('guest')) return false;
        t.skip('no guest operations');
        return true;
      };

      before(async () => {
        if (!has('guest')) return;
        vm = await s.vm('conf-guest');
        await d().powerOn(vm);
        await d().waitForTools(vm, toolsMs);
        await g().makeDirectory(vm, creds(), base, true);
      });

      it('authenticates the right password and refuses a wrong one', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        await g().authenticate(vm, creds());
        await assertVmgateRejects(g().authenticate(vm, { username: creds().username, password: `${creds().password}-wrong` }), 'unauthenticated', 'guest_auth_failed');
        await assertVmgateRejects(g().authenticate(vm, { username: 'no-such-user-vmgate', password: 'x' }), 'unauthenticated', 'guest_auth_failed');
      });

      it('runs echo hello and captures its output', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        const pid = await start('echo', ['hello']);
        assert.ok(Number.isInteger(pid) && pid > 0);
        const r = await g().waitProgram(vm, creds(), pid);
        assert.equal(r.pid, pid);
        assert.equal(r.exitCode, 0);
        assert.equal(r.stdout.toString(), 'hello\n');
        assert.equal(r.stderr.length, 0);
        assert.ok(Date.parse(r.startedAt) <= Date.parse(r.finishedAt));
        assert.equal((await run('/bin/echo', ['a b', 'c'])).stdout.toString(), 'a b c\n');
      });

      it('passes exit codes, environment, stdin and working directory', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        assert.equal((await run('true', [])).exitCode, 0);
        assert.equal((await run('false', [])).exitCode, 1);
        const r = await sh('echo $HOME; exit 3');
        assert.equal(r.exitCode, 3);
        const home = r.stdout.toString().trim();
        assert.ok(home.startsWith('/'), `HOME is ${JSON.stringify(home)}`);
        if (creds().username === 'root') assert.equal(home, '/root');
        assert.equal((await sh('echo "$CONF_VAR"', { env: { CONF_VAR: 'conformance value' } })).stdout.toString(), 'conformance value\n');
        assert.match((await run('env', [], { env: { CONF_OTHER: 'x1' } })).stdout.toString(), /^CONF_OTHER=x1$/m);
        assert.equal((await run('cat', [], { stdin: Buffer.from('from stdin') })).stdout.toString(), 'from stdin');
        assert.equal((await run('sh', ['-c', 'pwd'], { cwd: '/tmp' })).stdout.toString(), '/tmp\n');
        const both = await sh('echo out; echo err >&2; exit 0');
        assert.equal(both.stdout.toString(), 'out\n');
        assert.equal(both.stderr.toString(), 'err\n');
      });

      it('refuses to start an unknown program', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        await assertVmgateRejects(start('/bin/no-such-program-vmgate', []), 'not_found', 'file_not_found');
        await assertVmgateRejects(start('no-such-program-vmgate', []), 'not_found', 'file_not_found');
      });

      it('writes and reads files, at offsets too', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        const p = `${base}/small.txt`;
        await g().writeFile(vm, creds(), p, Buffer.from('hello world'), { offset: 0, truncate: true, overwrite: true });
        assert.equal((await g().readFile(vm, creds(), p, 0, 100)).toString(), 'hello world');
        await g().writeFile(vm, creds(), p, Buffer.from('WORLD'), { offset: 6, truncate: false, overwrite: true });
        assert.equal((await g().readFile(vm, creds(), p, 0, 100)).toString(), 'hello WORLD');
        assert.equal((await g().readFile(vm, creds(), p, 6, 3)).toString(), 'WOR');
        assert.equal((await g().readFile(vm, creds(), p, 11, 10)).length, 0);
        assert.equal((await run('cat', [p])).stdout.toString(), 'hello WORLD');
        await g().writeFile(vm, creds(), p, Buffer.from('new'), { offset: 0, truncate: true, overwrite: true });
        assert.equal((await g().readFile(vm, creds(), p, 0, 100)).toString(), 'new');
        await assertVmgateRejects(g().writeFile(vm, creds(), p, Buffer.from('x'), { offset: 0, truncate: true, overwrite: false }), 'already_exists', 'file_exists');
        await sh(`echo from-shell > ${base}/shell.txt`);
        assert.equal((await g().readFile(vm, creds(), `${base}/shell.txt`, 0, 100)).toString(), 'from-shell\n');
      });

      it('round-trips a 3 MiB file in 64 KiB chunks', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        const p = `${base}/big.bin`;
        const data = randomBytes(3 * MiB);
        const chunk = 64 * KiB;
        for (let off = 0; off < data.length; off += chunk) {
          await g().writeFile(vm, creds(), p, data.subarray(off, off + chunk), { offset: off, truncate: off === 0, overwrite: true });
        }
        assert.equal((await g().stat(vm, creds(), p)).size, data.length);
        const parts: Buffer[] = [];
        for (let off = 0; ; off += chunk) {
          const part = await g().readFile(vm, creds(), p, off, chunk);
          parts.push(part);
          if (part.length < chunk) break;
        }
        const back = Buffer.concat(parts);
        assert.equal(back.length, data.length);
        assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
        await g().removeFile(vm, creds(), p);
      });

      it('makes, lists and removes directories, with the error reasons', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        const dir = `${base}/dirs`;
        await g().makeDirectory(vm, creds(), dir, false);
        await assertVmgateRejects(g().makeDirectory(vm, creds(), dir, false), 'already_exists', 'file_exists');
        await g().makeDirectory(vm, creds(), dir, true); // -p: existing is fine
        await g().makeDirectory(vm, creds(), `${dir}/a/b/c`, true);
        await assertVmgateRejects(g().makeDirectory(vm, creds(), `${dir}/x/y`, false), 'not_found', 'file_not_found');
        const file = `${dir}/a/f.txt`;
        await g().writeFile(vm, creds(), file, Buffer.from('hi'), { offset: 0, truncate: true, overwrite: false });

        const st = await g().stat(vm, creds(), file);
        assert.equal(st.type, 'file');
        assert.equal(st.size, 2);
        assert.equal(st.name, 'f.txt');
        assert.equal(st.path, file);
        assert.ok(!Number.isNaN(Date.parse(st.modifiedAt)));
        assert.equal((await g().stat(vm, creds(), `${dir}/a`)).type, 'directory');

        const names = (await g().listDirectory(vm, creds(), `${dir}/a`)).map((e) => e.name);
        assert.deepEqual(names.sort(), ['b', 'f.txt']);
        assert.deepEqual((await run('ls', [`${dir}/a`])).stdout.toString().split('\n').filter(Boolean).sort(), ['b', 'f.txt']);

        await assertVmgateRejects(g().stat(vm, creds(), `${dir}/missing`), 'not_found', 'file_not_found');
        await assertVmgateRejects(g().listDirectory(vm, creds(), `${dir}/missing`), 'not_found', 'file_not_found');
        await assertVmgateRejects(g().listDirectory(vm, creds(), file), 'invalid_argument', 'not_a_directory');
        await assertVmgateRejects(g().removeFile(vm, creds(), `${dir}/a`), 'invalid_argument', 'not_a_file');
        await assertVmgateRejects(g().readFile(vm, creds(), `${dir}/a`, 0, 10), 'invalid_argument', 'not_a_file');
        await assertVmgateRejects(g().readFile(vm, creds(), `${dir}/missing`, 0, 10), 'not_found', 'file_not_found');
        await assertVmgateRejects(g().removeDirectory(vm, creds(), file, false), 'invalid_argument', 'not_a_directory');
        await assertVmgateRejects(g().removeFile(vm, creds(), `${dir}/missing`), 'not_found', 'file_not_found');
        await assert.rejects(g().removeDirectory(vm, creds(), `${dir}/a`, false)); // not empty

        await g().removeFile(vm, creds(), file);
        await assertVmgateRejects(g().stat(vm, creds(), file), 'not_found', 'file_not_found');
        await g().removeDirectory(vm, creds(), `${dir}/a/b/c`, false);
        await g().removeDirectory(vm, creds(), dir, true);
        await assertVmgateRejects(g().stat(vm, creds(), dir), 'not_found', 'file_not_found');

        const r = await sh(`mkdir -p ${dir}/p/q && echo x > ${dir}/p/q/f && rm -r ${dir}/p && echo done`);
        assert.equal(r.stdout.toString(), 'done\n');
        assert.equal(r.exitCode, 0);
      });

      it('moves files and makes temporary files and directories', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        const tmp = await g().createTempFile(vm, creds(), { prefix: 'conf', suffix: '.txt' });
        assert.match(tmp, /^\/.*conf.*\.txt$/);
        assert.equal((await g().stat(vm, creds(), tmp)).type, 'file');
        const inBase = await g().createTempFile(vm, creds(), { prefix: 'in', suffix: '', directory: base });
        assert.ok(inBase.startsWith(`${base}/in`), inBase);
        const tmpDir = await g().createTempFile(vm, creds(), { prefix: 'cd', suffix: '', directoryOnly: true });
        assert.equal((await g().stat(vm, creds(), tmpDir)).type, 'directory');

        const moved = `${base}/moved.txt`;
        await g().move(vm, creds(), tmp, moved, false);
        await assertVmgateRejects(g().stat(vm, creds(), tmp), 'not_found', 'file_not_found');
        assert.equal((await g().stat(vm, creds(), moved)).type, 'file');
        await assertVmgateRejects(g().move(vm, creds(), inBase, moved, false), 'already_exists', 'file_exists');
        await g().move(vm, creds(), inBase, moved, true);
        await assertVmgateRejects(g().move(vm, creds(), `${base}/missing`, `${base}/x`, false), 'not_found', 'file_not_found');
        await g().removeFile(vm, creds(), moved);
        await g().removeDirectory(vm, creds(), tmpDir, true);
      });

      it('lists and kills processes', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        const pid = await start('sleep', ['60'], { captureOutput: false });
        const listed = await g().listProcesses(vm, creds(), [pid]);
        assert.equal(listed.length, 1);
        assert.equal(listed[0].pid, pid);
        assert.equal(listed[0].exitCode, null);
        assert.equal(listed[0].finishedAt, null);
        assert.equal(listed[0].owner, creds().username);
        assert.match(listed[0].commandLine, /sleep/);
        assert.ok((await g().listProcesses(vm, creds())).some((p) => p.pid === pid));

        await g().killProcess(vm, creds(), pid);
        const r = await g().waitProgram(vm, creds(), pid);
        assert.notEqual(r.exitCode, 0);
        const after = await g().listProcesses(vm, creds(), [pid]);
        if (after.length > 0) assert.notEqual(after[0].exitCode, null);

        // waiting can be cancelled; the process is killed then
        const pid2 = await start('sleep', ['60'], { captureOutput: false });
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 100);
        await assertVmgateRejects(g().waitProgram(vm, creds(), pid2, { signal: ac.signal }), 'cancelled');
        for (let i = 0; i < 100; i++) {
          const [p] = await g().listProcesses(vm, creds(), [pid2]);
          if (!p || p.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const [p2] = await g().listProcesses(vm, creds(), [pid2]);
        assert.ok(!p2 || p2.exitCode !== null, 'cancelled wait left the process running');
      });

      it('keeps a running process across suspend and resume', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        if (!has('suspend')) return t.skip('no suspend');
        const pid = await start('sleep', ['60'], { captureOutput: false });
        await d().suspend!(vm);
        assert.equal(await state(vm), 'suspended');
        await assertVmgateRejects(g().listProcesses(vm, creds()), 'not_allowed_in_current_state');
        await d().resume!(vm);
        assert.equal(await state(vm), 'poweredOn');
        await d().waitForTools(vm, toolsMs);
        const [p] = await g().listProcesses(vm, creds(), [pid]);
        assert.ok(p, `process ${pid} is gone after resume`);
        assert.equal(p.exitCode, null);
        await g().killProcess(vm, creds(), pid);
      });

      it('reverts a snapshot: a changed file comes back', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        if (!has('snapshot')) return t.skip('no snapshots');
        const p = `${base}/snap.txt`;
        await g().writeFile(vm, creds(), p, Buffer.from('version 1'), { offset: 0, truncate: true, overwrite: true });
        const snap = { id: `snapshot-conf-${process.pid}`, includeMemory: true };
        await d().createSnapshot!(vm, snap, true);
        await g().writeFile(vm, creds(), p, Buffer.from('version 2'), { offset: 0, truncate: true, overwrite: true });
        assert.equal((await g().readFile(vm, creds(), p, 0, 100)).toString(), 'version 2');
        assert.equal(await d().revertSnapshot!(vm, snap), 'poweredOn');
        assert.equal(await state(vm), 'poweredOn');
        await d().waitForTools(vm, toolsMs);
        assert.equal((await g().readFile(vm, creds(), p, 0, 100)).toString(), 'version 1');
        await d().removeSnapshot!(vm, snap, true);
      });

      it('reports a guest-initiated shutdown as an event', { timeout }, async (t) => {
        if (skipUnlessGuest(t)) return;
        const off = nextEvent(d(), (e) => e.vmId === vm.id && e.powerState === 'poweredOff', slow ? 120_000 : 10_000);
        await start('poweroff', [], { captureOutput: false }).catch(() => undefined); // the agent may die before it answers
        const ev = await off;
        assert.ok(ev.reason.length > 0);
        assert.equal(await state(vm), 'poweredOff');
        await assertVmgateRejects(g().authenticate(vm, creds()), 'not_allowed_in_current_state');
      });
    });
  });
}
